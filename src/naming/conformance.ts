/**
 * Does an existing name follow the convention? Used when adopting objects made by hand: a name
 * can pass every platform rule and still not be one the convention would ever produce.
 */
import type { Problem } from "../core/errors.js";
import { defaultStyle } from "./built-ins.js";
import { normaliseValue } from "./normalise.js";
import { parseTemplate } from "./template.js";
import type { Convention, Values } from "./types.js";

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Check `name` against the type's template: literal text must match exactly, every variable in
 * `known` (e.g. the stack's project, environment and region_short) must appear as the
 * convention would write it, and other variables must be non-empty. Returns a problem
 * (`NAME_NOT_FROM_CONVENTION`, house rule) or undefined when it conforms, the type has no
 * pattern, or the pattern shortens names with `truncate: hash` (those cannot be matched back).
 */
export function conventionConformance(
  conv: Convention,
  type: string,
  name: string,
  known: Values,
): Problem | undefined {
  const spec = conv.patterns[type];
  if (!spec || spec.truncate === "hash") return undefined;
  const style = spec.style ?? defaultStyle(type, spec.template);
  const template = parseTemplate(spec.template);
  let source = "^";
  for (const seg of template.segments) {
    if (seg.kind === "literal") {
      source += escapeRegex(seg.text);
      continue;
    }
    const value = known[seg.name];
    const part = value !== undefined ? escapeRegex(normaliseValue(value, style)) : ".+?";
    source += seg.optional ? `(?:${escapeRegex(seg.prefix)}${part})?` : part;
  }
  if (new RegExp(`${source}$`).test(name)) return undefined;
  const fixed = Object.entries(known)
    .filter(([k]) => template.variables.includes(k))
    .map(([k, v]) => `${k}=${normaliseValue(v, style)}`);
  return {
    code: "NAME_NOT_FROM_CONVENTION",
    message: `"${name}" does not follow the ${type} template ${spec.template}${fixed.length ? ` with ${fixed.join(", ")}` : ""}`,
    source: "house",
    severity: "error",
    hint: `\`dpn name ${type} --set ...\` shows the name the convention gives; rename the object or import it with --allow-noncompliant`,
  };
}
