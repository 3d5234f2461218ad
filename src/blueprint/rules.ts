/**
 * Semantic rules of a blueprint, checked after the schema: references, duplicate addresses,
 * cycles, scope closure, and per-entry consistency (each type spec's `check`).
 * Every rule collects problems; none stops the others. Each problem names both ends when it
 * involves two places, and carries the JSON path and line:column of the offending entry.
 */

import { didYouMean } from "../core/did-you-mean.js";
import type { Problem } from "../core/errors.js";
import { findCycles } from "../core/graph.js";
import type { Convention, Values } from "../naming/types.js";
import { specOf } from "../types/registry.js";
import type { CheckContext } from "../types/spec.js";
import { formatPath, type JsonSource, type PathSegment } from "./json-source.js";
import type { ResourceNode } from "./resource-node.js";
import { STANDARD_LAYERS } from "./schema.js";

function at(source: JsonSource, segments: readonly PathSegment[], valueNotKey = true) {
  const loc = valueNotKey ? source.locateValue(segments) : source.locate(segments);
  return { path: formatPath(segments), file: source.file, line: loc.line, column: loc.column };
}

function where(source: JsonSource, segments: readonly PathSegment[]): string {
  const loc = source.locateValue(segments);
  return `${formatPath(segments)} (line ${loc.line})`;
}

const err = (p: Omit<Problem, "severity">): Problem => ({ ...p, severity: "error" });

/**
 * Layers a blueprint may use: the standard ones plus every `layer` value the convention's
 * values (defaults, environments, resource_types) or the overrides mention.
 */
export function allowedLayers(conv: Convention, overrides?: Values): Set<string> {
  const out = new Set<string>(STANDARD_LAYERS);
  const add = (v: Values | undefined) => {
    if (v && typeof v.layer === "string") out.add(v.layer);
  };
  add(conv.defaults);
  for (const v of Object.values(conv.environments)) add(v);
  for (const v of Object.values(conv.resource_types)) add(v);
  add(overrides);
  return out;
}

/**
 * Per-entry rules: each entry is checked by its type spec's `check` (src/types/: layers the
 * convention allows, KMS settings, Glue table location, job tasks, volume storage, duplicate
 * columns, and what the platforms would refuse — Glue names, types, comments and descriptions,
 * UC table DDL, cluster settings). Problems come entry by entry, in document order. Never throws.
 */
export function checkEntryRules(
  nodes: readonly ResourceNode[],
  source: JsonSource,
  layers: Set<string>,
): Problem[] {
  const ctx: CheckContext = { source, layers };
  const out: Problem[] = [];
  for (const node of nodes) out.push(...specOf(node.type).blueprint.check(node, ctx));
  return out;
}

/**
 * References that resolved to nothing or to more than one entry. A reference is checked only
 * when the referring value is a string (otherwise the schema already reported it). Never throws.
 */
export function checkReferences(nodes: readonly ResourceNode[], source: JsonSource): Problem[] {
  const out: Problem[] = [];
  for (const node of nodes) {
    for (const ref of node.refs) {
      if (ref.ambiguous && ref.ambiguous.length > 1) {
        out.push(
          err({
            code: "BLUEPRINT_AMBIGUOUS_REF",
            message: `${ref.field} ${JSON.stringify(ref.value)} of ${node.path} matches ${ref.ambiguous.length} ${ref.kind}s: ${ref.ambiguous.join(", ")}`,
            ...at(source, ref.segments),
            hint: `Refer to one of them by its generated name instead: ${ref.ambiguous.map((a) => a.slice(a.indexOf(".") + 1)).join(", ")}.`,
          }),
        );
        continue;
      }
      if (ref.target !== undefined) continue;
      const s = didYouMean(ref.value, ref.candidates);
      out.push(
        err({
          code: "BLUEPRINT_UNKNOWN_REF",
          message: `${ref.field} ${JSON.stringify(ref.value)} of ${node.path} does not match any ${ref.kind} in the blueprint`,
          ...at(source, ref.segments),
          hint: `${s ? `${s} ` : ""}${
            ref.candidates.length
              ? `Known ${ref.kind}s: ${ref.candidates.join(", ")}.`
              : `The blueprint declares no ${ref.kind}.`
          }`,
        }),
      );
    }
  }
  return out;
}

/** Two entries with the same address: reported at the second, naming the first. Never throws. */
export function checkDuplicates(nodes: readonly ResourceNode[], source: JsonSource): Problem[] {
  const out: Problem[] = [];
  const first = new Map<string, ResourceNode>();
  for (const node of nodes) {
    if (!node.address) continue;
    const prev = first.get(node.address);
    if (!prev) {
      first.set(node.address, node);
      continue;
    }
    out.push(
      err({
        code: "BLUEPRINT_DUPLICATE_ADDRESS",
        message: `${node.address} is declared twice: at ${where(source, prev.segments)} and at ${where(source, node.segments)}`,
        ...at(source, node.segments),
        hint: "Two entries generate the same name; change a naming field (purpose, domain, entity, …) of one, or remove it.",
      }),
    );
  }
  return out;
}

/** Dependency cycles between resources, naming every resource on the cycle. Never throws. */
export function checkCycles(nodes: readonly ResourceNode[], source: JsonSource): Problem[] {
  const byAddress = new Map<string, ResourceNode>();
  for (const n of nodes) if (n.address && !byAddress.has(n.address)) byAddress.set(n.address, n);
  const graph = [...byAddress.values()].map((n) => ({ id: n.address as string, deps: n.dependencies }));
  return findCycles(graph).map((cycle) => {
    const a = cycle[0] as string;
    const b = cycle[cycle.length - 2] as string;
    const node = byAddress.get(a) as ResourceNode;
    return err({
      code: "BLUEPRINT_DEPENDENCY_CYCLE",
      message: `dependency cycle between ${a} and ${b}: ${cycle.join(" → ")}`,
      ...at(source, node.segments),
      hint: "Remove one of the references on the cycle.",
    });
  });
}

/**
 * Scope closure: a kept resource whose dependency is filtered out is an error, unless the
 * dependency already exists in state. Never throws.
 */
export function checkScopeClosure(
  nodes: readonly ResourceNode[],
  kept: ReadonlySet<string>,
  source: JsonSource,
  existsInState?: (address: string) => boolean,
): Problem[] {
  const out: Problem[] = [];
  const declared = new Set(nodes.map((n) => n.address).filter((a): a is string => !!a));
  for (const node of nodes) {
    if (!node.address || !kept.has(node.address)) continue;
    for (const dep of node.dependencies) {
      if (kept.has(dep) || !declared.has(dep)) continue;
      if (existsInState?.(dep)) continue;
      out.push(
        err({
          code: "BLUEPRINT_SCOPE_MISSING_DEPENDENCY",
          message: `scope keeps ${node.address} but filters out ${dep}, which it depends on and which does not exist yet`,
          ...at(source, node.segments),
          hint: `Add a scope pattern that keeps ${dep} (or its type), or apply it first.`,
        }),
      );
    }
  }
  return out;
}

/** Scope patterns that matched nothing: probably a typo. Warnings. */
export function checkScopePatterns(
  unused: readonly string[],
  source: JsonSource,
  typeKeys: readonly string[],
): Problem[] {
  return unused.map((p) => {
    const s = didYouMean(p, typeKeys);
    return {
      code: "BLUEPRINT_SCOPE_PATTERN_UNUSED",
      message: `scope pattern ${JSON.stringify(p)} matches no resource of the blueprint`,
      ...at(source, ["scope", "patterns"]),
      hint: `${s ? `${s} ` : ""}Patterns match type keys (aws_s3_bucket, dbx_*) or addresses.`,
      severity: "warning" as const,
    };
  });
}

/** Metadata keys the blueprint format defines; any other key is a naming value. */
export const KNOWN_METADATA_KEYS = [
  "environment",
  "project",
  "region",
  "team",
  "cost_center",
  "data_classification",
  "owner",
] as const;

/**
 * Metadata keys that are not known keys but look like one (`regoin`): still valid naming values,
 * so only a warning — a typo there would otherwise silently leave the real key unset.
 */
export function checkMetadataKeys(metadata: unknown, source: JsonSource): Problem[] {
  if (!metadata || typeof metadata !== "object" || Array.isArray(metadata)) return [];
  const out: Problem[] = [];
  for (const key of Object.keys(metadata)) {
    if ((KNOWN_METADATA_KEYS as readonly string[]).includes(key)) continue;
    const s = didYouMean(key, KNOWN_METADATA_KEYS);
    if (!s) continue;
    out.push({
      code: "BLUEPRINT_METADATA_KEY_SUSPICIOUS",
      message: `metadata key ${JSON.stringify(key)} is not a known key; it is used only as a naming value`,
      ...at(source, ["metadata", key], false),
      hint: `${s} Known keys: ${KNOWN_METADATA_KEYS.join(", ")}.`,
      severity: "warning",
    });
  }
  return out;
}
