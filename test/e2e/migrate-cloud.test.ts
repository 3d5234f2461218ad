/**
 * Proof of `dpn migrate --target cloud` on the Databricks fake: a Databricks estate made by hand
 * (created through the real providers, then stripped of dpn's marker) with a noncompliant
 * catalog, a schema, a table and a volume inside it, a cluster and a job; `dpn scan
 * --plan-migration` writes the plan.
 * A failure injected mid-way (the job's jobs/update) renames the catalog and the cluster back
 * (exit 6); then the migration commits, the scan finds the renamed objects compliant, and the
 * fake's request log shows the documented calls (PATCH new_name, ALTER TABLE … RENAME TO,
 * clusters/edit, jobs/update).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import { type CliResult, cloudEnv, type Env, runCli } from "../support/cloud-env.js";
import { fakeNames, SCOPE, seedAndPlan, TYPES } from "../support/migrate-cloud-estate.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON documents are checked field by field
const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, any>;

let fake: DatabricksFake;
let env: Env;
let out = "";
const names = () => fakeNames(fake);
let before: string[] = [];

beforeAll(async () => {
  fake = await startDatabricksFake({ clusterGetsUntilRunning: 0 });
  ({ env } = cloudEnv({ fake }));
  out = await seedAndPlan(env);
  before = names();
}, 120_000);

afterAll(async () => {
  await fake?.close();
});

const migrate = (extra: string[]) =>
  runCli(
    ["migrate", "--plan", join(out, "migration.json"), "--target", "cloud", "--yes", "--json", ...extra],
    env,
  );

describe("dpn migrate on the cloud target (the Databricks fake)", () => {
  it("the plan renames the catalog, a schema, a table and a volume inside it, the cluster and the job in place", () => {
    const plan = JSON.parse(readFileSync(join(out, "migration.json"), "utf8"));
    expect(plan.renames.map((r: { object: string; path: string }) => `${r.path} ${r.object}`).sort()).toEqual(
      [
        "rename_in_place dbx_catalog:dataplatform_analytics_production",
        "rename_in_place dbx_cluster:dataplatform-ml-shared-production",
        "rename_in_place dbx_job:dataplatform-batch-orders-load-daily-production",
        "rename_in_place dbx_schema:dataplatform_analytics_production.finance_silver_old",
        "rename_in_place dbx_table:dataplatform_analytics_production.finance_gold.fact-orders",
        "rename_in_place dbx_volume:dataplatform_analytics_production.finance_gold.landing-raw",
      ],
    );
  });

  it("a failure injected mid-way (the job's jobs/update) renames the catalog and the cluster back: exit 6", async () => {
    fake.faults.add({
      route: "POST /api/2.2/jobs/update",
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: "injected" },
    });
    fake.log.length = 0;
    const r = await migrate([]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(6);
    expect(json(r).error.code).toBe("APPLY_ROLLED_BACK");
    expect(names()).toEqual(before);
    const writes = fake.log.filter((x) => x.method !== "GET").map((x) => `${x.method} ${x.path}`);
    expect(writes).toEqual([
      "PATCH /api/2.1/unity-catalog/catalogs/dataplatform_analytics_production",
      "POST /api/2.1/clusters/edit",
      "POST /api/2.2/jobs/update",
      "POST /api/2.1/clusters/edit",
      "PATCH /api/2.1/unity-catalog/catalogs/dataplatform_analytics_prd",
    ]);
  });

  it("a FAILED ALTER TABLE … RENAME TO (name taken meanwhile) renames every earlier one back: exit 6", async () => {
    fake.state.sqlFailures.push({
      match: /RENAME TO/,
      error_code: "ALREADY_EXISTS",
      message: "[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot rename table or view because it already exists.",
    });
    const r = await migrate([]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(6);
    expect(json(r).error.code).toBe("APPLY_ROLLED_BACK");
    expect(fake.state.sqlFailures).toEqual([]);
    expect(names()).toEqual(before);
  });

  it("then commits: every name is the plan's new one, and the scan finds them compliant", async () => {
    fake.log.length = 0;
    const r = await migrate([]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const after = names();
    expect(after).toEqual(
      expect.arrayContaining([
        "catalog:dataplatform_analytics_prd",
        "schema:dataplatform_analytics_prd.finance_gold",
        "schema:dataplatform_analytics_prd.finance_silver_gold",
        "cluster:dataplatform-ml-shared-prd",
        "job:dataplatform-batch-orders-load-daily-prd",
        "volume:dataplatform_analytics_prd.finance_gold.landing_raw",
        "table:dataplatform_analytics_prd.finance_gold.fact_orders",
      ]),
    );
    expect(after.some((n) => n.includes("production"))).toBe(false);
    const bodies = fake.log.filter((x) => x.method === "PATCH").map((x) => x.body);
    expect(bodies).toEqual([
      { new_name: "dataplatform_analytics_prd" },
      { new_name: "finance_silver_gold" },
      { new_name: "landing_raw" },
    ]);
    // the table: one ALTER TABLE … RENAME TO on the warehouse, in its schema (after the catalog's rename)
    const statements = fake.log
      .filter((x) => x.method === "POST" && x.path === "/api/2.0/sql/statements")
      .map((x) => (x.body as { statement: string }).statement);
    expect(statements).toEqual([
      "ALTER TABLE `dataplatform_analytics_prd`.`finance_gold`.`fact-orders` RENAME TO `dataplatform_analytics_prd`.`finance_gold`.`fact_orders`",
    ]);
    const scan = json(await runCli(["scan", "--target", "cloud", ...SCOPE, ...TYPES, "--json"], env));
    for (const x of json(r).renames) {
      const o = scan.objects.find((y: { id: string }) => y.id === `${x.type}:${x.to.full_name}`);
      expect(o?.status, x.to.full_name).toBe("compliant");
    }
  });
});
