import { resolve as resolvePath } from "node:path";
import { previewDocument, previewTable } from "../../blueprint/preview.js";
import { starterBlueprint } from "../../blueprint/starter.js";
import { usageError, validationError } from "../../core/errors.js";
import { ENVIRONMENTS } from "../../core/resources.js";
import { loadResolved, type ResolveOptions } from "../blueprint-input.js";
import type { CliContext } from "../context.js";
import { writeNewFile } from "../files.js";

interface InitOptions {
  env: string;
  project: string;
  region: string;
  output?: string;
  force?: boolean;
}

/** `dpn plan init`: write a starter blueprint that validates and previews as written. */
export async function planInit(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as InitOptions;
  if (!(ENVIRONMENTS as readonly string[]).includes(o.env)) {
    throw usageError("INVALID_ENVIRONMENT", `--env '${o.env}' is not an environment`, {
      hint: `use one of ${ENVIRONMENTS.join(", ")}`,
    });
  }
  if (!/^[a-z0-9-]+$/.test(o.project)) {
    throw validationError("INVALID_PROJECT", `--project '${o.project}' may contain only a-z, 0-9 and '-'`, {
      hint: `for example --project ${o.project.toLowerCase().replace(/[^a-z0-9-]+/g, "-") || "dataplatform"}`,
    });
  }
  const output = resolvePath(ctx.cwd, o.output ?? `blueprints/${o.env}.json`);
  const doc = starterBlueprint({
    environment: o.env as (typeof ENVIRONMENTS)[number],
    project: o.project,
    region: o.region,
  });
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  // Resolve the starter against this project's convention before writing anything.
  loadResolved(ctx, { text, file: output }, {});
  writeNewFile(output, text, Boolean(o.force), "blueprint", "write it elsewhere with --output <file>");
  ctx.out.success(`wrote ${output}`);
  ctx.out.info(`next: dpn plan validate ${o.output ?? `blueprints/${o.env}.json`}`);
  ctx.out.result(output);
  return 0;
}

/** `dpn plan validate <file>`: exit 0 when valid, 3 with every problem when not. */
export async function planValidate(ctx: CliContext, file: unknown, opts: unknown): Promise<number> {
  const o = opts as ResolveOptions & { json?: boolean };
  const { resolved } = loadResolved(ctx, String(file), o);
  const warnings = resolved.problems.filter((p) => p.severity === "warning");
  if (o.json) {
    ctx.out.resultJson({
      valid: true,
      file: String(file),
      total_resources: resolved.resources.length,
      warnings,
    });
  } else {
    ctx.out.result(`${String(file)}: valid (${resolved.resources.length} resources)`);
  }
  return 0;
}

/** `dpn plan preview <file>`: every resource with its name and dependencies, in execution order. */
export async function planPreview(ctx: CliContext, file: unknown, opts: unknown): Promise<number> {
  const o = opts as ResolveOptions & { format: "table" | "json" };
  const { resolved } = loadResolved(ctx, String(file), o);
  if (o.format === "json") ctx.out.resultJson(previewDocument(resolved));
  else ctx.out.result(previewTable(resolved));
  return 0;
}
