import { type LoadedBlueprint, loadBlueprint, parseBlueprint } from "../blueprint/load.js";
import { type ResolvedBlueprint, resolveBlueprint } from "../blueprint/resolve.js";
import { assertResolved } from "../blueprint/validate.js";
import { loadConvention } from "../config/load-convention.js";
import type { Convention } from "../naming/types.js";
import type { CliContext } from "./context.js";
import { parseKv } from "./kv.js";

export interface ResolveOptions {
  override?: string[];
  valuesConfig?: string;
  patternsConfig?: string;
}

export interface ResolvedInput {
  loaded: LoadedBlueprint;
  conv: Convention;
  resolved: ResolvedBlueprint;
}

/**
 * Load the convention and a blueprint (a file, or text not yet written), resolve it into desired resources, and throw one
 * BLUEPRINT_INVALID error (exit 3) carrying every problem when anything is wrong.
 */
export function loadResolved(
  ctx: CliContext,
  source: string | { text: string; file: string },
  o: ResolveOptions,
  extra: { existsInState?: (address: string) => boolean } = {},
): ResolvedInput {
  const overrides = parseKv(o.override, "--override");
  const conv = loadConvention({ cwd: ctx.cwd, valuesPath: o.valuesConfig, patternsPath: o.patternsConfig });
  const loaded =
    typeof source === "string" ? loadBlueprint(source) : parseBlueprint(source.text, source.file);
  const resolved = resolveBlueprint(loaded, conv, { overrides, existsInState: extra.existsInState });
  assertResolved(resolved);
  for (const w of resolved.problems.filter((p) => p.severity === "warning")) {
    const where = [w.file, w.line !== undefined ? `${w.line}:${w.column ?? 1}` : undefined]
      .filter(Boolean)
      .join(":");
    ctx.out.warn(`${where} ${w.code} ${w.message}${w.hint ? ` (${w.hint})` : ""}`);
  }
  return { loaded, conv, resolved };
}
