/**
 * Standard tags and per-target tag limits (naming-rules.md Part 1 "Tags" and Part 3 C4).
 */
import { DpnError, type Problem } from "../core/errors.js";
import { resolutionContext, resolveVariable } from "./resolve.js";
import { measure, NOT_LATIN1 } from "./rules.js";
import type { Convention, NameRequest, TagTarget } from "./types.js";

interface TagLimits {
  maxTags: number;
  keyMax: number;
  valueMax: number;
  unit: "chars" | "bytes";
  /** A character NOT allowed in keys. */
  keyBad: RegExp;
  /** A character NOT allowed in values (undefined: free text). */
  valueBad?: RegExp;
  allowedText: string;
  latin1: boolean;
  /** Reserved key prefix (lowercase), checked case-insensitively. */
  reservedPrefix?: string;
  databricks: boolean;
}

// AWS: letters, numbers and spaces in any script, plus + - = . _ : / @ (the portable intersection).
const AWS_BAD = /[^\p{L}\p{N}\p{Zs}+\-=._:/@]/u;
// Databricks' own AWS tag normaliser: ASCII word characters, digits, space and + - = . : / @.
const DBX_BAD = /[^0-9A-Za-z_ +\-=.:/@]/;
const UC_KEY_BAD = /[.,\-=/:]/;

const LIMITS: Record<TagTarget, TagLimits> = {
  aws: {
    maxTags: 50,
    keyMax: 128,
    valueMax: 256,
    unit: "chars",
    keyBad: AWS_BAD,
    valueBad: AWS_BAD,
    allowedText: 'letters, digits, spaces and "+ - = . _ : / @"',
    latin1: false,
    reservedPrefix: "aws:",
    databricks: false,
  },
  glue: {
    maxTags: 50,
    keyMax: 128,
    valueMax: 256,
    unit: "bytes",
    keyBad: AWS_BAD,
    valueBad: AWS_BAD,
    allowedText: 'letters, digits, spaces and "+ - = . _ : / @"',
    latin1: false,
    reservedPrefix: "aws",
    databricks: false,
  },
  dbx_cluster: {
    maxTags: 45,
    keyMax: 127,
    valueMax: 255,
    unit: "chars",
    keyBad: DBX_BAD,
    valueBad: DBX_BAD,
    allowedText: 'ASCII letters, digits, "_", space and "+ - = . : / @"',
    latin1: true,
    reservedPrefix: "aws:",
    databricks: true,
  },
  dbx_job: {
    maxTags: 25,
    keyMax: 127,
    valueMax: 255,
    unit: "chars",
    keyBad: DBX_BAD,
    valueBad: DBX_BAD,
    allowedText: 'ASCII letters, digits, "_", space and "+ - = . : / @"',
    latin1: true,
    reservedPrefix: "aws:",
    databricks: true,
  },
  uc: {
    maxTags: 50,
    keyMax: 255,
    valueMax: 1000,
    unit: "chars",
    keyBad: UC_KEY_BAD,
    allowedText: 'anything except ". , - = / :" in keys',
    latin1: false,
    databricks: false,
  },
};

/** Tags Databricks sets itself on cluster/pool resources; custom tags must not collide with them. */
export const DATABRICKS_DEFAULT_TAGS: readonly string[] = Object.freeze([
  "Vendor",
  "ClusterId",
  "ClusterName",
  "Creator",
  "RunName",
  "JobId",
  "DatabricksInstancePoolCreatorId",
  "DatabricksInstancePoolId",
]);
const DBX_RESERVED = new Set(["name", ...DATABRICKS_DEFAULT_TAGS.map((t) => t.toLowerCase())]);

/**
 * The standard tags of a resource: Environment, Project, ManagedBy=dpn, Team, CostCenter,
 * DataClassification and Owner (each only when its value is known, through the same precedence
 * rule as names), then `extra` (which cannot replace ManagedBy). Ownership markers (stack id,
 * address) are added by the engine. Never throws.
 */
export function standardTags(
  conv: Convention,
  req: NameRequest & { extra?: Record<string, string> },
): Record<string, string> {
  const ctx = resolutionContext(conv, req);
  const value = (name: string): string | undefined => {
    try {
      return resolveVariable(conv, ctx, name)?.value;
    } catch {
      return undefined;
    }
  };
  const tags: Record<string, string> = {};
  const set = (key: string, v: string | undefined) => {
    if (v !== undefined) tags[key] = v;
  };
  set("Environment", ctx.environment?.value);
  set("Project", value("project"));
  tags.ManagedBy = "dpn";
  set("Team", value("team"));
  set("CostCenter", value("cost_center"));
  set("DataClassification", value("data_classification"));
  set("Owner", value("owner"));
  for (const [k, v] of Object.entries(req.extra ?? {})) {
    if (k === "ManagedBy") continue;
    if (typeof v === "string") tags[k] = v;
  }
  return tags;
}

const problem = (code: string, message: string, hint?: string): Problem => ({
  code,
  message,
  source: "official",
  severity: "error",
  ...(hint ? { hint } : {}),
});

/** Every problem of `tags` for the target's limits (Part 3 C4). Never throws. */
export function checkTags(target: TagTarget, tags: Record<string, string>): Problem[] {
  const l = LIMITS[target];
  const out: Problem[] = [];
  const entries = Object.entries(tags);
  if (entries.length > l.maxTags) {
    out.push(problem("TAG_COUNT", `${entries.length} tags for ${target}; at most ${l.maxTags} are allowed.`));
  }
  const unit = l.unit === "bytes" ? "bytes" : "characters";
  for (const [key, value] of entries) {
    const kLen = measure(key, l.unit);
    if (kLen < 1 || kLen > l.keyMax)
      out.push(
        problem("TAG_KEY_LENGTH", `Tag key "${key}" is ${kLen} ${unit}; ${target} allows 1–${l.keyMax}.`),
      );
    const vLen = measure(value, l.unit);
    if (vLen > l.valueMax)
      out.push(
        problem(
          "TAG_VALUE_LENGTH",
          `Tag "${key}" has a value of ${vLen} ${unit}; ${target} allows at most ${l.valueMax}.`,
        ),
      );
    if (l.keyBad.test(key))
      out.push(
        problem(
          "TAG_KEY_CHARSET",
          `Tag key "${key}" contains characters ${target} does not allow (${l.allowedText}).`,
        ),
      );
    if (l.valueBad?.test(value))
      out.push(
        problem(
          "TAG_VALUE_CHARSET",
          `Tag "${key}" has a value with characters ${target} does not allow (${l.allowedText}).`,
        ),
      );
    if (l.latin1 && NOT_LATIN1.test(key + value))
      out.push(
        problem("TAG_NOT_LATIN1", `Tag "${key}" is not Latin-1; Databricks only propagates Latin-1 tags.`),
      );
    if (l.reservedPrefix && key.toLowerCase().startsWith(l.reservedPrefix)) {
      out.push(
        problem(
          "TAG_RESERVED_PREFIX",
          `Tag key "${key}" starts with "${l.reservedPrefix}", which AWS reserves.`,
        ),
      );
    }
    if (l.reservedPrefix === "aws:" && value.toLowerCase().startsWith("aws:")) {
      out.push({
        ...problem(
          "TAG_RESERVED_VALUE_PREFIX",
          `Tag "${key}" has a value starting with "aws:", which most AWS services reserve.`,
        ),
        severity: "warning",
      });
    }
    if (l.databricks && DBX_RESERVED.has(key.toLowerCase())) {
      out.push(
        key.toLowerCase() === "name"
          ? problem(
              "TAG_NAME_RESERVED",
              `Tag "${key}": Databricks owns the Name tag of cluster instances; a custom one breaks tracking and auto-termination.`,
            )
          : problem(
              "TAG_DEFAULT_COLLISION",
              `Tag "${key}" collides with a tag Databricks sets itself (${DATABRICKS_DEFAULT_TAGS.join(", ")}).`,
            ),
      );
    }
  }
  return out;
}

function cut(s: string, max: number, unit: "chars" | "bytes"): string {
  if (measure(s, unit) <= max) return s;
  const chars = Array.from(s);
  while (chars.length && measure(chars.join(""), unit) > max) chars.pop();
  return chars.join("");
}

function clean(s: string, bad: RegExp | undefined, l: TagLimits): string {
  let v = s;
  if (l.latin1) v = v.normalize("NFD").replace(/\p{M}/gu, "");
  if (bad) {
    const global = new RegExp(bad.source, `${bad.flags.replace("g", "")}g`);
    v = v.replace(global, "_");
  }
  return v;
}

/**
 * A valid tag set for the target: characters the target refuses become `_` (Databricks targets drop
 * accents first, as Databricks' own normaliser does), keys and values are cut to their limits.
 *
 * @throws DpnError validation `TAGS_INVALID` (with problems) for what cannot be fixed without
 *   changing meaning: reserved `aws:` keys, a custom `Name` or Databricks default tag, two keys that
 *   normalise to the same key, an empty key, or more tags than the target allows.
 */
export function normaliseTags(target: TagTarget, tags: Record<string, string>): Record<string, string> {
  const l = LIMITS[target];
  const out: Record<string, string> = {};
  const from = new Map<string, string>();
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(tags)) {
    const k = cut(clean(key.trim(), l.keyBad, l), l.keyMax, l.unit);
    const v = cut(clean(value, l.valueBad, l), l.valueMax, l.unit);
    if (k.length === 0) {
      problems.push(problem("TAG_KEY_LENGTH", `Tag key "${key}" is empty after normalisation.`));
      continue;
    }
    const earlier = from.get(k);
    if (earlier !== undefined) {
      problems.push(
        problem(
          "TAG_KEY_COLLISION",
          `Tag keys "${earlier}" and "${key}" both normalise to "${k}" for ${target}.`,
          "Rename one of them.",
        ),
      );
      continue;
    }
    from.set(k, key);
    out[k] = v;
  }
  problems.push(...checkTags(target, out).filter((p) => p.severity !== "warning"));
  if (problems.length) {
    throw new DpnError(
      "validation",
      "TAGS_INVALID",
      `Tags cannot be made valid for ${target}: ${problems.map((p) => p.message).join(" ")}`,
      {
        problems,
        hint: "Remove or rename the listed tags.",
      },
    );
  }
  return out;
}
