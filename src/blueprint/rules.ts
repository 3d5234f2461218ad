/**
 * Semantic rules of a blueprint, checked after the schema: references, duplicate addresses,
 * cycles, scope closure, and per-entry consistency (layers, encryption, sizing, tasks, volumes).
 * Every rule collects problems; none stops the others. Each problem names both ends when it
 * involves two places, and carries the JSON path and line:column of the offending entry.
 */

import { closest, didYouMean } from "../core/did-you-mean.js";
import type { Problem } from "../core/errors.js";
import { findCycles } from "../core/graph.js";
import type { Convention, Values } from "../naming/types.js";
import { checkClusterEntry } from "./cluster-rules.js";
import { checkGlueEntry } from "./glue-rules.js";
import { dependsOnKeys, TASK_KINDS } from "./job-settings.js";
import { formatPath, type JsonSource, type PathSegment } from "./json-source.js";
import type { ResourceNode } from "./resource-node.js";
import { STANDARD_LAYERS } from "./schema.js";
import { checkUcTableEntry } from "./uc-table-rules.js";

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

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const rec = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function duplicateColumns(
  source: JsonSource,
  base: readonly PathSegment[],
  lists: [string, unknown][],
  what: string,
): Problem[] {
  const out: Problem[] = [];
  // Glue and Unity Catalog fold column names to lowercase, so "ID" and "id" collide.
  const seen = new Map<string, [string, number]>();
  for (const [key, list] of lists) {
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      const n = str(rec(c)?.name);
      if (!n) return;
      const first = seen.get(n.toLowerCase());
      if (first) {
        const segs = [...base, key, i];
        out.push(
          err({
            code: "BLUEPRINT_DUPLICATE_COLUMN",
            message: `column ${JSON.stringify(n)} of the ${what} is declared twice: at ${where(source, [...base, ...first])} and at ${formatPath(segs)}`,
            ...at(source, segs),
            hint: "Column names are case-insensitive on the platform; rename or remove one.",
          }),
        );
      } else seen.set(n.toLowerCase(), [key, i]);
    });
  }
  return out;
}

function checkTasks(node: ResourceNode, source: JsonSource): Problem[] {
  const out: Problem[] = [];
  const tasks = node.entry.tasks;
  if (!Array.isArray(tasks)) return out;
  const keys = new Map<string, number>();
  tasks.forEach((t, i) => {
    const task = rec(t);
    const key = str(task?.task_key);
    if (!task || !key) return;
    const segs = [...node.segments, "tasks", i];
    const first = keys.get(key);
    if (first !== undefined) {
      out.push(
        err({
          code: "BLUEPRINT_DUPLICATE_TASK_KEY",
          message: `task_key ${JSON.stringify(key)} is used twice in job ${node.path}: tasks[${first}] and tasks[${i}]`,
          ...at(source, [...segs, "task_key"]),
          hint: "Task keys must be unique within a job.",
        }),
      );
    } else keys.set(key, i);
    const kinds = TASK_KINDS.filter((k) => k in task);
    if (typeof task.notebook_path === "string" && kinds.length) {
      out.push(
        err({
          code: "BLUEPRINT_TASK_AMBIGUOUS",
          message: `task ${JSON.stringify(key)} has both the short-form notebook_path and ${kinds.join(", ")}`,
          ...at(source, segs),
          hint: "Use either the short form (notebook_path) or the Jobs API form, not both.",
        }),
      );
    } else if (typeof task.notebook_path !== "string" && !kinds.length) {
      const suggestion = Object.keys(task)
        .map((k) => closest(k, ["notebook_path", ...TASK_KINDS]))
        .find((s) => s !== undefined);
      out.push(
        err({
          code: "BLUEPRINT_TASK_EMPTY",
          message: `task ${JSON.stringify(key)} of job ${node.path} has nothing to run (no notebook_path and no *_task)`,
          ...at(source, segs),
          hint: `${suggestion ? `Did you mean ${JSON.stringify(suggestion)}? ` : ""}Add notebook_path (short form) or a Jobs API task such as notebook_task.`,
        }),
      );
    }
  });
  // Unknown depends_on keys and cycles among tasks.
  const graph: { id: string; deps: string[] }[] = [];
  tasks.forEach((t, i) => {
    const task = rec(t);
    const key = str(task?.task_key);
    if (!task || !key) return;
    const deps = dependsOnKeys(task);
    deps.forEach((d, j) => {
      if (!keys.has(d)) {
        const s = didYouMean(d, keys.keys());
        out.push(
          err({
            code: "BLUEPRINT_UNKNOWN_TASK",
            message: `task ${JSON.stringify(key)} depends on ${JSON.stringify(d)}, which is not a task of job ${node.path}`,
            ...at(source, [...node.segments, "tasks", i, "depends_on", j]),
            hint: `${s ? `${s} ` : ""}Task keys of this job: ${[...keys.keys()].join(", ")}.`,
          }),
        );
      }
    });
    if (keys.get(key) === i) graph.push({ id: key, deps });
  });
  for (const cycle of findCycles(graph)) {
    const first = cycle[0] as string;
    out.push(
      err({
        code: "BLUEPRINT_TASK_CYCLE",
        message: `tasks of job ${node.path} depend on each other in a cycle: ${cycle.join(" → ")}`,
        ...at(source, [...node.segments, "tasks", keys.get(first) as number]),
        hint: `Remove one depends_on between ${JSON.stringify(first)} and ${JSON.stringify(cycle[cycle.length - 2])}.`,
      }),
    );
  }
  return out;
}

/**
 * Per-entry consistency: layers the convention allows, KMS settings, Glue table location,
 * job tasks (unique keys, known dependencies, no cycles, something to run), volume storage,
 * duplicate columns; and what the platforms would refuse: Glue names, types, comments and
 * descriptions (glue-rules.ts), UC table DDL (uc-table-rules.ts), cluster settings
 * (cluster-rules.ts). Never throws.
 */
export function checkEntryRules(
  nodes: readonly ResourceNode[],
  source: JsonSource,
  layers: Set<string>,
): Problem[] {
  const out: Problem[] = [];
  for (const node of nodes) {
    const e = node.entry;
    const layer = str(e.layer);
    if (
      layer !== undefined &&
      layer !== "" &&
      (node.type === "aws_s3_bucket" || node.type === "aws_glue_database" || node.type === "dbx_schema") &&
      !layers.has(layer)
    ) {
      const s = didYouMean(layer, layers);
      out.push(
        err({
          code: "BLUEPRINT_UNKNOWN_LAYER",
          message: `layer ${JSON.stringify(layer)} of ${node.path} is not a known layer (allowed: ${[...layers].join(", ")})`,
          ...at(source, [...node.segments, "layer"]),
          hint: `${s ? `${s} ` : ""}Use one of: ${[...layers].join(", ")}; or allow it by setting layer: ${layer} in the convention's naming-values.yaml.`,
        }),
      );
    }
    switch (node.type) {
      case "aws_s3_bucket": {
        const enc = str(e.encryption) ?? "AES256";
        if (enc === "aws:kms" && !str(e.kms_key_id)) {
          out.push(
            err({
              code: "BLUEPRINT_KMS_KEY_REQUIRED",
              message: `bucket ${node.path} uses encryption aws:kms but has no kms_key_id`,
              ...at(source, [...node.segments, "encryption"]),
              hint: "Add kms_key_id (a KMS key id or ARN), or use encryption AES256.",
            }),
          );
        } else if (enc === "AES256" && str(e.kms_key_id)) {
          out.push(
            err({
              code: "BLUEPRINT_KMS_KEY_UNUSED",
              message: `bucket ${node.path} sets kms_key_id but its encryption is AES256, which does not use it`,
              ...at(source, [...node.segments, "kms_key_id"]),
              hint: 'Set "encryption": "aws:kms", or remove kms_key_id.',
            }),
          );
        }
        break;
      }
      case "aws_glue_database":
        out.push(...checkGlueEntry(node, source));
        break;
      case "aws_glue_table": {
        out.push(...checkGlueEntry(node, source));
        if (e.location !== undefined && e.bucket_ref !== undefined) {
          out.push(
            err({
              code: "BLUEPRINT_LOCATION_CONFLICT",
              message: `Glue table ${node.path} has both location and bucket_ref`,
              ...at(source, [...node.segments, "location"]),
              hint: "Keep one: location (an explicit s3:// path) or bucket_ref (derives s3://<bucket>/<database>/<table>/).",
            }),
          );
        }
        out.push(
          ...duplicateColumns(
            source,
            node.segments,
            [
              ["columns", e.columns],
              ["partition_keys", e.partition_keys],
            ],
            `Glue table ${node.path}`,
          ),
        );
        break;
      }
      case "dbx_cluster":
        out.push(...checkClusterEntry(node, source));
        break;
      case "dbx_job":
        out.push(...checkTasks(node, source));
        break;
      case "dbx_volume": {
        const vt = str(e.volume_type) ?? "MANAGED";
        if (vt === "EXTERNAL" && !str(e.storage_location)) {
          out.push(
            err({
              code: "BLUEPRINT_STORAGE_LOCATION_REQUIRED",
              message: `EXTERNAL volume ${node.path} has no storage_location`,
              ...at(source, [...node.segments, "volume_type"]),
              hint: "Add storage_location (an s3:// path under an external location), or make the volume MANAGED.",
            }),
          );
        } else if (vt === "MANAGED" && e.storage_location !== undefined) {
          out.push(
            err({
              code: "BLUEPRINT_STORAGE_LOCATION_FORBIDDEN",
              message: `MANAGED volume ${node.path} sets storage_location, which Unity Catalog refuses for managed volumes`,
              ...at(source, [...node.segments, "storage_location"]),
              hint: 'Remove storage_location, or set "volume_type": "EXTERNAL".',
            }),
          );
        }
        break;
      }
      case "dbx_table":
        out.push(...duplicateColumns(source, node.segments, [["columns", e.columns]], `table ${node.path}`));
        out.push(...checkUcTableEntry(node, source));
        break;
      default:
        break;
    }
  }
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
