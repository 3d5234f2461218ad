/**
 * How a type spec's `dependsOn` recognises, among a stack's state rows, the resources a row's
 * settings name: a parent by full name (case-insensitively, as Glue and Unity Catalog fold
 * names), or the S3 bucket of an s3:// location.
 */
import type { ProvisionedType } from "../../core/resources.js";
import type { RowMatch } from "../spec.js";

/** Lower case of a string setting; undefined for anything else. */
export const lower = (v: unknown): string | undefined =>
  typeof v === "string" ? v.toLowerCase() : undefined;

const bucketOf = (v: unknown) => (typeof v === "string" ? /^s3a?:\/\/([^/]+)/.exec(v)?.[1] : undefined);

/** The row of `type` whose full name, lower-cased, is `full` (nothing when `full` is empty). */
export function fullNameIs(type: ProvisionedType, full: string | undefined): RowMatch[] {
  return full ? [(r) => r.type === type && r.fullName.toLowerCase() === full] : [];
}

/** The S3 bucket an s3:// (or s3a://) location is in (nothing when it is not such a location). */
export function bucketOfLocation(location: unknown): RowMatch[] {
  const b = bucketOf(location);
  return b ? [(r) => r.type === "aws_s3_bucket" && r.name === b] : [];
}
