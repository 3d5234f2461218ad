import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { didYouMean, levenshtein } from "../core/did-you-mean.js";
import { blueprintSchema } from "./schema.js";
import { compileScope, globToRegExp } from "./scope.js";

describe("blueprintSchema", () => {
  it("is a strict, valid draft 2020-12 schema that accepts the examples", () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    expect(ajv.validateSchema(blueprintSchema)).toBe(true);
    const validate = ajv.compile(blueprintSchema);
    for (const env of ["dev", "stg", "prd"]) {
      expect(validate(JSON.parse(readFileSync(`examples/blueprints/${env}.json`, "utf8"))), env).toBe(true);
    }
    expect(
      validate({
        version: "1.0",
        metadata: { environment: "dev", project: "p", region: "us-east-1" },
        resources: {},
        extra: 1,
      }),
    ).toBe(false);
  });

  it("publishes defaults, enums and descriptions for editors", () => {
    const defs = blueprintSchema.$defs as Record<
      string,
      { properties: Record<string, Record<string, unknown>> }
    >;
    expect(blueprintSchema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(defs.s3_bucket?.properties.versioning).toMatchObject({ type: "boolean", default: true });
    expect(defs.s3_bucket?.properties.lifecycle_days).toMatchObject({ default: 90 });
    expect(defs.cluster?.properties.cluster_type).toMatchObject({ enum: ["shared", "dedicated", "job"] });
    expect(defs.s3_bucket?.properties.layer?.examples).toEqual([
      "raw",
      "bronze",
      "silver",
      "gold",
      "processed",
      "curated",
    ]);
    expect(Object.keys(defs).sort()).toEqual(
      [
        "catalog",
        "cluster",
        "column",
        "glue_database",
        "glue_table",
        "job",
        "s3_bucket",
        "task",
        "uc_schema",
        "uc_table",
        "volume",
      ].sort(),
    );
  });
});

describe("did-you-mean", () => {
  it("counts transpositions as one edit and refuses far or one-letter guesses", () => {
    expect(levenshtein("dialy", "daily")).toBe(1);
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(didYouMean("versoning", ["versioning", "layer"])).toBe('Did you mean "versioning"?');
    expect(didYouMean("Layer", ["layer"])).toBe('Did you mean "layer"?');
    expect(didYouMean("zzz", ["layer", "purpose"])).toBeUndefined();
    expect(didYouMean("d", ["a", "b"])).toBeUndefined();
  });
});

describe("scope globs", () => {
  it("match whole strings, with * over dots and ? for one character", () => {
    expect(globToRegExp("dbx_*").test("dbx_table")).toBe(true);
    expect(globToRegExp("dbx_table.*.fact_orders").test("dbx_table.cat.sch.fact_orders")).toBe(true);
    expect(globToRegExp("aws_s3_bucke?").test("aws_s3_bucket")).toBe(true);
    expect(globToRegExp("aws").test("aws_s3_bucket")).toBe(false);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
    const s = compileScope({ mode: "exclude", patterns: ["dbx_*", "nothing"] });
    expect(s.keeps("aws_s3_bucket", "aws_s3_bucket.x")).toBe(true);
    expect(s.keeps("dbx_job", "dbx_job.x")).toBe(false);
    expect(s.unusedPatterns()).toEqual(["nothing"]);
  });
});
