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
import {
  desiredPropertiesOf,
  lookupByName,
  minimalDesired,
  structuralDependencies,
} from "../types/records.js";

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
  if (!lookupByName(type)) return null;
  return provider.lookup(minimalDesired(type, id), ctx);
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
  const props = desiredPropertiesOf(obj.type, obj.properties, rows);
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
