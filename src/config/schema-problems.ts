/**
 * Turn ajv errors into located, readable problems (with "did you mean" for unknown keys).
 */

import { didYouMean } from "../core/did-you-mean.js";
import type { Problem } from "../core/errors.js";
import type { SchemaError as ErrorObject } from "../core/schema-validator.js";
import { formatPath, type YamlPath, type YamlSource } from "./yaml-source.js";

function pointerToPath(pointer: string): YamlPath {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

function valueAt(data: unknown, path: YamlPath): unknown {
  let cur: unknown = data;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

const where = (path: YamlPath) => (path.length ? `"${formatPath(path)}"` : "the top level");

/** Problems for every ajv error (deduplicated), located in `src`. */
export function schemaProblems(src: YamlSource, errors: ErrorObject[]): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  const push = (path: YamlPath, key: boolean, code: string, message: string, hint?: string) => {
    const id = `${code}|${formatPath(path)}|${message}`;
    if (seen.has(id)) return;
    seen.add(id);
    const { line, column } = src.locate(path, key);
    hint ??=
      DEFAULT_HINT[code] ?? "See schemas/naming-values.schema.json and schemas/naming-patterns.schema.json.";
    out.push({
      code,
      message,
      file: src.file,
      path: formatPath(path),
      line,
      column,
      severity: "error",
      ...(hint ? { hint } : {}),
    });
  };
  // A value of the wrong type also fails its enum/pattern; the type error alone says it best.
  const typeErrorAt = new Set(errors.filter((e) => e.keyword === "type").map((e) => e.instancePath));
  for (const e of errors) {
    const path = pointerToPath(e.instancePath);
    if (
      e.keyword !== "type" &&
      typeErrorAt.has(e.instancePath) &&
      (e as { propertyName?: string }).propertyName === undefined
    )
      continue;
    const params = e.params as Record<string, unknown>;
    const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
    if (e.keyword === "if" || e.keyword === "propertyNames") continue;
    if (propertyName !== undefined) {
      const full = [...path, propertyName];
      if (e.keyword === "enum") {
        const allowed = (params.allowedValues as string[]) ?? [];
        push(
          full,
          true,
          "CONFIG_UNKNOWN_KEY",
          `Unknown key "${propertyName}" in ${where(path)}; allowed: ${allowed.join(", ")}.`,
          didYouMean(propertyName, allowed) ?? `Use one of: ${allowed.join(", ")}.`,
        );
      } else {
        push(
          full,
          true,
          "CONFIG_INVALID_KEY",
          `Key "${propertyName}" in ${where(path)} is not valid (${e.message ?? "invalid"}).`,
          keyHint(path),
        );
      }
      continue;
    }
    switch (e.keyword) {
      case "additionalProperties": {
        const key = String(params.additionalProperty);
        const props = Object.keys(
          ((e.parentSchema ?? {}) as { properties?: object }).properties ?? {},
        ).filter((k) => k !== "$schema");
        push(
          [...path, key],
          true,
          "CONFIG_UNKNOWN_KEY",
          `Unknown key "${key}" in ${where(path)}.`,
          didYouMean(key, props) ?? (props.length ? `Allowed keys: ${props.join(", ")}.` : undefined),
        );
        break;
      }
      case "type": {
        const expected = String(params.type);
        const actual = valueAt(src.data, path);
        const last = path[path.length - 1];
        let hint =
          expected === "string" && (typeof actual === "number" || typeof actual === "boolean")
            ? `Quote the value: "${String(actual)}".`
            : undefined;
        if (last === "version" && path.length === 1)
          hint = 'Write version: "1.0" (quoted: unquoted 1.0 is a number).';
        // if/then/else unions (v0.1 string-or-object forms): name both accepted shapes.
        let shape = article(expected);
        if (/\/else\/type$/.test(e.schemaPath)) {
          shape =
            path[0] === "patterns"
              ? "a template string or a mapping with a template"
              : `${article(expected)} or a mapping of type → ${article(expected)}`;
        }
        push(path, false, "CONFIG_TYPE", `${where(path)} must be ${shape}, found ${typeOf(actual)}.`, hint);
        break;
      }
      case "enum": {
        const allowed = (params.allowedValues as unknown[]).map(String);
        const actual = valueAt(src.data, path);
        push(
          path,
          false,
          "CONFIG_VALUE",
          `${where(path)} is ${JSON.stringify(actual)}; it must be one of: ${allowed.join(", ")}.`,
          (typeof actual === "string" ? didYouMean(actual, allowed) : undefined) ??
            (typeof actual === "number" ? `Quote the value: "${allowed[0]}".` : undefined),
        );
        break;
      }
      case "pattern": {
        const actual = valueAt(src.data, path);
        push(
          path,
          false,
          "CONFIG_VALUE",
          `${where(path)} is ${JSON.stringify(actual)}; it must match ${String(params.pattern)}.`,
          patternHint(path),
        );
        break;
      }
      case "required":
        push(
          path,
          false,
          "CONFIG_REQUIRED",
          `${where(path)} is missing the required key "${String(params.missingProperty)}".`,
        );
        break;
      default:
        push(path, false, "CONFIG_VALUE", `${where(path)} ${e.message ?? "is invalid"}.`);
    }
  }
  return out;
}

const DEFAULT_HINT: Record<string, string> = {
  CONFIG_UNKNOWN_KEY: "Remove the key or fix its spelling.",
  CONFIG_TYPE: "Change the value to the expected type.",
  CONFIG_VALUE: "Change the value to one the schema allows.",
  CONFIG_REQUIRED: "Add the missing key.",
};

function article(t: string): string {
  switch (t) {
    case "object":
      return "a mapping";
    case "array":
      return "a list";
    case "integer":
      return "an integer";
    case "string":
      return "a string";
    default:
      return `a ${t}`;
  }
}

function keyHint(path: YamlPath): string | undefined {
  const last = path[path.length - 1];
  if (last === "region_mapping") return "Keys are AWS region names such as eu-west-1.";
  return "Type keys and variable names use lowercase letters, digits and _ (e.g. aws_s3_bucket).";
}

function patternHint(path: YamlPath): string | undefined {
  const last = path[path.length - 1];
  if (last === "project") return 'Use lowercase letters, digits and hyphens, e.g. "data-platform".';
  if (last === "region") return "Use an AWS region name such as us-east-1.";
  if (last === "region_short" || path.includes("region_mapping"))
    return "Region codes are 2–5 lowercase letters then a digit, e.g. use1.";
  return undefined;
}
