/**
 * Proof (crash consistency on the real clouds): 50 randomly chosen SIGKILLs of `dpn create` on moto
 * + the Databricks fake — at a random crash point (any journal point or any remote call), with a
 * random parallelism, a third of the runs also failing a random Databricks call so that some kills
 * land inside their rollback, and a fifth of the recoveries killed too — each followed by `dpn
 * recover` (rollback or resume, at random). Afterwards the stack is all or nothing, cloud and state
 * agree (no orphan, no phantom), and nothing is left unfinished or locked.
 *
 * Every choice comes from a seeded generator, and every kill is a crash point rather than a timer,
 * so a seed replays the same runs (`DPN_E2E_SEED=<seed>`); the seed is printed with any failure.
 * With parallelism above 1 the n-th remote call may be a different call from run to run; the
 * checks hold for any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import { describeResult } from "../support/cli.js";
import { preview } from "../support/cloud-env.js";
import { ledger, ledgerProblems } from "../support/cloud-ledger.js";
import { cli, distinctPoints, generic, newKillRun, traced } from "../support/kill-points.js";
import { pool } from "./sandbox-invariants.js";

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

/** Databricks calls a run may fail (a 500 on a create: nothing happens, the run rolls back). */
const FAILABLE = [
  "POST /api/2.1/clusters/create",
  "POST /api/2.2/jobs/create",
  "POST /api/2.1/unity-catalog/catalogs",
  "POST /api/2.1/unity-catalog/schemas",
  "POST /api/2.1/unity-catalog/volumes",
  "POST /api/2.0/sql/statements",
];

interface Plan {
  i: number;
  parallelism: number;
  /** `label:n` of the kill. */
  killAt: string;
  fail?: string;
  resume: boolean;
  /** Kill the first recovery too, at this point. */
  killRecoverAt?: string;
  killedRecoverResume?: boolean;
}

let labels: Record<string, number> = {};
let expected: string[] = [];
let fake: DatabricksFake;

beforeAll(async () => {
  fake = await startDatabricksFake();
  // How many times a full run passes each point (at parallelism 1), to draw kills from.
  const r = newKillRun(fake);
  const t = await traced(["create", "--blueprint", r.file, "--yes", "--parallelism", "1"], r, "create");
  expect(t.result.code, describeResult(t.result)).toBe(0);
  labels = {};
  for (const p of distinctPoints(t.points)) labels[p.label] = Math.max(labels[p.label] ?? 0, p.n);
  // remote-call counts every call, reads included
  labels["remote-call"] = Math.max(...t.points.filter((p) => p.label === "remote-call").map((p) => p.n));
  expected = (await preview(r.env, r.project, r.file)).map((x) => generic(x.address, r.project)).sort();
}, 60_000);

afterAll(async () => {
  await fake?.close();
});

async function killAndRecover(p: Plan): Promise<string[]> {
  // Its own fake, so that one run's injected fault cannot hit another run's calls.
  const own = p.fail ? await startDatabricksFake() : fake;
  try {
    if (p.fail)
      own.faults.add({
        route: p.fail,
        status: 500,
        body: { error_code: "INTERNAL_ERROR", message: "injected" },
      });
    const r = newKillRun(own);
    const tag = `run ${p.i} (seed ${SEED}, ${JSON.stringify(p)})`;
    const out: string[] = [];
    const killed = await cli(
      ["create", "--blueprint", r.file, "--yes", "--parallelism", String(p.parallelism)],
      { ...r.env, DPN_CRASH_AT: p.killAt },
    );
    // Not every point is reached in every run (a failure stops it early): then it ended on its own.
    if (killed.signal !== "SIGKILL" && killed.code !== 0 && killed.code !== 6)
      out.push(`${tag}: create ended unexpectedly: ${describeResult(killed)}`);
    let decidedByResume = p.resume;
    const midRun = killed.signal === "SIGKILL";
    if (midRun && p.killRecoverAt) {
      const rec = await cli(p.killedRecoverResume ? ["recover", "--resume"] : ["recover"], {
        ...r.env,
        DPN_CRASH_AT: p.killRecoverAt,
      });
      if (rec.signal !== "SIGKILL" && rec.code !== 0)
        out.push(`${tag}: killed recovery ended ${describeResult(rec)}`);
      // A recovery that finished before its kill point decided the outcome.
      if (rec.code === 0) decidedByResume = p.killedRecoverResume === true;
    }
    const rec = await cli(p.resume ? ["recover", "--resume"] : ["recover"], r.env);
    if (rec.code !== 0) out.push(`${tag}: recover failed: ${describeResult(rec)}`);
    const l = await ledger(r.project, own, r.home);
    out.push(...ledgerProblems(l).map((x) => `${tag}: ${x}`));
    const rows = l.state.resources.map((x) => generic(x.address, r.project)).sort();
    if (rows.length !== 0 && rows.join() !== expected.join())
      out.push(`${tag}: not all-or-nothing: ${rows.length} of ${expected.length} resources in state`);
    if (midRun && !p.fail) {
      const want = decidedByResume ? expected.length : 0;
      if (rows.length !== want)
        out.push(`${tag}: expected ${want} resources after recover, found ${rows.length}`);
    }
    const open = l.state.transactions.filter((t) => !["committed", "rolled_back"].includes(t.status));
    if (open.length) out.push(`${tag}: unfinished transactions ${open.map((t) => t.status).join(", ")}`);
    if (l.state.locks !== 0) out.push(`${tag}: a lock was left behind`);
    return out;
  } finally {
    if (own !== fake) await own.close();
  }
}

describe("random SIGKILLs of dpn create on moto + the Databricks fake, each followed by dpn recover", () => {
  it(`${RUNS} kills at random crash points leave an all-or-nothing stack that agrees with the cloud`, async () => {
    const rnd = prng(SEED);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const names = Object.keys(labels);
    const point = () => {
      const label = pick(names);
      return `${label}:${1 + Math.floor(rnd() * (labels[label] ?? 1))}`;
    };
    const plans: Plan[] = Array.from({ length: RUNS }, (_, i) => {
      const p: Plan = { i, parallelism: 1 + Math.floor(rnd() * 10), killAt: point(), resume: rnd() < 0.5 };
      if (rnd() < 1 / 3) p.fail = pick(FAILABLE);
      if (rnd() < 0.2) {
        p.killRecoverAt = point();
        p.killedRecoverResume = rnd() < 0.5;
      }
      return p;
    });
    const problems = (await pool(plans, 2, killAndRecover)).flat();
    expect(problems, `seed ${SEED}`).toEqual([]);
  }, 600_000);
});
