/**
 * Proof (issue 3): `dpn create` SIGKILLed at random moments (slow sandbox, random delay, some runs
 * failing and rolling back when the kill lands, some recoveries killed too) is always repaired by
 * `dpn recover`: afterwards the stack is all-or-nothing — either every blueprint resource exists
 * with its state row, or none does — with no orphans, no phantom rows, no unfinished transaction.
 * The random choices come from a seeded generator; the seed is printed with any failure
 * (replay with DPN_E2E_SEED=<seed>).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { describeResult, runCli, spawnCli, tempProject } from "../support/cli.js";
import {
  addressesOf,
  blueprintAddresses,
  consistencyProblems,
  pool,
  readStack,
  STG_BLUEPRINT,
} from "./sandbox-invariants.js";

const STACK = "dataplatform/stg";
const RUNS = 50;
const SEED = Number(process.env.DPN_E2E_SEED ?? Date.now() % 1_000_000);

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let all: string[] = [];

beforeAll(async () => {
  all = await blueprintAddresses(STG_BLUEPRINT, tempProject());
}, 30_000);

interface Plan {
  i: number;
  latencyMs: number;
  killDelayMs: number;
  failAfter?: number;
  resume: boolean;
  killRecoverAfterMs?: number;
  /** Mode of the recovery that gets killed (may differ from the final one). */
  killedRecoverResume?: boolean;
}

interface Outcome {
  plan: Plan;
  /** What the kill hit: an unfinished transaction, a finished run, or nothing started yet. */
  hit: "mid-transaction" | "after-finish" | "before-transaction";
  problems: string[];
}

async function killAndRecover(p: Plan): Promise<Outcome> {
  const dir = tempProject();
  const env: Record<string, string> = { DPN_SANDBOX_LATENCY_MS: String(p.latencyMs) };
  if (p.failAfter !== undefined) env.DPN_SANDBOX_FAIL_AFTER = String(p.failAfter);
  const run = spawnCli(["create", "--blueprint", STG_BLUEPRINT, "--target", "sandbox", "--yes"], {
    cwd: dir,
    env,
  });
  // Count the delay from the moment the transaction began (its first line on stderr).
  await run.waitForStderr(/transaction tx_/, 20_000);
  await new Promise((r) => setTimeout(r, p.killDelayMs));
  run.kill("SIGKILL");
  const r = await run.result;
  const tag = `run ${p.i} (seed ${SEED}, ${JSON.stringify(p)})`;
  const problems: string[] = [];

  const killed = readStack(dir, STACK);
  const hit =
    killed.unfinished.length > 0
      ? "mid-transaction"
      : killed.transactions.length > 0
        ? "after-finish"
        : "before-transaction";
  if (r.signal !== "SIGKILL" && r.code !== 0 && r.code !== 6)
    problems.push(`${tag}: create ended unexpectedly: ${describeResult(r)}`);

  const recoverArgs = ["recover", "--target", "sandbox", ...(p.resume ? ["--resume"] : [])];
  let decidedByResume = p.resume;
  if (p.killRecoverAfterMs !== undefined && hit === "mid-transaction") {
    // Kill the recovery too: recovery must itself be recoverable.
    const killedArgs = ["recover", "--target", "sandbox", ...(p.killedRecoverResume ? ["--resume"] : [])];
    const rec = spawnCli(killedArgs, { cwd: dir, env: { DPN_SANDBOX_LATENCY_MS: String(p.latencyMs) } });
    await rec.waitForStderr(/recovering transaction/, 10_000);
    await new Promise((res) => setTimeout(res, p.killRecoverAfterMs));
    rec.kill("SIGKILL");
    // If that recovery finished before the kill, it decided the outcome and the next finds nothing.
    if ((await rec.result).code === 0) decidedByResume = p.killedRecoverResume === true;
  }
  const rec = await runCli(recoverArgs, { cwd: dir });
  if (rec.code !== 0) problems.push(`${tag}: recover failed: ${describeResult(rec)}`);
  const v = readStack(dir, STACK);
  problems.push(...consistencyProblems(v).map((x) => `${tag}: ${x}`));
  const have = addressesOf(v.ours);
  if (have.length !== 0 && have.join() !== all.join())
    problems.push(`${tag}: not all-or-nothing: ${have.length} of ${all.length} resources exist`);
  if (hit === "mid-transaction") {
    // Rollback leaves nothing; resume finishes the blueprint.
    const want = decidedByResume ? all.length : 0;
    if (have.length !== want)
      problems.push(`${tag}: expected ${want} resources after recover, found ${have.length}`);
  }
  return { plan: p, hit, problems };
}

describe("random SIGKILLs of dpn create, each followed by dpn recover", () => {
  it(`${RUNS} kills at random moments leave an all-or-nothing, consistent stack`, async () => {
    const rnd = prng(SEED);
    const plans: Plan[] = Array.from({ length: RUNS }, (_, i) => {
      const latencyMs = 20 + Math.floor(rnd() * 21);
      const p: Plan = {
        i,
        latencyMs,
        // The apply takes about 6 latency rounds (fewer when it fails early); aim across it.
        killDelayMs: Math.floor(rnd() * latencyMs * 6),
        resume: rnd() < 0.5,
      };
      // A third of the runs fail on their own, so some kills land inside the rollback.
      if (rnd() < 1 / 3) p.failAfter = Math.floor(rnd() * all.length);
      if (rnd() < 0.2) {
        p.killRecoverAfterMs = Math.floor(rnd() * latencyMs * 6);
        p.killedRecoverResume = rnd() < 0.5;
      }
      return p;
    });
    const outcomes = await pool(plans, 2, killAndRecover);
    const problems = outcomes.flatMap((o) => o.problems);
    const hits = outcomes.filter((o) => o.hit === "mid-transaction").length;
    if (process.env.DPN_E2E_VERBOSE)
      console.info(
        `seed ${SEED}: ${hits} mid-transaction, ${outcomes.filter((o) => o.hit === "after-finish").length} after finish, ${outcomes.filter((o) => o.hit === "before-transaction").length} before`,
      );
    expect(problems, `seed ${SEED}`).toEqual([]);
    // The test must actually kill runs in flight, or it proves nothing.
    expect(
      hits,
      `only ${hits} of ${RUNS} kills landed inside a transaction (seed ${SEED})`,
    ).toBeGreaterThanOrEqual(RUNS * 0.5);
  }, 180_000);
});
