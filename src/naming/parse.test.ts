import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { builtInConvention, loadConvention } from "../config/load-convention.js";
import { DpnError } from "../core/errors.js";
import { generateName } from "./generate.js";
import { parseName } from "./parse.js";

const conv = builtInConvention();
const customDir = fileURLToPath(new URL("../../test/fixtures/scan/conventions/custom", import.meta.url));
const custom = loadConvention({ cwd: customDir });

describe("parseName: compliant names", () => {
  it.each([
    [
      "aws_s3_bucket",
      "dataplatform-raw-raw-prd-use1",
      { project: "dataplatform", purpose: "raw", layer: "raw", environment: "prd", region_short: "use1" },
    ],
    [
      "aws_glue_database",
      "dataplatform_finance_gold_prd",
      { project: "dataplatform", domain: "finance", layer: "gold", environment: "prd" },
    ],
    [
      "dbx_cluster",
      "dataplatform-etl-shared-prd",
      { project: "dataplatform", workload: "etl", cluster_type: "shared", environment: "prd" },
    ],
    [
      "dbx_catalog",
      "dataplatform_main_prd",
      { project: "dataplatform", catalog_type: "main", environment: "prd" },
    ],
    ["dbx_table", "dim_customers", { table_type: "dim", entity: "customers" }],
    [
      "aws_sqs_queue",
      "dp-dev-orders.fifo",
      { project: "dp", environment: "dev", purpose: "orders", queue_type: "fifo" },
    ],
  ])("%s %s", (type, name, values) => {
    const r = parseName(conv, type, name);
    expect(r.ok).toBe(true);
    expect(r.issues).toEqual([]);
    expect(r.reading?.values).toEqual(values);
    expect(r.ambiguous).toBe(false);
  });

  it("gives the region a code stands for", () => {
    expect(parseName(conv, "aws_s3_bucket", "dp-raw-raw-prd-apso1").reading?.region).toBe("ap-south-1");
    expect(parseName(custom, "aws_s3_bucket", "acme-data-raw-x-prd-eunx1").reading?.region).toBe(
      "eu-north-1",
    );
  });

  it("returns every reading of an ambiguous name, and the expected project settles it", () => {
    const open = parseName(conv, "aws_s3_bucket", "data-platform-raw-raw-dev-use1");
    expect(open.ok).toBe(true);
    expect(open.ambiguous).toBe(true);
    expect(open.readings.map((r) => [r.values.project, r.values.purpose])).toEqual([
      ["data-platform", "raw"],
      ["data", "platform-raw"],
    ]);
    const pinned = parseName(conv, "aws_s3_bucket", "data-platform-raw-raw-dev-use1", {
      expected: { project: "data-platform" },
    });
    expect(pinned.ambiguous).toBe(false);
    expect(pinned.readings).toHaveLength(1);
  });

  it("uses preferred values to break ties, and says which readings remain", () => {
    const name = "dataplatform-batch-customer-load-daily-prd";
    const tie = parseName(conv, "dbx_job", name, { expected: { project: "dataplatform" } });
    expect(tie.readings).toHaveLength(3);
    const settled = parseName(conv, "dbx_job", name, {
      expected: { project: "dataplatform" },
      preferred: { job_type: ["batch", "streaming"], schedule: ["hourly", "daily", "weekly"] },
    });
    expect(settled.reading?.values).toMatchObject({
      job_type: "batch",
      purpose: "customer-load",
      schedule: "daily",
    });
    expect(settled.ambiguous).toBe(false);
  });

  it("reads optional segments present and absent", () => {
    const absent = parseName(custom, "dbx_job", "acme-data-batch-load-prd");
    expect(absent.reading?.absent).toEqual(["schedule"]);
    const present = parseName(custom, "dbx_schema", "sales_gold_v2");
    expect(present.reading?.values).toEqual({ domain: "sales", layer: "gold", version: "v2" });
    expect(parseName(custom, "dbx_schema", "sales_gold").reading?.absent).toEqual(["version"]);
  });

  it("honours transformations and the style of the target", () => {
    // replace_hyphens project "_" and style none for the custom type: values keep dots and case
    const r = parseName(custom, "app_service", "acme_data.Billing.API.prd", {
      expected: { project: "acme-data" },
    });
    expect(r.ok).toBe(true);
    expect(r.reading?.values).toEqual({ project: "acme_data", service: "Billing.API", environment: "prd" });
  });
});

describe("parseName: hash-truncated names", () => {
  const long = "customer-orders-history";
  const name = generateName(custom, {
    type: "aws_s3_bucket",
    metadata: { project: "acme-data", environment: "prd", region: "eu-north-1" },
    resource: { layer: "bronze", purpose: long },
  }).name;

  it("verifies the hash when the full values are known", () => {
    expect(name).toMatch(/-h[0-9a-f]{6}$/);
    const r = parseName(custom, "aws_s3_bucket", name, {
      expected: { project: "acme-data" },
      preferred: { purpose: [long] },
    });
    expect(r.ok).toBe(true);
    expect(r.reading?.truncation).toMatchObject({ verified: true });
    expect(r.reading?.values.purpose).toBe(long);
    expect(r.reading?.values.project).toBe("acme-data");
    expect(r.reading?.truncation?.shortened.sort()).toEqual(["project", "purpose"]);
  });

  it("reports a truncated name whose shortened values are unknown as unverifiable", () => {
    const r = parseName(custom, "aws_s3_bucket", name, { expected: { project: "acme-data" } });
    expect(r.ok).toBe(true);
    expect(r.reading?.truncation).toMatchObject({ verified: false });
    expect(r.reading?.truncation?.note).toMatch(/cannot be checked/);
    expect(long.startsWith(r.reading!.values.purpose!)).toBe(true);
  });

  it("refuses a wrong hash when every shortened value is known", () => {
    const tableName = generateName(custom, {
      type: "dbx_table",
      metadata: { project: "acme-data", environment: "prd" },
      resource: { table_type: "fact", entity: "orders_of_all_customers_ever" },
    }).name;
    const ok = parseName(custom, "dbx_table", tableName, {
      preferred: { entity: ["orders_of_all_customers_ever"] },
    });
    expect(ok.reading?.truncation?.verified).toBe(true);
    const s3 = generateName(custom, {
      type: "aws_s3_bucket",
      metadata: { project: "acme-data-platform-of-the-company", environment: "prd", region: "eu-north-1" },
      resource: { layer: "processed", purpose: "x" },
    }).name;
    // Every value that may have been shortened is known: the project and purpose (expected) and
    // the layer (a closed set), so a wrong hash is certain.
    const known = { expected: { project: "acme-data-platform-of-the-company", purpose: "x" } };
    const good = parseName(custom, "aws_s3_bucket", s3, known);
    expect(good.reading?.truncation?.verified).toBe(true);
    const flipped = s3.slice(0, -1) + (s3.endsWith("0") ? "1" : "0");
    const bad = parseName(custom, "aws_s3_bucket", flipped, known);
    expect(bad.ok).toBe(false);
    expect(bad.issues.map((i) => i.code)).toContain("HASH_MISMATCH");
    expect(bad.suggestion).toBe(s3);
  });
});

describe("parseName: noncompliant names, with the reason and the closest compliant name", () => {
  it("an environment outside dev/stg/prd", () => {
    const r = parseName(conv, "aws_s3_bucket", "dataplatform-raw-raw-prod-use1");
    expect(r.ok).toBe(false);
    expect(r.issues).toEqual([
      expect.objectContaining({
        code: "UNKNOWN_VALUE",
        variable: "environment",
        value: "prod",
        position: 21,
        suggestion: "prd",
      }),
    ]);
    expect(r.suggestion).toBe("dataplatform-raw-raw-prd-use1");
  });

  it("a layer the convention does not know, with no close layer", () => {
    const r = parseName(conv, "aws_s3_bucket", "dataplatform-raw-stage-prd-use1");
    expect(r.issues).toEqual([
      expect.objectContaining({ code: "UNKNOWN_VALUE", variable: "layer", value: "stage" }),
    ]);
    expect(r.suggestion).toBeUndefined();
  });

  it("a long region name where the code belongs", () => {
    const r = parseName(conv, "aws_s3_bucket", "dataplatform-raw-raw-prd-us-east-1");
    expect(r.issues).toEqual([
      expect.objectContaining({
        code: "UNKNOWN_VALUE",
        variable: "region_short",
        value: "us-east-1",
        suggestion: "use1",
      }),
    ]);
    expect(r.suggestion).toBe("dataplatform-raw-raw-prd-use1");
  });

  it("uppercase letters and the wrong separators", () => {
    const r = parseName(conv, "aws_s3_bucket", "DataPlatform_Raw-raw-prd-use1");
    expect(r.issues.map((i) => [i.code, i.variable, i.value])).toEqual([
      ["NOT_NORMALISED", "project", "DataPlatform"],
      ["NOT_NORMALISED", "purpose", "Raw"],
      ["NOT_NORMALISED", undefined, "_"],
    ]);
    expect(r.rules.map((p) => p.code)).toContain("S3_CHARSET");
    expect(r.suggestion).toBe("dataplatform-raw-raw-prd-use1");
  });

  it("a name that does not follow the template says where", () => {
    const r = parseName(conv, "aws_s3_bucket", "dataplatform-raw-raw-prd");
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ code: "TEMPLATE_MISMATCH", position: 24 });
    expect(r.issues[0]!.message).toContain("{project}-{purpose}-{layer}-{environment}-{region_short}");
    expect(r.suggestion).toBeUndefined();
  });

  it("rebuilds a name whose segments are out of order from its tokens", () => {
    const r = parseName(conv, "aws_s3_bucket", "raw-dataplatform-prd-us-east-1-landing", {
      expected: { project: "dataplatform" },
    });
    expect(r.ok).toBe(false);
    expect(r.suggestion).toBe("dataplatform-landing-raw-prd-use1");
  });

  it("fills what a broken name does not show from the caller's values", () => {
    const r = parseName(conv, "dbx_catalog", "main", {
      fill: { project: "dataplatform", environment: "dev" },
    });
    expect(r.ok).toBe(false);
    expect(r.suggestion).toBe("dataplatform_main_dev");
  });

  it("an expected value: a typo is near, another project is not", () => {
    const typo = parseName(conv, "aws_s3_bucket", "dataplatfrom-raw-raw-prd-use1", {
      expected: { project: "dataplatform" },
    });
    expect(typo.issues).toEqual([
      expect.objectContaining({ code: "VALUE_MISMATCH", variable: "project", near: true }),
    ]);
    expect(typo.suggestion).toBe("dataplatform-raw-raw-prd-use1");
    const other = parseName(conv, "aws_s3_bucket", "marketing-raw-raw-prd-use1", {
      expected: { project: "dataplatform" },
    });
    expect(other.issues).toEqual([
      expect.objectContaining({ code: "VALUE_MISMATCH", value: "marketing", near: false }),
    ]);
  });

  it("a name that parses but breaks a platform rule", () => {
    const r = parseName(conv, "dbx_catalog", "system_main_prd");
    expect(r.ok).toBe(false);
    expect(r.readings).toHaveLength(1);
    expect(r.rules.map((p) => p.code)).toContain("UC_RESERVED_CATALOG");
  });

  it("a name the convention would write differently", () => {
    const conv2 = builtInConvention();
    conv2.patterns.dbx_job = { template: "{project}-{job_type}-{purpose}{-schedule?}-{environment}" };
    conv2.defaults.schedule = "daily";
    const r = parseName(conv2, "dbx_job", "dp-batch-load-prd");
    expect(r.issues).toEqual([
      expect.objectContaining({ code: "NOT_REPRODUCIBLE", expected: "dp-batch-load-daily-prd" }),
    ]);
    expect(r.suggestion).toBe("dp-batch-load-daily-prd");
  });

  it("an unknown type is a DpnError", () => {
    expect(() => parseName(conv, "aws_s3_buckt", "x")).toThrow(DpnError);
    try {
      parseName(conv, "aws_s3_buckt", "x");
    } catch (e) {
      expect((e as DpnError).code).toBe("UNKNOWN_RESOURCE_TYPE");
      expect((e as DpnError).hint).toContain("aws_s3_bucket");
    }
  });
});
