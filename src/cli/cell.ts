/** Values for table cells: JSON, shortened, with secrets masked. */
import { redact } from "../core/errors.js";

/**
 * True when `key` names a secret (token, password, access key, …) by the one rule that also
 * keeps secrets out of error details, audit events and state (`redact` in core/errors.ts).
 */
export function isSecretKey(key: string): boolean {
  return (redact({ [key]: true }) as Record<string, unknown>)[key] === "***";
}

/**
 * A value for a table cell: `-` for none, a string as it is (`""` when empty), anything else as
 * JSON with secret-named keys masked at any depth; longer than `max` characters ends in `…`.
 */
export function cell(v: unknown, max = 60): string {
  if (v === undefined || v === null) return "-";
  const s = typeof v === "string" ? (v === "" ? '""' : v) : JSON.stringify(redact(v));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
