/**
 * One breach of a botocore model by a request: which operation, which member, which rule, with
 * what value. `message` is the one-line form used in error responses and reports.
 */
import type { ServiceName } from "./model.js";

export interface Violation {
  service: ServiceName | "unknown";
  /** Operation name, or `?` when the request maps to no operation. */
  operation: string;
  /** Member path such as `TableInput.StorageDescriptor.Columns[0].Comment`; empty for the request itself. */
  path: string;
  /** The rule broken: `required`, `max 255`, `pattern …`, `enum […]`, `type integer`, `UnknownOperation`, … */
  rule: string;
  /** The offending value, rendered and truncated (absent for `required`). */
  value?: string;
  message: string;
}

const MAX_VALUE_CHARS = 120;

/** A value as it appears in a message: JSON-ish, truncated, and never a sensitive one. */
export function renderValue(v: unknown, sensitive = false): string {
  if (sensitive) return "(sensitive value)";
  let s: string;
  if (typeof v === "string") s = JSON.stringify(v);
  else if (v instanceof Map) s = JSON.stringify(Object.fromEntries(v));
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  const cps = Array.from(s);
  return cps.length > MAX_VALUE_CHARS ? `${cps.slice(0, MAX_VALUE_CHARS).join("")}…(${cps.length} chars)` : s;
}

/** A violation with its one-line `message` (`Operation: path: rule; value …`). */
export function makeViolation(
  service: Violation["service"],
  operation: string,
  path: string,
  rule: string,
  value?: string,
): Violation {
  const where = path ? `${operation}: ${path}` : operation;
  const message = `${where}: ${rule}${value !== undefined ? `; value ${value}` : ""}`;
  return { service, operation, path, rule, ...(value !== undefined ? { value } : {}), message };
}
