/**
 * Issue 15: a refused file write is a coded error naming the path, never INTERNAL, and its hint's
 * other path works. Tests run as root (permission bits do not stop root), so the refusal is a
 * file where a folder is needed (ENOTDIR); EACCES/EROFS/ENOSPC are covered by src/cli/files.test.ts
 * and src/core/fs-errors.test.ts.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeResult, runCli, tempProject } from "../support/cli.js";
import { DEV_BLUEPRINT } from "./sandbox-invariants.js";

describe("refused writes", () => {
  it("plan init into an unusable folder is FILE_UNWRITABLE (exit 2); --output from the hint works", async () => {
    const dir = tempProject();
    writeFileSync(join(dir, "blueprints"), "a file, not a folder");
    const r = await runCli(["plan", "init", "--env", "dev", "--project", "dataplatform"], { cwd: dir });
    expect(r.code, describeResult(r)).toBe(2);
    expect(r.stderr).toContain(
      `[FILE_UNWRITABLE] Cannot write the blueprint ${join(dir, "blueprints", "dev.json")}`,
    );
    expect(r.stderr).not.toContain("INTERNAL");
    expect(r.stderr).toContain("--output <file>");
    const again = await runCli(
      ["plan", "init", "--env", "dev", "--project", "dataplatform", "--output", "dev.json"],
      {
        cwd: dir,
      },
    );
    expect(again.code, describeResult(again)).toBe(0);
    expect(existsSync(join(dir, "dev.json"))).toBe(true);
  });

  it("config init where .dpn is a file is FILE_UNWRITABLE (exit 2)", async () => {
    const dir = tempProject();
    writeFileSync(join(dir, ".dpn"), "");
    const r = await runCli(["config", "init", "--project", "dataplatform"], { cwd: dir });
    expect(r.code, describeResult(r)).toBe(2);
    expect(r.stderr).toContain(`[FILE_UNWRITABLE] Cannot write the convention file ${join(dir, ".dpn")}`);
  });

  it("an unusable state path is STATE_UNWRITABLE (exit 8); DPN_STATE from the hint works", async () => {
    const dir = tempProject();
    writeFileSync(join(dir, "blocked"), "");
    const create = ["create", "--blueprint", DEV_BLUEPRINT, "--target", "sandbox", "--yes"];
    const r = await runCli([...create, "--state", "sqlite:blocked/state.db"], { cwd: dir });
    expect(r.code, describeResult(r)).toBe(8);
    expect(r.stderr).toContain(
      `[STATE_UNWRITABLE] Cannot open the state file ${join(dir, "blocked", "state.db")}`,
    );
    expect(r.stderr).toContain("--state sqlite:<path> (or DPN_STATE=sqlite:<path>)");
    const ok = await runCli(create, { cwd: dir, env: { DPN_STATE: "sqlite:state/state.db" } });
    expect(ok.code, describeResult(ok)).toBe(0);
    expect(existsSync(join(dir, "state", "state.db"))).toBe(true);
  });
});
