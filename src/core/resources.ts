/**
 * Shared resource vocabulary: the provisioned resource types, the desired-resource shape that
 * blueprint resolution produces and the engine consumes, and the per-type property shapes.
 */

export const ENVIRONMENTS = ["dev", "stg", "prd"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * Resource types dpn can provision (the others of the 27 naming type keys are naming-only): the
 * source of the type names. Each has a type spec in src/types/, registered in
 * src/types/registry.ts keyed by this union, so a name added here without a spec does not compile.
 */
export const PROVISIONED_TYPES = [
  "aws_s3_bucket",
  "aws_glue_database",
  "aws_glue_table",
  "dbx_cluster",
  "dbx_job",
  "dbx_catalog",
  "dbx_schema",
  "dbx_table",
  "dbx_volume",
] as const;
export type ProvisionedType = (typeof PROVISIONED_TYPES)[number];

export function isProvisionedType(t: string): t is ProvisionedType {
  return (PROVISIONED_TYPES as readonly string[]).includes(t);
}

export interface Column {
  name: string;
  type: string;
  comment?: string;
}

export interface S3BucketProps {
  region: string;
  versioning: boolean;
  lifecycle_days: number;
  encryption: "AES256" | "aws:kms";
  kms_key_id?: string;
  /** Public access block, all four flags; default all true. */
  block_public_access: boolean;
}

export interface GlueDatabaseProps {
  region: string;
  description?: string;
  parameters: Record<string, string>;
}

export interface GlueTableProps {
  region: string;
  /** Name of the Glue database the table lives in. */
  database: string;
  columns: Column[];
  partition_keys: Column[];
  table_type: string;
  format: "parquet" | "delta" | "json" | "csv";
  /** s3:// location (from `location`, or derived from `bucket_ref`). */
  location?: string;
  description?: string;
}

export interface ClusterProps {
  /**
   * Databricks runtime key, e.g. `17.3.x-scala2.13`. Unset until the plan-time check fills it
   * with the workspace's latest LTS (Provider.check of `dbx_cluster`).
   */
  spark_version?: string;
  node_type_id: string;
  autoscale?: { min_workers: number; max_workers: number };
  num_workers?: number;
  autotermination_minutes: number;
  cluster_type: "shared" | "dedicated" | "job";
  /** USER_ISOLATION for shared, SINGLE_USER for dedicated/job. */
  data_security_mode: "USER_ISOLATION" | "SINGLE_USER";
  /** The one user (or service principal application id) a SINGLE_USER cluster runs as. */
  single_user_name?: string;
}

export interface JobTask {
  task_key: string;
  depends_on?: { task_key: string }[];
  notebook_task?: { notebook_path: string; base_parameters?: Record<string, string> };
  /** Address of the cluster this task runs on; the provider substitutes the remote cluster id. */
  existing_cluster_ref?: string;
  /** Any other Jobs API task fields pass through unchanged. */
  [k: string]: unknown;
}

export interface JobProps {
  /** Address of the cluster the job runs on. */
  cluster_ref: string;
  tasks: JobTask[];
  schedule?: { quartz_cron_expression: string; timezone_id: string; pause_status?: "PAUSED" | "UNPAUSED" };
  max_concurrent_runs: number;
}

export interface CatalogProps {
  comment?: string;
  storage_root?: string;
}

export interface SchemaProps {
  catalog_name: string;
  comment?: string;
}

export interface UcTableProps {
  catalog_name: string;
  schema_name: string;
  columns: Column[];
  comment?: string;
  partition_by?: string[];
  table_type: string;
}

export interface VolumeProps {
  catalog_name: string;
  schema_name: string;
  volume_type: "MANAGED" | "EXTERNAL";
  storage_location?: string;
  comment?: string;
}

export interface PropsByType {
  aws_s3_bucket: S3BucketProps;
  aws_glue_database: GlueDatabaseProps;
  aws_glue_table: GlueTableProps;
  dbx_cluster: ClusterProps;
  dbx_job: JobProps;
  dbx_catalog: CatalogProps;
  dbx_schema: SchemaProps;
  dbx_table: UcTableProps;
  dbx_volume: VolumeProps;
}

/**
 * One resource as the blueprint wants it, fully resolved: names generated and validated,
 * references turned into addresses, defaults applied. Produced by blueprint resolution.
 */
export interface DesiredResource<T extends ProvisionedType = ProvisionedType> {
  type: T;
  /** Unique qualified address, e.g. `dbx_table.dataplatform_main_dev.sales_bronze.fact_orders`. */
  address: string;
  /** The resource's own name (what the platform calls it). */
  name: string;
  /** catalog.schema.table for UC objects, database.table for Glue tables, otherwise = name. */
  fullName: string;
  properties: PropsByType[T];
  /** Standard + extra tags (without ownership markers; providers add those). */
  tags: Record<string, string>;
  /** Addresses this resource depends on (must exist before it is created). */
  dependencies: string[];
  /** JSON path of the blueprint entry this came from, for messages. */
  source: string;
  /**
   * `"lifecycle": {"prevent_destroy": true}`: delete, --prune and destroy refuse it. The state
   * remembers it until a blueprint without the flag has been applied.
   */
  preventDestroy?: boolean;
}

/** Ownership marker stamped on everything dpn creates. */
export interface Ownership {
  stackId: string;
  address: string;
}

/** Tag / property keys used for ownership and archive markers on every platform. */
export const MARKER_KEYS = {
  stack: "dpn_stack",
  address: "dpn_address",
  archivedAt: "dpn_archived_at",
  archivedBy: "dpn_archived_by",
} as const;
