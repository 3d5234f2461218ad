/**
 * Types of a scan: what the inventory hands in (ScanObject) and the typed result every report is
 * rendered from (ScanReport, which is also the `dpn scan --json` document, docs/scan.md).
 */
import type { FindingLevel, ScanRule } from "./rules.js";

/** One live object as the inventory read it. */
export interface ScanObject {
  /** Type key, e.g. `aws_s3_bucket`, `dbx_table`. */
  type: string;
  /** The object's own name (a table's name, not its full name). */
  name: string;
  /** `catalog.schema.table`, `catalog.schema`, `database.table`; defaults to `name`. */
  fullName?: string;
  /** The platform's id where names are not unique (cluster_id, job_id): what `dpn import` takes. */
  remoteId?: string;
  /** AWS region of an AWS object. */
  region?: string;
  /** Tags, custom tags or properties as read, dpn's markers included. */
  tags?: Record<string, string>;
  /** Full name of the container: a table's schema, a Glue table's database, a schema's catalog. */
  parent?: string;
  /** Storage location (`s3://bucket/prefix/`) of a table or volume. */
  location?: string;
  /** Names, full names or ids this object uses (a job's clusters, tables, notebooks). */
  references?: string[];
  /** Settings the blueprint fragment of a migration needs (columns, node_type_id, tasks, …). */
  properties?: Record<string, unknown>;
}

export interface ScanOptions {
  /** Only objects of this project (names of other projects are out of scope). */
  project?: string;
  /** Only objects of this environment. */
  environment?: string;
  /** Tags every object must carry (default Environment, Project, Team, CostCenter). */
  requiredTags?: readonly string[];
  /** Values preferred when a name reads several ways (default: the blueprint's enums). */
  preferred?: Record<string, readonly string[]>;
  /** ISO-8601 time of the scan (default now). */
  generatedAt?: string;
}

export type ObjectStatus = "managed" | "compliant" | "noncompliant";

/** One finding about one object. */
export interface Finding {
  rule_id: string;
  level: FindingLevel;
  message: string;
  /** The underlying code (a parse issue, a naming rule or a tag rule). */
  code: string;
  variable?: string;
  tag?: string;
  value?: string;
  expected?: string | string[];
  /** 0-based position in the name. */
  position?: number;
  hint?: string;
}

export interface ObjectResult {
  /** `type:full_name`, unique in a report. */
  id: string;
  type: string;
  name: string;
  full_name: string;
  remote_id?: string;
  region?: string;
  status: ObjectStatus;
  /** No error-level finding (names and tags): what the scores count. */
  passing: boolean;
  /** dpn's ownership marker, for managed objects. */
  stack?: { id: string; address?: string };
  project?: string;
  environment?: string;
  team?: string;
  /** The components the name parses to (best reading). */
  components?: Record<string, string>;
  /** Long region name of the name's region code. */
  region_name?: string;
  readings: number;
  ambiguous: boolean;
  truncation?: { verified: boolean; shortened: string[] };
  /** The closest compliant name, for noncompliant objects when one can be derived. */
  suggested_name?: string;
  findings: Finding[];
}

export interface ScoreRow {
  key: string;
  total: number;
  passing: number;
  /** passing / total in percent, one decimal; 100 for an empty group. */
  score: number;
}

export interface ScanReport {
  kind: "dpn.scan.report";
  version: 1;
  generated_at: string;
  convention: { values?: string; patterns?: string };
  filters: { project?: string; environment?: string };
  summary: {
    objects: number;
    in_scope: number;
    out_of_scope: number;
    managed: number;
    compliant: number;
    noncompliant: number;
    /** In-scope objects without error findings. */
    passing: number;
    findings: Record<FindingLevel, number>;
    /** Percent of in-scope objects without error findings (names and tags). */
    score: number;
    /** Percent of in-scope objects whose name is managed or compliant. */
    names_score: number;
  };
  scores: { by_type: ScoreRow[]; by_environment: ScoreRow[]; by_team: ScoreRow[] };
  objects: ObjectResult[];
  out_of_scope: { id: string; type: string; name: string; full_name: string; reason: string }[];
  rules: ScanRule[];
}
