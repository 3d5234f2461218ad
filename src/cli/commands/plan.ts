import { dirname, relative, resolve as resolvePath, sep } from "node:path";
import { type GraphFormat, renderGraph } from "../../blueprint/graph.js";
import { previewDocument, previewTable } from "../../blueprint/preview.js";
import { starterBlueprint } from "../../blueprint/starter.js";
import { loadConvention } from "../../config/load-convention.js";
import { usageError, validationError } from "../../core/errors.js";
import { ENVIRONMENTS } from "../../core/resources.js";
import { loadResolved, type ResolveOptions } from "../blueprint-input.js";
import type { CliContext } from "../context.js";
import { writeNewFile } from "../files.js";
import { schemaFile } from "../package-info.js";

interface InitOptions {
  env?: string;
  project?: string;
  region?: string;
  output?: string;
  force?: boolean;
}

/**
 * `dpn plan init`: write a starter blueprint that validates and previews as written. Environment,
 * project, region, team and cost centre come from the flags, else from the convention it runs
 * under (`environments.<env>`, then `defaults` of .dpn/naming-values.yaml), else built-in defaults;
 * `$schema` is the path from the blueprint to this package's schemas/blueprint.schema.json.
 * Throws OPTION_REQUIRED (exit 2) when neither a flag nor the convention gives the environment or
 * the project, and writes nothing on any failure.
 */
export async function planInit(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as InitOptions;
  const conv = loadConvention({ cwd: ctx.cwd });
  const env = o.env ?? conv.defaults.environment;
  if (env === undefined) {
    throw usageError("OPTION_REQUIRED", "dpn plan init needs --env: the convention sets no environment", {
      hint: "pass --env dev (or stg, prd), or set one with `dpn config init --environment dev`",
    });
  }
  if (!(ENVIRONMENTS as readonly string[]).includes(env)) {
    throw usageError("INVALID_ENVIRONMENT", `--env '${env}' is not an environment`, {
      hint: `use one of ${ENVIRONMENTS.join(", ")}`,
    });
  }
  const fromConvention = (key: string): string | undefined =>
    conv.environments[env]?.[key] ?? conv.defaults[key];
  const project = o.project ?? fromConvention("project");
  if (project === undefined) {
    throw usageError("OPTION_REQUIRED", "dpn plan init needs --project: the convention sets no project", {
      hint: "pass --project dataplatform, or set one with `dpn config init --project dataplatform`",
    });
  }
  if (!/^[a-z0-9-]+$/.test(project)) {
    throw validationError("INVALID_PROJECT", `--project '${project}' may contain only a-z, 0-9 and '-'`, {
      hint: `for example --project ${project.toLowerCase().replace(/[^a-z0-9-]+/g, "-") || "dataplatform"}`,
    });
  }
  const shown = o.output ?? `blueprints/${env}.json`;
  const output = resolvePath(ctx.cwd, shown);
  const doc = starterBlueprint({
    environment: env,
    project,
    region: o.region ?? fromConvention("region") ?? "us-east-1",
    team: fromConvention("team"),
    costCenter: fromConvention("cost_center"),
    // relative, so it resolves in this checkout and under node_modules/ alike
    schemaRef: relative(dirname(output), schemaFile("blueprint.schema.json")).split(sep).join("/"),
  });
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  // Resolve the starter against this project's convention before writing anything.
  loadResolved(ctx, { text, file: output }, {});
  writeNewFile(output, text, Boolean(o.force), "blueprint", "write it elsewhere with --output <file>");
  ctx.out.success(`wrote ${output}`);
  ctx.out.info(`next: dpn plan validate ${shown}`);
  ctx.out.result(output);
  return 0;
}

/**
 * The blueprint a plan command reads: `--blueprint F` (as on every command), or the positional `F`
 * kept as its alias. Neither, or two different files, is a usage error (exit 2).
 */
export function blueprintArgument(command: string, positional: unknown, flag: string | undefined): string {
  const pos = typeof positional === "string" && positional !== "" ? positional : undefined;
  if (pos !== undefined && flag !== undefined && resolvePath(pos) !== resolvePath(flag)) {
    throw usageError(
      "OPTIONS_CONFLICT",
      `dpn plan ${command} was given two blueprints: '${pos}' and --blueprint '${flag}'`,
      {
        hint: `pass one: dpn plan ${command} --blueprint ${flag}`,
        details: { positional: pos, blueprint: flag },
      },
    );
  }
  const file = flag ?? pos;
  if (file === undefined) {
    throw usageError("OPTION_REQUIRED", `dpn plan ${command} needs a blueprint`, {
      hint: `dpn plan ${command} --blueprint blueprints/dev.json (or \`dpn plan init\` to write one)`,
      details: { option: "--blueprint" },
    });
  }
  return file;
}

/** `dpn plan validate [--blueprint] <file>`: exit 0 when valid, 3 with every problem when not. */
export async function planValidate(ctx: CliContext, positional: unknown, opts: unknown): Promise<number> {
  const o = opts as ResolveOptions & { json?: boolean; blueprint?: string };
  const file = blueprintArgument("validate", positional, o.blueprint);
  const { resolved } = loadResolved(ctx, file, o);
  const warnings = resolved.problems.filter((p) => p.severity === "warning");
  if (o.json) {
    ctx.out.resultJson({
      valid: true,
      file,
      total_resources: resolved.resources.length,
      warnings,
    });
  } else {
    ctx.out.result(`${file}: valid (${resolved.resources.length} resources)`);
  }
  return 0;
}

/** `dpn plan graph [--blueprint] <file> --format mermaid|dot`: the resources and their dependencies. */
export async function planGraph(ctx: CliContext, positional: unknown, opts: unknown): Promise<number> {
  const o = opts as ResolveOptions & { format: GraphFormat; blueprint?: string };
  const file = blueprintArgument("graph", positional, o.blueprint);
  const { resolved } = loadResolved(ctx, file, o);
  ctx.out.result(
    renderGraph(
      resolved.resources.map((r) => ({
        address: r.address,
        type: r.type,
        name: r.name,
        dependencies: r.dependencies,
      })),
      o.format,
    ),
  );
  return 0;
}

/** `dpn plan preview [--blueprint] <file>`: every resource with its name and dependencies, in execution order. */
export async function planPreview(ctx: CliContext, positional: unknown, opts: unknown): Promise<number> {
  const o = opts as ResolveOptions & { format: "table" | "json"; json?: boolean; blueprint?: string };
  const file = blueprintArgument("preview", positional, o.blueprint);
  const { resolved } = loadResolved(ctx, file, o);
  if (o.json || o.format === "json") ctx.out.resultJson(previewDocument(resolved));
  else ctx.out.result(previewTable(resolved));
  return 0;
}
