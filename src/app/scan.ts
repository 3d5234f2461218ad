/**
 * `scanEstate` over a live target: the inventory read through every provider's read-only `list`,
 * turned into the scan's objects, filtered, and classified through the convention (src/scan/).
 * Nothing is written: the registry is opened read-only and no state is opened at all.
 */
import { globToRegExp } from "../blueprint/scope.js";
import { DpnError } from "../core/errors.js";
import { MARKER_KEYS, PROVISIONED_TYPES, type ProvisionedType } from "../core/resources.js";
import type { ProviderContext, RemoteObject } from "../engine/ports.js";
import type { Convention } from "../naming/types.js";
import { scanEstate } from "../scan/classify.js";
import type { ScanObject, ScanReport } from "../scan/types.js";
import { remoteIdField } from "../types/records.js";
import { type AppContext, type ProfileChoice, profilesOf, type Target } from "./context.js";

export interface ScanInput extends ProfileChoice {
  target: Target;
  convention: Convention;
  /** Only these types (default: every provisioned type). */
  types?: readonly ProvisionedType[];
  project?: string;
  environment?: string;
  /** Globs over the full name (`*` any run, `?` one character); an object must match one. */
  include?: readonly string[];
  /** Globs over the full name; an object matching one is left out. */
  exclude?: readonly string[];
  /**
   * `--region`: the regions Glue is read in, exactly; the first is the clients' default region.
   * Absent: the clients' default region (AWS_REGION / profile), the convention's configured
   * regions and the regions of the account's buckets when S3 is scanned (`glueRegionsOf`).
   * S3's ListBuckets and Databricks are global either way.
   */
  regions?: readonly string[];
  /** After each page read: objects read so far of this type, and how many types are done. */
  onProgress?: (p: { type: ProvisionedType; read: number; typesDone: number; types: number }) => void;
  signal?: AbortSignal;
}

export interface ScanResult {
  report: ScanReport;
  /** Objects the inventory read, per type (before the glob filters). */
  read: Partial<Record<ProvisionedType, number>>;
  /** Objects the --include / --exclude globs left out. */
  filteredOut: number;
  /** The objects classified (after the filters), for the migration plan. */
  objects: ScanObject[];
}

/** A glob over full names, as the blueprint's `scope` reads globs, but case-insensitive. */
export function globRegExp(glob: string): RegExp {
  return new RegExp(globToRegExp(glob).source, "i");
}

/** The scan's view of a live object: dpn's ownership marker back among the tags, as the platform holds it. */
export function scanObjectOf(r: RemoteObject): ScanObject {
  const p = r.properties;
  const tags: Record<string, string> = { ...r.tags };
  if (r.ownership) {
    tags[MARKER_KEYS.stack] = r.ownership.stackId;
    tags[MARKER_KEYS.address] = r.ownership.address;
  }
  const dot = r.fullName.lastIndexOf(".");
  const location = [p.location, p.storage_location].find(
    (v): v is string => typeof v === "string" && v !== "",
  );
  const references = Array.isArray(p.references)
    ? p.references.filter((v): v is string => typeof v === "string")
    : undefined;
  return {
    type: r.type,
    name: r.name,
    fullName: r.fullName,
    ...(remoteIdField(r.type) ? { remoteId: r.remoteId } : {}),
    ...(typeof p.region === "string" ? { region: p.region } : {}),
    tags,
    ...(dot > 0 && r.fullName !== r.name ? { parent: r.fullName.slice(0, dot) } : {}),
    ...(location ? { location } : {}),
    ...(references?.length ? { references } : {}),
    properties: p,
  };
}

/**
 * Objects the platform makes by itself, which no convention names: they are listed as out of scope
 * with this reason, not classified. Unity Catalog gives every catalog a read-only
 * `information_schema` (Databricks docs, "Create schemas": "Every Unity Catalog catalog
 * automatically includes a system-provided read-only INFORMATION_SCHEMA") and a `default` schema
 * (the Terraform/Pulumi Databricks provider docs for `databricks_catalog`: "By default, Databricks
 * creates default schema for every new catalog"); a workspace lists the `system`, `samples` and
 * `hive_metastore` catalogs (and `__databricks_internal`) beside the account's own.
 */
export function platformMade(o: {
  type: string;
  name: string;
  tags?: Record<string, string>;
}): string | undefined {
  if (o.tags?.[MARKER_KEYS.stack]) return undefined;
  if (o.type === "dbx_schema" && (o.name === "information_schema" || o.name === "default"))
    return `made by the platform: every Unity Catalog catalog has a "${o.name}" schema`;
  if (
    o.type === "dbx_catalog" &&
    ["system", "samples", "hive_metastore", "__databricks_internal"].includes(o.name)
  )
    return `made by the platform: the workspace's "${o.name}" catalog`;
  return undefined;
}

/** The `region` values the convention configures (defaults, environments, resource types). */
export function conventionRegions(conv: Convention): string[] {
  const layers = [conv.defaults, ...Object.values(conv.environments), ...Object.values(conv.resource_types)];
  return [
    ...new Set(layers.map((v) => v.region).filter((r): r is string => typeof r === "string" && r !== "")),
  ];
}

/**
 * The regions Glue is read in besides the clients' default one: the `--region` list when given,
 * else the convention's configured regions and the regions of the buckets listed before (a
 * Glue catalog is regional; an account's data usually lives where its buckets are).
 */
export function glueRegionsOf(
  input: Pick<ScanInput, "regions" | "convention">,
  bucketRegions: Iterable<string>,
): string[] {
  if (input.regions?.length) return [...new Set(input.regions)];
  return [...new Set([...conventionRegions(input.convention), ...bucketRegions])].sort();
}

const REGION = /^[a-z]{2,4}(-[a-z]+)+-[0-9]+$/;

/** Throws SCAN_REGION_INVALID (usage, exit 2) naming every `--region` value that is not a region name. */
function checkRegions(regions: readonly string[]): void {
  const bad = regions.filter((r) => !REGION.test(r));
  if (bad.length)
    throw new DpnError(
      "usage",
      "SCAN_REGION_INVALID",
      `--region ${bad.map((r) => JSON.stringify(r)).join(", ")} ${bad.length === 1 ? "is" : "are"} not an AWS region name`,
      {
        hint: "Name AWS regions such as eu-west-1, repeated or comma-separated: --region us-east-1,eu-west-1.",
        details: { regions: bad },
      },
    );
}

const READ_CONTEXT: ProviderContext = {
  stackId: "",
  txId: "scan",
  actor: "",
  resolveRef: () => undefined,
};

/**
 * Read the target's estate and classify it. Rejects with the providers' errors (auth: exit 4),
 * SCAN_TYPE_UNSUPPORTED (exit 2) when a provider of the target cannot list, and
 * SCAN_REGION_INVALID (exit 2, before any call) for a `regions` value that is not a region name.
 */
export async function scanLive(app: AppContext, input: ScanInput): Promise<ScanResult> {
  // In PROVISIONED_TYPES order whatever the options' order: S3 before Glue (bucket regions).
  const types = PROVISIONED_TYPES.filter((t) => !input.types?.length || input.types.includes(t));
  if (input.regions?.length) checkRegions(input.regions);
  const first = input.regions?.[0];
  const registry = await app.openRegistry({
    target: input.target,
    ...profilesOf(input),
    ...(first ? { region: first } : {}),
    types,
    readonly: true,
  });
  const include = (input.include ?? []).map(globRegExp);
  const exclude = (input.exclude ?? []).map(globRegExp);
  const kept = (fullName: string) =>
    (include.length === 0 || include.some((g) => g.test(fullName))) && !exclude.some((g) => g.test(fullName));
  const read: ScanResult["read"] = {};
  const objects: ScanObject[] = [];
  let filteredOut = 0;
  const platform: ScanReport["out_of_scope"] = [];
  // Buckets come first (PROVISIONED_TYPES order): their regions widen Glue's.
  const bucketRegions = new Set<string>();
  try {
    let typesDone = 0;
    for (const type of types) {
      const provider = registry.get(type);
      if (!provider.list) {
        throw new DpnError("usage", "SCAN_TYPE_UNSUPPORTED", `--target ${input.target} cannot list ${type}`, {
          hint: "Leave the type out with --type, or scan on a target whose providers can list it.",
          details: { type, target: input.target },
        });
      }
      const ctx = { ...READ_CONTEXT, ...(input.signal ? { signal: input.signal } : {}) };
      const listed = await provider.list(ctx, {
        ...(input.signal ? { signal: input.signal } : {}),
        onProgress: (n) => input.onProgress?.({ type, read: n, typesDone, types: types.length }),
        ...(type.startsWith("aws_glue_") ? { regions: glueRegionsOf(input, bucketRegions) } : {}),
      });
      read[type] = listed.length;
      if (type === "aws_s3_bucket")
        for (const r of listed)
          if (typeof r.properties.region === "string") bucketRegions.add(r.properties.region);
      for (const r of listed) {
        if (!kept(r.fullName)) {
          filteredOut++;
          continue;
        }
        const obj = scanObjectOf(r);
        const made = platformMade(obj);
        if (made)
          platform.push({
            id: `${r.type}:${r.fullName}`,
            type: r.type,
            name: r.name,
            full_name: r.fullName,
            reason: made,
          });
        else objects.push(obj);
      }
      typesDone++;
      input.onProgress?.({ type, read: listed.length, typesDone, types: types.length });
    }
  } finally {
    await registry.close();
  }
  const report = scanEstate(input.convention, objects, {
    ...(input.project ? { project: input.project } : {}),
    ...(input.environment ? { environment: input.environment } : {}),
  });
  report.out_of_scope.push(...platform);
  report.summary.objects += platform.length;
  report.summary.out_of_scope += platform.length;
  return { report, read, filteredOut, objects };
}
