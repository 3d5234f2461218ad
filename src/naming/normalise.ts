/**
 * Value transformations (the v0.1 `transformations` block) and per-target style normalisation.
 * Transformations run first, normalisation after, so a global `replace_hyphens: {project: "_"}`
 * can never make an S3 name invalid.
 */
import type { Style, Transformations } from "./types.js";

/** Prepared form of the transformation lists, for O(1) look-ups on the hot path. */
export interface PreparedTransformations {
  lowercase: ReadonlySet<string>;
  uppercase: ReadonlySet<string>;
  replaceHyphens: ReadonlyMap<string, string>;
  /** Nothing to do (the common case): lets the hot path skip three look-ups per value. */
  empty: boolean;
}

export function prepareTransformations(t: Transformations): PreparedTransformations {
  return {
    lowercase: new Set(t.lowercase),
    uppercase: new Set(t.uppercase),
    replaceHyphens: new Map(Object.entries(t.replace_hyphens)),
    empty:
      t.lowercase.length === 0 && t.uppercase.length === 0 && Object.keys(t.replace_hyphens).length === 0,
  };
}

/**
 * Apply the configured transformations to one variable's value. `steps` receives a line per
 * transformation that changed the value (for explain).
 */
export function transformValue(
  name: string,
  value: string,
  t: PreparedTransformations,
  steps?: string[],
): string {
  if (t.empty) return value;
  let v = value;
  const ch = t.replaceHyphens.get(name);
  if (ch !== undefined && v.includes("-")) {
    v = v.replaceAll("-", ch);
    steps?.push(`${name}: replace_hyphens "-" → "${ch}": "${value}" → "${v}"`);
  }
  if (t.lowercase.has(name)) {
    const lower = v.toLowerCase();
    if (lower !== v) steps?.push(`${name}: lowercase: "${v}" → "${lower}"`);
    v = lower;
  }
  if (t.uppercase.has(name)) {
    const upper = v.toUpperCase();
    if (upper !== v) steps?.push(`${name}: uppercase: "${v}" → "${upper}"`);
    v = upper;
  }
  return v;
}

const KEBAB_EDGES = /^[\s_]+|[\s_]+$/g;
const SNAKE_EDGES = /^[\s-]+|[\s-]+$/g;
const SEPARATOR_RUN = /[\s_-]+/g;
// Lowercase letters and digits only: nothing for either style to change.
const ALREADY_NORMAL = /^[a-z0-9]+$/;

/**
 * Normalise one value for a style. kebab: lowercase, `_` and whitespace become `-`; snake:
 * lowercase, `-` and whitespace become `_`. A run of separators that needed converting collapses
 * into one; a run that is already the target separator is kept as written (so `xn--abc` stays
 * `xn--abc` and is rejected by the S3 rules instead of silently becoming another name).
 * Separators that would be converted at either end of the value are dropped.
 */
export function normaliseValue(value: string, style: Style): string {
  if (style === "none" || ALREADY_NORMAL.test(value)) return value;
  const sep = style === "kebab" ? "-" : "_";
  let v = value.replace(style === "kebab" ? KEBAB_EDGES : SNAKE_EDGES, "").toLowerCase();
  v = v.replace(SEPARATOR_RUN, (run) => (isOnly(run, sep) ? run : sep));
  return v;
}

function isOnly(run: string, sep: string): boolean {
  for (let i = 0; i < run.length; i++) if (run[i] !== sep) return false;
  return true;
}

/** The separator character of a style (for hash suffixes), or undefined for `none`. */
export function styleSeparator(style: Style): string | undefined {
  return style === "kebab" ? "-" : style === "snake" ? "_" : undefined;
}
