/**
 * Proof (issue 3): a failure injected at EVERY mutating call of a 23-resource create
 * (DPN_SANDBOX_FAIL_AFTER=n for every n) exits 6 with the sandbox and the state in agreement and
 * nothing the run created left behind; failures whose outcome is unknown
 * (DPN_SANDBOX_FAIL_AFTER_EFFECT: the effect happened, the answer was lost) never duplicate or
 * strand an object; `--no-rollback` keeps what succeeded and a re-run completes the stack.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { describeResult, runCli, tempProject } from "../support/cli.js";
import {
  addressesOf,
  blueprintAddresses,
  consistencyProblems,
  pool,
  readStack,
  STG_BLUEPRINT,
} from "./sandbox-invariants.js";

const STACK = "dataplatform/stg";
const CREATE = ["create", "--blueprint", STG_BLUEPRINT, "--target", "sandbox", "--yes"];

let all: string[] = [];
/** `create:<type>:<k>` for every create call the blueprint makes. */
let createCalls: string[] = [];

beforeAll(async () => {
  all = await blueprintAddresses(STG_BLUEPRINT, tempProject());
  const perType = new Map<string, number>();
  for (const a of all) {
    const type = a.slice(0, a.indexOf("."));
    perType.set(type, (perType.get(type) ?? 0) + 1);
  }
  createCalls = [...perType].flatMap(([type, count]) =>
    Array.from({ length: count }, (_, k) => `create:${type}:${k + 1}`),
  );
}, 30_000);

describe("failure injected at every step of a create", () => {
  it("DPN_SANDBOX_FAIL_AFTER=n for every n: exit 6, nothing left, sandbox and state agree", async () => {
    const ns = Array.from({ length: all.length + 1 }, (_, n) => n);
    const problems = (
      await pool(ns, 2, async (n) => {
        const dir = tempProject();
        const r = await runCli(CREATE, { cwd: dir, env: { DPN_SANDBOX_FAIL_AFTER: String(n) } });
        const v = readStack(dir, STACK);
        const out = consistencyProblems(v).map((p) => `FAIL_AFTER=${n}: ${p}`);
        if (n === all.length) {
          // One past the last mutating call: nothing fails, which proves the loop hit every call.
          if (r.code !== 0) out.push(`FAIL_AFTER=${n}: expected success, ${describeResult(r)}`);
          if (addressesOf(v.ours).join() !== all.join()) out.push(`FAIL_AFTER=${n}: incomplete`);
          return out;
        }
        if (r.code !== 6 || !r.stderr.includes("APPLY_ROLLED_BACK"))
          out.push(`FAIL_AFTER=${n}: expected exit 6 APPLY_ROLLED_BACK, ${describeResult(r)}`);
        if (!r.stderr.includes("SANDBOX_INJECTED_FAILURE")) out.push(`FAIL_AFTER=${n}: cause not named`);
        if (v.ours.length) out.push(`FAIL_AFTER=${n}: left ${addressesOf(v.ours).join(", ")}`);
        if (v.rows.length) out.push(`FAIL_AFTER=${n}: ${v.rows.length} state rows left`);
        if (v.transactions.map((t) => t.status).join() !== "rolled_back")
          out.push(`FAIL_AFTER=${n}: transactions ${v.transactions.map((t) => t.status).join()}`);
        return out;
      })
    ).flat();
    expect(problems).toEqual([]);
  }, 120_000);

  it("DPN_SANDBOX_FAIL_AFTER_EFFECT on every create call: the lost answer is resolved by lookup, no duplicates", async () => {
    const problems = (
      await pool(createCalls, 2, async (rule) => {
        const dir = tempProject();
        const r = await runCli(CREATE, { cwd: dir, env: { DPN_SANDBOX_FAIL_AFTER_EFFECT: rule } });
        const v = readStack(dir, STACK);
        const out = consistencyProblems(v).map((p) => `${rule}: ${p}`);
        if (r.code !== 0) out.push(`${rule}: ${describeResult(r)}`);
        if (addressesOf(v.ours).join() !== all.join())
          out.push(`${rule}: ${v.ours.length} of ${all.length} exist`);
        if (v.inventory.length !== all.length)
          out.push(`${rule}: ${v.inventory.length} objects (duplicates?)`);
        return out;
      })
    ).flat();
    expect(problems).toEqual([]);
  }, 120_000);

  it("answer lost on a create, then a later failure: the in-doubt create is rolled back too (exit 6)", async () => {
    // Every 3rd create call loses its answer; call 20 fails outright.
    const rules = createCalls.filter((_, i) => i % 3 === 0);
    const problems = (
      await pool(rules, 2, async (rule) => {
        const dir = tempProject();
        const r = await runCli(CREATE, {
          cwd: dir,
          env: { DPN_SANDBOX_FAIL_AFTER_EFFECT: rule, DPN_SANDBOX_FAIL_AFTER: "19" },
        });
        const v = readStack(dir, STACK);
        const out = consistencyProblems(v).map((p) => `${rule}: ${p}`);
        if (r.code !== 6) out.push(`${rule}: ${describeResult(r)}`);
        if (v.inventory.length) out.push(`${rule}: left ${v.inventory.map((o) => o.name).join(", ")}`);
        return out;
      })
    ).flat();
    expect(problems).toEqual([]);
  }, 120_000);

  it("answer lost on the rollback's own deletes: the undo is verified, not reported as a leftover (exit 6)", async () => {
    const deletes = ["aws_s3_bucket", "aws_glue_database", "dbx_cluster", "dbx_catalog"].map(
      (t) => `delete:${t}:1`,
    );
    const problems = (
      await pool(deletes, 2, async (rule) => {
        const dir = tempProject();
        const r = await runCli(CREATE, {
          cwd: dir,
          env: { DPN_SANDBOX_FAIL_AFTER_EFFECT: rule, DPN_SANDBOX_FAIL_AFTER: "12" },
        });
        const v = readStack(dir, STACK);
        const out = consistencyProblems(v).map((p) => `${rule}: ${p}`);
        if (r.code !== 6) out.push(`${rule}: ${describeResult(r)}`);
        if (v.inventory.length) out.push(`${rule}: left ${v.inventory.map((o) => o.name).join(", ")}`);
        return out;
      })
    ).flat();
    expect(problems).toEqual([]);
  }, 60_000);

  it("--no-rollback keeps what succeeded (state agrees), and a re-run completes the stack", async () => {
    const dir = tempProject();
    const r = await runCli([...CREATE, "--no-rollback"], { cwd: dir, env: { DPN_SANDBOX_FAIL_AFTER: "10" } });
    // The provider failure's exit code (5), not "rolled back" (6): the changes were kept.
    expect(r.code, describeResult(r)).toBe(5);
    expect(r.stderr).toContain("APPLY_FAILED_KEPT");
    const kept = readStack(dir, STACK);
    expect(consistencyProblems(kept)).toEqual([]);
    expect(kept.ours.length).toBeGreaterThanOrEqual(10);
    expect(kept.ours.length).toBeLessThan(all.length);
    expect(kept.transactions.map((t) => t.status)).toEqual(["failed_kept"]);

    const again = await runCli(CREATE, { cwd: dir });
    expect(again.code, describeResult(again)).toBe(0);
    const v = readStack(dir, STACK);
    expect(consistencyProblems(v)).toEqual([]);
    expect(addressesOf(v.ours)).toEqual(all);
    expect(v.inventory).toHaveLength(all.length);
    // The kept objects are the same objects (not re-created).
    for (const o of kept.ours)
      expect(v.inventory.some((x) => x.remoteId === o.remoteId && x.type === o.type)).toBe(true);
  }, 60_000);

  it("--no-rollback, then the state file is lost: a re-run adopts our own objects (marker) and creates the rest", async () => {
    const dir = tempProject();
    const r = await runCli([...CREATE, "--no-rollback"], { cwd: dir, env: { DPN_SANDBOX_FAIL_AFTER: "8" } });
    expect(r.code, describeResult(r)).toBe(5);
    const kept = readStack(dir, STACK).ours;
    expect(kept.length).toBeGreaterThanOrEqual(8);
    rmSync(join(dir, ".dpn", "state.db"));
    for (const side of ["-wal", "-shm"]) rmSync(join(dir, ".dpn", `state.db${side}`), { force: true });

    const again = await runCli([...CREATE, "--json"], { cwd: dir });
    expect(again.code, describeResult(again)).toBe(0);
    const doc = JSON.parse(again.stdout) as {
      outcome: string;
      operations: { address: string; action: string; status: string }[];
    };
    expect(doc.outcome).toBe("committed");
    const adopted = doc.operations
      .filter((o) => o.action === "adopt" && o.status === "succeeded")
      .map((o) => o.address);
    expect(adopted.sort()).toEqual(addressesOf(kept));
    const v = readStack(dir, STACK);
    expect(consistencyProblems(v)).toEqual([]);
    expect(addressesOf(v.ours)).toEqual(all);
    expect(v.inventory).toHaveLength(all.length);
  }, 60_000);
});
