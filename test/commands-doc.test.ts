import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { commandReference } from "../src/cli/command-reference.js";

describe("docs/commands.md", () => {
  it("matches the CLI's own help (run `npm run docs` after changing commands)", () => {
    const onDisk = readFileSync(new URL("../docs/commands.md", import.meta.url), "utf8");
    expect(onDisk).toBe(commandReference());
  });

  it("documents every command with examples", () => {
    const doc = commandReference();
    for (const c of [
      "config init",
      "plan preview",
      "name",
      "create",
      "recover",
      "audit",
      "tx show",
      "unlock",
    ]) {
      expect(doc).toContain(`## dpn ${c}\n`);
    }
    expect(doc.match(/Examples:/g)?.length).toBeGreaterThanOrEqual(12);
  });
});
