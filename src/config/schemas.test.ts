import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { namingPatternsSchema, namingValuesSchema } from "./schemas.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const yaml = (p: string) => parse(readFileSync(path.join(root, p), "utf8"));

describe("published naming schemas", () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  const values = ajv.compile(namingValuesSchema);
  const patterns = ajv.compile(namingPatternsSchema);

  it("are JSON-serialisable draft 2020-12 schemas", () => {
    for (const s of [namingValuesSchema, namingPatternsSchema]) {
      expect(s.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    }
  });

  it("accept the v0.1 files and the shipped examples", () => {
    for (const f of [
      "test/fixtures/naming/v01/.dpn/naming-values.yaml",
      "examples/configs/naming-values.yaml",
    ]) {
      expect(values(yaml(f)), `${f}: ${JSON.stringify(values.errors)}`).toBe(true);
    }
    for (const f of [
      "test/fixtures/naming/v01/.dpn/naming-patterns.yaml",
      "examples/configs/naming-patterns.yaml",
    ]) {
      expect(patterns(yaml(f)), `${f}: ${JSON.stringify(patterns.errors)}`).toBe(true);
    }
  });

  it("accept both v0.1 and single-value forms, and reject wrong shapes", () => {
    expect(
      patterns({
        validation: { max_length: 60, allowed_chars: "^[a-z-]+$", required_variables: ["project"] },
      }),
    ).toBe(true);
    expect(patterns({ validation: { max_length: { aws_s3_bucket: 60 } } })).toBe(true);
    expect(patterns({ validation: { max_length: "60" } })).toBe(false);
    expect(
      patterns({ patterns: { x: { template: "{a}", truncate: "hash", style: "snake", protected: ["a"] } } }),
    ).toBe(true);
    expect(patterns({ patterns: { x: { max_length: 3 } } })).toBe(false);
    expect(patterns({ transformations: { hash_generation: { length: 3 } } })).toBe(false);
    expect(patterns({ transformations: { region_mapping: { "us-east-1": "useast1" } } })).toBe(false);
    expect(values({ defaults: { layer: "stage" } })).toBe(false);
    expect(values({ defaults: { anything: "goes", project: "a-b" } })).toBe(true);
    expect(values({ environments: { prod: {} } })).toBe(false);
  });
});
