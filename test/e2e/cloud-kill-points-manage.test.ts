/**
 * Proof (crash consistency on the real clouds, continued): `dpn delete --archive`, `dpn restore`,
 * `dpn update` and `dpn delete` of each resource type on moto + the Databricks fake, SIGKILLed at
 * every crash point the operation passes (journal points and one after every remote call), then
 * `dpn recover` (the operation is undone: archive ↔ restore, update → previous settings; a delete
 * that happened stays done) or `dpn recover --resume` (the operation is finished). After each
 * recovery cloud and state agree: no orphan, no phantom, the archive state of state and cloud is
 * the same, no unfinished transaction, no lock.
 *
 * The killed operation is always a real CLI process (SIGKILL mid-run); the recovery and the read
 * after it run in this process through the library's use cases (`recoverStack`, `readResource`,
 * the same code `dpn recover` and `dpn read` call), which halves the processes the proof spawns.
 * cloud-kill-points.test.ts recovers through the CLI.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readResource } from "../../src/app/resources.js";
import { appContext } from "../../src/compose/compose.js";
import { isDpnError } from "../../src/core/errors.js";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import { type CliResult, describeResult, REPO_ROOT } from "../support/cli.js";
import { preview } from "../support/cloud-env.js";
import { archivedInCloud, ledger, ledgerProblems } from "../support/cloud-ledger.js";
import {
  cli,
  describePoint,
  distinctPoints,
  type KillRun,
  newKillRun,
  type TracePoint,
  traced,
} from "../support/kill-points.js";
import { recoverHere } from "../support/recover-here.js";
import { pool } from "./sandbox-invariants.js";

let fake: DatabricksFake;

beforeAll(async () => {
  fake = await startDatabricksFake();
});

afterAll(async () => {
  await fake?.close();
});

/** Settings an update changes, per type (schemas/update-<type>.schema.json). */
const UPDATES: Record<string, Record<string, unknown>> = {
  aws_s3_bucket: { lifecycle_days: 45, versioning: false, tags: { Owner: "kill@example.com" } },
  aws_glue_database: { description: "changed by the kill test", tags: { Owner: "kill@example.com" } },
  aws_glue_table: { description: "changed by the kill test" },
  dbx_cluster: { autotermination_minutes: 45, tags: { Owner: "kill" } },
  dbx_job: { max_concurrent_runs: 2, tags: { Owner: "kill" } },
  dbx_catalog: { comment: "changed by the kill test", tags: { Owner: "kill" } },
  dbx_schema: { comment: "changed by the kill test" },
  dbx_table: { comment: "changed by the kill test" },
  dbx_volume: { comment: "changed by the kill test", tags: { Owner: "kill" } },
};

/** Types whose delete the proof also covers (leaves: nothing else in the stack depends on them). */
const DELETABLE = new Set(["dbx_job", "dbx_table", "dbx_volume", "aws_glue_table"]);

interface Stack {
  run: KillRun;
  address: string;
  type: string;
}

const sel = (s: Stack) => ["--resource-id", s.address, "--blueprint", s.run.file];
const ARCHIVE = (s: Stack) => ["delete", ...sel(s), "--archive", "--yes"];
const RESTORE = (s: Stack) => ["restore", ...sel(s)];
const DELETE = (s: Stack) => ["delete", ...sel(s), "--yes"];
const updateArgs = (s: Stack, file: string) => ["update", ...sel(s), "--params", file, "--yes"];

async function ok(what: string, p: Promise<CliResult>): Promise<void> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what}: ${describeResult(r)}`);
}

/** Cloud and state agree for the stack; the resource's archive state is `archived` on both sides. */
async function check(
  s: Stack,
  what: string,
  want: { archived?: boolean; exists?: boolean },
): Promise<string[]> {
  const l = await ledger(s.run.project, fake, s.run.home);
  const out = ledgerProblems(l).map((p) => `${what}: ${p}`);
  const unfinished = l.state.transactions.filter(
    (t) => t.status !== "committed" && t.status !== "rolled_back",
  );
  if (unfinished.length)
    out.push(`${what}: unfinished ${unfinished.map((t) => `${t.id} ${t.status}`).join(", ")}`);
  if (l.state.locks !== 0) out.push(`${what}: a lock was left behind`);
  const row = l.state.resources.find((r) => r.address === s.address);
  if (want.exists === false && row) out.push(`${what}: the row is still there`);
  if (want.exists === true && !row) out.push(`${what}: the row is gone`);
  if (row && want.archived !== undefined) {
    const cloud = await archivedInCloud(fake, s.type, row.remote_id);
    if ((row.status === "archived") !== want.archived)
      out.push(`${what}: state says ${row.status}, expected ${want.archived ? "archived" : "active"}`);
    if (cloud !== want.archived)
      out.push(`${what}: the cloud object is ${cloud ? "archived" : "not archived"}`);
  }
  return out;
}

/** The library's context over the run's state and clouds (what the CLI child would build). */
const app = (s: Stack) => appContext({ cwd: REPO_ROOT, env: s.run.env }, { command: "kill-proof" });

const failure = (e: unknown) => (isDpnError(e) ? `${e.code}: ${e.message}` : String(e));

/** What `dpn read` reports for the resource: state and live agree (no drift) after a recovery. */
async function inSync(s: Stack, what: string): Promise<string[]> {
  try {
    const r = await readResource(app(s), { resourceId: s.address, blueprint: s.run.file, target: "cloud" });
    return r.drift.length > 0 ? [`${what}: state and live differ: ${JSON.stringify(r.drift)}`] : [];
  } catch (e) {
    return [`${what}: read failed: ${failure(e)}`];
  }
}

/** One kill, then one recovery, then the checks; the problems found. */
async function killRecoverCheck(
  s: Stack,
  name: string,
  args: string[],
  p: TracePoint,
  mode: "rollback" | "resume",
  checks: (what: string) => Promise<string[]>,
): Promise<string[]> {
  const what = `${name} ${s.type} killed at ${p.label}:${p.n} (${describePoint(p)}), ${mode}`;
  const killed = await cli(args, { ...s.run.env, DPN_CRASH_AT: `${p.label}:${p.n}` });
  if (killed.signal !== "SIGKILL") return [`${what}: expected SIGKILL, got ${describeResult(killed)}`];
  const out = (
    await recoverHere(
      REPO_ROOT,
      { target: "cloud", blueprint: s.run.file, resume: mode === "resume" },
      s.run.env,
    )
  ).map((p) => `${what}: ${p}`);
  return [...out, ...(await checks(what))];
}

/**
 * Kill a pair of opposite operations (archive/restore, update/update back) at every point, in
 * cycles that need no extra run to get back to the start: forward killed + rollback (still at A),
 * forward killed + resume (now at B), backward killed + rollback (still at B), backward killed +
 * resume (back at A). The shorter list of points repeats its last point.
 */
async function cycles(
  s: Stack,
  fwd: { name: string; args: string[]; points: TracePoint[]; atStart: (w: string) => Promise<string[]> },
  back: { name: string; args: string[]; points: TracePoint[]; atEnd: (w: string) => Promise<string[]> },
  everyCycle?: (w: string) => Promise<string[]>,
): Promise<string[]> {
  const out: string[] = [];
  const n = Math.max(fwd.points.length, back.points.length);
  for (let i = 0; i < n; i++) {
    const pf = fwd.points[Math.min(i, fwd.points.length - 1)] as TracePoint;
    const pb = back.points[Math.min(i, back.points.length - 1)] as TracePoint;
    out.push(...(await killRecoverCheck(s, fwd.name, fwd.args, pf, "rollback", fwd.atStart)));
    out.push(...(await killRecoverCheck(s, fwd.name, fwd.args, pf, "resume", back.atEnd)));
    out.push(...(await killRecoverCheck(s, back.name, back.args, pb, "rollback", back.atEnd)));
    out.push(...(await killRecoverCheck(s, back.name, back.args, pb, "resume", fwd.atStart)));
    if (everyCycle) out.push(...(await everyCycle(`${fwd.name}/${back.name} cycle ${i + 1}`)));
  }
  return out;
}

/** The settings of `type` as the blueprint has them, to update back to (schemas/update-<type>). */
function original(type: string, bp: Record<string, unknown>): Record<string, unknown> {
  const u = UPDATES[type] as Record<string, unknown>;
  const res = bp.resources as {
    aws: Record<string, Record<string, unknown>[]>;
    databricks: Record<string, unknown>;
  };
  const out: Record<string, unknown> = {};
  // tags are merged by `dpn update`; null removes the ones the forward update added
  if (u.tags) out.tags = Object.fromEntries(Object.keys(u.tags as object).map((k) => [k, null]));
  switch (type) {
    case "aws_s3_bucket":
      return { ...out, lifecycle_days: res.aws.s3_buckets?.[0]?.lifecycle_days, versioning: true };
    case "aws_glue_database":
      return { ...out, description: res.aws.glue_databases?.[0]?.description };
    case "aws_glue_table":
      return { description: "" };
    case "dbx_cluster":
      return { ...out, autotermination_minutes: 60 };
    case "dbx_job":
      return { ...out, max_concurrent_runs: 1 };
    default:
      return { ...out, comment: "" };
  }
}

/**
 * The points each operation passes (distinct of all), pinned: a new remote call in an operation
 * changes its count and fails the proof until the pin is updated (after checking that the new call
 * has its crash point and is killed like the others). Same figures with one type at a time and with
 * KILL_POOL types at once.
 */
const PINNED_COUNTS: Record<string, Record<string, string>> = {
  aws_s3_bucket: { archive: "4 of 14", restore: "4 of 14", update: "5 of 14", "update back": "5 of 14" },
  aws_glue_database: { archive: "4 of 10", restore: "4 of 10", update: "4 of 10", "update back": "4 of 10" },
  aws_glue_table: {
    archive: "3 of 6",
    restore: "3 of 6",
    update: "3 of 6",
    "update back": "3 of 6",
    delete: "3 of 4",
  },
  dbx_cluster: { archive: "4 of 11", restore: "4 of 8", update: "3 of 6", "update back": "3 of 6" },
  dbx_job: {
    archive: "3 of 5",
    restore: "3 of 5",
    update: "3 of 5",
    "update back": "3 of 5",
    delete: "3 of 4",
  },
  dbx_catalog: { archive: "3 of 5", restore: "3 of 5", update: "3 of 5", "update back": "3 of 5" },
  dbx_schema: { archive: "3 of 5", restore: "3 of 5", update: "3 of 5", "update back": "3 of 5" },
  dbx_table: {
    archive: "3 of 6",
    restore: "3 of 6",
    update: "3 of 6",
    "update back": "3 of 6",
    delete: "3 of 4",
  },
  dbx_volume: {
    archive: "4 of 7",
    restore: "4 of 7",
    update: "4 of 7",
    "update back": "4 of 7",
    delete: "3 of 4",
  },
};

const TYPES = Object.keys(UPDATES);
/** Types proven at once (each on its own stack). */
const KILL_POOL = 3;

/** Create a stack of its own for `type`, then kill every operation of it at every distinct point. */
async function proveType(type: string): Promise<{ problems: string[]; count: Record<string, string> }> {
  const run = newKillRun(fake);
  await ok("create", cli(["create", "--blueprint", run.file, "--yes"], run.env));
  const resources = await preview(run.env, run.project, run.file);
  const bp = JSON.parse(readFileSync(run.file, "utf8")) as Record<string, unknown>;
  const problems: string[] = [];
  const address = resources.find((x) => x.type === type)?.address;
  if (!address) return { problems: [`${type}: not in the blueprint`], count: {} };
  const s: Stack = { run, address, type };
  const count: Record<string, string> = {};
  const pts = async (name: string, args: string[]) => {
    const t = await traced(args, run, `${name}-${type}`);
    if (t.result.code !== 0) throw new Error(`${type} ${name}: ${describeResult(t.result)}`);
    const d = distinctPoints(t.points);
    count[name] = `${d.length} of ${t.points.length}`;
    return d;
  };

  // archive ↔ restore, from the state the cycles return to (the first archive of a cluster also
  // terminates it; restore leaves it terminated)
  await ok("archive", cli(ARCHIVE(s), run.env));
  await ok("restore", cli(RESTORE(s), run.env));
  const a = await pts("archive", ARCHIVE(s));
  const r = await pts("restore", RESTORE(s));
  problems.push(
    ...(await cycles(
      s,
      { name: "archive", args: ARCHIVE(s), points: a, atStart: (w) => check(s, w, { archived: false }) },
      { name: "restore", args: RESTORE(s), points: r, atEnd: (w) => check(s, w, { archived: true }) },
    )),
  );

  // update ↔ update back to the blueprint's settings
  const fwdFile = join(run.home, `update-${type}.json`);
  const backFile = join(run.home, `back-${type}.json`);
  writeFileSync(fwdFile, JSON.stringify(UPDATES[type]));
  writeFileSync(backFile, JSON.stringify(original(type, bp)));
  // Start from the settings the cycles return to, so every forward run makes the same calls.
  await ok("update back", cli(updateArgs(s, backFile), run.env));
  const u = await pts("update", updateArgs(s, fwdFile));
  const b = await pts("update back", updateArgs(s, backFile));
  const agree = (w: string) => check(s, w, { archived: false });
  problems.push(
    ...(await cycles(
      s,
      { name: "update", args: updateArgs(s, fwdFile), points: u, atStart: agree },
      { name: "update back", args: updateArgs(s, backFile), points: b, atEnd: agree },
      (w) => inSync(s, w),
    )),
  );

  // delete (leaves); the blueprint brings the resource back
  if (DELETABLE.has(type)) {
    const back = () => ok("create", cli(["create", "--blueprint", run.file, "--yes"], run.env));
    const d = await pts("delete", DELETE(s));
    await back();
    for (const p of d) {
      problems.push(
        ...(await killRecoverCheck(s, "delete", DELETE(s), p, "rollback", (w) => check(s, w, {}))),
      );
      await back();
      problems.push(
        ...(await killRecoverCheck(s, "delete", DELETE(s), p, "resume", (w) =>
          check(s, w, { exists: false }),
        )),
      );
      await back();
    }
  }
  return { problems, count };
}

describe("SIGKILL at every crash point of archive, restore, update and delete on moto + the Databricks fake", () => {
  it("each type: every distinct point, then recover or recover --resume; cloud and state agree", async () => {
    // Each type on a stack of its own, KILL_POOL at a time: a kill, its recovery and the checks
    // are a chain of child processes and HTTP calls, so parallel chains keep the CPUs busy.
    const results = await pool(TYPES, KILL_POOL, proveType);
    const problems = results.flatMap((r) => r.problems);
    const counts = Object.fromEntries(TYPES.map((t, i) => [t, results[i]?.count]));
    console.log(
      `distinct kill points of each operation (of all points):\n${JSON.stringify(counts, null, 1)}`,
    );
    expect(problems).toEqual([]);
    expect(counts).toEqual(PINNED_COUNTS);
  }, 900_000);
});
