/**
 * AWS request counts (issue 16): `dpn create` of a small estate (5 buckets, 2 Glue databases,
 * 4 tables) against moto, then the same blueprint again (nothing to do), every HTTP request
 * counted by a loopback proxy in front of moto (and the botocore oracle). Counts are deterministic,
 * so they are pinned exactly: a new call fails here until it is justified.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteBucketCommand,
  GetBucketTaggingCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cloudEnv,
  type Env,
  type FaultProxy,
  json,
  runCli,
  startFaultProxy,
  uniqueProject,
} from "../support/cloud-env.js";
import { rawS3 } from "../support/moto.js";

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
  let args: string[] = [];
  let env: Env = {};
  /** A run's calls, tallied (the proxy log is emptied first). */
  const calls = async (extra: string[]) => {
    proxy.log.length = 0;
    const r = await runCli([...args, ...extra], env);
    if (r.code !== 0) throw new Error(`dpn ${extra.join(" ")} exited ${r.code}:\n${r.stderr}`);
    return { tally: tally(proxy.log), plan: json<{ counts: Record<string, number> }>(r) };
  };

  beforeAll(async () => {
    proxy = await startFaultProxy();
    const dir = mkdtempSync(join(tmpdir(), "dpn-calls-"));
    const bp = join(dir, "estate.json");
    writeFileSync(bp, JSON.stringify(blueprint(), null, 2));
    env = cloudEnv({ extra: { AWS_ENDPOINT_URL: proxy.url } }).env;
    args = ["create", "--blueprint", bp, "--yes", "--json", "--override", `project=${project}`];
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

  it("re-runs it with --refresh quick in one tag read per bucket, 11 calls for 11 resources", async () => {
    const { tally: quick, plan } = await calls(["--refresh", "quick"]);
    expect(plan.counts).toMatchObject({ create: 0, update: 0, noop: 11 });
    expect(quick).toEqual({
      "glue:GetDatabases": 1,
      "glue:GetTables": 2,
      "glue:GetTags": 2,
      // per bucket: GetBucketTagging alone (existence, markers, tags); the rest is state's
      "s3:GET": 5,
      "sts:GetCallerIdentity": 1,
    });
    const total = Object.values(quick).reduce((n, v) => n + v, 0);
    expect(total / 11).toBeLessThanOrEqual(1.5);
  });

  it("--refresh quick finds tag drift and a deleted bucket; settings drift only a full refresh finds", async () => {
    const s3 = rawS3("us-east-1");
    const bucket = (purpose: string) => `${project}-${purpose}-raw-dev-use1`;
    try {
      // someone changes a tag of alpha and suspends versioning on bravo, outside dpn
      const tags = (await s3.send(new GetBucketTaggingCommand({ Bucket: bucket("alpha") }))).TagSet ?? [];
      await s3.send(
        new PutBucketTaggingCommand({
          Bucket: bucket("alpha"),
          Tagging: { TagSet: [...tags.filter((t) => t.Key !== "Team"), { Key: "Team", Value: "someone" }] },
        }),
      );
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: bucket("bravo"),
          VersioningConfiguration: { Status: "Suspended" },
        }),
      );
      await s3.send(new DeleteBucketCommand({ Bucket: bucket("charlie") }));
    } finally {
      s3.destroy();
    }
    const quick = await calls(["--refresh", "quick", "--dry-run"]);
    // alpha's tag drift and charlie's absence are seen on the tag reads and confirmed by full
    // reads (alpha: HEAD and five GETs; charlie: HEAD by id, HEAD by name); bravo's is not seen
    expect(quick.plan.counts).toMatchObject({ create: 1, update: 1, noop: 9 });
    expect(quick.tally).toMatchObject({ "s3:GET": 5 + 5, "s3:HEAD": 3 });
    const full = await calls(["--dry-run"]);
    expect(full.plan.counts).toMatchObject({ create: 1, update: 2, noop: 8 });
    // the full run corrects all three; a quick run after it has nothing to do again
    await calls([]);
    expect((await calls(["--refresh", "quick", "--dry-run"])).plan.counts).toMatchObject({
      create: 0,
      update: 0,
      noop: 11,
    });
  });
});
