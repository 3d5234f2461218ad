/**
 * JSON encoding that keeps Databricks int64 ids exact. `JSON.parse` turns `job_id` values above
 * 2^53 into rounded doubles, so ids are lifted to strings in the raw text before parsing and
 * lowered back to bare number tokens after stringifying. Node 20 has no `JSON.rawJSON`.
 */

/** Keys whose integer values are int64 ids on the Databricks wire. */
export const INT64_KEYS = ["job_id", "run_id"] as const;

// A key is a real object key only when it follows `{` or `,` (plus whitespace); inside a JSON
// string the quotes would be escaped, so this never rewrites string contents.
const keyAlternation = INT64_KEYS.join("|");
const LIFT = new RegExp(`([{,]\\s*)"(${keyAlternation})"(\\s*):(\\s*)(-?\\d+)(?=\\s*[,}\\]])`, "g");
const LOWER = new RegExp(`([{,])"(${keyAlternation})":"(-?\\d+)"`, "g");

/**
 * Parse JSON text, returning int64 id fields (`job_id`, `run_id`) as decimal strings.
 * Throws SyntaxError on malformed JSON (callers wrap it into a ProviderError).
 */
export function parseJsonWithInt64(text: string): unknown {
  return JSON.parse(text.replace(LIFT, '$1"$2"$3:$4"$5"'));
}

/**
 * Stringify a value; int64 id fields given as decimal strings are emitted as JSON numbers, so
 * the server sees `{"job_id":9007199254740993}` exactly.
 */
export function stringifyJsonWithInt64(value: unknown): string {
  return JSON.stringify(value).replace(LOWER, '$1"$2":$3');
}
