/**
 * What dpn knows about a resource's desired settings outside a blueprint: the settings it last
 * applied (from the journal and stored plans), a desired resource describing a live object (for
 * imports and updates), and the dependencies between a stack's resources read from their settings.
 */
import type { DesiredResource, ProvisionedType } from "../core/resources.js";
import type {
  ProviderContext,
  ProviderRegistry,
  RemoteObject,
  ResourceRecord,
  StateStore,
} from "../engine/ports.js";

/**
 * Find a remote object by remote id (bucket, `db`, `db.table`, cluster id, job id, UC full name),
 * falling back to a natural-key lookup. Returns null when there is none.
 */
export async function findRemote(
  registry: ProviderRegistry,
  type: ProvisionedType,
  id: string,
  ctx: ProviderContext,
): Promise<RemoteObject | null> {
  const provider = registry.get(type);
  const byId = await provider.read(id, ctx);
  if (byId) return byId;
  // clusters and jobs are found by name only together with our marker: the id is what identifies them
  if (type === "dbx_cluster" || type === "dbx_job") return null;
  return provider.lookup(minimalDesired(type, id, ctx.stackId), ctx);
}

/** The least a provider's lookup needs: type, name, full name and the parent names. */
export function minimalDesired(type: ProvisionedType, id: string, _stackId: string): DesiredResource {
  const parts = id.split(".");
  const name = parts[parts.length - 1] ?? id;
  const properties: Record<string, unknown> = {};
  if (type === "aws_glue_table") properties.database = parts.length > 1 ? parts[0] : "";
  if (type === "dbx_schema") properties.catalog_name = parts.length > 1 ? parts[0] : "";
  if (type === "dbx_table" || type === "dbx_volume") {
    properties.catalog_name = parts.length > 2 ? parts[0] : "";
    properties.schema_name = parts.length > 2 ? parts[1] : "";
  }
  return {
    type,
    address: `${type}.${id}`,
    name,
    fullName: id,
    properties: properties as never,
    tags: {},
    dependencies: [],
    source: "--resource-id",
  };
}

/**
 * The desired resource dpn last applied at each address of the stack: from the newest committed
 * transaction that carried one (a create/update/import journal entry, or a create's stored plan,
 * which also holds the resources that were already up to date).
 */
export async function storedDesired(
  store: StateStore,
  stackId: string,
): Promise<Map<string, DesiredResource>> {
  const out = new Map<string, DesiredResource>();
  for (const tx of await store.listTransactions({ stackId, status: "committed" })) {
    const entries = await store.journal(tx.id);
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (e?.phase === "forward" && e.status === "done" && e.desired && !out.has(e.address))
        out.set(e.address, e.desired);
    }
    for (const d of (await store.loadPlan(tx.id))?.desired ?? [])
      if (!out.has(d.address)) out.set(d.address, d);
  }
  return out;
}

/** Property keys of each type's desired vocabulary (live objects may carry more). */
const DESIRED_KEYS: { [T in ProvisionedType]: string[] } = {
  aws_s3_bucket: [
    "region",
    "versioning",
    "lifecycle_days",
    "encryption",
    "kms_key_id",
    "block_public_access",
  ],
  aws_glue_database: ["region", "description", "parameters"],
  aws_glue_table: [
    "region",
    "database",
    "columns",
    "partition_keys",
    "table_type",
    "format",
    "location",
    "description",
  ],
  dbx_cluster: [
    "spark_version",
    "node_type_id",
    "autoscale",
    "num_workers",
    "autotermination_minutes",
    "cluster_type",
    "data_security_mode",
  ],
  dbx_job: ["cluster_ref", "tasks", "schedule", "max_concurrent_runs"],
  dbx_catalog: ["comment", "storage_root"],
  dbx_schema: ["catalog_name", "comment"],
  dbx_table: ["catalog_name", "schema_name", "columns", "comment", "partition_by", "table_type"],
  dbx_volume: ["catalog_name", "schema_name", "volume_type", "storage_location", "comment"],
};

/**
 * A desired resource describing `obj` as it is (for imports, and for updates of resources whose
 * desired settings were never stored). Dependencies are inferred from the stack's rows.
 */
export function desiredFromObject(
  address: string,
  obj: {
    type: ProvisionedType;
    name: string;
    fullName: string;
    properties: Record<string, unknown>;
    tags: Record<string, string>;
  },
  rows: ResourceRecord[],
): DesiredResource {
  const props: Record<string, unknown> = {};
  for (const k of DESIRED_KEYS[obj.type]) if (obj.properties[k] !== undefined) props[k] = obj.properties[k];
  if (obj.type === "dbx_job" && props.cluster_ref === undefined) {
    // the Databricks provider reports the cluster id; the desired vocabulary wants its address
    const id = obj.properties.cluster_id;
    const cluster = rows.find((r) => r.type === "dbx_cluster" && r.remoteId === id);
    props.cluster_ref = cluster?.address ?? id;
  }
  const probe: ResourceRecord = {
    stackId: "",
    address,
    type: obj.type,
    name: obj.name,
    fullName: obj.fullName,
    remoteId: "",
    properties: props,
    tags: obj.tags,
    status: "active",
    txId: "",
    createdAt: "",
    updatedAt: "",
  };
  return {
    type: obj.type,
    address,
    name: obj.name,
    fullName: obj.fullName,
    properties: props as never,
    tags: { ...obj.tags },
    dependencies: structuralDependencies(probe, rows),
    source: address,
  };
}

const lower = (v: unknown) => (typeof v === "string" ? v.toLowerCase() : undefined);
const bucketOf = (v: unknown) => (typeof v === "string" ? /^s3a?:\/\/([^/]+)/.exec(v)?.[1] : undefined);

/** Addresses `row` depends on, read from its settings (parent names, cluster, s3 locations). */
export function structuralDependencies(row: ResourceRecord, rows: ResourceRecord[]): string[] {
  const p = row.properties;
  const want: ((r: ResourceRecord) => boolean)[] = [];
  const byFull = (type: ProvisionedType, full: string | undefined) =>
    full ? want.push((r) => r.type === type && r.fullName.toLowerCase() === full) : 0;
  const byBucket = (loc: unknown) => {
    const b = bucketOf(loc);
    if (b) want.push((r) => r.type === "aws_s3_bucket" && r.name === b);
  };
  switch (row.type) {
    case "aws_glue_table":
      byFull("aws_glue_database", lower(p.database));
      byBucket(p.location);
      break;
    case "dbx_schema":
      byFull("dbx_catalog", lower(p.catalog_name));
      break;
    case "dbx_table":
    case "dbx_volume":
      byFull("dbx_schema", `${lower(p.catalog_name)}.${lower(p.schema_name)}`);
      byBucket(p.storage_location);
      break;
    case "dbx_catalog":
      byBucket(p.storage_root);
      break;
    case "dbx_job": {
      const refs = new Set<unknown>([p.cluster_ref, p.cluster_id]);
      for (const t of (p.tasks as Record<string, unknown>[] | undefined) ?? []) {
        refs.add(t.existing_cluster_ref);
        refs.add(t.existing_cluster_id);
      }
      want.push((r) => r.type === "dbx_cluster" && (refs.has(r.address) || refs.has(r.remoteId)));
      break;
    }
    default:
      break;
  }
  return rows.filter((r) => r.address !== row.address && want.some((w) => w(r))).map((r) => r.address);
}

/**
 * Resources of the stack that depend on `target`: by the dependencies stored with their desired
 * settings, and by what their own settings name (a schema's catalog, a table's database, a job's
 * cluster, an s3:// location in a bucket). Archived resources count: they still exist.
 */
export function dependentsOf(
  target: ResourceRecord,
  rows: ResourceRecord[],
  desired: Map<string, DesiredResource>,
): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (r.address === target.address) continue;
    const deps = new Set([
      ...(desired.get(r.address)?.dependencies ?? []),
      ...structuralDependencies(r, rows),
    ]);
    if (deps.has(target.address)) out.push(r.address);
  }
  return out.sort();
}
