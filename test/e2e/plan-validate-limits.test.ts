/**
 * `dpn plan validate` (and `dpn create`, which validates first) through the built binary refuses
 * what AWS and Databricks would refuse half-way through a run — tag budgets with dpn's markers
 * counted, Glue column names/types/comments/descriptions, UC table DDL, cluster settings — with
 * every problem at once, the limit and the offending value, line:column, exit 3, nothing written.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runCli, tempProject } from "../support/cli.js";

interface JsonProblem {
  code: string;
  message: string;
  path: string;
  line: number;
  column: number;
  severity: string;
}

function brokenBlueprint(cwd: string): void {
  const bp = JSON.parse(readFileSync(join(REPO_ROOT, "examples/blueprints/prd.json"), "utf8"));
  const aws = bp.resources.aws;
  const dbx = bp.resources.databricks;
  // 7 standard + 45 blueprint tags = 52: under the old count's 50 + the 4 markers S3 refuses.
  aws.s3_buckets[0].tags = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`t${i}`, "v"]));
  aws.glue_tables[0].columns[0].name = "Order ID";
  aws.glue_tables[0].columns[1].type = "not a type <";
  aws.glue_tables[0].columns[2].comment = "c".repeat(300);
  aws.glue_databases[0].description = "d".repeat(2100);
  const table = dbx.unity_catalog.catalogs[0].schemas[0].tables[0];
  table.columns.push({ name: "v", type: "VOID" }, { name: "attrs", type: "MAP<STRING,STRING>" });
  table.partition_by = ["attrs"];
  table.tags = { owner: "someone" };
  const ml = dbx.clusters.find((c: { workload: string }) => c.workload === "ml");
  delete ml.single_user_name;
  dbx.clusters[0].autotermination_minutes = 5;
  writeFileSync(join(cwd, "bp.json"), JSON.stringify(bp, null, 2));
}

describe("dpn plan validate: platform limits", () => {
  it("reports every limit a real service would refuse, at once, with exit 3", async () => {
    const cwd = tempProject();
    brokenBlueprint(cwd);
    const r = await runCli(["plan", "validate", "bp.json", "--json"], { cwd });
    expect(r.code, r.stderr).toBe(3);
    const doc = JSON.parse(r.stdout || r.stderr);
    expect(doc.error.code).toBe("BLUEPRINT_INVALID");
    const problems = doc.error.problems as JsonProblem[];
    const byCode = new Map(problems.map((p) => [p.code, p]));
    expect([...byCode.keys()].sort()).toEqual(
      [
        "BLUEPRINT_AUTOTERMINATION_RANGE",
        "BLUEPRINT_SINGLE_USER_NAME_REQUIRED",
        "GLUE_COLUMN_COMMENT_TOO_LONG",
        "GLUE_COLUMN_NAME_INVALID",
        "GLUE_COLUMN_TYPE_INVALID",
        "GLUE_DESCRIPTION_TOO_LONG",
        "TAG_COUNT",
        "TAG_RESERVED_TABLE_PROPERTY",
        "UC_COLUMN_TYPE_VOID",
        "UC_PARTITION_COLUMN_TYPE",
      ].sort(),
    );
    for (const p of problems) {
      expect(p.severity, p.code).toBe("error");
      expect(p.line, p.code).toBeGreaterThan(0);
      expect(p.column, p.code).toBeGreaterThan(0);
      expect(p.path, p.code).toMatch(/^\$\.resources\./);
    }
    // The limit and the offending value are in the messages.
    expect(byCode.get("TAG_COUNT")?.message).toContain(
      "50 allowed in S3 bucket tags: 46 for your tags + 4 dpn markers; this bucket has 52: 7 standard + 45 from the blueprint",
    );
    expect(byCode.get("GLUE_COLUMN_NAME_INVALID")?.message).toContain('"Order ID"');
    expect(byCode.get("GLUE_COLUMN_TYPE_INVALID")?.message).toContain('"not a type <"');
    expect(byCode.get("GLUE_COLUMN_COMMENT_TOO_LONG")?.message).toContain(
      "300 characters; Glue allows at most 255",
    );
    expect(byCode.get("GLUE_DESCRIPTION_TOO_LONG")?.message).toContain(
      "2100 characters; Glue allows at most 2048",
    );
    expect(byCode.get("BLUEPRINT_AUTOTERMINATION_RANGE")?.message).toContain("autotermination_minutes 5");
    expect(byCode.get("BLUEPRINT_AUTOTERMINATION_RANGE")?.message).toContain(
      "0 (never terminate) or 10–10000",
    );
    expect(byCode.get("TAG_RESERVED_TABLE_PROPERTY")?.message).toContain('"owner"');
    // The JSON document and the source agree on where each problem is.
    const lines = readFileSync(join(cwd, "bp.json"), "utf8").split("\n");
    const autoterm = byCode.get("BLUEPRINT_AUTOTERMINATION_RANGE") as JsonProblem;
    expect(lines[autoterm.line - 1]?.slice(autoterm.column - 1)).toMatch(/^5\b/);
  });

  it("prints each problem as file:line:column with its code, and create refuses before writing anything", async () => {
    const cwd = tempProject();
    brokenBlueprint(cwd);
    const text = await runCli(["plan", "validate", "bp.json"], { cwd });
    expect(text.code).toBe(3);
    expect(text.stderr).toMatch(/bp\.json:\d+:\d+ \$\.resources\.aws\.s3_buckets\[0\]\.tags TAG_COUNT/);
    expect(text.stderr).toMatch(/bp\.json:\d+:\d+ \S+ UC_COLUMN_TYPE_VOID/);
    const create = await runCli(["create", "--blueprint", "bp.json", "--target", "sandbox", "--yes"], {
      cwd,
    });
    expect(create.code, create.stderr).toBe(3);
    expect(create.stderr).toContain("[BLUEPRINT_INVALID]");
    expect(readdirSync(cwd)).toEqual(["bp.json"]);
  });
});
