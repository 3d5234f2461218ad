import { describe, expect, it } from "vitest";
import { createBuiltInConvention } from "./built-ins.js";
import { effectiveLimit, measure, suggestName, validateName } from "./rules.js";

const codes = (type: string, name: string) => validateName(type, name).map((p) => p.code);
const errors = (type: string, name: string) =>
  validateName(type, name)
    .filter((p) => p.severity !== "warning")
    .map((p) => p.code);

describe("S3 bucket rules (C1)", () => {
  it.each([
    ["ab", "S3_LENGTH"],
    ["a".repeat(64), "S3_LENGTH"],
    ["My-Bucket", "S3_CHARSET"],
    ["my_bucket", "S3_CHARSET"],
    ["-bucket", "S3_START_END"],
    ["bucket-", "S3_START_END"],
    ["my..bucket", "S3_ADJACENT_PERIODS"],
    ["192.168.5.4", "S3_IP_ADDRESS"],
    ["xn--abc-raw", "S3_RESERVED_PREFIX"],
    ["sthree-data", "S3_RESERVED_PREFIX"],
    ["sthree-configurator", "S3_RESERVED_PREFIX"],
    ["amzn-s3-demo-bucket", "S3_RESERVED_PREFIX"],
    ["data-s3alias", "S3_RESERVED_SUFFIX"],
    ["data--ol-s3", "S3_RESERVED_SUFFIX"],
    ["data.mrap", "S3_RESERVED_SUFFIX"],
    ["data--x-s3", "S3_RESERVED_SUFFIX"],
    ["data--table-s3", "S3_RESERVED_SUFFIX"],
  ])("%s → %s (error)", (name, code) => {
    expect(errors("aws_s3_bucket", name)).toContain(code);
  });

  it("reports periods (transfer acceleration / TLS) and .- adjacency as warnings only", () => {
    const p = validateName("aws_s3_bucket", "my.-bucket");
    expect(
      p
        .filter((x) => x.severity === "warning")
        .map((x) => x.code)
        .sort(),
    ).toEqual(["S3_DOT_HYPHEN", "S3_PERIOD"]);
    expect(p.filter((x) => x.severity !== "warning")).toEqual([]);
  });

  it("accepts valid names and tags problems with source official", () => {
    expect(validateName("aws_s3_bucket", "dataplatform-raw-raw-prd-use1")).toEqual([]);
    expect(validateName("aws_s3_bucket", "abc")).toEqual([]);
    expect(validateName("aws_s3_bucket", "a".repeat(63))).toEqual([]);
    const [p] = validateName("aws_s3_bucket", "Bad_Name");
    expect(p?.source).toBe("official");
    expect(p?.hint).toBe('Suggested name: "bad-name"');
  });

  it("reports every problem at once", () => {
    expect(codes("aws_s3_bucket", "xn--A..b-s3alias").sort()).toEqual(
      ["S3_ADJACENT_PERIODS", "S3_CHARSET", "S3_PERIOD", "S3_RESERVED_PREFIX", "S3_RESERVED_SUFFIX"].sort(),
    );
  });
});

describe("Glue rules (C2)", () => {
  it("limits names to 255 bytes, not characters", () => {
    expect(errors("aws_glue_table", "a".repeat(255))).toEqual([]);
    expect(errors("aws_glue_table", "é".repeat(128))).toContain("GLUE_LENGTH"); // 256 bytes
    expect(errors("aws_glue_table", "é".repeat(127))).not.toContain("GLUE_LENGTH");
    expect(measure("é", "bytes")).toBe(2);
  });

  it("requires a single-line, lowercase name", () => {
    expect(errors("aws_glue_database", "a\nb")).toContain("GLUE_CHARSET");
    expect(errors("aws_glue_database", "Sales")).toContain("GLUE_UPPERCASE");
    expect(errors("aws_glue_crawler", "Sales-Crawler")).toEqual([]);
  });

  it("warns about Athena-unfriendly names", () => {
    const w = validateName("aws_glue_table", "_tmp-x").map((p) => `${p.code}:${p.severity}`);
    expect(w).toEqual(
      expect.arrayContaining(["GLUE_ATHENA_CHARS:warning", "GLUE_LEADING_UNDERSCORE:warning"]),
    );
    expect(codes("aws_glue_table", "1st")).toContain("GLUE_LEADING_DIGIT");
  });
});

describe("Unity Catalog rules (C3)", () => {
  it.each(["a.b", "a b", "a/b", "a\u0001b", "a\u007fb"])("forbids %j", (name) => {
    expect(errors("dbx_table", name)).toContain("UC_FORBIDDEN_CHARS");
  });

  it("limits to 255 characters and lowercase", () => {
    expect(errors("dbx_table", "a".repeat(256))).toContain("UC_LENGTH");
    expect(errors("dbx_table", "Fact_Entity")).toContain("UC_UPPERCASE");
  });

  it("rejects reserved catalog names and warns about built-in ones", () => {
    expect(errors("dbx_catalog", "system")).toContain("UC_RESERVED_CATALOG");
    expect(errors("dbx_catalog", "SYSTEM_x")).toContain("UC_RESERVED_CATALOG");
    expect(errors("dbx_catalog", "databricks_x")).toContain("UC_RESERVED_CATALOG");
    expect(validateName("dbx_catalog", "hive_metastore").map((p) => `${p.code}:${p.severity}`)).toEqual([
      "UC_BUILTIN_CATALOG:warning",
    ]);
    expect(validateName("dbx_catalog", "samples").map((p) => p.severity)).toEqual(["warning"]);
    expect(validateName("dbx_catalog", "dataplatform_main_prd")).toEqual([]);
  });

  it("rejects reserved schema names and warns about default", () => {
    for (const n of [
      "information_schema",
      "INFORMATION_SCHEMA",
      "builtin",
      "session",
      "sys_x",
      "databricks",
    ]) {
      expect(errors("dbx_schema", n), n).toContain("UC_RESERVED_SCHEMA");
    }
    expect(validateName("dbx_schema", "default").map((p) => `${p.code}:${p.severity}`)).toEqual([
      "UC_DEFAULT_SCHEMA:warning",
    ]);
    // Reserved schema names are fine for tables.
    expect(validateName("dbx_table", "session")).toEqual([]);
  });

  it("warns when a name needs backticks", () => {
    expect(validateName("dbx_volume", "raw-landing").map((p) => `${p.code}:${p.severity}`)).toEqual([
      "UC_NEEDS_QUOTING:warning",
    ]);
  });
});

describe("Databricks and other AWS rules", () => {
  it("job ≤4096 bytes, pool 1–100, warehouse <100, secret scope ≤128 with its charset", () => {
    expect(errors("dbx_job", "j".repeat(4096))).toEqual([]);
    expect(errors("dbx_job", "j".repeat(4097))).toContain("DBX_JOB_NAME_LENGTH");
    expect(errors("dbx_instance_pool", "p".repeat(100))).toEqual([]);
    expect(errors("dbx_instance_pool", "p".repeat(101))).toContain("DBX_POOL_NAME_LENGTH");
    expect(errors("dbx_sql_warehouse", "w".repeat(99))).toEqual([]);
    expect(errors("dbx_sql_warehouse", "w".repeat(100))).toContain("DBX_WAREHOUSE_NAME_LENGTH");
    expect(errors("dbx_secret_scope", "Scope_a.b@c-d")).toEqual([]);
    expect(errors("dbx_secret_scope", "scope/x")).toContain("DBX_SECRET_SCOPE_CHARSET");
    expect(errors("dbx_secret_scope", "s".repeat(129))).toContain("DBX_SECRET_SCOPE_LENGTH");
  });

  it("requires SQS FIFO names to end in .fifo", () => {
    expect(errors("aws_sqs_queue", "dp-prd-events-fifo")).toContain("SQS_FIFO_SUFFIX");
    expect(validateName("aws_sqs_queue", "dp-prd-events-fifo")[0]?.hint).toBe(
      'Suggested name: "dp-prd-events.fifo"',
    );
    expect(errors("aws_sqs_queue", "dp-prd-events.fifo")).toEqual([]);
    expect(errors("aws_sqs_queue", "dp.prd")).toContain("SQS_CHARSET");
    expect(errors("aws_sqs_queue", "q".repeat(81))).toContain("SQS_LENGTH");
  });

  it("checks lambda, IAM and step function limits", () => {
    expect(errors("aws_lambda_function", "f".repeat(65))).toContain("LAMBDA_LENGTH");
    expect(errors("aws_iam_role", "role name")).toContain("IAM_CHARSET");
    expect(errors("aws_step_function", "a:b")).toContain("SFN_CHARSET");
  });

  it("reports an empty name", () => {
    expect(codes("dbx_cluster", "")).toEqual(["NAME_EMPTY"]);
  });
});

describe("house rules", () => {
  it("enforces validation.max_length / allowed_chars (global, per type, per pattern)", () => {
    const conv = createBuiltInConvention();
    conv.validation.max_length = 20;
    conv.validation.by_type = { dbx_cluster: { allowed_chars: "^[a-zA-Z0-9-_]+$", max_length: 10 } };
    conv.patterns.dbx_cluster = { template: "{project}", allowed_chars: "[a-z-]+" };
    const p = validateName("dbx_cluster", "Cluster_Name_That_Is_Long", conv);
    expect(p.every((x) => x.source === "house")).toBe(true);
    expect(p.map((x) => x.code).sort()).toEqual([
      "HOUSE_ALLOWED_CHARS",
      "HOUSE_MAX_LENGTH",
      "HOUSE_MAX_LENGTH",
    ]);
    expect(validateName("dbx_cluster", "ab-c", conv)).toEqual([]);
    expect(effectiveLimit("dbx_cluster", conv)).toEqual({
      max: 10,
      unit: "chars",
      from: "validation.max_length.dbx_cluster",
    });
    expect(effectiveLimit("aws_s3_bucket", conv)?.max).toBe(20);
  });

  it("suggests names only when the suggestion is valid", () => {
    expect(suggestName("dbx_table", "Fact-Entity")).toBe("fact_entity");
    expect(suggestName("aws_s3_bucket", "xn--abc")).toBeUndefined();
  });
});
