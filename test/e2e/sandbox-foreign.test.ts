/**
 * Proof (issue 3): an object dpn did not create — in another account, or in ours without dpn's
 * ownership marker — is never deleted or taken over by `dpn create`, its rollback, or
 * `dpn recover`; the run reports the conflict (exit 5) naming it.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprint/load.js";
import { resolveBlueprint } from "../../src/blueprint/resolve.js";
import { loadConvention } from "../../src/config/load-convention.js";
import type { DesiredResource } from "../../src/core/resources.js";
import { createSandboxRegistry, type SandboxObject } from "../../src/providers/sandbox/sandbox-provider.js";
import { openSqliteDb } from "../../src/state/sqlite-store.js";
import { describeResult, runCli, tempProject } from "../support/cli.js";
import { consistencyProblems, readStack, STG_BLUEPRINT } from "./sandbox-invariants.js";

const STACK = "dataplatform/stg";
const CREATE = ["create", "--blueprint", STG_BLUEPRINT, "--target", "sandbox", "--yes"];

function desiredResources(cwd: string): DesiredResource[] {
  const conv = loadConvention({ cwd });
  return resolveBlueprint(loadBlueprint(STG_BLUEPRINT), conv, {}).resources;
}

function withSandbox(dir: string, fn: (r: ReturnType<typeof createSandboxRegistry>) => void): void {
  const reg = createSandboxRegistry({ dbPath: join(dir, ".dpn", "sandbox.db") });
  try {
    fn(reg);
  } finally {
    void reg.close();
  }
}

const sameObject = (a: SandboxObject | undefined, b: SandboxObject) =>
  a !== undefined &&
  a.account === b.account &&
  a.ownership === null &&
  JSON.stringify(a.tags) === JSON.stringify(b.tags) &&
  a.archived === b.archived;

describe("objects created outside dpn under a blueprint name", () => {
  it("a bucket of another account: create stops at planning with a conflict naming it", async () => {
    const dir = tempProject();
    const all = desiredResources(dir);
    const bucket = all.filter((d) => d.type === "aws_s3_bucket").at(-1) as DesiredResource;
    withSandbox(dir, (reg) => reg.seedForeign(bucket.name));
    const seeded = readStack(dir, STACK).inventory;
    expect(seeded).toHaveLength(1);

    const r = await runCli([...CREATE, "--parallelism", "1", "--json"], { cwd: dir });
    const doc = JSON.parse(r.stdout) as {
      outcome?: string;
      error: {
        code: string;
        message: string;
        details?: { failures?: { code: string; category?: string }[] };
      };
      operations?: { address: string; phase: string; status: string }[];
    };
    expect(doc.error.message).toContain(bucket.name);
    // Found while planning (as real S3 answers 403 for another account's bucket): nothing ran.
    expect(r.code, describeResult(r)).toBe(5);
    expect(doc.error.code).toBe("REMOTE_ALREADY_EXISTS");
    expect(doc.operations ?? []).toEqual([]);

    const v = readStack(dir, STACK);
    expect(consistencyProblems(v)).toEqual([]);
    // Nothing of ours remains, the foreign bucket is still there and unchanged.
    expect(v.ours).toEqual([]);
    expect(v.rows).toEqual([]);
    expect(v.inventory).toHaveLength(1);
    expect(v.inventory[0]).toEqual(seeded[0]);
  });

  it("an unmarked object in our own account: create refuses before changing anything (exit 5)", async () => {
    const dir = tempProject();
    const all = desiredResources(dir);
    const db = all.find((d) => d.type === "aws_glue_database") as DesiredResource;
    withSandbox(dir, (reg) => reg.seedExisting(db));
    const seeded = readStack(dir, STACK).inventory;
    expect(seeded).toHaveLength(1);

    const r = await runCli(CREATE, { cwd: dir });
    expect(r.code, describeResult(r)).toBe(5);
    expect(r.stderr).toContain("RESOURCE_CONFLICT");
    expect(r.stderr).toContain(db.name);
    const v = readStack(dir, STACK);
    expect(consistencyProblems(v)).toEqual([]);
    expect(v.ours).toEqual([]);
    expect(v.inventory).toEqual(seeded);
  });

  it("an object that appears under the name while a crashed run is down is not deleted by recover", async () => {
    const dir = tempProject();
    // Kill at the intent of the 5th create (one step at a time): that object was never created.
    const r = await runCli([...CREATE, "--parallelism", "1"], {
      cwd: dir,
      env: { DPN_CRASH_AT: "after-intent:5" },
    });
    expect(r.signal, describeResult(r)).toBe("SIGKILL");
    const store = openSqliteDb(join(dir, ".dpn", "state.db"), { readonly: true });
    const tx = store.unfinishedTransactions(STACK)[0];
    const pending = tx ? store.journal(tx.id).filter((e) => e.status === "intent") : [];
    store.close();
    expect(pending).toHaveLength(1);
    const desired = pending[0]?.desired as DesiredResource;
    expect(desired.dependencies, "pick a top-level resource").toEqual([]);
    // Someone creates the same name by hand (our account, no dpn marker) before recovery runs.
    withSandbox(dir, (reg) => reg.seedExisting(desired));
    const intruder = readStack(dir, STACK).inventory.find((o) => o.ownership === null) as SandboxObject;
    expect(intruder.name).toBe(desired.name);

    const rec = await runCli(["recover", "--target", "sandbox"], { cwd: dir });
    expect(rec.code, describeResult(rec)).toBe(0);
    const v = readStack(dir, STACK);
    expect(consistencyProblems(v)).toEqual([]);
    expect(v.ours).toEqual([]);
    expect(v.inventory).toHaveLength(1);
    expect(sameObject(v.inventory[0], intruder)).toBe(true);

    // And a resume of the same situation refuses to take it over.
    const dir2 = tempProject();
    const r2 = await runCli([...CREATE, "--parallelism", "1"], {
      cwd: dir2,
      env: { DPN_CRASH_AT: "after-intent:5" },
    });
    expect(r2.signal).toBe("SIGKILL");
    withSandbox(dir2, (reg) => reg.seedExisting(desired));
    const res = await runCli(["recover", "--target", "sandbox", "--resume"], { cwd: dir2 });
    expect(res.code, describeResult(res)).toBe(5);
    expect(res.stderr).toContain(desired.name);
    const v2 = readStack(dir2, STACK);
    expect(v2.inventory.filter((o) => o.ownership === null)).toHaveLength(1);
    expect(consistencyProblems(v2).filter((p) => !p.startsWith("unfinished"))).toEqual([]);
    // The way out is a plain recover: it rolls the transaction back and still spares the object.
    const rb = await runCli(["recover", "--target", "sandbox"], { cwd: dir2 });
    expect(rb.code, describeResult(rb)).toBe(0);
    const v3 = readStack(dir2, STACK);
    expect(consistencyProblems(v3)).toEqual([]);
    expect(v3.ours).toEqual([]);
    expect(v3.inventory.map((o) => o.name)).toEqual([desired.name]);
  });
});
