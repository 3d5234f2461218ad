/**
 * JSON Schema validators for the schemas dpn publishes. Compiling a schema with ajv costs about as
 * much as loading ajv itself (together ~150 ms per process on this project's machines), which is
 * most of a small command's run time. So the build generates standalone validator code for every
 * published schema (`scripts/build-validators.mjs` → dist/generated/validators.cjs) with exactly
 * the options below, and this module loads it. When that file is absent (running from the
 * TypeScript sources, e.g. in unit tests) it compiles with ajv instead: same schema, same options,
 * same behaviour.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Error objects as ajv reports them (the subset dpn reads). */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message?: string;
  schema?: unknown;
  parentSchema?: Record<string, unknown>;
  data?: unknown;
}

export type ValidateFn = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

export type ValidatorName = "blueprint" | "namingValues" | "namingPatterns";

/** The ajv options every validator is built with (also read by scripts/build-validators.mjs). */
export const AJV_OPTIONS = {
  allErrors: true,
  verbose: true,
  strict: true,
  strictTypes: false,
  strictTuples: false,
  code: { optimize: false },
} as const;

let generated: Partial<Record<ValidatorName, ValidateFn>> | null | undefined;
const compiled = new Map<ValidatorName, ValidateFn>();

function loadGenerated(): Partial<Record<ValidatorName, ValidateFn>> | null {
  if (generated === undefined) {
    try {
      generated = require("../generated/validators.cjs") as Partial<Record<ValidatorName, ValidateFn>>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw e;
      generated = null;
    }
  }
  return generated;
}

/**
 * The validator of a published schema: the build's standalone code when present, else compiled
 * now (once per process). `schema` must be the object the build generated from.
 */
export function schemaValidator(name: ValidatorName, schema: object): ValidateFn {
  const pre = loadGenerated()?.[name];
  if (pre) return pre;
  let fn = compiled.get(name);
  if (!fn) {
    const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    fn = new Ajv2020({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code } }).compile(
      schema,
    ) as unknown as ValidateFn;
    compiled.set(name, fn);
  }
  return fn;
}
