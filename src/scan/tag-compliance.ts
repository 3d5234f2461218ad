/**
 * Tag compliance of one object: the convention's standard tags missing, empty or disagreeing with
 * the parsed name (or with the convention's own values), plus the tag rules of the object's
 * target (checkTags) and dpn's ManagedBy/marker consistency. Pure; never throws.
 */
import { isProvisionedType, MARKER_KEYS } from "../core/resources.js";
import { normaliseValue } from "../naming/normalise.js";
import { checkTags, DPN_KEY_PREFIX, standardTags } from "../naming/tags.js";
import type { Convention, Values } from "../naming/types.js";
import type { Finding } from "./types.js";

/** Standard tag → the naming variable it carries. */
export const TAG_VARIABLES: Readonly<Record<string, string>> = Object.freeze({
  Environment: "environment",
  Project: "project",
  Team: "team",
  CostCenter: "cost_center",
  DataClassification: "data_classification",
  Owner: "owner",
});

export const DEFAULT_REQUIRED_TAGS: readonly string[] = Object.freeze([
  "Environment",
  "Project",
  "Team",
  "CostCenter",
]);

export interface TagCheckInput {
  type: string;
  tags: Record<string, string>;
  /** Values the name shows (best reading, or the repaired values of a broken name). */
  components: Values;
  /** The object carries dpn's ownership marker. */
  managed: boolean;
  requiredTags: readonly string[];
}

const same = (a: string, b: string) =>
  normaliseValue(a.trim(), "kebab") === normaliseValue(b.trim(), "kebab");

/** Every tag finding of one object, in a stable order (required tags first, then the rest). */
export function tagFindings(conv: Convention, input: TagCheckInput): Finding[] {
  const out: Finding[] = [];
  const { tags, components } = input;
  // What the convention would tag this object with, given the values its name shows.
  let conventional: Record<string, string> = {};
  try {
    conventional = standardTags(conv, { type: input.type, overrides: components });
  } catch {
    conventional = {};
  }
  const required = new Set(input.requiredTags);
  for (const key of Object.keys(conventional)) if (key !== "ManagedBy") required.add(key);

  for (const key of required) {
    const variable = TAG_VARIABLES[key];
    const fromName = variable !== undefined ? components[variable] : undefined;
    const expected = fromName ?? conventional[key];
    const value = tags[key];
    if (value === undefined) {
      const other = Object.keys(tags).find((k) => k.toLowerCase() === key.toLowerCase());
      out.push({
        rule_id: "DPN-T001",
        level: "error",
        code: "TAG_MISSING",
        tag: key,
        message: `Standard tag ${key} is missing${other ? ` (there is "${other}"; tag keys are case-sensitive)` : ""}.`,
        ...(expected !== undefined ? { expected, hint: `Set ${key}=${expected}.` } : {}),
      });
      continue;
    }
    if (value.trim() === "") {
      out.push({
        rule_id: "DPN-T004",
        level: "error",
        code: "TAG_EMPTY",
        tag: key,
        value,
        message: `Standard tag ${key} is empty.`,
        ...(expected !== undefined ? { expected, hint: `Set ${key}=${expected}.` } : {}),
      });
      continue;
    }
    if (expected === undefined || same(value, expected)) continue;
    if (key === "Environment" || key === "Project") {
      out.push({
        rule_id: key === "Environment" ? "DPN-T002" : "DPN-T003",
        level: "error",
        code: key === "Environment" ? "TAG_ENVIRONMENT_MISMATCH" : "TAG_PROJECT_MISMATCH",
        tag: key,
        value,
        expected,
        message: `${key}=${value} disagrees with the name, which says ${variable} "${expected}".`,
        hint: `Set ${key}=${expected}, or rename the object if the tag is right.`,
      });
    } else {
      out.push({
        rule_id: "DPN-T005",
        level: fromName !== undefined ? "error" : "warning",
        code: "TAG_VALUE_MISMATCH",
        tag: key,
        value,
        expected,
        message: `${key}=${value} disagrees with ${fromName !== undefined ? "the name" : "the convention"}, which gives "${expected}".`,
        hint: `Set ${key}=${expected}.`,
      });
    }
  }

  const hasStack = !!tags[MARKER_KEYS.stack];
  const hasAddress = !!tags[MARKER_KEYS.address];
  if (!input.managed && tags.ManagedBy?.toLowerCase() === "dpn") {
    out.push({
      rule_id: "DPN-T007",
      level: "warning",
      code: "MANAGED_BY_WITHOUT_MARKER",
      tag: "ManagedBy",
      value: tags.ManagedBy,
      message: `ManagedBy=${tags.ManagedBy}, but the object has no ${MARKER_KEYS.stack} marker: dpn does not manage it.`,
      hint: "Adopt it with `dpn import`, or remove the ManagedBy tag.",
    });
  }
  if (hasStack !== hasAddress) {
    const missing = hasStack ? MARKER_KEYS.address : MARKER_KEYS.stack;
    out.push({
      rule_id: "DPN-M001",
      level: "warning",
      code: "MARKER_INCOMPLETE",
      tag: missing,
      message: `The ownership marker ${missing} is missing (${hasStack ? MARKER_KEYS.stack : MARKER_KEYS.address} is set).`,
      hint: "`dpn import` restamps both markers.",
    });
  }

  // The target's own tag rules, for the tags the user controls (dpn's markers excluded).
  if (isProvisionedType(input.type)) {
    const own = Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith(DPN_KEY_PREFIX)));
    for (const p of checkTags(input.type, own, { standardKeys: Object.keys(TAG_VARIABLES) })) {
      out.push({
        rule_id: "DPN-T006",
        level: p.severity === "warning" ? "warning" : "error",
        code: p.code,
        message: p.message,
        ...(p.hint ? { hint: p.hint } : {}),
      });
    }
  }
  return out;
}
