/**
 * The dpn library: everything the CLI does, as typed functions — names and blueprints, and the
 * use cases that plan, apply, recover and manage stacks.
 *
 *   import { loadConvention, generateName, validateName, explainName } from "data-platform-naming";
 *   const conv = loadConvention({ cwd: "." });
 *   const { name } = generateName(conv, { type: "aws_s3_bucket", metadata: { project: "dataplatform",
 *     environment: "prd", region: "us-east-1" }, resource: { purpose: "raw", layer: "raw" } });
 *
 *   import { appContext, createStack, loadResolvedBlueprint } from "data-platform-naming";
 *   const app = appContext({ cwd: ".", env: process.env }, { confirm: async () => {} });
 *   const resolved = loadResolvedBlueprint("blueprints/dev.json", loadConvention({ cwd: "." }));
 *   const r = await createStack(app, { resolved, target: "sandbox" });
 *
 * Every function throws `DpnError` (with `code`, `hint`, `problems`) on bad input; see each
 * function's TSDoc for what it throws.
 */

// use cases (src/app/) and the composition root that wires state and providers for them
export type { AppContext, ConfirmRequest, RegistryRequest, Target } from "./app/context.js";
export {
  type CreateStackInput,
  type CreateStackResult,
  createStack,
  type PlannedStack,
  planStack,
} from "./app/create-stack.js";
export { auditTrail, listTransactions, showTransaction, unlockStack } from "./app/history.js";
export { type RecoverStackInput, type RecoverStackResult, recoverStack } from "./app/recover-stack.js";
export {
  type DeleteInput,
  deleteResource,
  type ImportInput,
  importResource,
  type ListInput,
  listEveryStack,
  listResources,
  type ReadResult,
  type ResourceInput,
  readResource,
  restoreResource,
  type UpdateInput,
  type UpdateResult,
  updateResource,
} from "./app/resources.js";
export { type StackSelector, selectStack } from "./app/session.js";
export { type StatusInput, type StatusResult, stackStatus } from "./app/status.js";
// blueprints
export { type LoadedBlueprint, loadBlueprint, parseBlueprint } from "./blueprint/load.js";
export { type PreviewDocument, previewDocument, previewTable } from "./blueprint/preview.js";
export { type ResolvedBlueprint, type ResolveOptions, resolveBlueprint } from "./blueprint/resolve.js";
export { blueprintSchema } from "./blueprint/schema.js";
export { starterBlueprint } from "./blueprint/starter.js";
export { loadResolvedBlueprint, validateBlueprint } from "./blueprint/validate.js";
export { type AppContextOptions, appContext, type ComposeEnv } from "./compose/compose.js";
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
export type { Plan, PlannedChange } from "./engine/plan.js";
export type { TxResult } from "./engine/transaction.js";
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

// ---------------------------------------------------------------------------------------------
// scan: reading a live estate back through the convention (name parsing, classification, tag
// compliance, reports, migration plan). The inventory and the `dpn scan` command come later.
// ---------------------------------------------------------------------------------------------
import { parseName } from "./naming/parse.js";

export type { NameIssue, NameReading, ParseContext, ParseResult, TruncationInfo } from "./naming/parse.js";
export { BLUEPRINT_PREFERRED, scanEstate } from "./scan/classify.js";
export {
  type AdoptEntry,
  type BlueprintFragment,
  type MigrationOutput,
  type MigrationPlan,
  planMigration,
  type RenameEntry,
} from "./scan/migration.js";
export { migrationFiles, writeMigration } from "./scan/migration-files.js";
export { migrationPlanSchema } from "./scan/migration-schema.js";
export { renderHtml } from "./scan/report-html.js";
export { renderJson } from "./scan/report-json.js";
export { renderJunit } from "./scan/report-junit.js";
export { renderSarif, sarifLog } from "./scan/report-sarif.js";
export { renderTable } from "./scan/report-table.js";
export { SCAN_RULES, type ScanRule } from "./scan/rules.js";
export { failUnder, parseFailUnder } from "./scan/score.js";
export type { Finding, ObjectResult, ScanObject, ScanOptions, ScanReport } from "./scan/types.js";
export { parseName };
