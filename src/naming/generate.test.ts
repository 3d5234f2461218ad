import { describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import { createBuiltInConvention } from "./built-ins.js";
import { generateName } from "./generate.js";
import type { Convention, NameRequest } from "./types.js";

const meta = { project: "dataplatform", region: "us-east-1", environment: "prd" };

function gen(
  type: string,
  resource: Record<string, string>,
  conv: Convention = createBuiltInConvention(),
  extra: Partial<NameRequest> = {},
) {
  return generateName(conv, { type, resource, metadata: meta, ...extra });
}

function thrown(fn: () => unknown): DpnError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DpnError) return e;
    throw e;
  }
  throw new Error("expected a DpnError");
}

describe("generateName — v0.1 examples with the built-in convention", () => {
  it.each([
    ["aws_s3_bucket", { purpose: "raw", layer: "raw" }, "dataplatform-raw-raw-prd-use1"],
    ["aws_glue_database", { domain: "finance", layer: "gold" }, "dataplatform_finance_gold_prd"],
    ["dbx_cluster", { workload: "etl", cluster_type: "shared" }, "dataplatform-etl-shared-prd"],
    [
      "dbx_job",
      { job_type: "batch", purpose: "customer-load", schedule: "daily" },
      "dataplatform-batch-customer-load-daily-prd",
    ],
    ["dbx_catalog", { catalog_type: "main" }, "dataplatform_main_prd"],
    ["dbx_schema", { domain: "finance", layer: "gold" }, "finance_gold"],
    ["dbx_table", { entity: "customers", table_type: "dim" }, "dim_customers"],
  ])("%s → %s", (type, resource, expected) => {
    expect(gen(type, resource).name).toBe(expected);
  });

  it("hyphenated project stays valid for S3 and becomes snake for Glue", () => {
    const m = { project: "data-platform", region: "us-east-1", environment: "dev" };
    const conv = createBuiltInConvention();
    expect(
      generateName(conv, { type: "aws_s3_bucket", resource: { purpose: "raw", layer: "raw" }, metadata: m })
        .name,
    ).toBe("data-platform-raw-raw-dev-use1");
    expect(
      generateName(conv, {
        type: "aws_glue_database",
        resource: { domain: "sales", layer: "bronze" },
        metadata: m,
      }).name,
    ).toBe("data_platform_sales_bronze_dev");
    // v0.1's replace_hyphens {project: "_"} is honoured, and normalisation still fixes S3.
    conv.transformations.replace_hyphens = { project: "_" };
    expect(
      generateName(conv, { type: "aws_s3_bucket", resource: { purpose: "raw", layer: "raw" }, metadata: m })
        .name,
    ).toBe("data-platform-raw-raw-dev-use1");
    expect(
      generateName(conv, {
        type: "aws_glue_database",
        resource: { domain: "sales", layer: "bronze" },
        metadata: m,
      }).name,
    ).toBe("data_platform_sales_bronze_dev");
  });

  it("applies built-in defaults (table_type fact, cluster_type shared)", () => {
    expect(gen("dbx_table", { entity: "orders" }).name).toBe("fact_orders");
    expect(gen("dbx_cluster", { workload: "etl" }).name).toBe("dataplatform-etl-shared-prd");
  });
});

describe("generateName — precedence", () => {
  const conv = (): Convention => {
    const c = createBuiltInConvention();
    c.defaults = { project: "fromdefaults", purpose: "d", layer: "raw", region: "us-east-1" };
    c.environments = { dev: { purpose: "env-dev" }, prd: { purpose: "env-prd" } };
    c.resource_types = { aws_s3_bucket: { purpose: "rt" } };
    return c;
  };
  const req = (extra: Partial<NameRequest>): NameRequest => ({
    type: "aws_s3_bucket",
    metadata: { environment: "dev" },
    ...extra,
  });

  it("override > resource > metadata > resource_types > environments > defaults > built-in", () => {
    const c = conv();
    const purpose = (r: NameRequest) => generateName(c, r).variables.find((v) => v.name === "purpose");
    expect(
      purpose(
        req({
          overrides: { purpose: "o" },
          resource: { purpose: "r" },
          metadata: { environment: "dev", purpose: "m" },
        }),
      ),
    ).toMatchObject({ value: "o", layer: "override" });
    expect(
      purpose(req({ resource: { purpose: "r" }, metadata: { environment: "dev", purpose: "m" } })),
    ).toMatchObject({ value: "r", layer: "resource" });
    expect(purpose(req({ metadata: { environment: "dev", purpose: "m" } }))).toMatchObject({
      value: "m",
      layer: "metadata",
    });
    expect(purpose(req({}))).toMatchObject({ value: "rt", layer: "resource_types" });
    delete c.resource_types.aws_s3_bucket;
    expect(purpose(req({}))).toMatchObject({ value: "env-dev", layer: "environment" });
    delete c.environments.dev;
    expect(purpose(req({}))).toMatchObject({ value: "d", layer: "defaults" });
    delete c.defaults.purpose;
    const w = generateName(c, {
      type: "dbx_workspace",
      metadata: { environment: "dev", project: "p", region: "us-east-1" },
    });
    expect(w.variables.find((v) => v.name === "purpose")).toMatchObject({ value: "data", layer: "built-in" });
  });

  it("chooses the environment block from the effective environment (override wins)", () => {
    const c = conv();
    delete c.resource_types.aws_s3_bucket;
    const r = generateName(c, req({ overrides: { environment: "prd" } }));
    expect(r.environment).toBe("prd");
    expect(r.name).toBe("fromdefaults-env-prd-raw-prd-use1");
  });

  it("never lets metadata keys the template does not name change the name", () => {
    const a = gen("aws_s3_bucket", { purpose: "raw", layer: "raw" });
    const b = generateName(createBuiltInConvention(), {
      type: "aws_s3_bucket",
      resource: { purpose: "raw", layer: "raw" },
      metadata: { ...meta, team: "x", owner: "y", cost_center: "z", anything: "else" },
    });
    expect(b.name).toBe(a.name);
  });

  it("ignores blank and non-string values", () => {
    const r = generateName(createBuiltInConvention(), {
      type: "dbx_cluster",
      resource: { workload: "etl", cluster_type: "  ", extra: 3 as unknown as string },
      metadata: meta,
    });
    expect(r.name).toBe("dataplatform-etl-shared-prd");
  });
});

describe("generateName — errors", () => {
  it("MISSING_VARIABLE names the variable, the resource and the layers searched", () => {
    const e = thrown(() =>
      generateName(createBuiltInConvention(), {
        type: "aws_s3_bucket",
        resource: { layer: "raw" },
        metadata: meta,
        context: "$.resources.aws.s3_buckets[0]",
      }),
    );
    expect(e.code).toBe("MISSING_VARIABLE");
    expect(e.kind).toBe("validation");
    expect(e.message).toContain('"purpose"');
    expect(e.message).toContain("$.resources.aws.s3_buckets[0]");
    expect(e.message).toContain(
      "override > resource > metadata > resource_types.aws_s3_bucket > environments.prd > defaults > built-in",
    );
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]?.path).toBe("$.resources.aws.s3_buckets[0]");
  });

  it("lists every missing variable at once", () => {
    const e = thrown(() => generateName(createBuiltInConvention(), { type: "dbx_job", metadata: meta }));
    expect(e.details.variables).toEqual(["job_type", "purpose", "schedule"]);
  });

  it("enforces house required_variables even when the template does not use them", () => {
    const c = createBuiltInConvention();
    c.validation.by_type = { dbx_schema: { required_variables: ["owner"] } };
    const e = thrown(() => generateName(c, { type: "dbx_schema", resource: { domain: "f", layer: "gold" } }));
    expect(e.code).toBe("MISSING_VARIABLE");
    expect(e.details.variables).toEqual(["owner"]);
    expect(
      generateName(c, {
        type: "dbx_schema",
        resource: { domain: "f", layer: "gold" },
        metadata: { owner: "me" },
      }).name,
    ).toBe("f_gold");
  });

  it("UNKNOWN_RESOURCE_TYPE with did-you-mean", () => {
    const e = thrown(() => gen("aws_s3_buckets", {}));
    expect(e.code).toBe("UNKNOWN_RESOURCE_TYPE");
    expect(e.hint).toContain('Did you mean "aws_s3_bucket"?');
  });

  it("UNKNOWN_REGION when region_short must come from an unknown region", () => {
    const e = thrown(() =>
      generateName(createBuiltInConvention(), {
        type: "aws_s3_bucket",
        resource: { purpose: "raw", layer: "raw" },
        metadata: { ...meta, region: "mars-north-1" },
      }),
    );
    expect(e.code).toBe("UNKNOWN_REGION");
    expect(e.hint).toContain("region_mapping");
    // Types that do not need region_short do not care.
    expect(
      generateName(createBuiltInConvention(), {
        type: "dbx_schema",
        resource: { domain: "a", layer: "gold" },
        metadata: { region: "mars-north-1" },
      }).name,
    ).toBe("a_gold");
  });

  it.each([
    ["aws_s3_bucket", { project: "xn--abc" }, { purpose: "raw", layer: "raw" }, "S3_RESERVED_PREFIX"],
    ["aws_s3_bucket", { project: "sthree" }, { purpose: "raw", layer: "raw" }, "S3_RESERVED_PREFIX"],
    ["dbx_catalog", { project: "system" }, { catalog_type: "main" }, "UC_RESERVED_CATALOG"],
    ["dbx_catalog", { project: "databricks" }, { catalog_type: "x" }, "UC_RESERVED_CATALOG"],
    ["dbx_schema", {}, { domain: "information", layer: "schema" }, "UC_RESERVED_SCHEMA"],
  ])("rejects reserved names: %s %o %o → %s", (type, m, resource, code) => {
    const e = thrown(() =>
      generateName(createBuiltInConvention(), { type, resource, metadata: { ...meta, ...m } }),
    );
    expect(e.code).toBe("NAME_INVALID");
    expect(e.problems.map((p) => p.code)).toContain(code);
  });

  it("rejects a name ending in -s3alias", () => {
    const c = createBuiltInConvention();
    c.patterns.aws_s3_bucket = { template: "{project}-{purpose}" };
    const e = thrown(() =>
      generateName(c, { type: "aws_s3_bucket", resource: { purpose: "s3alias" }, metadata: meta }),
    );
    expect(e.problems.map((p) => p.code)).toEqual(["S3_RESERVED_SUFFIX"]);
    expect(e.message).toContain('"dataplatform-s3alias"');
  });

  it("NAME_TOO_LONG shows name, length, limit and the longest segments", () => {
    const e = thrown(() =>
      gen("aws_s3_bucket", { purpose: "a-very-long-purpose-that-goes-on-and-on", layer: "raw" }),
    );
    expect(e.code).toBe("NAME_TOO_LONG");
    expect(e.details).toMatchObject({
      length: 65,
      limit: 63,
      name: "dataplatform-a-very-long-purpose-that-goes-on-and-on-raw-prd-use1",
    });
    expect((e.details.longest as { variable: string }[])[0]?.variable).toBe("purpose");
    expect(e.hint).toContain("truncate: hash");
  });
});

describe("generateName — templates, normalisation, truncation", () => {
  it("optional segments disappear without a value", () => {
    const c = createBuiltInConvention();
    c.patterns.dbx_job = { template: "{project}-{job_type}-{purpose}{-schedule?}-{environment}" };
    expect(
      generateName(c, {
        type: "dbx_job",
        resource: { job_type: "streaming", purpose: "events" },
        metadata: meta,
      }).name,
    ).toBe("dataplatform-streaming-events-prd");
    expect(
      generateName(c, {
        type: "dbx_job",
        resource: { job_type: "batch", purpose: "events", schedule: "daily" },
        metadata: meta,
      }).name,
    ).toBe("dataplatform-batch-events-daily-prd");
  });

  it("normalises per target and records the steps", () => {
    const r = gen("dbx_table", { entity: "Customer Orders", table_type: "FACT" });
    expect(r.name).toBe("fact_customer_orders");
    expect(r.steps.join("\n")).toContain('snake normalisation: "Customer Orders" → "customer_orders"');
    expect(gen("dbx_cluster", { workload: "ML_Training", cluster_type: "job" }).name).toBe(
      "dataplatform-ml-training-job-prd",
    );
  });

  it("applies lowercase/uppercase transformations before normalisation", () => {
    const c = createBuiltInConvention();
    c.patterns.my_type = { template: "{project}:{cost_center}", style: "none" };
    c.transformations.uppercase = ["cost_center"];
    expect(generateName(c, { type: "my_type", metadata: { project: "p", cost_center: "cc-1" } }).name).toBe(
      "p:CC-1",
    );
  });

  it("turns an SQS fifo queue_type into the required .fifo suffix", () => {
    expect(gen("aws_sqs_queue", { purpose: "orders", queue_type: "fifo" }).name).toBe(
      "dataplatform-prd-orders.fifo",
    );
    expect(gen("aws_sqs_queue", { purpose: "orders" }).name).toBe("dataplatform-prd-orders-standard");
  });

  it("truncate: hash fits the limit, keeps protected segments and is deterministic", () => {
    const c = createBuiltInConvention();
    c.patterns.aws_s3_bucket = { template: c.patterns.aws_s3_bucket!.template, truncate: "hash" };
    const resource = { purpose: "a-very-long-purpose-that-goes-on-and-on", layer: "bronze" };
    const r = generateName(c, { type: "aws_s3_bucket", resource, metadata: meta });
    expect(r.name.length).toBeLessThanOrEqual(63);
    expect(r.name).toMatch(/-prd-use1-[0-9a-f]{8}$/);
    expect(r.name.startsWith("dataplatform-a-very-long-purpose")).toBe(true);
    expect(generateName(c, { type: "aws_s3_bucket", resource, metadata: meta }).name).toBe(r.name);
    expect(r.steps.some((s) => s.startsWith("truncate: purpose"))).toBe(true);
    const other = generateName(c, {
      type: "aws_s3_bucket",
      resource: { ...resource, purpose: `${resource.purpose}x` },
      metadata: meta,
    });
    expect(other.name).not.toBe(r.name);
    // Short names are never touched.
    expect(
      generateName(c, { type: "aws_s3_bucket", resource: { purpose: "raw", layer: "raw" }, metadata: meta })
        .name,
    ).toBe("dataplatform-raw-raw-prd-use1");
  });

  it("uses hash_generation settings and the style's separator", () => {
    const c = createBuiltInConvention();
    c.patterns.dbx_table = { template: "{table_type}_{entity}", truncate: "hash", max_length: 30 };
    c.transformations.hash_generation = { algorithm: "md5", length: 6, prefix: "h", separator: "-" };
    const r = generateName(c, {
      type: "dbx_table",
      resource: { entity: "a_really_long_entity_name_for_testing" },
    });
    expect(r.name).toMatch(/^fact_a_really_.*_h[0-9a-f]{6}$/);
    expect(r.name.length).toBeLessThanOrEqual(30);
  });

  it("fails clearly when protected segments alone exceed the limit", () => {
    const c = createBuiltInConvention();
    c.patterns.x = { template: "{environment}-{purpose}", truncate: "hash", max_length: 12 };
    const e = thrown(() =>
      generateName(c, {
        type: "x",
        resource: { purpose: "abcdefghijkl" },
        metadata: { environment: "production-long" },
      }),
    );
    expect(e.code).toBe("NAME_TOO_LONG");
  });
});

describe("generateName — error context", () => {
  it("names the resource in UNKNOWN_REGION", () => {
    const e = thrown(() =>
      generateName(createBuiltInConvention(), {
        type: "aws_s3_bucket",
        resource: { purpose: "raw", layer: "raw" },
        metadata: { ...meta, region: "us-east-7" },
        context: "$.resources.aws.s3_buckets[2]",
      }),
    );
    expect(e.code).toBe("UNKNOWN_REGION");
    expect(e.message).toContain("$.resources.aws.s3_buckets[2]");
    expect(e.hint).toContain("region_mapping");
  });

  it("puts every broken rule in the NAME_INVALID message", () => {
    const c = createBuiltInConvention();
    c.patterns.aws_s3_bucket = { template: "{project}-{purpose}" };
    const e = thrown(() =>
      generateName(c, {
        type: "aws_s3_bucket",
        resource: { purpose: "s3alias" },
        metadata: { project: "xn--a" },
      }),
    );
    expect(e.message).toContain("S3_RESERVED_PREFIX: S3 bucket name");
    expect(e.message).toContain("S3_RESERVED_SUFFIX: S3 bucket name");
  });
});

describe("generateName — truncate: hash golden output", () => {
  // A golden value: if this changes, every long name users already have would change too.
  it("is stable across versions and machines", () => {
    const c = createBuiltInConvention();
    c.patterns.aws_s3_bucket = { template: c.patterns.aws_s3_bucket!.template, truncate: "hash" };
    const r = generateName(c, {
      type: "aws_s3_bucket",
      resource: { purpose: "customer-analytics-and-reporting-landing-zone", layer: "bronze" },
      metadata: meta,
    });
    expect(r.name).toBe("dataplatform-customer-analytics-and-re-bronze-prd-use1-3a53ac59");
    expect(r.name).toHaveLength(63);
  });
});

describe("generateName — empty values", () => {
  it("rejects a required value that normalises to nothing", () => {
    const e = thrown(() => gen("dbx_cluster", { workload: "__", cluster_type: "shared" }));
    expect(e.code).toBe("EMPTY_VALUE");
    expect(e.message).toContain('"workload" = "__" (resource)');
  });
});
