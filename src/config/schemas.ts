/**
 * JSON Schemas (draft 2020-12) of `.dpn/naming-values.yaml` and `.dpn/naming-patterns.yaml`.
 * These objects are what the loader validates with (ajv) and what `schemas/*.json` is generated
 * from, so editors and dpn always agree. v0.1 files validate unchanged: patterns may be plain
 * template strings, and `validation.*` may be a single value or a per-type map.
 */
import { ENVIRONMENTS } from "../core/resources.js";

const TYPE_KEY = "^[a-z][a-z0-9_]*$";
const REGION = "^[a-z]{2,4}(-[a-z]+)+-[0-9]+$";
const REGION_CODE = "^[a-z]{2,5}[0-9]$";
const VAR_NAME = "^[A-Za-z_][A-Za-z0-9_]*$";

export const LAYERS = ["raw", "bronze", "silver", "gold", "processed", "curated"] as const;
export const DATA_CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"] as const;

const values = {
  type: "object",
  description: "Naming values: variable name → string. Any key is allowed; the known keys are checked.",
  properties: {
    project: {
      type: "string",
      pattern: "^[a-z0-9-]+$",
      description: "Project name: lowercase letters, digits, hyphens.",
    },
    environment: { type: "string", enum: [...ENVIRONMENTS] },
    region: { type: "string", pattern: REGION, description: "An AWS region, e.g. us-east-1." },
    region_short: {
      type: "string",
      pattern: REGION_CODE,
      description: "Short region code; derived from region when not set.",
    },
    team: { type: "string" },
    cost_center: { type: "string" },
    workload: { type: "string" },
    purpose: { type: "string" },
    domain: { type: "string" },
    owner: { type: "string" },
    data_classification: { type: "string", enum: [...DATA_CLASSIFICATIONS] },
    layer: { type: "string", enum: [...LAYERS] },
  },
  additionalProperties: { type: "string" },
} as const;

/** Schema of naming-values.yaml. */
export const namingValuesSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "urn:data-platform-naming:schema:naming-values",
  title: "dpn naming values (.dpn/naming-values.yaml)",
  description:
    "Values substituted into naming templates. Precedence, highest first: --override, resource fields, blueprint metadata, resource_types.<type>, environments.<env>, defaults, built-in.",
  type: "object",
  properties: {
    $schema: { type: "string" },
    version: { type: "string", enum: ["1.0"], description: 'Format version, "1.0" (quoted).' },
    defaults: { $ref: "#/$defs/values" },
    environments: {
      type: "object",
      propertyNames: { enum: [...ENVIRONMENTS] },
      additionalProperties: { $ref: "#/$defs/values" },
    },
    resource_types: {
      type: "object",
      propertyNames: { pattern: TYPE_KEY },
      additionalProperties: { $ref: "#/$defs/values" },
    },
  },
  additionalProperties: false,
  $defs: { values },
} as const;

const patternObject = {
  type: "object",
  required: ["template"],
  properties: {
    template: { type: "string", minLength: 1 },
    max_length: {
      type: "integer",
      minimum: 1,
      description: "House limit; the official limit of the target always applies too.",
    },
    allowed_chars: { type: "string", minLength: 1, description: "Regex the whole name must match." },
    truncate: {
      enum: ["error", "hash"],
      description: "hash: shorten non-protected segments and append a deterministic hash.",
    },
    style: { enum: ["kebab", "snake", "none"] },
    protected: { type: "array", items: { type: "string", pattern: VAR_NAME }, uniqueItems: true },
  },
  additionalProperties: false,
} as const;

/** Schema of naming-patterns.yaml. */
export const namingPatternsSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "urn:data-platform-naming:schema:naming-patterns",
  title: "dpn naming patterns (.dpn/naming-patterns.yaml)",
  description: "Templates per resource type, value transformations and house validation rules.",
  type: "object",
  properties: {
    $schema: { type: "string" },
    version: { type: "string", enum: ["1.0"], description: 'Format version, "1.0" (quoted).' },
    patterns: {
      type: "object",
      propertyNames: { pattern: TYPE_KEY },
      additionalProperties: { $ref: "#/$defs/pattern" },
    },
    transformations: {
      type: "object",
      properties: {
        region_mapping: {
          type: "object",
          propertyNames: { pattern: REGION },
          additionalProperties: { type: "string", pattern: REGION_CODE },
        },
        lowercase: { type: "array", items: { type: "string", pattern: VAR_NAME }, uniqueItems: true },
        uppercase: { type: "array", items: { type: "string", pattern: VAR_NAME }, uniqueItems: true },
        replace_hyphens: {
          type: "object",
          propertyNames: { pattern: VAR_NAME },
          additionalProperties: { type: "string", maxLength: 1 },
        },
        hash_generation: {
          type: "object",
          properties: {
            algorithm: { enum: ["md5", "sha256"] },
            length: { type: "integer", minimum: 4, maximum: 64 },
            prefix: { type: "string", maxLength: 2 },
            separator: { type: "string", maxLength: 1 },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    validation: {
      type: "object",
      properties: {
        max_length: {
          description: "A limit for every type, or a map type → limit (v0.1).",
          if: { type: "object" },
          // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword, not a thenable
          then: {
            type: "object",
            propertyNames: { pattern: TYPE_KEY },
            additionalProperties: { type: "integer", minimum: 1 },
          },
          else: { type: "integer", minimum: 1 },
        },
        allowed_chars: {
          description: "A regex every name must match, or a map type → regex (v0.1).",
          if: { type: "object" },
          // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword, not a thenable
          then: {
            type: "object",
            propertyNames: { pattern: TYPE_KEY },
            additionalProperties: { type: "string", minLength: 1 },
          },
          else: { type: "string", minLength: 1 },
        },
        required_variables: {
          description: "Variables every name needs, or a map type → variables (v0.1).",
          if: { type: "object" },
          // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword, not a thenable
          then: {
            type: "object",
            propertyNames: { pattern: TYPE_KEY },
            additionalProperties: {
              type: "array",
              items: { type: "string", pattern: VAR_NAME },
              uniqueItems: true,
            },
          },
          else: { type: "array", items: { type: "string", pattern: VAR_NAME }, uniqueItems: true },
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
  $defs: {
    pattern: {
      description: "A template string, or an object with the template and its rules.",
      if: { type: "string" },
      // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword, not a thenable
      then: { type: "string", minLength: 1 },
      else: patternObject,
    },
  },
} as const;
