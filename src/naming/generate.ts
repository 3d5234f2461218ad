/**
 * Name generation: template + values (single precedence rule) → transformations → per-target
 * normalisation → length (error, or `truncate: hash`) → validation. Pure and deterministic.
 * Everything that depends only on the convention (parsed templates, styles, limits, prepared
 * transformations) is compiled once per convention object and cached.
 */

import { didYouMean } from "../core/did-you-mean.js";
import { DpnError, type Problem } from "../core/errors.js";
import { DEFAULT_PROTECTED, defaultStyle } from "./built-ins.js";
import {
  normaliseValue,
  type PreparedTransformations,
  prepareTransformations,
  transformValue,
} from "./normalise.js";
import {
  layersSearched,
  type Resolution,
  type ResolutionContext,
  resolutionContext,
  resolveVariable,
} from "./resolve.js";
import { effectiveLimit, houseRulesKey, measure, ruleCodes, sameKey, validateName } from "./rules.js";
import { type ParsedTemplate, parseTemplate } from "./template.js";
import { type NamePiece, truncateWithHash } from "./truncate.js";
import type { Convention, NameRequest, NameResult, PatternSpec, ResolvedVariable, Style } from "./types.js";

interface TypePlan {
  key: unknown[];
  type: string;
  pattern: PatternSpec;
  parsed: ParsedTemplate;
  style: Style;
  limit: { max: number; unit: "chars" | "bytes"; from: string } | undefined;
  protectedVars: ReadonlySet<string>;
  /** Template variables followed by extra required variables of the house rules. */
  variables: string[];
  required: ReadonlySet<string>;
  checked: string[];
}

interface CompiledConvention {
  key: unknown[];
  transformations: PreparedTransformations;
  plans: Map<string, TypePlan>;
}

// Compiled forms are cached per convention object and checked by identity against the objects
// they were built from, so a convention edited after use (tests, library users) is recompiled.
const compiled = new WeakMap<Convention, CompiledConvention>();

function conventionKey(conv: Convention): unknown[] {
  const t = conv.transformations;
  const v = conv.validation;
  return [t, t.lowercase, t.uppercase, t.replace_hyphens, v, v.required_variables, v.by_type];
}

function compile(conv: Convention): CompiledConvention {
  const key = conventionKey(conv);
  let c = compiled.get(conv);
  if (!c || !sameKey(c.key, key)) {
    c = { key, transformations: prepareTransformations(conv.transformations), plans: new Map() };
    compiled.set(conv, c);
  }
  return c;
}

function planFor(conv: Convention, c: CompiledConvention, type: string, context?: string): TypePlan {
  const hit = c.plans.get(type);
  if (hit && sameKey(hit.key, houseRulesKey(type, conv))) return hit;
  const pattern = Object.hasOwn(conv.patterns, type) ? conv.patterns[type] : undefined;
  if (!pattern) {
    const guess = didYouMean(type, Object.keys(conv.patterns));
    throw new DpnError(
      "validation",
      "UNKNOWN_RESOURCE_TYPE",
      `Unknown resource type "${type}"${context ? ` (${context})` : ""}: no naming pattern defines it.`,
      {
        hint: `${guess ? `${guess} ` : ""}Known types: ${Object.keys(conv.patterns).sort().join(", ")}. Add a pattern for a new type under \`patterns:\` in .dpn/naming-patterns.yaml.`,
        details: { type },
      },
    );
  }
  const parsed = parseTemplate(pattern.template);
  const extraRequired = [
    ...conv.validation.required_variables,
    ...(conv.validation.by_type?.[type]?.required_variables ?? []),
  ];
  const variables = [...parsed.variables];
  for (const v of extraRequired) if (!variables.includes(v)) variables.push(v);
  const plan: TypePlan = {
    key: houseRulesKey(type, conv),
    type,
    pattern,
    parsed,
    style: pattern.style ?? defaultStyle(type, pattern.template),
    limit: effectiveLimit(type, conv),
    protectedVars: new Set(pattern.protected ?? DEFAULT_PROTECTED),
    variables,
    required: new Set([...parsed.required, ...extraRequired]),
    checked: ruleCodes(type, conv),
  };
  c.plans.set(type, plan);
  return plan;
}

/**
 * Generate the name of one resource.
 *
 * @throws DpnError (kind validation) with code
 *   - `UNKNOWN_RESOURCE_TYPE` when no pattern defines `req.type` (hint: did you mean);
 *   - `MISSING_VARIABLE` when a variable the template or the house rules require has no value in
 *     any layer (names every such variable, the resource and the layers searched);
 *   - `UNKNOWN_REGION` when `region_short` must be derived from a region without a code;
 *   - `EMPTY_VALUE` when a required value is empty after normalisation (e.g. "__");
 *   - `NAME_TOO_LONG` when the name exceeds its limit and the pattern does not opt in to
 *     `truncate: hash` (details: name, length, limit, longest segments);
 *   - `NAME_INVALID` when the final name breaks an official or house rule (every problem listed).
 */
export function generateName(conv: Convention, req: NameRequest): NameResult {
  const c = compile(conv);
  const plan = planFor(conv, c, req.type, req.context);
  const ctx = resolutionContext(conv, req);
  const steps: string[] = [];

  const resolved = new Map<string, Resolution>();
  const missing: string[] = [];
  for (const v of plan.variables) {
    const r = resolveWithContext(conv, ctx, v, req);
    if (r) resolved.set(v, r);
    else if (plan.required.has(v)) missing.push(v);
  }
  if (missing.length) throw missingError(plan, req, missing, layersSearched(ctx));

  const variables: ResolvedVariable[] = [];
  const finalValues = new Map<string, string>();
  for (const [name, r] of resolved) {
    const transformed = transformValue(name, r.value, c.transformations, steps);
    const value = normaliseValue(transformed, plan.style);
    if (value !== transformed)
      steps.push(`${name}: ${plan.style} normalisation: "${transformed}" → "${value}"`);
    if (r.derivedFrom) steps.push(`${name}: derived from ${r.derivedFrom}`);
    finalValues.set(name, value);
    variables.push({ name, raw: r.value, value, layer: r.layer });
  }
  const emptied = variables.filter((v) => v.value === "" && plan.required.has(v.name));
  if (emptied.length) throw emptyValueError(plan, req, emptied);

  const pieces: NamePiece[] = [];
  for (const seg of plan.parsed.segments) {
    if (seg.kind === "literal") {
      pieces.push({ text: seg.text });
      continue;
    }
    const value = finalValues.get(seg.name);
    if (value === undefined || value === "") {
      if (seg.optional) continue;
      pieces.push({ text: "", variable: seg.name });
      continue;
    }
    pieces.push(
      seg.prefix
        ? { text: seg.prefix + value, variable: seg.name, prefix: seg.prefix }
        : { text: value, variable: seg.name },
    );
  }
  targetNormalisation(plan.type, pieces, steps);

  let name = joinPieces(pieces);
  if (plan.limit) {
    const length = measure(name, plan.limit.unit);
    if (length > plan.limit.max) {
      if (plan.pattern.truncate === "hash") {
        const t = truncateWithHash(pieces, {
          max: plan.limit.max,
          unit: plan.limit.unit,
          style: plan.style,
          protectedVars: plan.protectedVars,
          hash: conv.transformations.hash_generation,
          type: plan.type,
        });
        name = t.name;
        steps.push(...t.steps);
      } else {
        throw tooLongError(plan, plan.limit, req, name, length, pieces);
      }
    }
  }

  const problems = validateName(plan.type, name, conv);
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  for (const p of problems) (p.severity === "warning" ? warnings : errors).push(p);
  if (errors.length) {
    const where = req.context ? ` (${req.context})` : "";
    throw new DpnError(
      "validation",
      "NAME_INVALID",
      `Generated ${plan.type} name "${name}"${where} breaks ${errors.length} rule${errors.length > 1 ? "s" : ""}:\n${errors.map((e) => `  - ${e.code}: ${e.message}`).join("\n")}`,
      {
        hint:
          errors.find((e) => e.hint)?.hint ??
          "Change the values that make up the name (see `dpn name --explain`).",
        problems: req.context ? errors.map((e) => ({ ...e, path: e.path ?? req.context })) : errors,
        details: { type: plan.type, name, template: plan.pattern.template },
      },
    );
  }

  return {
    type: plan.type,
    name,
    template: plan.pattern.template,
    style: plan.style,
    variables,
    steps,
    checked: plan.checked,
    warnings,
    environment: ctx.environment?.value ?? "",
  };
}

/** resolveVariable, with the resource named in an UNKNOWN_REGION error. */
function resolveWithContext(
  conv: Convention,
  ctx: ResolutionContext,
  name: string,
  req: NameRequest,
): Resolution | undefined {
  try {
    return resolveVariable(conv, ctx, name);
  } catch (e) {
    if (e instanceof DpnError && e.code === "UNKNOWN_REGION" && req.context) {
      throw new DpnError(e.kind, e.code, `${e.message} (needed for region_short of ${req.context})`, {
        hint: e.hint,
        details: { ...e.details, resource: req.context },
        cause: e,
      });
    }
    throw e;
  }
}

function joinPieces(pieces: NamePiece[]): string {
  let s = "";
  for (const p of pieces) s += p.text;
  return s;
}

/**
 * Target rules that normalisation can satisfy mechanically. SQS: a FIFO queue name must end in
 * `.fifo`, so the v0.1 template's `-{queue_type}` with queue_type fifo ends in `.fifo` instead.
 */
function targetNormalisation(type: string, pieces: NamePiece[], steps: string[]): void {
  if (type !== "aws_sqs_queue" && type !== "aws_sns_topic") return;
  const last = pieces[pieces.length - 1];
  const prev = pieces[pieces.length - 2];
  if (last?.text.toLowerCase() !== "fifo") return;
  if (
    last.variable !== undefined &&
    prev &&
    prev.variable === undefined &&
    (prev.text.endsWith("-") || prev.text.endsWith("_"))
  ) {
    prev.text = `${prev.text.slice(0, -1)}.`;
    last.text = "fifo";
    steps.push(`${type}: a FIFO name must end in ".fifo": separator before "fifo" → "."`);
  }
}

/** Where a missing naming variable can be given a value (the hint of one MISSING_VARIABLE problem). */
function setItHint(type: string, variable: string): string {
  return `Set ${variable} on the resource, in blueprint metadata, with --override ${variable}=<value>, or under resource_types.${type} in .dpn/naming-values.yaml.`;
}

function missingError(plan: TypePlan, req: NameRequest, missing: string[], searched: string[]): DpnError {
  const where = req.context ? ` for ${req.context}` : "";
  const list = missing.map((m) => `"${m}"`).join(", ");
  const problems: Problem[] = missing.map((m) => ({
    code: "MISSING_VARIABLE",
    message: `No value for "${m}" (needed by ${plan.type} template "${plan.pattern.template}")${where}; searched ${searched.join(", ")}.`,
    severity: "error",
    ...(req.context ? { path: req.context } : {}),
    hint: setItHint(plan.type, m),
  }));
  return new DpnError(
    "validation",
    "MISSING_VARIABLE",
    `No value for ${list} needed by ${plan.type} template "${plan.pattern.template}"${where}. Searched: ${searched.join(" > ")}.`,
    {
      hint: `Set ${missing.length > 1 ? "them" : "it"} on the resource, in blueprint metadata, with --override ${missing[0]}=<value>, or under resource_types.${plan.type} in .dpn/naming-values.yaml.`,
      problems,
      details: { type: plan.type, variables: missing, resource: req.context, layers: searched },
    },
  );
}

function emptyValueError(plan: TypePlan, req: NameRequest, emptied: ResolvedVariable[]): DpnError {
  const where = req.context ? ` for ${req.context}` : "";
  const list = emptied.map((v) => `"${v.name}" = ${JSON.stringify(v.raw)} (${v.layer})`).join(", ");
  return new DpnError(
    "validation",
    "EMPTY_VALUE",
    `${list} ${emptied.length > 1 ? "are" : "is"} empty after ${plan.style} normalisation${where}; ${plan.type} needs a value.`,
    {
      hint: "Use letters or digits in the value.",
      details: { type: plan.type, variables: emptied.map((v) => v.name), resource: req.context },
    },
  );
}

function tooLongError(
  plan: TypePlan,
  limit: NonNullable<TypePlan["limit"]>,
  req: NameRequest,
  name: string,
  length: number,
  pieces: NamePiece[],
): DpnError {
  const longest = pieces
    .flatMap((p) =>
      p.variable === undefined
        ? []
        : [{ variable: p.variable, value: p.text, length: measure(p.text, limit.unit) }],
    )
    .sort((a, b) => b.length - a.length)
    .slice(0, 3);
  const unit = limit.unit === "bytes" ? "bytes" : "characters";
  const where = req.context ? ` (${req.context})` : "";
  return new DpnError(
    "validation",
    "NAME_TOO_LONG",
    `Generated ${plan.type} name "${name}"${where} is ${length} ${unit} long; the limit is ${limit.max} (${limit.from}). Longest segments: ${longest.map((l) => `${l.variable}=${l.length}`).join(", ")}.`,
    {
      hint: `Shorten ${longest[0] ? `"${longest[0].variable}"` : "the values"}, or set \`truncate: hash\` on patterns.${plan.type} in .dpn/naming-patterns.yaml to shorten with a deterministic hash.`,
      details: { type: plan.type, name, length, limit: limit.max, unit: limit.unit, longest },
    },
  );
}
