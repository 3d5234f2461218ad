/**
 * Item 12: databricksPreflight checks credentials, the Unity Catalog metastore and the SQL
 * warehouse with reads only, before anything is written.
 */
import { afterEach, describe, expect, it } from "vitest";
import { emptyHome, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake, FakeOptions } from "../../../test/fakes/databricks/server.js";
import { DpnError } from "../../core/errors.js";
import type { ProvisionedType } from "../../core/resources.js";
import { DatabricksClient } from "./client.js";
import { resolveDatabricksConfig } from "./config.js";
import { databricksPreflight } from "./index.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(o: FakeOptions = {}) {
  const r = await fakeWithClient(o);
  fake = r.fake;
  return r;
}

const ALL: ProvisionedType[] = [
  "aws_s3_bucket",
  "dbx_cluster",
  "dbx_job",
  "dbx_catalog",
  "dbx_schema",
  "dbx_table",
  "dbx_volume",
];

async function failure(p: Promise<unknown>): Promise<DpnError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DpnError);
  return e as DpnError;
}

const writes = (f: DatabricksFake) => f.log.filter((r) => r.method !== "GET");

describe("databricksPreflight", () => {
  it("passes with credentials, a metastore and a running warehouse; reads only", async () => {
    const { fake, client } = await setup();
    await databricksPreflight(client, { types: ALL });
    expect(fake.log.map((r) => r.path)).toEqual([
      "/api/2.0/preview/scim/v2/Me",
      "/api/2.1/unity-catalog/current-metastore-assignment",
      `/api/2.0/sql/warehouses/${fake.warehouseId}`,
    ]);
    expect(writes(fake)).toEqual([]);
  });

  it("makes no request for a plan without Databricks types, and skips what the plan does not need", async () => {
    const { fake, client } = await setup({ metastore: false, warehouseState: null });
    await databricksPreflight(client, { types: ["aws_s3_bucket", "aws_glue_table"] });
    expect(fake.log).toEqual([]);
    await databricksPreflight(client, { types: ["dbx_cluster", "dbx_job"] }); // no UC, no table
    expect(fake.log.map((r) => r.path)).toEqual(["/api/2.0/preview/scim/v2/Me"]);
  });

  it("rejected credentials are an auth error (exit 4) before anything else is asked", async () => {
    const { fake } = await setup();
    const bad = new DatabricksClient(
      resolveDatabricksConfig({
        env: { DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: "dapi-wrong" },
        homeDir: emptyHome(),
      }),
    );
    const e = await failure(databricksPreflight(bad, { types: ALL }));
    expect(e).toMatchObject({ kind: "auth", code: "DBX_AUTH" });
    expect(e.exitCode).toBe(4);
    expect(e.hint).toMatch(/DATABRICKS_TOKEN/);
    expect(fake.log).toHaveLength(1);
  });

  it("no metastore: DBX_NO_METASTORE (exit 3) when the plan holds UC types", async () => {
    const { fake, client } = await setup({ metastore: false });
    const e = await failure(databricksPreflight(client, { types: ["dbx_catalog"] }));
    expect(e).toMatchObject({ kind: "validation", code: "DBX_NO_METASTORE" });
    expect(e.message).toContain(fake.url);
    expect(e.hint).toMatch(/metastore/);
  });

  it("warehouse: missing, unknown, deleted are refused with the value; STOPPED is usable", async () => {
    const first = await setup();
    const { client } = first;
    const noWh = new DatabricksClient(
      resolveDatabricksConfig({
        env: { DATABRICKS_HOST: first.fake.url, DATABRICKS_TOKEN: first.fake.token },
        homeDir: emptyHome(),
      }),
    );
    expect(await failure(databricksPreflight(noWh, { types: ["dbx_table"] }))).toMatchObject({
      kind: "validation",
      code: "DBX_WAREHOUSE_MISSING",
      hint: expect.stringMatching(/DATABRICKS_WAREHOUSE_ID/),
    });
    const unknown = await failure(
      databricksPreflight(client, { types: ["dbx_table"], warehouseId: "nope-123" }),
    );
    expect(unknown).toMatchObject({ kind: "validation", code: "DBX_WAREHOUSE_NOT_FOUND" });
    expect(unknown.message).toContain("nope-123");
    await first.fake.close();

    for (const [state, ok] of [
      ["STOPPED", true],
      ["STARTING", true],
      ["DELETED", false],
      ["DELETING", false],
    ] as const) {
      const r = await setup({ warehouseState: state });
      const run = databricksPreflight(r.client, { types: ["dbx_table"] });
      if (ok) await run;
      else expect(await failure(run)).toMatchObject({ code: "DBX_WAREHOUSE_UNUSABLE", details: { state } });
      await r.fake.close();
    }
  });

  it("a stopped warehouse really runs statements (the fake starts it, as Databricks does)", async () => {
    const { fake, client } = await setup({ warehouseState: "STOPPED" });
    const { executeStatement } = await import("./statements.js");
    await client.request("POST", "/api/2.1/unity-catalog/catalogs", { body: { name: "c" } });
    await client.request("POST", "/api/2.1/unity-catalog/schemas", {
      body: { name: "s", catalog_name: "c" },
    });
    await executeStatement(client, fake.warehouseId, "CREATE TABLE `c`.`s`.`t` (`id` INT)");
    const w = await client.request<{ state: string }>("GET", `/api/2.0/sql/warehouses/${fake.warehouseId}`);
    expect(w.state).toBe("RUNNING");
  });
});
