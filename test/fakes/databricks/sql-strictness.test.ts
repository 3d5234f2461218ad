/**
 * The fake refuses the table DDL Databricks refuses, independently of dpn's own validation:
 * Delta's column-name characters without column mapping, Spark's reserved table properties, VOID
 * and empty STRUCT column types, and VARIANT / complex partition columns. A refusal is what the
 * Statement Execution API returns for SQL errors: HTTP 200 with state FAILED.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { DatabricksClient } from "../../../src/providers/databricks/client.js";
import { executeStatement } from "../../../src/providers/databricks/statements.js";
import { fakeWithClient } from "./harness.js";
import type { DatabricksFake, FakeOptions } from "./server.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(
  o: FakeOptions = {},
): Promise<{ run: (sql: string) => Promise<unknown>; client: DatabricksClient }> {
  const r = await fakeWithClient(o);
  fake = r.fake;
  await r.client.request("POST", "/api/2.1/unity-catalog/catalogs", { body: { name: "c" } });
  await r.client.request("POST", "/api/2.1/unity-catalog/schemas", {
    body: { name: "s", catalog_name: "c" },
  });
  return {
    client: r.client,
    run: (sql) => executeStatement(r.client, r.fake.warehouseId, sql, { pollMs: 5 }),
  };
}

const refused = (errorClass: string) =>
  expect.objectContaining({ code: "DBX_SQL_FAILED", message: expect.stringContaining(`[${errorClass}]`) });

describe("Databricks SQL strictness for CREATE/ALTER TABLE", () => {
  it("column names with ' ,;{}()\\n\\t=' need column mapping, nested fields included", async () => {
    const { run } = await setup();
    for (const col of ["`order id`", "`a,b`", "`a;b`", "`a{b`", "`a(b)`", "`a=b`", "`a\tb`"]) {
      await expect(run(`CREATE TABLE c.s.t1 (${col} INT)`)).rejects.toEqual(
        refused("DELTA_INVALID_CHARACTERS_IN_COLUMN_NAMES"),
      );
    }
    await expect(run("CREATE TABLE c.s.t2 (x STRUCT<`bad name`: INT>)")).rejects.toEqual(
      refused("DELTA_INVALID_CHARACTERS_IN_COLUMN_NAMES"),
    );
    await run("CREATE TABLE c.s.t3 (`order id` INT) TBLPROPERTIES ('delta.columnMapping.mode' = 'name')");
    await run("CREATE TABLE c.s.t4 (order_id INT, `ünïcode-ok` INT)");
    expect(fake?.state.tables.has("c.s.t3")).toBe(true);
  });

  it("reserved table properties are refused in TBLPROPERTIES, SET and UNSET", async () => {
    const { run } = await setup();
    for (const k of ["owner", "location", "provider", "external", "comment", "is_managed_location"]) {
      await expect(run(`CREATE TABLE c.s.t (id INT) TBLPROPERTIES ('${k}' = 'x')`)).rejects.toEqual(
        refused("UNSUPPORTED_FEATURE.SET_TABLE_PROPERTY"),
      );
    }
    await run("CREATE TABLE c.s.t (id INT) TBLPROPERTIES ('Owner' = 'team@example.com', 'owner_team' = 'x')");
    await expect(run("ALTER TABLE c.s.t SET TBLPROPERTIES ('owner' = 'x')")).rejects.toEqual(
      refused("UNSUPPORTED_FEATURE.SET_TABLE_PROPERTY"),
    );
    await expect(run("ALTER TABLE c.s.t UNSET TBLPROPERTIES ('location')")).rejects.toEqual(
      refused("UNSUPPORTED_FEATURE.SET_TABLE_PROPERTY"),
    );
  });

  it("VOID columns (unless the runtime accepts them), VOID in ARRAY/MAP, all-VOID, empty STRUCT<>", async () => {
    const { run } = await setup();
    await expect(run("CREATE TABLE c.s.t (id INT, v VOID)")).rejects.toEqual(
      refused("DELTA_UNSUPPORTED_DATA_TYPES"),
    );
    await expect(run("CREATE TABLE c.s.t (id INT, e STRUCT<>)")).rejects.toEqual(
      refused("DELTA_UNSUPPORTED_DATA_TYPES"),
    );
    await expect(run("CREATE TABLE c.s.t (id INT, e ARRAY<STRUCT<>>)")).rejects.toEqual(
      refused("DELTA_UNSUPPORTED_DATA_TYPES"),
    );
    await fake?.close();
    const newer = await setup({ voidColumns: true }); // Databricks Runtime 18.2+
    await newer.run("CREATE TABLE c.s.ok (id INT, v VOID)");
    for (const ddl of [
      "CREATE TABLE c.s.t (id INT, a ARRAY<VOID>)",
      "CREATE TABLE c.s.t (id INT, m MAP<STRING, VOID>)",
      "CREATE TABLE c.s.t (v VOID)",
      "CREATE TABLE c.s.t (id INT, st STRUCT<a: VOID>)",
    ])
      await expect(newer.run(ddl)).rejects.toEqual(refused("DELTA_UNSUPPORTED_DATA_TYPES"));
  });

  it("PARTITIONED BY a VARIANT or complex column is refused; a primitive one is fine", async () => {
    const { run } = await setup();
    for (const [type, col] of [
      ["VARIANT", "v"],
      ["ARRAY<INT>", "v"],
      ["MAP<STRING, INT>", "v"],
      ["STRUCT<a: INT>", "v"],
    ])
      await expect(
        run(`CREATE TABLE c.s.t (id INT, ${col} ${type}) PARTITIONED BY (${col})`),
      ).rejects.toEqual(refused("INVALID_PARTITION_COLUMN_DATA_TYPE"));
    await run("CREATE TABLE c.s.t (id INT, d DATE, v VARIANT) PARTITIONED BY (d)");
  });
});
