/**
 * Proof (issue 3): recovery is itself crash-safe. After a create is SIGKILLed, new work is refused
 * (TX_UNFINISHED, exit 8) until `dpn recover`; and a `dpn recover` / `dpn recover --resume` that is
 * SIGKILLed at any of its own journal points (DPN_CRASH_AT, src/core/crash-points.ts) is
 * completed by running it again, with no orphans and no phantom state rows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { describeResult, runCli, tempProject } from "../support/cli.js";
import {
  addressesOf,
  blueprintAddresses,
  consistencyProblems,
  copyDpnDir,
  pool,
  readStack,
  STG_BLUEPRINT,
} from "./sandbox-invariants.js";

const STACK = "dataplatform/stg";
const CREATE = ["create", "--blueprint", STG_BLUEPRINT, "--target", "sandbox", "--yes"];
/** The create is killed after 12 completed steps (one step at a time, so exactly 12). */
const FIRST_KILL = "after-outcome:12";
const DONE = 12;

let all: string[] = [];
/** A folder holding the state a killed create left behind; each case works on a copy. */
let crashed = "";

beforeAll(async () => {
  all = await blueprintAddresses(STG_BLUEPRINT, tempProject());
  crashed = tempProject();
  const r = await runCli([...CREATE, "--parallelism", "1"], {
    cwd: crashed,
    env: { DPN_CRASH_AT: FIRST_KILL },
  });
  expect(r.signal, describeResult(r)).toBe("SIGKILL");
  const v = readStack(crashed, STACK);
  expect(v.ours).toHaveLength(DONE);
  expect(v.unfinished).toHaveLength(1);
}, 60_000);

function copyOfCrashed(): string {
  const dir = tempProject();
  copyDpnDir(crashed, dir);
  return dir;
}

describe("after a killed create", () => {
  it("a new create is refused with TX_UNFINISHED (exit 8) and changes nothing", async () => {
    const dir = copyOfCrashed();
    const before = readStack(dir, STACK);
    const r = await runCli(CREATE, { cwd: dir });
    expect(r.code, describeResult(r)).toBe(8);
    expect(r.stderr).toContain("TX_UNFINISHED");
    expect(r.stderr).toContain("dpn recover");
    const after = readStack(dir, STACK);
    expect(after.inventory).toEqual(before.inventory);
    expect(after.rows).toEqual(before.rows);
  });

  it("a recover (rollback) killed at any of its compensation points is finished by the next recover", async () => {
    const labels = ["compensate-after-intent", "compensate-after-remote", "compensate-after-outcome"];
    // Each n once, rotating the label, so every point kind is hit across the rollback.
    const cases = Array.from({ length: DONE }, (_, i) => ({ label: labels[i % 3] as string, n: i + 1 }));
    const problems = (
      await pool(cases, 2, async ({ label, n }) => {
        const at = `${label}:${n}`;
        const dir = copyOfCrashed();
        const first = await runCli(["recover", "--target", "sandbox"], {
          cwd: dir,
          env: { DPN_CRASH_AT: at },
        });
        if (first.signal !== "SIGKILL") return [`${at}: recover was not killed: ${describeResult(first)}`];
        const second = await runCli(["recover", "--target", "sandbox"], { cwd: dir });
        const v = readStack(dir, STACK);
        const out = consistencyProblems(v).map((p) => `${at}: ${p}`);
        if (second.code !== 0) out.push(`${at}: second recover ${describeResult(second)}`);
        if (v.ours.length) out.push(`${at}: left ${addressesOf(v.ours).join(", ")}`);
        if (v.rows.length) out.push(`${at}: ${v.rows.length} rows left`);
        return out;
      })
    ).flat();
    expect(problems).toEqual([]);
  }, 120_000);

  it("a recover --resume killed at any of its own journal points is finished by the next --resume", async () => {
    const labels = ["after-intent", "after-remote", "after-outcome"];
    const remaining = all.length - DONE;
    const cases = Array.from({ length: remaining }, (_, i) => ({ label: labels[i % 3] as string, n: i + 1 }));
    const problems = (
      await pool(cases, 2, async ({ label, n }) => {
        const at = `${label}:${n}`;
        const dir = copyOfCrashed();
        const first = await runCli(["recover", "--target", "sandbox", "--resume"], {
          cwd: dir,
          env: { DPN_CRASH_AT: at },
        });
        if (first.signal !== "SIGKILL") return [`${at}: resume was not killed: ${describeResult(first)}`];
        const second = await runCli(["recover", "--target", "sandbox", "--resume"], { cwd: dir });
        const v = readStack(dir, STACK);
        const out = consistencyProblems(v).map((p) => `${at}: ${p}`);
        if (second.code !== 0) out.push(`${at}: second resume ${describeResult(second)}`);
        if (addressesOf(v.ours).join() !== all.join())
          out.push(`${at}: ${v.ours.length} of ${all.length} exist`);
        if (v.transactions.map((t) => t.status).join() !== "committed")
          out.push(`${at}: transactions ${v.transactions.map((t) => t.status).join()}`);
        return out;
      })
    ).flat();
    expect(problems).toEqual([]);
  }, 120_000);
});
