/**
 * Every platform limit at once: tag budgets, Glue, UC table DDL and cluster settings problems of
 * one blueprint are reported together, each located.
 */
import { describe, expect, it } from "vitest";
import { builtInConvention } from "../config/load-convention.js";
import type { Problem } from "../core/errors.js";
import { parseBlueprint } from "./load.js";
import { resolveBlueprint } from "./resolve.js";

const conv = builtInConvention();
const META = {
  environment: "dev",
  project: "dataplatform",
  region: "us-east-1",
  team: "data",
  cost_center: "CC-1",
  data_classification: "internal",
  owner: "data@example.com",
};
const resolveDoc = (resources: unknown) =>
  resolveBlueprint(
    parseBlueprint(JSON.stringify({ version: "1.0", metadata: META, resources }, null, 2), "bp.json"),
    conv,
  );
const errors = (ps: Problem[]) => ps.filter((p) => p.severity !== "warning");
const codes = (ps: Problem[]) => ps.map((p) => p.code);
const tagsOf = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "v"]));

const glueTable = (extra: Record<string, unknown>) => ({
  aws: {
    glue_databases: [{ domain: "sales", layer: "bronze" }],
    glue_tables: [
      { database_ref: "sales-bronze", entity: "orders", columns: [{ name: "id", type: "bigint" }], ...extra },
    ],
  },
});
const ucTable = (table: Record<string, unknown>) => ({
  databricks: {
    unity_catalog: {
      catalogs: [
        {
          catalog_type: "main",
          schemas: [{ domain: "sales", layer: "bronze", tables: [{ entity: "orders", ...table }] }],
        },
      ],
    },
  },
});

describe("every problem at once", () => {
  it("reports tag, Glue, UC and cluster problems of one blueprint together, nothing resolved for them", () => {
    const r = resolveDoc({
      aws: {
        s3_buckets: [{ purpose: "landing", layer: "raw", tags: tagsOf(41) }],
        ...glueTable({ columns: [{ name: "Order ID", type: "bigint", comment: "x".repeat(300) }] }).aws,
      },
      databricks: {
        clusters: [
          { workload: "ml", cluster_type: "dedicated", node_type: "g4dn.xlarge", autotermination_minutes: 3 },
        ],
        ...ucTable({ columns: [{ name: "v", type: "void" }] }).databricks,
      },
    });
    expect(new Set(codes(errors(r.problems)))).toEqual(
      new Set([
        "TAG_COUNT",
        "GLUE_COLUMN_NAME_INVALID",
        "GLUE_COLUMN_COMMENT_TOO_LONG",
        "BLUEPRINT_AUTOTERMINATION_RANGE",
        "BLUEPRINT_SINGLE_USER_NAME_REQUIRED",
        "UC_COLUMN_TYPE_VOID",
      ]),
    );
    for (const p of r.problems) expect(p.line, p.code).toBeGreaterThan(0);
  });
});
