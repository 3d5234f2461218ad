/**
 * The registry of type specs: one line per provisioned type, keyed by `ProvisionedType`, so that
 * a type without a spec (or a spec for an unknown type) does not compile. The per-cloud type
 * unions the provider registrations and the sandbox are typed with are derived from it.
 */
import type { ProvisionedType } from "../core/resources.js";
import { awsGlueDatabase } from "./aws-glue-database.js";
import { awsGlueTable } from "./aws-glue-table.js";
import { awsS3Bucket } from "./aws-s3-bucket.js";
import { dbxCatalog } from "./dbx-catalog.js";
import { dbxCluster } from "./dbx-cluster.js";
import { dbxJob } from "./dbx-job.js";
import { dbxSchema } from "./dbx-schema.js";
import { dbxTable } from "./dbx-table.js";
import { dbxVolume } from "./dbx-volume.js";
import type { ServiceName } from "./services.js";
import type { Cloud, TypeSpec } from "./spec.js";

export const TYPE_SPECS = {
  aws_s3_bucket: awsS3Bucket,
  aws_glue_database: awsGlueDatabase,
  aws_glue_table: awsGlueTable,
  dbx_cluster: dbxCluster,
  dbx_job: dbxJob,
  dbx_catalog: dbxCatalog,
  dbx_schema: dbxSchema,
  dbx_table: dbxTable,
  dbx_volume: dbxVolume,
} as const satisfies { readonly [T in ProvisionedType]: TypeSpec<T> };

/** The registry seen per type (indexing it with a type parameter gives that type's spec). */
const SPECS: { readonly [T in ProvisionedType]: TypeSpec<T> } = TYPE_SPECS;

/** The spec of `type`. Never throws for a `ProvisionedType`. */
export function specOf<T extends ProvisionedType>(type: T): TypeSpec<T> {
  return SPECS[type];
}

/** The cloud of each type, as declared by its spec (a type-level fact, for the unions below). */
export type CloudOfType<T extends ProvisionedType> = (typeof TYPE_SPECS)[T]["cloud"];

/** The provisioned types of one cloud: `TypesOf<"aws">` = aws_s3_bucket | aws_glue_database | aws_glue_table. */
export type TypesOf<C extends Cloud> = {
  [T in ProvisionedType]: CloudOfType<T> extends C ? T : never;
}[ProvisionedType];

export type AwsType = TypesOf<"aws">;
export type DatabricksType = TypesOf<"databricks">;

/** Which cloud a provisioned type belongs to. */
export function cloudOf(type: ProvisionedType): Cloud {
  return TYPE_SPECS[type].cloud;
}

/** The service a type's provider calls count against (rate limits and reporting). */
export function serviceOf(type: ProvisionedType): ServiceName {
  return TYPE_SPECS[type].engine.service;
}
