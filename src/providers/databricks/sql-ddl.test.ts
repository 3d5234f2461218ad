import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import { createDatabricksProviders } from "./index.js";
import {
  buildCreateTable,
  buildRenameTable,
  canonicalSparkType,
  quoteIdent,
  stringLiteral,
} from "./sql-ddl.js";
import { executeStatement } from "./statements.js";

describe("SQL building blocks", () => {
  it("quotes identifiers and escapes literals", () => {
    expect(quoteIdent("a`b")).toBe("`a``b`");
    expect(stringLiteral("it's \\ ok\n")).toBe("'it\\'s \\\\ ok\\n'");
    expect(() => quoteIdent("a\u0000b")).toThrow(/control/);
  });

  it("renames a table within its own catalog and schema, quoted; refuses a name UC would not take", () => {
    expect(buildRenameTable(["c", "s", "old`x"], "new-1")).toBe(
      "ALTER TABLE `c`.`s`.`old``x` RENAME TO `c`.`s`.`new-1`",
    );
    expect(() => buildRenameTable(["c", "s", "t"], "other.t")).toThrow(/not a valid Unity Catalog name/);
    expect(() => buildRenameTable(["c", "s", "t"], "")).toThrow(/not a valid Unity Catalog name/);
  });

  it.each([
    ["BIGINT", "bigint"],
    ["Decimal( 10 , 2 )", "decimal(10,2)"],
    ["dec", "decimal(10,0)"],
    ["varchar(20)", "varchar(20)"],
    ["ARRAY<STRING>", "array<string>"],
    ["map<string,array<int>>", "map<string,array<int>>"],
    [
      "struct<a:int, `we ird`:string NOT NULL COMMENT 'x'>",
      "struct<a:int,`we ird`:string not null comment 'x'>",
    ],
    ["timestamp_ntz", "timestamp_ntz"],
  ])("accepts type %s", (src, canon) => {
    expect(canonicalSparkType(src)).toBe(canon);
  });

  it.each([
    "int); DROP TABLE x; --",
    "string COMMENT 'x'",
    "decimal(39,2)",
    "decimal(5,6)",
    "array<int",
    "map<string>",
    "struct<a int>",
    "varchar",
    "bigint /* hi */",
    "strin",
    "int, evil int",
  ])("rejects type %j", (src) => {
    expect(() => canonicalSparkType(src)).toThrow(
      expect.objectContaining({ code: "DBX_SQL_TYPE_INVALID", category: "invalid_input" }),
    );
  });

  it("rejects names UC forbids and partition columns that are not columns", () => {
    const base = {
      catalog: "c",
      schema: "s",
      table: "t",
      columns: [{ name: "a", type: "int" }],
      properties: {},
    };
    expect(() => buildCreateTable({ ...base, table: "a.b" })).toThrow(
      expect.objectContaining({ code: "DBX_UC_NAME_INVALID" }),
    );
    expect(() => buildCreateTable({ ...base, table: "a b" })).toThrow(
      expect.objectContaining({ code: "DBX_UC_NAME_INVALID" }),
    );
    expect(() => buildCreateTable({ ...base, partitionBy: ["b"] })).toThrow(
      expect.objectContaining({ code: "DBX_TABLE_PARTITION_INVALID" }),
    );
    expect(() => buildCreateTable({ ...base, columns: [] })).toThrow(
      expect.objectContaining({ code: "DBX_TABLE_NO_COLUMNS" }),
    );
  });
});

describe("SQL against the fake", () => {
  let fake: DatabricksFake | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  async function withSchema(fakeOpts = {}) {
    const r = await fakeWithClient(fakeOpts);
    fake = r.fake;
    const p = createDatabricksProviders(r.client, { pollMs: 5 });
    const c = ctx();
    await p.dbx_catalog.create(desired("dbx_catalog", "cat", {}), c);
    await p.dbx_schema.create(desired("dbx_schema", "sch", { catalog_name: "cat" }), c);
    const keep = desired("dbx_table", "keep_me", {
      catalog_name: "cat",
      schema_name: "sch",
      columns: [{ name: "id", type: "int" }],
      table_type: "MANAGED",
    });
    await p.dbx_table.create(keep, c);
    return { p, c, client: r.client, fake: r.fake };
  }

  const table = (
    name: string,
    columns: { name: string; type: string; comment?: string }[],
    comment?: string,
  ) =>
    desired("dbx_table", name, {
      catalog_name: "cat",
      schema_name: "sch",
      columns,
      table_type: "MANAGED",
      ...(comment !== undefined ? { comment } : {}),
    });

  it("hostile names and comments are quoted: the table gets exactly that name, nothing else happens", async () => {
    const { p, c, fake } = await withSchema();
    const hostileName = "x`);DROP`TABLE`keep_me;--'#";
    const created = await p.dbx_table.create(
      table(
        hostileName,
        [{ name: "a`_--'#DROP_TABLE_keep_me", type: "int", comment: "'); DROP TABLE keep_me; -- \\' /*" }],
        "c'; DROP TABLE keep_me; --",
      ),
      c,
    );
    expect(created.name).toBe(hostileName.toLowerCase());
    expect(fake.state.tables.has("cat.sch.keep_me")).toBe(true);
    const t = fake.state.tables.get(`cat.sch.${hostileName.toLowerCase()}`);
    expect(t?.columns?.[0]?.name).toBe("a`_--'#DROP_TABLE_keep_me");
    expect(t?.columns?.[0]?.comment).toBe("'); DROP TABLE keep_me; -- \\' /*");
    expect(t?.comment).toBe("c'; DROP TABLE keep_me; --");
    expect(fake.state.tables.size).toBe(2);

    // A column name with Delta's forbidden characters (space ; ( ) …) reaches the service quoted
    // and is refused there (no column mapping): nothing else happens either.
    await expect(
      p.dbx_table.create(table("t2", [{ name: "a`) ; DROP TABLE keep_me; --", type: "int" }]), c),
    ).rejects.toMatchObject({
      code: "DBX_SQL_FAILED",
      message: expect.stringContaining("DELTA_INVALID_CHARACTERS"),
    });
    expect(fake.state.tables.has("cat.sch.keep_me")).toBe(true);
    expect(fake.state.tables.size).toBe(2);
  });

  it("hostile types are rejected before anything is sent", async () => {
    const { p, c, fake } = await withSchema();
    const before = fake.state.statements.length;
    for (const type of [
      "int) ; DROP TABLE `cat`.`sch`.`keep_me`; --",
      "string COMMENT 'x') ; DROP TABLE keep_me --",
      "int /*",
      "map<string,int>>; DROP",
    ]) {
      await expect(p.dbx_table.create(table("t1", [{ name: "a", type }]), c)).rejects.toMatchObject({
        code: "DBX_SQL_TYPE_INVALID",
        outcome: "not_applied",
      });
    }
    await expect(
      p.dbx_table.create(table("bad.name", [{ name: "a", type: "int" }]), c),
    ).rejects.toMatchObject({ code: "DBX_UC_NAME_INVALID" });
    expect(fake.state.statements.length).toBe(before);
    expect(fake.state.tables.has("cat.sch.keep_me")).toBe(true);
  });

  it("a FAILED statement at HTTP 200 is an error; an existing foreign table is a conflict", async () => {
    const { p, client, fake } = await withSchema();
    await expect(
      executeStatement(
        client,
        fake.warehouseId,
        "CREATE TABLE `cat`.`sch`.`t` (a int); DROP TABLE `cat`.`sch`.`keep_me`",
      ),
    ).rejects.toMatchObject({
      code: "DBX_SQL_FAILED",
      outcome: "not_applied",
    });
    const st = fake.log.find(
      (r) => r.path === "/api/2.0/sql/statements" && r.body && JSON.stringify(r.body).includes("DROP"),
    );
    expect(st?.status).toBe(200);
    expect(fake.state.tables.has("cat.sch.keep_me")).toBe(true);
    await expect(
      p.dbx_table.create(table("keep_me", [{ name: "id", type: "int" }]), ctx({}, "other-stack")),
    ).rejects.toMatchObject({ category: "conflict" });
    fake.state.sqlFailures.push({
      match: /CREATE TABLE/,
      error_code: "INTERNAL_ERROR",
      message: "warehouse exploded",
    });
    await expect(p.dbx_table.create(table("t2", [{ name: "id", type: "int" }]), ctx())).rejects.toMatchObject(
      { code: "DBX_SQL_FAILED", message: expect.stringMatching(/warehouse exploded/) },
    );
    // Parent schema missing → not found.
    await expect(
      p.dbx_table.create(
        desired("dbx_table", "t3", {
          catalog_name: "cat",
          schema_name: "nope",
          columns: [{ name: "id", type: "int" }],
          table_type: "MANAGED",
        }),
        ctx(),
      ),
    ).rejects.toMatchObject({ category: "not_found" });
  });

  it("PENDING/RUNNING statements are polled until SUCCEEDED", async () => {
    const { p, c, fake } = await withSchema({ statementPolls: 3 });
    const created = await p.dbx_table.create(table("polled", [{ name: "id", type: "int" }]), c);
    expect(created.remoteId).toBe("cat.sch.polled");
    expect(
      fake.log.filter((r) => r.method === "GET" && r.path.startsWith("/api/2.0/sql/statements/")).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it("CLOSED is success (SDK: execution successful, result closed), inline and after polling", async () => {
    for (const statementPolls of [0, 2]) {
      const { p, c, fake } = await withSchema({ statementSuccessState: "CLOSED", statementPolls });
      const created = await p.dbx_table.create(table("closed_ok", [{ name: "id", type: "int" }]), c);
      expect(created.remoteId).toBe("cat.sch.closed_ok");
      const d = table("closed_ok", [{ name: "id", type: "int" }], "now commented");
      const updated = await p.dbx_table.update(d, created, c);
      expect(updated.properties.comment).toBe("now commented");
      const states = fake.log
        .filter((r) => r.path.startsWith("/api/2.0/sql/statements"))
        .map((r) => r.status);
      expect(states.every((s) => s === 200)).toBe(true);
      await fake.close();
    }
    fake = undefined;
  });

  it("a tag that would be a reserved table property (owner, location, …) is refused before any SQL", async () => {
    const { p, c, fake } = await withSchema();
    const sent = fake.state.statements.length;
    const d = { ...table("tagged", [{ name: "id", type: "int" }]), tags: { owner: "data-team" } };
    await expect(p.dbx_table.create(d, c)).rejects.toMatchObject({
      code: "DBX_TAG_INVALID",
      outcome: "not_applied",
    });
    expect(fake.state.statements.length).toBe(sent);
    const ok = await p.dbx_table.create({ ...d, tags: { Owner: "data-team" } }, c);
    expect(ok.tags).toEqual({ Owner: "data-team" });
  });

  it("a missing warehouse is reported before any SQL is sent", async () => {
    const r = await fakeWithClient();
    fake = r.fake;
    const { DatabricksClient } = await import("./client.js");
    const { resolveDatabricksConfig } = await import("./config.js");
    const { emptyHome } = await import("../../../test/fakes/databricks/harness.js");
    const noWh = new DatabricksClient(
      resolveDatabricksConfig({
        env: { DATABRICKS_HOST: r.fake.url, DATABRICKS_TOKEN: r.fake.token },
        homeDir: emptyHome(),
      }),
    );
    const p = createDatabricksProviders(noWh);
    await expect(p.dbx_table.create(table("t", [{ name: "id", type: "int" }]), ctx())).rejects.toMatchObject({
      code: "DBX_WAREHOUSE_MISSING",
    });
  });
});
