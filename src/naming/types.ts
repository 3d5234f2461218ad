/**
 * Public types of the naming engine. The functions that use them:
 *   ../config/load-convention.ts  loadConvention(), builtInConvention()
 *   generate.ts    generateName()
 *   rules.ts       validateName()
 *   explain.ts     explainName()
 *   tags.ts        standardTags(), checkTags(), normaliseTags()
 */
import type { Problem } from "../core/errors.js";

/** A values object: variable name → string. */
export type Values = Record<string, string>;

/** Naming style applied to variable values before validation. */
export type Style = "kebab" | "snake" | "none";

export interface PatternSpec {
  template: string;
  /** House max length; the official limit of the target always applies too. */
  max_length?: number;
  /** House regex the whole name must match. */
  allowed_chars?: string;
  /** `error` (default): too long is an error. `hash`: shorten + deterministic hash suffix. */
  truncate?: "error" | "hash";
  style?: Style;
  /** Variables never shortened by `truncate: hash` (default environment, region_short). */
  protected?: string[];
}

export interface Transformations {
  region_mapping: Record<string, string>;
  lowercase: string[];
  uppercase: string[];
  replace_hyphens: Record<string, string>;
  hash_generation: { algorithm: "md5" | "sha256"; length: number; prefix: string; separator: string };
}

/** House rules for one type (the v0.1 per-type maps of `validation.*`). */
export interface TypeValidation {
  max_length?: number;
  allowed_chars?: string;
  required_variables?: string[];
}

export interface HouseValidation {
  /** Applies to every type. */
  max_length?: number;
  /** Regex every name must match. */
  allowed_chars?: string;
  /** Variables every name must have a value for. */
  required_variables: string[];
  /** Per-type house rules (v0.1 wrote `validation.max_length: {aws_s3_bucket: 63, ...}`). */
  by_type?: Record<string, TypeValidation>;
}

/** Where a layer of values came from, for explain and error messages. */
export type ValueLayer =
  | "override"
  | "resource"
  | "metadata"
  | "resource_types"
  | "environment"
  | "defaults"
  | "built-in"
  | "derived";

/** A complete, merged convention (built-ins + user files). */
export interface Convention {
  defaults: Values;
  environments: Record<string, Values>;
  resource_types: Record<string, Values>;
  patterns: Record<string, PatternSpec>;
  transformations: Transformations;
  validation: HouseValidation;
  /** Files that contributed (absolute paths), for messages. */
  sources: { values?: string; patterns?: string };
}

export interface LoadConventionOptions {
  /** Project directory holding `.dpn/` (default process.cwd()). */
  cwd?: string;
  /** Explicit files (`--values-config`, `--patterns-config`); a missing explicit file is an error. */
  valuesPath?: string;
  patternsPath?: string;
}

/** Input of one name generation. Layers follow the single precedence rule (naming-rules.md). */
export interface NameRequest {
  /** Type key, e.g. `aws_s3_bucket`, or a user-defined naming-only type. */
  type: string;
  /** Layer 1: `--override key=value`. */
  overrides?: Values;
  /** Layer 2: the resource's own fields in the blueprint (non-string fields are ignored). */
  resource?: Values;
  /** Layer 3: blueprint metadata. */
  metadata?: Values;
  /** For messages: the resource's JSON path or address. */
  context?: string;
}

export interface ResolvedVariable {
  name: string;
  /** The value as found. */
  raw: string;
  /** The value after transformations and normalisation, as it appears in the name. */
  value: string;
  layer: ValueLayer;
}

export interface NameResult {
  type: string;
  name: string;
  template: string;
  style: Style;
  variables: ResolvedVariable[];
  /** Human-readable steps applied, in order (transformations, normalisation, truncation). */
  steps: string[];
  /** Rules checked (codes) and any warnings; errors make generateName throw instead. */
  checked: string[];
  warnings: Problem[];
  /** The effective environment after overrides/resource/metadata. */
  environment: string;
}

/** Tag target families with their own limits (naming-rules.md Part 3, C4). */
export type TagTarget = "aws" | "glue" | "dbx_cluster" | "dbx_job" | "uc";
