/** Glue names, types, comments and descriptions a real Glue/Athena would refuse (glue-rules.ts). */
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

const glueTable = (extra: Record<string, unknown>) => ({
  aws: {
    glue_databases: [{ domain: "sales", layer: "bronze" }],
    glue_tables: [
      { database_ref: "sales-bronze", entity: "orders", columns: [{ name: "id", type: "bigint" }], ...extra },
    ],
  },
});

describe("Glue: names, types, comments, descriptions", () => {
  it("refuses column names Athena cannot use, and warns about upper case", () => {
    const r = resolveDoc(
      glueTable({
        columns: [
          { name: "Order ID", type: "bigint" },
          { name: "amount€", type: "double" },
          { name: "CustomerId", type: "bigint" },
          { name: "x".repeat(256), type: "string" },
        ],
      }),
    );
    expect(r.problems.map((p) => `${p.severity} ${p.code} ${p.path}`)).toEqual([
      "error GLUE_COLUMN_NAME_INVALID $.resources.aws.glue_tables[0].columns[0].name",
      "error GLUE_COLUMN_NAME_INVALID $.resources.aws.glue_tables[0].columns[1].name",
      "warning GLUE_COLUMN_NAME_CASE $.resources.aws.glue_tables[0].columns[2].name",
      "error GLUE_COLUMN_NAME_INVALID $.resources.aws.glue_tables[0].columns[3].name",
    ]);
    expect(r.problems[0]?.message).toBe(
      'column name "Order ID" of Glue table $.resources.aws.glue_tables[0] contains " " (space): Athena supports only letters, digits and _ in column names',
    );
    expect(r.problems[0]?.hint).toBe('Use e.g. "order_id".');
    expect(r.problems[3]?.message).toContain("is 256 bytes: Glue and Athena allow 1–255");
  });

  it("parses column and partition types, pointing at the bad token", () => {
    const r = resolveDoc(
      glueTable({
        columns: [
          { name: "id", type: "not a type <" },
          { name: "tags", type: "map<string,>" },
        ],
        partition_keys: [
          { name: "dt", type: "date" },
          { name: "parts", type: "array<string>" },
        ],
      }),
    );
    expect(codes(r.problems)).toEqual([
      "GLUE_COLUMN_TYPE_INVALID",
      "GLUE_COLUMN_TYPE_INVALID",
      "GLUE_PARTITION_KEY_TYPE",
    ]);
    const [first, second] = r.problems;
    expect(first?.message).toBe(
      'type "not a type <" of column "id" of Glue table $.resources.aws.glue_tables[0] is not a valid Glue/Athena type: unknown type "not" (character 1)',
    );
    expect(second?.message).toContain('expected a type name, found ">" (character 12)');
    // It points inside the string value, at the ">".
    const line = resolveDoc(glueTable({ columns: [{ name: "tags", type: "map<string,>" }] })).problems[0];
    const source = JSON.stringify(
      {
        version: "1.0",
        metadata: META,
        resources: glueTable({ columns: [{ name: "tags", type: "map<string,>" }] }),
      },
      null,
      2,
    ).split("\n");
    expect(source[(line?.line as number) - 1]?.slice((line?.column as number) - 1)).toMatch(/^>"/);
    expect(r.problems[2]?.message).toContain("Glue supports only primitive types as partition keys");
  });

  it("refuses comments over 255 characters or on several lines, descriptions over 2048", () => {
    const r = resolveDoc({
      aws: {
        glue_databases: [{ domain: "sales", layer: "bronze", description: "d".repeat(2049) }],
        glue_tables: [
          {
            database_ref: "sales-bronze",
            entity: "orders",
            description: "line 1\nline 2 is fine in a description",
            columns: [
              { name: "id", type: "bigint", comment: "c".repeat(256) },
              { name: "note", type: "string", comment: "first\nsecond" },
              { name: "ok", type: "string", comment: `${"c".repeat(254)}\t` },
            ],
          },
        ],
      },
    });
    expect(r.problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      "GLUE_DESCRIPTION_TOO_LONG $.resources.aws.glue_databases[0].description",
      "GLUE_COLUMN_COMMENT_TOO_LONG $.resources.aws.glue_tables[0].columns[0].comment",
      "GLUE_COLUMN_COMMENT_INVALID_CHARACTER $.resources.aws.glue_tables[0].columns[1].comment",
    ]);
    expect(r.problems[0]?.message).toBe(
      "description of Glue database $.resources.aws.glue_databases[0] is 2049 characters; Glue allows at most 2048",
    );
    expect(r.problems[1]?.message).toContain("is 256 characters; Glue allows at most 255");
    expect(r.problems[2]?.message).toContain('contains "\\n" (line feed)');
  });
});
