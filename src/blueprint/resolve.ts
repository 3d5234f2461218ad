/**
 * Resolution: a loaded blueprint + a convention → desired resources with generated names,
 * qualified addresses, dependencies, defaults applied and an execution order. Every problem
 * (schema, naming, rules) is collected with its JSON path and line:column; nothing is thrown
 * for a problem of the blueprint.
 */
import { isDpnError, type Problem } from "../core/errors.js";
import { topoOrder } from "../core/graph.js";
import type {
  CatalogProps,
  ClusterProps,
  Column,
  DesiredResource,
  GlueDatabaseProps,
  GlueTableProps,
  JobProps,
  PropsByType,
  ProvisionedType,
  S3BucketProps,
  SchemaProps,
  UcTableProps,
  VolumeProps,
} from "../core/resources.js";
import { generateName } from "../naming/generate.js";
import { checkTags, standardTags } from "../naming/tags.js";
import type { Convention, NameRequest, NameResult, Values } from "../naming/types.js";
import { toJobSchedule, toJobTask } from "./job-settings.js";
import { formatPath, type PathSegment, parsePath } from "./json-source.js";
import type { LoadedBlueprint } from "./load.js";
import type { RefUse, ResourceNode } from "./resource-node.js";
import {
  allowedLayers,
  checkCycles,
  checkDuplicates,
  checkEntryRules,
  checkMetadataKeys,
  checkReferences,
  checkScopeClosure,
  checkScopePatterns,
} from "./rules.js";
import { compileScope, scopeOf } from "./scope.js";

export interface ResolveOptions {
  /** `--override key=value`: naming layer 1, applied to every resource. */
  overrides?: Values;
  /** True when the address already exists in state (scope closure and references to it). */
  existsInState?: (address: string) => boolean;
}

export interface ResolvedBlueprint {
  file: string;
  /** The blueprint metadata (string values). */
  metadata: Values;
  /** Which stack this blueprint is: the effective project and environment. */
  stackKey: { project: string; environment: string };
  /** Resources kept by `scope`, in blueprint order. Entries that could not be resolved (bad shape, name or reference) are left out. */
  resources: DesiredResource[];
  /** Addresses of `resources`, dependencies first, ties in blueprint order. */
  executionOrder: string[];
  /** Every problem found (errors and warnings), in document order. */
  problems: Problem[];
}

/** The variables standardTags (naming/tags.ts) reads: Environment, Project, Team, CostCenter, DataClassification, Owner. */
const TAG_VARIABLES = [
  "environment",
  "project",
  "team",
  "cost_center",
  "data_classification",
  "owner",
] as const;

const GROUP_KEYS = new Set([
  "s3_buckets",
  "glue_databases",
  "glue_tables",
  "clusters",
  "jobs",
  "catalogs",
  "schemas",
  "tables",
  "volumes",
]);

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const rec = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function stringFields(o: Record<string, unknown>, skip?: ReadonlySet<string>): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === "string" && !skip?.has(k)) out[k] = v;
  return out;
}

/** Parent fields that describe the parent itself, not naming values its children inherit. */
const NOT_INHERITED = new Set(["comment", "description", "storage_root", "storage_location"]);

/** Columns of an entry that passed the schema: exactly {name, type, comment?}, copied shallowly. */
function columns(v: unknown): Column[] {
  return Array.isArray(v) ? (v.slice() as Column[]) : [];
}

/** The entry that owns a schema problem: the deepest blueprint entry on its path. */
function ownerOf(path: string | undefined): string | undefined {
  const segs = path ? parsePath(path) : undefined;
  if (!segs) return undefined;
  for (let k = segs.length - 1; k > 0; k--) {
    if (typeof segs[k] === "number" && GROUP_KEYS.has(String(segs[k - 1])))
      return formatPath(segs.slice(0, k + 1));
  }
  return undefined;
}

interface Pending {
  node: ResourceNode;
  request: NameRequest;
  named?: NameResult;
  /** The parent (catalog for a schema, schema for a table/volume). */
  parent?: Pending;
}

/**
 * Resolves a loaded blueprint with a convention. Never throws for problems of the blueprint or
 * its names: they are all in `problems` (use `hasErrors` / `assertResolved` to refuse). Only
 * programming errors (non-DpnError exceptions from the naming engine) propagate.
 */
export function resolveBlueprint(
  bp: LoadedBlueprint,
  conv: Convention,
  opts: ResolveOptions = {},
): ResolvedBlueprint {
  const source = bp.source;
  const problems: Problem[] = [...bp.problems];
  const data = rec(bp.data) ?? {};
  const metadata = stringFields(rec(data.metadata) ?? {});
  const overrides = opts.overrides ?? {};
  const invalidOwners = new Set(bp.problems.map((p) => ownerOf(p.path)).filter((o): o is string => !!o));
  // With broken metadata every name would fail the same way; the schema problems say it once.
  const metadataBroken = bp.problems.some(
    (p) => p.path === "$" || p.path?.startsWith("$.metadata") || p.path?.startsWith("$.version"),
  );

  // ---- Pass 1: walk the blueprint in document order and generate every entry's own name.
  const pending: Pending[] = [];
  const add = (
    type: ProvisionedType,
    segments: PathSegment[],
    entry: Record<string, unknown>,
    parent?: Pending,
    inherited?: Values,
  ): Pending => {
    const path = formatPath(segments);
    const node: ResourceNode = {
      type,
      order: pending.length,
      segments,
      path,
      entry,
      invalid: invalidOwners.has(path),
      dependencies: [],
      refs: [],
    };
    const request: NameRequest = {
      type,
      overrides,
      resource: { ...inherited, ...stringFields(entry) },
      metadata,
      context: path,
    };
    const p: Pending = { node, request };
    if (parent) p.parent = parent;
    if (!node.invalid && !metadataBroken) {
      try {
        p.named = generateName(conv, request);
        node.name = p.named.name;
        for (const w of p.named.warnings) problems.push(locate(w, segments, "warning"));
      } catch (e) {
        if (!isDpnError(e)) throw e;
        const list = e.problems.length
          ? e.problems
          : [{ code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) }];
        for (const q of list) problems.push(locate(q, segments, "error"));
      }
    }
    pending.push(p);
    return p;
  };
  const locate = (q: Problem, segments: PathSegment[], severity: "error" | "warning"): Problem => {
    const loc = source.locateValue(segments);
    return {
      ...q,
      path: formatPath(segments),
      file: source.file,
      line: loc.line,
      column: loc.column,
      severity: q.severity ?? severity,
    };
  };

  const resources = rec(data.resources) ?? {};
  for (const [platform, group] of Object.entries(resources)) {
    const g = rec(group);
    if (!g) continue;
    for (const [key, list] of Object.entries(g)) {
      const base: PathSegment[] = ["resources", platform, key];
      if (platform === "aws") {
        const type = (
          {
            s3_buckets: "aws_s3_bucket",
            glue_databases: "aws_glue_database",
            glue_tables: "aws_glue_table",
          } as const
        )[key as "s3_buckets"];
        if (!type) continue;
        arr(list).forEach((e, i) => {
          const entry = rec(e);
          if (entry) add(type, [...base, i], entry);
        });
      } else if (platform === "databricks") {
        if (key === "clusters" || key === "jobs") {
          arr(list).forEach((e, i) => {
            const entry = rec(e);
            if (entry) add(key === "clusters" ? "dbx_cluster" : "dbx_job", [...base, i], entry);
          });
        } else if (key === "unity_catalog") {
          arr(rec(list)?.catalogs).forEach((c, ci) => {
            walkCatalog(c, [...base, "catalogs", ci]);
          });
        }
      }
    }
  }

  function walkCatalog(c: unknown, segs: PathSegment[]): void {
    const catalog = rec(c);
    if (!catalog) return;
    const cat = add("dbx_catalog", segs, catalog);
    const catValues = stringFields(catalog, NOT_INHERITED);
    arr(catalog.schemas).forEach((s, si) => {
      const schema = rec(s);
      if (!schema) return;
      const sch = add("dbx_schema", [...segs, "schemas", si], schema, cat, catValues);
      const schValues = { ...catValues, ...stringFields(schema, NOT_INHERITED) };
      for (const k of Object.keys(schema)) {
        if (k !== "tables" && k !== "volumes") continue;
        arr(schema[k]).forEach((t, ti) => {
          const entry = rec(t);
          if (entry)
            add(
              k === "tables" ? "dbx_table" : "dbx_volume",
              [...segs, "schemas", si, k, ti],
              entry,
              sch,
              schValues,
            );
        });
      }
    });
  }

  // ---- Pass 2: addresses (UC addresses need the parents' names, Glue tables their database).
  const byType = (t: ProvisionedType) => pending.filter((p) => p.node.type === t);
  for (const p of pending) {
    const n = p.node;
    if (!n.name) continue;
    switch (n.type) {
      case "aws_s3_bucket":
      case "aws_glue_database":
      case "dbx_cluster":
      case "dbx_job":
      case "dbx_catalog":
        n.address = `${n.type}.${n.name}`;
        n.fullName = n.name;
        break;
      case "dbx_schema": {
        const cat = p.parent?.node.name;
        if (cat) {
          n.address = `dbx_schema.${cat}.${n.name}`;
          n.fullName = `${cat}.${n.name}`;
          n.dependencies.push(p.parent?.node.address as string);
        }
        break;
      }
      case "dbx_table":
      case "dbx_volume": {
        const sch = p.parent;
        const cat = sch?.parent?.node.name;
        if (cat && sch?.node.name) {
          n.fullName = `${cat}.${sch.node.name}.${n.name}`;
          n.address = `${n.type}.${n.fullName}`;
          n.dependencies.push(sch.node.address as string);
        }
        break;
      }
      default:
        break;
    }
  }

  // Reference targets: what each kind of reference may be spelled as.
  const index = (list: Pending[], keysOf: (p: Pending) => (string | undefined)[]) => {
    const m = new Map<string, Pending[]>();
    for (const p of list) {
      for (const k of new Set(keysOf(p))) {
        if (!k) continue;
        const l = m.get(k);
        if (l) l.push(p);
        else m.set(k, [p]);
      }
    }
    return m;
  };
  const databases = index(byType("aws_glue_database"), (p) => {
    const d = str(p.node.entry.domain);
    const l = str(p.node.entry.layer);
    return [d && l ? `${d}-${l}` : undefined, p.node.name];
  });
  const buckets = index(byType("aws_s3_bucket"), (p) => [str(p.node.entry.purpose), p.node.name]);
  const clusters = index(byType("dbx_cluster"), (p) => [str(p.node.entry.workload), p.node.name]);

  // One shared candidate list per kind of reference (thousands of references use the same one).
  const candidateLists = new Map<Map<string, Pending[]>, string[]>();
  const candidatesOf = (targets: Map<string, Pending[]>): string[] => {
    let l = candidateLists.get(targets);
    if (!l) {
      l = [...targets.keys()];
      candidateLists.set(targets, l);
    }
    return l;
  };
  const resolveRef = (
    p: Pending,
    field: string,
    kind: string,
    targetType: ProvisionedType,
    targets: Map<string, Pending[]>,
  ): { ref: RefUse; target?: Pending; external?: string } | undefined => {
    const value = p.node.entry[field];
    if (typeof value !== "string" || value === "") return undefined;
    const ref: RefUse = {
      field,
      value,
      kind,
      targetType,
      candidates: candidatesOf(targets),
      segments: [...p.node.segments, field],
    };
    p.node.refs.push(ref);
    // Entries with the same address are one target here (the duplicate is reported on its own).
    const byKey = new Map<string, Pending>();
    for (const t of targets.get(value) ?? []) {
      const k = t.node.address ?? t.node.path;
      if (!byKey.has(k)) byKey.set(k, t);
    }
    const distinct = [...byKey.values()];
    if (distinct.length > 1) {
      ref.ambiguous = distinct.map((t) => t.node.address ?? t.node.path);
      return { ref };
    }
    const t = distinct[0];
    if (t) {
      // A target whose own entry is broken has no address; its problem is already reported.
      ref.target = t.node.address ?? t.node.path;
      return t.node.address ? { ref, target: t } : { ref };
    }
    // Not in the blueprint: accepted when state already has a resource of that name.
    const external = `${targetType}.${value}`;
    if (opts.existsInState?.(external)) {
      ref.target = external;
      return { ref, external };
    }
    return { ref };
  };

  for (const p of byType("aws_glue_table")) {
    const db = resolveRef(p, "database_ref", "glue database", "aws_glue_database", databases);
    const dbName =
      db?.target?.node.name ?? (db?.external ? (p.node.entry.database_ref as string) : undefined);
    const dbAddress = db?.target?.node.address ?? db?.external;
    const bucket = resolveRef(p, "bucket_ref", "bucket", "aws_s3_bucket", buckets);
    if (p.node.name && dbName && dbAddress) {
      p.node.fullName = `${dbName}.${p.node.name}`;
      p.node.address = `aws_glue_table.${p.node.fullName}`;
      p.node.dependencies.push(dbAddress);
    }
    const bucketAddress = bucket?.target?.node.address ?? bucket?.external;
    if (bucketAddress) p.node.dependencies.push(bucketAddress);
  }
  for (const p of byType("dbx_job")) {
    const c = resolveRef(p, "cluster_ref", "cluster", "dbx_cluster", clusters);
    const address = c?.target?.node.address ?? c?.external;
    if (address) p.node.dependencies.push(address);
  }

  // Standard tags depend on the type and a handful of variables, not on the entry's naming
  // fields, so thousands of resources share a few tag sets: computing each set once keeps a
  // 9,000-resource blueprint fast. Only the tag variables are passed, which makes the cache exact.
  const tagCache = new Map<string, { tags: Record<string, string>; tagProblems: Problem[] }>();
  const tagsOf = (
    type: ProvisionedType,
    request: NameRequest,
    extra: Record<string, string>,
    singleNode: boolean,
  ) => {
    const resource: Values = {};
    for (const k of TAG_VARIABLES)
      if (request.resource?.[k] !== undefined) resource[k] = request.resource[k] as string;
    const key = JSON.stringify([type, resource, extra, singleNode]);
    let hit = tagCache.get(key);
    if (!hit) {
      const tags = standardTags(conv, { ...request, resource, extra });
      // Blueprint tags that replace a standard tag count as standard in the budget's breakdown.
      const standardKeys = Object.keys(standardTags(conv, { ...request, resource }));
      hit = { tags, tagProblems: checkTags(type, tags, { standardKeys, singleNode }) };
      tagCache.set(key, hit);
    }
    return { tags: { ...hit.tags }, tagProblems: hit.tagProblems };
  };

  // ---- Pass 3: properties and tags of every entry that resolved completely.
  const region = overrides.region ?? metadata.region ?? "";
  for (const p of pending) {
    const n = p.node;
    if (!n.address || !n.name || !n.fullName || n.invalid || !p.named) continue;
    if (n.refs.some((r) => r.target === undefined || !n.dependencies.includes(r.target))) continue;
    const props = propertiesOf(p, region);
    if (!props) continue;
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec(n.entry.tags) ?? {})) if (typeof v === "string") extra[k] = v;
    const singleNode = n.type === "dbx_cluster" && n.entry.num_workers === 0;
    const { tags, tagProblems } = tagsOf(n.type, p.request, extra, singleNode);
    for (const q of tagProblems)
      problems.push(locate(q, n.entry.tags !== undefined ? [...n.segments, "tags"] : n.segments, "error"));
    if (hasErrors(tagProblems)) continue;
    n.resource = {
      type: n.type,
      address: n.address,
      name: n.name,
      fullName: n.fullName,
      properties: props,
      tags,
      dependencies: [...n.dependencies],
      source: n.path,
    } as DesiredResource;
  }

  function propertiesOf(p: Pending, region: string): PropsByType[ProvisionedType] | undefined {
    const e = p.node.entry;
    const resolvedValue = (name: string) => p.named?.variables.find((v) => v.name === name)?.raw;
    switch (p.node.type) {
      case "aws_s3_bucket": {
        const enc = e.encryption === "aws:kms" ? "aws:kms" : "AES256";
        const props: S3BucketProps = {
          region,
          versioning: typeof e.versioning === "boolean" ? e.versioning : true,
          lifecycle_days: typeof e.lifecycle_days === "number" ? e.lifecycle_days : 90,
          encryption: enc,
          block_public_access: typeof e.block_public_access === "boolean" ? e.block_public_access : true,
        };
        if (enc === "aws:kms" && typeof e.kms_key_id === "string") props.kms_key_id = e.kms_key_id;
        return props;
      }
      case "aws_glue_database": {
        const props: GlueDatabaseProps = { region, parameters: {} };
        if (typeof e.description === "string") props.description = e.description;
        return props;
      }
      case "aws_glue_table": {
        const [dbName, tableName] = splitFirst(p.node.fullName as string);
        const format = str(e.format);
        const props: GlueTableProps = {
          region,
          database: dbName,
          columns: columns(e.columns),
          partition_keys: columns(e.partition_keys),
          table_type: str(e.table_type) ?? resolvedValue("table_type") ?? "fact",
          format: format === "delta" || format === "json" || format === "csv" ? format : "parquet",
        };
        if (typeof e.location === "string") props.location = e.location;
        else if (typeof e.bucket_ref === "string") {
          const bucketAddress = p.node.dependencies.find((d) => d.startsWith("aws_s3_bucket."));
          if (!bucketAddress) return undefined;
          props.location = `s3://${bucketAddress.slice("aws_s3_bucket.".length)}/${dbName}/${tableName}/`;
        }
        if (typeof e.description === "string") props.description = e.description;
        return props;
      }
      case "dbx_cluster": {
        const clusterType =
          e.cluster_type === "dedicated" || e.cluster_type === "job" ? e.cluster_type : "shared";
        // spark_version stays unset unless given: the plan-time check fills the latest LTS.
        const sparkVersion = str(e.spark_version);
        const props: ClusterProps = {
          ...(sparkVersion !== undefined ? { spark_version: sparkVersion } : {}),
          node_type_id: str(e.node_type) ?? "",
          autotermination_minutes:
            typeof e.autotermination_minutes === "number" ? e.autotermination_minutes : 60,
          cluster_type: clusterType,
          data_security_mode: clusterType === "shared" ? "USER_ISOLATION" : "SINGLE_USER",
        };
        // Only a SINGLE_USER cluster has a single user; on a shared cluster the field is a warning.
        if (props.data_security_mode === "SINGLE_USER" && typeof e.single_user_name === "string")
          props.single_user_name = e.single_user_name;
        const auto = rec(e.autoscale);
        if (typeof e.num_workers === "number" && !auto) props.num_workers = e.num_workers;
        else
          props.autoscale = {
            min_workers: typeof auto?.min === "number" ? auto.min : 2,
            max_workers: typeof auto?.max === "number" ? auto.max : 8,
          };
        return props;
      }
      case "dbx_job": {
        const clusterAddress = p.node.dependencies.find((d) => d.startsWith("dbx_cluster.")) as string;
        const props: JobProps = {
          cluster_ref: clusterAddress,
          tasks: arr(e.tasks)
            .map(rec)
            .filter((t): t is Record<string, unknown> => !!t)
            .map((t) => toJobTask(t, clusterAddress)),
          max_concurrent_runs: typeof e.max_concurrent_runs === "number" ? e.max_concurrent_runs : 1,
        };
        const schedule = toJobSchedule(e.schedule);
        if (schedule) props.schedule = schedule;
        return props;
      }
      case "dbx_catalog": {
        const props: CatalogProps = {};
        if (typeof e.comment === "string") props.comment = e.comment;
        if (typeof e.storage_root === "string") props.storage_root = e.storage_root;
        return props;
      }
      case "dbx_schema": {
        const props: SchemaProps = { catalog_name: p.parent?.node.name as string };
        if (typeof e.comment === "string") props.comment = e.comment;
        return props;
      }
      case "dbx_table": {
        const props: UcTableProps = {
          catalog_name: p.parent?.parent?.node.name as string,
          schema_name: p.parent?.node.name as string,
          columns: columns(e.columns),
          table_type: str(e.table_type) ?? resolvedValue("table_type") ?? "fact",
        };
        if (typeof e.comment === "string") props.comment = e.comment;
        if (Array.isArray(e.partition_by))
          props.partition_by = e.partition_by.filter((c): c is string => typeof c === "string");
        return props;
      }
      case "dbx_volume": {
        const props: VolumeProps = {
          catalog_name: p.parent?.parent?.node.name as string,
          schema_name: p.parent?.node.name as string,
          volume_type: e.volume_type === "EXTERNAL" ? "EXTERNAL" : "MANAGED",
        };
        if (props.volume_type === "EXTERNAL" && typeof e.storage_location === "string")
          props.storage_location = e.storage_location;
        if (typeof e.comment === "string") props.comment = e.comment;
        return props;
      }
      default:
        return undefined;
    }
  }

  // ---- Rules, scope and order.
  const nodes = pending.map((p) => p.node);
  problems.push(...checkEntryRules(nodes, source, allowedLayers(conv, overrides)));
  problems.push(...checkReferences(nodes, source));
  const duplicates = checkDuplicates(nodes, source);
  problems.push(...duplicates);
  problems.push(...checkCycles(nodes, source));
  problems.push(...checkMetadataKeys(data.metadata, source));

  const scope = compileScope(scopeOf(data.scope));
  const kept = new Set<string>();
  for (const n of nodes) if (n.address && scope.keeps(n.type, n.address)) kept.add(n.address);
  problems.push(...checkScopeClosure(nodes, kept, source, opts.existsInState));
  if (data.scope !== undefined)
    problems.push(
      ...checkScopePatterns(scope.unusedPatterns(), source, [...new Set(nodes.map((n) => n.type))]),
    );

  const seen = new Set<string>();
  const out: DesiredResource[] = [];
  for (const n of nodes) {
    if (!n.resource || !kept.has(n.resource.address) || seen.has(n.resource.address)) continue;
    seen.add(n.resource.address);
    out.push(n.resource);
  }
  let executionOrder: string[] = [];
  try {
    executionOrder = topoOrder(out.map((r) => ({ id: r.address, deps: r.dependencies })));
  } catch (e) {
    // A cycle is already reported by checkCycles with both ends located; no order exists then.
    if (!isDpnError(e)) throw e;
  }

  const environment =
    overrides.environment ?? pending.find((p) => p.named)?.named?.environment ?? metadata.environment ?? "";
  return {
    file: bp.file,
    metadata,
    stackKey: { project: overrides.project ?? metadata.project ?? "", environment },
    resources: out,
    executionOrder,
    problems: sortProblems(dedupe(problems)),
  };
}

function splitFirst(fullName: string): [string, string] {
  const i = fullName.indexOf(".");
  return [fullName.slice(0, i), fullName.slice(i + 1)];
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.code}|${p.path}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function sortProblems(problems: Problem[]): Problem[] {
  // Stable sort: problems without a position keep their place at the front.
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i)
    .map((x) => x.p);
}

/** True when any problem is an error (warnings never fail a command). */
export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity !== "warning");
}
