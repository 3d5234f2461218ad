/**
 * Proof (issue 14) on the cloud target: the labelled estate of test/fixtures/scan/estate.json is
 * made on moto (an AWS account of its own, through the inventory proxy, which logs every request)
 * and on the Databricks fake, through the real providers: dpn-managed objects by `create` (with
 * the marker of their labelled stack), the others by `create` then `revert` to an image without
 * the marker, as an object made by hand. `dpn scan --target cloud` must classify every object as
 * labelled (precision and recall 1.0), and make read requests only.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateDatabaseCommand, GlueClient } from "@aws-sdk/client-glue";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCloudRegistry } from "../../src/compose/cloud-registry.js";
import type { ProviderContext, ProviderRegistry, RemoteObject } from "../../src/engine/ports.js";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import { type InventoryProxy, startInventoryProxy, tally } from "../support/aws-inventory-proxy.js";
import { type CliResult, cloudEnv, type Env, runCli } from "../support/cloud-env.js";
import {
  desiredOf,
  ESTATE,
  idOf,
  type Labelled,
  labelProblems,
  ownershipOf,
  precisionRecall,
  statusIn,
} from "../support/scan-estate.js";

// biome-ignore lint/suspicious/noExplicitAny: the report is checked field by field below
const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, any>;
const CLUSTER = "dbx_cluster.dataplatform-etl-shared-prd";
const MUTATING_AWS = /^(s3|glue|sts):(?!Get|List|Head)/;

let fake: DatabricksFake;
let proxy: InventoryProxy;
let env: Env;
let dir = "";
const seeded: Labelled[] = [];
const refused: Labelled[] = [];

beforeAll(async () => {
  fake = await startDatabricksFake();
  proxy = await startInventoryProxy({ paging: false });
  ({ env, dir } = cloudEnv({ fake }));
  env = { ...env, AWS_ENDPOINT_URL: proxy.url };
  const registry: ProviderRegistry = await createCloudRegistry(
    { cwd: process.cwd(), env },
    { target: "cloud" },
  );
  const refs = new Map<string, string>();
  const ctx = (stackId: string): ProviderContext => ({
    stackId,
    txId: "seed",
    actor: "seed@test",
    resolveRef: (a) => refs.get(a),
  });
  try {
    for (const l of ESTATE.objects) {
      const owner = ownershipOf(l.object);
      const d = desiredOf(l.object, CLUSTER);
      const p = registry.get(d.type);
      // S3 refuses such a name (moto does not check): it cannot exist as a bucket
      if (d.type === "aws_s3_bucket" && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(d.name)) {
        refused.push(l);
        continue;
      }
      let made: RemoteObject;
      try {
        made = await p.create(
          { ...d, address: owner?.address ?? d.address },
          ctx(owner?.stackId ?? "someone/else"),
        );
      } catch (e) {
        if ((e as { category?: string }).category !== "invalid_input") throw e;
        refused.push(l);
        continue;
      }
      if (d.type === "dbx_cluster" && d.address === CLUSTER) refs.set(CLUSTER, made.remoteId);
      // made by hand: the same object without dpn's marker (the undo of an adopt)
      if (!owner) await p.revert({ ...made, ownership: null }, ctx("someone/else"));
      seeded.push(l);
    }
  } finally {
    await registry.close();
  }
  proxy.log.length = 0;
  fake.log.length = 0;
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

describe("dpn scan on a seeded cloud estate (moto + the Databricks fake)", () => {
  it("seeds every object but the one no bucket can be named", () => {
    expect(refused.map((l) => l.object.name)).toEqual(["DataPlatform_Legacy_raw_prd_use1"]);
  });

  it("classifies every object as labelled (precision and recall 1.0) with read requests only", async () => {
    const r = await runCli(
      ["scan", "--target", "cloud", "--project", "dataplatform", "--env", "prd", "--json"],
      env,
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const report = json(r);
    const statusOf = (o: Labelled["object"]) => statusIn(report, o);
    for (const pr of precisionRecall(seeded, statusOf))
      expect(pr).toEqual({ ...pr, precision: 1, recall: 1 });
    const seededIds = new Set(seeded.map((l) => idOf(l.object)));
    const extra = [...report.objects, ...report.out_of_scope]
      .filter((x: { id: string }) => !seededIds.has(x.id))
      .map((x: { id: string; reason?: string }) => `${x.id}: ${x.reason ?? "classified"}`);
    // the platform's own schemas of each catalog, listed as such and not classified
    const catalogs = seeded.filter((l) => l.object.type === "dbx_catalog").map((l) => l.object.name);
    expect(extra.sort()).toEqual(
      catalogs
        .flatMap((c) => [
          `dbx_schema:${c}.default: made by the platform: every Unity Catalog catalog has a "default" schema`,
          `dbx_schema:${c}.information_schema: made by the platform: every Unity Catalog catalog has a "information_schema" schema`,
        ])
        .sort(),
    );
    expect(labelProblems(report, seeded)).toEqual([]);
    // strictly read-only, by the servers' own request logs
    const aws = tally(proxy.log);
    expect(Object.keys(aws).filter((op) => MUTATING_AWS.test(op))).toEqual([]);
    expect(aws["s3:ListBuckets"]).toBeGreaterThan(0);
    expect(fake.log.filter((x) => x.method !== "GET").map((x) => `${x.method} ${x.path}`)).toEqual([]);
  });
});

describe("dpn scan reads Glue in every region that matters (moto, several regions)", () => {
  const creds = { accessKeyId: "test", secretAccessKey: "test" };
  const glueDbs = (report: ReturnType<typeof json>) =>
    (report.objects as { type: string; id: string; region?: string }[])
      .filter((o) => o.type === "aws_glue_database")
      .map((o) => `${o.region}:${o.id}`)
      .sort();
  const getDatabases = () =>
    tally(proxy.log.filter((l) => l.op === "glue:GetDatabases").map((l) => ({ ...l, op: l.region })));
  const scan = (extra: string[]) =>
    runCli(
      [
        "scan",
        "--target",
        "cloud",
        "--type",
        "aws_s3_bucket",
        "--type",
        "aws_glue_database",
        "--json",
        ...extra,
      ],
      env,
    );

  beforeAll(async () => {
    // a bucket and a database in eu-west-1, a database in ap-southeast-2 with no bucket there
    const s3 = new S3Client({
      region: "eu-west-1",
      endpoint: proxy.url,
      forcePathStyle: true,
      credentials: creds,
    });
    await s3.send(
      new CreateBucketCommand({
        Bucket: "dataplatform-raw-raw-prd-euw1",
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
    s3.destroy();
    for (const [region, name] of [
      ["eu-west-1", "dataplatform_sales_gold_prd"],
      ["ap-southeast-2", "dataplatform_sales_silver_prd"],
    ] as const) {
      const glue = new GlueClient({ region, endpoint: proxy.url, credentials: creds });
      await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: name } }));
      glue.destroy();
    }
  });

  it("by default: the default region, the convention's regions and the buckets' regions, one GetDatabases each", async () => {
    proxy.log.length = 0;
    const r = await scan([]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(glueDbs(json(r))).toEqual([
      "eu-west-1:aws_glue_database:dataplatform_sales_gold_prd",
      "us-east-1:aws_glue_database:dataplatform_sales_bronze_prd",
      "us-east-1:aws_glue_database:dataplatform_sales_stage_prd",
    ]);
    expect(getDatabases()).toEqual({ "us-east-1": 1, "eu-west-1": 1 });
    // a region the convention configures is read too
    const values = join(dir, "naming-values.yaml");
    writeFileSync(values, 'version: "1.0"\nenvironments:\n  prd:\n    region: ap-southeast-2\n');
    proxy.log.length = 0;
    const withConv = await scan(["--values-config", values]);
    expect(withConv.code, withConv.stderr).toBe(0);
    expect(glueDbs(json(withConv))).toContain(
      "ap-southeast-2:aws_glue_database:dataplatform_sales_silver_prd",
    );
    expect(getDatabases()).toEqual({ "us-east-1": 1, "eu-west-1": 1, "ap-southeast-2": 1 });
    expect(Object.keys(tally(proxy.log)).filter((op) => MUTATING_AWS.test(op))).toEqual([]);
  });

  it("--region (repeatable, comma-separated) reads Glue in exactly those regions; a bad one is exit 2", async () => {
    proxy.log.length = 0;
    const r = await scan(["--region", "us-east-1,ap-southeast-2", "--region", "us-east-1"]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(glueDbs(json(r))).toEqual([
      "ap-southeast-2:aws_glue_database:dataplatform_sales_silver_prd",
      "us-east-1:aws_glue_database:dataplatform_sales_bronze_prd",
      "us-east-1:aws_glue_database:dataplatform_sales_stage_prd",
    ]);
    expect(getDatabases()).toEqual({ "us-east-1": 1, "ap-southeast-2": 1 });
    // S3 stays global: the eu-west-1 bucket is listed whatever --region says
    expect(json(r).objects.map((o: { id: string }) => o.id)).toContain(
      "aws_s3_bucket:dataplatform-raw-raw-prd-euw1",
    );
    const bad = await scan(["--region", "us-east-1,Europe"]);
    expect(bad.code).toBe(2);
    expect(json(bad).error).toMatchObject({ code: "SCAN_REGION_INVALID", details: { regions: ["Europe"] } });
  });
});
