/**
 * Standard tags, per-target tag limits (naming-rules.md Part 1 "Tags" and Part 3 C4), and the
 * tag budget of each provisioned type: the platform maximum of the map dpn writes its tags to,
 * minus dpn's own markers there (`userTagBudget`, one `TYPE_TAGS` row per type).
 */
import { DpnError, type Problem } from "../core/errors.js";
import { MARKER_KEYS, type ProvisionedType } from "../core/resources.js";
import { resolutionContext, resolveVariable } from "./resolve.js";
import { measure, NOT_LATIN1 } from "./rules.js";
import type { Convention, NameRequest, TagTarget } from "./types.js";

interface TagLimits {
  maxTags: number;
  keyMax: number;
  valueMax: number;
  unit: "chars" | "bytes";
  /** A character NOT allowed in keys. */
  keyBad: RegExp;
  /** A character NOT allowed in values (undefined: free text). */
  valueBad?: RegExp;
  allowedText: string;
  latin1: boolean;
  /** Reserved key prefix (lowercase), checked case-insensitively. */
  reservedPrefix?: string;
  databricks: boolean;
}

// AWS: letters, numbers and spaces in any script, plus + - = . _ : / @ (the portable intersection).
const AWS_BAD = /[^\p{L}\p{N}\p{Zs}+\-=._:/@]/u;
// Databricks' own AWS tag normaliser: ASCII word characters, digits, space and + - = . : / @.
const DBX_BAD = /[^0-9A-Za-z_ +\-=.:/@]/;
const UC_KEY_BAD = /[.,\-=/:]/;

const LIMITS: Record<TagTarget, TagLimits> = {
  aws: {
    maxTags: 50,
    keyMax: 128,
    valueMax: 256,
    unit: "chars",
    keyBad: AWS_BAD,
    valueBad: AWS_BAD,
    allowedText: 'letters, digits, spaces and "+ - = . _ : / @"',
    latin1: false,
    reservedPrefix: "aws:",
    databricks: false,
  },
  glue: {
    maxTags: 50,
    keyMax: 128,
    valueMax: 256,
    unit: "bytes",
    keyBad: AWS_BAD,
    valueBad: AWS_BAD,
    allowedText: 'letters, digits, spaces and "+ - = . _ : / @"',
    latin1: false,
    reservedPrefix: "aws",
    databricks: false,
  },
  dbx_cluster: {
    maxTags: 45,
    keyMax: 127,
    valueMax: 255,
    unit: "chars",
    keyBad: DBX_BAD,
    valueBad: DBX_BAD,
    allowedText: 'ASCII letters, digits, "_", space and "+ - = . : / @"',
    latin1: true,
    reservedPrefix: "aws:",
    databricks: true,
  },
  dbx_job: {
    maxTags: 25,
    keyMax: 127,
    valueMax: 255,
    unit: "chars",
    keyBad: DBX_BAD,
    valueBad: DBX_BAD,
    allowedText: 'ASCII letters, digits, "_", space and "+ - = . : / @"',
    latin1: true,
    reservedPrefix: "aws:",
    databricks: true,
  },
  uc: {
    maxTags: 50,
    keyMax: 255,
    valueMax: 1000,
    unit: "chars",
    keyBad: UC_KEY_BAD,
    allowedText: 'anything except ". , - = / :" in keys',
    latin1: false,
    databricks: false,
  },
};

/** Tags Databricks sets itself on cluster/pool resources; custom tags must not collide with them. */
export const DATABRICKS_DEFAULT_TAGS: readonly string[] = Object.freeze([
  "Vendor",
  "ClusterId",
  "ClusterName",
  "Creator",
  "RunName",
  "JobId",
  "DatabricksInstancePoolCreatorId",
  "DatabricksInstancePoolId",
]);
const DBX_RESERVED = new Set(["name", ...DATABRICKS_DEFAULT_TAGS.map((t) => t.toLowerCase())]);

/**
 * The standard tags of a resource: Environment, Project, ManagedBy=dpn, Team, CostCenter,
 * DataClassification and Owner (each only when its value is known, through the same precedence
 * rule as names), then `extra` (which cannot replace ManagedBy). Ownership markers (stack id,
 * address) are added by the engine. Never throws.
 */
export function standardTags(
  conv: Convention,
  req: NameRequest & { extra?: Record<string, string> },
): Record<string, string> {
  const ctx = resolutionContext(conv, req);
  const value = (name: string): string | undefined => {
    try {
      return resolveVariable(conv, ctx, name)?.value;
    } catch {
      return undefined;
    }
  };
  const tags: Record<string, string> = {};
  const set = (key: string, v: string | undefined) => {
    if (v !== undefined) tags[key] = v;
  };
  set("Environment", ctx.environment?.value);
  set("Project", value("project"));
  tags.ManagedBy = "dpn";
  set("Team", value("team"));
  set("CostCenter", value("cost_center"));
  set("DataClassification", value("data_classification"));
  set("Owner", value("owner"));
  for (const [k, v] of Object.entries(req.extra ?? {})) {
    if (k === "ManagedBy") continue;
    if (typeof v === "string") tags[k] = v;
  }
  return tags;
}

const problem = (code: string, message: string, hint?: string): Problem => ({
  code,
  message,
  source: "official",
  severity: "error",
  ...(hint ? { hint } : {}),
});

// ---------------------------------------------------------------------------------------------
// Tag budgets: how many tags of their own a resource may carry once dpn's markers are counted.
// ---------------------------------------------------------------------------------------------

/** An entry dpn (or the platform, for dpn) may add to a resource's tag map besides the user's tags. */
export interface ReservedTag {
  /** The key. */
  key: string;
  /** When it is present: always, or only while the resource is archived. */
  when: "always" | "while archived" | "single-node";
}

const always = (key: string): ReservedTag => ({ key, when: "always" });
const archived = (key: string): ReservedTag => ({ key, when: "while archived" });
const OWNERSHIP = [always(MARKER_KEYS.stack), always(MARKER_KEYS.address)];
const ARCHIVE = [archived(MARKER_KEYS.archivedAt), archived(MARKER_KEYS.archivedBy)];

/** The tag Databricks single-node clusters carry (databricks/terraform-provider-databricks docs/resources/cluster.md, databricks/cli bundle/config/validate/single_node_cluster.go). */
export const SINGLE_NODE_TAG = "ResourceClass";

const SINGLE_NODE = [{ key: SINGLE_NODE_TAG, when: "single-node" as const }];

/**
 * Where one provisioned type's tags go and what else shares that map: the one table to change
 * when a type is added or a provider adds a marker. The type specs (src/types/) expose each row
 * as their `tags`.
 */
export interface TypeTags {
  /** Which key/value rules (naming-rules.md Part 3, C4) its tags follow. */
  target: TagTarget;
  /** Where the tags go, as the platform calls it. */
  mechanism: string;
  /** What one such object is called in messages. */
  noun: string;
  /** Most entries the mechanism accepts (user + standard + dpn's); undefined: none documented. */
  max?: number;
  /** Where the maximum comes from. */
  source: string;
  /**
   * The markers dpn writes into the same map. Ownership markers are always there; archive markers
   * while archived (docs/archive-restore.md). Jobs keep their schedule's pause state
   * (`dpn_prev_pause`, compute-tags.ts) while archived; clusters get one pin-state marker while
   * archived (its key is the cluster provider's). UC tables and Glue tables also carry
   * `dpn_table_type` in the same map.
   */
  markers: readonly ReservedTag[];
  /** Tags the platform itself sets on a single-node configuration (clusters: `ResourceClass`). */
  singleNodeTags?: readonly ReservedTag[];
  /** The map is TBLPROPERTIES: reserved property keys and prefixes cannot be tags. */
  tableProperties?: true;
}

// Official limits, checked in the service models and docs cited (docs/file-formats.md lists them).
export const TYPE_TAGS: { readonly [T in ProvisionedType]: TypeTags } = Object.freeze({
  aws_s3_bucket: {
    target: "aws",
    mechanism: "S3 bucket tags",
    noun: "bucket",
    max: 50,
    // "A tag set can contain as many as 50 user-defined tags"
    source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging.html",
    markers: [...OWNERSHIP, ...ARCHIVE],
  },
  aws_glue_database: {
    target: "glue",
    mechanism: "Glue tags",
    noun: "Glue database",
    max: 50,
    // botocore glue/2017-03-31 service-2.json: TagsMap max 50 (CreateDatabase Tags, TagResource)
    source: "botocore data/glue/2017-03-31/service-2.json (TagsMap: max 50)",
    markers: [...OWNERSHIP, ...ARCHIVE],
  },
  aws_glue_table: {
    target: "glue",
    // Glue tables are not taggable; the provider keeps tags as `dpn_tag.<key>` table Parameters.
    mechanism: "Glue table parameters",
    noun: "Glue table",
    source: "botocore data/glue/2017-03-31/service-2.json (ParametersMap: no maximum)",
    markers: [...OWNERSHIP, ...ARCHIVE, always("dpn_table_type")],
  },
  dbx_cluster: {
    target: "dbx_cluster",
    mechanism: "cluster custom_tags",
    noun: "cluster",
    max: 45,
    // "Currently, Databricks allows at most 45 custom tags"
    source: "databricks/databricks-sdk-go service/compute/model.go (CreateCluster.CustomTags)",
    markers: [...OWNERSHIP, ...ARCHIVE, archived("dpn_prev_pin")],
    singleNodeTags: SINGLE_NODE,
  },
  dbx_job: {
    target: "dbx_job",
    mechanism: "job tags",
    noun: "job",
    max: 25,
    // "A maximum of 25 tags can be added to the job."
    source: "databricks/databricks-sdk-go service/jobs/model.go (JobSettings.Tags)",
    markers: [...OWNERSHIP, ...ARCHIVE, archived("dpn_prev_pause")],
  },
  dbx_catalog: {
    target: "uc",
    mechanism: "Unity Catalog catalog properties",
    noun: "catalog",
    source: "databricks/databricks-sdk-go service/catalog/model.go (CatalogInfo.Properties: no maximum)",
    markers: [...OWNERSHIP, ...ARCHIVE],
  },
  dbx_schema: {
    target: "uc",
    mechanism: "Unity Catalog schema properties",
    noun: "schema",
    source: "databricks/databricks-sdk-go service/catalog/model.go (SchemaInfo.Properties: no maximum)",
    markers: [...OWNERSHIP, ...ARCHIVE],
  },
  dbx_table: {
    target: "uc",
    mechanism: "TBLPROPERTIES",
    noun: "table",
    source: "https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-tblproperties",
    markers: [...OWNERSHIP, ...ARCHIVE, always("dpn_table_type")],
    tableProperties: true,
  },
  dbx_volume: {
    target: "uc",
    // Volumes have no properties; the provider assigns Unity Catalog tags (entity tag assignments).
    mechanism: "Unity Catalog tags",
    noun: "volume",
    max: 50,
    // "You can assign a maximum of 50 tags to a single securable object."
    source: "https://docs.databricks.com/aws/en/database-objects/tags",
    markers: [...OWNERSHIP, ...ARCHIVE],
  },
});

/** The markers dpn writes into each type's tag map (`TYPE_TAGS[type].markers`). */
export const DPN_MARKERS: Readonly<Record<ProvisionedType, readonly ReservedTag[]>> = Object.freeze(
  Object.fromEntries(Object.entries(TYPE_TAGS).map(([t, f]) => [t, f.markers])) as Record<
    ProvisionedType,
    readonly ReservedTag[]
  >,
);

/** How many tags of its own (standard + blueprint) one resource type may carry, and why. */
export interface TagBudget {
  type: ProvisionedType;
  /** The platform mechanism the tags are written to, e.g. "S3 bucket tags", "TBLPROPERTIES". */
  mechanism: string;
  noun: string;
  /** The platform's maximum for that mechanism; undefined when none is documented. */
  max: number | undefined;
  /** dpn's own markers that may share the map (MARKER_KEYS and the per-type extras). */
  markers: readonly ReservedTag[];
  /** Tags the platform needs for this configuration (the single-node tag). */
  platform: readonly ReservedTag[];
  /** max − markers − platform: room for standard and blueprint tags; undefined = no limit. */
  user: number | undefined;
  /** Where the maximum comes from. */
  source: string;
}

/**
 * The tag budget of a resource type: the platform maximum of the mechanism dpn writes its tags to,
 * minus every marker dpn may add there over the resource's life (counted even when not archived
 * yet, so that archiving never fails for lack of room), minus the single-node tag for a
 * single-node cluster. Pure; never throws.
 */
export function userTagBudget(type: ProvisionedType, opts: { singleNode?: boolean } = {}): TagBudget {
  const m = TYPE_TAGS[type];
  const markers = m.markers;
  const platform = opts.singleNode ? (m.singleNodeTags ?? []) : [];
  return {
    type,
    mechanism: m.mechanism,
    noun: m.noun,
    max: m.max,
    markers,
    platform,
    user: m.max === undefined ? undefined : m.max - markers.length - platform.length,
    source: m.source,
  };
}

/** Which key/value rules (naming-rules.md Part 3, C4) apply to a type's tags. */
export function tagTargetOf(type: ProvisionedType): TagTarget {
  return TYPE_TAGS[type].target;
}

/**
 * TBLPROPERTIES keys the engine refuses (Databricks "Table properties and table options":
 * external, location, owner, provider; Spark CatalogV2Util.TABLE_RESERVED_PROPERTIES adds
 * is_managed_location). Property keys are case sensitive, so only these exact keys.
 */
export const RESERVED_TABLE_PROPERTIES: readonly string[] = Object.freeze([
  "external",
  "location",
  "owner",
  "provider",
  "is_managed_location",
]);
/**
 * TBLPROPERTIES prefixes that are not tags: `option.` (table options, filtered from SHOW
 * TBLPROPERTIES), `delta.` (Delta settings, unknown keys refused), `unity.catalog.` and `spark.`
 * (platform settings) and `clustering` (liquid clustering) — the table provider reads all of
 * them as platform properties, never as tags.
 */
export const RESERVED_TABLE_PROPERTY_PREFIXES: readonly string[] = Object.freeze([
  "option.",
  "delta.",
  "unity.catalog.",
  "spark.",
  "clustering",
]);

/** Keys dpn keeps for its own markers and parameters on every platform. */
export const DPN_KEY_PREFIX = "dpn_";

export interface CheckTagsOptions {
  /** Keys that are standard tags (the rest came from the blueprint), for the count's breakdown. */
  standardKeys?: Iterable<string>;
  /** The cluster is single-node (`num_workers: 0`): one more tag is the platform's. */
  singleNode?: boolean;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Every problem of a resource's tags (standard + blueprint, without dpn's markers): the count
 * against the type's budget (`userTagBudget`), the key/value rules of its tag target, dpn's
 * reserved `dpn_` keys, and per type the reserved TBLPROPERTIES keys (UC tables) and the
 * single-node tag (single-node clusters). Never throws.
 */
export function checkTags(
  type: ProvisionedType,
  tags: Record<string, string>,
  opts: CheckTagsOptions = {},
): Problem[] {
  const budget = userTagBudget(type, opts);
  const out: Problem[] = [];
  const keys = Object.keys(tags);
  if (budget.user !== undefined && budget.max !== undefined && keys.length > budget.user) {
    const standardSet = new Set(opts.standardKeys ?? []);
    const standard = keys.filter((k) => standardSet.has(k)).length;
    const parts = [`${budget.user} for your tags`, plural(budget.markers.length, "dpn marker")];
    if (budget.platform.length)
      parts.push(
        `${plural(budget.platform.length, "single-node tag")} (${budget.platform.map((t) => t.key).join(", ")})`,
      );
    out.push(
      problem(
        "TAG_COUNT",
        `too many tags: ${budget.max} allowed in ${budget.mechanism}: ${parts.join(" + ")}; this ${budget.noun} has ${keys.length}: ${standard} standard + ${keys.length - standard} from the blueprint`,
        `Remove ${plural(keys.length - budget.user, "tag")} from the blueprint's tags. dpn's markers: ${budget.markers.map((m) => (m.when === "always" ? m.key : `${m.key} (${m.when})`)).join(", ")}.`,
      ),
    );
  }
  out.push(...tagSetProblems(tagTargetOf(type), tags, false));
  for (const key of keys) {
    if (key.startsWith(DPN_KEY_PREFIX)) {
      out.push(
        problem(
          "TAG_DPN_RESERVED",
          `tag key "${key}" starts with "${DPN_KEY_PREFIX}", which dpn keeps for its own markers`,
          "Rename the tag; dpn_stack, dpn_address, dpn_archived_* and the other dpn_* keys are written by dpn.",
        ),
      );
    }
    if (TYPE_TAGS[type].tableProperties) {
      const prefix = RESERVED_TABLE_PROPERTY_PREFIXES.find((p) => key.startsWith(p));
      if (RESERVED_TABLE_PROPERTIES.includes(key) || prefix) {
        out.push(
          problem(
            "TAG_RESERVED_TABLE_PROPERTY",
            prefix
              ? `tag key "${key}" starts with "${prefix}": UC table tags are TBLPROPERTIES, and ${prefix}* keys are platform settings, not tags`
              : `tag key "${key}" is a reserved table property: UC table tags are TBLPROPERTIES, and the engine refuses ${RESERVED_TABLE_PROPERTIES.join(", ")}`,
            `Rename the tag (e.g. "data_${key.replace(/\W+/g, "_")}").`,
          ),
        );
      }
    }
    if (budget.platform.some((t) => t.key === key)) {
      out.push(
        problem(
          "TAG_SINGLE_NODE_RESERVED",
          `tag key "${key}" is set by Databricks on single-node clusters (num_workers 0)`,
          `Remove the ${key} tag, or give the cluster workers.`,
        ),
      );
    }
  }
  return out;
}

/** Key/value problems of `tags` for the target's limits (Part 3 C4), with the raw count when `count`. */
function tagSetProblems(target: TagTarget, tags: Record<string, string>, count: boolean): Problem[] {
  const l = LIMITS[target];
  const out: Problem[] = [];
  const entries = Object.entries(tags);
  if (count && entries.length > l.maxTags) {
    out.push(problem("TAG_COUNT", `${entries.length} tags for ${target}; at most ${l.maxTags} are allowed.`));
  }
  const unit = l.unit === "bytes" ? "bytes" : "characters";
  for (const [key, value] of entries) {
    const kLen = measure(key, l.unit);
    if (kLen < 1 || kLen > l.keyMax)
      out.push(
        problem("TAG_KEY_LENGTH", `Tag key "${key}" is ${kLen} ${unit}; ${target} allows 1–${l.keyMax}.`),
      );
    const vLen = measure(value, l.unit);
    if (vLen > l.valueMax)
      out.push(
        problem(
          "TAG_VALUE_LENGTH",
          `Tag "${key}" has a value of ${vLen} ${unit}; ${target} allows at most ${l.valueMax}.`,
        ),
      );
    if (l.keyBad.test(key))
      out.push(
        problem(
          "TAG_KEY_CHARSET",
          `Tag key "${key}" contains characters ${target} does not allow (${l.allowedText}).`,
        ),
      );
    if (l.valueBad?.test(value))
      out.push(
        problem(
          "TAG_VALUE_CHARSET",
          `Tag "${key}" has a value with characters ${target} does not allow (${l.allowedText}).`,
        ),
      );
    if (l.latin1 && NOT_LATIN1.test(key + value))
      out.push(
        problem("TAG_NOT_LATIN1", `Tag "${key}" is not Latin-1; Databricks only propagates Latin-1 tags.`),
      );
    if (l.reservedPrefix && key.toLowerCase().startsWith(l.reservedPrefix)) {
      out.push(
        problem(
          "TAG_RESERVED_PREFIX",
          `Tag key "${key}" starts with "${l.reservedPrefix}", which AWS reserves.`,
        ),
      );
    }
    if (l.reservedPrefix === "aws:" && value.toLowerCase().startsWith("aws:")) {
      out.push({
        ...problem(
          "TAG_RESERVED_VALUE_PREFIX",
          `Tag "${key}" has a value starting with "aws:", which most AWS services reserve.`,
        ),
        severity: "warning",
      });
    }
    if (l.databricks && DBX_RESERVED.has(key.toLowerCase())) {
      out.push(
        key.toLowerCase() === "name"
          ? problem(
              "TAG_NAME_RESERVED",
              `Tag "${key}": Databricks owns the Name tag of cluster instances; a custom one breaks tracking and auto-termination.`,
            )
          : problem(
              "TAG_DEFAULT_COLLISION",
              `Tag "${key}" collides with a tag Databricks sets itself (${DATABRICKS_DEFAULT_TAGS.join(", ")}).`,
            ),
      );
    }
  }
  return out;
}

function cut(s: string, max: number, unit: "chars" | "bytes"): string {
  if (measure(s, unit) <= max) return s;
  const chars = Array.from(s);
  while (chars.length && measure(chars.join(""), unit) > max) chars.pop();
  return chars.join("");
}

function clean(s: string, bad: RegExp | undefined, l: TagLimits): string {
  let v = s;
  if (l.latin1) v = v.normalize("NFD").replace(/\p{M}/gu, "");
  if (bad) {
    const global = new RegExp(bad.source, `${bad.flags.replace("g", "")}g`);
    v = v.replace(global, "_");
  }
  return v;
}

/**
 * A valid tag set for the target: characters the target refuses become `_` (Databricks targets drop
 * accents first, as Databricks' own normaliser does), keys and values are cut to their limits.
 *
 * @throws DpnError validation `TAGS_INVALID` (with problems) for what cannot be fixed without
 *   changing meaning: reserved `aws:` keys, a custom `Name` or Databricks default tag, two keys that
 *   normalise to the same key, an empty key, or more tags than the target allows.
 */
export function normaliseTags(target: TagTarget, tags: Record<string, string>): Record<string, string> {
  const l = LIMITS[target];
  const out: Record<string, string> = {};
  const from = new Map<string, string>();
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(tags)) {
    const k = cut(clean(key.trim(), l.keyBad, l), l.keyMax, l.unit);
    const v = cut(clean(value, l.valueBad, l), l.valueMax, l.unit);
    if (k.length === 0) {
      problems.push(problem("TAG_KEY_LENGTH", `Tag key "${key}" is empty after normalisation.`));
      continue;
    }
    const earlier = from.get(k);
    if (earlier !== undefined) {
      problems.push(
        problem(
          "TAG_KEY_COLLISION",
          `Tag keys "${earlier}" and "${key}" both normalise to "${k}" for ${target}.`,
          "Rename one of them.",
        ),
      );
      continue;
    }
    from.set(k, key);
    out[k] = v;
  }
  problems.push(...tagSetProblems(target, out, true).filter((p) => p.severity !== "warning"));
  if (problems.length) {
    throw new DpnError(
      "validation",
      "TAGS_INVALID",
      `Tags cannot be made valid for ${target}: ${problems.map((p) => p.message).join(" ")}`,
      {
        problems,
        hint: "Remove or rename the listed tags.",
      },
    );
  }
  return out;
}
