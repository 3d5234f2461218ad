/**
 * Marker first: the ownership markers travel in the create call itself, so an object whose create
 * answer is lost is never unmarked (crash consistency: lookup by name + marker finds it). Asserted
 * on the request bodies the fake received. Volumes are the exception: a volume has no properties,
 * its markers are tag assignments written right after the create (volume-provider.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import { createDatabricksProviders } from "./index.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const markers = (address: string) => ({ dpn_stack: "stack-1", dpn_address: address });
const bodyOf = (f: DatabricksFake, method: string, path: string) =>
  f.log.find((r) => r.method === method && r.path === path)?.body as Record<string, unknown> | undefined;

describe("ownership markers are sent with the create call", () => {
  it("cluster custom_tags, job tags, catalog and schema properties, table TBLPROPERTIES", async () => {
    const r = await fakeWithClient();
    fake = r.fake;
    const p = createDatabricksProviders(r.client, { pollMs: 5 });
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
    expect(bodyOf(r.fake, "POST", "/api/2.1/clusters/create")?.custom_tags).toMatchObject(
      markers("dbx_cluster.etl"),
    );

    const c = ctx({ "dbx_cluster.etl": cluster.remoteId });
    await p.dbx_job.create(
      desired("dbx_job", "j", {
        cluster_ref: "dbx_cluster.etl",
        tasks: [{ task_key: "a" }],
        max_concurrent_runs: 1,
      }),
      c,
    );
    expect(bodyOf(r.fake, "POST", "/api/2.2/jobs/create")?.tags).toMatchObject(markers("dbx_job.j"));

    await p.dbx_catalog.create(desired("dbx_catalog", "cat", {}), c);
    expect(bodyOf(r.fake, "POST", "/api/2.1/unity-catalog/catalogs")?.properties).toMatchObject(
      markers("dbx_catalog.cat"),
    );
    await p.dbx_schema.create(desired("dbx_schema", "sch", { catalog_name: "cat" }), c);
    expect(bodyOf(r.fake, "POST", "/api/2.1/unity-catalog/schemas")?.properties).toMatchObject(
      markers("dbx_schema.sch"),
    );

    await p.dbx_table.create(
      desired("dbx_table", "t", {
        catalog_name: "cat",
        schema_name: "sch",
        columns: [{ name: "id", type: "int" }],
        table_type: "fact",
      }),
      c,
    );
    const create = r.fake.state.statements.find((s) => s.startsWith("CREATE TABLE")) ?? "";
    expect(create).toMatch(/TBLPROPERTIES \(.*'dpn_stack' = 'stack-1'/s);
    expect(create).toMatch(/'dpn_address' = 'dbx_table\.t'/);
    // one statement: no ALTER was needed to mark the table
    expect(r.fake.state.statements).toHaveLength(1);
  });
});
