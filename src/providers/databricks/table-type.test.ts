/**
 * `dbx_table.table_type` is dpn's logical table type from the blueprint (fact, dim, …): it is
 * kept in the `dpn_table_type` TBLPROPERTY (the UC table stays MANAGED), read back, compared and
 * changed in place, and survives archive/restore. Regression test for blueprints with
 * `table_type: fact` failing with DBX_TABLE_TYPE_UNSUPPORTED.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import { ProviderError } from "../../core/errors.js";
import type { UcTableProps } from "../../core/resources.js";
import { createDatabricksProviders } from "./index.js";
import { TABLE_TYPE_PROPERTY } from "./table-provider.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup() {
  const r = await fakeWithClient();
  fake = r.fake;
  const p = createDatabricksProviders(r.client, { pollMs: 5 });
  const c = ctx();
  await p.dbx_catalog.create(desired("dbx_catalog", "main_dev", {}), c);
  await p.dbx_schema.create(
    desired("dbx_schema", "sales", { catalog_name: "main_dev" }, { fullName: "main_dev.sales" }),
    c,
  );
  return { fake: r.fake, p, c };
}

const props = (table_type: string): UcTableProps => ({
  catalog_name: "main_dev",
  schema_name: "sales",
  columns: [{ name: "id", type: "BIGINT" }],
  table_type,
});
const table = (table_type: string) =>
  desired("dbx_table", "fact_orders", props(table_type), { fullName: "main_dev.sales.fact_orders" });

describe("dbx_table logical table_type", () => {
  it("creates a managed table with dpn_table_type, reads it back without drift, and keeps it out of tags", async () => {
    const { fake, p, c } = await setup();
    const created = await p.dbx_table.create(table("fact"), c);
    expect(fake.state.statements[0]).toMatch(/TBLPROPERTIES \(.*'dpn_table_type' = 'fact'/);
    expect(fake.state.tables.get("main_dev.sales.fact_orders")?.table_type).toBe("MANAGED");
    expect(created.properties.table_type).toBe("fact");
    expect(created.tags).toEqual({ env: "dev", cost_center: "data_1" });
    expect(p.dbx_table.diff(table("fact"), created)).toEqual([]);
  });

  it("changes the logical type in place (no replace) and unsets it for MANAGED", async () => {
    const { fake, p, c } = await setup();
    const created = await p.dbx_table.create(table("fact"), c);
    expect(p.dbx_table.diff(table("dim"), created)).toEqual([
      { field: "table_type", before: "fact", after: "dim" },
    ]);
    const updated = await p.dbx_table.update(table("dim"), created, c);
    expect(updated.properties.table_type).toBe("dim");
    expect(fake.state.tables.get("main_dev.sales.fact_orders")?.properties?.[TABLE_TYPE_PROPERTY]).toBe(
      "dim",
    );
    const managed = await p.dbx_table.update(table("MANAGED"), updated, c);
    expect(managed.properties.table_type).toBe("MANAGED");
    expect(
      fake.state.tables.get("main_dev.sales.fact_orders")?.properties?.[TABLE_TYPE_PROPERTY],
    ).toBeUndefined();
    // revert puts the snapshot's logical type back
    const reverted = await p.dbx_table.revert(created, c);
    expect(reverted.properties.table_type).toBe("fact");
  });

  it("archive and restore keep the logical type", async () => {
    const { p, c } = await setup();
    const created = await p.dbx_table.create(table("dim"), c);
    const archived = await p.dbx_table.archive(created, c);
    expect(archived.archived).toBe(true);
    expect(archived.properties.table_type).toBe("dim");
    const restored = await p.dbx_table.restore(archived, c);
    expect(restored.archived).toBe(false);
    expect(restored.properties.table_type).toBe("dim");
    expect(p.dbx_table.diff(table("dim"), restored)).toEqual([]);
  });

  it("refuses Unity Catalog table types other than MANAGED before sending anything", async () => {
    const { fake, p, c } = await setup();
    const err = await p.dbx_table.create(table("EXTERNAL"), c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe("DBX_TABLE_TYPE_UNSUPPORTED");
    expect(fake.state.statements).toEqual([]);
  });
});
