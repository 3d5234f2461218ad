import { loadConvention } from "../../config/load-convention.js";
import { explainJson, explainName } from "../../naming/explain.js";
import { generateName } from "../../naming/generate.js";
import type { CliContext } from "../context.js";
import { parseKv } from "../kv.js";

interface NameOptions {
  set?: string[];
  override?: string[];
  explain?: boolean;
  valuesConfig?: string;
  patternsConfig?: string;
  json?: boolean;
}

/** `dpn name <type> --set k=v ... [--explain]`: one name, with its derivation when asked. */
export async function nameCommand(ctx: CliContext, type: unknown, opts: unknown): Promise<number> {
  const o = opts as NameOptions;
  const resource = parseKv(o.set, "--set");
  const overrides = parseKv(o.override, "--override");
  const conv = loadConvention({ cwd: ctx.cwd, valuesPath: o.valuesConfig, patternsPath: o.patternsConfig });
  const result = generateName(conv, {
    type: String(type),
    resource,
    overrides,
    context: `dpn name ${String(type)}`,
  });
  if (o.json) {
    ctx.out.resultJson(o.explain ? explainJson(result) : { type: result.type, name: result.name });
  } else if (o.explain) {
    ctx.out.result(explainName(result));
  } else {
    ctx.out.result(result.name);
  }
  for (const w of result.warnings) ctx.out.warn(`${w.code}: ${w.message}`);
  return 0;
}
