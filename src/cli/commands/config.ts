import { join } from "node:path";
import { stringify } from "yaml";
import { loadConvention } from "../../config/load-convention.js";
import { usageError, validationError } from "../../core/errors.js";
import { ENVIRONMENTS } from "../../core/resources.js";
import { BUILT_IN_TEMPLATES } from "../../naming/built-ins.js";
import { regionShort } from "../../naming/regions.js";
import type { CliContext } from "../context.js";
import { refuseExisting, writeNewFile } from "../files.js";
import { ask } from "../prompt.js";

interface InitOptions {
  project?: string;
  environment?: string;
  region?: string;
  team?: string;
  costCenter?: string;
  force?: boolean;
}

/**
 * `dpn config init`: write the two convention files. Prompts for missing values only on a TTY;
 * with flags (or without a TTY) it never prompts and uses defaults for what is missing.
 * Never overwrites without --force; checks every value before writing anything.
 */
export async function configInit(ctx: CliContext, opts: unknown): Promise<number> {
  const o = { ...(opts as InitOptions) };
  const anyFlag = [o.project, o.environment, o.region, o.team, o.costCenter].some((v) => v !== undefined);
  if (ctx.interactive && !anyFlag) {
    o.project = await ask("Project (a-z, 0-9, -)", "dataplatform");
    o.environment = await ask("Default environment (dev, stg, prd)", "dev");
    o.region = await ask("AWS region", "us-east-1");
    o.team = (await ask("Team (optional)", "")) || undefined;
    o.costCenter = (await ask("Cost centre (optional)", "")) || undefined;
  }
  const project = o.project ?? "dataplatform";
  const environment = o.environment ?? "dev";
  const region = o.region ?? "us-east-1";
  if (!/^[a-z0-9-]+$/.test(project)) {
    throw validationError("INVALID_PROJECT", `project '${project}' may contain only a-z, 0-9 and '-'`, {
      hint: "for example --project dataplatform",
    });
  }
  if (!(ENVIRONMENTS as readonly string[]).includes(environment)) {
    throw usageError(
      "INVALID_ENVIRONMENT",
      `environment '${environment}' is not one of ${ENVIRONMENTS.join(", ")}`,
      {
        hint: "for example --environment dev",
      },
    );
  }
  regionShort(region); // an unknown region is an error before anything is written

  const defaults: Record<string, string> = { project, environment, region };
  if (o.team) defaults.team = o.team;
  if (o.costCenter) defaults.cost_center = o.costCenter;
  const values =
    "# dpn naming values (format v1.0, compatible with data-platform-naming v0.1).\n" +
    "# Precedence, highest first: --override, the blueprint resource, blueprint metadata,\n" +
    "# resource_types.<type>, environments.<env>, defaults, built-in defaults.\n" +
    stringify({
      version: "1.0",
      defaults,
      environments: { dev: {}, stg: {}, prd: {} },
      resource_types: {},
    });
  const patterns =
    "# dpn naming patterns (format v1.0). Only the types you set here replace the built-ins;\n" +
    "# delete a line to fall back to the built-in template. `dpn config show` prints the result.\n" +
    stringify({ version: "1.0", patterns: { ...BUILT_IN_TEMPLATES } });
  const dir = join(ctx.cwd, ".dpn");
  const valuesPath = join(dir, "naming-values.yaml");
  const patternsPath = join(dir, "naming-patterns.yaml");
  // refuse before writing either file, so a refusal leaves nothing half-written
  // config init has no path option: the convention lives in .dpn/ of the working directory
  const elsewhere =
    "run dpn config init in another project folder (it writes .dpn/ in the folder it runs in)";
  refuseExisting([valuesPath, patternsPath], Boolean(o.force), "convention file", elsewhere);
  writeNewFile(valuesPath, values, Boolean(o.force), "convention file", elsewhere);
  writeNewFile(patternsPath, patterns, Boolean(o.force), "convention file", elsewhere);
  loadConvention({ cwd: ctx.cwd });
  ctx.out.success(`wrote ${valuesPath} and ${patternsPath}`);
  ctx.out.result(`${valuesPath}\n${patternsPath}`);
  return 0;
}

interface FileOptions {
  valuesConfig?: string;
  patternsConfig?: string;
  json?: boolean;
  resourceType?: string;
}

/** `dpn config validate`: exit 0 when the convention loads, 3 with every problem when not. */
export async function configValidate(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as FileOptions;
  const conv = loadConvention({ cwd: ctx.cwd, valuesPath: o.valuesConfig, patternsPath: o.patternsConfig });
  const files = [conv.sources.values, conv.sources.patterns].filter((f): f is string => Boolean(f));
  if (o.json) ctx.out.resultJson({ valid: true, files, types: Object.keys(conv.patterns).length });
  else
    ctx.out.result(
      files.length
        ? `convention valid: ${files.join(", ")} (${Object.keys(conv.patterns).length} resource types)`
        : `no .dpn/ files: using the built-in convention (${Object.keys(conv.patterns).length} resource types)`,
    );
  return 0;
}

/** `dpn config show [--resource-type T]`: the effective, merged convention. */
export async function configShow(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as FileOptions;
  const conv = loadConvention({ cwd: ctx.cwd, valuesPath: o.valuesConfig, patternsPath: o.patternsConfig });
  let doc: Record<string, unknown>;
  if (o.resourceType) {
    const pattern = conv.patterns[o.resourceType];
    if (!pattern) {
      const { didYouMean } = await import("../../core/did-you-mean.js");
      throw validationError("UNKNOWN_RESOURCE_TYPE", `unknown resource type '${o.resourceType}'`, {
        hint:
          didYouMean(o.resourceType, Object.keys(conv.patterns)) ?? "run `dpn config show` to list the types",
      });
    }
    doc = {
      resource_type: o.resourceType,
      pattern,
      values: conv.resource_types[o.resourceType] ?? {},
      defaults: conv.defaults,
      environments: conv.environments,
    };
  } else {
    doc = {
      sources: conv.sources,
      defaults: conv.defaults,
      environments: conv.environments,
      resource_types: conv.resource_types,
      patterns: conv.patterns,
      transformations: conv.transformations,
      validation: conv.validation,
    };
  }
  if (o.json) ctx.out.resultJson(doc);
  else ctx.out.result(stringify(doc));
  return 0;
}
