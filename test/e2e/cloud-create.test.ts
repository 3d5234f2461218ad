/**
 * `dpn create` with the default `--target cloud` against moto (AWS) and the Databricks fake:
 * the example dev blueprint is provisioned with exactly the names `dpn plan preview` shows, every
 * configured property is checked through the raw SDK / the fake's state and request log, and a
 * second run has nothing to do.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetDatabaseCommand, GetTableCommand, GetTagsCommand } from "@aws-sdk/client-glue";
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PreviewResource } from "../../src/blueprint/preview.js";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import {
  awsInventory,
  cloudEnv,
  DEV_BLUEPRINT,
  dbxInventory,
  json,
  namesOf,
  preview,
  REGION,
  REPO_ROOT,
  runCli,
  stateSummary,
  uniqueProject,
} from "../support/cloud-env.js";
import { MOTO_ACCOUNT_ID, rawGlue, rawS3 } from "../support/moto.js";

describe("dpn create --target cloud (dev blueprint)", () => {
  let fake: DatabricksFake;
  const project = uniqueProject("cc");
  let env: ReturnType<typeof cloudEnv>;
  let planned: PreviewResource[];
  let created: Record<string, unknown> & { outcome?: string; stack_id?: string };
  let dryRun: {
    dry_run: boolean;
    operations: { action: string; address: string; name: string; full_name: string }[];
  };
  let awsAfterDryRun: Awaited<ReturnType<typeof awsInventory>>;
  let dbxWritesAfterDryRun: number;
  const s3 = rawS3(REGION);
  const glue = rawGlue(REGION);

  beforeAll(async () => {
    fake = await startDatabricksFake();
    env = cloudEnv({ fake });
    planned = await preview(env.env, project);
    const dry = await runCli(
      ["create", "--blueprint", DEV_BLUEPRINT, "--dry-run", "--json", "--override", `project=${project}`],
      env.env,
    );
    if (dry.code !== 0) throw new Error(`dry run failed with ${dry.code}:\n${dry.stderr}`);
    dryRun = json(dry);
    awsAfterDryRun = await awsInventory(project);
    dbxWritesAfterDryRun = fake.log.filter((l) => l.method !== "GET").length;
    const r = await runCli(
      ["create", "--blueprint", DEV_BLUEPRINT, "--yes", "--json", "--override", `project=${project}`],
      env.env,
    );
    if (r.code !== 0) throw new Error(`create failed with ${r.code}:\n${r.stdout}\n${r.stderr}`);
    created = json(r);
  }, 90_000);

  afterAll(async () => {
    s3.destroy();
    glue.destroy();
    await fake?.close();
  });

  it("--dry-run plans a create for exactly the previewed resources and changes nothing", () => {
    expect(dryRun.dry_run).toBe(true);
    expect(dryRun.operations.map((o) => [o.address, o.full_name]).sort()).toEqual(
      planned.map((p) => [p.address, p.full_name]).sort(),
    );
    expect(new Set(dryRun.operations.map((o) => o.action))).toEqual(new Set(["create"]));
    expect(awsAfterDryRun).toEqual({ buckets: [], databases: [], tables: [] });
    expect(dbxWritesAfterDryRun).toBe(0);
  });

  it("commits one transaction with one operation per previewed resource", () => {
    expect(created.outcome).toBe("committed");
    expect(created.target).toBe("cloud");
    const ops = created.operations as { address: string; status: string; action: string }[];
    expect(ops.map((o) => o.address).sort()).toEqual(planned.map((p) => p.address).sort());
    expect(new Set(ops.map((o) => o.action))).toEqual(new Set(["create"]));
    const state = stateSummary(env.home);
    expect(state.resources.map((r) => r.address).sort()).toEqual(planned.map((p) => p.address).sort());
    expect(state.resources.every((r) => r.status === "active" && r.remote_id !== "")).toBe(true);
    expect(state.locks).toBe(0);
  });

  it("creates exactly the previewed AWS names in moto", async () => {
    const aws = await awsInventory(project);
    expect(aws.buckets).toEqual(namesOf(planned, "aws_s3_bucket"));
    expect(aws.databases).toEqual(namesOf(planned, "aws_glue_database"));
    expect(aws.tables).toEqual(namesOf(planned, "aws_glue_table"));
    expect(aws.buckets).toHaveLength(3);
    expect(aws.tables).toHaveLength(2);
  });

  it("creates exactly the previewed Databricks names in the fake", () => {
    const dbx = dbxInventory(fake);
    expect(dbx.clusters).toEqual(namesOf(planned, "dbx_cluster"));
    expect(dbx.jobs).toEqual(namesOf(planned, "dbx_job"));
    expect(dbx.catalogs).toEqual(namesOf(planned, "dbx_catalog"));
    expect(dbx.schemas).toEqual(namesOf(planned, "dbx_schema"));
    expect(dbx.tables).toEqual(namesOf(planned, "dbx_table"));
    expect(dbx.volumes).toEqual(namesOf(planned, "dbx_volume"));
  });

  it("configures every bucket: versioning, encryption, public access block, lifecycle, tags", async () => {
    const stackId = String(created.stack_id);
    const expectations: Record<string, { versioning: boolean; days: number }> = {
      [`${project}-landing-raw-dev-use1`]: { versioning: false, days: 30 },
      [`${project}-lake-bronze-dev-use1`]: { versioning: true, days: 60 },
      [`${project}-lake-silver-dev-use1`]: { versioning: true, days: 90 },
    };
    for (const [bucket, want] of Object.entries(expectations)) {
      const planEntry = planned.find((p) => p.name === bucket);
      expect(planEntry, bucket).toBeDefined();
      const v = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
      if (want.versioning) expect(v.Status, bucket).toBe("Enabled");
      else expect(v.Status, bucket).toBeUndefined(); // never enabled (not even "Suspended")

      const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
      expect(
        enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
      ).toBe("AES256");

      const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
      expect(pab.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      });

      const lc = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
      expect(lc.Rules).toHaveLength(1);
      expect(lc.Rules?.[0]?.Status).toBe("Enabled");
      expect(lc.Rules?.[0]?.Transitions).toEqual([{ Days: want.days, StorageClass: "INTELLIGENT_TIERING" }]);

      const tags = Object.fromEntries(
        ((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? []).map((t) => [
          t.Key,
          t.Value,
        ]),
      );
      expect(tags).toEqual({
        ...planEntry?.tags,
        dpn_stack: stackId,
        dpn_address: `aws_s3_bucket.${bucket}`,
      });
      expect(tags.Project).toBe(project);
      expect(tags.ManagedBy).toBe("dpn");
    }
  });

  it("configures the Glue databases (description, ownership tags) and tables (StorageDescriptor)", async () => {
    const stackId = String(created.stack_id);
    const bronze = `${project}_sales_bronze_dev`;
    const silver = `${project}_sales_silver_dev`;
    const db = await glue.send(new GetDatabaseCommand({ Name: bronze }));
    expect(db.Database?.Description).toBe("Sales data as ingested");
    const dbTags = await glue.send(
      new GetTagsCommand({ ResourceArn: `arn:aws:glue:${REGION}:${MOTO_ACCOUNT_ID}:database/${bronze}` }),
    );
    expect(dbTags.Tags).toMatchObject({
      Project: project,
      ManagedBy: "dpn",
      CostCenter: "CC-1001",
      dpn_stack: stackId,
      dpn_address: `aws_glue_database.${bronze}`,
    });
    expect((await glue.send(new GetDatabaseCommand({ Name: silver }))).Database?.Description).toBe(
      "Cleaned sales data",
    );

    const orders = (await glue.send(new GetTableCommand({ DatabaseName: bronze, Name: "fact_orders" })))
      .Table;
    const sd = orders?.StorageDescriptor;
    expect(orders?.TableType).toBe("EXTERNAL_TABLE");
    expect(sd?.Columns?.map((c) => [c.Name, c.Type])).toEqual([
      ["order_id", "bigint"],
      ["customer_id", "bigint"],
      ["order_ts", "timestamp"],
      ["amount", "decimal(12,2)"],
      ["currency", "string"],
      ["status", "string"],
    ]);
    expect(orders?.PartitionKeys?.map((c) => [c.Name, c.Type])).toEqual([["ingest_date", "date"]]);
    // bucket_ref "landing" → s3://<landing bucket>/<database>/<table>/
    expect(sd?.Location).toBe(`s3://${project}-landing-raw-dev-use1/${bronze}/fact_orders/`);
    expect(sd?.InputFormat).toBe("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat");
    expect(sd?.OutputFormat).toBe("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat");
    expect(sd?.SerdeInfo?.SerializationLibrary).toBe(
      "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    );
    expect(orders?.Parameters).toMatchObject({
      classification: "parquet",
      dpn_stack: stackId,
      dpn_address: `aws_glue_table.${bronze}.fact_orders`,
    });

    const customers = (await glue.send(new GetTableCommand({ DatabaseName: silver, Name: "dim_customers" })))
      .Table;
    expect(customers?.StorageDescriptor?.Location).toBe(
      "s3://dataplatform-lake-silver-dev-use1/sales/customers/",
    );
    expect(customers?.StorageDescriptor?.Columns?.map((c) => c.Name)).toEqual([
      "customer_id",
      "full_name",
      "email",
      "segment",
      "created_at",
    ]);
    expect(customers?.PartitionKeys ?? []).toEqual([]);
  });

  it("creates the cluster with the blueprint's spec and ownership tags", () => {
    const [cluster] = [...fake.state.clusters.values()].map((c) => c.details);
    expect(cluster).toBeDefined();
    expect(cluster?.cluster_name).toBe(`${project}-etl-shared-dev`);
    expect(cluster?.node_type_id).toBe("i3.xlarge");
    // the blueprint leaves spark_version open: the plan-time check picked the workspace's latest LTS
    expect(cluster?.spark_version).toBe("18.x-scala2.13");
    expect(cluster?.autoscale).toEqual({ min_workers: 1, max_workers: 4 });
    expect(cluster?.autotermination_minutes).toBe(30);
    expect(cluster?.data_security_mode).toBe("USER_ISOLATION");
    // "_" is a valid compute tag character (databricks/cli libs/tags/aws.go): markers are sent as is
    expect(cluster?.custom_tags).toMatchObject({
      Project: project,
      ManagedBy: "dpn",
      dpn_stack: String(created.stack_id),
      dpn_address: `dbx_cluster.${project}-etl-shared-dev`,
    });
    expect(Object.keys(cluster?.custom_tags ?? {}).some((k) => k.includes("=5F"))).toBe(false);
  });

  it("creates the job on the new cluster (existing_cluster_id), with tasks and schedule", () => {
    const cluster = [...fake.state.clusters.values()][0]?.details;
    const [job] = [...fake.state.jobs.values()];
    const s = job?.settings;
    expect(s?.name).toBe(`${project}-batch-sales-load-daily-dev`);
    expect(s?.schedule).toMatchObject({ quartz_cron_expression: "0 0 0 * * ?", timezone_id: "UTC" });
    expect(s?.tasks?.map((t) => t.task_key)).toEqual(["ingest", "clean", "publish"]);
    for (const t of s?.tasks ?? []) expect(t.existing_cluster_id).toBe(cluster?.cluster_id);
    expect(s?.tasks?.map((t) => t.notebook_task?.notebook_path)).toEqual([
      "/dataplatform/sales/ingest",
      "/dataplatform/sales/clean",
      "/dataplatform/sales/publish",
    ]);
    expect(s?.tasks?.[1]?.depends_on).toEqual([{ task_key: "ingest" }]);
    expect(s?.tasks?.[2]?.depends_on).toEqual([{ task_key: "clean" }]);
    expect(s?.tags).toMatchObject({ Project: project, dpn_stack: String(created.stack_id) });
    // the create request itself carried the cluster id (not a reference left unresolved)
    const post = fake.log.find((l) => l.method === "POST" && /\/jobs\/create$/.test(l.path));
    expect(JSON.stringify(post?.body)).toContain(String(cluster?.cluster_id));
  });

  it("creates the Unity Catalog objects with comments and the CREATE TABLE statements", () => {
    const catalog = `${project}_main_dev`;
    expect(fake.state.catalogs.get(catalog)?.comment).toBe("Governed data of the dev platform");
    const stackId = String(created.stack_id);
    // catalogs and schemas carry tags + ownership markers in their properties
    expect(fake.state.catalogs.get(catalog)?.properties).toMatchObject({
      Project: project,
      dpn_stack: stackId,
      dpn_address: `dbx_catalog.${catalog}`,
    });
    expect(fake.state.schemas.get(`${catalog}.sales_bronze`)?.properties).toMatchObject({
      dpn_stack: stackId,
      dpn_address: `dbx_schema.${catalog}.sales_bronze`,
    });
    const vol = fake.state.volumes.get(`${catalog}.sales_bronze.raw_landing`);
    expect(vol?.volume_type).toBe("MANAGED");
    // volumes carry them as UC entity tag assignments
    const volTags = fake.state.tags.get(`volumes/${catalog}.sales_bronze.raw_landing`);
    expect(volTags?.get("dpn_stack")).toBe(stackId);
    expect(volTags?.get("dpn_address")).toBe(`dbx_volume.${catalog}.sales_bronze.raw_landing`);
    // the UC table is MANAGED; the blueprint's logical table type is a property
    expect(fake.state.tables.get(`${catalog}.sales_bronze.fact_orders`)?.table_type).toBe("MANAGED");
    expect(fake.state.tables.get(`${catalog}.sales_bronze.fact_orders`)?.properties).toMatchObject({
      dpn_table_type: "fact",
      dpn_stack: stackId,
    });
    const orders = fake.state.tables.get(`${catalog}.sales_bronze.fact_orders`);
    expect(orders?.columns?.map((c) => [c.name, c.type_text?.toLowerCase()])).toEqual([
      ["order_id", "bigint"],
      ["customer_id", "bigint"],
      ["order_ts", "timestamp"],
      ["amount", "decimal(12,2)"],
      ["currency", "string"],
      ["status", "string"],
    ]);
    expect(orders?.columns?.find((c) => c.name === "order_ts")?.partition_index).toBe(0);
    const customers = fake.state.tables.get(`${catalog}.sales_silver.dim_customers`);
    expect(customers?.comment).toBe("One row per customer");

    const creates = fake.state.statements.filter((s) => /^\s*CREATE TABLE/i.test(s));
    expect(creates).toHaveLength(2);
    const ordersSql = creates.find((s) => s.includes("fact_orders")) ?? "";
    expect(ordersSql).toMatch(new RegExp(`\`?${catalog}\`?\\.\`?sales_bronze\`?\\.\`?fact_orders\`?`));
    expect(ordersSql).toMatch(/PARTITIONED BY \(`?order_ts`?\)/i);
    expect(ordersSql).toMatch(/dpn_stack/);
    const customersSql = creates.find((s) => s.includes("dim_customers")) ?? "";
    expect(customersSql).toMatch(/COMMENT 'One row per customer'/);
  });

  it("a second run reports nothing to do and changes nothing", async () => {
    const before = fake.log.filter((l) => l.method !== "GET").length;
    const awsBefore = await awsInventory(project);
    const r = await runCli(
      ["create", "--blueprint", DEV_BLUEPRINT, "--yes", "--override", `project=${project}`],
      env.env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Nothing to do: all 15 resources exist and match the blueprint/);
    expect(fake.log.filter((l) => l.method !== "GET").length).toBe(before);
    expect(await awsInventory(project)).toEqual(awsBefore);
    expect(stateSummary(env.home).transactions).toHaveLength(1);
  }, 60_000);

  it("a runtime past end of support or an unknown node type stops the run at plan time (exit 3), nothing written", async () => {
    const bp = JSON.parse(readFileSync(join(REPO_ROOT, DEV_BLUEPRINT), "utf8"));
    bp.resources.databricks.clusters[0].spark_version = "13.3.x-scala2.12";
    bp.resources.databricks.clusters.push({
      ...bp.resources.databricks.clusters[0],
      workload: "ml",
      node_type: "i3.xlarg",
    });
    delete bp.resources.databricks.clusters[1].spark_version;
    const file = join(env.dir, "eos.json");
    writeFileSync(file, JSON.stringify(bp));
    const other = uniqueProject("eos");
    const before = fake.log.filter((l) => l.method !== "GET").length;
    const r = await runCli(
      ["create", "--blueprint", file, "--yes", "--json", "--override", `project=${other}`],
      env.env,
    );
    expect(r.code, r.stderr).toBe(3);
    const out = `${r.stdout}\n${r.stderr}`;
    expect(out).toMatch(/PLAN_CHECK_FAILED/);
    expect(out).toMatch(/DBX_SPARK_VERSION_UNKNOWN/);
    expect(out).toMatch(/13\.3\.x-scala2\.12/);
    expect(out).toMatch(/DBX_NODE_TYPE_UNKNOWN/);
    expect(out).toMatch(/i3\.xlarge/);
    expect(fake.log.filter((l) => l.method !== "GET").length).toBe(before);
    expect((await awsInventory(other)).buckets).toEqual([]);
  }, 60_000);
});
