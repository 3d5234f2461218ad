/**
 * The type spec: everything dpn knows about one provisioned resource type that is not the cloud
 * call itself — where its entries sit in a blueprint and what they may hold, how an entry becomes
 * desired properties, the plan-time rules, what `dpn update` may change, where its tags go, the
 * engine's facts (rate-limit service, whether the create carries the ownership marker), and what
 * the management commands read from a state row or a remote id. One spec per type in this folder;
 * `registry.ts` holds them all, keyed by `ProvisionedType` so that a missing spec does not compile.
 *
 * The cloud call lives in a provider (providers/aws, providers/databricks) and the simulation in
 * a sandbox model (providers/sandbox/models); both are registered in maps typed from the registry.
 */
import type { Problem } from "../core/errors.js";
import type { PropsByType, ProvisionedType } from "../core/resources.js";
import type { CheckTagsOptions, TypeTags } from "../naming/tags.js";
import type { PathSegment } from "./kit/json-path.js";
import type { Locator } from "./kit/located.js";
import type { Definition, JsonSchema } from "./kit/schema-builder.js";
import type { ServiceName } from "./services.js";

/** The two clouds dpn provisions on. */
export type Cloud = "aws" | "databricks";

/** A property key of type T's desired properties (distributes over a union of types). */
export type PropKey<T extends ProvisionedType> = T extends ProvisionedType
  ? keyof PropsByType[T] & string
  : never;

// ---------------------------------------------------------------------------------------------
// Blueprint
// ---------------------------------------------------------------------------------------------

/**
 * Where a type's entries live in a blueprint: a list under `resources` (`group`, e.g.
 * `["aws", "s3_buckets"]` for `resources.aws.s3_buckets`), or a list inside each entry of a parent
 * type (`parent` + `key`, e.g. a UC schema's `tables`). A nested entry inherits its parents'
 * naming values and is qualified by its parent: its full name is `<parent full name>.<name>` and
 * it depends on the parent.
 */
export type Placement =
  | { readonly group: readonly [string, ...string[]] }
  | { readonly parent: ProvisionedType; readonly key: string };

/**
 * A field of an entry that names another resource (`database_ref`, `bucket_ref`, `cluster_ref`).
 * Resolution looks the value up among the target type's entries — by their generated name or
 * their `alias` — or, failing that, in state; the referring resource then depends on the target.
 */
export interface Reference {
  /** The referring field, e.g. `database_ref`. */
  readonly field: string;
  /** The type the value must name. */
  readonly target: ProvisionedType;
  /** What the value must name, in messages: "glue database", "bucket", "cluster". */
  readonly kind: string;
  /**
   * The target's name qualifies this resource: full name `<target name>.<name>` (a Glue table in
   * its database). A resource has at most one qualifying reference and then no parent.
   */
  readonly qualifies?: true;
}

/** One blueprint entry as the rules see it (blueprint/resource-node.ts `ResourceNode` is one). */
export interface EntryNode {
  readonly type: ProvisionedType;
  /** JSON path segments of the entry, and the formatted path (`$.resources.aws.s3_buckets[0]`). */
  readonly segments: readonly PathSegment[];
  readonly path: string;
  /** The entry as written; its shape is not guaranteed when the schema reported problems in it. */
  readonly entry: Record<string, unknown>;
}

/** What a type's plan-time `check` may use besides the entry. */
export interface CheckContext {
  /** The parsed blueprint, to locate problems (line:column). */
  readonly source: Locator;
  /** Layers the convention allows (standard layers plus the convention's own). */
  readonly layers: ReadonlySet<string>;
}

/** The resolved facts one entry's properties are computed from. */
export interface ResolutionContext {
  /** The blueprint's region (`--override region` first), "" when unknown. */
  readonly region: string;
  /** The entry's generated name and its full name (`db.table`, `catalog.schema.table`). */
  readonly name: string;
  readonly fullName: string;
  /** Names of the enclosing entries, outermost first: `[catalog]` for a schema, `[catalog, schema]` for a table. */
  readonly parents: readonly string[];
  /** Each declared reference that resolved, by field: the target's address and name. */
  readonly refs: Readonly<Record<string, { address: string; name: string }>>;
  /** The raw value a naming variable resolved to for this entry (e.g. `table_type`). */
  namingValue(variable: string): string | undefined;
}

export interface BlueprintSpec<T extends ProvisionedType> {
  readonly placement: Placement;
  /** The entry's JSON Schema, published as `$defs[entry.name]` of schemas/blueprint.schema.json. */
  readonly entry: Definition;
  /** Helper definitions the entry's schema refers to (a job's `task`), published before it. */
  readonly definitions?: readonly Definition[];
  /** Fields naming other resources, in the order they are resolved and become dependencies. */
  readonly references: readonly Reference[];
  /** How references may spell an entry of this type besides its generated name (a cluster's workload). */
  alias?(entry: Record<string, unknown>): string | undefined;
  /**
   * The desired properties of an entry whose name, address and references all resolved; defaults
   * applied. undefined when they cannot be formed (the problem is reported elsewhere). Pure.
   */
  properties(entry: Record<string, unknown>, ctx: ResolutionContext): PropsByType[T] | undefined;
  /**
   * Plan-time rules of one entry (Pulumi's "check"): what the convention or the platform would
   * refuse, each problem located, in the order they are reported. Never throws.
   */
  check(node: EntryNode, ctx: CheckContext): Problem[];
  /** How the entry's tags are counted (a single-node cluster has one tag fewer, userTagBudget). */
  tagOptions?(entry: Record<string, unknown>): Pick<CheckTagsOptions, "singleNode">;
}

// ---------------------------------------------------------------------------------------------
// dpn update
// ---------------------------------------------------------------------------------------------

export interface UpdateSpec<T extends ProvisionedType> {
  /**
   * The settings `dpn update --params` may change in place, each with its JSON Schema (besides
   * `tags`, which every type has), in the order schemas/update-<type>.schema.json lists them.
   */
  readonly settings: { readonly [K in PropKey<T>]?: JsonSchema };
  /** Settings that exist but cannot change in place (a replacement is needed), with the reason. */
  readonly immutable: { readonly [K in PropKey<T>]?: string };
  /** Whether the platform can rename such an object at all (dpn never does: names come from the convention). */
  readonly platformRenames: boolean;
  /** Settings that exclude each other, after `params` were applied to `props` (mutates `props`). */
  afterApply?(props: Record<string, unknown>, params: Readonly<Record<string, unknown>>): void;
}

// ---------------------------------------------------------------------------------------------
// Engine and management commands
// ---------------------------------------------------------------------------------------------

export interface EngineSpec {
  /** The rate-limit and reporting bucket its provider's calls count against (services.ts). */
  readonly service: ServiceName;
  /**
   * True when the create call itself carries dpn's ownership marker; false when the marker is a
   * second call (S3 bucket tagging, UC volume tag assignments), so that a crash in between leaves
   * an unmarked object of ours that the engine may claim on evidence (engine/claim.ts).
   */
  readonly markerInCreate: boolean;
}

/** The fields of a state row the management facts read (engine/ports.ts `ResourceRecord` is one). */
export interface StateRow {
  readonly address: string;
  readonly type: ProvisionedType;
  readonly name: string;
  readonly fullName: string;
  readonly remoteId: string;
  readonly properties: Record<string, unknown>;
}

/** Whether a row is one the resource depends on. */
export type RowMatch = (candidate: StateRow) => boolean;

export interface ManageSpec<T extends ProvisionedType> {
  /** Property keys of the desired vocabulary (live objects may report more). */
  readonly desiredKeys: readonly PropKey<T>[];
  /**
   * Fill what the live vocabulary spells differently (a job reports its cluster's id; the desired
   * vocabulary wants the cluster's address). Mutates `props`.
   */
  desiredFromLive?(
    props: Record<string, unknown>,
    live: Readonly<Record<string, unknown>>,
    rows: readonly StateRow[],
  ): void;
  /** What the resource depends on, read from its settings (parent names, cluster, s3:// locations). */
  dependsOn(row: StateRow): RowMatch[];
  /**
   * The properties a natural-key lookup needs, from the parts of a remote id or full name split
   * at dots (a Glue table's database, a UC table's catalog and schema).
   */
  idProperties(parts: readonly string[]): Partial<PropsByType[T]>;
}

/**
 * How objects of the type are identified. `unique`: the (full) name is the natural key and
 * unique on the platform, so a lookup by name finds the one object. Otherwise the platform
 * assigns an id (`remoteIdField`) and names repeat: a lookup by name alone means nothing, and
 * dpn finds its own objects by name together with its ownership marker.
 */
export type NaturalKey =
  | { readonly unique: true }
  | { readonly unique: false; readonly remoteIdField: string };

/** One provisioned resource type. See the module comment; `registry.ts` lists them all. */
export interface TypeSpec<T extends ProvisionedType = ProvisionedType, C extends Cloud = Cloud> {
  readonly type: T;
  readonly cloud: C;
  /** What one object is called in messages: "bucket", "Glue table" (the noun tag messages use). */
  readonly noun: string;
  /** The naming convention's type key whose template names it. */
  readonly namingType: string;
  readonly naturalKey: NaturalKey;
  readonly blueprint: BlueprintSpec<T>;
  readonly update: UpdateSpec<T>;
  /** Where its tags go, the platform's maximum there and dpn's markers (naming/tags.ts `TYPE_TAGS`). */
  readonly tags: TypeTags;
  readonly engine: EngineSpec;
  readonly manage: ManageSpec<T>;
}
