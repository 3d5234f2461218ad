/** UC table DDL the engine would refuse (uc-table-rules.ts). */
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

const codes = (ps: Problem[]) => ps.map((p) => p.code);

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

describe("Unity Catalog tables: what CREATE TABLE would refuse", () => {
  it("refuses column names that need column mapping, VOID and empty structs", () => {
    const r = resolveDoc(
      ucTable({
        columns: [
          { name: "Order ID", type: "BIGINT" },
          { name: "a=b", type: "STRING" },
          { name: "nothing", type: "VOID" },
          { name: "nested", type: "ARRAY<VOID>" },
          { name: "empty", type: "STRUCT<>" },
          { name: "deep", type: "STRUCT<a:STRUCT<>, `b c`:INT>" },
          { name: "fine", type: "STRUCT<`Total Amount`:INT>" },
          { name: "t", type: "STRUCT<a INT>" },
        ],
      }),
    );
    expect(r.problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      "UC_COLUMN_NAME_INVALID $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0].columns[0].name",
      "UC_COLUMN_NAME_INVALID $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0].columns[1].name",
      "UC_COLUMN_TYPE_VOID $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0].columns[2].type",
      "UC_COLUMN_TYPE_VOID $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0].columns[3].type",
      "UC_COLUMN_TYPE_EMPTY_STRUCT $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0].columns[4].type",
      "UC_COLUMN_TYPE_EMPTY_STRUCT $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0].columns[5].type",
      "UC_COLUMN_NAME_INVALID $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0].columns[5].type",
      "UC_COLUMN_NAME_INVALID $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0].columns[6].type",
      "UC_COLUMN_TYPE_INVALID $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0].columns[7].type",
    ]);
    expect(r.problems[0]?.message).toBe(
      'column name "Order ID" of table $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0] contains " " (space); Delta allows space , ; { } ( ) = newline tab in column names only with column mapping, which dpn does not enable',
    );
    expect(r.problems[3]?.message).toContain("has the VOID type (at element)");
    expect(r.problems[5]?.message).toContain("has an empty STRUCT<> (at a)");
  });

  it("refuses a table without columns", () => {
    expect(codes(resolveDoc(ucTable({})).problems)).toEqual(["UC_TABLE_NO_COLUMNS"]);
    expect(codes(resolveDoc(ucTable({ columns: [] })).problems)).toEqual(["UC_TABLE_NO_COLUMNS"]);
  });

  it("refuses partitioning by unknown, repeated, complex or VARIANT columns, or by every column", () => {
    const columns = [
      { name: "id", type: "BIGINT" },
      { name: "payload", type: "VARIANT" },
      { name: "tags", type: "MAP<STRING,STRING>" },
      { name: "dt", type: "DATE" },
    ];
    const r = resolveDoc(ucTable({ columns, partition_by: ["payload", "tags", "dt", "DT", "day"] }));
    expect(codes(r.problems)).toEqual([
      "UC_PARTITION_COLUMN_TYPE",
      "UC_PARTITION_COLUMN_TYPE",
      "UC_PARTITION_DUPLICATE",
      "BLUEPRINT_UNKNOWN_PARTITION_COLUMN",
    ]);
    expect(r.problems[0]?.message).toBe(
      'partition_by "payload" of $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0] is a VARIANT column (VARIANT); tables cannot be partitioned by ARRAY, MAP, STRUCT or VARIANT columns',
    );
    expect(r.problems[3]?.hint).toBe("Columns: id, payload, tags, dt.");
    const all = resolveDoc(ucTable({ columns: columns.slice(0, 1), partition_by: ["id"] }));
    expect(codes(all.problems)).toEqual(["UC_PARTITION_ALL_COLUMNS"]);
    const none = resolveDoc(ucTable({ partition_by: ["dt"] }));
    expect(codes(none.problems)).toEqual(["UC_TABLE_NO_COLUMNS", "BLUEPRINT_UNKNOWN_PARTITION_COLUMN"]);
  });
});
