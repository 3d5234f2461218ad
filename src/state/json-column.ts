/**
 * Encoding of JSON columns. Every value is passed through `redact()` before it is stored, so a
 * secret-looking field (token, password, access key, …) never reaches the state file.
 */
import { redactedJson, stateError } from "../core/errors.js";

/** Redacted JSON text for `value`, or null for undefined/null. Never throws for JSON-like input. */
export function toJsonColumn(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return redactedJson(value) ?? null;
}

/**
 * Parse a JSON column. Returns undefined for NULL. Throws DpnError `STATE_CORRUPT` when the text
 * is not JSON (the file was edited by hand or damaged), naming the table and column.
 */
export function fromJsonColumn<T>(text: string | null, where: string): T | undefined {
  if (text === null || text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw stateError("STATE_CORRUPT", `The state column ${where} holds invalid JSON.`, {
      hint: "The state file was edited or damaged. Restore it from a backup.",
      details: { column: where, text: text.slice(0, 200) },
      cause: e,
    });
  }
}
