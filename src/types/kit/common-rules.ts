/**
 * Plan-time rules more than one type applies to its entries: the layer must be one the
 * convention allows, and column names must be unique (case-insensitively, as the platforms fold
 * them). Each returns located problems; none throws.
 */
import { didYouMean } from "../../core/did-you-mean.js";
import type { Problem } from "../../core/errors.js";
import type { CheckContext, EntryNode } from "../spec.js";
import { asRecord, asString } from "./entry-values.js";
import { formatPath, type PathSegment } from "./json-path.js";
import { at, err, type Locator, where } from "./located.js";

/** The entry's `layer` must be a layer the convention allows (`ctx.layers`). */
export function checkLayer(node: EntryNode, ctx: CheckContext): Problem[] {
  const layer = asString(node.entry.layer);
  const layers = ctx.layers;
  if (layer === undefined || layer === "" || layers.has(layer)) return [];
  const s = didYouMean(layer, layers);
  return [
    err({
      code: "BLUEPRINT_UNKNOWN_LAYER",
      message: `layer ${JSON.stringify(layer)} of ${node.path} is not a known layer (allowed: ${[...layers].join(", ")})`,
      ...at(ctx.source, [...node.segments, "layer"]),
      // Only the listed layers: naming-values.yaml's schema accepts no other `layer` value, so
      // the hint cannot offer to declare a new one there.
      hint: `${s ? `${s} ` : ""}Set layer to one of: ${[...layers].join(", ")}.`,
    }),
  ];
}

/** Column names declared twice across `lists` (e.g. columns and partition keys) of one entry. */
export function duplicateColumns(
  source: Locator,
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
      const n = asString(asRecord(c)?.name);
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
