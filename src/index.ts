/**
 * The dpn library: everything the CLI does with names and blueprints, as typed functions.
 *
 *   import { loadConvention, generateName, validateName, explainName } from "data-platform-naming";
 *   const conv = loadConvention({ cwd: "." });
 *   const { name } = generateName(conv, { type: "aws_s3_bucket", metadata: { project: "dataplatform",
 *     environment: "prd", region: "us-east-1" }, resource: { purpose: "raw", layer: "raw" } });
 *
 * Every function throws `DpnError` (with `code`, `hint`, `problems`) on bad input; see each
 * function's TSDoc for what it throws.
 */

// blueprints
export { type LoadedBlueprint, loadBlueprint, parseBlueprint } from "./blueprint/load.js";
export { type PreviewDocument, previewDocument, previewTable } from "./blueprint/preview.js";
export { type ResolvedBlueprint, type ResolveOptions, resolveBlueprint } from "./blueprint/resolve.js";
export { blueprintSchema } from "./blueprint/schema.js";
export { starterBlueprint } from "./blueprint/starter.js";
export { loadResolvedBlueprint, validateBlueprint } from "./blueprint/validate.js";
// convention
export { builtInConvention, loadConvention } from "./config/load-convention.js";
export { namingPatternsSchema, namingValuesSchema } from "./config/schemas.js";
// errors
export { DpnError, ExitCode, type Problem, ProviderError } from "./core/errors.js";
// resource vocabulary
export {
  type DesiredResource,
  PROVISIONED_TYPES,
  type ProvisionedType,
} from "./core/resources.js";
export { BUILT_IN_TEMPLATES } from "./naming/built-ins.js";
export { type ExplainJson, explainJson, explainName } from "./naming/explain.js";
// names
export { generateName } from "./naming/generate.js";
export { REGION_CODES, regionShort } from "./naming/regions.js";
export { officialLimit, suggestName, validateName } from "./naming/rules.js";
export { checkTags, normaliseTags, standardTags } from "./naming/tags.js";
export type {
  Convention,
  LoadConventionOptions,
  NameRequest,
  NameResult,
  PatternSpec,
  ResolvedVariable,
  Style,
  TagTarget,
  ValueLayer,
  Values,
} from "./naming/types.js";
