/**
 * Reading blueprint entry values defensively: an entry with schema problems is still walked
 * (to report every problem at once), so a value may not have the declared shape.
 */
import type { Column } from "../../core/resources.js";

export const asString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Columns of an entry that passed the schema: exactly {name, type, comment?}, copied shallowly. */
export function columnsOf(v: unknown): Column[] {
  return Array.isArray(v) ? (v.slice() as Column[]) : [];
}
