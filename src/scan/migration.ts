/**
 * The migration plan of a scan (`dpn scan --plan-migration out/`), computed, not applied:
 *   - adopt: compliant objects dpn does not manage yet, as `dpn import` commands and a blueprint
 *     fragment per stack that names them exactly as they are;
 *   - renames: each noncompliant object with a derivable compliant name, and its path by type —
 *     an in-place rename where the platform has one (Unity Catalog catalog, schema, table,
 *     volume; cluster; job), copy-and-archive where names are immutable (S3 buckets, Glue
 *     databases and tables) — with what breaks: the consumers in the scanned estate that use
 *     the old name, and the kinds of consumer the scan cannot see;
 *   - unresolved: noncompliant objects without a derivable name (a person picks one).
 * `migration.json` (kind `dpn.migration-plan`, version 1) is the input of a later `dpn migrate`;
 * its JSON Schema is `migrationPlanSchema`. Pure.
 */
import { DpnError, internalError } from "../core/errors.js";
import { normaliseValue } from "../naming/normalise.js";
import type { ObjectResult, ScanObject, ScanReport } from "./types.js";

export type MigrationPath = "rename_in_place" | "copy_and_archive" | "manual";

export interface Operation {
  /** `api`: one REST call; `sql`: one statement on a SQL warehouse; `steps`: a procedure. */
  kind: "api" | "sql" | "steps";
  method?: "PATCH" | "POST";
  endpoint?: string;
  body?: Record<string, unknown>;
  statement?: string;
}

export interface Consumer {
  object: string;
  type: string;
  full_name: string;
  /** How it uses the old name: it lives inside the object, stores data in it, or names it. */
  via: "child" | "location" | "reference";
  detail: string;
}

export interface AdoptEntry {
  object: string;
  type: string;
  name: string;
  full_name: string;
  remote_id?: string;
  stack: { project: string; environment: string };
  /** The address `dpn import` gives it (and the blueprint fragment resolves to). */
  address: string;
  /** Blueprint fragment file (relative to the plan) that names it; absent when it cannot be nested there. */
  blueprint?: string;
  argv: string[];
  command: string;
}

export interface RenameEntry {
  object: string;
  type: string;
  from: { name: string; full_name: string };
  to: { name: string; full_name: string };
  path: MigrationPath;
  operation: Operation;
  steps: string[];
  breaks: { consumers: Consumer[]; notes: string[] };
  /** Renames (object ids) to carry out first: a renamed container changes this full name. */
  after: string[];
  /** The rule ids that made the object noncompliant. */
  reasons: string[];
}

export interface UnresolvedEntry {
  object: string;
  type: string;
  full_name: string;
  reason: string;
  reasons: string[];
}

export interface MigrationPlan {
  kind: "dpn.migration-plan";
  version: 1;
  generated_at: string;
  filters: ScanReport["filters"];
  summary: {
    adopt: number;
    rename_in_place: number;
    copy_and_archive: number;
    manual: number;
    unresolved: number;
  };
  blueprints: { file: string; project: string; environment: string; resources: number; notes: string[] }[];
  adopt: AdoptEntry[];
  renames: RenameEntry[];
  unresolved: UnresolvedEntry[];
}

/** A blueprint fragment for one stack: a v1.0 blueprint to merge into the stack's blueprint. */
export interface BlueprintFragment {
  file: string;
  project: string;
  environment: string;
  document: Record<string, unknown>;
  notes: string[];
}

export interface MigrationOutput {
  plan: MigrationPlan;
  fragments: BlueprintFragment[];
  /** `import.sh`: the `dpn import` commands, one per compliant unmanaged object. */
  importScript: string;
}

const UC = new Set(["dbx_catalog", "dbx_schema", "dbx_table", "dbx_volume"]);
const depth = (o: ObjectResult) =>
  UC.has(o.type) || o.type === "aws_glue_table" ? o.full_name.split(".").length : 1;

/** Quote one argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The scanned object behind a report entry; planMigration checked up front that every entry has one. */
function scanned(raw: ReadonlyMap<string, ScanObject>, id: string): ScanObject {
  const o = raw.get(id);
  if (!o) throw internalError("INTERNAL", `The scan report names ${id}, which the inventory does not hold.`);
  return o;
}

/**
 * Compute the migration plan of `report` (the scan of `objects`).
 *
 * @throws DpnError validation `SCAN_OBJECTS_MISMATCH` when an object of the report is not among
 *   `objects` (the report was made from another inventory).
 */
export function planMigration(report: ScanReport, objects: readonly ScanObject[]): MigrationOutput {
  const raw = new Map<string, ScanObject>();
  for (const o of objects) raw.set(`${o.type}:${o.fullName ?? o.name}`, o);
  for (const r of report.objects) {
    if (!raw.has(r.id)) {
      throw new DpnError(
        "validation",
        "SCAN_OBJECTS_MISMATCH",
        `The report lists ${r.id}, which is not among the scanned objects.`,
        {
          hint: "Pass the same objects the report was computed from.",
          details: { object: r.id },
        },
      );
    }
  }
  const results = [...report.objects].sort(
    (a, b) => depth(a) - depth(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const renamed = new Map<string, ObjectResult>();
  for (const r of results) if (r.status === "noncompliant" && r.suggested_name) renamed.set(r.id, r);

  // New full names: a renamed container changes the full name of everything inside it.
  const newFull = new Map<string, string>();
  const fullOf = (r: ObjectResult): string => {
    const hit = newFull.get(r.id);
    if (hit) return hit;
    const o = scanned(raw, r.id);
    const name = (renamed.has(r.id) ? r.suggested_name : undefined) ?? r.name;
    const parent = o.parent
      ? results.find((p) => p.full_name === o.parent && containerOf(r.type) === p.type)
      : undefined;
    const prefix = parent ? fullOf(parent) : o.parent;
    const full = prefix && r.full_name !== r.name ? `${prefix}.${name}` : name;
    newFull.set(r.id, full);
    return full;
  };

  const renames: RenameEntry[] = [];
  const unresolved: UnresolvedEntry[] = [];
  for (const r of results) {
    if (r.status !== "noncompliant") continue;
    const reasons = [
      ...new Set(
        r.findings.filter((f) => f.level === "error" && f.rule_id.startsWith("DPN-N")).map((f) => f.rule_id),
      ),
    ];
    if (!r.suggested_name) {
      unresolved.push({
        object: r.id,
        type: r.type,
        full_name: r.full_name,
        reason: "no compliant name can be derived from this name; pick one with `dpn name`",
        reasons,
      });
      continue;
    }
    const o = scanned(raw, r.id);
    const to = { name: r.suggested_name, full_name: fullOf(r) };
    const parent = o.parent
      ? results.find((p) => p.full_name === o.parent && containerOf(r.type) === p.type)
      : undefined;
    renames.push({
      object: r.id,
      type: r.type,
      from: { name: r.name, full_name: r.full_name },
      to,
      ...pathOf(r, o, to),
      breaks: { consumers: consumersOf(r, o, objects), notes: breakNotes(r.type) },
      after: parent && renamed.has(parent.id) ? [parent.id] : [],
      reasons,
    });
  }

  const { adopt, fragments } = adoption(results, raw);
  for (const r of results) {
    if (r.status === "compliant" && (!r.project || !r.environment)) {
      unresolved.push({
        object: r.id,
        type: r.type,
        full_name: r.full_name,
        reason:
          "compliant, but neither its name, its tags nor the scan's filters say which project and environment it belongs to; import it with --project and --env",
        reasons: [],
      });
    }
  }
  const importScript = [
    "#!/bin/sh",
    "# Adopt the compliant objects dpn does not manage yet (dpn scan --plan-migration).",
    "# Review first; each command is one transaction and can be re-run.",
    "set -eu",
    ...adopt.map((a) => a.command),
    "",
  ].join("\n");
  const count = (p: MigrationPath) => renames.filter((x) => x.path === p).length;
  return {
    plan: {
      kind: "dpn.migration-plan",
      version: 1,
      generated_at: report.generated_at,
      filters: report.filters,
      summary: {
        adopt: adopt.length,
        rename_in_place: count("rename_in_place"),
        copy_and_archive: count("copy_and_archive"),
        manual: count("manual"),
        unresolved: unresolved.length,
      },
      blueprints: fragments.map((f) => ({
        file: f.file,
        project: f.project,
        environment: f.environment,
        resources: adopt.filter((a) => a.blueprint === f.file).length,
        notes: f.notes,
      })),
      adopt,
      renames,
      unresolved,
    },
    fragments,
    importScript,
  };
}

/** The type of the container whose full name prefixes a type's full name. */
function containerOf(type: string): string | undefined {
  switch (type) {
    case "dbx_schema":
      return "dbx_catalog";
    case "dbx_table":
    case "dbx_volume":
      return "dbx_schema";
    case "aws_glue_table":
      return "aws_glue_database";
    default:
      return undefined;
  }
}

const q = (s: string) => `\`${s.replaceAll("`", "``")}\``;
const sqlName = (full: string) => full.split(".").map(q).join(".");

function pathOf(
  r: ObjectResult,
  o: ScanObject,
  to: { name: string; full_name: string },
): Pick<RenameEntry, "path" | "operation" | "steps"> {
  const from = r.full_name;
  switch (r.type) {
    case "dbx_catalog":
      return {
        path: "rename_in_place",
        operation: {
          kind: "api",
          method: "PATCH",
          endpoint: `/api/2.1/unity-catalog/catalogs/${from}`,
          body: { new_name: to.name },
        },
        steps: [
          `Update every consumer listed below to ${to.name}.`,
          `PATCH /api/2.1/unity-catalog/catalogs/${from} {"new_name": "${to.name}"} (metastore admin or the catalog's owner).`,
          "Re-run the scan: the catalog and everything inside it report their new full names.",
        ],
      };
    case "dbx_schema":
      return {
        path: "rename_in_place",
        operation: {
          kind: "api",
          method: "PATCH",
          endpoint: `/api/2.1/unity-catalog/schemas/${from}`,
          body: { new_name: to.name },
        },
        steps: [
          `Update every consumer listed below to ${to.full_name}.`,
          `PATCH /api/2.1/unity-catalog/schemas/${from} {"new_name": "${to.name}"}.`,
        ],
      };
    case "dbx_volume":
      return {
        path: "rename_in_place",
        operation: { kind: "sql", statement: `ALTER VOLUME ${sqlName(from)} RENAME TO ${q(to.name)}` },
        steps: [
          `Update every consumer listed below (paths /Volumes/${from.replaceAll(".", "/")}/…).`,
          `ALTER VOLUME ${sqlName(from)} RENAME TO ${q(to.name)} (or PATCH /api/2.1/unity-catalog/volumes/${from} {"new_name": "${to.name}"}); the schema cannot change.`,
        ],
      };
    case "dbx_table":
      return {
        path: "rename_in_place",
        operation: { kind: "sql", statement: `ALTER TABLE ${sqlName(from)} RENAME TO ${q(to.name)}` },
        steps: [
          `Update every consumer listed below to ${to.full_name}.`,
          `ALTER TABLE ${sqlName(from)} RENAME TO ${q(to.name)} on a SQL warehouse (the tables API's PATCH only changes the owner).`,
        ],
      };
    case "dbx_cluster":
      return {
        path: "rename_in_place",
        operation: {
          kind: "api",
          method: "POST",
          endpoint: "/api/2.1/clusters/edit",
          body: { cluster_id: o.remoteId ?? null, cluster_name: to.name },
        },
        steps: [
          "Read the cluster's full specification (clusters/get): clusters/edit replaces the whole configuration.",
          `POST /api/2.1/clusters/edit with that specification and "cluster_name": "${to.name}" while the cluster is TERMINATED (a RUNNING cluster is restarted; job clusters cannot be edited).`,
        ],
      };
    case "dbx_job":
      return {
        path: "rename_in_place",
        operation: {
          kind: "api",
          method: "POST",
          endpoint: "/api/2.2/jobs/update",
          body: {
            job_id:
              o.remoteId === undefined
                ? null
                : Number.isNaN(Number(o.remoteId))
                  ? o.remoteId
                  : Number(o.remoteId),
            new_settings: { name: to.name },
          },
        },
        steps: [
          `POST /api/2.2/jobs/update {"job_id": ${o.remoteId ?? "<job_id>"}, "new_settings": {"name": "${to.name}"}} (the job id stays).`,
        ],
      };
    case "aws_s3_bucket":
      return {
        path: "copy_and_archive",
        operation: { kind: "steps" },
        steps: [
          `Create ${to.name} in ${o.region ?? "the same region"} with the old bucket's settings (versioning, encryption, lifecycle, public access block, policy): add it to the stack's blueprint and \`dpn create\`.`,
          `Copy the objects: aws s3 sync s3://${from} s3://${to.name} (S3 Batch Operations for large buckets); re-sync until writers have moved.`,
          "Repoint every consumer listed below, then stop writes to the old bucket.",
          `Archive the old bucket: keep it (empty or read-only) rather than delete it, since a deleted bucket name can be created again by anyone.`,
        ],
      };
    case "aws_glue_database":
      return {
        path: "copy_and_archive",
        operation: { kind: "steps" },
        steps: [
          `Create the Glue database ${to.name} with the old definition (dpn create from the blueprint, or glue create-database).`,
          "Recreate each table of the old database in the new one from its definition (glue get-tables → create-table); the data in S3 is not moved. Re-add partitions (batch-create-partition or MSCK REPAIR TABLE).",
          "Repoint every consumer listed below (Athena queries and views, ETL jobs, crawlers, Lake Formation grants).",
          "Archive the old database: leave it unused until nothing reads it, then delete its table definitions (the data stays).",
        ],
      };
    case "aws_glue_table":
      return {
        path: "copy_and_archive",
        operation: { kind: "steps" },
        steps: [
          `Create the table definition ${to.full_name} from the old one (same columns, location ${o.location ?? "(the old location)"} and partition keys); the data is not moved.`,
          "Re-add the partitions (batch-create-partition or MSCK REPAIR TABLE).",
          "Repoint every consumer listed below, then delete the old definition (the data stays).",
        ],
      };
    default:
      return {
        path: "manual",
        operation: { kind: "steps" },
        steps: [`dpn does not provision ${r.type}; rename it with the platform's own tools to ${to.name}.`],
      };
  }
}

/** Consumers of the object in the scanned estate: objects inside it, storing data in it, naming it. */
function consumersOf(r: ObjectResult, o: ScanObject, objects: readonly ScanObject[]): Consumer[] {
  const out: Consumer[] = [];
  const full = r.full_name;
  const byId = r.type === "dbx_cluster" || r.type === "dbx_job";
  const volumePath = r.type === "dbx_volume" ? `/Volumes/${full.replaceAll(".", "/")}` : undefined;
  for (const other of objects) {
    const otherFull = other.fullName ?? other.name;
    const id = `${other.type}:${otherFull}`;
    if (id === r.id) continue;
    if (
      other.parent &&
      (other.parent === full || other.parent.startsWith(`${full}.`)) &&
      UC.has(r.type) === UC.has(other.type)
    ) {
      out.push({
        object: id,
        type: other.type,
        full_name: otherFull,
        via: "child",
        detail: `its full name starts with ${full}`,
      });
      continue;
    }
    if (
      r.type === "aws_s3_bucket" &&
      other.location &&
      (other.location === `s3://${full}` || other.location.startsWith(`s3://${full}/`))
    ) {
      out.push({
        object: id,
        type: other.type,
        full_name: otherFull,
        via: "location",
        detail: `stores its data at ${other.location}`,
      });
      continue;
    }
    const named = (other.references ?? []).find(
      (ref) =>
        ref === full ||
        ref.startsWith(`${full}.`) ||
        (volumePath !== undefined && ref.startsWith(volumePath)) ||
        (r.type === "aws_s3_bucket" && ref.startsWith(`s3://${full}`)) ||
        (!byId && ref === o.name),
    );
    if (named !== undefined)
      out.push({
        object: id,
        type: other.type,
        full_name: otherFull,
        via: "reference",
        detail: `references ${named}`,
      });
  }
  return out;
}

/** What breaks beyond what the scan sees, per type. */
function breakNotes(type: string): string[] {
  switch (type) {
    case "dbx_catalog":
      return [
        "Every schema, table, view, volume and function inside gets a new full name: SQL, notebooks, jobs, dashboards and views that name the old catalog fail.",
        "Views store their SQL text: a view that names the old catalog breaks until it is recreated.",
        "Infrastructure code (Terraform, bundles) that names the catalog must be updated, or it recreates the old name.",
      ];
    case "dbx_schema":
      return [
        "Every table, view, volume and function inside gets a new full name: SQL, notebooks, jobs and views that name the old schema fail.",
        "Volume paths /Volumes/<catalog>/<schema>/… change.",
      ];
    case "dbx_table":
      return [
        "Queries, views, notebooks, jobs and streaming queries that name the table fail; views keep their SQL text and must be recreated.",
        "BI tools and external readers (Delta Sharing recipients, JDBC clients) that name the table must be updated.",
      ];
    case "dbx_volume":
      return [
        "Paths under /Volumes/<catalog>/<schema>/<volume>/ change: code, jobs and external locations that use the old path fail.",
      ];
    case "dbx_cluster":
      return [
        "Jobs and tools that use the cluster_id keep working (the id stays); anything that finds the cluster by name (scripts, init configs, docs) must change.",
        "The ClusterName tag of new instances changes, which splits cost reports at the rename.",
        "Editing restarts a running cluster: plan it in a quiet window.",
      ];
    case "dbx_job":
      return [
        "The job_id stays, so schedules, triggers and API calls by id keep working; scripts, alerts and dashboards that match the job by name must change.",
      ];
    case "aws_s3_bucket":
      return [
        "Bucket names are immutable: the data moves to a new bucket, so every reader and writer changes (applications, Glue and Unity Catalog tables and volumes on the bucket, IAM and bucket policies naming its ARN, event notifications, replication, CloudFront origins, Athena result locations).",
        "Copies cost requests and, across Regions, transfer; objects keep their keys but get new ETags when re-encrypted.",
      ];
    case "aws_glue_database":
      return [
        "Glue databases cannot be renamed: every table definition is recreated in the new database, so Athena queries and views, Spark/EMR/Glue jobs, crawlers and Lake Formation permissions that name the old database must change.",
      ];
    case "aws_glue_table":
      return [
        "Glue tables cannot be renamed: the definition is recreated, so queries, views, jobs and Lake Formation permissions that name the old table must change; partitions must be re-added.",
      ];
    default:
      return [];
  }
}

// ---------------------------------------------------------------------------------- adoption

function adoption(
  results: ObjectResult[],
  raw: Map<string, ScanObject>,
): { adopt: AdoptEntry[]; fragments: BlueprintFragment[] } {
  const adopt: AdoptEntry[] = [];
  const stacks = new Map<string, ObjectResult[]>();
  for (const r of results) {
    if (r.status !== "compliant" || !r.project || !r.environment) continue;
    const project = normaliseValue(r.project, "kebab");
    const key = `${project}/${r.environment}`;
    stacks.set(key, [...(stacks.get(key) ?? []), r]);
  }
  const fragments: BlueprintFragment[] = [];
  for (const [key, members] of [...stacks].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [project, environment] = key.split("/") as [string, string];
    const file = `blueprints/${project}-${environment}.json`;
    const notes: string[] = [];
    const included = new Set<string>();
    const document = fragmentFor(project, environment, members, results, raw, notes, included);
    fragments.push({ file, project, environment, document, notes: [...new Set(notes)] });
    for (const r of members) {
      const o = scanned(raw, r.id);
      const id = r.type === "dbx_cluster" || r.type === "dbx_job" ? (o.remoteId ?? r.full_name) : r.full_name;
      const argv = [
        "dpn",
        "import",
        "--type",
        r.type,
        "--resource-id",
        id,
        "--project",
        project,
        "--env",
        environment,
        "--yes",
      ];
      adopt.push({
        object: r.id,
        type: r.type,
        name: r.name,
        full_name: r.full_name,
        ...(o.remoteId !== undefined ? { remote_id: o.remoteId } : {}),
        stack: { project, environment },
        address: `${r.type}.${r.full_name}`,
        ...(included.has(r.id) ? { blueprint: file } : {}),
        argv,
        command: argv.map(shellQuote).join(" "),
      });
    }
  }
  return { adopt, fragments };
}

type Entry = Record<string, unknown>;

/** Blueprint v1.0 entries naming each member exactly as it is (containers included for nesting). */
function fragmentFor(
  project: string,
  environment: string,
  members: ObjectResult[],
  all: ObjectResult[],
  raw: Map<string, ScanObject>,
  notes: string[],
  included: Set<string>,
): Record<string, unknown> {
  const aws: Record<string, Entry[]> = {};
  const dbx: Record<string, Entry[]> = {};
  const catalogs = new Map<string, Entry>();
  const schemas = new Map<string, Entry>();
  const push = (group: Record<string, Entry[]>, key: string, e: Entry) => {
    group[key] = [...(group[key] ?? []), e];
  };
  const c = (r: ObjectResult) => r.components ?? {};
  const prop = (r: ObjectResult, k: string) => raw.get(r.id)?.properties?.[k];
  const byFull = (type: string, full: string | undefined) =>
    all.find((x) => x.type === type && x.full_name === full);
  const pick = (e: Entry, r: ObjectResult, keys: string[]) => {
    for (const k of keys) if (prop(r, k) !== undefined) e[k] = prop(r, k);
  };
  const catalogEntry = (r: ObjectResult | undefined, child: string): Entry | undefined => {
    if (!r?.components || r.status === "noncompliant") {
      notes.push(
        `${child}: its catalog ${r ? "is noncompliant" : "was not scanned"}, so it cannot be nested in the fragment (rename or scan the catalog first)`,
      );
      return undefined;
    }
    let e = catalogs.get(r.id);
    if (!e) {
      e = { catalog_type: c(r).catalog_type, schemas: [] };
      pick(e, r, ["comment", "storage_root"]);
      catalogs.set(r.id, e);
    }
    return e;
  };
  const schemaEntry = (r: ObjectResult | undefined, child: string): Entry | undefined => {
    if (!r?.components || r.status === "noncompliant") {
      notes.push(
        `${child}: its schema ${r ? "is noncompliant" : "was not scanned"}, so it cannot be nested in the fragment (rename or scan the schema first)`,
      );
      return undefined;
    }
    let e = schemas.get(r.id);
    if (!e) {
      const cat = catalogEntry(byFull("dbx_catalog", raw.get(r.id)?.parent), r.full_name);
      if (!cat) return undefined;
      e = { domain: c(r).domain, layer: c(r).layer, tables: [] };
      pick(e, r, ["comment"]);
      (cat.schemas as Entry[]).push(e);
      schemas.set(r.id, e);
    }
    return e;
  };
  let region: string | undefined;
  for (const r of members) {
    region ??= r.region ?? raw.get(r.id)?.region;
    const v = c(r);
    const add = (ok: unknown) => {
      if (ok) included.add(r.id);
    };
    switch (r.type) {
      case "aws_s3_bucket": {
        const e: Entry = { purpose: v.purpose, layer: v.layer };
        pick(e, r, ["versioning", "lifecycle_days", "encryption", "kms_key_id", "block_public_access"]);
        push(aws, "s3_buckets", e);
        add(true);
        break;
      }
      case "aws_glue_database": {
        const e: Entry = { domain: v.domain, layer: v.layer };
        pick(e, r, ["description"]);
        push(aws, "glue_databases", e);
        add(true);
        break;
      }
      case "aws_glue_table": {
        const o = scanned(raw, r.id);
        const e: Entry = {
          database_ref: o.parent,
          entity: v.entity,
          table_type: v.table_type,
          columns: prop(r, "columns") ?? [],
        };
        if (o.location) e.location = o.location;
        pick(e, r, ["partition_keys", "format", "description"]);
        if (e.columns && (e.columns as unknown[]).length === 0)
          notes.push(`${r.full_name}: columns are not known; fill them in`);
        push(aws, "glue_tables", e);
        add(true);
        break;
      }
      case "dbx_cluster": {
        const e: Entry = {
          workload: v.workload,
          cluster_type: v.cluster_type,
          node_type: prop(r, "node_type_id") ?? prop(r, "node_type"),
        };
        pick(e, r, ["spark_version", "autotermination_minutes", "num_workers", "single_user_name"]);
        if (e.node_type === undefined) notes.push(`${r.full_name}: node_type is not known; fill it in`);
        push(dbx, "clusters", e);
        add(true);
        break;
      }
      case "dbx_job": {
        const o = scanned(raw, r.id);
        const cluster = all.find(
          (x) =>
            x.type === "dbx_cluster" &&
            (o.references ?? []).some((ref) => ref === raw.get(x.id)?.remoteId || ref === x.name),
        );
        const e: Entry = { job_type: v.job_type, purpose: v.purpose };
        if (v.schedule !== undefined) e.schedule = v.schedule;
        if (cluster) e.cluster_ref = cluster.name;
        else notes.push(`${r.full_name}: the cluster it runs on is not known; set cluster_ref`);
        pick(e, r, ["tasks", "max_concurrent_runs"]);
        push(dbx, "jobs", e);
        add(true);
        break;
      }
      case "dbx_catalog":
        add(catalogEntry(r, r.full_name));
        break;
      case "dbx_schema":
        add(schemaEntry(r, r.full_name));
        break;
      case "dbx_table":
      case "dbx_volume": {
        const s = schemaEntry(byFull("dbx_schema", raw.get(r.id)?.parent), r.full_name);
        if (!s) break;
        add(true);
        if (r.type === "dbx_table") {
          const e: Entry = { entity: v.entity, table_type: v.table_type };
          pick(e, r, ["columns", "comment", "partition_by"]);
          if (e.columns === undefined) notes.push(`${r.full_name}: columns are not known; fill them in`);
          (s.tables as Entry[]).push(e);
        } else {
          const e: Entry = { purpose: v.purpose, data_type: v.data_type };
          pick(e, r, ["volume_type", "storage_location", "comment"]);
          s.volumes = [...((s.volumes as Entry[] | undefined) ?? []), e];
        }
        break;
      }
      default:
        notes.push(`${r.full_name}: ${r.type} is naming-only; adopt it outside dpn`);
    }
  }
  if (catalogs.size) dbx.unity_catalog = { catalogs: [...catalogs.values()] } as unknown as Entry[];
  const metadata: Entry = { project, environment };
  if (region) metadata.region = region;
  else notes.push("metadata.region: no AWS object of this stack shows its region; set it");
  const resources: Entry = {};
  if (Object.keys(aws).length) resources.aws = aws;
  if (Object.keys(dbx).length) resources.databricks = dbx;
  return { version: "1.0", metadata, resources };
}
