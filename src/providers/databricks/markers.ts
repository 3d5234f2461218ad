/**
 * Ownership and archive markers shared by every Databricks provider. The same keys are used on
 * every platform (MARKER_KEYS); only the storage differs (tags, UC properties, TBLPROPERTIES).
 */
import { MARKER_KEYS, type Ownership } from "../../core/resources.js";
import type { ProviderContext } from "../../engine/ports.js";

export function ownershipMarkers(o: Ownership): Record<string, string> {
  return { [MARKER_KEYS.stack]: o.stackId, [MARKER_KEYS.address]: o.address };
}

export function archiveMarkers(ctx: ProviderContext, now = new Date()): Record<string, string> {
  return { [MARKER_KEYS.archivedAt]: now.toISOString(), [MARKER_KEYS.archivedBy]: ctx.actor };
}

const MARKER_SET = new Set<string>(Object.values(MARKER_KEYS));

export function isMarkerKey(k: string): boolean {
  return MARKER_SET.has(k);
}

/** Read ownership/archive state from a flat key/value map (UC properties, TBLPROPERTIES, tags). */
export function readMarkers(map: Record<string, string> | undefined): {
  rest: Record<string, string>;
  markers: Record<string, string>;
  ownership: Ownership | null;
  archived: boolean;
} {
  const rest: Record<string, string> = {};
  const markers: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) {
    if (MARKER_SET.has(k)) markers[k] = v;
    else rest[k] = v;
  }
  const stack = markers[MARKER_KEYS.stack];
  const address = markers[MARKER_KEYS.address];
  return {
    rest,
    markers,
    ownership: stack && address ? { stackId: stack, address } : null,
    archived: markers[MARKER_KEYS.archivedAt] !== undefined,
  };
}

/** True when `o` marks the object as this stack's resource at `address`. */
export function ownedBy(o: Ownership | null, stackId: string, address: string): boolean {
  return o !== null && o.stackId === stackId && o.address === address;
}

/** Shallow equality of string maps. */
export function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] === a[k]);
}
