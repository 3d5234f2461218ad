/**
 * Proof (crash consistency on the real clouds): `dpn create` on moto + the Databricks fake,
 * SIGKILLed at every crash point of a run — every journal point and a point after EVERY remote
 * call of every step (src/core/crash-points.ts), so between any two calls of a multi-call create
 * (S3: CreateBucket, then the marker tags, then the settings; a UC volume: the create, then its
 * tag assignments) — then `dpn recover` (everything the run made is gone) or `dpn recover
 * --resume` (everything the blueprint wants exists). Cloud and state are compared through the
 * raw SDK and the fake's own state: 0 orphans and 0 phantoms at every point.
 *
 * The points are enumerated by one traced run (`DPN_CRASH_TRACE`), printed, and compared with the
 * list pinned below: a provider that starts making a new call changes the list and fails this test
 * until the list (and so the proof) covers it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import { describeResult } from "../support/cli.js";
import { type Env, preview } from "../support/cloud-env.js";
import { ledger, ledgerProblems } from "../support/cloud-ledger.js";
import {
  cli,
  describePoint,
  distinctPoints,
  generic,
  type KillRun,
  newKillRun,
  type TracePoint,
  traced,
} from "../support/kill-points.js";
import { pool } from "./sandbox-invariants.js";

/**
 * The crash points of a create of `oneOfEach` at parallelism 1, in order. Pinned: a change here
 * is a change to what the proof covers (regenerate from the printed list after checking it).
 */
const PINNED_POINTS: string[] = [
  "after-intent create aws_s3_bucket",
  "remote-call create aws_s3_bucket after s3:CreateBucket",
  "remote-call create aws_s3_bucket after s3:PutBucketTagging",
  "remote-call create aws_s3_bucket after s3:PutBucketVersioning",
  "remote-call create aws_s3_bucket after s3:PutBucketEncryption",
  "remote-call create aws_s3_bucket after s3:PutPublicAccessBlock",
  "remote-call create aws_s3_bucket after s3:PutBucketLifecycleConfiguration",
  "after-remote create aws_s3_bucket",
  "after-outcome create aws_s3_bucket",
  "after-intent create aws_glue_database",
  "remote-call create aws_glue_database after glue:CreateDatabase",
  "after-remote create aws_glue_database",
  "after-outcome create aws_glue_database",
  "after-intent create aws_glue_table",
  "remote-call create aws_glue_table after glue:CreateTable",
  "after-remote create aws_glue_table",
  "after-outcome create aws_glue_table",
  "after-intent create dbx_cluster",
  "remote-call create dbx_cluster after POST /api/2.1/clusters/create",
  "after-remote create dbx_cluster",
  "after-outcome create dbx_cluster",
  "after-intent create dbx_job",
  "remote-call create dbx_job after POST /api/2.2/jobs/create",
  "after-remote create dbx_job",
  "after-outcome create dbx_job",
  "after-intent create dbx_catalog",
  "remote-call create dbx_catalog after POST /api/2.1/unity-catalog/catalogs",
  "after-remote create dbx_catalog",
  "after-outcome create dbx_catalog",
  "after-intent create dbx_schema",
  "remote-call create dbx_schema after POST /api/2.1/unity-catalog/schemas",
  "after-remote create dbx_schema",
  "after-outcome create dbx_schema",
  "after-intent create dbx_table",
  "remote-call create dbx_table after POST /api/2.0/sql/statements",
  "remote-call create dbx_table after GET /api/2.1/unity-catalog/tables/{p}_main_dev.sales_bronze.fact_orders",
  "after-remote create dbx_table",
  "after-outcome create dbx_table",
  "after-intent create dbx_volume",
  "remote-call create dbx_volume after POST /api/2.1/unity-catalog/volumes",
  "remote-call create dbx_volume after POST /api/2.1/unity-catalog/entity-tag-assignments",
  "remote-call create dbx_volume after POST /api/2.1/unity-catalog/entity-tag-assignments",
  "remote-call create dbx_volume after POST /api/2.1/unity-catalog/entity-tag-assignments",
  "remote-call create dbx_volume after POST /api/2.1/unity-catalog/entity-tag-assignments",
  "remote-call create dbx_volume after POST /api/2.1/unity-catalog/entity-tag-assignments",
  "after-remote create dbx_volume",
  "after-outcome create dbx_volume",
];

let fake: DatabricksFake;
let points: TracePoint[] = [];
/** The traced run's project (calls name objects: they are listed with it written as `{p}`). */
let tracedProject = "";
/** The blueprint's addresses, with the project written as `{p}` (each run has its own project). */
let expected: string[];

const CREATE = (r: KillRun) => ["create", "--blueprint", r.file, "--yes", "--parallelism", "1"];
const create = (r: KillRun, extra: Env = {}) => cli(CREATE(r), { ...r.env, ...extra });

beforeAll(async () => {
  fake = await startDatabricksFake();
  const r = newKillRun(fake);
  const t = await traced(CREATE(r), r, "create");
  expect(t.result.code, describeResult(t.result)).toBe(0);
  points = t.points;
  tracedProject = r.project;
  const pv = await preview(r.env, r.project, r.file);
  expected = pv.map((x) => generic(x.address, r.project)).sort();
}, 60_000);

afterAll(async () => {
  await fake?.close();
});

describe("SIGKILL at every crash point of a create on moto + the Databricks fake", () => {
  it("enumerates the kill points: every remote call of every step has one (list printed and pinned)", () => {
    const listed = points.map((p) => generic(describePoint(p), tracedProject));
    // Printed so a reviewer sees exactly what the proof covers.
    console.log(
      `${listed.length} crash points (${distinctPoints(points).length} distinct; a kill right after a read is the same as one before it):\n${listed.map((l, i) => `  ${i + 1}. ${l}`).join("\n")}`,
    );
    const calls = points.filter((p) => p.label === "remote-call");
    expect(calls.length).toBeGreaterThan(points.filter((p) => p.label === "after-intent").length);
    // Every step's remote calls are inside the step: none is unattributed.
    expect(calls.filter((p) => !p.step)).toEqual([]);
    expect(listed).toEqual(PINNED_POINTS);
  });

  /** Kill at `label:n`, then recover (rollback or resume) and compare cloud and state. */
  async function killAndRecover(p: TracePoint, mode: "rollback" | "resume"): Promise<string[]> {
    const at = `${p.label}:${p.n}`;
    const what = `${at} (${describePoint(p)}) ${mode}`;
    const r = newKillRun(fake);
    const killed = await create(r, { DPN_CRASH_AT: at });
    if (killed.signal !== "SIGKILL") return [`${what}: expected SIGKILL, got ${describeResult(killed)}`];
    const rec = await cli(mode === "resume" ? ["recover", "--resume"] : ["recover"], r.env);
    const out: string[] = [];
    if (rec.code !== 0) out.push(`${what}: recover exited ${describeResult(rec)}`);
    const l = await ledger(r.project, fake, r.home);
    out.push(...ledgerProblems(l).map((x) => `${what}: ${x}`));
    const tx = l.state.transactions.at(-1);
    if (mode === "rollback") {
      if (l.cloud.length > 0) out.push(`${what}: left ${l.cloud.map((o) => o.remoteId).join(", ")}`);
      if (l.state.resources.length > 0) out.push(`${what}: ${l.state.resources.length} state rows remain`);
      if (tx?.status !== "rolled_back") out.push(`${what}: transaction is ${tx?.status}`);
    } else {
      const rows = l.state.resources.map((x) => generic(x.address, r.project)).sort();
      if (rows.join() !== expected.join())
        out.push(`${what}: state rows ${rows.join(", ")} are not the blueprint's ${expected.join(", ")}`);
      if (l.cloud.length !== expected.length)
        out.push(`${what}: the cloud holds ${l.cloud.length} of ${expected.length} objects`);
      if (tx?.status !== "committed") out.push(`${what}: transaction is ${tx?.status}`);
    }
    if (l.state.locks !== 0) out.push(`${what}: a lock was left behind`);
    return out;
  }

  for (const mode of ["rollback", "resume"] as const) {
    it(`every distinct point, then dpn recover${mode === "resume" ? " --resume" : ""}: 0 orphans, 0 phantoms`, async () => {
      const kills = distinctPoints(points);
      const problems = (await pool(kills, 2, (p) => killAndRecover(p, mode))).flat();
      expect(problems).toEqual([]);
    }, 600_000);
  }
});
