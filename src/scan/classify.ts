/**
 * Classify a live estate through the convention: each object is `managed` (it carries dpn's
 * ownership marker), `compliant` (its name parses, every component is valid and the platform and
 * house rules are met) or `noncompliant` (with the precise reasons and, where one can be derived,
 * the closest compliant name), plus its tag findings. Pure: the inventory reads, this decides.
 */
import { DpnError } from "../core/errors.js";
import { MARKER_KEYS } from "../core/resources.js";
import { normaliseValue } from "../naming/normalise.js";
import { type NameIssue, type ParseResult, parseName } from "../naming/parse.js";
import type { Convention, Values } from "../naming/types.js";
import { CLUSTER_TYPES } from "../types/dbx-cluster.js";
import { TABLE_TYPES } from "../types/kit/blueprint-fragments.js";
import { SCAN_RULES } from "./rules.js";
import { scoreRows, summaryScore } from "./score.js";
import { DEFAULT_REQUIRED_TAGS, TAG_VARIABLES, tagFindings } from "./tag-compliance.js";
import type { Finding, ObjectResult, ScanObject, ScanOptions, ScanReport } from "./types.js";

/** Values a blueprint allows for some template variables: preferred when a name reads several ways. */
export const BLUEPRINT_PREFERRED: Readonly<Record<string, readonly string[]>> = Object.freeze({
  table_type: TABLE_TYPES,
  cluster_type: CLUSTER_TYPES,
  schedule: ["hourly", "daily", "weekly"],
  job_type: ["batch", "streaming"],
  data_type: ["raw", "processed", "curated"],
});

const ISSUE_RULES: Record<NameIssue["code"], string> = {
  TEMPLATE_MISMATCH: "DPN-N001",
  UNKNOWN_VALUE: "DPN-N002",
  NOT_NORMALISED: "DPN-N003",
  HASH_MISMATCH: "DPN-N006",
  NOT_REPRODUCIBLE: "DPN-N007",
  VALUE_MISMATCH: "DPN-N008",
};

/** Variables whose far mismatch with a filter puts an object out of scope instead of failing it. */
const SCOPE_VARIABLES = ["project", "environment"] as const;

const kebab = (v: string) => normaliseValue(v, "kebab");

/**
 * Scan `objects` through `conv`.
 *
 * @throws DpnError validation `UNKNOWN_RESOURCE_TYPE` when an object's type has no pattern in the
 *   convention (naming the object), `SCAN_DUPLICATE_OBJECT` when two objects share a type and
 *   full name.
 */
export function scanEstate(
  conv: Convention,
  objects: readonly ScanObject[],
  options: ScanOptions = {},
): ScanReport {
  const required = options.requiredTags ?? DEFAULT_REQUIRED_TAGS;
  const preferred = options.preferred ?? BLUEPRINT_PREFERRED;
  const results: ObjectResult[] = [];
  const outOfScope: ScanReport["out_of_scope"] = [];
  const seen = new Set<string>();
  for (const obj of objects) {
    const fullName = obj.fullName ?? obj.name;
    const id = `${obj.type}:${fullName}`;
    if (seen.has(id)) {
      throw new DpnError(
        "validation",
        "SCAN_DUPLICATE_OBJECT",
        `The inventory lists ${obj.type} "${fullName}" twice.`,
        {
          hint: "Each object may appear once; check the inventory's de-duplication.",
          details: { type: obj.type, full_name: fullName },
        },
      );
    }
    seen.add(id);
    let parsed: ParseResult;
    try {
      parsed = parseName(conv, obj.type, obj.name, {
        expected: expectedOf(obj, options),
        preferred,
        fill: fillOf(obj, options),
      });
    } catch (e) {
      if (e instanceof DpnError && e.code === "UNKNOWN_RESOURCE_TYPE") {
        throw new DpnError(e.kind, e.code, `${e.message} (object "${fullName}")`, {
          hint: e.hint,
          details: { ...e.details, object: fullName },
          cause: e,
        });
      }
      throw e;
    }
    const scope = scopeOf(obj, parsed, options);
    if (scope) {
      outOfScope.push({ id, type: obj.type, name: obj.name, full_name: fullName, reason: scope });
      continue;
    }
    results.push(classifyOne(conv, obj, fullName, id, parsed, required, options));
  }
  const findings = { error: 0, warning: 0, note: 0 };
  for (const r of results) for (const f of r.findings) findings[f.level]++;
  const count = (s: ObjectResult["status"]) => results.filter((r) => r.status === s).length;
  return {
    kind: "dpn.scan.report",
    version: 1,
    generated_at: options.generatedAt ?? new Date().toISOString(),
    convention: { ...conv.sources },
    filters: {
      ...(options.project !== undefined ? { project: options.project } : {}),
      ...(options.environment !== undefined ? { environment: options.environment } : {}),
    },
    summary: {
      objects: objects.length,
      in_scope: results.length,
      out_of_scope: outOfScope.length,
      managed: count("managed"),
      compliant: count("compliant"),
      noncompliant: count("noncompliant"),
      passing: results.filter((r) => r.passing).length,
      findings,
      score: summaryScore(results, (r) => r.passing),
      names_score: summaryScore(results, (r) => r.status !== "noncompliant"),
    },
    scores: {
      by_type: scoreRows(results, (r) => r.type),
      by_environment: scoreRows(results, (r) => r.environment ?? "(unknown)"),
      by_team: scoreRows(results, (r) => r.team ?? "(none)"),
    },
    objects: results,
    out_of_scope: outOfScope,
    rules: [...SCAN_RULES],
  };
}

function expectedOf(obj: ScanObject, o: ScanOptions): Values {
  const e: Values = {};
  if (o.project) e.project = o.project;
  if (o.environment) e.environment = o.environment;
  if (obj.region) e.region = obj.region;
  return e;
}

/** What the object's tags and the filters say, for rebuilding a broken name. */
function fillOf(obj: ScanObject, o: ScanOptions): Values {
  const fill: Values = {};
  for (const [tag, variable] of Object.entries(TAG_VARIABLES)) {
    const v = obj.tags?.[tag];
    if (typeof v === "string" && v.trim() !== "") fill[variable] = v;
  }
  if (o.project) fill.project = o.project;
  if (o.environment) fill.environment = o.environment;
  if (obj.region) fill.region = obj.region;
  return fill;
}

/** The project/environment an object belongs to: its name first, then its marker, then its tags. */
function attribution(
  obj: ScanObject,
  parsed: ParseResult,
  variable: "project" | "environment",
): string | undefined {
  const fromName = parsed.repaired?.[variable] ?? parsed.reading?.values[variable];
  if (fromName !== undefined) return fromName;
  const stack = obj.tags?.[MARKER_KEYS.stack];
  if (stack?.includes("/")) {
    const [project, environment] = stack.split("/");
    const v = variable === "project" ? project : environment;
    if (v) return v;
  }
  const tag = obj.tags?.[variable === "project" ? "Project" : "Environment"];
  return tag && tag.trim() !== "" ? tag : undefined;
}

/** attribution, falling back to the scan's filter (an in-scope object nothing else places). */
function placed(
  obj: ScanObject,
  parsed: ParseResult,
  variable: "project" | "environment",
  o: ScanOptions,
): string | undefined {
  return attribution(obj, parsed, variable) ?? (variable === "project" ? o.project : o.environment);
}

/** Why the object is outside the filters, or undefined when it is in scope. */
function scopeOf(obj: ScanObject, parsed: ParseResult, o: ScanOptions): string | undefined {
  for (const variable of SCOPE_VARIABLES) {
    const filter = variable === "project" ? o.project : o.environment;
    if (!filter) continue;
    const near = parsed.issues.some((i) => i.code === "VALUE_MISMATCH" && i.variable === variable && i.near);
    if (near) continue;
    const actual = attribution(obj, parsed, variable);
    if (actual !== undefined && kebab(actual) !== kebab(filter))
      return `${variable} is "${actual}", not "${filter}"`;
  }
  return undefined;
}

function classifyOne(
  conv: Convention,
  obj: ScanObject,
  fullName: string,
  id: string,
  parsed: ParseResult,
  requiredTags: readonly string[],
  options: ScanOptions,
): ObjectResult {
  const tags = obj.tags ?? {};
  const stackId = tags[MARKER_KEYS.stack];
  const managed = typeof stackId === "string" && stackId.trim() !== "";
  const address = tags[MARKER_KEYS.address];
  const findings: Finding[] = [];
  for (const issue of parsed.issues) findings.push(issueFinding(issue));
  for (const p of parsed.rules) {
    const warning = p.severity === "warning";
    findings.push({
      rule_id: warning ? "DPN-N011" : p.source === "house" ? "DPN-N005" : "DPN-N004",
      level: warning ? "warning" : "error",
      code: p.code,
      message: p.message,
      ...(p.hint ? { hint: p.hint } : {}),
    });
  }
  const reading = parsed.reading;
  if (parsed.ok && parsed.ambiguous) {
    findings.push({
      rule_id: "DPN-N009",
      level: "note",
      code: "NAME_AMBIGUOUS",
      message: `"${obj.name}" reads ${parsed.readings.length} ways: ${parsed.readings
        .slice(0, 3)
        .map((r) =>
          Object.entries(r.values)
            .map(([k, v]) => `${k}=${v}`)
            .join(" "),
        )
        .join(" | ")}${parsed.readings.length > 3 ? " | …" : ""}.`,
    });
  }
  if (parsed.ok && reading?.truncation && !reading.truncation.verified) {
    findings.push({
      rule_id: "DPN-N010",
      level: "note",
      code: "TRUNCATION_UNVERIFIED",
      value: reading.truncation.suffix,
      message: `"${obj.name}" is shortened with the hash suffix "${reading.truncation.suffix}"; ${reading.truncation.note ?? "the hash cannot be checked"}.`,
    });
  }
  // A managed object's name is dpn's own: a name that no longer follows the convention is worth
  // knowing, but it does not make the object noncompliant.
  if (managed)
    for (const f of findings) if (f.level === "error" && f.rule_id.startsWith("DPN-N")) f.level = "warning";
  const nameFails = findings.some((f) => f.level === "error");
  const components = { ...(reading?.values ?? {}), ...(parsed.repaired ?? {}) };
  findings.push(...tagFindings(conv, { type: obj.type, tags, components, managed, requiredTags }));

  const project = placed(obj, parsed, "project", options);
  const environment = placed(obj, parsed, "environment", options);
  const teamTag = tags.Team?.trim();
  const team = teamTag || components.team || conv.defaults.team || undefined;
  const result: ObjectResult = {
    id,
    type: obj.type,
    name: obj.name,
    full_name: fullName,
    ...(obj.remoteId !== undefined ? { remote_id: obj.remoteId } : {}),
    ...(obj.region !== undefined ? { region: obj.region } : {}),
    status: managed ? "managed" : nameFails ? "noncompliant" : "compliant",
    passing: !findings.some((f) => f.level === "error"),
    ...(managed
      ? {
          stack: {
            id: stackId,
            ...(address ? { address } : {}),
          },
        }
      : {}),
    ...(project !== undefined ? { project } : {}),
    ...(environment !== undefined ? { environment } : {}),
    ...(team !== undefined ? { team } : {}),
    ...(reading ? { components: reading.values } : {}),
    ...(reading?.region ? { region_name: reading.region } : {}),
    readings: parsed.readings.length,
    ambiguous: parsed.ambiguous,
    ...(reading?.truncation
      ? { truncation: { verified: reading.truncation.verified, shortened: reading.truncation.shortened } }
      : {}),
    ...(!parsed.ok && parsed.suggestion !== undefined ? { suggested_name: parsed.suggestion } : {}),
    findings,
  };
  return result;
}

function issueFinding(issue: NameIssue): Finding {
  return {
    rule_id: ISSUE_RULES[issue.code],
    level: "error",
    code: issue.code,
    message: issue.message,
    ...(issue.variable !== undefined ? { variable: issue.variable } : {}),
    ...(issue.value !== undefined ? { value: issue.value } : {}),
    ...(issue.expected !== undefined ? { expected: issue.expected } : {}),
    ...(issue.position !== undefined ? { position: issue.position } : {}),
    ...(issue.hint !== undefined
      ? { hint: issue.hint }
      : issue.suggestion !== undefined
        ? { hint: `Use "${issue.suggestion}".` }
        : {}),
  };
}
