/**
 * Load the naming convention: built-ins, then `.dpn/naming-values.yaml` and
 * `.dpn/naming-patterns.yaml` merged over them. Each file goes through schema → normalise → rules,
 * every problem is collected, and all of them are reported in one DpnError.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { DpnError, type Problem } from "../core/errors.js";
import { schemaValidator, type ValidateFn as ValidateFunction } from "../core/schema-validator.js";
import { createBuiltInConvention } from "../naming/built-ins.js";
import type { Convention, LoadConventionOptions, PatternSpec, Values } from "../naming/types.js";
import { conventionRules, type PatternOrigin } from "./convention-rules.js";
import { schemaProblems } from "./schema-problems.js";
import { namingPatternsSchema, namingValuesSchema } from "./schemas.js";
import { parseYamlSource, type YamlSource } from "./yaml-source.js";

let validators: { values: ValidateFunction; patterns: ValidateFunction } | undefined;

function getValidators() {
  if (!validators) {
    validators = {
      values: schemaValidator("namingValues", namingValuesSchema),
      patterns: schemaValidator("namingPatterns", namingPatternsSchema),
    };
  }
  return validators;
}

const NO_VALIDATORS = {} as { values: ValidateFunction; patterns: ValidateFunction };

/** The complete built-in convention (what a project without `.dpn/` gets). Never throws. */
export function builtInConvention(): Convention {
  return createBuiltInConvention();
}

/**
 * Load and merge the convention.
 *
 * - Files default to `<cwd>/.dpn/naming-values.yaml` and `<cwd>/.dpn/naming-patterns.yaml`; a missing
 *   default file means "built-ins only". Partial files are fine and may add new types.
 *
 * @throws DpnError validation `CONFIG_NOT_FOUND` when an explicit `valuesPath`/`patternsPath` does not exist.
 * @throws DpnError validation `CONFIG_INVALID` with every problem (code, message, file, path,
 *   line, column, hint) when a file is malformed YAML, breaks the schema, or breaks a rule
 *   (bad template, bad regex, duplicate region code, unknown type key, ...).
 */
export function loadConvention(opts: LoadConventionOptions = {}): Convention {
  const cwd = opts.cwd ?? process.cwd();
  const valuesSrc = readSource(cwd, opts.valuesPath, "naming-values.yaml", "--values-config");
  const patternsSrc = readSource(cwd, opts.patternsPath, "naming-patterns.yaml", "--patterns-config");
  const problems: Problem[] = [];
  const conv = builtInConvention();
  // ajv compiles the schemas on first use only: a project without .dpn/ never pays for it.
  const { values, patterns } = valuesSrc || patternsSrc ? getValidators() : NO_VALIDATORS;

  let valuesOk = false;
  if (valuesSrc) {
    problems.push(...valuesSrc.problems);
    if (valuesSrc.data !== undefined && !values(valuesSrc.data))
      problems.push(...schemaProblems(valuesSrc, values.errors ?? []));
    else if (valuesSrc.data !== undefined) valuesOk = true;
  }
  let patternsOk = false;
  if (patternsSrc) {
    problems.push(...patternsSrc.problems);
    if (patternsSrc.data !== undefined && !patterns(patternsSrc.data))
      problems.push(...schemaProblems(patternsSrc, patterns.errors ?? []));
    else if (patternsSrc.data !== undefined) patternsOk = true;
  }

  const origins = new Map<string, PatternOrigin>();
  if (patternsSrc && patternsOk) mergePatterns(conv, patternsSrc.data as PatternsFile, origins);
  if (valuesSrc && valuesOk) mergeValues(conv, valuesSrc.data as ValuesFile);

  // Rules run on what passed the schema, so one run reports everything that can be known.
  problems.push(
    ...conventionRules(conv, {
      values: valuesOk ? valuesSrc : undefined,
      patterns: patternsOk ? patternsSrc : undefined,
      origins,
      extraTypes: patternsOk ? [] : rawPatternTypes(patternsSrc),
    }),
  );

  if (problems.length) {
    const files = [valuesSrc?.file, patternsSrc?.file].filter(Boolean).join(" and ");
    throw new DpnError(
      "validation",
      "CONFIG_INVALID",
      `The naming convention in ${files} has ${problems.length} problem${problems.length > 1 ? "s" : ""}:\n${problems.map((p) => `  ${p.file ?? ""}${p.line ? `:${p.line}:${p.column ?? 1}` : ""}: ${p.message}${p.hint ? ` (${p.hint})` : ""}`).join("\n")}`,
      {
        problems,
        hint: "Fix the listed problems; each names the file, line and column.",
      },
    );
  }
  if (valuesSrc) conv.sources.values = valuesSrc.file;
  if (patternsSrc) conv.sources.patterns = patternsSrc.file;
  return conv;
}

function rawPatternTypes(src: YamlSource | undefined): string[] {
  const patterns = (src?.data as { patterns?: unknown } | undefined)?.patterns;
  return patterns && typeof patterns === "object" && !Array.isArray(patterns) ? Object.keys(patterns) : [];
}

function readSource(
  cwd: string,
  explicit: string | undefined,
  defaultName: string,
  flag: string,
): YamlSource | undefined {
  const file = path.resolve(cwd, explicit ?? path.join(".dpn", defaultName));
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && explicit === undefined) return undefined;
    if (code === "ENOENT") {
      throw new DpnError("validation", "CONFIG_NOT_FOUND", `Config file not found: ${file}`, {
        hint: `Check the path given to ${flag}, or run \`dpn config init\` to create .dpn/${defaultName}.`,
        details: { file },
      });
    }
    throw new DpnError(
      "validation",
      "CONFIG_INVALID",
      `Cannot read config file ${file}: ${(e as Error).message}`,
      {
        hint: "Check that the path is a readable file.",
        details: { file },
        cause: e,
        problems: [
          {
            code: "CONFIG_UNREADABLE",
            message: `Cannot read ${file}: ${(e as Error).message}`,
            file,
            path: "(root)",
            line: 1,
            column: 1,
            hint: "Check that the path is a readable file.",
          },
        ],
      },
    );
  }
  return parseYamlSource(file, text);
}

interface ValuesFile {
  version?: string;
  defaults?: Values;
  environments?: Record<string, Values>;
  resource_types?: Record<string, Values>;
}

interface PatternsFile {
  version?: string;
  patterns?: Record<string, string | PatternSpec>;
  transformations?: {
    region_mapping?: Record<string, string>;
    lowercase?: string[];
    uppercase?: string[];
    replace_hyphens?: Record<string, string>;
    hash_generation?: Partial<Convention["transformations"]["hash_generation"]>;
  };
  validation?: {
    max_length?: number | Record<string, number>;
    allowed_chars?: string | Record<string, string>;
    required_variables?: string[] | Record<string, string[]>;
  };
}

function mergeValues(conv: Convention, file: ValuesFile): void {
  Object.assign(conv.defaults, file.defaults ?? {});
  for (const [env, v] of Object.entries(file.environments ?? {}))
    conv.environments[env] = { ...conv.environments[env], ...v };
  for (const [type, v] of Object.entries(file.resource_types ?? {}))
    conv.resource_types[type] = { ...conv.resource_types[type], ...v };
}

function mergePatterns(conv: Convention, file: PatternsFile, origins: Map<string, PatternOrigin>): void {
  for (const [type, p] of Object.entries(file.patterns ?? {})) {
    if (typeof p === "string") {
      conv.patterns[type] = { template: p };
      origins.set(type, { templatePath: ["patterns", type] });
    } else {
      const spec: PatternSpec = { template: p.template };
      if (p.max_length !== undefined) spec.max_length = p.max_length;
      if (p.allowed_chars !== undefined) spec.allowed_chars = p.allowed_chars;
      if (p.truncate !== undefined) spec.truncate = p.truncate;
      if (p.style !== undefined) spec.style = p.style;
      if (p.protected !== undefined) spec.protected = [...p.protected];
      conv.patterns[type] = spec;
      origins.set(type, { templatePath: ["patterns", type, "template"], objectPath: ["patterns", type] });
    }
  }
  const t = file.transformations ?? {};
  Object.assign(conv.transformations.region_mapping, t.region_mapping ?? {});
  if (t.lowercase) conv.transformations.lowercase = [...t.lowercase];
  if (t.uppercase) conv.transformations.uppercase = [...t.uppercase];
  Object.assign(conv.transformations.replace_hyphens, t.replace_hyphens ?? {});
  Object.assign(conv.transformations.hash_generation, t.hash_generation ?? {});

  const v = file.validation ?? {};
  const byType = (type: string) => {
    conv.validation.by_type ??= {};
    const rules = conv.validation.by_type[type] ?? {};
    conv.validation.by_type[type] = rules;
    return rules;
  };
  if (typeof v.max_length === "number") conv.validation.max_length = v.max_length;
  else for (const [type, n] of Object.entries(v.max_length ?? {})) byType(type).max_length = n;
  if (typeof v.allowed_chars === "string") conv.validation.allowed_chars = v.allowed_chars;
  else for (const [type, re] of Object.entries(v.allowed_chars ?? {})) byType(type).allowed_chars = re;
  if (Array.isArray(v.required_variables)) conv.validation.required_variables = [...v.required_variables];
  else
    for (const [type, vars] of Object.entries(v.required_variables ?? {}))
      byType(type).required_variables = [...vars];
}
