import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { describeResult, runCli, tempProject } from "../support/cli.js";

describe("dpn completion (built CLI)", () => {
  it("prints a bash script that bash accepts", async () => {
    const r = await runCli(["completion", "bash"], { cwd: tempProject() });
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain("complete -o default -F _dpn_completion dpn");
    const check = spawnSync("bash", ["-n"], { input: r.stdout, encoding: "utf8" });
    expect(check.status, check.stderr).toBe(0);
  });

  it("refuses an unknown shell with a usage error listing the shells", async () => {
    const r = await runCli(["completion", "tcsh"], { cwd: tempProject() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("[UNKNOWN_SHELL]");
    expect(r.stderr).toContain("tcsh");
    expect(r.stderr).toMatch(/bash, zsh, fish/);
  });
});
