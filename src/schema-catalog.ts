/**
 * Every JSON Schema dpn publishes in `schemas/`, with its file name. The files are generated from
 * these objects (`npm run schemas`) and a test fails when they drift.
 */

import { savedPlanSchema } from "./app/saved-plan-schema.js";
import { blueprintSchema } from "./blueprint/schema.js";
import { UPDATE_PARAMS_SCHEMAS } from "./blueprint/update-params.js";
import { namingPatternsSchema, namingValuesSchema } from "./config/schemas.js";
import { migrationPlanSchema } from "./scan/migration-schema.js";

export const PUBLISHED_SCHEMAS: ReadonlyArray<{ file: string; schema: unknown }> = [
  { file: "blueprint.schema.json", schema: blueprintSchema },
  { file: "naming-values.schema.json", schema: namingValuesSchema },
  { file: "naming-patterns.schema.json", schema: namingPatternsSchema },
  { file: "migration-plan.schema.json", schema: migrationPlanSchema },
  { file: "saved-plan.schema.json", schema: savedPlanSchema },
  ...UPDATE_PARAMS_SCHEMAS,
];

/** The exact text written for a schema (stable key order as defined, 2-space indent, final newline). */
export function schemaText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
