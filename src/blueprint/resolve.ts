/**
 * Resolution: a loaded blueprint + a convention → desired resources with generated names,
 * qualified addresses, dependencies, defaults applied and an execution order. Every problem
 * (schema, naming, rules) is collected with its JSON path and line:column; nothing is thrown
 * for a problem of the blueprint. What is particular to a resource type (where its entries sit,
 * what it refers to, its properties, its rules) comes from its type spec (src/types/); this file
 * runs the passes: entries and names, addresses and references, properties and tags, then rules,
 * scope and order.
 */
import { isDpnError, type Problem } from "../core/errors.js";
import { topoOrder } from "../core/graph.js";
import { type DesiredResource, PROVISIONED_TYPES, type ProvisionedType } from "../core/resources.js";
import { generateName } from "../naming/generate.js";
import { checkTags, standardTags } from "../naming/tags.js";
import type { Convention, NameRequest, NameResult, Values } from "../naming/types.js";
import { specOf } from "../types/registry.js";
import type { Reference, ResolutionContext } from "../types/spec.js";
import { formatPath, type JsonSource, type PathSegment, parsePath } from "./json-source.js";
import type { LoadedBlueprint } from "./load.js";
import type { RefUse, ResourceNode } from "./resource-node.js";
import {
  allowedLayers,
  checkCycles,
  checkDuplicates,
  checkEntryRules,
  checkMetadataKeys,
  checkReferences,
  checkScopeClosure,
  checkScopePatterns,
} from "./rules.js";
import { compileScope, type ScopeSpec, scopeOf } from "./scope.js";

export interface ResolveOptions {
  /** `--override key=value`: naming layer 1, applied to every resource. */
  overrides?: Values;
  /** True when the address already exists in state (scope closure and references to it). */
  existsInState?: (address: string) => boolean;
}

export interface ResolvedBlueprint {
  file: string;
  /** The blueprint metadata (string values). */
  metadata: Values;
  /** Which stack this blueprint is: the effective project and environment. */
  stackKey: { project: string; environment: string };
  /** Resources kept by `scope`, in blueprint order. Entries that could not be resolved (bad shape, name or reference) are left out. */
  resources: DesiredResource[];
  /** Addresses of `resources`, dependencies first, ties in blueprint order. */
  executionOrder: string[];
  /** Every problem found (errors and warnings), in document order. */
  problems: Problem[];
  /** The blueprint's `scope`, when it has one: what the blueprint speaks for (removals only within it). */
  scope?: ScopeSpec;
}

/** The variables standardTags (naming/tags.ts) reads: Environment, Project, Team, CostCenter, DataClassification, Owner. */
const TAG_VARIABLES = [
  "environment",
  "project",
  "team",
  "cost_center",
  "data_classification",
  "owner",
] as const;

/** The lists of the blueprint that hold entries, as a tree of keys under `resources`. */
type GroupTree = Map<string, GroupTree | ProvisionedType>;

/** Where every type's entries sit, from the specs' placements. */
const LAYOUT = (() => {
  const groups: GroupTree = new Map();
  /** For each parent type, its entries' keys that list nested entries, and their type. */
  const nested = new Map<ProvisionedType, Map<string, ProvisionedType>>();
  /** Keys of lists of entries (the owner of a schema problem is the deepest entry on its path). */
  const listKeys = new Set<string>();
  for (const type of PROVISIONED_TYPES) {
    const placement = specOf(type).blueprint.placement;
    if ("group" in placement) {
      let node = groups;
      const path = placement.group;
      path.forEach((segment, i) => {
        if (i === path.length - 1) {
          node.set(segment, type);
          return;
        }
        let child = node.get(segment);
        if (!(child instanceof Map)) {
          child = new Map();
          node.set(segment, child);
        }
        node = child;
      });
      listKeys.add(path[path.length - 1] as string);
    } else {
      let keys = nested.get(placement.parent);
      if (!keys) {
        keys = new Map();
        nested.set(placement.parent, keys);
      }
      keys.set(placement.key, type);
      listKeys.add(placement.key);
    }
  }
  return { groups, nested, listKeys };
})();

const rec = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function stringFields(o: Record<string, unknown>, skip?: ReadonlySet<string>): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === "string" && !skip?.has(k)) out[k] = v;
  return out;
}

/**
 * The hint for a naming variable the entry sets to a non-string (a job's `schedule: {cron, …}`),
 * which gives the name no value; undefined when the entry does not set it so.
 */
function objectFieldHint(entry: Record<string, unknown>, variable: string, type: string): string | undefined {
  const v = entry[variable];
  if (v === undefined || v === null || typeof v === "string") return undefined;
  return (
    `${variable} is ${Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : `a ${typeof v}`} here, which gives the name no ${variable} value: ` +
    `set one for every ${type} under resource_types.${type}.${variable} in .dpn/naming-values.yaml, pass --override ${variable}=<value>, ` +
    `or make the segment optional ({-${variable}?}) in the ${type} pattern of .dpn/naming-patterns.yaml.`
  );
}

/** Parent fields that describe the parent itself, not naming values its children inherit. */
const NOT_INHERITED = new Set(["comment", "description", "storage_root", "storage_location"]);

/** The entry that owns a schema problem: the deepest blueprint entry on its path. */
function ownerOf(path: string | undefined): string | undefined {
  const segs = path ? parsePath(path) : undefined;
  if (!segs) return undefined;
  for (let k = segs.length - 1; k > 0; k--) {
    if (typeof segs[k] === "number" && LAYOUT.listKeys.has(String(segs[k - 1])))
      return formatPath(segs.slice(0, k + 1));
  }
  return undefined;
}

interface Pending {
  node: ResourceNode;
  request: NameRequest;
  named?: NameResult;
  /** The parent (catalog for a schema, schema for a table/volume). */
  parent?: Pending;
  /** Each reference that resolved to an address, by field: the target's address and name. */
  resolvedRefs: Record<string, { address: string; name: string }>;
}

/** One resolution in progress: its inputs and the problems found so far. */
interface Run {
  source: JsonSource;
  conv: Convention;
  overrides: Values;
  metadata: Values;
  existsInState: ((address: string) => boolean) | undefined;
  problems: Problem[];
  /** Every entry in document order. */
  pending: Pending[];
}

/** `q` located at `segments` of the blueprint (its severity defaults to `severity`). */
function locate(
  run: Run,
  q: Problem,
  segments: readonly PathSegment[],
  severity: "error" | "warning",
): Problem {
  const loc = run.source.locateValue(segments);
  return {
    ...q,
    path: formatPath(segments),
    file: run.source.file,
    line: loc.line,
    column: loc.column,
    severity: q.severity ?? severity,
  };
}

/**
 * Resolves a loaded blueprint with a convention. Never throws for problems of the blueprint or
 * its names: they are all in `problems` (use `hasErrors` / `assertResolved` to refuse). Only
 * programming errors (non-DpnError exceptions from the naming engine) propagate.
 */
export function resolveBlueprint(
  bp: LoadedBlueprint,
  conv: Convention,
  opts: ResolveOptions = {},
): ResolvedBlueprint {
  const data = rec(bp.data) ?? {};
  const run: Run = {
    source: bp.source,
    conv,
    overrides: opts.overrides ?? {},
    metadata: stringFields(rec(data.metadata) ?? {}),
    existsInState: opts.existsInState,
    problems: [...bp.problems],
    pending: [],
  };
  collectEntries(run, data.resources, bp.problems);
  qualifyByParent(run.pending);
  resolveReferences(run);
  buildResources(run);
  const { resources, executionOrder } = checkAndOrder(run, data);

  const { overrides, metadata, pending } = run;
  const environment =
    overrides.environment ?? pending.find((p) => p.named)?.named?.environment ?? metadata.environment ?? "";
  return {
    file: bp.file,
    metadata,
    stackKey: { project: overrides.project ?? metadata.project ?? "", environment },
    resources,
    executionOrder,
    problems: sortProblems(dedupe(run.problems)),
    ...withScope(scopeOf(data.scope)),
  };
}

const withScope = (scope: ScopeSpec | undefined) => (scope ? { scope } : {});

/**
 * Pass 1: walk the blueprint in document order (the lists the specs' placements name, nested
 * lists inside their parent entries) and generate every entry's own name.
 */
function collectEntries(run: Run, resources: unknown, schemaProblems: readonly Problem[]): void {
  const invalidOwners = new Set(schemaProblems.map((p) => ownerOf(p.path)).filter((o): o is string => !!o));
  // With broken metadata every name would fail the same way; the schema problems say it once.
  const metadataBroken = schemaProblems.some(
    (p) => p.path === "$" || p.path?.startsWith("$.metadata") || p.path?.startsWith("$.version"),
  );

  const add = (
    type: ProvisionedType,
    segments: PathSegment[],
    entry: Record<string, unknown>,
    parent: Pending | undefined,
    inherited: Values | undefined,
  ): Pending => {
    const path = formatPath(segments);
    const node: ResourceNode = {
      type,
      order: run.pending.length,
      segments,
      path,
      entry,
      invalid: invalidOwners.has(path),
      dependencies: [],
      refs: [],
    };
    const request: NameRequest = {
      type: specOf(type).namingType,
      overrides: run.overrides,
      resource: { ...inherited, ...stringFields(entry) },
      metadata: run.metadata,
      context: path,
    };
    const p: Pending = { node, request, resolvedRefs: {} };
    if (parent) p.parent = parent;
    if (!node.invalid && !metadataBroken) {
      try {
        p.named = generateName(run.conv, request);
        node.name = p.named.name;
        for (const w of p.named.warnings) run.problems.push(locate(run, w, segments, "warning"));
      } catch (e) {
        if (!isDpnError(e)) throw e;
        const list = e.problems.length
          ? e.problems
          : [{ code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) }];
        // MISSING_VARIABLE problems come in the order of details.variables
        const missing =
          e.code === "MISSING_VARIABLE" ? (e.details.variables as string[] | undefined) : undefined;
        list.forEach((q, i) => {
          const hint =
            missing?.[i] === undefined ? undefined : objectFieldHint(entry, missing[i], request.type);
          run.problems.push(locate(run, hint ? { ...q, hint } : q, segments, "error"));
        });
      }
    }
    run.pending.push(p);
    return p;
  };

  // An entry, then the entries nested in it (which inherit its naming values).
  const addEntry = (
    type: ProvisionedType,
    segments: PathSegment[],
    entry: Record<string, unknown>,
    parent?: Pending,
    inherited?: Values,
  ): void => {
    const p = add(type, segments, entry, parent, inherited);
    const children = LAYOUT.nested.get(type);
    if (!children) return;
    const values = { ...inherited, ...stringFields(entry, NOT_INHERITED) };
    for (const key of Object.keys(entry)) {
      const childType = children.get(key);
      if (childType) addList(childType, entry[key], [...segments, key], p, values);
    }
  };
  const addList = (
    type: ProvisionedType,
    list: unknown,
    segments: PathSegment[],
    parent?: Pending,
    inherited?: Values,
  ): void => {
    arr(list).forEach((e, i) => {
      const entry = rec(e);
      if (entry) addEntry(type, [...segments, i], entry, parent, inherited);
    });
  };
  const walk = (value: unknown, tree: GroupTree, segments: PathSegment[]): void => {
    for (const [key, v] of Object.entries(rec(value) ?? {})) {
      const child = tree.get(key);
      if (child instanceof Map) walk(v, child, [...segments, key]);
      else if (child !== undefined) addList(child, v, [...segments, key]);
    }
  };
  walk(resources, LAYOUT.groups, ["resources"]);
}

/**
 * Pass 2: addresses of the entries that need no reference: `<type>.<name>`, or for a nested
 * entry `<type>.<parent full name>.<name>`, depending on the parent (parents come first in
 * document order, so theirs are known).
 */
function qualifyByParent(pending: readonly Pending[]): void {
  for (const p of pending) {
    const n = p.node;
    if (!n.name) continue;
    const b = specOf(n.type).blueprint;
    if ("parent" in b.placement) {
      const parent = p.parent?.node;
      if (parent?.fullName) {
        n.fullName = `${parent.fullName}.${n.name}`;
        n.address = `${n.type}.${n.fullName}`;
        n.dependencies.push(parent.address as string);
      }
    } else if (!b.references.some((r) => r.qualifies)) {
      n.address = `${n.type}.${n.name}`;
      n.fullName = n.name;
    }
  }
}

/**
 * Pass 3: every declared reference, by referring type in registry order and entry in document
 * order. A reference resolves to the one entry of the target type it names (by generated name or
 * the target's alias), or to a resource of that name in state; it becomes a dependency, and a
 * qualifying reference (a Glue table's database) also gives the entry its full name and address.
 */
function resolveReferences(run: Run): void {
  const byType = (t: ProvisionedType) => run.pending.filter((p) => p.node.type === t);
  // Reference targets: what each target may be spelled as (alias first, then generated name).
  const targets = new Map<ProvisionedType, Map<string, Pending[]>>();
  for (const type of PROVISIONED_TYPES) {
    for (const ref of specOf(type).blueprint.references) {
      if (targets.has(ref.target)) continue;
      const alias = specOf(ref.target).blueprint.alias;
      const m = new Map<string, Pending[]>();
      for (const p of byType(ref.target)) {
        for (const k of new Set([alias?.(p.node.entry), p.node.name])) {
          if (!k) continue;
          const l = m.get(k);
          if (l) l.push(p);
          else m.set(k, [p]);
        }
      }
      targets.set(ref.target, m);
    }
  }

  // One shared candidate list per target (thousands of references use the same one).
  const candidateLists = new Map<Map<string, Pending[]>, string[]>();
  const candidatesOf = (m: Map<string, Pending[]>): string[] => {
    let l = candidateLists.get(m);
    if (!l) {
      l = [...m.keys()];
      candidateLists.set(m, l);
    }
    return l;
  };
  const resolveRef = (
    p: Pending,
    decl: Reference,
  ): { ref: RefUse; target?: Pending; external?: string } | undefined => {
    const { field, kind, target: targetType } = decl;
    const value = p.node.entry[field];
    if (typeof value !== "string" || value === "") return undefined;
    const found = targets.get(targetType) as Map<string, Pending[]>;
    const ref: RefUse = {
      field,
      value,
      kind,
      targetType,
      candidates: candidatesOf(found),
      segments: [...p.node.segments, field],
    };
    p.node.refs.push(ref);
    // Entries with the same address are one target here (the duplicate is reported on its own).
    const byKey = new Map<string, Pending>();
    for (const t of found.get(value) ?? []) {
      const k = t.node.address ?? t.node.path;
      if (!byKey.has(k)) byKey.set(k, t);
    }
    const distinct = [...byKey.values()];
    if (distinct.length > 1) {
      ref.ambiguous = distinct.map((t) => t.node.address ?? t.node.path);
      return { ref };
    }
    const t = distinct[0];
    if (t) {
      // A target whose own entry is broken has no address; its problem is already reported.
      ref.target = t.node.address ?? t.node.path;
      return t.node.address ? { ref, target: t } : { ref };
    }
    // Not in the blueprint: accepted when state already has a resource of that name.
    const external = `${targetType}.${value}`;
    if (run.existsInState?.(external)) {
      ref.target = external;
      return { ref, external };
    }
    return { ref };
  };

  for (const type of PROVISIONED_TYPES) {
    const decls = specOf(type).blueprint.references;
    if (decls.length === 0) continue;
    for (const p of byType(type)) {
      const resolved = decls.map((decl) => ({ decl, r: resolveRef(p, decl) }));
      for (const { decl, r } of resolved) {
        const address = r?.target?.node.address ?? r?.external;
        const name = r?.target?.node.name ?? (r?.external ? (p.node.entry[decl.field] as string) : undefined);
        if (address && name) p.resolvedRefs[decl.field] = { address, name };
        if (decl.qualifies) {
          if (p.node.name && name && address) {
            p.node.fullName = `${name}.${p.node.name}`;
            p.node.address = `${type}.${p.node.fullName}`;
            p.node.dependencies.push(address);
          }
        } else if (address) p.node.dependencies.push(address);
      }
    }
  }
}

/**
 * Pass 4: the desired resource of every entry that resolved completely (name, address, every
 * reference): its spec's properties, the standard and blueprint tags, and the tag problems.
 */
function buildResources(run: Run): void {
  const { conv, overrides, metadata } = run;
  // Standard tags depend on the type and a handful of variables, not on the entry's naming
  // fields, so thousands of resources share a few tag sets: computing each set once keeps a
  // 9,000-resource blueprint fast. Only the tag variables are passed, which makes the cache exact.
  const tagCache = new Map<string, { tags: Record<string, string>; tagProblems: Problem[] }>();
  const tagsOf = (
    type: ProvisionedType,
    request: NameRequest,
    extra: Record<string, string>,
    singleNode: boolean,
  ) => {
    const resource: Values = {};
    for (const k of TAG_VARIABLES)
      if (request.resource?.[k] !== undefined) resource[k] = request.resource[k] as string;
    const key = JSON.stringify([type, resource, extra, singleNode]);
    let hit = tagCache.get(key);
    if (!hit) {
      const tags = standardTags(conv, { ...request, resource, extra });
      // Blueprint tags that replace a standard tag count as standard in the budget's breakdown.
      const standardKeys = Object.keys(standardTags(conv, { ...request, resource }));
      hit = { tags, tagProblems: checkTags(type, tags, { standardKeys, singleNode }) };
      tagCache.set(key, hit);
    }
    return { tags: { ...hit.tags }, tagProblems: hit.tagProblems };
  };

  const region = overrides.region ?? metadata.region ?? "";
  for (const p of run.pending) {
    const n = p.node;
    if (!n.address || !n.name || !n.fullName || n.invalid || !p.named) continue;
    if (n.refs.some((r) => r.target === undefined || !n.dependencies.includes(r.target))) continue;
    const b = specOf(n.type).blueprint;
    const props = b.properties(n.entry, resolutionContext(p, region));
    if (!props) continue;
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec(n.entry.tags) ?? {})) if (typeof v === "string") extra[k] = v;
    const singleNode = b.tagOptions?.(n.entry).singleNode ?? false;
    const { tags, tagProblems } = tagsOf(n.type, p.request, extra, singleNode);
    for (const q of tagProblems)
      run.problems.push(
        locate(run, q, n.entry.tags !== undefined ? [...n.segments, "tags"] : n.segments, "error"),
      );
    if (hasErrors(tagProblems)) continue;
    n.resource = {
      type: n.type,
      address: n.address,
      name: n.name,
      fullName: n.fullName,
      properties: props,
      tags,
      dependencies: [...n.dependencies],
      source: n.path,
      ...(rec(n.entry.lifecycle)?.prevent_destroy === true ? { preventDestroy: true } : {}),
    } as DesiredResource;
  }
}

/** What a spec's `properties` sees of a completely resolved entry. */
function resolutionContext(p: Pending, region: string): ResolutionContext {
  const parents: string[] = [];
  for (let q = p.parent; q; q = q.parent) parents.unshift(q.node.name as string);
  return {
    region,
    name: p.node.name as string,
    fullName: p.node.fullName as string,
    parents,
    refs: p.resolvedRefs,
    namingValue: (name) => p.named?.variables.find((v) => v.name === name)?.raw,
  };
}

/**
 * Pass 5: the rules over all entries, the scope, and the execution order of the resources the
 * scope keeps (blueprint order, each address once).
 */
function checkAndOrder(
  run: Run,
  data: Record<string, unknown>,
): { resources: DesiredResource[]; executionOrder: string[] } {
  const { source, problems } = run;
  const nodes = run.pending.map((p) => p.node);
  problems.push(...checkEntryRules(nodes, source, allowedLayers(run.conv, run.overrides)));
  problems.push(...checkReferences(nodes, source));
  problems.push(...checkDuplicates(nodes, source));
  problems.push(...checkCycles(nodes, source));
  problems.push(...checkMetadataKeys(data.metadata, source));

  const scope = compileScope(scopeOf(data.scope));
  const kept = new Set<string>();
  for (const n of nodes) if (n.address && scope.keeps(n.type, n.address)) kept.add(n.address);
  problems.push(...checkScopeClosure(nodes, kept, source, run.existsInState));
  if (data.scope !== undefined)
    problems.push(
      ...checkScopePatterns(scope.unusedPatterns(), source, [...new Set(nodes.map((n) => n.type))]),
    );

  const seen = new Set<string>();
  const resources: DesiredResource[] = [];
  for (const n of nodes) {
    if (!n.resource || !kept.has(n.resource.address) || seen.has(n.resource.address)) continue;
    seen.add(n.resource.address);
    resources.push(n.resource);
  }
  let executionOrder: string[] = [];
  try {
    executionOrder = topoOrder(resources.map((r) => ({ id: r.address, deps: r.dependencies })));
  } catch (e) {
    // A cycle is already reported by checkCycles with both ends located; no order exists then.
    if (!isDpnError(e)) throw e;
  }
  return { resources, executionOrder };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.code}|${p.path}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function sortProblems(problems: Problem[]): Problem[] {
  // Stable sort: problems without a position keep their place at the front.
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i)
    .map((x) => x.p);
}

/** True when any problem is an error (warnings never fail a command). */
export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity !== "warning");
}
