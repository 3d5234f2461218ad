import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import { PROVISIONED_TYPES } from "../core/resources.js";
import {
  applyUpdateParams,
  parseUpdateParams,
  UPDATE_PARAMS_SCHEMAS,
  updatableFields,
  updateParamsSchema,
} from "./update-params.js";

function failure(fn: () => unknown): DpnError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DpnError) return e;
    throw e;
  }
  throw new Error("expected a DpnError");
}

describe("update parameter schemas", () => {
  it("publishes one valid draft 2020-12 schema per provisioned type", () => {
    expect(UPDATE_PARAMS_SCHEMAS.map((s) => s.file)).toEqual(
      PROVISIONED_TYPES.map((t) => `update-${t}.schema.json`),
    );
    const ajv = new Ajv2020({ strict: true });
    for (const t of PROVISIONED_TYPES) expect(() => ajv.compile(updateParamsSchema(t))).not.toThrow();
  });

  it("accepts the changeable settings of each type", () => {
    expect(parseUpdateParams('{"versioning": true, "lifecycle_days": 0}', "u.json", "aws_s3_bucket")).toEqual(
      {
        versioning: true,
        lifecycle_days: 0,
      },
    );
    expect(parseUpdateParams('{"comment": null, "tags": {"a": null}}', "u.json", "dbx_schema")).toEqual({
      comment: null,
      tags: { a: null },
    });
    expect(
      parseUpdateParams(
        '{"schedule": {"quartz_cron_expression": "0 0 1 * * ?", "timezone_id": "UTC"}}',
        "u.json",
        "dbx_job",
      ),
    ).toHaveProperty("schedule.timezone_id", "UTC");
    expect(updatableFields("dbx_table")).toEqual(["comment", "tags"]);
  });

  it("locates every problem by JSON path and line:column", () => {
    const text =
      '{\n  "tags": {"dpn_stack": "x"},\n  "num_workers": -1,\n  "autoscale": {"min_workers": 1}\n}';
    const e = failure(() => parseUpdateParams(text, "u.json", "dbx_cluster"));
    expect(e.code).toBe("UPDATE_PARAMS_INVALID");
    expect(e.exitCode).toBe(3);
    const found = e.problems.map((p) => [p.path, p.line]);
    expect(found).toContainEqual(["$.num_workers", 3]);
    expect(found).toContainEqual(["$.autoscale", 4]);
    expect(e.problems.some((p) => p.path?.startsWith("$.tags"))).toBe(true);
  });

  it("refuses renames, immutable settings, empty files and bad JSON", () => {
    const rename = failure(() => parseUpdateParams('{"name": "x"}', "u.json", "aws_glue_table"));
    expect(rename.code).toBe("UPDATE_RENAME_REFUSED");
    expect(rename.hint).toMatch(/cannot change on AWS/);
    const immutable = failure(() => parseUpdateParams('{"columns": []}', "u.json", "dbx_table"));
    expect(immutable.problems[0]).toMatchObject({ code: "UPDATE_FIELD_IMMUTABLE", line: 1, column: 2 });
    expect(failure(() => parseUpdateParams("{}", "u.json", "dbx_volume")).problems[0]?.code).toBe(
      "UPDATE_EMPTY",
    );
    expect(failure(() => parseUpdateParams('{"comment": "x",}', "u.json", "dbx_volume")).code).toBe(
      "BLUEPRINT_JSON_INVALID",
    );
  });
});

describe("applyUpdateParams", () => {
  const base = {
    type: "dbx_cluster" as const,
    properties: { num_workers: 2, spark_version: "15.4.x-scala2.12" } as Record<string, unknown>,
    tags: { Team: "a", Owner: "b" },
  };

  it("replaces named settings, merges tags and drops settings that exclude each other", () => {
    const out = applyUpdateParams(base, {
      autoscale: { min_workers: 1, max_workers: 4 },
      tags: { Owner: null, New: "n" },
    });
    expect(out.properties).toEqual({
      spark_version: "15.4.x-scala2.12",
      autoscale: { min_workers: 1, max_workers: 4 },
    });
    expect(out.tags).toEqual({ Team: "a", New: "n" });
    expect(base.properties).toEqual({ num_workers: 2, spark_version: "15.4.x-scala2.12" });
  });

  it("removes a setting given as null and kms_key_id when leaving aws:kms", () => {
    const bucket = {
      type: "aws_s3_bucket" as const,
      properties: { encryption: "aws:kms", kms_key_id: "k" } as Record<string, unknown>,
      tags: {},
    };
    expect(applyUpdateParams(bucket, { encryption: "AES256" }).properties).toEqual({ encryption: "AES256" });
    const schema = { type: "dbx_schema" as const, properties: { comment: "c", catalog_name: "x" }, tags: {} };
    expect(applyUpdateParams(schema, { comment: null }).properties).toEqual({ catalog_name: "x" });
  });
});
