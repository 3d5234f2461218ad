/** The --json contract holds for argument errors too: one document on stdout, exit 2. */
import { describe, expect, it } from "vitest";
import { describeResult, runCli, tempProject } from "../support/cli.js";

describe("argument errors through the built CLI", () => {
  it("with --json: the error document on stdout; without: the typed error and hint on stderr", async () => {
    const cwd = tempProject("dpn-args-");
    const missing = await runCli(["create", "--json"], { cwd });
    expect(missing.code, describeResult(missing)).toBe(2);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ code: "OPTION_REQUIRED", exit_code: 2 });
    const bogus = await runCli(["list", "--json", "--bogus"], { cwd });
    expect(bogus.code).toBe(2);
    expect(JSON.parse(bogus.stdout).error).toMatchObject({
      code: "UNKNOWN_OPTION",
      details: { option: "--bogus" },
    });
    const typo = await runCli(["create", "--blueprnt", "x.json"], { cwd });
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe("");
    expect(typo.stderr).toMatch(/\[UNKNOWN_OPTION\] unknown option '--blueprnt' for dpn create/);
    expect(typo.stderr).toMatch(/hint: did you mean --blueprint\?/);
  });
});
