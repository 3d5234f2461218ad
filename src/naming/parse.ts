/**
 * Name parsing: the inverse of generateName. Given a type and an existing name, find the values
 * of the template's variables that produce exactly that name under the convention (optional
 * segments, transformations, per-target normalisation, `truncate: hash`, region codes), or say
 * precisely why none do and, where one can be derived, the closest compliant name.
 *
 * Matching is exact: a backtracking matcher walks the template's segments over the name. A
 * variable's value is any non-empty text that is a fixed point of the variable's
 * transformations + the target's normalisation (what generateName could have written), so
 * values may contain separators (`data-platform`). Ambiguity is resolved with value sets, in
 * this order (docs/scan.md "How names are parsed"):
 *   1. closed sets: `environment` (dev, stg, prd and the convention's environments), `layer`
 *      (the standard layers and any layer the convention's values set), `region_short` (the
 *      convention's region codes), `region`, `data_classification`: a strict reading only takes
 *      values from these sets;
 *   2. expected values (`context.expected`, e.g. the stack's project): strict readings must
 *      carry them;
 *   3. preferred values (the convention's own values for the type, `context.preferred`):
 *      readings with more of them rank first;
 *   4. ties: more optional segments present first, then earlier variables take the longer value
 *      (`data-platform-raw-…` reads project=data-platform before project=data).
 * Every strict reading is re-generated with generateName and kept only when it reproduces the
 * name exactly; when several remain with the same rank, all are returned and `ambiguous` is set.
 * A name that does not parse gets the closest reading (lenient: closed sets and expected values
 * may be broken, each costing 1), else the reading of its normalised form, else the position
 * where the template stops matching; the closest compliant name is generated from the corrected
 * values, or rebuilt from the name's tokens when two or more values are misplaced.
 * Pure; the only throw is an unknown type.
 */

import { DATA_CLASSIFICATIONS, LAYERS } from "../config/schemas.js";
import { closest } from "../core/did-you-mean.js";
import { DpnError, type Problem } from "../core/errors.js";
import { ENVIRONMENTS } from "../core/resources.js";
import { BUILT_IN_VALUES, DEFAULT_PROTECTED, defaultStyle } from "./built-ins.js";
import { generateName } from "./generate.js";
import {
  normaliseValue,
  type PreparedTransformations,
  prepareTransformations,
  transformValue,
} from "./normalise.js";
import { effectiveLimit, measure, suggestName, validateName } from "./rules.js";
import { parseTemplate, type TemplateSegment } from "./template.js";
import { hashSuffix } from "./truncate.js";
import type { Convention, PatternSpec, Style, Values } from "./types.js";

/** What the caller knows about the object besides its name. */
export interface ParseContext {
  /**
   * Values the name should carry (the stack's project and environment, a bucket's region, …).
   * Strict readings must agree; a reading that does not is reported as VALUE_MISMATCH. `region`
   * also fixes `region_short` through the convention's region mapping.
   */
  expected?: Values;
  /** Values to prefer per variable when a name reads several ways (never required). */
  preferred?: Record<string, readonly string[]>;
  /**
   * Values for variables a broken name does not show (e.g. from the object's tags), used only to
   * derive the closest compliant name.
   */
  fill?: Values;
  /** Most readings returned (default 16). */
  maxReadings?: number;
}

/** Where a variable's value sits in the name (0-based, end exclusive). */
export interface ValueSpan {
  variable: string;
  start: number;
  end: number;
  optional: boolean;
}

/** A name shortened by `truncate: hash`. */
export interface TruncationInfo {
  /** The hash suffix as it appears, e.g. `-1a2b3c4d`. */
  suffix: string;
  /** The suffix is the hash of the full name rebuilt from the components. */
  verified: boolean;
  /** Variables whose value was shortened (known only when verified). */
  shortened: string[];
  /** Values as they appear in the (shortened) name. */
  visible: Record<string, string>;
  /** Why it could not be verified. */
  note?: string;
}

/** One way to read a name. */
export interface NameReading {
  /** variable → value as the convention writes it (full values for a verified truncated name). */
  values: Record<string, string>;
  spans: ValueSpan[];
  /** Optional variables whose segment is absent. */
  absent: string[];
  /** The AWS region whose code `region_short` is, when the template has one. */
  region?: string;
  truncation?: TruncationInfo;
  /** How many values matched a preferred or expected value (the tie-breaker). */
  preferred: number;
}

export type NameIssueCode =
  | "TEMPLATE_MISMATCH"
  | "UNKNOWN_VALUE"
  | "NOT_NORMALISED"
  | "VALUE_MISMATCH"
  | "HASH_MISMATCH"
  | "NOT_REPRODUCIBLE";

/** Why a name does not parse as a compliant name. */
export interface NameIssue extends Problem {
  code: NameIssueCode;
  variable?: string;
  /** The offending text as it appears in the name. */
  value?: string;
  /** What was expected there: a literal, the allowed values, or the expected value. */
  expected?: string | string[];
  /** 0-based position in the name. */
  position?: number;
  /** A corrected value for this variable, when one is known. */
  suggestion?: string;
  /** VALUE_MISMATCH only: the value is within typo distance of the expected one. */
  near?: boolean;
}

export interface ParseResult {
  type: string;
  name: string;
  template: string;
  style: Style;
  /** Parses strictly, every value is known, reproduces exactly and breaks no platform or house rule. */
  ok: boolean;
  /** The strict readings, best first (empty when there is none). */
  readings: NameReading[];
  /** The best reading: `readings[0]`, or the best-effort reading of a name that is not ok. */
  reading?: NameReading;
  /** More than one strict reading shares the best rank. */
  ambiguous: boolean;
  /** Why the name is not ok (empty when it is). */
  issues: NameIssue[];
  /** validateName's problems for the name as it is (errors and warnings). */
  rules: Problem[];
  /** The closest compliant name, when one can be derived. */
  suggestion?: string;
  /** The values the suggestion was generated from. */
  repaired?: Record<string, string>;
}

// ------------------------------------------------------------------------------- compilation

interface Seg {
  kind: "literal" | "var";
  text: string;
  name: string;
  optional: boolean;
  prefix: string;
  /** Value forced by a variant (the SQS/SNS `.fifo` form). */
  fixed?: string;
}

interface Domain {
  /** Normalised values → the value as configured (e.g. region code → region). */
  values: Map<string, string>;
  what: string;
}

interface Compiled {
  key: unknown[];
  type: string;
  spec: PatternSpec;
  style: Style;
  variants: Seg[][];
  variables: string[];
  domains: Map<string, Domain>;
  /** Variables generateName requires that the template does not show. */
  hidden: string[];
  protectedVars: ReadonlySet<string>;
  t: PreparedTransformations;
  /** region code → region, from the convention's mapping. */
  regionOf: Map<string, string>;
  preferred: Map<string, Set<string>>;
  suffixRe?: RegExp;
}

const cache = new WeakMap<Convention, Map<string, Compiled>>();

function keyOf(conv: Convention, type: string): unknown[] {
  const t = conv.transformations;
  return [
    conv.patterns[type],
    t.region_mapping,
    t.lowercase,
    t.uppercase,
    t.replace_hyphens,
    t.hash_generation,
    conv.environments,
    conv.defaults,
    conv.resource_types[type],
    conv.validation.required_variables,
    conv.validation.by_type?.[type],
  ];
}

const same = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function compile(conv: Convention, type: string): Compiled {
  let byType = cache.get(conv);
  if (!byType) {
    byType = new Map();
    cache.set(conv, byType);
  }
  const key = keyOf(conv, type);
  const hit = byType.get(type);
  if (hit && same(hit.key, key)) return hit;
  const spec = Object.hasOwn(conv.patterns, type) ? conv.patterns[type] : undefined;
  if (!spec) {
    const guess = closest(type, Object.keys(conv.patterns));
    throw new DpnError(
      "validation",
      "UNKNOWN_RESOURCE_TYPE",
      `Unknown resource type "${type}": no naming pattern defines it.`,
      {
        hint: `${guess ? `Did you mean "${guess}"? ` : ""}Known types: ${Object.keys(conv.patterns).sort().join(", ")}.`,
        details: { type },
      },
    );
  }
  const parsed = parseTemplate(spec.template);
  const style = spec.style ?? defaultStyle(type, spec.template);
  const t = prepareTransformations(conv.transformations);
  const show = (variable: string, v: string) => normaliseValue(transformValue(variable, v, t), style);

  const segs: Seg[] = parsed.segments.map((s: TemplateSegment) =>
    s.kind === "literal"
      ? { kind: "literal", text: s.text, name: "", optional: false, prefix: "" }
      : { kind: "var", text: "", name: s.name, optional: s.optional, prefix: s.prefix },
  );
  const variants = [segs];
  // generateName writes the separator before a final "fifo" as "." for SQS and SNS (a FIFO name
  // must end in ".fifo"); parse that form as a variant with the value fixed.
  if (type === "aws_sqs_queue" || type === "aws_sns_topic") {
    const last = segs[segs.length - 1];
    const prev = segs[segs.length - 2];
    if (last?.kind === "var" && prev?.kind === "literal" && /[-_]$/.test(prev.text)) {
      variants.push([
        ...segs.slice(0, -2),
        { ...prev, text: `${prev.text.slice(0, -1)}.` },
        { ...last, fixed: "fifo" },
      ]);
    }
  }

  const domains = new Map<string, Domain>();
  const addDomain = (variable: string, what: string, raw: Iterable<[string, string]>) => {
    if (!parsed.variables.includes(variable)) return;
    const values = new Map<string, string>();
    for (const [shown, original] of raw) values.set(show(variable, shown), original);
    domains.set(variable, { values, what });
  };
  const envs = new Set<string>([...ENVIRONMENTS, ...Object.keys(conv.environments)]);
  addDomain(
    "environment",
    "environments",
    [...envs].map((e) => [e, e]),
  );
  const layers = new Set<string>(LAYERS);
  for (const values of [
    conv.defaults,
    ...Object.values(conv.environments),
    ...Object.values(conv.resource_types),
  ])
    if (typeof values?.layer === "string") layers.add(values.layer);
  addDomain(
    "layer",
    "layers",
    [...layers].map((l) => [l, l]),
  );
  const mapping = conv.transformations.region_mapping;
  addDomain(
    "region_short",
    "region codes",
    Object.entries(mapping).map(([region, code]) => [code, region]),
  );
  addDomain(
    "region",
    "regions",
    Object.keys(mapping).map((r) => [r, r]),
  );
  addDomain(
    "data_classification",
    "data classifications",
    DATA_CLASSIFICATIONS.map((d) => [d, d]),
  );

  const preferred = new Map<string, Set<string>>();
  const builtIn = (BUILT_IN_VALUES[type] ?? {}) as Values;
  for (const variable of parsed.variables) {
    const set = new Set<string>();
    for (const values of [
      conv.resource_types[type],
      conv.defaults,
      builtIn,
      ...Object.values(conv.environments),
    ]) {
      const v = values?.[variable];
      if (typeof v === "string" && v.trim() !== "") set.add(show(variable, v));
    }
    if (set.size) preferred.set(variable, set);
  }

  const extra = [
    ...conv.validation.required_variables,
    ...(conv.validation.by_type?.[type]?.required_variables ?? []),
  ];
  let suffixRe: RegExp | undefined;
  if (spec.truncate === "hash") {
    // The suffix of a hash of anything: separator and prefix as hashSuffix writes them.
    const h = conv.transformations.hash_generation;
    const sample = hashSuffix("", style, h);
    const head = sample.slice(0, sample.length - h.length);
    suffixRe = new RegExp(`${escapeRe(head)}[0-9a-f]{${h.length}}$`);
  }
  const regionOf = new Map<string, string>();
  for (const [region, code] of Object.entries(mapping)) if (!regionOf.has(code)) regionOf.set(code, region);
  const c: Compiled = {
    key,
    type,
    spec,
    style,
    variants,
    variables: parsed.variables,
    domains,
    hidden: extra.filter((v) => !parsed.variables.includes(v)),
    protectedVars: new Set(spec.protected ?? DEFAULT_PROTECTED),
    t,
    regionOf,
    preferred,
    ...(suffixRe ? { suffixRe } : {}),
  };
  byType.set(type, c);
  return c;
}

/** The value a variable shows in a name when it is given `v` (transformations, then normalisation). */
function shown(c: Compiled, variable: string, v: string): string {
  return normaliseValue(transformValue(variable, v, c.t), c.style);
}

// Characters that can never be inside a value of a style (normalisation would have replaced them).
function badChar(style: Style, ch: string): boolean {
  if (style === "none") return false;
  if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") return true;
  if (style === "kebab" ? ch === "_" : ch === "-") return true;
  return ch !== ch.toLowerCase();
}

// ------------------------------------------------------------------------------- matching

interface Raw {
  values: Map<string, string>;
  spans: ValueSpan[];
  absent: string[];
  /** Lenient readings: values outside a closed set or different from the expected one. */
  cost: number;
}

interface MatchOptions {
  /** Closed sets and expected values are soft (each miss costs 1) instead of required. */
  lenient: boolean;
  /** Non-protected values may be shortened prefixes (the body of a hash-truncated name). */
  truncated: boolean;
  expected: Map<string, string>;
  max: number;
}

interface Failure {
  position: number;
  segment: number;
  variant: number;
}

const STEP_BUDGET = 50_000;

function match(c: Compiled, name: string, end: number, o: MatchOptions): { raws: Raw[]; failure: Failure } {
  const raws: Raw[] = [];
  let best = Number.POSITIVE_INFINITY;
  const failure: Failure = { position: -1, segment: 0, variant: 0 };
  let steps = 0;
  c.variants.forEach((segs, variant) => {
    const values = new Map<string, string>();
    const spans: ValueSpan[] = [];
    const absent: string[] = [];
    const fail = (position: number, segment: number) => {
      if (position > failure.position || (position === failure.position && segment > failure.segment)) {
        failure.position = position;
        failure.segment = segment;
        failure.variant = variant;
      }
    };
    const rec = (si: number, pos: number, cost: number): void => {
      if (++steps > STEP_BUDGET || cost > best || (!o.lenient && raws.length >= o.max)) return;
      if (si === segs.length) {
        if (pos !== end) {
          fail(pos, si);
          return;
        }
        if (o.lenient && cost < best) {
          best = cost;
          raws.length = 0;
        }
        if (raws.length < o.max)
          raws.push({ values: new Map(values), spans: [...spans], absent: [...absent], cost });
        return;
      }
      const seg = segs[si];
      if (seg === undefined) return; // si < segs.length here: the end was handled above
      if (seg.kind === "literal") {
        if (pos + seg.text.length <= end && name.startsWith(seg.text, pos))
          rec(si + 1, pos + seg.text.length, cost);
        else fail(pos, si);
        return;
      }
      // An optional segment: present first (the template names that segment), then absent.
      const start = seg.optional ? pos + seg.prefix.length : pos;
      if (!seg.optional || name.startsWith(seg.prefix, pos)) {
        for (const [value, extra] of candidates(c, segs, si, name, start, end, values, o)) {
          const had = values.has(seg.name);
          if (!had) values.set(seg.name, value);
          spans.push({ variable: seg.name, start, end: start + value.length, optional: seg.optional });
          rec(si + 1, start + value.length, cost + extra);
          spans.pop();
          if (!had) values.delete(seg.name);
        }
      }
      fail(start, si);
      if (seg.optional && !values.has(seg.name)) {
        absent.push(seg.name);
        rec(si + 1, pos, cost);
        absent.pop();
      }
    };
    rec(0, 0, 0);
  });
  return { raws, failure };
}

/** Candidate values for a variable segment at `start`, each with its lenient cost. */
function candidates(
  c: Compiled,
  segs: Seg[],
  si: number,
  name: string,
  start: number,
  end: number,
  values: Map<string, string>,
  o: MatchOptions,
): [string, number][] {
  const seg = segs[si];
  if (seg === undefined) return [];
  const fits = (v: string) => v.length > 0 && start + v.length <= end && name.startsWith(v, start);
  const bound = values.get(seg.name);
  if (bound !== undefined) return fits(bound) ? [[bound, 0]] : [];
  if (seg.fixed !== undefined) return fits(seg.fixed) ? [[seg.fixed, 0]] : [];
  const shortenable = o.truncated && !c.protectedVars.has(seg.name);
  const exp = o.expected.get(seg.name);
  const domain = c.domains.get(seg.name);
  const out: [string, number][] = [];
  const seen = new Set<string>();
  const add = (v: string, cost: number) => {
    if (!seen.has(v)) {
      seen.add(v);
      out.push([v, cost]);
    }
  };
  const known = exp !== undefined ? [exp] : domain ? [...domain.values.keys()] : undefined;
  if (known) {
    for (const k of known) {
      if (fits(k)) add(k, 0);
      if (shortenable) for (let n = k.length - 1; n >= 1; n--) if (fits(k.slice(0, n))) add(k.slice(0, n), 0);
    }
    if (!o.lenient) return out;
  }
  // Free text: every end where the next segment can start, as long as the text stays a value the
  // convention could have written.
  const next = segs[si + 1];
  const nextLiteral = next?.kind === "literal" ? next.text : undefined;
  const cost = known ? 1 : 0;
  const free: string[] = [];
  for (let e = start + 1; e <= end; e++) {
    if (badChar(c.style, name.charAt(e - 1))) break;
    if (si + 1 === segs.length ? e !== end : nextLiteral !== undefined && !name.startsWith(nextLiteral, e))
      continue;
    const v = name.slice(start, e);
    if (!seen.has(v) && shown(c, seg.name, v) === v) free.push(v);
  }
  // Longest first: among readings of equal rank, earlier variables take the longer value
  // (`data-platform-raw-…` reads project=data-platform before project=data).
  for (const v of [...free].reverse()) add(v, cost);
  return out;
}

// ------------------------------------------------------------------------------- readings

function toReading(c: Compiled, raw: Raw): NameReading {
  const values = Object.fromEntries(raw.values);
  const reading: NameReading = { values, spans: raw.spans, absent: raw.absent, preferred: 0 };
  const code = values.region_short;
  if (code !== undefined) {
    const region = c.regionOf.get(code);
    if (region) reading.region = region;
  }
  return reading;
}

function preferenceOf(
  c: Compiled,
  values: Record<string, string>,
  expected: Map<string, string>,
  extra?: Record<string, readonly string[]>,
): number {
  let n = 0;
  for (const [variable, value] of Object.entries(values)) {
    if (expected.get(variable) === value) n++;
    else if (c.preferred.get(variable)?.has(value)) n++;
    else if (extra?.[variable]?.some((p) => shown(c, variable, p) === value)) n++;
  }
  return n;
}

/** The name generateName gives these values, or undefined when it refuses them. */
function regenerate(
  conv: Convention,
  c: Compiled,
  values: Record<string, string>,
  fill?: Values,
): string | undefined {
  const overrides: Values = { ...values };
  // Variables the house rules require but the name does not show cannot change the name.
  for (const h of c.hidden) if (overrides[h] === undefined) overrides[h] = fill?.[h] ?? "x";
  try {
    return generateName(conv, { type: c.type, overrides, ...(fill ? { metadata: fill } : {}) }).name;
  } catch (e) {
    // A name the rules refuse is still the name these values make; the rules report it.
    if (e instanceof DpnError && (e.code === "NAME_INVALID" || e.code === "NAME_TOO_LONG")) {
      const name = e.details.name;
      if (typeof name === "string") return name;
    }
    return undefined;
  }
}

/**
 * Parse `name` as a `type` name of the convention.
 *
 * @throws DpnError validation `UNKNOWN_RESOURCE_TYPE` when no pattern defines `type`. Every
 *   other outcome, however broken the name, is a result (`ok: false` with `issues`).
 */
export function parseName(
  conv: Convention,
  type: string,
  name: string,
  context: ParseContext = {},
): ParseResult {
  const c = compile(conv, type);
  const max = context.maxReadings ?? 16;
  const expected = new Map<string, string>();
  for (const [k, v] of Object.entries(context.expected ?? {})) {
    if (typeof v !== "string" || v.trim() === "") continue;
    if (k === "region" && c.variables.includes("region_short") && !context.expected?.region_short) {
      const code = conv.transformations.region_mapping[v];
      if (code !== undefined) expected.set("region_short", shown(c, "region_short", code));
    }
    if (c.variables.includes(k)) expected.set(k, shown(c, k, v));
  }
  const rules = validateName(type, name, conv);
  const ruleErrors = rules.filter((p) => p.severity !== "warning");
  const result: ParseResult = {
    type,
    name,
    template: c.spec.template,
    style: c.style,
    ok: false,
    readings: [],
    ambiguous: false,
    issues: [],
    rules,
  };

  // 1. Strict readings of the whole name, kept when they reproduce it.
  const strict = match(c, name, name.length, { lenient: false, truncated: false, expected, max });
  const plain: NameReading[] = [];
  let notReproducible: { reading: NameReading; regenerated: string | undefined } | undefined;
  for (const raw of strict.raws) {
    const r = toReading(c, raw);
    const again = regenerate(conv, c, r.values);
    if (again === name) plain.push(r);
    else notReproducible ??= { reading: r, regenerated: again };
  }

  // 2. A hash-truncated name: the body parses with shortened values and the suffix is the hash
  //    of the full name, checked when the full values can be rebuilt.
  const truncated: NameReading[] = [];
  let hashMismatch: NameReading | undefined;
  const suffix = c.suffixRe?.exec(name)?.[0];
  if (suffix) {
    const body = match(c, name, name.length - suffix.length, {
      lenient: false,
      truncated: true,
      expected,
      max,
    });
    for (const raw of body.raws) {
      const r = toReading(c, raw);
      const t = verifyTruncation(conv, c, name, suffix, r, expected, context);
      if ("mismatch" in t) hashMismatch ??= { ...r, values: t.mismatch };
      else truncated.push(t);
    }
  }

  const verified = truncated.filter((r) => r.truncation?.verified);
  const readings = verified.length ? verified : [...plain, ...truncated];
  for (const r of readings) r.preferred = preferenceOf(c, r.values, expected, context.preferred);
  // Stable sort: verified/plain readings keep matcher order among equals.
  // An unverified truncated reading ranks before the plain ones only when the name fills its
  // limit exactly, as shortening does (a plain name of exactly that length ending in a
  // hash-shaped segment is the rarer case).
  const limit = effectiveLimit(type, conv);
  const fills = limit !== undefined && measure(name, limit.unit) === limit.max;
  const rank = (r: NameReading) => (r.truncation && !r.truncation.verified ? (fills ? -1 : 1) : 0);
  readings.sort(
    (a, b) => rank(a) - rank(b) || b.preferred - a.preferred || a.absent.length - b.absent.length,
  );
  if (readings.length) {
    result.readings = readings;
    result.reading = readings[0];
    const [a, b] = readings;
    // A verified hash is conclusive; otherwise two readings of the same preference are a tie.
    result.ambiguous = !!a && !!b && !a.truncation?.verified && a.preferred === b.preferred;
    if (ruleErrors.length) {
      const s = suggestName(type, name, conv);
      if (s !== undefined) result.suggestion = s;
    } else {
      result.ok = true;
    }
    return result;
  }

  if (hashMismatch) {
    result.reading = hashMismatch;
    result.issues.push({
      code: "HASH_MISMATCH",
      message: `"${name}" ends in the hash suffix "${suffix}", but it is not the hash of the full name rebuilt from its values (${describe(hashMismatch.values)}).`,
      severity: "error",
      source: "house",
      value: suffix,
      position: name.length - (suffix ?? "").length,
      hint: "The name was shortened by hand or with other values; rename it to the generated name.",
    });
    suggest(conv, c, result, hashMismatch.values, context);
    return result;
  }

  if (notReproducible) {
    const { reading, regenerated } = notReproducible;
    result.reading = reading;
    result.issues.push({
      code: "NOT_REPRODUCIBLE",
      message: `"${name}" reads as ${describe(reading.values)}, but the convention writes those values as ${regenerated === undefined ? "no valid name" : `"${regenerated}"`}.`,
      severity: "error",
      source: "house",
      ...(regenerated !== undefined ? { expected: regenerated } : {}),
      hint: "The convention fills segments this name leaves out, or shortens it differently; rename it to the generated name.",
    });
    if (
      regenerated !== undefined &&
      !validateName(type, regenerated, conv).some((p) => p.severity !== "warning")
    ) {
      result.suggestion = regenerated;
      result.repaired = reading.values;
    }
    return result;
  }

  // 3. Not a strict reading: find the closest one and say what is wrong with it.
  const lenient = match(c, name, name.length, { lenient: true, truncated: false, expected, max: 4 });
  if (lenient.raws.length) {
    explainLenient(conv, c, result, lenient.raws, expected, context);
    // Two or more misplaced values: the segments are more likely out of order than all wrong.
    if ((lenient.raws[0]?.cost ?? 0) >= 2) suggestFromTokens(conv, c, result, name, expected, context);
    return result;
  }
  const normal = normaliseWhole(name, c.style);
  if (normal !== name) {
    const again = match(c, normal, normal.length, { lenient: true, truncated: false, expected, max: 4 });
    const first = again.raws[0];
    if (first) {
      result.issues.push(...normalisationIssues(c, name, normal, first));
      explainLenient(conv, c, result, again.raws, expected, context);
      if (first.cost >= 2) suggestFromTokens(conv, c, result, normal, expected, context);
      return result;
    }
  }

  // 4. The structure does not match: say where, and try to rebuild the name from its tokens.
  const failedOn = normal !== name ? normal : name;
  const f = match(c, failedOn, failedOn.length, {
    lenient: true,
    truncated: false,
    expected,
    max: 1,
  }).failure;
  result.issues.push(structureIssue(c, name, f));
  suggestFromTokens(conv, c, result, failedOn, expected, context);
  return result;
}

/** When nothing closer gave a suggestion, try rebuilding the name from its tokens. */
function suggestFromTokens(
  conv: Convention,
  c: Compiled,
  result: ParseResult,
  name: string,
  expected: Map<string, string>,
  context: ParseContext,
): void {
  if (result.suggestion !== undefined) return;
  const values = fromTokens(conv, c, name, expected, context);
  if (values) suggest(conv, c, result, values, context);
}

function describe(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/** Turn a truncated reading into a verified one, an unverifiable one, or "mismatch". */
function verifyTruncation(
  conv: Convention,
  c: Compiled,
  name: string,
  suffix: string,
  r: NameReading,
  expected: Map<string, string>,
  context: ParseContext,
): NameReading | { mismatch: Record<string, string> } {
  const options: [string, string[]][] = [];
  let complete = true;
  for (const [variable, value] of Object.entries(r.values)) {
    if (c.protectedVars.has(variable)) {
      options.push([variable, [value]]);
      continue;
    }
    const exp = expected.get(variable);
    const domain = c.domains.get(variable);
    const known = exp !== undefined ? [exp] : domain ? [...domain.values.keys()] : undefined;
    if (known) {
      options.push([variable, known.filter((k) => k.startsWith(value))]);
      continue;
    }
    // A free value may or may not have been shortened: try it as it is and every preferred
    // value it is the start of; the reconstruction is then not exhaustive.
    complete = false;
    const longer = [
      ...(c.preferred.get(variable) ?? []),
      ...(context.preferred?.[variable] ?? []).map((p) => shown(c, variable, p)),
    ];
    options.push([variable, [value, ...longer.filter((p) => p.startsWith(value) && p !== value)]]);
  }
  let tried = 0;
  let first: Record<string, string> | undefined;
  const pick: Record<string, string> = {};
  const search = (i: number): Record<string, string> | undefined => {
    if (tried > 256) return undefined;
    const option = options[i];
    if (option === undefined) {
      tried++;
      first ??= { ...pick };
      return regenerate(conv, c, pick) === name ? { ...pick } : undefined;
    }
    const [variable, vals] = option;
    for (const v of vals) {
      pick[variable] = v;
      const found = search(i + 1);
      if (found) return found;
    }
    return undefined;
  };
  const full = search(0);
  const visible = { ...r.values };
  if (full) {
    return {
      ...r,
      values: full,
      truncation: {
        suffix,
        verified: true,
        shortened: Object.keys(full).filter((k) => full[k] !== visible[k]),
        visible,
      },
    };
  }
  if (complete) return { mismatch: first ?? visible };
  return {
    ...r,
    truncation: {
      suffix,
      verified: false,
      shortened: [],
      visible,
      note: "the full values of the shortened segments are not known, so the hash cannot be checked",
    },
  };
}

const ENV_ALIASES: Record<string, string> = {
  prod: "prd",
  production: "prd",
  live: "prd",
  develop: "dev",
  development: "dev",
  stage: "stg",
  staging: "stg",
  preprod: "stg",
};

/** A corrected value for a closed-set variable, or undefined. */
function valueSuggestion(conv: Convention, c: Compiled, variable: string, value: string): string | undefined {
  const domain = c.domains.get(variable);
  if (!domain) return undefined;
  if (variable === "environment") {
    const alias = ENV_ALIASES[value.replace(/[-_]/g, "")];
    if (alias && domain.values.has(alias)) return alias;
  }
  if (variable === "region_short") {
    // A long region name (or its normalised form) where the code belongs.
    for (const [region, code] of Object.entries(conv.transformations.region_mapping)) {
      if (shown(c, "region", region) === value || region === value) return shown(c, variable, code);
    }
  }
  return closest(value, domain.values.keys());
}

function explainLenient(
  conv: Convention,
  c: Compiled,
  result: ParseResult,
  raws: Raw[],
  expected: Map<string, string>,
  context: ParseContext,
): void {
  const ranked = raws
    .map((raw) => ({ raw, reading: toReading(c, raw) }))
    .map((x) => ({ ...x, preferred: preferenceOf(c, x.reading.values, expected, context.preferred) }))
    .sort(
      (a, b) =>
        a.raw.cost - b.raw.cost || b.preferred - a.preferred || a.raw.absent.length - b.raw.absent.length,
    );
  const best = ranked[0];
  if (!best) return;
  result.reading = { ...best.reading, preferred: best.preferred };
  const repaired: Record<string, string> = { ...best.reading.values };
  const reported = new Set<string>();
  for (const span of best.raw.spans) {
    const variable = span.variable;
    const value = best.reading.values[variable];
    if (value === undefined) continue; // every span's variable has a value in its reading
    const domain = c.domains.get(variable);
    const exp = expected.get(variable);
    if (domain && !domain.values.has(value)) {
      const s = valueSuggestion(conv, c, variable, value);
      if (s !== undefined) repaired[variable] = s;
      if (reported.has(variable)) continue;
      reported.add(variable);
      result.issues.push({
        code: "UNKNOWN_VALUE",
        message: `${variable} "${value}" at position ${span.start + 1} is not one of the convention's ${domain.what} (${[...domain.values.keys()].slice(0, 12).join(", ")}${domain.values.size > 12 ? ", …" : ""}).`,
        severity: "error",
        source: "house",
        variable,
        value,
        expected: [...domain.values.keys()],
        position: span.start,
        ...(s !== undefined ? { suggestion: s, hint: `Use "${s}".` } : {}),
      });
    } else if (exp !== undefined && value !== exp) {
      const near = closest(value, [exp]) !== undefined;
      // A region is a fact about the object (where it lives), so its code is corrected whatever
      // the distance; other expected values only when the difference looks like a typo.
      if (near || variable === "region_short" || variable === "region") repaired[variable] = exp;
      if (reported.has(variable)) continue;
      reported.add(variable);
      result.issues.push({
        code: "VALUE_MISMATCH",
        message: `${variable} "${value}" at position ${span.start + 1} differs from the expected "${exp}"${near ? " (a typo?)" : ""}.`,
        severity: "error",
        source: "house",
        variable,
        value,
        expected: exp,
        position: span.start,
        near,
        ...(near || variable === "region_short" || variable === "region" ? { suggestion: exp } : {}),
      });
    }
  }
  suggest(conv, c, result, repaired, context);
}

/** Set `suggestion` from repaired values when generateName accepts them and the result is valid. */
function suggest(
  conv: Convention,
  c: Compiled,
  result: ParseResult,
  values: Record<string, string>,
  context: ParseContext,
): void {
  const again = regenerate(conv, c, values, context.fill);
  if (again === undefined || again === result.name) return;
  if (validateName(c.type, again, conv).some((p) => p.severity !== "warning")) return;
  result.suggestion = again;
  result.repaired = values;
}

/** Lowercase and the style's separator everywhere (one character for one, so positions hold). */
function normaliseWhole(name: string, style: Style): string {
  if (style === "none") return name;
  const lower = name.toLowerCase();
  if (lower.length !== name.length) return name;
  return style === "kebab" ? lower.replace(/[_\s]/g, "-") : lower.replace(/[-\s]/g, "_");
}

function normalisationIssues(c: Compiled, name: string, normal: string, raw: Raw): NameIssue[] {
  const out: NameIssue[] = [];
  const covered = new Set<number>();
  for (const span of raw.spans) {
    for (let i = span.start; i < span.end; i++) covered.add(i);
    const before = name.slice(span.start, span.end);
    const after = normal.slice(span.start, span.end);
    if (before !== after) {
      out.push({
        code: "NOT_NORMALISED",
        message: `${span.variable} "${before}" at position ${span.start + 1} is not in ${c.style} style; the convention writes "${after}".`,
        severity: "error",
        source: "house",
        variable: span.variable,
        value: before,
        expected: after,
        position: span.start,
        suggestion: after,
      });
    }
  }
  for (let i = 0; i < name.length; i++) {
    if (!covered.has(i) && name[i] !== normal[i]) {
      out.push({
        code: "NOT_NORMALISED",
        message: `"${name[i]}" at position ${i + 1} should be "${normal[i]}" (the template's separator in ${c.style} style).`,
        severity: "error",
        source: "house",
        value: name.charAt(i),
        expected: normal.charAt(i),
        position: i,
      });
      break;
    }
  }
  return out;
}

function structureIssue(c: Compiled, name: string, f: Failure): NameIssue {
  const position = Math.max(0, f.position);
  const seg = c.variants[f.variant]?.[f.segment];
  const found =
    position < name.length
      ? `"${name.slice(position, position + 12)}${name.length - position > 12 ? "…" : ""}"`
      : "the end of the name";
  let expected: string;
  if (!seg) expected = "the end of the name";
  else if (seg.kind === "literal") expected = JSON.stringify(seg.text);
  else {
    const domain = c.domains.get(seg.name);
    expected = `${seg.optional ? "optional " : ""}{${seg.name}}${domain ? ` (one of the ${domain.what})` : ""}`;
  }
  return {
    code: "TEMPLATE_MISMATCH",
    message: `"${name}" does not follow the ${c.type} template ${c.spec.template}: at position ${position + 1} it expects ${expected} but finds ${found}.`,
    severity: "error",
    source: "house",
    position,
    expected,
    ...(seg?.kind === "var" ? { variable: seg.name } : {}),
    hint: `\`dpn name ${c.type} --set ...\` shows the name the convention gives.`,
  };
}

/**
 * Rebuild values from a name whose structure does not match: long region names become codes,
 * known values (closed sets, expected values) are taken wherever they appear, and the remaining
 * tokens fill the free variables in order when that is unambiguous. Undefined when it is not.
 */
function fromTokens(
  conv: Convention,
  c: Compiled,
  name: string,
  expected: Map<string, string>,
  context: ParseContext,
): Record<string, string> | undefined {
  const values: Record<string, string> = {};
  let s = name;
  if (c.variables.includes("region_short")) {
    const regions = Object.keys(conv.transformations.region_mapping).sort((a, b) => b.length - a.length);
    for (const region of regions) {
      for (const form of new Set([region, shown(c, "region", region)])) {
        const at = s.indexOf(form);
        const code = conv.transformations.region_mapping[region];
        if (at >= 0 && code !== undefined) {
          values.region_short = shown(c, "region_short", code);
          s = `${s.slice(0, at)}${s.slice(at + form.length)}`;
          break;
        }
      }
      if (values.region_short) break;
    }
  }
  const tokens = s.split(/[-_.\s/]+/).filter(Boolean);
  if (!tokens.length) return undefined;
  const used = new Set<number>();
  const sep = c.style === "snake" ? "_" : "-";
  const take = (variable: string, want: string[]): boolean => {
    for (let i = 0; i < tokens.length; i++) {
      for (const w of want) {
        const parts = w.split(/[-_.\s/]+/).filter(Boolean);
        if (parts.length && parts.every((p, j) => !used.has(i + j) && tokens[i + j] === p)) {
          for (let j = 0; j < parts.length; j++) used.add(i + j);
          values[variable] = w;
          return true;
        }
      }
    }
    return false;
  };
  for (const variable of c.variables) {
    if (values[variable] !== undefined) continue;
    const exp = expected.get(variable);
    if (exp !== undefined) {
      take(variable, [exp]);
      continue;
    }
    const domain = c.domains.get(variable);
    if (!domain) continue;
    if (take(variable, [...domain.values.keys()])) continue;
    if (variable === "environment") {
      for (const [i, token] of tokens.entries()) {
        const alias = ENV_ALIASES[token];
        if (!used.has(i) && alias) {
          used.add(i);
          values.environment = alias;
          break;
        }
      }
    }
  }
  const fill = new Map<string, string>();
  for (const [k, v] of Object.entries(context.fill ?? {}))
    if (c.variables.includes(k) && typeof v === "string" && v.trim() !== "") fill.set(k, shown(c, k, v));
  for (const [k, v] of fill) if (values[k] === undefined) take(k, [v]);
  const rest = tokens.filter((_, i) => !used.has(i));
  const segs = c.variants[0] ?? [];
  let free = c.variables.filter(
    (v) =>
      values[v] === undefined &&
      !c.domains.has(v) &&
      !expected.has(v) &&
      segs.some((s) => s.kind === "var" && s.name === v && !s.optional),
  );
  // More free variables than tokens: the ones the caller can fill are taken from there.
  if (free.length > rest.length) free = free.filter((v) => !fill.has(v));
  const [only] = free;
  if (free.length === 1 && only !== undefined) {
    if (!rest.length) return undefined;
    values[only] = rest.join(sep);
  } else if (free.length > 1) {
    if (rest.length !== free.length) return undefined;
    for (const [i, v] of free.entries()) values[v] = rest[i] ?? "";
  } else if (rest.length) {
    return undefined;
  }
  // Variables still missing come from what the caller knows, then from the convention itself.
  for (const [k, v] of fill) if (values[k] === undefined) values[k] = v;
  for (const [k, v] of expected) if (values[k] === undefined) values[k] = v;
  return values;
}
