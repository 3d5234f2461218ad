/**
 * Provenance (who created an object, when, as Databricks reports it) and `principal` (who the
 * client acts as) in the same spelling — SCIM Me `userName`: a user's email, or a service
 * principal's application id (its OAuth client id). The engine uses the pair to claim an unmarked
 * object its own in-doubt create made.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, emptyHome } from "../../../test/fakes/databricks/harness.js";
import { type DatabricksFake, startDatabricksFake } from "../../../test/fakes/databricks/server.js";
import { TokenBucket } from "../../core/token-bucket.js";
import type { RemoteObject } from "../../engine/ports.js";
import { DatabricksClient } from "./client.js";
import { resolveDatabricksConfig } from "./config.js";
import { createDatabricksProviders } from "./index.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function clientFor(f: DatabricksFake, env: Record<string, string>) {
  return new DatabricksClient(
    resolveDatabricksConfig({
      env: { DATABRICKS_HOST: f.url, DATABRICKS_WAREHOUSE_ID: f.warehouseId, ...env },
      homeDir: emptyHome(),
    }),
    { bucket: new TokenBucket(1000), maxBackoffMs: 20 },
  );
}

async function everyType(client: DatabricksClient) {
  const p = createDatabricksProviders(client, { pollMs: 5 });
  const c0 = ctx();
  const cluster = await p.dbx_cluster.create(
    desired("dbx_cluster", "etl", {
      spark_version: "17.3.x-scala2.13",
      node_type_id: "i3.xlarge",
      num_workers: 1,
      autotermination_minutes: 30,
      cluster_type: "shared",
      data_security_mode: "USER_ISOLATION",
    }),
    c0,
  );
  const c = ctx({ "dbx_cluster.etl": cluster.remoteId });
  const job = await p.dbx_job.create(
    desired("dbx_job", "j", {
      cluster_ref: "dbx_cluster.etl",
      tasks: [{ task_key: "a" }],
      max_concurrent_runs: 1,
    }),
    c,
  );
  const cat = await p.dbx_catalog.create(desired("dbx_catalog", "cat", {}), c);
  const sch = await p.dbx_schema.create(desired("dbx_schema", "sch", { catalog_name: "cat" }), c);
  const vol = await p.dbx_volume.create(
    desired("dbx_volume", "vol", { catalog_name: "cat", schema_name: "sch", volume_type: "MANAGED" }),
    c,
  );
  const tbl = await p.dbx_table.create(
    desired("dbx_table", "t", {
      catalog_name: "cat",
      schema_name: "sch",
      columns: [{ name: "id", type: "int" }],
      table_type: "MANAGED",
    }),
    c,
  );
  const read: RemoteObject[] = [
    (await p.dbx_cluster.read(cluster.remoteId, c))!,
    (await p.dbx_job.lookup(
      desired("dbx_job", "j", { cluster_ref: "dbx_cluster.etl", tasks: [], max_concurrent_runs: 1 }),
      c,
    ))!,
    (await p.dbx_catalog.read(cat.remoteId, c))!,
    (await p.dbx_schema.read(sch.remoteId, c))!,
    (await p.dbx_volume.read(vol.remoteId, c))!,
    tbl,
  ];
  expect(read.map((r) => r.type)).toEqual([
    "dbx_cluster",
    "dbx_job",
    "dbx_catalog",
    "dbx_schema",
    "dbx_volume",
    "dbx_table",
  ]);
  expect(job.remoteId).toBeTruthy();
  return { p, c, read };
}

describe("provenance and principal", () => {
  it("a user's objects carry createdBy = the user's SCIM userName and a creation time", async () => {
    fake = await startDatabricksFake({ userName: "alice@example.com" });
    const client = clientFor(fake, { DATABRICKS_TOKEN: fake.token });
    const before = Date.now();
    const { p, c, read } = await everyType(client);
    for (const r of read) {
      expect(r.provenance?.createdBy, r.type).toBe("alice@example.com");
      const at = Date.parse(r.provenance?.createdAt ?? "");
      expect(at, r.type).toBeGreaterThanOrEqual(before - 1000);
      expect(at, r.type).toBeLessThanOrEqual(Date.now() + 1000);
    }
    for (const prov of Object.values(p)) expect(await prov.principal!(c)).toBe("alice@example.com");
    // one SCIM read per client, however many providers ask
    expect(fake.log.filter((r) => r.path === "/api/2.0/preview/scim/v2/Me")).toHaveLength(1);
  });

  it("a service principal (OAuth M2M) is named by its application id, on both sides", async () => {
    const appId = "9f0b6c1e-2d3a-4b5c-8d7e-6f5a4b3c2d1e";
    fake = await startDatabricksFake({ oauthClients: { [appId]: "s3cret" } });
    const client = clientFor(fake, { DATABRICKS_CLIENT_ID: appId, DATABRICKS_CLIENT_SECRET: "s3cret" });
    const { p, c, read } = await everyType(client);
    expect(await p.dbx_cluster.principal!(c)).toBe(appId);
    for (const r of read) expect(r.provenance?.createdBy, r.type).toBe(appId);
  });
});
