/**
 * The starter blueprint `dpn init` writes: small but complete (every provisioned type), valid,
 * and resolving to real names with the built-in convention.
 */
import { BLUEPRINT_SCHEMA_ID } from "./schema.js";

export interface StarterOptions {
  environment: string;
  project: string;
  region: string;
  /** `metadata.team`; default `data-engineering`. */
  team?: string;
  /** `metadata.cost_center`; default `CC-0000`. */
  costCenter?: string;
  /**
   * Value of `$schema`, where editors find the schema: e.g. a path relative to the blueprint
   * (`../node_modules/data-platform-naming/schemas/blueprint.schema.json`). Default: the schema's `$id`.
   */
  schemaRef?: string;
}

/** A starter blueprint as a JSON value. Never throws (inputs are checked when it is loaded). */
export function starterBlueprint({
  environment,
  project,
  region,
  team = "data-engineering",
  costCenter = "CC-0000",
  schemaRef,
}: StarterOptions): Record<string, unknown> {
  const orderColumns = [
    { name: "order_id", type: "bigint", comment: "Order identifier" },
    { name: "customer_id", type: "bigint" },
    { name: "order_ts", type: "timestamp" },
    { name: "amount", type: "decimal(12,2)" },
  ];
  return {
    $schema: schemaRef ?? BLUEPRINT_SCHEMA_ID,
    version: "1.0",
    metadata: {
      environment,
      project,
      region,
      team,
      cost_center: costCenter,
      data_classification: "internal",
    },
    resources: {
      aws: {
        s3_buckets: [
          { purpose: "landing", layer: "raw", versioning: true, lifecycle_days: 30 },
          { purpose: "lake", layer: "bronze", versioning: true, lifecycle_days: 90 },
          { purpose: "lake", layer: "silver", versioning: true, lifecycle_days: 180 },
        ],
        glue_databases: [{ domain: "sales", layer: "bronze", description: "Sales data as ingested" }],
        glue_tables: [
          {
            database_ref: "sales-bronze",
            entity: "orders",
            table_type: "fact",
            bucket_ref: "landing",
            format: "parquet",
            columns: orderColumns,
            partition_keys: [{ name: "ingest_date", type: "date" }],
          },
        ],
      },
      databricks: {
        clusters: [
          {
            workload: "etl",
            cluster_type: "shared",
            node_type: "i3.xlarge",
            autoscale: { min: 2, max: 8 },
            autotermination_minutes: 60,
          },
        ],
        jobs: [
          {
            job_type: "batch",
            purpose: "sales-load",
            cluster_ref: "etl",
            schedule: "daily",
            tasks: [
              { task_key: "ingest", notebook_path: `/${project}/sales/ingest` },
              { task_key: "refine", notebook_path: `/${project}/sales/refine`, depends_on: ["ingest"] },
            ],
          },
        ],
        unity_catalog: {
          catalogs: [
            {
              catalog_type: "main",
              comment: `${project} ${environment} catalog`,
              schemas: [
                {
                  domain: "sales",
                  layer: "bronze",
                  tables: [
                    {
                      entity: "orders",
                      table_type: "fact",
                      columns: orderColumns.map((c) => ({ ...c, type: c.type.toUpperCase() })),
                    },
                  ],
                  volumes: [{ purpose: "landing", data_type: "raw", volume_type: "MANAGED" }],
                },
                {
                  domain: "sales",
                  layer: "silver",
                  tables: [
                    {
                      entity: "customers",
                      table_type: "dim",
                      columns: [
                        { name: "customer_id", type: "BIGINT" },
                        { name: "name", type: "STRING" },
                        { name: "segment", type: "STRING" },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        },
      },
    },
  };
}
