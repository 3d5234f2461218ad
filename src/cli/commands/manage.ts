/**
 * What the single-resource management commands (read, update, delete, restore, list, status,
 * import) share: opening the stack, resolving `--resource-id`, reading the live object, drift
 * between state and live, the desired settings dpn last applied, and who depends on a resource.
 */
import { DpnError } from "../../core/errors.js";
import { currentActor, newLockHolder } from "../../core/ids.js";
import type { DesiredResource, ProvisionedType } from "../../core/resources.js";
import { withStackLock } from "../../engine/lock.js";
import type {
  ProviderContext,
  ProviderRegistry,
  RemoteObject,
  ResourceRecord,
  StackRecord,
  StateStore,
} from "../../engine/ports.js";
import { assertNoUnfinished } from "../../engine/recover.js";
import { type ResourceOperationInput, runResourceOperation } from "../../engine/resource-operation.js";
import type { TxResult } from "../../engine/transaction.js";
import { openRegistry, openState, stackRegion, type Target } from "../compose.js";
import type { CliContext } from "../context.js";
import { parseType, resolveResource } from "../resource-select.js";
import { type StackSelectOptions, selectStack } from "../stack-select.js";
import { progressFor, txJson } from "./create.js";

/** Options every management command shares. */
export interface ManageOptions extends StackSelectOptions {
  target: Target;
  profile?: string;
  json?: boolean;
  resourceId?: string;
  type?: string;
  yes?: boolean;
  lockTimeout?: number;
}

export interface Session {
  store: StateStore;
  stack: StackRecord;
  close(): Promise<void>;
  /** The provider registry, opened on first use. */
  registry(): Promise<ProviderRegistry>;
}

/**
 * Open the state (read-only unless a command changes something), select the stack and prepare a
 * lazily opened registry. Throws STACK_NOT_FOUND (exit 2) when the state holds no stack.
 */
export async function openSession(
  ctx: CliContext,
  o: ManageOptions,
  opts: { readonly: boolean; stack?: (store: StateStore) => StackRecord | undefined },
): Promise<Session> {
  const store = await openState(ctx, { readonly: opts.readonly });
  let registry: ProviderRegistry | undefined;
  try {
    const stack = opts.stack ? opts.stack(store) : selectStack(store, o);
    if (!stack) {
      throw new DpnError("usage", "STACK_NOT_FOUND", "the state holds no stack yet", {
        hint: "run `dpn create --blueprint <file>` first (or `dpn import --project P --env E ...`), in the folder whose .dpn/ holds the state",
      });
    }
    return {
      store,
      stack,
      async registry() {
        registry ??= await openRegistry(ctx, {
          target: o.target,
          profile: o.profile,
          region: stackRegion(store, stack.id),
          readonly: opts.readonly,
        });
        return registry;
      },
      async close() {
        await registry?.close();
        store.close();
      },
    };
  } catch (e) {
    store.close();
    throw e;
  }
}

/** Provider context for reads outside a transaction. */
export function readContext(session: Session): ProviderContext {
  return {
    stackId: session.stack.id,
    txId: "read",
    actor: currentActor(),
    resolveRef: (a) => session.store.getResource(session.stack.id, a)?.remoteId,
  };
}

/**
 * The state row `--resource-id` names (see resource-select.ts). On a miss with a known type it
 * asks the provider whether such an object exists, to tell "not managed" from "not found".
 */
export async function resolveRow(session: Session, o: ManageOptions): Promise<ResourceRecord> {
  const id = o.resourceId ?? "";
  const type = parseType(o.type);
  return resolveResource({
    rows: session.store.listResources(session.stack.id),
    stack: session.stack,
    id,
    ...(type ? { type } : {}),
    probe: async () => {
      const t = type ?? (id.split(".")[0] as ProvisionedType);
      const bare = id.startsWith(`${t}.`) ? id.slice(t.length + 1) : id;
      return findRemote(await session.registry(), t, bare, readContext(session));
    },
  });
}

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

// ---------------------------------------------------------------------------------------------
// Drift
// ---------------------------------------------------------------------------------------------

/** One field on which state and the live object differ. */
export interface DriftField {
  field: string;
  state: unknown;
  live: unknown;
}

/** JSON with sorted keys, so equal values compare equal whatever their key order. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : x,
  );
}

/**
 * Field-by-field differences between the state row and the live object: every property, every
 * tag (`tags.<key>`), the archive status, and the object's existence (`exists`).
 */
export function driftOf(row: ResourceRecord, live: RemoteObject | null): DriftField[] {
  if (!live) return [{ field: "exists", state: true, live: false }];
  const out: DriftField[] = [];
  const keys = [...new Set([...Object.keys(row.properties), ...Object.keys(live.properties)])].sort();
  for (const k of keys) {
    const a = row.properties[k];
    const b = live.properties[k];
    if (canonical(a ?? null) !== canonical(b ?? null))
      out.push({ field: k, state: a ?? null, live: b ?? null });
  }
  const tagKeys = [...new Set([...Object.keys(row.tags), ...Object.keys(live.tags)])].sort();
  for (const k of tagKeys) {
    if (row.tags[k] !== live.tags[k])
      out.push({ field: `tags.${k}`, state: row.tags[k] ?? null, live: live.tags[k] ?? null });
  }
  const archived = row.status === "archived";
  if (archived !== live.archived) out.push({ field: "archived", state: archived, live: live.archived });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Desired settings and dependencies
// ---------------------------------------------------------------------------------------------

/**
 * The desired resource dpn last applied at each address of the stack: from the newest committed
 * transaction that carried one (a create/update/import journal entry, or a create's stored plan,
 * which also holds the resources that were already up to date).
 */
export function storedDesired(store: StateStore, stackId: string): Map<string, DesiredResource> {
  const out = new Map<string, DesiredResource>();
  for (const tx of store.listTransactions({ stackId, status: "committed" })) {
    const entries = store.journal(tx.id);
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (e?.phase === "forward" && e.status === "done" && e.desired && !out.has(e.address))
        out.set(e.address, e.desired);
    }
    for (const d of store.loadPlan?.(tx.id)?.desired ?? []) if (!out.has(d.address)) out.set(d.address, d);
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

// ---------------------------------------------------------------------------------------------
// Running one change
// ---------------------------------------------------------------------------------------------

/**
 * Run `fn` under the stack lock after checking that no transaction is unfinished (STACK_LOCKED /
 * TX_UNFINISHED, exit 8).
 */
export async function underLock<R>(session: Session, o: ManageOptions, fn: () => Promise<R>): Promise<R> {
  return withStackLock(
    session.store,
    session.stack.id,
    newLockHolder(),
    { timeoutMs: (o.lockTimeout ?? 0) * 1000 },
    async () => {
      assertNoUnfinished(session.store, session.stack.id);
      return fn();
    },
  );
}

/** Run one resource operation with progress on stderr. */
export async function runOperation(
  ctx: CliContext,
  session: Session,
  o: ManageOptions,
  input: Omit<ResourceOperationInput, "store" | "registry" | "stack" | "options" | "reporter">,
): Promise<TxResult> {
  const registry = await session.registry();
  const progress = progressFor(ctx);
  try {
    return await runResourceOperation({
      ...input,
      store: session.store,
      registry,
      stack: session.stack,
      reporter: progress.reporter,
      options: { command: ctx.commandLine, target: o.target, actor: currentActor() },
    });
  } finally {
    progress.done();
  }
}

/**
 * Print a finished transaction (the JSON document, or `summary` on success) and return the exit
 * code; a failed transaction's error is rendered (and thrown without --json).
 */
export function reportResult(
  ctx: CliContext,
  o: ManageOptions,
  result: TxResult,
  summary: string,
  extra: Record<string, unknown> = {},
): number {
  if (o.json) ctx.out.resultJson({ ...extra, ...txJson(result, o.target) });
  if (result.outcome === "committed") {
    if (!o.json) ctx.out.result(summary);
    return 0;
  }
  const error =
    result.error ??
    new DpnError("internal", "TX_FAILED", `transaction ${result.txId} ended ${result.outcome}`);
  if (!o.json) throw error;
  ctx.out.error(error, ctx.debug);
  return error.exitCode;
}

/** A value for a table cell: JSON, shortened. */
export function cell(v: unknown, max = 60): string {
  if (v === undefined || v === null) return "-";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Audit a command-level event that is not a transaction step (refusals, reports). */
export function auditEvent(
  ctx: CliContext,
  session: Session,
  event: string,
  address: string,
  outcome: string,
  details: Record<string, unknown> = {},
): void {
  session.store.audit({
    at: new Date().toISOString(),
    actor: currentActor(),
    stackId: session.stack.id,
    command: ctx.commandLine,
    event,
    address,
    outcome,
    details,
  });
}
