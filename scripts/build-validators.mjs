// Generates standalone ajv validators for every published schema into dist/generated/validators.cjs
// (see src/core/schema-validator.ts for why). Runs after tsc in `npm run build`.
import { mkdirSync, writeFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import { blueprintSchema } from "../dist/blueprint/schema.js";
import { namingPatternsSchema, namingValuesSchema } from "../dist/config/schemas.js";
import { AJV_OPTIONS } from "../dist/core/schema-validator.js";

const schemas = {
  blueprint: blueprintSchema,
  namingValues: namingValuesSchema,
  namingPatterns: namingPatternsSchema,
};
const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code, source: true } });
for (const schema of Object.values(schemas)) ajv.addSchema(schema);
const refs = Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, schema.$id]));
const code = standaloneCode.default ? standaloneCode.default(ajv, refs) : standaloneCode(ajv, refs);
mkdirSync(new URL("../dist/generated/", import.meta.url), { recursive: true });
writeFileSync(new URL("../dist/generated/validators.cjs", import.meta.url), code);
