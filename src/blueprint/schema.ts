/**
 * The blueprint v1.0 format, defined once in code: `blueprintSchema` is the published JSON
 * Schema (draft 2020-12, written to schemas/blueprint.schema.json) and the `Blueprint*` types
 * are inferred from the same definitions. v0.1 blueprints are valid v1.0 blueprints: every
 * field added since is optional.
 */
import {
  arr,
  bool,
  Definitions,
  type Infer,
  int,
  type JsonSchema,
  obj,
  oneOfStrings,
  opt,
  record,
  str,
  stringOr,
} from "./schema-builder.js";

/** Layers every convention accepts; a convention's values may add more (checked in rules.ts). */
export const STANDARD_LAYERS = ["raw", "bronze", "silver", "gold", "processed", "curated"] as const;
export const TABLE_TYPES = ["fact", "dim", "bridge", "staging", "reference"] as const;
export const CLUSTER_TYPES = ["shared", "dedicated", "job"] as const;
export const SCHEDULE_PRESETS = ["hourly", "daily", "weekly"] as const;
export const TABLE_FORMATS = ["parquet", "delta", "json", "csv"] as const;
export const DATA_CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"] as const;

const d = new Definitions();

const name = (description: string) => str({ minLength: 1, description });
const layer = str({
  minLength: 1,
  description: `Data layer: ${STANDARD_LAYERS.join(", ")}, or any layer the convention's values allow.`,
  examples: [...STANDARD_LAYERS],
});
const tags = opt(
  record(str({ maxLength: 256 }), { description: "Extra tags, merged over the standard tags." }),
);
const comment = (what: string) => opt(str({ description: `Comment on the ${what}.` }));

const column = d.define(
  "column",
  obj(
    {
      name: name(
        "Column name. Glue: letters, digits and _ (lower case recommended), ≤255 bytes; Unity Catalog: none of space , ; { } ( ) = or control characters.",
      ),
      type: str({
        minLength: 1,
        description: "Column type (Hive/Athena types for Glue, Spark SQL types for Unity Catalog).",
      }),
      comment: opt(str({ description: "Column comment (Glue: at most 255 characters, one line)." })),
    },
    { description: "One column." },
  ),
);

const s3Bucket = d.define(
  "s3_bucket",
  obj(
    {
      purpose: name("What the bucket is for; part of its name."),
      layer,
      versioning: opt(bool({ default: true, description: "Object versioning." })),
      lifecycle_days: opt(
        int({
          minimum: 1,
          default: 90,
          description: "Days after which objects move to INTELLIGENT_TIERING.",
        }),
      ),
      encryption: opt(
        oneOfStrings(["AES256", "aws:kms"], { default: "AES256", description: "Default encryption." }),
      ),
      kms_key_id: opt(
        str({ minLength: 1, description: "KMS key id or ARN; required with encryption aws:kms." }),
      ),
      block_public_access: opt(
        bool({ default: true, description: "Block all public access (all four flags)." }),
      ),
      tags,
    },
    { description: "An S3 general purpose bucket." },
  ),
);

const glueDatabase = d.define(
  "glue_database",
  obj(
    {
      domain: name("Business domain; part of the name."),
      layer,
      description: opt(str({ description: "Database description (at most 2048 characters)." })),
      tags,
    },
    { description: 'A Glue database, referenced by glue tables as "<domain>-<layer>".' },
  ),
);

const glueTable = d.define(
  "glue_table",
  obj(
    {
      database_ref: name('"<domain>-<layer>" of a glue_databases entry, or a generated database name.'),
      entity: name("The entity the table holds; part of the name."),
      columns: arr(column, { description: "Columns (Hive/Athena types)." }),
      table_type: opt(oneOfStrings(TABLE_TYPES, { default: "fact" })),
      partition_keys: opt(arr(column, { description: "Partition columns (primitive types only)." })),
      location: opt(str({ pattern: "^s3://[^/]+(/.*)?$", description: "s3:// location of the data." })),
      bucket_ref: opt(
        name("The purpose of an s3_buckets entry; the location becomes s3://<bucket>/<database>/<table>/."),
      ),
      format: opt(oneOfStrings(TABLE_FORMATS, { default: "parquet", description: "Storage format." })),
      description: opt(str({ description: "Table description (at most 2048 characters)." })),
      tags,
    },
    { description: "A Glue table." },
  ),
);

const cluster = d.define(
  "cluster",
  obj(
    {
      workload: name("What runs on the cluster; part of the name. Jobs reference clusters by it."),
      cluster_type: oneOfStrings(CLUSTER_TYPES),
      node_type: name("Node type id, e.g. i3.xlarge."),
      spark_version: opt(
        str({
          minLength: 1,
          description:
            "Databricks runtime key, e.g. 17.3.x-scala2.13. Unset: the workspace's latest LTS runtime, resolved at plan time.",
        }),
      ),
      autoscale: opt(
        obj(
          {
            min: int({ minimum: 0, description: "Minimum workers." }),
            max: int({ minimum: 1, description: "Maximum workers." }),
          },
          { description: "Autoscaling range (default 2–8); exclusive with num_workers." },
        ),
      ),
      num_workers: opt(
        int({
          minimum: 0,
          description:
            "Fixed number of workers; exclusive with autoscale. 0 makes a single-node cluster (driver only, Spark runs locally).",
        }),
      ),
      autotermination_minutes: opt(
        int({
          minimum: 0,
          maximum: 10000,
          default: 60,
          description: "Idle minutes before the cluster terminates: 0 (never) or 10–10000.",
        }),
      ),
      single_user_name: opt(
        str({
          minLength: 1,
          description:
            "The user (user name) or service principal (application id) a dedicated or job cluster runs as; required for cluster_type dedicated and job.",
          examples: ["someone@example.com", "6f1b3a52-0c3e-4d5a-9f57-2b8e1c9d4a10"],
        }),
      ),
      tags,
    },
    { description: "A Databricks all-purpose cluster." },
  ),
);

const taskKey = str({
  pattern: "^[\\w\\-.]{1,100}$",
  description: "Task key: letters, digits, _ - . (≤100).",
});
const task = d.define(
  "task",
  obj(
    {
      task_key: taskKey,
      notebook_path: opt(str({ minLength: 1, description: "Short form: the notebook to run." })),
      depends_on: opt(
        arr(stringOr(taskKey, obj({ task_key: taskKey }, { rest: true })), {
          description: 'Short form ["key"], or Jobs API form [{"task_key": "key"}].',
        }),
      ),
      base_parameters: opt(record(str(), { description: "Short form: notebook parameters." })),
    },
    {
      rest: true,
      description:
        "A job task: short form {task_key, notebook_path, depends_on}, or Jobs API form (passed through).",
    },
  ),
);

const job = d.define(
  "job",
  obj(
    {
      job_type: name("Kind of job (batch, streaming, …); part of the name."),
      purpose: name("What the job does; part of the name."),
      cluster_ref: name("A cluster's workload, or a generated cluster name."),
      schedule: opt(
        stringOr(
          oneOfStrings(SCHEDULE_PRESETS),
          obj({
            cron: str({
              pattern: "^\\S+(\\s+\\S+){5,6}$",
              description: "Quartz cron expression (6 or 7 fields), e.g. 0 30 2 * * ?",
            }),
            timezone: opt(str({ minLength: 1, default: "UTC", description: "Java time zone id." })),
            pause_status: opt(oneOfStrings(["PAUSED", "UNPAUSED"], { default: "UNPAUSED" })),
          }),
          { description: "hourly, daily, weekly, or {cron, timezone}." },
        ),
      ),
      tasks: opt(arr(task)),
      max_concurrent_runs: opt(int({ minimum: 1, maximum: 1000, default: 1 })),
      tags,
    },
    { description: "A Databricks job." },
  ),
);

const volume = d.define(
  "volume",
  obj(
    {
      purpose: name("What the volume holds; part of the name."),
      data_type: opt(str({ minLength: 1, default: "raw", description: "Kind of data; part of the name." })),
      volume_type: opt(oneOfStrings(["MANAGED", "EXTERNAL"], { default: "MANAGED" })),
      storage_location: opt(
        str({ minLength: 1, description: "Required for EXTERNAL volumes, refused for MANAGED." }),
      ),
      comment: comment("volume"),
      tags,
    },
    { description: "A Unity Catalog volume." },
  ),
);

const ucTable = d.define(
  "uc_table",
  obj(
    {
      entity: name("The entity the table holds; part of the name."),
      table_type: opt(oneOfStrings(TABLE_TYPES, { default: "fact" })),
      columns: opt(arr(column, { description: "Columns (Spark SQL types)." })),
      comment: comment("table"),
      partition_by: opt(
        arr(str({ minLength: 1 }), {
          description:
            "Partition column names: columns of the table, not VARIANT, ARRAY, MAP or STRUCT, not all of them.",
        }),
      ),
      tags,
    },
    { description: "A Unity Catalog table." },
  ),
);

const ucSchema = d.define(
  "uc_schema",
  obj(
    {
      domain: name("Business domain; part of the name."),
      layer,
      tables: opt(arr(ucTable)),
      volumes: opt(arr(volume)),
      comment: comment("schema"),
      tags,
    },
    { description: "A Unity Catalog schema." },
  ),
);

const catalog = d.define(
  "catalog",
  obj(
    {
      catalog_type: name("Kind of catalog (main, dev, sandbox, …); part of the name."),
      schemas: arr(ucSchema),
      storage_root: opt(str({ minLength: 1, description: "Managed storage location (s3://…)." })),
      comment: comment("catalog"),
      tags,
    },
    { description: "A Unity Catalog catalog." },
  ),
);

const metadata = obj(
  {
    environment: oneOfStrings(["dev", "stg", "prd"]),
    project: str({ pattern: "^[a-z0-9-]+$", description: "Project: lowercase letters, digits and hyphens." }),
    region: str({ pattern: "^[a-z]{2}(-[a-z]+)+-[0-9]+$", description: "AWS region, e.g. us-east-1." }),
    team: opt(str()),
    cost_center: opt(str()),
    data_classification: opt(oneOfStrings(DATA_CLASSIFICATIONS)),
    owner: opt(str()),
  },
  { rest: str(), description: "Who and where; other string keys are naming values." },
);

const scope = obj(
  {
    mode: oneOfStrings(["include", "exclude"]),
    patterns: arr(str({ minLength: 1 }), {
      minItems: 1,
      description: "Globs (* and ?) over resource types (aws_s3_bucket, dbx_*) or addresses.",
    }),
  },
  { description: "Restrict the plan to some resources." },
);

const resources = obj(
  {
    aws: opt(
      obj({
        s3_buckets: opt(arr(s3Bucket)),
        glue_databases: opt(arr(glueDatabase)),
        glue_tables: opt(arr(glueTable)),
      }),
    ),
    databricks: opt(
      obj({
        clusters: opt(arr(cluster)),
        jobs: opt(arr(job)),
        unity_catalog: opt(obj({ catalogs: opt(arr(catalog)) })),
      }),
    ),
  },
  { description: "The resources, grouped by platform." },
);

const blueprint = obj(
  {
    $schema: opt(str({ description: "Where editors find this schema." })),
    version: oneOfStrings(["1.0"]),
    metadata,
    resources,
    scope: opt(scope),
  },
  { description: "A dpn blueprint: the resources of one project in one environment." },
);

export type Blueprint = Infer<typeof blueprint>;
export type BlueprintMetadata = Blueprint["metadata"];
export type BlueprintColumn = Infer<typeof column>;
export type S3BucketEntry = Infer<typeof s3Bucket>;
export type GlueDatabaseEntry = Infer<typeof glueDatabase>;
export type GlueTableEntry = Infer<typeof glueTable>;
export type ClusterEntry = Infer<typeof cluster>;
export type JobEntry = Infer<typeof job>;
export type TaskEntry = Infer<typeof task>;
export type CatalogEntry = Infer<typeof catalog>;
export type UcSchemaEntry = Infer<typeof ucSchema>;
export type UcTableEntry = Infer<typeof ucTable>;
export type VolumeEntry = Infer<typeof volume>;
export type BlueprintScope = Infer<typeof scope>;

/** Where the published schema lives (its `$id`). */
export const BLUEPRINT_SCHEMA_ID = "https://data-platform-naming.dev/schemas/blueprint.schema.json";

/**
 * The JSON Schema (draft 2020-12) of blueprint v1.0. A plain JSON value: the lead writes it to
 * schemas/blueprint.schema.json, and `checkBlueprintSchema` validates with it.
 */
export const blueprintSchema: JsonSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: BLUEPRINT_SCHEMA_ID,
  title: "dpn blueprint v1.0",
  ...blueprint.schema,
  $defs: d.defs,
};
