import { describe, expect, it } from "vitest";
import { builtInConvention } from "../config/load-convention.js";
import { conventionConformance } from "./conformance.js";

const conv = builtInConvention();
const stack = { project: "data-platform", environment: "dev", region_short: "use1" };

describe("conventionConformance", () => {
  it("accepts names the convention could have produced for this stack", () => {
    expect(
      conventionConformance(conv, "aws_s3_bucket", "data-platform-raw-raw-dev-use1", stack),
    ).toBeUndefined();
    expect(
      conventionConformance(conv, "aws_glue_database", "data_platform_sales_bronze_dev", stack),
    ).toBeUndefined();
    expect(conventionConformance(conv, "dbx_table", "dim_customers", stack)).toBeUndefined();
  });

  it("rejects names of another environment, project or shape, naming the template", () => {
    const p = conventionConformance(conv, "aws_s3_bucket", "data-platform-raw-raw-prd-use1", stack);
    expect(p).toMatchObject({ code: "NAME_NOT_FROM_CONVENTION", source: "house" });
    expect(p?.message).toContain("{project}-{purpose}-{layer}-{environment}-{region_short}");
    expect(p?.message).toContain("environment=dev");
    expect(conventionConformance(conv, "aws_s3_bucket", "scratch-stuff", stack)).toBeDefined();
    expect(conventionConformance(conv, "dbx_table", "customers", stack)).toBeDefined();
  });

  it("has nothing to say for unknown types", () => {
    expect(conventionConformance(conv, "no_such_type", "x", stack)).toBeUndefined();
  });
});
