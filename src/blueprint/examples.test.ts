import { describe, expect, it } from "vitest";
import { builtInConvention } from "../config/load-convention.js";
import { levels } from "../core/graph.js";
import { PROVISIONED_TYPES } from "../core/resources.js";
import { largeBlueprint } from "./generate-large.js";
import { loadBlueprint, parseBlueprint } from "./load.js";
import { resolveBlueprint } from "./resolve.js";
import { starterBlueprint } from "./starter.js";

const conv = builtInConvention();

describe("examples/blueprints", () => {
  it.each(["dev", "stg", "prd"])("%s.json is valid and resolves with the built-in convention", (env) => {
    const r = resolveBlueprint(loadBlueprint(`examples/blueprints/${env}.json`), conv);
    expect(r.problems).toEqual([]);
    expect(r.stackKey).toEqual({ project: "dataplatform", environment: env });
    expect(r.metadata.region).toBe("us-east-1");
    expect(r.executionOrder).toHaveLength(r.resources.length);
    for (const x of r.resources)
      expect(
        x.name.endsWith(env) ||
          x.type === "aws_glue_table" ||
          x.type === "dbx_schema" ||
          x.type === "dbx_table" ||
          x.type === "dbx_volume" ||
          x.name.endsWith(`${env}-use1`),
      ).toBe(true);
  });

  it("prd.json has at least 40 resources across all nine provisioned types", () => {
    const r = resolveBlueprint(loadBlueprint("examples/blueprints/prd.json"), conv);
    expect(r.resources.length).toBeGreaterThanOrEqual(40);
    expect(new Set(r.resources.map((x) => x.type))).toEqual(new Set(PROVISIONED_TYPES));
  });
});

describe("starterBlueprint", () => {
  it("validates and resolves to real names for any environment", () => {
    for (const environment of ["dev", "stg", "prd"]) {
      const doc = starterBlueprint({ environment, project: "acme-data", region: "eu-west-1" });
      const r = resolveBlueprint(parseBlueprint(JSON.stringify(doc, null, 2), "starter.json"), conv);
      expect(r.problems).toEqual([]);
      expect(new Set(r.resources.map((x) => x.type))).toEqual(new Set(PROVISIONED_TYPES));
      expect(r.resources.map((x) => x.name)).toContain(`acme-data-landing-raw-${environment}-euw1`);
      expect(r.resources.map((x) => x.address)).toContain(
        `aws_glue_table.acme_data_sales_bronze_${environment}.fact_orders`,
      );
      expect(r.resources.find((x) => x.type === "aws_glue_table")?.properties).toMatchObject({
        location: `s3://acme-data-landing-raw-${environment}-euw1/acme_data_sales_bronze_${environment}/fact_orders/`,
      });
    }
  });
});

describe("largeBlueprint", () => {
  it("makes a valid mixed blueprint of exactly n resources with every type", () => {
    const r = resolveBlueprint(parseBlueprint(JSON.stringify(largeBlueprint(500)), "large.json"), conv);
    expect(r.problems).toEqual([]);
    expect(r.resources).toHaveLength(500);
    expect(new Set(r.resources.map((x) => x.type))).toEqual(new Set(PROVISIONED_TYPES));
  });

  it("makes a UC-only blueprint whose longest chain is catalog → schema → table", () => {
    const r = resolveBlueprint(
      parseBlueprint(JSON.stringify(largeBlueprint(200, { mode: "uc" })), "uc.json"),
      conv,
    );
    expect(r.problems).toEqual([]);
    expect(r.resources).toHaveLength(200);
    expect(new Set(r.resources.map((x) => x.type))).toEqual(
      new Set(["dbx_catalog", "dbx_schema", "dbx_table"]),
    );
    expect(levels(r.resources.map((x) => ({ id: x.address, deps: x.dependencies })))).toHaveLength(3);
  });

  it("scales to 9,000 valid resources", () => {
    const r = resolveBlueprint(parseBlueprint(JSON.stringify(largeBlueprint(9000)), "large.json"), conv);
    expect(r.problems).toEqual([]);
    expect(r.resources).toHaveLength(9000);
    expect(new Set(r.resources.map((x) => x.address)).size).toBe(9000);
  });
});
