/**
 * AWS request counts (issue 16): `dpn create` of a small estate (5 buckets, 2 Glue databases,
 * 4 tables) against moto, then the same blueprint again (nothing to do), every HTTP request
 * counted by a loopback proxy in front of moto (and the botocore oracle). Counts are deterministic,
 * so they are pinned exactly: a new call fails here until it is justified.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudEnv, type FaultProxy, runCli, startFaultProxy, uniqueProject } from "../support/cloud-env.js";

const BUCKETS = ["alpha", "bravo", "charlie", "delta", "echo"];

function blueprint(): Record<string, unknown> {
  const columns = [
    { name: "id", type: "bigint" },
    { name: "amount", type: "decimal(12,2)" },
  ];
  return {
    version: "1.0",
    metadata: {
      environment: "dev",
      project: "dataplatform",
      region: "us-east-1",
      team: "data-engineering",
      cost_center: "CC-1001",
      data_classification: "internal",
      owner: "data-platform@example.com",
    },
    resources: {
      aws: {
        s3_buckets: BUCKETS.map((purpose) => ({ purpose, layer: "raw", lifecycle_days: 30 })),
        glue_databases: [
          { domain: "sales", layer: "bronze" },
          { domain: "sales", layer: "silver" },
        ],
        glue_tables: [
          {
            database_ref: "sales-bronze",
            entity: "orders",
            table_type: "fact",
            bucket_ref: "alpha",
            columns,
          },
          {
            database_ref: "sales-bronze",
            entity: "refunds",
            table_type: "fact",
            bucket_ref: "alpha",
            columns,
          },
          {
            database_ref: "sales-silver",
            entity: "orders",
            table_type: "fact",
            bucket_ref: "bravo",
            columns,
          },
          {
            database_ref: "sales-silver",
            entity: "customers",
            table_type: "dim",
            bucket_ref: "bravo",
            columns,
          },
        ],
      },
    },
  };
}

/** One request as the proxy logged it, named: Glue by X-Amz-Target, STS, S3 by method. */
function callName(call: string): string {
  if (call.startsWith("AWSGlue.")) return `glue:${call.slice("AWSGlue.".length)}`;
  if (call === "POST /") return "sts:GetCallerIdentity";
  return `s3:${call.split(" ")[0]}`;
}

function tally(log: FaultProxy["log"]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of log) out[callName(c.call)] = (out[callName(c.call)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

describe("AWS request counts (moto)", () => {
  let proxy: FaultProxy;
  const project = uniqueProject("calls");
  let first: Record<string, number>;
  let second: Record<string, number>;

  beforeAll(async () => {
    proxy = await startFaultProxy();
    const dir = mkdtempSync(join(tmpdir(), "dpn-calls-"));
    const bp = join(dir, "estate.json");
    writeFileSync(bp, JSON.stringify(blueprint(), null, 2));
    const { env } = cloudEnv({ extra: { AWS_ENDPOINT_URL: proxy.url } });
    const args = ["create", "--blueprint", bp, "--yes", "--json", "--override", `project=${project}`];
    const a = await runCli(args, env);
    if (a.code !== 0) throw new Error(`first create exited ${a.code}:\n${a.stderr}`);
    first = tally(proxy.log);
    proxy.log.length = 0;
    const b = await runCli(args, env);
    if (b.code !== 0) throw new Error(`second create exited ${b.code}:\n${b.stderr}`);
    second = tally(proxy.log);
    console.log(JSON.stringify({ first, second }));
  }, 120_000);

  afterAll(async () => {
    await proxy?.close();
  });

  it("creates each bucket in 7 calls and each Glue database or table in at most 2, with no read-back", () => {
    expect(first).toEqual({
      "glue:CreateDatabase": 2,
      "glue:CreateTable": 4,
      "glue:GetDatabases": 1,
      "glue:GetTables": 2,
      // per bucket: the plan's HeadBucket (404), then CreateBucket and five settings (PUT)
      "s3:HEAD": 5,
      "s3:PUT": 30,
      "sts:GetCallerIdentity": 1,
    });
    const s3 = (first["s3:HEAD"] ?? 0) + (first["s3:PUT"] ?? 0);
    expect(s3 / BUCKETS.length).toBeLessThanOrEqual(7);
    const glue = Object.entries(first)
      .filter(([k]) => k.startsWith("glue:"))
      .reduce((n, [, v]) => n + v, 0);
    expect(glue / 6).toBeLessThanOrEqual(2);
  });

  it("re-runs the unchanged blueprint with bulk Glue reads and writes nothing", () => {
    expect(second).toEqual({
      "glue:GetDatabases": 1,
      "glue:GetTables": 2,
      "glue:GetTags": 2,
      // per bucket: HeadBucket and five settings reads; S3 has no bulk read of bucket settings
      "s3:GET": 25,
      "s3:HEAD": 5,
      "sts:GetCallerIdentity": 1,
    });
  });
});
