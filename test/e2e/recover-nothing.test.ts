/**
 * Issue 15 (exit codes CI can use): `dpn recover` with nothing to recover exits 0 and writes
 * nothing — in an empty folder no `.dpn/` appears, and on a clean stack the state files keep
 * their bytes.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeResult, runCli, tempProject } from "../support/cli.js";
import { DEV_BLUEPRINT } from "./sandbox-invariants.js";

/**
 * sha256 of every file under `.dpn/` except the `-shm` index a WAL reader may create (docs of
 * openSqliteDbReadOnly); a `-wal` side file is included, so any write to it shows.
 */
function dpnFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(dir, ".dpn")).sort()) {
    if (f.endsWith("-shm")) continue;
    out[f] = createHash("sha256")
      .update(readFileSync(join(dir, ".dpn", f)))
      .digest("hex");
  }
  return out;
}

const EMPTY = createHash("sha256").digest("hex");

describe("dpn recover with nothing to recover", () => {
  it("exits 0 in an empty folder and creates nothing there (default target, sandbox, --json)", async () => {
    const dir = tempProject();
    const text = await runCli(["recover"], { cwd: dir });
    expect(text.code, describeResult(text)).toBe(0);
    expect(text.stdout).toMatch(/^Nothing to recover: the state holds no stack\./);
    const json = await runCli(["recover", "--target", "sandbox", "--json"], { cwd: dir });
    expect(json.code, describeResult(json)).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ stack_id: null, recovered: [] });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("exits 0 on a clean stack and leaves the state files byte for byte", async () => {
    const dir = tempProject();
    const created = await runCli(["create", "--blueprint", DEV_BLUEPRINT, "--target", "sandbox", "--yes"], {
      cwd: dir,
    });
    expect(created.code, describeResult(created)).toBe(0);
    const before = dpnFiles(dir);
    const r = await runCli(["recover", "--target", "sandbox"], { cwd: dir });
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/^Nothing to recover: stack dataplatform\/dev has no unfinished transaction\./);
    // reading a WAL database may leave an empty -wal beside it: nothing may be in it
    const after = dpnFiles(dir);
    if (!("state.db-wal" in before) && after["state.db-wal"] === EMPTY) delete after["state.db-wal"];
    expect(after).toEqual(before);
  });
});
