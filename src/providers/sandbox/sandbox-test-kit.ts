/**
 * Builders of desired resources and provider contexts for the sandbox's own tests (kept here,
 * beside the tests that use them). Not part of the public API.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DesiredResource, PropsByType, ProvisionedType } from "../../core/resources.js";
import type { ProviderContext } from "../../engine/ports.js";

export const STACK = "stack-test";

export function ctx(
  overrides: Partial<ProviderContext> = {},
  refs: Record<string, string> = {},
): ProviderContext {
  return { stackId: STACK, txId: "tx-1", actor: "alice@laptop", resolveRef: (a) => refs[a], ...overrides };
}

/** A fresh temp dir with a sandbox path in it; call `cleanup` in afterEach. */
export function tempSandbox(): { dbPath: string; dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "dpn-sandbox-"));
  return {
    dir,
    dbPath: join(dir, ".dpn", "sandbox.db"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function make<T extends ProvisionedType>(
  type: T,
  name: string,
  fullName: string,
  properties: PropsByType[T],
  tags: Record<string, string> = { project: "demo" },
): DesiredResource<T> {
  return {
    type,
    address: `${type}.${fullName}`,
    name,
    fullName,
    properties,
    tags,
    dependencies: [],
    source: "$.test",
  };
}

export const bucket = (name = "demo-raw-dev-use1", p: Partial<PropsByType["aws_s3_bucket"]> = {}) =>
  make("aws_s3_bucket", name, name, {
    region: "us-east-1",
    versioning: true,
    lifecycle_days: 90,
    encryption: "AES256",
    block_public_access: true,
    ...p,
  });

export const glueDb = (name = "demo_sales_bronze_dev", p: Partial<PropsByType["aws_glue_database"]> = {}) =>
  make("aws_glue_database", name, name, { region: "us-east-1", description: "sales", parameters: {}, ...p });

export const glueTable = (
  db = "demo_sales_bronze_dev",
  name = "fact_orders",
  p: Partial<PropsByType["aws_glue_table"]> = {},
) =>
  make("aws_glue_table", name, `${db}.${name}`, {
    region: "us-east-1",
    database: db,
    columns: [
      { name: "order_id", type: "bigint" },
      { name: "amount", type: "double", comment: "EUR" },
    ],
    partition_keys: [{ name: "dt", type: "string" }],
    table_type: "fact",
    format: "parquet",
    location: "s3://demo-raw-dev-use1/sales/fact_orders/",
    ...p,
  });

export const cluster = (name = "demo-etl-dev", p: Partial<PropsByType["dbx_cluster"]> = {}) =>
  make("dbx_cluster", name, name, {
    spark_version: "16.4.x-scala2.12",
    node_type_id: "i3.xlarge",
    autoscale: { min_workers: 2, max_workers: 8 },
    autotermination_minutes: 60,
    cluster_type: "shared",
    data_security_mode: "USER_ISOLATION",
    ...p,
  });

export const job = (
  name = "demo-ingest-dev",
  clusterAddress = "dbx_cluster.demo-etl-dev",
  p: Partial<PropsByType["dbx_job"]> = {},
) =>
  make("dbx_job", name, name, {
    cluster_ref: clusterAddress,
    tasks: [
      {
        task_key: "extract",
        notebook_task: { notebook_path: "/jobs/extract" },
        existing_cluster_ref: clusterAddress,
      },
      {
        task_key: "load",
        notebook_task: { notebook_path: "/jobs/load" },
        depends_on: [{ task_key: "extract" }],
      },
    ],
    schedule: { quartz_cron_expression: "0 0 2 * * ?", timezone_id: "UTC", pause_status: "UNPAUSED" },
    max_concurrent_runs: 1,
    ...p,
  });

export const catalog = (name = "demo_main_dev", p: Partial<PropsByType["dbx_catalog"]> = {}) =>
  make("dbx_catalog", name, name, { comment: "main", ...p });

export const schema = (
  cat = "demo_main_dev",
  name = "sales_bronze",
  p: Partial<PropsByType["dbx_schema"]> = {},
) => make("dbx_schema", name, `${cat}.${name}`, { catalog_name: cat, comment: "sales", ...p });

export const ucTable = (
  cat = "demo_main_dev",
  sch = "sales_bronze",
  name = "fact_orders",
  p: Partial<PropsByType["dbx_table"]> = {},
) =>
  make("dbx_table", name, `${cat}.${sch}.${name}`, {
    catalog_name: cat,
    schema_name: sch,
    columns: [
      { name: "order_id", type: "BIGINT" },
      { name: "dt", type: "DATE" },
    ],
    partition_by: ["dt"],
    table_type: "fact",
    comment: "orders",
    ...p,
  });

export const volume = (
  cat = "demo_main_dev",
  sch = "sales_bronze",
  name = "landing",
  p: Partial<PropsByType["dbx_volume"]> = {},
) =>
  make("dbx_volume", name, `${cat}.${sch}.${name}`, {
    catalog_name: cat,
    schema_name: sch,
    volume_type: "MANAGED",
    comment: "landing zone",
    ...p,
  });

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, unknown> & Error;
  }
  throw new Error("expected a rejection, but the call succeeded");
}
