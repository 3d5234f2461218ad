/**
 * `dpn update --params updates.json`: which settings of each provisioned type may be changed in
 * place, as one JSON Schema per type (published as `schemas/update-<type>.schema.json`), and the
 * parser that checks a file against it with every problem located by JSON path and line:column.
 * The settings, the immutable fields and how exclusive settings follow each other come from each
 * type's spec (`update` in src/types/<type>.ts).
 *
 * Only settings that every target (sandbox, AWS, Databricks) can change without replacing the
 * object are listed. Names never change: they come from the naming convention, and S3 buckets and
 * Glue databases/tables cannot be renamed at all.
 */
import { readFileSync } from "node:fs";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { didYouMean } from "../core/did-you-mean.js";
import { type Problem, usageError, validationError } from "../core/errors.js";
import { PROVISIONED_TYPES, type ProvisionedType } from "../core/resources.js";
import { specOf } from "../types/registry.js";
import { formatPath, type JsonSource, type PathSegment, parseJsonSource } from "./json-source.js";

const SCHEMA_BASE = "https://data-platform-naming.dev/schemas";

/** Changed settings: every key optional; `null` clears an optional setting. */
export type UpdateParams = Record<string, unknown> & { tags?: Record<string, string | null> };

const tags = {
  type: "object",
  description:
    "User tags to set (string) or remove (null). Tags not named here are kept; dpn's own markers (dpn_*) cannot be set.",
  propertyNames: { pattern: "^(?!dpn_).+$", minLength: 1, maxLength: 128 },
  additionalProperties: { anyOf: [{ type: "string", maxLength: 256 }, { type: "null" }] },
};

/** The settings each type accepts in updates.json (besides `tags`): its spec's `update.settings`. */
const settingsOf = (type: ProvisionedType): Readonly<Record<string, unknown>> => specOf(type).update.settings;

/** Settings that exist but cannot change in place, with the reason shown to the user. */
const immutableOf = (type: ProvisionedType): Readonly<Record<string, string | undefined>> =>
  specOf(type).update.immutable;

/** Keys that would rename the resource. */
const RENAME_KEYS = ["name", "full_name", "fullName", "new_name"];

/** The JSON Schema for `updates.json` of one type. */
export function updateParamsSchema(type: ProvisionedType): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `${SCHEMA_BASE}/update-${type}.schema.json`,
    title: `dpn update parameters for ${type}`,
    description: `Settings of one ${type} to change with \`dpn update --type ${type} --params <file>\`. Only the keys given change; names cannot change.`,
    type: "object",
    minProperties: 1,
    additionalProperties: false,
    properties: {
      $schema: { type: "string", description: "Where editors find this schema." },
      ...settingsOf(type),
      tags,
    },
  };
}

/** Every update schema, for schemas/ (file name and schema). */
export const UPDATE_PARAMS_SCHEMAS: ReadonlyArray<{ file: string; schema: unknown }> = PROVISIONED_TYPES.map(
  (t) => ({ file: `update-${t}.schema.json`, schema: updateParamsSchema(t) }),
);

/** The settings keys `dpn update` accepts for a type (tags included). */
export function updatableFields(type: ProvisionedType): string[] {
  return [...Object.keys(settingsOf(type)), "tags"];
}

const compiled = new Map<ProvisionedType, ValidateFunction>();
function validator(type: ProvisionedType): ValidateFunction {
  let v = compiled.get(type);
  if (!v) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, code: { optimize: false } });
    v = ajv.compile(updateParamsSchema(type));
    compiled.set(type, v);
  }
  return v;
}

function segmentsOf(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function shown(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return JSON.stringify(v);
}

function problemOf(e: ErrorObject, src: JsonSource, type: ProvisionedType): Problem | undefined {
  const segments = segmentsOf(e.instancePath);
  const at = (segs: PathSegment[], key = false) => {
    const loc = key ? src.locate(segs) : src.locateValue(segs);
    return { path: formatPath(segs), file: src.file, line: loc.line, column: loc.column };
  };
  const field = segments.length ? String(segments[segments.length - 1]) : "the file";
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const keyPath = [...segments, key];
      const immutable = immutableOf(type)[key];
      if (segments.length === 0 && immutable) {
        return {
          code: "UPDATE_FIELD_IMMUTABLE",
          message: `${type} setting "${key}" cannot be changed in place: ${immutable}`,
          ...at(keyPath, true),
          hint: `Remove "${key}". To change it, create a new resource (change the blueprint) and delete the old one.`,
          severity: "error",
        };
      }
      const allowed =
        segments.length === 0
          ? updatableFields(type)
          : Object.keys(((e.parentSchema as { properties?: object })?.properties ?? {}) as object);
      const suggestion = didYouMean(key, allowed);
      return {
        code: "UPDATE_UNKNOWN_KEY",
        message: `unknown key "${key}" in ${formatPath(segments)}`,
        ...at(keyPath, true),
        hint: `${suggestion ? `${suggestion} ` : ""}Allowed here: ${allowed.join(", ")}.`,
        severity: "error",
      };
    }
    case "required": {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      return {
        code: "UPDATE_MISSING_KEY",
        message: `missing required key "${key}" in ${formatPath(segments)}`,
        ...at(segments),
        hint: `Add "${key}".`,
        severity: "error",
      };
    }
    case "type":
      return {
        code: "UPDATE_WRONG_TYPE",
        message: `${formatPath(segments)} must be ${String((e.params as { type: string }).type)}, found ${shown(e.data)}`,
        ...at(segments),
        hint: `Write ${field} as ${String((e.params as { type: string }).type)}.`,
        severity: "error",
      };
    case "enum": {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const s = typeof e.data === "string" ? didYouMean(e.data, allowed) : undefined;
      return {
        code: "UPDATE_INVALID_VALUE",
        message: `${shown(e.data)} is not an allowed value for ${field} (allowed: ${allowed.join(", ")})`,
        ...at(segments),
        hint: `${s ? `${s} ` : ""}Use one of: ${allowed.join(", ")}.`,
        severity: "error",
      };
    }
    case "minProperties":
      return {
        code: "UPDATE_EMPTY",
        message: segments.length ? `${formatPath(segments)} is empty` : "the file names no setting to change",
        ...at(segments),
        hint: `Name at least one of: ${updatableFields(type).join(", ")}.`,
        severity: "error",
      };
    case "anyOf":
      // the branches' own errors say what is wrong; this summary adds nothing
      return undefined;
    default:
      return {
        code: "UPDATE_INVALID_VALUE",
        message: `${formatPath(segments)} ${e.message ?? "is not valid"}`,
        ...at(segments),
        hint: `See schemas/update-${type}.schema.json.`,
        severity: "error",
      };
  }
}

/**
 * Parse and check the text of an updates file for `type`. Throws a validation DpnError (exit 3):
 * `UPDATE_RENAME_REFUSED` when it tries to rename the resource, `UPDATE_PARAMS_INVALID` with one
 * located Problem per schema violation (unknown keys with did-you-mean, immutable settings with
 * the reason), or the JSON parser's `BLUEPRINT_JSON_INVALID` for a syntax error.
 */
export function parseUpdateParams(text: string, file: string, type: ProvisionedType): UpdateParams {
  const src = parseJsonSource(text, file);
  const value = src.value;
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const rename = RENAME_KEYS.find((k) => Object.hasOwn(value, k));
    if (rename) {
      const loc = src.locate([rename]);
      throw validationError(
        "UPDATE_RENAME_REFUSED",
        `${file}:${loc.line}:${loc.column}: renaming is not supported ("${rename}")`,
        {
          hint: !specOf(type).update.platformRenames
            ? `${type} names cannot change on AWS at all, and dpn names come from the naming convention: create the resource under its new name (change the blueprint) and delete the old one with \`dpn delete\`.`
            : "dpn names come from the naming convention: change the blueprint's naming values, create the new resource, then delete the old one with `dpn delete`.",
          problems: [
            {
              code: "UPDATE_RENAME_REFUSED",
              message: `"${rename}" would rename the ${type}`,
              path: formatPath([rename]),
              file,
              line: loc.line,
              column: loc.column,
              severity: "error",
            },
          ],
        },
      );
    }
  }
  const validate = validator(type);
  const problems = [...src.problems];
  if (!validate(value)) {
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
      const p = problemOf(e, src, type);
      const id = p ? `${p.code}|${p.path}|${p.message}` : "";
      if (p && !seen.has(id)) {
        seen.add(id);
        problems.push(p);
      }
    }
    if (problems.length === 0) {
      problems.push({ code: "UPDATE_INVALID_VALUE", message: "the file does not match the schema", file });
    }
  }
  if (problems.length > 0) {
    const first = problems[0] as Problem;
    throw validationError(
      "UPDATE_PARAMS_INVALID",
      `${file} is not a valid ${type} update: ${problems.length} problem${problems.length === 1 ? "" : "s"}${first.line ? ` (first at ${first.line}:${first.column})` : ""}`,
      { problems, hint: `The allowed settings are in schemas/update-${type}.schema.json.` },
    );
  }
  const out = { ...(value as Record<string, unknown>) };
  delete out.$schema;
  return out as UpdateParams;
}

/** Read and check an updates file. A missing or unreadable file is a usage error (exit 2). */
export function loadUpdateParams(file: string, type: ProvisionedType): UpdateParams {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw usageError("FILE_NOT_READABLE", `cannot read the updates file '${file}'`, {
      cause,
      hint: "pass an existing JSON file with --params",
      details: { file },
    });
  }
  return parseUpdateParams(text, file, type);
}

/**
 * The desired resource after applying `params` to `base`: each named setting replaces the old one
 * (`null` removes it), tags are merged (`null` removes a tag), and settings that exclude each other
 * follow (num_workers ↔ autoscale; kms_key_id only with aws:kms). Pure; `base` is not changed.
 */
export function applyUpdateParams<
  D extends { type: ProvisionedType; properties: unknown; tags: Record<string, string> },
>(base: D, params: UpdateParams): D {
  const props = JSON.parse(JSON.stringify(base.properties ?? {})) as Record<string, unknown>;
  const tagsOut = { ...base.tags };
  for (const [k, v] of Object.entries(params)) {
    if (k === "tags") {
      for (const [tk, tv] of Object.entries(v as Record<string, string | null>)) {
        if (tv === null) delete tagsOut[tk];
        else tagsOut[tk] = tv;
      }
    } else if (v === null) delete props[k];
    else props[k] = JSON.parse(JSON.stringify(v));
  }
  specOf(base.type).update.afterApply?.(props, params);
  return { ...base, properties: props, tags: tagsOut };
}
