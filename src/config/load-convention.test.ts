import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import { generateName } from "../naming/generate.js";
import { builtInConvention, loadConvention } from "./load-convention.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const v01 = path.join(root, "test/fixtures/naming/v01");
const tmp = mkdtempSync(path.join(tmpdir(), "dpn-conv-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function project(files: { values?: string; patterns?: string }): string {
  const dir = path.join(tmp, `p${n++}`);
  mkdirSync(path.join(dir, ".dpn"), { recursive: true });
  if (files.values !== undefined) writeFileSync(path.join(dir, ".dpn/naming-values.yaml"), files.values);
  if (files.patterns !== undefined)
    writeFileSync(path.join(dir, ".dpn/naming-patterns.yaml"), files.patterns);
  return dir;
}

function loadError(opts: Parameters<typeof loadConvention>[0]): DpnError {
  try {
    loadConvention(opts);
  } catch (e) {
    if (e instanceof DpnError) return e;
    throw e;
  }
  throw new Error("expected loadConvention to throw");
}

const meta = { project: "dataplatform", region: "us-east-1", environment: "prd" };

describe("loadConvention", () => {
  it("without .dpn/ gives exactly the built-ins", () => {
    const dir = path.join(tmp, "empty");
    mkdirSync(dir);
    const conv = loadConvention({ cwd: dir });
    expect(conv).toEqual(builtInConvention());
    expect(Object.keys(conv.patterns)).toHaveLength(27);
    expect(conv.sources).toEqual({});
  });

  it("loads v0.1 files unchanged and produces the v0.1 names", () => {
    const conv = loadConvention({ cwd: v01 });
    expect(conv.sources.values).toBe(path.join(v01, ".dpn/naming-values.yaml"));
    expect(conv.validation.by_type?.aws_s3_bucket).toEqual({
      max_length: 63,
      allowed_chars: "^[a-z0-9-]+$",
      required_variables: ["project", "purpose", "layer", "environment", "region_short"],
    });
    // resource_types supplies purpose/layer; defaults supply project; metadata the environment.
    expect(generateName(conv, { type: "aws_s3_bucket", metadata: { environment: "prd" } }).name).toBe(
      "dataplatform-raw-raw-prd-use1",
    );
    expect(generateName(conv, { type: "dbx_job", metadata: { environment: "dev" } }).name).toBe(
      "dataplatform-batch-transformation-daily-dev",
    );
    // The user's region_mapping wins over the built-in table (v0.1 used apse1).
    expect(
      generateName(conv, { type: "aws_s3_bucket", metadata: { ...meta, region: "ap-southeast-1" } }).name,
    ).toBe("dataplatform-raw-raw-prd-apse1");
    // replace_hyphens {project: "_"} + normalisation: S3 stays hyphenated, Glue gets underscores.
    const m = { project: "data-platform", region: "us-east-1", environment: "dev" };
    expect(generateName(conv, { type: "aws_s3_bucket", metadata: m }).name).toBe(
      "data-platform-raw-raw-dev-use1",
    );
    expect(
      generateName(conv, {
        type: "aws_glue_database",
        resource: { domain: "sales", layer: "bronze" },
        metadata: m,
      }).name,
    ).toBe("data_platform_sales_bronze_dev");
  });

  it("derives region_short from a higher-precedence region instead of a stale defaults.region_short", () => {
    const conv = loadConvention({ cwd: v01 }); // defaults: region us-east-1, region_short use1
    const r = generateName(conv, {
      type: "aws_s3_bucket",
      metadata: { environment: "prd", region: "eu-north-1" },
    });
    expect(r.name).toBe("dataplatform-raw-raw-prd-eun1");
    expect(r.variables.find((v) => v.name === "region_short")?.layer).toBe("derived");
  });

  it("loads the shipped examples", () => {
    const conv = loadConvention({
      cwd: tmp,
      valuesPath: path.join(root, "examples/configs/naming-values.yaml"),
      patternsPath: path.join(root, "examples/configs/naming-patterns.yaml"),
    });
    expect(conv.patterns.aws_athena_workgroup?.truncate).toBe("hash");
    expect(generateName(conv, { type: "aws_s3_bucket", metadata: { environment: "prd" } }).name).toBe(
      "dataplatform-raw-raw-prd-use1",
    );
    expect(
      generateName(conv, {
        type: "aws_sqs_queue",
        resource: { purpose: "events", queue_type: "fifo" },
        metadata: meta,
      }).name,
    ).toBe("dataplatform-prd-events.fifo");
    const long = generateName(conv, {
      type: "aws_athena_workgroup",
      resource: { domain: "finance-and-accounting-reporting", purpose: "quarterly-regulatory-submissions" },
      metadata: meta,
    });
    expect(long.name.length).toBeLessThanOrEqual(64);
    expect(long.name).toMatch(/^dataplatform-.*-prd-use1-[0-9a-f]{8}$/);
  });

  it("merges partial files over the built-ins and accepts new types", () => {
    const dir = project({
      values: 'version: "1.0"\nresource_types:\n  kafka_topic:\n    domain: sales\n',
      patterns: 'patterns:\n  kafka_topic: "{project}.{domain}.{entity}{.environment?}"\n',
    });
    const conv = loadConvention({ cwd: dir });
    expect(Object.keys(conv.patterns)).toHaveLength(28);
    expect(conv.patterns.aws_s3_bucket?.template).toBe(
      "{project}-{purpose}-{layer}-{environment}-{region_short}",
    );
    expect(
      generateName(conv, { type: "kafka_topic", resource: { entity: "orders" }, metadata: { project: "dp" } })
        .name,
    ).toBe("dp.sales.orders");
  });

  it("a missing explicit file is CONFIG_NOT_FOUND", () => {
    const e = loadError({ cwd: tmp, valuesPath: "nope/naming-values.yaml" });
    expect(e.code).toBe("CONFIG_NOT_FOUND");
    expect(e.kind).toBe("validation");
    expect(e.message).toContain(path.join(tmp, "nope/naming-values.yaml"));
  });

  it("malformed YAML is reported with line and column", () => {
    const dir = project({
      patterns: 'version: "1.0"\npatterns:\n  aws_s3_bucket: [unclosed\n  dbx_job: x\n',
    });
    const e = loadError({ cwd: dir });
    expect(e.code).toBe("CONFIG_INVALID");
    const p = e.problems[0]!;
    expect(p.code).toBe("CONFIG_YAML_SYNTAX");
    expect(p.file).toBe(path.join(dir, ".dpn/naming-patterns.yaml"));
    expect(p.line).toBeGreaterThanOrEqual(3);
    expect(p.column).toBeGreaterThanOrEqual(1);
  });

  it("collects every problem of both files into one error, located, with did-you-mean hints", () => {
    const dir = project({
      values: [
        "version: 1.0", // 1
        "defaults:", // 2
        "  project: Data Platform", // 3
        "  cost_center: 12345", // 4
        "environments:", // 5
        "  prod:", // 6
        "    environment: prd", // 7
        "resource_types:", // 8
        "  aws_s3_buckets:", // 9
        "    purpose: raw", // 10
        "",
      ].join("\n"),
      patterns: [
        'version: "1.0"', // 1
        "patterns:", // 2
        '  aws_s3_bucket: "{project}-{purpose"', // 3
        "  my_type:", // 4
        '    template: "{a}-{b}"', // 5
        '    allowed_chars: "(?P<x>a)"', // 6
        "    truncate: hashed", // 7
        "transformations:", // 8
        "  region_mapping:", // 9
        "    ap-south-1: aps1", // 10
        "validation:", // 11
        "  max_lengths: 63", // 12
        "",
      ].join("\n"),
    });
    const e = loadError({ cwd: dir });
    expect(e.code).toBe("CONFIG_INVALID");
    const byCode = (code: string) => e.problems.filter((p) => p.code === code);
    for (const p of e.problems) {
      expect(p.file).toMatch(/naming-(values|patterns)\.yaml$/);
      expect(p.line).toBeGreaterThan(0);
      expect(p.column).toBeGreaterThan(0);
      expect(p.path).toBeTruthy();
      expect(p.hint).toBeTruthy();
    }
    const version = e.problems.find((p) => p.path === "version" && p.file?.endsWith("naming-values.yaml"));
    expect(version?.line).toBe(1);
    expect(version?.hint).toContain('"1.0"'); // quote it
    const proj = e.problems.find((p) => p.path === "defaults.project");
    expect(proj?.line).toBe(3);
    const cost = e.problems.find((p) => p.path === "defaults.cost_center");
    expect(cost).toMatchObject({ code: "CONFIG_TYPE", line: 4, hint: 'Quote the value: "12345".' });
    const env = e.problems.find((p) => p.path === "environments.prod");
    expect(env).toMatchObject({
      code: "CONFIG_UNKNOWN_KEY",
      line: 6,
      column: 3,
      hint: 'Did you mean "prd"?',
    });
    const max = e.problems.find((p) => p.path === "validation.max_lengths");
    expect(max).toMatchObject({
      code: "CONFIG_UNKNOWN_KEY",
      line: 12,
      column: 3,
      hint: 'Did you mean "max_length"?',
    });
    expect(e.problems.find((p) => p.path === "patterns.my_type.truncate")).toMatchObject({
      code: "CONFIG_VALUE",
      line: 7,
    });
    // The patterns file failed its schema, so its rules are not run; the values file's rules are.
    expect(byCode("UNKNOWN_RESOURCE_TYPE")).toHaveLength(0);
    expect(e.message).toContain("naming-values.yaml:4:");
  });

  it("reports rule problems: template syntax, regex, duplicate region code, unknown type", () => {
    const dir = project({
      values: "resource_types:\n  aws_s3_buckets:\n    purpose: raw\n",
      patterns: [
        "patterns:",
        '  aws_s3_bucket: "{project}-{purpose"',
        "  my_type:",
        '    template: "{a}-{b}"',
        '    allowed_chars: "(?P<x>a)"',
        "    protected: [c]",
        "transformations:",
        "  region_mapping:",
        "    ap-south-1: aps1",
        "  lowercase: [project]",
        "  uppercase: [project]",
        "validation:",
        "  max_length:",
        "    dbx_clusters: 100",
        "",
      ].join("\n"),
    });
    const e = loadError({ cwd: dir });
    const codes = e.problems.map((p) => `${p.code}@${p.path}:${p.line}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        "TEMPLATE_INVALID@patterns.aws_s3_bucket:2",
        "REGEX_INVALID@patterns.my_type.allowed_chars:5",
        "PROTECTED_UNKNOWN_VARIABLE@patterns.my_type.protected[0]:6",
        "REGION_CODE_DUPLICATE@transformations.region_mapping.ap-south-1:9",
        "CONFIG_CONFLICT@transformations.lowercase[0]:10",
        "UNKNOWN_RESOURCE_TYPE@validation.max_length.dbx_clusters:14",
        "UNKNOWN_RESOURCE_TYPE@resource_types.aws_s3_buckets:2",
      ]),
    );
    expect(e.problems.find((p) => p.path === "resource_types.aws_s3_buckets")?.hint).toContain(
      'Did you mean "aws_s3_bucket"?',
    );
    expect(e.problems.find((p) => p.code === "REGION_CODE_DUPLICATE")?.message).toContain("ap-southeast-1");
    expect(e.problems.find((p) => p.code === "REGEX_INVALID")?.hint).toContain("(?<name>");
    expect(e.problems).toHaveLength(7);
  });

  it("an empty file is an empty partial file", () => {
    const conv = loadConvention({ cwd: project({ values: "", patterns: "# nothing yet\n" }) });
    expect(conv.patterns).toEqual(builtInConvention().patterns);
  });

  it("a scalar document is a type error at the root", () => {
    const e = loadError({ cwd: project({ values: "just text\n" }) });
    expect(e.problems[0]).toMatchObject({ code: "CONFIG_TYPE", path: "(root)", line: 1, column: 1 });
  });
});

describe("loadConvention — single-value validation forms", () => {
  it("enforces global max_length, allowed_chars and required_variables", () => {
    const dir = project({
      patterns:
        'validation:\n  max_length: 30\n  allowed_chars: "^[a-z0-9_-]+$"\n  required_variables: [team]\n',
    });
    const conv = loadConvention({ cwd: dir });
    expect(conv.validation).toMatchObject({
      max_length: 30,
      allowed_chars: "^[a-z0-9_-]+$",
      required_variables: ["team"],
    });
    const e = (() => {
      try {
        generateName(conv, { type: "dbx_schema", resource: { domain: "a", layer: "gold" } });
      } catch (err) {
        return err as DpnError;
      }
    })();
    expect(e?.code).toBe("MISSING_VARIABLE");
    const r = generateName(conv, {
      type: "dbx_schema",
      resource: { domain: "a", layer: "gold" },
      metadata: { team: "t" },
    });
    expect(r.name).toBe("a_gold");
    expect(r.checked).toEqual(expect.arrayContaining(["HOUSE_MAX_LENGTH", "HOUSE_ALLOWED_CHARS"]));
    const tooLong = (() => {
      try {
        generateName(conv, {
          type: "dbx_cluster",
          resource: { workload: "a-rather-long-workload" },
          metadata: { ...meta, team: "t" },
        });
      } catch (err) {
        return err as DpnError;
      }
    })();
    expect(tooLong?.code).toBe("NAME_TOO_LONG");
    expect(tooLong?.details.limit).toBe(30);
  });

  it("does not call a type unknown when only its patterns file has schema errors", () => {
    const dir = project({
      values: "resource_types:\n  my_type:\n    a: x\n",
      patterns: 'patterns:\n  my_type:\n    template: "{a}"\n    truncate: sometimes\n',
    });
    const e = loadError({ cwd: dir });
    expect(e.problems.map((p) => p.code)).toEqual(["CONFIG_VALUE"]);
  });
});
