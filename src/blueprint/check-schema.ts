/**
 * Checks a parsed blueprint against `blueprintSchema` with ajv (all errors) and turns each ajv
 * error into a located Problem: JSON path, line:column, a stable code and a hint
 * (did-you-mean for unknown keys, the allowed values for enums).
 */

import { closest, didYouMean } from "../core/did-you-mean.js";
import type { Problem } from "../core/errors.js";
import {
  type SchemaError as ErrorObject,
  schemaValidator,
  type ValidateFn,
} from "../core/schema-validator.js";
import { formatPath, type JsonSource, type PathSegment } from "./json-source.js";
import { blueprintSchema } from "./schema.js";

function validator(): ValidateFn {
  return schemaValidator("blueprint", blueprintSchema);
}

function segmentsOf(instancePath: string): PathSegment[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((s) => {
      const key = s.replace(/~1/g, "/").replace(/~0/g, "~");
      return /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : key;
    });
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let v = root;
  for (const s of segments) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[s];
  }
  return v;
}

function toProblem(e: ErrorObject, src: JsonSource): Problem | undefined {
  const segments = segmentsOf(e.instancePath);
  const path = formatPath(segments);
  const field = segments.length ? String(segments[segments.length - 1]) : "the blueprint";
  const where = (segs: readonly PathSegment[], valueNotKey = false) => {
    const loc = valueNotKey ? src.locateValue(segs) : src.locate(segs);
    return { file: src.file, line: loc.line, column: loc.column };
  };
  const parent = e.parentSchema as Record<string, unknown> | undefined;
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((parent?.properties as Record<string, unknown>) ?? {});
      const suggestion = didYouMean(key, allowed);
      const keyPath = [...segments, key];
      return {
        code: "BLUEPRINT_UNKNOWN_KEY",
        message: `unknown key ${JSON.stringify(key)} in ${path}`,
        path: formatPath(keyPath),
        ...where(keyPath),
        hint: `${suggestion ? `${suggestion} ` : ""}Allowed keys: ${allowed.join(", ")}.`,
        severity: "error",
      };
    }
    case "required": {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      const present = valueAt(src.value, segments);
      const others = present && typeof present === "object" ? Object.keys(present) : [];
      const typo = closest(key, others);
      return {
        code: "BLUEPRINT_MISSING_KEY",
        message: `missing required key ${JSON.stringify(key)} in ${path}`,
        path,
        ...where(segments, true),
        hint: typo
          ? `Found ${JSON.stringify(typo)}: did you mean ${JSON.stringify(key)}?`
          : `Add ${JSON.stringify(key)}${parent && describeProperty(parent, key)}.`,
        severity: "error",
      };
    }
    case "type": {
      const expected = String((e.params as { type: string }).type);
      return {
        code: "BLUEPRINT_WRONG_TYPE",
        message: `${path} must be ${article(expected)}, found ${typeName(e.data)}`,
        path,
        ...where(segments, true),
        hint: `Write ${field} as ${article(expected)}.`,
        severity: "error",
      };
    }
    case "enum": {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const suggestion = typeof e.data === "string" ? didYouMean(e.data, allowed) : undefined;
      return {
        code: "BLUEPRINT_INVALID_VALUE",
        message: `${typeName(e.data)} is not an allowed value for ${field} (allowed: ${allowed.join(", ")})`,
        path,
        ...where(segments, true),
        hint: `${suggestion ? `${suggestion} ` : ""}Use one of: ${allowed.join(", ")}.`,
        severity: "error",
      };
    }
    case "pattern": {
      const description = typeof parent?.description === "string" ? parent.description : undefined;
      return {
        code: "BLUEPRINT_INVALID_FORMAT",
        message: `${typeName(e.data)} is not a valid ${field} (must match ${String((e.params as { pattern: string }).pattern)})`,
        path,
        ...where(segments, true),
        hint: description ?? "Fix the value's format.",
        severity: "error",
      };
    }
    case "minimum":
    case "maximum": {
      const p = e.params as { comparison: string; limit: number };
      return {
        code: "BLUEPRINT_OUT_OF_RANGE",
        message: `${field} is ${String(e.data)}, must be ${p.comparison} ${p.limit}`,
        path,
        ...where(segments, true),
        hint: `Use a value ${p.comparison} ${p.limit}.`,
        severity: "error",
      };
    }
    case "minLength":
    case "minItems":
      return {
        code: "BLUEPRINT_EMPTY_VALUE",
        message: `${path} must not be empty`,
        path,
        ...where(segments, true),
        hint: `Give ${field} a value or remove it.`,
        severity: "error",
      };
    case "maxLength":
      return {
        code: "BLUEPRINT_VALUE_TOO_LONG",
        message: `${field} is longer than ${String((e.params as { limit: number }).limit)} characters`,
        path,
        ...where(segments, true),
        hint: "Shorten the value.",
        severity: "error",
      };
    // "if" only says that a then/else branch failed; that branch's own error is the useful one.
    case "if":
      return undefined;
    default:
      return {
        code: "BLUEPRINT_SCHEMA_VIOLATION",
        message: `${path} ${e.message ?? "does not match the blueprint schema"}`,
        path,
        ...where(segments, true),
        severity: "error",
      };
  }
}

function describeProperty(parent: Record<string, unknown>, key: string): string {
  const p = (parent.properties as Record<string, Record<string, unknown>> | undefined)?.[key];
  if (!p) return "";
  if (Array.isArray(p.enum)) return ` (one of: ${p.enum.join(", ")})`;
  if (typeof p.description === "string") return ` (${p.description.replace(/\.$/, "")})`;
  return "";
}

/**
 * Validates `src.value` against the blueprint schema. Never throws for invalid input: returns
 * every problem at once, located, in document order; an empty list means the shape is valid.
 */
export function checkBlueprintSchema(src: JsonSource): Problem[] {
  const validate = validator();
  if (validate(src.value)) return [];
  const out: Problem[] = [];
  const seen = new Set<string>();
  const errors = validate.errors ?? [];
  // A value of the wrong type also fails its enum/pattern/range: the type error says it all.
  const wrongType = new Set(errors.filter((e) => e.keyword === "type").map((e) => e.instancePath));
  for (const e of errors) {
    if (
      e.keyword !== "type" &&
      wrongType.has(e.instancePath) &&
      e.keyword !== "additionalProperties" &&
      e.keyword !== "required"
    )
      continue;
    const p = toProblem(e, src);
    if (!p) continue;
    const key = `${p.code}|${p.path}|${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
