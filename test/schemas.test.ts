import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PUBLISHED_SCHEMAS, schemaText } from "../src/schema-catalog.js";

describe("published JSON Schemas", () => {
  for (const { file, schema } of PUBLISHED_SCHEMAS) {
    it(`schemas/${file} matches the code it is generated from`, () => {
      const onDisk = readFileSync(new URL(`../schemas/${file}`, import.meta.url), "utf8");
      // run `npm run schemas` when this fails after a deliberate schema change
      expect(onDisk).toBe(schemaText(schema));
    });
  }
});
