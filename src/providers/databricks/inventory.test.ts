/**
 * The Databricks inventory (inventory.ts) against the fake, with small server page lengths so every
 * list crosses page boundaries (the fake's `pageLengths`; tokens are opaque and checked): every
 * object with its tags and ownership, the same as read(), and the exact requests from the fake's log.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import type { ClusterProps, JobProps } from "../../core/resources.js";
import type { RemoteObject } from "../../engine/ports.js";
import { createDatabricksProviders } from "./index.js";
import { jobReferences } from "./inventory.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup() {
  const r = await fakeWithClient({ pageLengths: { uc: 2, clusters: 2, volumes: 2 } });
  fake = r.fake;
  return { fake: r.fake, client: r.client, p: createDatabricksProviders(r.client, { pollMs: 5 }) };
}

const clusterProps: ClusterProps = {
  spark_version: "15.4.x-scala2.12",
  node_type_id: "i3.xlarge",
  autoscale: { min_workers: 1, max_workers: 4 },
  autotermination_minutes: 30,
  cluster_type: "shared",
  data_security_mode: "USER_ISOLATION",
};

const mine = ctx();
const others = ctx({}, "other-stack");

/** Requests per `METHOD path` since the log was cleared. */
function calls(f: DatabricksFake): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of f.log) out[`${l.method} ${l.path}`] = (out[`${l.method} ${l.path}`] ?? 0) + 1;
  return out;
}

const byId = (list: RemoteObject[]) => Object.fromEntries(list.map((o) => [o.remoteId, o]));
const withoutStatus = ({ status: _s, ...o }: RemoteObject) => o;

describe("dbx_cluster inventory", () => {
  it("follows clusters/list pages; no per-cluster call", async () => {
    const { fake, client, p } = await setup();
    const a = await p.dbx_cluster.create(desired("dbx_cluster", "a", clusterProps), mine);
    const b = await p.dbx_cluster.create(desired("dbx_cluster", "b", clusterProps), mine);
    await p.dbx_cluster.archive(b, mine);
    const c = await p.dbx_cluster.create(desired("dbx_cluster", "c", clusterProps), others);
    for (const name of ["d", "e"])
      await client.request("POST", "/api/2.1/clusters/create", {
        body: {
          cluster_name: name,
          spark_version: "15.4.x-scala2.12",
          node_type_id: "i3.xlarge",
          num_workers: 1,
        },
      });
    fake.log.length = 0;

    const progress: number[] = [];
    const list = (await p.dbx_cluster.list?.(mine, { onProgress: (n) => progress.push(n) })) ?? [];
    expect(calls(fake)).toEqual({ "GET /api/2.1/clusters/list": 3 });
    expect(fake.log.map((l) => l.query.page_size)).toEqual(["100", "100", "100"]);
    expect(progress).toEqual([2, 4, 5]);

    const got = byId(list);
    expect(list.map((o) => o.name).sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(got[a.remoteId]).toMatchObject({
      ownership: { stackId: "stack-1", address: "dbx_cluster.a" },
      archived: false,
    });
    expect(got[a.remoteId]?.tags).toEqual({ env: "dev", cost_center: "data_1" });
    expect(got[b.remoteId]).toMatchObject({ ownership: { address: "dbx_cluster.b" }, archived: true });
    expect(got[c.remoteId]?.ownership).toEqual({ stackId: "other-stack", address: "dbx_cluster.c" });
    for (const o of list.filter((x) => ["d", "e"].includes(x.name)))
      expect(o).toMatchObject({ ownership: null, archived: false, tags: {} });
    for (const o of list)
      expect(withoutStatus(o)).toEqual(withoutStatus((await p.dbx_cluster.read(o.remoteId, mine))!));
  });
});

describe("dbx_job inventory", () => {
  const jobProps = (tasks: number, over: Partial<JobProps> = {}): JobProps => ({
    cluster_ref: "dbx_cluster.etl",
    tasks: Array.from({ length: tasks }, (_, i) => ({
      task_key: `t${i}`,
      notebook_task: { notebook_path: `/Repos/x/t${i}` },
    })),
    max_concurrent_runs: 1,
    ...over,
  });

  it("follows jobs/list pages with tasks, jobs/get only for a job cut at 100 tasks; cluster ids and tables", async () => {
    const { fake, client, p } = await setup();
    const cl = await p.dbx_cluster.create(desired("dbx_cluster", "etl", clusterProps), mine);
    const refs = ctx({ "dbx_cluster.etl": cl.remoteId });
    const small = await p.dbx_job.create(desired("dbx_job", "small", jobProps(2)), refs);
    const big = await p.dbx_job.create(desired("dbx_job", "big", jobProps(101)), refs);
    const other = await p.dbx_job.create(
      desired("dbx_job", "other", jobProps(1)),
      ctx({ "dbx_cluster.etl": cl.remoteId }, "other-stack"),
    );
    // 200 jobs of someone else's, one triggered by table updates
    for (let i = 0; i < 200; i++)
      await client.request("POST", "/api/2.2/jobs/create", {
        body: {
          name: `foreign-${i}`,
          tasks: [
            { task_key: "x", existing_cluster_id: cl.remoteId, notebook_task: { notebook_path: "/x" } },
          ],
          ...(i === 0
            ? { trigger: { table_update: { table_names: ["main.sales.orders", "main.sales.refunds"] } } }
            : {}),
        },
      });
    fake.log.length = 0;

    const list = (await p.dbx_job.list?.(mine)) ?? [];
    // 203 jobs: 3 pages of 100; the 101-task job is cut in the list and read with 2 jobs/get pages
    expect(calls(fake)).toEqual({ "GET /api/2.2/jobs/list": 3, "GET /api/2.2/jobs/get": 2 });
    expect(fake.log.filter((l) => l.path.endsWith("/jobs/list")).map((l) => l.query)).toEqual(
      [0, 1, 2].map((i) =>
        expect.objectContaining({
          limit: "100",
          expand_tasks: "true",
          ...(i ? { page_token: expect.any(String) } : {}),
        }),
      ),
    );
    expect(list).toHaveLength(203);
    const got = byId(list);
    expect(got[small.remoteId]).toMatchObject({
      ownership: { stackId: "stack-1", address: "dbx_job.small" },
      archived: false,
      properties: { cluster_ids: [cl.remoteId], tables: [] },
    });
    expect(got[big.remoteId]?.properties.tasks as unknown[]).toHaveLength(101);
    expect(got[big.remoteId]?.properties.cluster_ids).toEqual([cl.remoteId]);
    expect(got[other.remoteId]?.ownership?.stackId).toBe("other-stack");
    const triggered = list.find((o) => o.name === "foreign-0");
    expect(triggered).toMatchObject({
      ownership: null,
      tags: {},
      properties: { cluster_ids: [cl.remoteId], tables: ["main.sales.orders", "main.sales.refunds"] },
    });
    // read() plus the two reference keys
    for (const o of [got[small.remoteId], got[big.remoteId], triggered] as RemoteObject[]) {
      const { cluster_ids: _c, tables: _t, ...props } = o.properties;
      expect({ ...o, properties: props }).toEqual(await p.dbx_job.read(o.remoteId, mine));
    }
  });

  it("names what tasks use: existing clusters (for_each too) and Power BI tables", () => {
    expect(
      jobReferences({
        tasks: [
          { task_key: "a", existing_cluster_id: "c1" },
          { task_key: "b", for_each_task: { task: { task_key: "i", existing_cluster_id: "c2" } } },
          { task_key: "c", new_cluster: {} },
          { task_key: "d", power_bi_task: { tables: [{ catalog: "m", schema: "s", name: "t" }] } },
        ],
        trigger: { table_update: { table_names: ["m.s.u"] } },
      }),
    ).toEqual({ cluster_ids: ["c1", "c2"], tables: ["m.s.t", "m.s.u"] });
  });
});

/** cat_a (ours: schemas s1 ours, s2 someone's), cat_b (ours, archived), cat_c (other stack), cat_d, cat_e (untagged). */
async function seedUc(
  client: Awaited<ReturnType<typeof setup>>["client"],
  p: Awaited<ReturnType<typeof setup>>["p"],
) {
  await p.dbx_catalog.create(desired("dbx_catalog", "cat_a", {}), mine);
  const b = await p.dbx_catalog.create(desired("dbx_catalog", "cat_b", {}), mine);
  await p.dbx_catalog.archive(b, mine);
  await p.dbx_catalog.create(desired("dbx_catalog", "cat_c", {}), others);
  await client.request("POST", "/api/2.1/unity-catalog/catalogs", { body: { name: "cat_d" } });
  await client.request("POST", "/api/2.1/unity-catalog/catalogs", {
    body: { name: "cat_e", properties: { team: "ops" } },
  });
  await p.dbx_schema.create(
    desired("dbx_schema", "s1", { catalog_name: "cat_a" }, { fullName: "cat_a.s1" }),
    mine,
  );
  await client.request("POST", "/api/2.1/unity-catalog/schemas", {
    body: { name: "s2", catalog_name: "cat_a" },
  });
}

describe("dbx_catalog and dbx_schema inventory", () => {
  it("follows catalog pages (max_results=0), one schemas list per catalog, all pages", async () => {
    const { fake, client, p } = await setup();
    await seedUc(client, p);
    fake.log.length = 0;

    const cats = (await p.dbx_catalog.list?.(mine)) ?? [];
    expect(calls(fake)).toEqual({ "GET /api/2.1/unity-catalog/catalogs": 3 });
    expect(fake.log.every((l) => l.query.max_results === "0")).toBe(true);
    const c = byId(cats);
    expect(Object.keys(c).sort()).toEqual(["cat_a", "cat_b", "cat_c", "cat_d", "cat_e"]);
    expect(c.cat_a).toMatchObject({
      ownership: { stackId: "stack-1", address: "dbx_catalog.cat_a" },
      archived: false,
    });
    expect(c.cat_b).toMatchObject({ ownership: { address: "dbx_catalog.cat_b" }, archived: true });
    expect(c.cat_c?.ownership?.stackId).toBe("other-stack");
    expect(c.cat_d).toMatchObject({ ownership: null, tags: {} });
    expect(c.cat_e).toMatchObject({ ownership: null, tags: { team: "ops" } });
    for (const o of cats) expect(o).toEqual(await p.dbx_catalog.read(o.remoteId, mine));

    fake.log.length = 0;
    const schemas = (await p.dbx_schema.list?.(mine)) ?? [];
    // catalogs: 3 pages; schemas: cat_a has 4 (2 pages), the others 2 each (1 page)
    expect(calls(fake)).toEqual({
      "GET /api/2.1/unity-catalog/catalogs": 3,
      "GET /api/2.1/unity-catalog/schemas": 6,
    });
    expect(schemas).toHaveLength(12);
    const s = byId(schemas);
    expect(s["cat_a.s1"]).toMatchObject({
      ownership: { address: "dbx_schema.s1" },
      properties: { catalog_name: "cat_a" },
    });
    expect(s["cat_a.s2"]).toMatchObject({ ownership: null, tags: {} });
    expect(s["cat_e.default"]).toMatchObject({ ownership: null });
    for (const o of schemas) expect(o).toEqual(await p.dbx_schema.read(o.remoteId, mine));
  });

  it("refuses a page token the fake never issued, and a negative max_results (SDK model docs)", async () => {
    const { client } = await setup();
    await expect(
      client.request("GET", "/api/2.1/unity-catalog/catalogs", {
        query: { max_results: 0, page_token: "42" },
      }),
    ).rejects.toMatchObject({ category: "invalid_input" });
    await expect(
      client.request("GET", "/api/2.1/unity-catalog/catalogs", { query: { max_results: -1 } }),
    ).rejects.toMatchObject({ category: "invalid_input" });
  });
});

describe("dbx_table and dbx_volume inventory", () => {
  it("one tables list per schema (all pages), tags from properties, storage_location", async () => {
    const { fake, client, p } = await setup();
    await seedUc(client, p);
    const table = (name: string) =>
      desired(
        "dbx_table",
        name,
        {
          catalog_name: "cat_a",
          schema_name: "s1",
          columns: [{ name: "id", type: "BIGINT" }],
          table_type: "MANAGED",
        },
        { fullName: `cat_a.s1.${name}` },
      );
    await p.dbx_table.create(table("t1"), mine);
    const t2 = await p.dbx_table.create(table("t2"), mine);
    await p.dbx_table.archive(t2, mine);
    await p.dbx_table.create(table("t3"), others);
    for (const name of ["f1", "f2"])
      await client.request("POST", "/api/2.0/sql/statements", {
        body: {
          warehouse_id: fake.warehouseId,
          statement: `CREATE TABLE \`cat_a\`.\`s1\`.\`${name}\` (id BIGINT)`,
          wait_timeout: "30s",
        },
      });
    fake.log.length = 0;

    const list = (await p.dbx_table.list?.(mine)) ?? [];
    // catalogs 3 pages, schemas 6 lists, tables: cat_a.s1 3 pages + 11 other schemas 1 each
    expect(calls(fake)).toEqual({
      "GET /api/2.1/unity-catalog/catalogs": 3,
      "GET /api/2.1/unity-catalog/schemas": 6,
      "GET /api/2.1/unity-catalog/tables": 14,
    });
    const got = byId(list);
    expect(Object.keys(got).sort()).toEqual([
      "cat_a.s1.f1",
      "cat_a.s1.f2",
      "cat_a.s1.t1",
      "cat_a.s1.t2",
      "cat_a.s1.t3",
    ]);
    expect(got["cat_a.s1.t1"]).toMatchObject({
      ownership: { stackId: "stack-1", address: "dbx_table.t1" },
      archived: false,
      tags: { env: "dev", cost_center: "data_1" },
    });
    expect(got["cat_a.s1.t2"]?.archived).toBe(true);
    expect(got["cat_a.s1.t3"]?.ownership?.stackId).toBe("other-stack");
    expect(got["cat_a.s1.f1"]).toMatchObject({ ownership: null, archived: false, tags: {} });
    for (const o of list) {
      const { storage_location, ...props } = o.properties;
      expect(storage_location).toBe(fake.state.tables.get(o.remoteId)?.storage_location);
      expect(storage_location).toMatch(/^s3:\/\//);
      expect({ ...o, properties: props }).toEqual(await p.dbx_table.read(o.remoteId, mine));
    }
  });

  it("one volumes list per schema (all pages) and one tag list per volume", async () => {
    const { fake, client, p } = await setup();
    await seedUc(client, p);
    const vol = (name: string) =>
      desired(
        "dbx_volume",
        name,
        { catalog_name: "cat_a", schema_name: "s1", volume_type: "MANAGED" },
        {
          fullName: `cat_a.s1.${name}`,
        },
      );
    await p.dbx_volume.create(vol("v1"), mine);
    const v2 = await p.dbx_volume.create(vol("v2"), mine);
    await p.dbx_volume.archive(v2, mine);
    await p.dbx_volume.create(vol("v3"), others);
    await client.request("POST", "/api/2.1/unity-catalog/volumes", {
      body: { catalog_name: "cat_a", schema_name: "s1", name: "f1", volume_type: "MANAGED" },
    });
    await client.request("POST", "/api/2.1/unity-catalog/volumes", {
      body: {
        catalog_name: "cat_a",
        schema_name: "s1",
        name: "f2",
        volume_type: "EXTERNAL",
        storage_location: "s3://landing/f2",
      },
    });
    fake.log.length = 0;

    const list = (await p.dbx_volume.list?.(mine)) ?? [];
    const tagCalls = Object.entries(calls(fake)).filter(([k]) =>
      k.includes("/entity-tag-assignments/volumes/"),
    );
    expect(tagCalls.map(([k, n]) => [k.split("/volumes/")[1], n]).sort()).toEqual(
      ["f1", "f2", "v1", "v2", "v3"].map((n) => [`cat_a.s1.${n}/tags`, 1]),
    );
    expect(
      Object.fromEntries(Object.entries(calls(fake)).filter(([k]) => !k.includes("entity-tag"))),
    ).toEqual({
      "GET /api/2.1/unity-catalog/catalogs": 3,
      "GET /api/2.1/unity-catalog/schemas": 6,
      "GET /api/2.1/unity-catalog/volumes": 14,
    });
    const got = byId(list);
    expect(Object.keys(got).sort()).toEqual([
      "cat_a.s1.f1",
      "cat_a.s1.f2",
      "cat_a.s1.v1",
      "cat_a.s1.v2",
      "cat_a.s1.v3",
    ]);
    expect(got["cat_a.s1.v1"]).toMatchObject({
      ownership: { stackId: "stack-1", address: "dbx_volume.v1" },
      archived: false,
      tags: { env: "dev", cost_center: "data_1" },
    });
    expect(got["cat_a.s1.v2"]?.archived).toBe(true);
    expect(got["cat_a.s1.v3"]?.ownership?.stackId).toBe("other-stack");
    expect(got["cat_a.s1.f1"]).toMatchObject({ ownership: null, tags: {} });
    expect(got["cat_a.s1.f2"]?.properties.storage_location).toBe("s3://landing/f2");
    expect(got["cat_a.s1.v1"]?.properties.storage_location).toMatch(/^s3:\/\/fake-metastore\/volumes\//);
    for (const o of list) {
      const { storage_location: _l, ...props } = o.properties;
      const r = (await p.dbx_volume.read(o.remoteId, mine))!;
      const { storage_location: _r, ...rprops } = r.properties;
      expect({ ...o, properties: props }).toEqual({ ...r, properties: rprops });
    }
  });
});

describe("read-only", () => {
  it("every list sends GET only", async () => {
    const { fake, client, p } = await setup();
    await seedUc(client, p);
    fake.log.length = 0;
    for (const t of [
      "dbx_cluster",
      "dbx_job",
      "dbx_catalog",
      "dbx_schema",
      "dbx_table",
      "dbx_volume",
    ] as const)
      await p[t].list?.(mine);
    expect(fake.log.length).toBeGreaterThan(0);
    expect(fake.log.filter((l) => l.method !== "GET")).toEqual([]);
  });
});
