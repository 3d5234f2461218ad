/**
 * The single precedence rule (naming-rules.md Part 1), highest first:
 *   1 override  2 resource  3 metadata  4 resource_types.<type>  5 environments.<env>
 *   6 defaults  7 built-in
 * The environment block (5) is the one of the effective environment after layers 1–3 (falling back
 * to layers 4, 6 and 7 only when none of 1–3 names an environment).
 */
import { BUILT_IN_VALUES } from "./built-ins.js";
import { regionShort } from "./regions.js";
import type { Convention, NameRequest, ValueLayer, Values } from "./types.js";

export interface Resolution {
  value: string;
  layer: ValueLayer;
  /** 0 = override … 6 = built-in; a derived value has the rank of its source. */
  rank: number;
  /** For derived values: where they came from. */
  derivedFrom?: string;
}

interface Layer {
  layer: ValueLayer;
  values: Values | undefined;
}

export interface ResolutionContext {
  type: string;
  layers: Layer[];
  /** The environment whose block is layer 5 (undefined: no block). */
  envName: string | undefined;
  environment: Resolution | undefined;
}

/** Blank strings and non-strings (e.g. a job's object `schedule`) are "no value". */
function pick(values: Values | undefined, name: string): string | undefined {
  if (!values) return undefined;
  const v = (values as Record<string, unknown>)[name];
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

/** Build the ordered layers for one request. Never throws. */
export function resolutionContext(conv: Convention, req: NameRequest): ResolutionContext {
  const head: Layer[] = [
    { layer: "override", values: req.overrides },
    { layer: "resource", values: req.resource },
    { layer: "metadata", values: req.metadata },
  ];
  const typeValues = conv.resource_types[req.type];
  const builtIn = BUILT_IN_VALUES[req.type] as Values | undefined;
  let environment: Resolution | undefined;
  for (const [i, h] of head.entries()) {
    const v = pick(h.values, "environment");
    if (v !== undefined) {
      environment = { value: v, layer: h.layer, rank: i };
      break;
    }
  }
  if (!environment) {
    const tail: [ValueLayer, number, Values | undefined][] = [
      ["resource_types", 3, typeValues],
      ["defaults", 5, conv.defaults],
      ["built-in", 6, builtIn],
    ];
    for (const [layer, rank, values] of tail) {
      const v = pick(values, "environment");
      if (v !== undefined) {
        environment = { value: v, layer, rank };
        break;
      }
    }
  }
  const envName = environment?.value;
  head.push(
    { layer: "resource_types", values: typeValues },
    { layer: "environment", values: envName === undefined ? undefined : conv.environments[envName] },
    { layer: "defaults", values: conv.defaults },
    { layer: "built-in", values: builtIn },
  );
  return { type: req.type, layers: head, environment, envName };
}

/** The value of `name` from the highest layer that has one, or undefined. */
export function lookup(ctx: ResolutionContext, name: string): Resolution | undefined {
  for (const [i, l] of ctx.layers.entries()) {
    const v = pick(l.values, name);
    if (v !== undefined) return { value: v, layer: l.layer, rank: i };
  }
  return undefined;
}

/**
 * Resolve one variable. `region_short` is derived from the effective `region` through the region
 * table unless a region_short is set at the same or a higher layer than the region (so a
 * `defaults.region_short: use1` never labels an eu-west-1 resource from blueprint metadata).
 *
 * @throws DpnError validation `UNKNOWN_REGION` when region_short must be derived from a region
 *   that has no code.
 */
export function resolveVariable(
  conv: Convention,
  ctx: ResolutionContext,
  name: string,
): Resolution | undefined {
  if (name === "region_short") {
    const explicit = lookup(ctx, "region_short");
    const region = lookup(ctx, "region");
    if (explicit && (!region || explicit.rank <= region.rank)) return explicit;
    if (region) {
      return {
        value: regionShort(region.value, conv),
        layer: "derived",
        rank: region.rank,
        derivedFrom: `region "${region.value}" (${layerLabel(ctx, region.rank)})`,
      };
    }
    return explicit;
  }
  if (name === "environment" && ctx.environment) return ctx.environment;
  return lookup(ctx, name);
}

/** Labels of the layers searched, highest first (for MISSING_VARIABLE messages). */
export function layersSearched(ctx: ResolutionContext): string[] {
  return ctx.layers.map((_, i) => layerLabel(ctx, i));
}

function layerLabel(ctx: ResolutionContext, rank: number): string {
  const layer = ctx.layers[rank]?.layer ?? `layer ${rank}`;
  switch (layer) {
    case "resource_types":
      return `resource_types.${ctx.type}`;
    case "environment":
      return ctx.envName === undefined ? "environments.<none>" : `environments.${ctx.envName}`;
    default:
      return layer;
  }
}
