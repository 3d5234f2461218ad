/** Field changes (an update's diff, a plan's changes) as rows of before → after values. */
import type { FieldChange } from "../engine/ports.js";
import { cell, isSecretKey } from "./cell.js";
import { table } from "./output.js";

/** One shown difference: where, and both values as cell text; or a count of the ones left out. */
export type DiffRow = { path: string; before: string; after: string } | { more: number; field: string };

export interface DiffOptions {
  /** Longest value shown, in characters (default 60). */
  max?: number;
  /** Rows shown per changed field; the rest are counted (default 10). */
  perField?: number;
}

/** How deep objects and arrays are opened before a value is shown whole (as shortened JSON). */
const DEPTH = 3;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** JSON with sorted keys, to compare values whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "undefined";
}

/**
 * The differences of each change, leaf by leaf: two objects are compared key by key (a tags
 * change tag by tag, a missing tags map counting as empty), two arrays item by item, down to
 * three levels; deeper or mixed values are shown whole. A value under a secret-named key
 * (token, password, …) is shown as `***`, never as itself.
 */
export function diffRows(changes: FieldChange[], opts: DiffOptions = {}): DiffRow[] {
  const max = opts.max ?? 60;
  const perField = opts.perField ?? 10;
  const out: DiffRow[] = [];
  for (const c of changes) {
    const rows: { path: string; before: string; after: string }[] = [];
    const leaf = (path: string, before: unknown, after: unknown, secret: boolean) => {
      const mask = (v: unknown) => (v === undefined || v === null || v === "" ? cell(v) : "***");
      rows.push(
        secret
          ? { path, before: mask(before), after: mask(after) }
          : { path, before: cell(before, max), after: cell(after, max) },
      );
    };
    const walk = (path: string, before: unknown, after: unknown, depth: number, secret: boolean) => {
      if (canonical(before) === canonical(after)) return;
      if (secret || depth >= DEPTH) return leaf(path, before, after, secret);
      if (isObject(before) && isObject(after)) {
        for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort())
          walk(`${path}.${k}`, before[k], after[k], depth + 1, isSecretKey(k));
        return;
      }
      if (Array.isArray(before) && Array.isArray(after)) {
        for (let i = 0; i < Math.max(before.length, after.length); i++)
          walk(`${path}[${i}]`, before[i], after[i], depth + 1, false);
        return;
      }
      leaf(path, before, after, false);
    };
    const isTags = c.field === "tags";
    walk(
      c.field,
      isTags ? (c.before ?? {}) : c.before,
      isTags ? (c.after ?? {}) : c.after,
      0,
      isSecretKey(c.field),
    );
    if (rows.length === 0) leaf(c.field, c.before, c.after, isSecretKey(c.field)); // differs only in representation
    if (rows.length > perField) {
      out.push(...rows.slice(0, perField - 1), { more: rows.length - (perField - 1), field: c.field });
    } else out.push(...rows);
  }
  return out;
}

/** `versioning: false → true`, or `… 3 more differences in tasks`. */
export function arrowText(r: DiffRow): string {
  return "more" in r
    ? `… ${r.more} more difference${r.more === 1 ? "" : "s"} in ${r.field}`
    : `${r.path}: ${r.before} → ${r.after}`;
}

/** The diff as a FIELD / BEFORE / AFTER table: a tags change tag by tag, objects key by key. */
export function diffTable(changes: FieldChange[]): string {
  const rows = diffRows(changes).map((r) =>
    "more" in r ? [arrowText(r), "", ""] : [r.path, r.before, r.after],
  );
  return table(["FIELD", "BEFORE", "AFTER"], rows);
}
