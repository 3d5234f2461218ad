/**
 * The convention built into the package: the 27 v0.1 templates (exact strings), the values v0.1
 * applied when a field was missing (precedence layer 7, "built-in"), and each target's style.
 * A project without `.dpn/` gets exactly this.
 */
import { REGION_CODES } from "./regions.js";
import type { Convention, PatternSpec, Style, Transformations, Values } from "./types.js";

/** The 27 type keys of v0.1 with their templates, unchanged (naming-rules.md Part 2). */
export const BUILT_IN_TEMPLATES: Readonly<Record<string, string>> = Object.freeze({
  aws_s3_bucket: "{project}-{purpose}-{layer}-{environment}-{region_short}",
  aws_glue_database: "{project}_{domain}_{layer}_{environment}",
  aws_glue_table: "{table_type}_{entity}",
  aws_glue_crawler: "{project}-{environment}-crawler-{database}-{source}",
  aws_lambda_function: "{project}-{environment}-{domain}-{trigger}-{action}",
  aws_iam_role: "{project}-{environment}-{service}-{purpose}-role",
  aws_iam_policy: "{project}-{environment}-{service}-{purpose}-policy",
  aws_kinesis_stream: "{project}-{environment}-{domain}-{source}-stream",
  aws_kinesis_firehose: "{project}-{environment}-{domain}-to-{destination}",
  aws_dynamodb_table: "{project}-{environment}-{entity}-{purpose}",
  aws_sns_topic: "{project}-{environment}-{event_type}-{purpose}",
  aws_sqs_queue: "{project}-{environment}-{purpose}-{queue_type}",
  aws_step_function: "{project}-{environment}-{workflow}-{purpose}",
  dbx_workspace: "dbx-{project}-{purpose}-{environment}-{region_short}",
  dbx_cluster: "{project}-{workload}-{cluster_type}-{environment}",
  dbx_job: "{project}-{job_type}-{purpose}-{schedule}-{environment}",
  dbx_notebook_path: "/{project}/{domain}/{purpose}/{environment}/{notebook_name}",
  dbx_repo: "{project}-{repo_purpose}-{environment}",
  dbx_pipeline: "{project}-{pipeline_type}-{source}-{target}-{environment}",
  dbx_sql_warehouse: "{project}-sql-{purpose}-{size}-{environment}",
  dbx_catalog: "{project}_{catalog_type}_{environment}",
  dbx_schema: "{domain}_{layer}",
  dbx_table: "{table_type}_{entity}",
  dbx_volume: "{data_type}_{purpose}",
  dbx_secret_scope: "{project}-{purpose}-{environment}",
  dbx_instance_pool: "{project}-pool-{node_type}-{purpose}-{environment}",
  dbx_policy: "{project}-{target}-{policy_type}-{environment}",
});

export const BUILT_IN_TYPES: readonly string[] = Object.freeze(Object.keys(BUILT_IN_TEMPLATES));

/** Values v0.1 applied when a field was missing; layer 7 of the precedence rule. */
export const BUILT_IN_VALUES: Readonly<Record<string, Readonly<Values>>> = Object.freeze({
  aws_glue_table: { table_type: "fact" },
  dbx_table: { table_type: "fact" },
  aws_glue_database: { layer: "bronze" },
  dbx_schema: { layer: "bronze" },
  dbx_cluster: { cluster_type: "shared" },
  dbx_volume: { data_type: "raw" },
  aws_dynamodb_table: { purpose: "data" },
  aws_sqs_queue: { queue_type: "standard" },
  dbx_sql_warehouse: { size: "medium", purpose: "analytics" },
  dbx_workspace: { purpose: "data" },
  dbx_secret_scope: { purpose: "general" },
  dbx_instance_pool: { purpose: "general" },
  dbx_policy: { target: "cluster" },
});

const SNAKE_TYPES = new Set([
  "aws_glue_database",
  "aws_glue_table",
  "dbx_catalog",
  "dbx_schema",
  "dbx_table",
  "dbx_volume",
]);
// Notebook paths are workspace paths, not identifiers: v0.1 never rewrote their values.
const NONE_TYPES = new Set(["dbx_notebook_path"]);

/** The default style of each built-in type (a pattern's `style` overrides it). */
export const BUILT_IN_STYLES: Readonly<Record<string, Style>> = Object.freeze(
  Object.fromEntries(
    Object.keys(BUILT_IN_TEMPLATES).map((t) => [
      t,
      SNAKE_TYPES.has(t) ? "snake" : NONE_TYPES.has(t) ? "none" : "kebab",
    ]),
  ) as Record<string, Style>,
);

/**
 * The style of a type when its pattern does not set one: snake for Glue and Unity Catalog
 * identifiers, kebab for the other built-in types, and for user-defined types the separator the
 * template itself uses (`-` → kebab, `_` → snake, neither or both → none).
 */
export function defaultStyle(type: string, template: string): Style {
  const builtIn = Object.hasOwn(BUILT_IN_STYLES, type) ? BUILT_IN_STYLES[type] : undefined;
  if (builtIn) return builtIn;
  const literal = template.replace(/\{[^}]*\}/g, "");
  const hyphen = literal.includes("-");
  const underscore = literal.includes("_");
  if (hyphen && !underscore) return "kebab";
  if (underscore && !hyphen) return "snake";
  return "none";
}

/** Variables `truncate: hash` never shortens unless a pattern says otherwise. */
export const DEFAULT_PROTECTED = Object.freeze(["environment", "region_short"]);

export const DEFAULT_HASH_GENERATION: Transformations["hash_generation"] = Object.freeze({
  algorithm: "sha256",
  length: 8,
  prefix: "",
  separator: "-",
}) as Transformations["hash_generation"];

/**
 * A fresh, complete built-in convention (callers may mutate the copy they get).
 * Never fails.
 */
export function createBuiltInConvention(): Convention {
  const patterns: Record<string, PatternSpec> = {};
  for (const [type, template] of Object.entries(BUILT_IN_TEMPLATES)) patterns[type] = { template };
  return {
    defaults: {},
    environments: {},
    resource_types: {},
    patterns,
    transformations: {
      region_mapping: { ...REGION_CODES },
      lowercase: [],
      uppercase: [],
      replace_hyphens: {},
      hash_generation: { ...DEFAULT_HASH_GENERATION },
    },
    validation: { required_variables: [] },
    sources: {},
  };
}
