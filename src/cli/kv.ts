import { validationError } from "../core/errors.js";

/**
 * Parse repeatable `key=value` options into an object. A pair without `=` or with an empty key
 * is a validation error (exit 3) naming the offending argument; later pairs win.
 */
export function parseKv(pairs: string[] | undefined, option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const i = pair.indexOf("=");
    const key = i > 0 ? pair.slice(0, i).trim() : "";
    if (i <= 0 || key === "") {
      throw validationError("OVERRIDE_INVALID", `${option} '${pair}' is not of the form key=value`, {
        hint: `write it as ${option} ${i === 0 ? "<key>" : pair || "key"}=<value>, e.g. ${option} environment=stg`,
        details: { option, value: pair },
      });
    }
    out[key] = pair.slice(i + 1);
  }
  return out;
}
