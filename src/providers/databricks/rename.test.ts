/**
 * In-place renames (`dpn migrate`) on the Databricks fake: the fake's rename rules as the
 * official API states them (PATCH `new_name` on catalogs, schemas and volumes; `ALTER TABLE …
 * RENAME TO` on a warehouse for tables; clusters/edit; jobs/update `new_settings.name`), and the
 * providers' `rename` over them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import type { ClusterProps, UcTableProps } from "../../core/resources.js";
import { createDatabricksProviders } from "./index.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const clusterProps: ClusterProps = {
  spark_version: "15.4.x-scala2.12",
  node_type_id: "i3.xlarge",
  autoscale: { min_workers: 1, max_workers: 4 },
  autotermination_minutes: 30,
  cluster_type: "shared",
  data_security_mode: "USER_ISOLATION",
};

async function estate() {
  const r = await fakeWithClient();
  fake = r.fake;
  const p = createDatabricksProviders(r.client, { pollMs: 5 });
  const c = ctx();
  const cat = await p.dbx_catalog.create(desired("dbx_catalog", "old_cat", {}), c);
  const sch = await p.dbx_schema.create(
    desired("dbx_schema", "sch", { catalog_name: "old_cat" }, { fullName: "old_cat.sch" }),
    c,
  );
  const vol = await p.dbx_volume.create(
    desired(
      "dbx_volume",
      "vol",
      { catalog_name: "old_cat", schema_name: "sch", volume_type: "MANAGED" },
      { fullName: "old_cat.sch.vol" },
    ),
    c,
  );
  r.fake.state.tables.set("old_cat.sch.tbl", {
    name: "tbl",
    catalog_name: "old_cat",
    schema_name: "sch",
    full_name: "old_cat.sch.tbl",
  });
  return { p, c, cat, sch, vol, fake: r.fake, client: r.client };
}

const tableProps: UcTableProps = {
  catalog_name: "old_cat",
  schema_name: "sch",
  table_type: "fact",
  columns: [{ name: "id", type: "bigint" }],
};

const sql = async (client: Awaited<ReturnType<typeof estate>>["client"], statement: string) =>
  (
    await client.request<{ status: { state: string; error?: { error_code?: string; message?: string } } }>(
      "POST",
      "/api/2.0/sql/statements",
      { body: { warehouse_id: "wh-fake", statement } },
    )
  ).status;

const patch = (client: Awaited<ReturnType<typeof estate>>["client"], path: string, body: unknown) =>
  client.request<Record<string, unknown>>("PATCH", `/api/2.1/unity-catalog/${path}`, { body });

describe("the fake's Unity Catalog rename rules", () => {
  it("a renamed catalog moves its schemas, tables, volumes and their tag assignments", async () => {
    const { fake, client } = await estate();
    const res = await patch(client, "catalogs/old_cat", { new_name: "New_Cat" });
    expect(res).toMatchObject({ name: "new_cat", full_name: "new_cat" });
    expect([...fake.state.catalogs.keys()]).not.toContain("old_cat");
    expect(fake.state.schemas.get("new_cat.sch")).toMatchObject({
      catalog_name: "new_cat",
      full_name: "new_cat.sch",
    });
    expect(fake.state.tables.get("new_cat.sch.tbl")).toMatchObject({ catalog_name: "new_cat" });
    expect(fake.state.volumes.get("new_cat.sch.vol")).toMatchObject({ catalog_name: "new_cat" });
    expect(fake.state.tags.has("volumes/new_cat.sch.vol")).toBe(true);
    expect(fake.state.tags.has("volumes/old_cat.sch.vol")).toBe(false);
  });

  it("a renamed schema moves its tables and volumes; the catalog stays", async () => {
    const { fake, client } = await estate();
    await patch(client, "schemas/old_cat.sch", { new_name: "sch2" });
    expect(fake.state.schemas.has("old_cat.sch")).toBe(false);
    expect(fake.state.tables.get("old_cat.sch2.tbl")).toMatchObject({ schema_name: "sch2" });
    expect(fake.state.volumes.get("old_cat.sch2.vol")).toMatchObject({ full_name: "old_cat.sch2.vol" });
  });

  it("refuses a taken name (409), a missing object (404) and an invalid name (400), changing nothing", async () => {
    const { fake, client, p, c } = await estate();
    await p.dbx_catalog.create(desired("dbx_catalog", "taken", {}), c);
    await expect(patch(client, "catalogs/old_cat", { new_name: "taken" })).rejects.toMatchObject({
      api: { status: 409, errorCode: "CATALOG_ALREADY_EXISTS" },
    });
    await expect(patch(client, "catalogs/nope", { new_name: "x" })).rejects.toMatchObject({
      api: { status: 404, errorCode: "CATALOG_DOES_NOT_EXIST" },
    });
    await expect(patch(client, "schemas/old_cat.sch", { new_name: "a.b" })).rejects.toMatchObject({
      api: { status: 400, errorCode: "INVALID_PARAMETER_VALUE" },
    });
    await expect(patch(client, "catalogs/old_cat", { new_name: "sys_cat" })).rejects.toMatchObject({
      api: { status: 400 },
    });
    // a volume cannot take a table's name: they share the schema's namespace
    await expect(patch(client, "volumes/old_cat.sch.vol", { new_name: "tbl" })).rejects.toMatchObject({
      api: { status: 409, errorCode: "RESOURCE_ALREADY_EXISTS" },
    });
    expect(fake.state.volumes.has("old_cat.sch.vol")).toBe(true);
    expect(fake.state.schemas.has("old_cat.sch")).toBe(true);
  });
});

describe("the fake's ALTER TABLE … RENAME TO", () => {
  it("renames within the schema (qualified or not), moving properties and tag assignments", async () => {
    const { fake, client } = await estate();
    const info = fake.state.tables.get("old_cat.sch.tbl");
    if (info) info.properties = { dpn_stack: "s" };
    fake.state.tags.set("tables/old_cat.sch.tbl", new Map([["Team", "x"]]));
    expect(await sql(client, "ALTER TABLE old_cat.sch.tbl RENAME TO `Tbl2`")).toEqual({ state: "SUCCEEDED" });
    expect(fake.state.tables.get("old_cat.sch.tbl2")).toMatchObject({
      name: "tbl2",
      full_name: "old_cat.sch.tbl2",
      properties: { dpn_stack: "s" },
    });
    expect(fake.state.tables.has("old_cat.sch.tbl")).toBe(false);
    expect(fake.state.tags.get("tables/old_cat.sch.tbl2")?.get("Team")).toBe("x");
    expect(fake.state.tags.has("tables/old_cat.sch.tbl")).toBe(false);
    expect(await sql(client, "ALTER TABLE old_cat.sch.tbl2 RENAME TO old_cat.sch.tbl3")).toEqual({
      state: "SUCCEEDED",
    });
    expect(fake.state.tables.has("old_cat.sch.tbl3")).toBe(true);
  });

  it("refuses another schema, a missing table, a taken name and an invalid identifier, changing nothing", async () => {
    const { fake, client, p, c } = await estate();
    await p.dbx_schema.create(
      desired("dbx_schema", "other", { catalog_name: "old_cat" }, { fullName: "old_cat.other" }),
      c,
    );
    const cases: [string, string, string][] = [
      [
        "ALTER TABLE old_cat.sch.tbl RENAME TO old_cat.other.tbl",
        "BAD_REQUEST",
        "CANNOT_RENAME_ACROSS_SCHEMA",
      ],
      ["ALTER TABLE old_cat.sch.tbl RENAME TO other.tbl", "BAD_REQUEST", "CANNOT_RENAME_ACROSS_SCHEMA"],
      ["ALTER TABLE old_cat.sch.nope RENAME TO x", "BAD_REQUEST", "TABLE_OR_VIEW_NOT_FOUND"],
      ["ALTER TABLE old_cat.sch.tbl RENAME TO vol", "ALREADY_EXISTS", "TABLE_OR_VIEW_ALREADY_EXISTS"],
      ["ALTER TABLE old_cat.sch.tbl RENAME TO `a b`", "BAD_REQUEST", "INVALID_IDENTIFIER"],
      ["ALTER TABLE old_cat.sch.tbl RENAME TO a.b.c.d", "BAD_REQUEST", "PARSE_SYNTAX_ERROR"],
    ];
    for (const [statement, code, errorClass] of cases) {
      const status = await sql(client, statement);
      expect(status.state, statement).toBe("FAILED");
      expect(status.error?.error_code, statement).toBe(code);
      expect(status.error?.message, statement).toContain(`[${errorClass}]`);
    }
    expect([...fake.state.tables.keys()]).toEqual(["old_cat.sch.tbl"]);
  });
});

describe("Provider.rename on Databricks", () => {
  it("catalogs, schemas and volumes keep their markers and tags under the new name", async () => {
    const { p, c, cat, vol } = await estate();
    const renamed = await p.dbx_catalog.rename?.(cat, "new_cat", c);
    expect(renamed).toMatchObject({ remoteId: "new_cat", name: "new_cat", ownership: cat.ownership });
    const v = await p.dbx_volume.read("new_cat.sch.vol", c);
    const v2 = await p.dbx_volume.rename?.(v ?? vol, "vol2", c);
    expect(v2).toMatchObject({ remoteId: "new_cat.sch.vol2", ownership: vol.ownership, tags: vol.tags });
    const s = await p.dbx_schema.read("new_cat.sch", c);
    expect(s).not.toBeNull();
    await expect(p.dbx_schema.rename?.(s as NonNullable<typeof s>, "bad name", c)).rejects.toMatchObject({
      code: "DBX_UC_NAME_INVALID",
    });
  });

  it("a table is renamed with one ALTER TABLE … RENAME TO in its schema, keeping markers, tags and id", async () => {
    const { p, c, fake } = await estate();
    const t = await p.dbx_table.create(
      desired("dbx_table", "Fact-Orders", tableProps, {
        fullName: "old_cat.sch.fact-orders",
        tags: { Team: "x" },
      }),
      c,
    );
    const id = fake.state.tables.get("old_cat.sch.fact-orders")?.table_id;
    fake.state.statements.length = 0;
    const renamed = await p.dbx_table.rename?.(t, "fact_orders", c);
    expect(fake.state.statements).toEqual([
      "ALTER TABLE `old_cat`.`sch`.`fact-orders` RENAME TO `old_cat`.`sch`.`fact_orders`",
    ]);
    expect(renamed).toMatchObject({
      remoteId: "old_cat.sch.fact_orders",
      name: "fact_orders",
      ownership: t.ownership,
      tags: { Team: "x" },
      properties: { table_type: "fact", columns: [{ name: "id", type: "bigint" }] },
    });
    expect(fake.state.tables.get("old_cat.sch.fact_orders")?.table_id).toBe(id);
    expect(await p.dbx_table.read("old_cat.sch.fact-orders", c)).toBeNull();
    // the same name is a no-op (no statement); a missing table is not_found; a taken name a conflict
    expect(await p.dbx_table.rename?.(renamed as NonNullable<typeof renamed>, "FACT_ORDERS", c)).toBe(
      renamed,
    );
    expect(fake.state.statements).toHaveLength(1);
    await expect(p.dbx_table.rename?.(t, "again", c)).rejects.toMatchObject({
      category: "not_found",
      outcome: "not_applied",
    });
    await expect(
      p.dbx_table.rename?.(renamed as NonNullable<typeof renamed>, "tbl", c),
    ).rejects.toMatchObject({ category: "conflict", code: "DBX_SQL_CONFLICT", outcome: "not_applied" });
    await expect(
      p.dbx_table.rename?.(renamed as NonNullable<typeof renamed>, "a.b", c),
    ).rejects.toMatchObject({ code: "DBX_UC_NAME_INVALID" });
    expect(fake.state.statements).toHaveLength(3);
    expect(fake.state.tables.has("old_cat.sch.fact_orders")).toBe(true);
  });

  it("a cluster is renamed with clusters/edit (its whole spec resent), a job with jobs/update", async () => {
    const { p, c, fake } = await estate();
    const cl = await p.dbx_cluster.create(desired("dbx_cluster", "etl-old", clusterProps), c);
    await p.dbx_cluster.read(cl.remoteId, c); // PENDING → RUNNING
    const renamed = await p.dbx_cluster.rename?.(cl, "etl-new", c);
    expect(renamed).toMatchObject({ remoteId: cl.remoteId, name: "etl-new", ownership: cl.ownership });
    // edit replaces the whole configuration: the spec is sent whole, with the new name
    const edit = fake.log
      .filter((x) => x.path === "/api/2.1/clusters/edit")
      .map((x) => x.body as Record<string, unknown>);
    expect(edit).toHaveLength(1);
    expect(edit[0]).toMatchObject({
      cluster_id: cl.remoteId,
      cluster_name: "etl-new",
      spark_version: clusterProps.spark_version,
    });
    expect(fake.state.clusters.get(cl.remoteId)?.details.autoscale).toEqual({
      min_workers: 1,
      max_workers: 4,
    });
    const job = await p.dbx_job.create(
      desired("dbx_job", "job-old", {
        cluster_ref: "dbx_cluster.etl",
        tasks: [{ task_key: "t", notebook_task: { notebook_path: "/x" } }],
        max_concurrent_runs: 1,
      }),
      ctx({ "dbx_cluster.etl": cl.remoteId }),
    );
    const j = await p.dbx_job.rename?.(job, "job-new", c);
    expect(j).toMatchObject({ remoteId: job.remoteId, name: "job-new", ownership: job.ownership });
    const update = fake.log.filter((x) => x.path === "/api/2.2/jobs/update");
    expect(update.map((x) => x.body)).toEqual([
      { job_id: BigInt(job.remoteId), new_settings: { name: "job-new" } },
    ]);
  });
});
