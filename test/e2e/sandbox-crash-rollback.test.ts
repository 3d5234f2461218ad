/**
 * Proof (issue 3): a run that failed and is rolling back can itself be SIGKILLed at any
 * compensation point (DPN_CRASH_AT=compensate-after-{intent,remote,outcome}:n, see
 * src/core/crash-points.ts); `dpn recover` then finishes the rollback and `dpn recover --resume`
 * finishes the create instead, with no orphans and no phantom state rows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { describeResult, runCli, tempProject } from "../support/cli.js";
import { recoverHere } from "../support/recover-here.js";
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
const FAIL_AFTER = "12";

let all: string[] = [];
/** Compensations the failing run performs when nobody kills it. */
let compensations = 0;

beforeAll(async () => {
  all = await blueprintAddresses(STG_BLUEPRINT, tempProject());
  const r = await runCli([...CREATE, "--json"], {
    cwd: tempProject(),
    env: { DPN_SANDBOX_FAIL_AFTER: FAIL_AFTER },
  });
  expect(r.code, describeResult(r)).toBe(6);
  const doc = JSON.parse(r.stdout) as { outcome: string; operations: { phase: string; status: string }[] };
  expect(doc.outcome).toBe("rolled_back");
  compensations = doc.operations.filter((o) => o.phase === "compensate" && o.status === "succeeded").length;
  expect(compensations).toBeGreaterThanOrEqual(10);
}, 60_000);

async function crashDuringRollback(label: string, n: number): Promise<string[]> {
  const at = `${label}:${n}`;
  const dir = tempProject();
  const r = await runCli(CREATE, { cwd: dir, env: { DPN_SANDBOX_FAIL_AFTER: FAIL_AFTER, DPN_CRASH_AT: at } });
  if (n > compensations) {
    // Past the last compensation: the rollback completes on its own.
    const v = readStack(dir, STACK);
    const out = consistencyProblems(v).map((p) => `${at} (uncrashed): ${p}`);
    if (r.code !== 6) out.push(`${at}: expected exit 6, got ${describeResult(r)}`);
    if (v.ours.length) out.push(`${at}: ${v.ours.length} objects left after a completed rollback`);
    return out;
  }
  if (r.signal !== "SIGKILL") return [`${at}: expected SIGKILL, got ${describeResult(r)}`];
  const out: string[] = [];
  const killed = readStack(dir, STACK);
  if (killed.unfinished.length !== 1) out.push(`${at}: ${killed.unfinished.length} unfinished transactions`);
  const txId = killed.unfinished[0]?.id;

  const resumeDir = tempProject();
  copyDpnDir(dir, resumeDir);

  const rb = await recoverHere(dir, { target: "sandbox" });
  const afterRb = readStack(dir, STACK);
  out.push(...rb.map((p) => `${at} ${p}`));
  out.push(...consistencyProblems(afterRb).map((p) => `${at} recover: ${p}`));
  if (afterRb.ours.length) out.push(`${at} recover: left ${addressesOf(afterRb.ours).join(", ")}`);
  if (afterRb.rows.length) out.push(`${at} recover: ${afterRb.rows.length} state rows remain`);
  if (afterRb.transactions.find((t) => t.id === txId)?.status !== "rolled_back")
    out.push(`${at} recover: transaction not rolled_back`);

  const rs = await recoverHere(resumeDir, { target: "sandbox", resume: true });
  const afterRs = readStack(resumeDir, STACK);
  out.push(...rs.map((p) => `${at} resume: ${p}`));
  out.push(...consistencyProblems(afterRs).map((p) => `${at} resume: ${p}`));
  if (addressesOf(afterRs.ours).join() !== all.join())
    out.push(`${at} resume: ${afterRs.ours.length} of ${all.length} resources exist`);
  if (afterRs.transactions.find((t) => t.id === txId)?.status !== "committed")
    out.push(`${at} resume: transaction not committed`);
  return out;
}

describe("SIGKILL during the rollback of a failed create, then dpn recover", () => {
  for (const label of ["compensate-after-intent", "compensate-after-remote", "compensate-after-outcome"]) {
    it(`${label}:n for every n: recover completes the rollback, --resume completes the create`, async () => {
      const ns = Array.from({ length: compensations + 1 }, (_, i) => i + 1);
      const problems = (await pool(ns, 2, (n) => crashDuringRollback(label, n))).flat();
      expect(problems).toEqual([]);
    }, 180_000);
  }
});
