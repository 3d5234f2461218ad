// Regenerates schemas/*.json from the compiled code (run `npm run build` first; `npm run schemas` does both).
import { writeFileSync } from "node:fs";
import { PUBLISHED_SCHEMAS, schemaText } from "../dist/schema-catalog.js";

for (const { file, schema } of PUBLISHED_SCHEMAS) {
  writeFileSync(new URL(`../schemas/${file}`, import.meta.url), schemaText(schema));
  console.log(`wrote schemas/${file}`);
}
