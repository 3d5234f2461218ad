import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DpnError, Problem } from "../core/errors.js";
import { loadBlueprint, parseBlueprint } from "./load.js";

const FIXTURES = "test/fixtures/blueprints";
const tmp = mkdtempSync(join(tmpdir(), "dpn-bp-load-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const brief = (ps: Problem[]) =>
  ps.map((p) => `${p.code} ${p.path} ${p.line}:${p.column} | ${p.message} | ${p.hint}`);

function thrown(f: () => unknown): DpnError {
  try {
    f();
  } catch (e) {
    return e as DpnError;
  }
  throw new Error("expected an error");
}

describe("loadBlueprint: files", () => {
  it("refuses a missing file with BLUEPRINT_NOT_FOUND", () => {
    const e = thrown(() => loadBlueprint(join(tmp, "nope.json")));
    expect(e.code).toBe("BLUEPRINT_NOT_FOUND");
    expect(e.message).toBe(`blueprint ${join(tmp, "nope.json")} does not exist`);
    expect(e.hint).toContain("dpn plan init");
    expect(e.exitCode).toBe(2);
  });

  it("refuses a directory with BLUEPRINT_NOT_FOUND", () => {
    const e = thrown(() => loadBlueprint(tmp));
    expect(e.code).toBe("BLUEPRINT_NOT_FOUND");
    expect(e.message).toBe(`blueprint ${tmp} is not a file`);
  });

  it("refuses a 100 MB blueprint from its size, before reading it", () => {
    const file = join(tmp, "huge.json");
    // A sparse file: 100 MB long without writing 100 MB (and not valid JSON, which proves it is never parsed).
    writeFileSync(file, "{");
    truncateSync(file, 100 * 1024 * 1024);
    const e = thrown(() => loadBlueprint(file));
    expect(e.code).toBe("BLUEPRINT_TOO_LARGE");
    expect(e.kind).toBe("validation");
    expect(e.message).toBe(`blueprint ${file} is 100.0 MB, above the 50.0 MB limit`);
    expect(e.hint).toContain("Split the platform into several blueprints");
    expect(e.details).toMatchObject({ bytes: 100 * 1024 * 1024, limit: 50 * 1024 * 1024 });
  });

  it("reports malformed JSON with its line and column", () => {
    const e = thrown(() => loadBlueprint(`${FIXTURES}/invalid-json.json`));
    expect(e.code).toBe("BLUEPRINT_JSON_INVALID");
    expect(e.message).toBe(
      `${FIXTURES}/invalid-json.json:6:3: invalid JSON: expected another key after ',' (trailing commas are not allowed), found "}"`,
    );
  });
});

describe("loadBlueprint: schema problems, all at once", () => {
  it("v0.1-style blueprints load unchanged, without problems", () => {
    const bp = loadBlueprint(`${FIXTURES}/v01-style.json`);
    expect(bp.problems).toEqual([]);
    expect(bp.data.metadata.project).toBe("dataplatform");
  });

  it("accepts a $schema key and extra metadata strings", () => {
    const bp = parseBlueprint(
      JSON.stringify({
        $schema: "https://data-platform-naming.dev/schemas/blueprint.schema.json",
        version: "1.0",
        metadata: { environment: "dev", project: "p", region: "eu-west-1", domain_owner: "x" },
        resources: {},
      }),
      "bp.json",
    );
    expect(bp.problems).toEqual([]);
  });

  it("reports wrong types once each, without echoing enum errors for the same value", () => {
    expect(brief(loadBlueprint(`${FIXTURES}/wrong-types.json`).problems)).toEqual([
      "BLUEPRINT_WRONG_TYPE $.version 2:14 | $.version must be a string, found number 1 | Write version as a string.",
      'BLUEPRINT_WRONG_TYPE $.resources.aws.s3_buckets[0].versioning 6:72 | $.resources.aws.s3_buckets[0].versioning must be a boolean, found the string "yes" | Write versioning as a boolean.',
      "BLUEPRINT_OUT_OF_RANGE $.resources.aws.s3_buckets[0].lifecycle_days 6:97 | lifecycle_days is 0, must be >= 1 | Use a value >= 1.",
      "BLUEPRINT_WRONG_TYPE $.resources.aws.glue_tables 7:22 | $.resources.aws.glue_tables must be an array, found an object | Write glue_tables as an array.",
      'BLUEPRINT_WRONG_TYPE $.resources.databricks.clusters[0].autoscale.min 10:115 | $.resources.databricks.clusters[0].autoscale.min must be an integer, found the string "2" | Write min as an integer.',
    ]);
  });

  it("reports unknown keys at the key, with did-you-mean and the allowed keys", () => {
    const problems = loadBlueprint(`${FIXTURES}/unknown-keys.json`).problems;
    expect(problems.every((p) => p.file === `${FIXTURES}/unknown-keys.json` && p.severity === "error")).toBe(
      true,
    );
    expect(brief(problems)).toEqual([
      'BLUEPRINT_UNKNOWN_KEY $.resources.aws.s3_buckets[0].versoning 6:58 | unknown key "versoning" in $.resources.aws.s3_buckets[0] | Did you mean "versioning"? Allowed keys: purpose, layer, versioning, lifecycle_days, encryption, kms_key_id, block_public_access, tags, lifecycle.',
      'BLUEPRINT_UNKNOWN_KEY $.resources.aws.glue_database 7:7 | unknown key "glue_database" in $.resources.aws | Did you mean "glue_databases"? Allowed keys: s3_buckets, glue_databases, glue_tables.',
      'BLUEPRINT_MISSING_KEY $.resources.databricks.clusters[0] 10:20 | missing required key "cluster_type" in $.resources.databricks.clusters[0] | Found "cluster_typ": did you mean "cluster_type"?',
      'BLUEPRINT_UNKNOWN_KEY $.resources.databricks.clusters[0].cluster_typ 10:41 | unknown key "cluster_typ" in $.resources.databricks.clusters[0] | Did you mean "cluster_type"? Allowed keys: workload, cluster_type, node_type, spark_version, autoscale, num_workers, autotermination_minutes, single_user_name, tags, lifecycle.',
      'BLUEPRINT_MISSING_KEY $.resources.databricks.clusters[0].autoscale 10:105 | missing required key "min" in $.resources.databricks.clusters[0].autoscale | Add "min" (Minimum workers).',
      'BLUEPRINT_UNKNOWN_KEY $.resources.databricks.clusters[0].autoscale.min_workers 10:107 | unknown key "min_workers" in $.resources.databricks.clusters[0].autoscale | Allowed keys: min, max.',
      'BLUEPRINT_UNKNOWN_KEY $.scopes 13:3 | unknown key "scopes" in $ | Did you mean "scope"? Allowed keys: $schema, version, metadata, resources, scope.',
    ]);
  });

  it("reports bad enum values with the allowed values, and bad formats with what they must look like", () => {
    expect(brief(loadBlueprint(`${FIXTURES}/bad-enums.json`).problems)).toEqual([
      'BLUEPRINT_INVALID_VALUE $.metadata.environment 3:32 | the string "prod" is not an allowed value for environment (allowed: dev, stg, prd) | Did you mean "prd"? Use one of: dev, stg, prd.',
      'BLUEPRINT_INVALID_FORMAT $.metadata.project 3:51 | the string "Data Platform" is not a valid project (must match ^[a-z0-9-]+$) | Project: lowercase letters, digits and hyphens.',
      'BLUEPRINT_INVALID_VALUE $.metadata.data_classification 3:114 | the string "secret" is not an allowed value for data_classification (allowed: public, internal, confidential, restricted) | Use one of: public, internal, confidential, restricted.',
      'BLUEPRINT_INVALID_VALUE $.resources.aws.s3_buckets[0].encryption 6:74 | the string "KMS" is not an allowed value for encryption (allowed: AES256, aws:kms) | Use one of: AES256, aws:kms.',
      'BLUEPRINT_INVALID_VALUE $.resources.aws.glue_tables[0].table_type 7:91 | the string "facts" is not an allowed value for table_type (allowed: fact, dim, bridge, staging, reference) | Did you mean "fact"? Use one of: fact, dim, bridge, staging, reference.',
      'BLUEPRINT_INVALID_VALUE $.resources.databricks.clusters[0].cluster_type 10:57 | the string "shard" is not an allowed value for cluster_type (allowed: shared, dedicated, job) | Did you mean "shared"? Use one of: shared, dedicated, job.',
      'BLUEPRINT_INVALID_VALUE $.resources.databricks.jobs[0].schedule 11:92 | the string "dialy" is not an allowed value for schedule (allowed: hourly, daily, weekly) | Did you mean "daily"? Use one of: hourly, daily, weekly.',
    ]);
  });

  it("checks schedule objects, task shapes, locations and scope", () => {
    const bp = parseBlueprint(
      JSON.stringify(
        {
          version: "1.0",
          metadata: { environment: "dev", project: "p", region: "us-east-1" },
          resources: {
            aws: {
              glue_tables: [
                { database_ref: "d-raw", entity: "e", columns: [{ name: "a" }], location: "/tmp/x" },
              ],
            },
            databricks: {
              jobs: [
                {
                  job_type: "batch",
                  purpose: "p",
                  cluster_ref: "c",
                  schedule: { cron: "daily", timezone: "UTC" },
                  tasks: [{ task_key: "bad key!", depends_on: [3] }],
                },
              ],
            },
          },
          scope: { mode: "only", patterns: [] },
        },
        null,
        2,
      ),
      "bp.json",
    );
    expect(bp.problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      "BLUEPRINT_MISSING_KEY $.resources.aws.glue_tables[0].columns[0]",
      "BLUEPRINT_INVALID_FORMAT $.resources.aws.glue_tables[0].location",
      "BLUEPRINT_INVALID_FORMAT $.resources.databricks.jobs[0].schedule.cron",
      "BLUEPRINT_INVALID_FORMAT $.resources.databricks.jobs[0].tasks[0].task_key",
      "BLUEPRINT_WRONG_TYPE $.resources.databricks.jobs[0].tasks[0].depends_on[0]",
      "BLUEPRINT_INVALID_VALUE $.scope.mode",
      "BLUEPRINT_EMPTY_VALUE $.scope.patterns",
    ]);
    expect(bp.problems[2]?.hint).toBe("Quartz cron expression (6 or 7 fields), e.g. 0 30 2 * * ?");
  });

  it("reports a missing top level at the document start", () => {
    const bp = parseBlueprint("{}", "bp.json");
    expect(brief(bp.problems)).toEqual([
      'BLUEPRINT_MISSING_KEY $ 1:1 | missing required key "version" in $ | Add "version" (one of: 1.0).',
      'BLUEPRINT_MISSING_KEY $ 1:1 | missing required key "metadata" in $ | Add "metadata" (Who and where; other string keys are naming values).',
      'BLUEPRINT_MISSING_KEY $ 1:1 | missing required key "resources" in $ | Add "resources" (The resources, grouped by platform).',
    ]);
  });
});
