import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseBlueprint } from "../blueprint/load.js";
import { resolveBlueprint } from "../blueprint/resolve.js";
import { builtInConvention } from "../config/load-convention.js";
import { DpnError } from "../core/errors.js";
import { scanEstate } from "./classify.js";
import { planMigration, shellQuote } from "./migration.js";
import { writeMigration } from "./migration-files.js";
import { migrationPlanSchema } from "./migration-schema.js";
import type { ScanObject, ScanOptions } from "./types.js";

const require = createRequire(import.meta.url);
const estate = JSON.parse(
  readFileSync(new URL("../../test/fixtures/scan/estate.json", import.meta.url), "utf8"),
) as {
  options: ScanOptions;
  objects: { object: ScanObject }[];
};
const conv = builtInConvention();
const objects = estate.objects.map((o) => o.object);
const report = scanEstate(conv, objects, estate.options);
const out = planMigration(report, objects);
const { plan } = out;
const rename = (id: string) => plan.renames.find((r) => r.object === id);

describe("planMigration", () => {
  it("matches its JSON Schema (and the validator rejects a broken plan)", () => {
    const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
    const validate = ajv.compile(migrationPlanSchema);
    const doc = JSON.parse(JSON.stringify(plan));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    doc.renames[0].path = "teleport";
    expect(validate(doc)).toBe(false);
  });

  it("adopts every compliant object dpn does not manage, with a dpn import command", () => {
    const compliant = report.objects.filter((o) => o.status === "compliant").map((o) => o.id);
    expect(plan.adopt.map((a) => a.object).sort()).toEqual(compliant.sort());
    const cluster = plan.adopt.find((a) => a.type === "dbx_cluster")!;
    expect(cluster.argv).toEqual([
      "dpn",
      "import",
      "--type",
      "dbx_cluster",
      "--resource-id",
      "0101-120000-abc123",
      "--project",
      "dataplatform",
      "--env",
      "prd",
      "--yes",
    ]);
    const table = plan.adopt.find(
      (a) => a.object === "dbx_table:dataplatform_main_prd.sales_gold.dim_customers",
    )!;
    expect(table.address).toBe("dbx_table.dataplatform_main_prd.sales_gold.dim_customers");
    expect(out.importScript.split("\n").filter((l) => l.startsWith("dpn import"))).toHaveLength(
      plan.adopt.length,
    );
    expect(shellQuote("a b'c")).toBe("'a b'\\''c'");
  });

  it("writes a blueprint fragment that resolves to the adopted names and addresses", () => {
    expect(out.fragments.map((f) => f.file)).toEqual(["blueprints/dataplatform-prd.json"]);
    const fragment = out.fragments[0]!;
    const resolved = resolveBlueprint(parseBlueprint(JSON.stringify(fragment.document), fragment.file), conv);
    expect(resolved.problems.filter((p) => p.severity !== "warning")).toEqual([]);
    const addresses = new Set(resolved.resources.map((r) => r.address));
    const nestable = plan.adopt.filter((a) => !a.full_name.startsWith("dataplatform_analytics_production"));
    for (const a of nestable) expect(addresses, a.address).toContain(a.address);
    expect(plan.adopt.filter((a) => !a.blueprint).map((a) => a.object)).toEqual([
      "dbx_schema:dataplatform_analytics_production.finance_gold",
      "dbx_table:dataplatform_analytics_production.finance_gold.fact_ledger",
    ]);
    expect(plan.blueprints[0]!.resources).toBe(plan.adopt.length - 2);
    // Children of a catalog that must be renamed first cannot be nested; the fragment says so.
    expect(fragment.notes.some((n) => n.includes("dataplatform_analytics_production.finance_gold"))).toBe(
      true,
    );
  });

  it("renames Unity Catalog objects in place, with the API call and the consumers that break", () => {
    const cat = rename("dbx_catalog:dataplatform_analytics_production")!;
    expect(cat).toMatchObject({
      path: "rename_in_place",
      to: { name: "dataplatform_analytics_prd", full_name: "dataplatform_analytics_prd" },
      operation: {
        kind: "api",
        method: "PATCH",
        endpoint: "/api/2.1/unity-catalog/catalogs/dataplatform_analytics_production",
        body: { new_name: "dataplatform_analytics_prd" },
      },
      reasons: ["DPN-N002"],
    });
    const via = Object.fromEntries(cat.breaks.consumers.map((c) => [c.object, c.via]));
    expect(via).toEqual({
      "dbx_schema:dataplatform_analytics_production.finance_gold": "child",
      "dbx_table:dataplatform_analytics_production.finance_gold.fact_ledger": "child",
      "dbx_job:nightly refresh": "reference",
    });
    expect(cat.breaks.notes.join(" ")).toMatch(/views/i);
  });

  it("copies and archives where names are immutable, naming the tables on the bucket", () => {
    const bucket = rename("aws_s3_bucket:dataplatform-archive-raw-prd-us-east-1")!;
    expect(bucket.path).toBe("copy_and_archive");
    expect(bucket.to.name).toBe("dataplatform-archive-raw-prd-use1");
    expect(bucket.steps.join(" ")).toContain(
      "aws s3 sync s3://dataplatform-archive-raw-prd-us-east-1 s3://dataplatform-archive-raw-prd-use1",
    );
    expect(bucket.breaks.consumers).toEqual([
      expect.objectContaining({
        object: "aws_glue_table:dataplatform_sales_stage_prd.ordersv2",
        via: "location",
      }),
    ]);
    const glue = plan.renames.filter((r) => r.type.startsWith("aws_glue"));
    for (const g of glue) expect(g.path).toBe("copy_and_archive");
  });

  it("sends names it cannot derive to a person", () => {
    const ids = plan.unresolved.map((u) => u.object);
    expect(ids).toContain("dbx_cluster:Data Platform ETL");
    expect(ids).toContain("aws_s3_bucket:tmp-scratch-bucket");
    expect(plan.summary.unresolved).toBe(plan.unresolved.length);
    const noncompliant = report.objects.filter((o) => o.status === "noncompliant").length;
    expect(plan.renames.length + plan.unresolved.filter((u) => u.reasons.length).length).toBe(noncompliant);
  });

  it("orders a renamed container before what it contains", () => {
    const objectsWithChild: ScanObject[] = [
      {
        type: "dbx_catalog",
        name: "dataplatform_main_production",
        tags: { Environment: "prd", Project: "dataplatform" },
      },
      {
        type: "dbx_schema",
        name: "sales_stage",
        fullName: "dataplatform_main_production.sales_stage",
        parent: "dataplatform_main_production",
      },
    ];
    const r = scanEstate(conv, objectsWithChild, { project: "dataplatform" });
    const p = planMigration(r, objectsWithChild).plan;
    // sales_stage has no derivable name (stage is no layer), so only the catalog is renamed.
    expect(p.renames.map((x) => x.object)).toEqual(["dbx_catalog:dataplatform_main_production"]);
    const withSchema: ScanObject[] = [
      objectsWithChild[0]!,
      { ...objectsWithChild[1]!, name: "sales_prod", fullName: "dataplatform_main_production.sales_prod" },
    ];
    const conv2 = builtInConvention();
    conv2.patterns.dbx_schema = { template: "{domain}_{environment}" };
    const r2 = scanEstate(conv2, withSchema, { project: "dataplatform" });
    const p2 = planMigration(r2, withSchema).plan;
    const schema = p2.renames.find((x) => x.type === "dbx_schema")!;
    expect(schema.after).toEqual(["dbx_catalog:dataplatform_main_production"]);
    expect(schema.to.full_name).toBe("dataplatform_main_prd.sales_prd");
  });

  it("refuses a report made from other objects", () => {
    expect(() => planMigration(report, objects.slice(1))).toThrow(
      expect.objectContaining({ code: "SCAN_OBJECTS_MISMATCH" }),
    );
  });
});

describe("writeMigration", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dpn-migration-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes migration.json, import.sh and the fragments, and refuses to overwrite unless asked", () => {
    const written = writeMigration(out, dir).map((f) => path.relative(dir, f));
    expect(written).toEqual(["migration.json", "import.sh", "blueprints/dataplatform-prd.json"]);
    expect(JSON.parse(readFileSync(path.join(dir, "migration.json"), "utf8"))).toEqual(
      JSON.parse(JSON.stringify(plan)),
    );
    expect(statSync(path.join(dir, "import.sh")).mode & 0o111).not.toBe(0);
    try {
      writeMigration(out, dir);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DpnError);
      expect((e as DpnError).code).toBe("MIGRATION_OUTPUT_EXISTS");
    }
    expect(writeMigration(out, dir, { overwrite: true })).toHaveLength(3);
  });

  it("names the file it cannot write", () => {
    const blocker = path.join(dir, "migration.json");
    expect(() => writeMigration(out, path.join(blocker, "sub"))).toThrow(
      expect.objectContaining({ code: "MIGRATION_OUTPUT_UNWRITABLE" }),
    );
  });
});
