/**
 * Drift: how the live object differs from what state knows, field by field.
 */
import type { RemoteObject, ResourceRecord } from "../engine/ports.js";

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
