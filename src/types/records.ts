/**
 * What the single-resource management commands (read, update, delete, import) learn from a type's
 * spec about a remote id, a live object or a state row: the least a natural-key lookup needs,
 * whether a lookup by name means anything, the desired settings of a live object, and what a
 * resource depends on according to its own settings. Pure; nothing here throws.
 */
import type { DesiredResource, ProvisionedType } from "../core/resources.js";
import { specOf } from "./registry.js";
import type { StateRow } from "./spec.js";

/**
 * The least a provider's `lookup` needs for the remote id or full name `id` (`bucket`, `db.table`,
 * `catalog.schema.table`): type, address, name (the last part), full name and the parent names.
 */
export function minimalDesired(type: ProvisionedType, id: string): DesiredResource {
  const parts = id.split(".");
  const name = parts[parts.length - 1] ?? id;
  return {
    type,
    address: `${type}.${id}`,
    name,
    fullName: id,
    properties: { ...specOf(type).manage.idProperties(parts) } as never,
    tags: {},
    dependencies: [],
    source: "--resource-id",
  };
}

/**
 * True when looking an object up by its name alone is meaningful: its name is its natural key and
 * unique. Clusters and jobs are found by id (or by name together with dpn's marker) instead.
 */
export function lookupByName(type: ProvisionedType): boolean {
  return specOf(type).naturalKey.unique;
}

/** The field of a type's platform-assigned id, for types whose names are not unique (`cluster_id`). */
export function remoteIdField(type: ProvisionedType): string | undefined {
  const key = specOf(type).naturalKey;
  return key.unique ? undefined : key.remoteIdField;
}

/**
 * The desired properties of a live object (for imports, and updates of resources whose desired
 * settings were never stored): the keys of its type's desired vocabulary it has, plus what that
 * vocabulary spells differently (a job's cluster as an address, found among `rows`).
 */
export function desiredPropertiesOf(
  type: ProvisionedType,
  live: Readonly<Record<string, unknown>>,
  rows: readonly StateRow[],
): Record<string, unknown> {
  const manage = specOf(type).manage;
  const props: Record<string, unknown> = {};
  for (const k of manage.desiredKeys as readonly string[]) if (live[k] !== undefined) props[k] = live[k];
  manage.desiredFromLive?.(props, live, rows);
  return props;
}

/**
 * Addresses of the rows `row` depends on, read from its settings (parent names, cluster, s3://
 * locations), in the order of `rows`; never `row` itself.
 */
export function structuralDependencies(row: StateRow, rows: readonly StateRow[]): string[] {
  const want = specOf(row.type).manage.dependsOn(row);
  return rows.filter((r) => r.address !== row.address && want.some((w) => w(r))).map((r) => r.address);
}
