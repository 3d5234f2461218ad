/**
 * Recursive validation of a decoded input value against a botocore shape: required members,
 * types, min/max (string length in code points, blob length in bytes, list and map sizes, numeric
 * ranges), patterns (Java semantics, whole value), enums, unions with exactly one member set and
 * unknown members.
 *
 * Two value representations come in: `json` (a parsed awsJson body: typed scalars) and `text`
 * (decoded from XML, a query string, headers or a URI: every scalar is the string on the wire,
 * parsed here by type). Maps decoded from text arrive as `WireMap` so duplicate keys survive.
 */
import { type Translation, translateJavaPattern } from "./java-regex.js";
import type { ServiceModel, Shape, ShapeRef, TimestampFormat } from "./model.js";
import { makeViolation, renderValue, type Violation } from "./violation.js";

/** Map entries decoded from a text protocol, in wire order. */
export class WireMap {
  constructor(readonly entries: [string, unknown][]) {}
}

/** Where violations go and how scalars of this protocol/location are represented. */
export interface CheckContext {
  model: ServiceModel;
  operation: string;
  out: Violation[];
  scalars: "json" | "text";
  /** The protocol's timestamp format where neither member nor shape says otherwise. */
  timestampDefault: TimestampFormat;
}

const patternCache = new Map<string, Translation>();

/** The translation of a model pattern (cached); `ok: false` ones are not checked. */
export function compiledPattern(pattern: string): Translation {
  let t = patternCache.get(pattern);
  if (!t) {
    t = translateJavaPattern(pattern);
    patternCache.set(pattern, t);
  }
  return t;
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  byte: [-(2n ** 7n), 2n ** 7n - 1n],
  short: [-(2n ** 15n), 2n ** 15n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
};

const ISO8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
const RFC822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const EPOCH_TEXT = /^-?\d+(\.\d+)?$/;
const INT_TEXT = /^-?\d+$/;
const FLOAT_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `a.b` member paths (a bare name at the top). */
export const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof WireMap);
}

/** Validate `value` (present, not null) against `ref`'s shape at `path`. */
export function checkValue(ctx: CheckContext, ref: ShapeRef, value: unknown, path: string): void {
  const shape = ctx.model.shapes[ref.shape];
  if (!shape) throw new Error(`${ctx.model.service} model has no shape ${ref.shape}`);
  const report = (rule: string, v: unknown = value, show = true) =>
    ctx.out.push(
      makeViolation(
        ctx.model.service,
        ctx.operation,
        path,
        rule,
        show ? renderValue(v, shape.sensitive) : undefined,
      ),
    );

  switch (shape.type) {
    case "structure":
      checkStructure(ctx, shape, value, path, report);
      return;
    case "list":
      checkList(ctx, shape, value, path, report);
      return;
    case "map":
      checkMap(ctx, shape, value, path, report);
      return;
    case "string":
      checkString(shape, value, report);
      return;
    case "byte":
    case "short":
    case "integer":
    case "long":
      checkInteger(ctx, shape, value, report);
      return;
    case "float":
    case "double":
      checkFloat(ctx, shape, value, report);
      return;
    case "bigInteger":
    case "bigDecimal":
      if (ctx.scalars === "json" ? typeof value !== "number" : !FLOAT_TEXT.test(String(value)))
        report(`type ${shape.type}`);
      return;
    case "boolean":
      if (ctx.scalars === "json" ? typeof value !== "boolean" : value !== "true" && value !== "false")
        report("type boolean");
      return;
    case "timestamp":
      checkTimestamp(ctx, ref, shape, value, report);
      return;
    case "blob":
      checkBlob(shape, value, report);
      return;
    default:
      report(`unsupported shape type ${(shape as Shape).type}`);
  }
}

type Report = (rule: string, v?: unknown, show?: boolean) => void;

function checkStructure(ctx: CheckContext, shape: Shape, value: unknown, path: string, report: Report): void {
  if (shape.document) return; // a document is any JSON value
  if (!isPlainObject(value)) {
    report("type structure");
    return;
  }
  const members = shape.members ?? {};
  let set = 0;
  for (const [k, v] of Object.entries(value)) {
    const m = members[k];
    if (!m) {
      ctx.out.push(
        makeViolation(ctx.model.service, ctx.operation, join(path, k), "unknown member", renderValue(v)),
      );
      continue;
    }
    if (v === null || v === undefined) continue; // awsJson null reads as "not set"
    set++;
    checkValue(ctx, m, v, join(path, k));
  }
  for (const r of shape.required ?? []) {
    if (value[r] === undefined || value[r] === null)
      ctx.out.push(makeViolation(ctx.model.service, ctx.operation, join(path, r), "required"));
  }
  if (shape.union && set !== 1)
    report(`union: exactly one member must be set, found ${set}`, undefined, false);
}

function checkList(ctx: CheckContext, shape: Shape, value: unknown, path: string, report: Report): void {
  if (!Array.isArray(value)) {
    report("type list");
    return;
  }
  if (shape.min !== undefined && value.length < shape.min)
    report(`min ${shape.min} items (has ${value.length})`, undefined, false);
  if (shape.max !== undefined && value.length > shape.max)
    report(`max ${shape.max} items (has ${value.length})`, undefined, false);
  const member = shape.member as ShapeRef;
  value.forEach((item, i) => {
    const p = `${path}[${i}]`;
    if (item === null || item === undefined)
      ctx.out.push(makeViolation(ctx.model.service, ctx.operation, p, "null list item"));
    else checkValue(ctx, member, item, p);
  });
}

function checkMap(ctx: CheckContext, shape: Shape, value: unknown, path: string, report: Report): void {
  let entries: [string, unknown][];
  if (value instanceof WireMap) entries = value.entries;
  else if (isPlainObject(value)) entries = Object.entries(value);
  else {
    report("type map");
    return;
  }
  if (shape.min !== undefined && entries.length < shape.min)
    report(`min ${shape.min} entries (has ${entries.length})`, undefined, false);
  if (shape.max !== undefined && entries.length > shape.max)
    report(`max ${shape.max} entries (has ${entries.length})`, undefined, false);
  const seen = new Set<string>();
  for (const [k, v] of entries) {
    const p = `${path}[${JSON.stringify(k)}]`;
    if (seen.has(k)) ctx.out.push(makeViolation(ctx.model.service, ctx.operation, p, "duplicate map key"));
    seen.add(k);
    checkValue(ctx, shape.key as ShapeRef, k, `${p}(key)`);
    if (v === null || v === undefined)
      ctx.out.push(makeViolation(ctx.model.service, ctx.operation, p, "null map value"));
    else checkValue(ctx, shape.value as ShapeRef, v, p);
  }
}

function checkString(shape: Shape, value: unknown, report: Report): void {
  if (typeof value !== "string") {
    report("type string");
    return;
  }
  if (shape.enum && !shape.enum.includes(value)) {
    report(`enum ${JSON.stringify(shape.enum.length > 12 ? [...shape.enum.slice(0, 12), "…"] : shape.enum)}`);
    return;
  }
  if (shape.min !== undefined || shape.max !== undefined) {
    const len = Array.from(value).length;
    if (shape.min !== undefined && len < shape.min) report(`min ${shape.min} (length ${len})`);
    if (shape.max !== undefined && len > shape.max) report(`max ${shape.max} (length ${len})`);
  }
  if (shape.pattern !== undefined) {
    const t = compiledPattern(shape.pattern);
    if (t.ok && !t.regex.test(value)) report(`pattern ${shape.pattern}`);
  }
}

function checkRange(shape: Shape, n: number, report: Report): void {
  if (shape.min !== undefined && n < shape.min) report(`min ${shape.min}`);
  if (shape.max !== undefined && n > shape.max) report(`max ${shape.max}`);
}

function checkInteger(ctx: CheckContext, shape: Shape, value: unknown, report: Report): void {
  let big: bigint;
  if (ctx.scalars === "json") {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      report(`type ${shape.type}`);
      return;
    }
    big = BigInt(value);
  } else {
    if (typeof value !== "string" || !INT_TEXT.test(value)) {
      report(`type ${shape.type}`);
      return;
    }
    big = BigInt(value);
  }
  const [lo, hi] = INT_RANGES[shape.type] as [bigint, bigint];
  if (big < lo || big > hi) {
    report(`type ${shape.type} (out of range)`);
    return;
  }
  checkRange(shape, Number(big), report);
}

function checkFloat(ctx: CheckContext, shape: Shape, value: unknown, report: Report): void {
  const special = value === "NaN" || value === "Infinity" || value === "-Infinity";
  let n: number;
  if (special) n = Number(value);
  else if (ctx.scalars === "json") {
    if (typeof value !== "number") {
      report(`type ${shape.type}`);
      return;
    }
    n = value;
  } else {
    if (typeof value !== "string" || !FLOAT_TEXT.test(value)) {
      report(`type ${shape.type}`);
      return;
    }
    n = Number(value);
  }
  if (!Number.isNaN(n)) checkRange(shape, n, report);
}

function validDate(y: string, mo: string, d: string, h: string, mi: string, s: string): boolean {
  const [Y, M, D, H, Mi, S] = [y, mo, d, h, mi, s].map(Number) as number[];
  const t = new Date(
    Date.UTC(Y as number, (M as number) - 1, D as number, H as number, Mi as number, S as number),
  );
  return (
    t.getUTCFullYear() === Y &&
    t.getUTCMonth() === (M as number) - 1 &&
    t.getUTCDate() === D &&
    (H as number) < 24 &&
    (Mi as number) < 60 &&
    (S as number) < 61
  );
}

function checkTimestamp(
  ctx: CheckContext,
  ref: ShapeRef,
  shape: Shape,
  value: unknown,
  report: Report,
): void {
  const fmt = ref.timestampFormat ?? shape.timestampFormat ?? ctx.timestampDefault;
  if (fmt === "unixTimestamp") {
    const ok =
      ctx.scalars === "json"
        ? typeof value === "number" && Number.isFinite(value)
        : typeof value === "string" && EPOCH_TEXT.test(value);
    if (!ok) report("type timestamp (epoch seconds)");
    return;
  }
  if (typeof value !== "string") {
    report(`type timestamp (${fmt})`);
    return;
  }
  if (fmt === "iso8601") {
    const m = ISO8601.exec(value);
    if (
      !m ||
      !validDate(
        m[1] as string,
        m[2] as string,
        m[3] as string,
        m[4] as string,
        m[5] as string,
        m[6] as string,
      )
    )
      report("type timestamp (iso8601)");
    return;
  }
  const m = RFC822.exec(value);
  const months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (
    !m ||
    !validDate(
      m[4] as string,
      String(months.indexOf(m[3] as string) / 3 + 1),
      m[2] as string,
      m[5] as string,
      m[6] as string,
      m[7] as string,
    )
  )
    report("type timestamp (rfc822)");
}

function checkBlob(shape: Shape, value: unknown, report: Report): void {
  if (typeof value !== "string" || !BASE64.test(value)) {
    report("type blob (base64)");
    return;
  }
  if (shape.min !== undefined || shape.max !== undefined) {
    const bytes = Buffer.from(value, "base64").length;
    if (shape.min !== undefined && bytes < shape.min) report(`min ${shape.min} bytes (has ${bytes})`);
    if (shape.max !== undefined && bytes > shape.max) report(`max ${shape.max} bytes (has ${bytes})`);
  }
}
