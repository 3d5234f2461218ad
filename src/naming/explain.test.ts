import { describe, expect, it } from "vitest";
import { createBuiltInConvention } from "./built-ins.js";
import { explainJson, explainName } from "./explain.js";
import { generateName } from "./generate.js";

describe("explain", () => {
  const conv = createBuiltInConvention();
  conv.defaults = { project: "data_platform" };
  const result = generateName(conv, {
    type: "aws_s3_bucket",
    overrides: { layer: "bronze" },
    resource: { purpose: "raw" },
    metadata: { environment: "prd", region: "eu-west-1" },
  });

  it("shows the template, each variable with value and layer, the steps and the rules", () => {
    expect(result.name).toBe("data-platform-raw-bronze-prd-euw1");
    const text = explainName(result);
    expect(text).toContain("aws_s3_bucket: data-platform-raw-bronze-prd-euw1");
    expect(text).toContain("template:    {project}-{purpose}-{layer}-{environment}-{region_short}");
    expect(text).toMatch(/project\s+= "data-platform" \(from "data_platform"\)\s+← naming-values defaults/);
    expect(text).toMatch(/layer\s+= "bronze"\s+← --override/);
    expect(text).toMatch(/purpose\s+= "raw"\s+← resource field/);
    expect(text).toMatch(/environment\s+= "prd"\s+← blueprint metadata/);
    expect(text).toMatch(/region_short\s+= "euw1"\s+← derived/);
    expect(text).toContain('project: kebab normalisation: "data_platform" → "data-platform"');
    expect(text).toContain('region_short: derived from region "eu-west-1" (metadata)');
    expect(text).toContain("rules checked: NAME_EMPTY, S3_LENGTH, S3_CHARSET");
  });

  it("has a JSON form with the same facts", () => {
    const j = explainJson(result);
    expect(j.name).toBe(result.name);
    expect(j.variables.find((v) => v.name === "layer")).toEqual({
      name: "layer",
      value: "bronze",
      raw: "bronze",
      layer: "override",
    });
    expect(j.rules_checked).toContain("S3_RESERVED_PREFIX");
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });

  it("lists warnings", () => {
    const r = generateName(createBuiltInConvention(), {
      type: "dbx_volume",
      resource: { purpose: "landing", data_type: "raw" },
    });
    expect(r.warnings).toEqual([]);
    const c = createBuiltInConvention();
    c.patterns.dbx_volume = { template: "{data_type}-{purpose}", style: "none" };
    const w = generateName(c, { type: "dbx_volume", resource: { purpose: "landing", data_type: "raw" } });
    expect(explainName(w)).toContain("! UC_NEEDS_QUOTING");
  });
});
