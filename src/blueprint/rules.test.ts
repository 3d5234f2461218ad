import { describe, expect, it } from "vitest";
import type { ProvisionedType } from "../core/resources.js";
import { parseJsonSource } from "./json-source.js";
import type { ResourceNode } from "./resource-node.js";
import { checkCycles, checkDuplicates, checkScopeClosure } from "./rules.js";

// Blueprint nesting cannot express a resource cycle today, but the rule guards the graph the
// engine consumes: checked here on nodes directly.
const source = parseJsonSource(
  JSON.stringify({ resources: { aws: { glue_tables: [{}, {}], glue_databases: [{}] } } }, null, 2),
  "bp.json",
);
function node(
  type: ProvisionedType,
  address: string,
  segments: (string | number)[],
  deps: string[] = [],
): ResourceNode {
  return {
    type,
    address,
    order: 0,
    segments,
    path: "",
    entry: {},
    invalid: false,
    dependencies: deps,
    refs: [],
  };
}

describe("graph rules", () => {
  const a = node(
    "aws_glue_table",
    "aws_glue_table.db.a",
    ["resources", "aws", "glue_tables", 0],
    ["aws_glue_table.db.b"],
  );
  const b = node(
    "aws_glue_table",
    "aws_glue_table.db.b",
    ["resources", "aws", "glue_tables", 1],
    ["aws_glue_table.db.a"],
  );
  const db = node("aws_glue_database", "aws_glue_database.db", ["resources", "aws", "glue_databases", 0]);

  it("reports a dependency cycle naming both ends, at the first", () => {
    expect(checkCycles([a, b, db], source)).toEqual([
      {
        code: "BLUEPRINT_DEPENDENCY_CYCLE",
        message:
          "dependency cycle between aws_glue_table.db.a and aws_glue_table.db.b: aws_glue_table.db.a → aws_glue_table.db.b → aws_glue_table.db.a",
        path: "$.resources.aws.glue_tables[0]",
        file: "bp.json",
        line: 5,
        column: 9,
        hint: "Remove one of the references on the cycle.",
        severity: "error",
      },
    ]);
    expect(checkCycles([db], source)).toEqual([]);
  });

  it("reports a duplicate address once per extra occurrence", () => {
    const dup = node("aws_glue_database", "aws_glue_database.db", ["resources", "aws", "glue_tables", 1]);
    expect(checkDuplicates([db, dup, { ...dup }], source).map((p) => p.message)).toEqual([
      "aws_glue_database.db is declared twice: at $.resources.aws.glue_databases[0] (line 9) and at $.resources.aws.glue_tables[1] (line 6)",
      "aws_glue_database.db is declared twice: at $.resources.aws.glue_databases[0] (line 9) and at $.resources.aws.glue_tables[1] (line 6)",
    ]);
  });

  it("ignores dependencies that are not declared in the blueprint for scope closure", () => {
    const t = node(
      "aws_glue_table",
      "aws_glue_table.db.t",
      ["resources", "aws", "glue_tables", 0],
      ["aws_glue_database.elsewhere"],
    );
    expect(checkScopeClosure([t], new Set([t.address as string]), source)).toEqual([]);
  });
});
