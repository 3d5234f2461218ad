/**
 * Support for the kill-point proofs on `--target cloud` (moto + the Databricks fake): a blueprint
 * with one resource of every provisioned type, an isolated run environment per case, the CLI run
 * with a SIGKILL treated as a result (the crash hook, src/core/crash-points.ts), and the trace of
 * crash points a run passes (`DPN_CRASH_TRACE`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DatabricksFake } from "../fakes/databricks/server.js";
import { type CliResult, REPO_ROOT, runCli as runBuiltCli } from "./cli.js";
import { cloudEnv, type Env, uniqueProject } from "./cloud-env.js";

/** One resource of every provisioned type, with as few tags as the convention allows. */
export function oneOfEach(project: string): Record<string, unknown> {
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

/** A crash point the traced run passed. */
export interface TracePoint {
  label: string;
  n: number;
  step?: { address: string; action: string; phase: string };
  call?: string;
}

/** One isolated case: its own project (so its own names), state folder and blueprint file. */
export interface KillRun {
  project: string;
  env: Env;
  home: string;
  file: string;
}

export function newKillRun(fake: DatabricksFake, project = uniqueProject("kp")): KillRun {
  const ce = cloudEnv({ fake });
  const file = join(ce.dir, "blueprint.json");
  writeFileSync(file, JSON.stringify(oneOfEach(project)));
  return { project, env: ce.env, home: ce.home, file };
}

/** Run the CLI in the repo root with exactly `env`; a SIGKILL is a result here, not a timeout. */
export function cli(args: string[], env: Env, timeoutMs = 60_000): Promise<CliResult> {
  return runBuiltCli(args, { cwd: REPO_ROOT, env, exactEnv: true, timeoutMs });
}

/** Run `args` once with the trace on; resolves with the result and the points it passed. */
export async function traced(
  args: string[],
  run: KillRun,
  name: string,
): Promise<{ result: CliResult; points: TracePoint[] }> {
  const file = join(run.home, `${name}.trace.jsonl`);
  writeFileSync(file, "");
  const result = await cli(args, { ...run.env, DPN_CRASH_TRACE: file });
  const points = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as TracePoint);
  return { result, points };
}

/** `remote-call after s3:CreateBucket (create aws_s3_bucket)` — a point without run-specific names. */
export function describePoint(p: TracePoint): string {
  const type = p.step?.address.split(".")[0] ?? "";
  const step = p.step
    ? ` ${p.step.phase === "forward" ? "" : `${p.step.phase} `}${p.step.action} ${type}`
    : "";
  return `${p.label}${step}${p.call ? ` after ${p.call}` : ""}`;
}

/** The address with the run's project written as `{p}`, for comparing runs. */
export function generic(s: string, project: string): string {
  return s.split(project).join("{p}");
}

/** A remote call that only reads (AWS Get/Head/List/Describe, HTTP GET). */
export function isReadCall(call: string | undefined): boolean {
  return call !== undefined && (/^[a-z0-9-]+:(Get|Head|List|Describe)/.test(call) || /^GET /.test(call));
}

/**
 * The points worth a kill, from a trace of a run at parallelism 1: a kill is distinct only when the
 * cloud or the journal changed since the point before it. So every point after an intent or an
 * outcome was written (`after-intent`, `after-outcome` and their `compensate-` twins) and after
 * every remote call that can change something; not the point after a read, nor `after-remote`
 * (nothing is written between a step's last remote call and it). A kill at one of those leaves the
 * cloud and the journal exactly as a kill at the point before does — the process's memory dies
 * either way — so the proof runs one kill per distinct state.
 */
export function distinctPoints(points: TracePoint[]): TracePoint[] {
  return points.filter((p) =>
    p.label === "remote-call" ? !isReadCall(p.call) : !p.label.endsWith("after-remote"),
  );
}
