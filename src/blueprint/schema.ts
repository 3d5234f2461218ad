/**
 * The blueprint v1.0 format: `blueprintSchema` is the published JSON Schema (draft 2020-12,
 * written to schemas/blueprint.schema.json). The document's frame (version, metadata, scope) is
 * defined here; each resource type's entry schema and where its entries sit come from its type
 * spec (src/types/), so `resources` and `$defs` are assembled from the registry. v0.1 blueprints
 * are valid v1.0 blueprints: every field added since is optional.
 */
import { PROVISIONED_TYPES } from "../core/resources.js";
import { columnDefinition } from "../types/kit/blueprint-fragments.js";
import {
  arr,
  type Definition,
  type Infer,
  type JsonSchema,
  obj,
  oneOfStrings,
  opt,
  ref,
  type Sch,
  str,
} from "../types/kit/schema-builder.js";
import { specOf } from "../types/registry.js";

export { CLUSTER_TYPES } from "../types/dbx-cluster.js";
// The vocabularies the entries use, where they have always been importable from.
export { type BlueprintColumn, STANDARD_LAYERS, TABLE_TYPES } from "../types/kit/blueprint-fragments.js";
export const DATA_CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"] as const;

const metadata = obj(
  {
    environment: oneOfStrings(["dev", "stg", "prd"]),
    project: str({ pattern: "^[a-z0-9-]+$", description: "Project: lowercase letters, digits and hyphens." }),
    region: str({ pattern: "^[a-z]{2}(-[a-z]+)+-[0-9]+$", description: "AWS region, e.g. us-east-1." }),
    team: opt(str()),
    cost_center: opt(str()),
    data_classification: opt(oneOfStrings(DATA_CLASSIFICATIONS)),
    owner: opt(str()),
  },
  { rest: str(), description: "Who and where; other string keys are naming values." },
);

const scope = obj(
  {
    mode: oneOfStrings(["include", "exclude"]),
    patterns: arr(str({ minLength: 1 }), {
      minItems: 1,
      description: "Globs (* and ?) over resource types (aws_s3_bucket, dbx_*) or addresses.",
    }),
  },
  { description: "Restrict the plan to some resources." },
);

/** The `resources` lists, grouped by platform: `{ [platform]: { [group]: entry[] | { ... } } }`. */
export type BlueprintResources = { [platform: string]: Record<string, unknown> | undefined };

type GroupTree = Map<string, GroupTree | Definition>;

/**
 * `resources` from the specs' group paths, in registry order: every level optional, each list an
 * array of the type's entry definition. Nested types (UC schemas, tables, volumes) are listed by
 * their parent's own entry schema.
 */
function resourcesSchema(): Sch<BlueprintResources> {
  const root: GroupTree = new Map();
  for (const type of PROVISIONED_TYPES) {
    const { placement, entry } = specOf(type).blueprint;
    if (!("group" in placement)) continue;
    let node = root;
    const path = placement.group;
    path.forEach((segment, i) => {
      if (i === path.length - 1) {
        node.set(segment, entry);
        return;
      }
      let child = node.get(segment);
      if (!(child instanceof Map)) {
        child = new Map();
        node.set(segment, child);
      }
      node = child;
    });
  }
  const members = (tree: GroupTree): Record<string, Sch<unknown> & { optional: true }> =>
    Object.fromEntries(
      [...tree].map(([key, v]) => {
        const member: Sch<unknown> = v instanceof Map ? obj(members(v)) : arr(ref(v));
        return [key, opt(member)];
      }),
    );
  return obj(members(root), {
    description: "The resources, grouped by platform.",
  }) as Sch<BlueprintResources>;
}

/** `$defs`: the shared column, then each type's helper definitions and its entry, in registry order. */
function definitions(): Record<string, JsonSchema> {
  const defs: Record<string, JsonSchema> = { [columnDefinition.name]: columnDefinition.schema.schema };
  for (const type of PROVISIONED_TYPES) {
    const b = specOf(type).blueprint;
    for (const d of [...(b.definitions ?? []), b.entry]) defs[d.name] = d.schema.schema;
  }
  return defs;
}

const resources = resourcesSchema();

const blueprint = obj(
  {
    $schema: opt(str({ description: "Where editors find this schema." })),
    version: oneOfStrings(["1.0"]),
    metadata,
    resources,
    scope: opt(scope),
  },
  { description: "A dpn blueprint: the resources of one project in one environment." },
);

export type Blueprint = Infer<typeof blueprint>;
export type BlueprintMetadata = Blueprint["metadata"];
export type BlueprintScope = Infer<typeof scope>;

/** Where the published schema lives (its `$id`). */
export const BLUEPRINT_SCHEMA_ID = "https://data-platform-naming.dev/schemas/blueprint.schema.json";

/**
 * The JSON Schema (draft 2020-12) of blueprint v1.0. A plain JSON value: the lead writes it to
 * schemas/blueprint.schema.json, and `checkBlueprintSchema` validates with it.
 */
export const blueprintSchema: JsonSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: BLUEPRINT_SCHEMA_ID,
  title: "dpn blueprint v1.0",
  ...blueprint.schema,
  $defs: definitions(),
};
