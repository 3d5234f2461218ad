/**
 * One desired resource of each provisioned type for the contract suite, the parents it needs, and
 * a variant with exactly one setting changed (the field an update must report and apply).
 */
import type { DesiredResource, PropsByType, ProvisionedType } from "../../src/core/resources.js";

export interface Fixture<T extends ProvisionedType = ProvisionedType> {
  parents: DesiredResource[];
  desired: DesiredResource<T>;
  changed: DesiredResource<T>;
  /** The field `diff(changed, live)` reports. */
  field: string;
}

function make<T extends ProvisionedType>(
  type: T,
  name: string,
  fullName: string,
  properties: PropsByType[T],
  dependencies: string[] = [],
): DesiredResource<T> {
  return {
    type,
    address: `${type}.${fullName}`,
    name,
    fullName,
    properties,
    tags: { Project: "contract", Environment: "dev" },
    dependencies,
    source: "$.contract",
  };
}

const change = <T extends ProvisionedType>(
  d: DesiredResource<T>,
  props: Partial<PropsByType[T]>,
): DesiredResource<T> => ({ ...d, properties: { ...d.properties, ...props } });

/** Fixtures for one run, every name under `prefix`. */
export function fixtures(prefix: string): { [T in ProvisionedType]: Fixture<T> } {
  const bucketName = `${prefix}-raw-dev-use1`;
  const bucket = make("aws_s3_bucket", bucketName, bucketName, {
    region: "us-east-1",
    versioning: true,
    lifecycle_days: 30,
    encryption: "AES256",
    block_public_access: true,
  });
  const dbName = `${prefix}_sales_dev`;
  const db = make("aws_glue_database", dbName, dbName, {
    region: "us-east-1",
    description: "sales",
    parameters: {},
  });
  const glueTable = make(
    "aws_glue_table",
    "fact_orders",
    `${dbName}.fact_orders`,
    {
      region: "us-east-1",
      database: dbName,
      columns: [{ name: "order_id", type: "bigint" }],
      partition_keys: [],
      table_type: "fact",
      format: "parquet",
      location: `s3://${bucketName}/sales/fact_orders/`,
      description: "orders",
    },
    [db.address],
  );
  const clusterName = `${prefix}-etl-dev`;
  const cluster = make("dbx_cluster", clusterName, clusterName, {
    spark_version: "16.4.x-scala2.12",
    node_type_id: "i3.xlarge",
    autoscale: { min_workers: 1, max_workers: 2 },
    autotermination_minutes: 30,
    cluster_type: "shared",
    data_security_mode: "USER_ISOLATION",
  });
  const jobName = `${prefix}-load-dev`;
  const job = make(
    "dbx_job",
    jobName,
    jobName,
    {
      cluster_ref: cluster.address,
      tasks: [{ task_key: "load", notebook_task: { notebook_path: "/x/load" } }],
      max_concurrent_runs: 1,
    },
    [cluster.address],
  );
  const catName = `${prefix}_main_dev`;
  const catalog = make("dbx_catalog", catName, catName, { comment: "main" });
  const schema = make(
    "dbx_schema",
    "sales_bronze",
    `${catName}.sales_bronze`,
    { catalog_name: catName, comment: "sales" },
    [catalog.address],
  );
  const table = make(
    "dbx_table",
    "fact_orders",
    `${catName}.sales_bronze.fact_orders`,
    {
      catalog_name: catName,
      schema_name: "sales_bronze",
      columns: [{ name: "order_id", type: "BIGINT" }],
      table_type: "fact",
      comment: "orders",
    },
    [schema.address],
  );
  const volume = make(
    "dbx_volume",
    "landing",
    `${catName}.sales_bronze.landing`,
    { catalog_name: catName, schema_name: "sales_bronze", volume_type: "MANAGED", comment: "landing" },
    [schema.address],
  );
  return {
    aws_s3_bucket: {
      parents: [],
      desired: bucket,
      changed: change(bucket, { lifecycle_days: 45 }),
      field: "lifecycle_days",
    },
    aws_glue_database: {
      parents: [],
      desired: db,
      changed: change(db, { description: "sales v2" }),
      field: "description",
    },
    aws_glue_table: {
      parents: [db],
      desired: glueTable,
      changed: change(glueTable, { description: "orders v2" }),
      field: "description",
    },
    dbx_cluster: {
      parents: [],
      desired: cluster,
      changed: change(cluster, { autotermination_minutes: 45 }),
      field: "autotermination_minutes",
    },
    dbx_job: {
      parents: [cluster],
      desired: job,
      changed: change(job, { max_concurrent_runs: 2 }),
      field: "max_concurrent_runs",
    },
    dbx_catalog: {
      parents: [],
      desired: catalog,
      changed: change(catalog, { comment: "main v2" }),
      field: "comment",
    },
    dbx_schema: {
      parents: [catalog],
      desired: schema,
      changed: change(schema, { comment: "sales v2" }),
      field: "comment",
    },
    dbx_table: {
      parents: [catalog, schema],
      desired: table,
      changed: change(table, { comment: "orders v2" }),
      field: "comment",
    },
    dbx_volume: {
      parents: [catalog, schema],
      desired: volume,
      changed: change(volume, { comment: "landing v2" }),
      field: "comment",
    },
  };
}
