import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import { ProviderError } from "../../core/errors.js";
import type { ClusterProps, JobProps } from "../../core/resources.js";
import { createDatabricksProviders } from "./index.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(fakeOpts = {}, providerOpts = {}) {
  const r = await fakeWithClient(fakeOpts);
  fake = r.fake;
  return {
    fake: r.fake,
    client: r.client,
    p: createDatabricksProviders(r.client, { pollMs: 5, ...providerOpts }),
  };
}

const clusterProps: ClusterProps = {
  spark_version: "15.4.x-scala2.12",
  node_type_id: "i3.xlarge",
  autoscale: { min_workers: 1, max_workers: 4 },
  autotermination_minutes: 30,
  cluster_type: "shared",
  data_security_mode: "USER_ISOLATION",
};

describe("dbx_cluster", () => {
  it("creates, reads, updates, reverts, archives, restores and deletes", async () => {
    const { fake, p } = await setup();
    const c = ctx();
    const d = desired("dbx_cluster", "dp-main-dev-etl", clusterProps);
    expect(await p.dbx_cluster.lookup(d, c)).toBeNull();
    const created = await p.dbx_cluster.create(d, c);
    expect(created.status).toBe("PENDING");
    expect(created.ownership).toEqual({ stackId: "stack-1", address: "dbx_cluster.dp-main-dev-etl" });
    // On the wire markers and tags are spelt as written: `_` is a valid cluster tag character.
    const wire = fake.state.clusters.get(created.remoteId)?.details.custom_tags ?? {};
    expect(wire).toEqual({
      env: "dev",
      cost_center: "data_1",
      dpn_stack: "stack-1",
      dpn_address: "dbx_cluster.dp-main-dev-etl",
    });
    const body = fake.log.find((r) => r.path === "/api/2.1/clusters/create")?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      cluster_name: "dp-main-dev-etl",
      autoscale: { min_workers: 1, max_workers: 4 },
      data_security_mode: "USER_ISOLATION",
    });

    const found = await p.dbx_cluster.lookup(d, c);
    expect(found?.remoteId).toBe(created.remoteId);
    expect(found?.tags).toEqual({ env: "dev", cost_center: "data_1" });
    expect(p.dbx_cluster.diff(d, found!)).toEqual([]);

    // Another stack's cluster with the same name is not ours.
    expect(await p.dbx_cluster.lookup(d, ctx({}, "other-stack"))).toBeNull();

    const d2 = desired("dbx_cluster", "dp-main-dev-etl", {
      ...clusterProps,
      autoscale: undefined,
      num_workers: 0,
      autotermination_minutes: 60,
    });
    const changes = p.dbx_cluster.diff(d2, found!).map((x) => x.field);
    expect(changes).toEqual(expect.arrayContaining(["autoscale", "num_workers", "autotermination_minutes"]));
    const before = (await p.dbx_cluster.read(created.remoteId, c))!;
    const updated = await p.dbx_cluster.update(d2, before, c); // PENDING → waits for RUNNING, then edits
    expect(updated.properties).toMatchObject({ num_workers: 0, autotermination_minutes: 60 });
    expect(updated.properties.autoscale).toBeUndefined();
    expect(p.dbx_cluster.diff(d2, updated)).toEqual([]);
    // Unmanaged server-side settings survive the edit.
    expect(fake.state.clusters.get(created.remoteId)?.details.aws_attributes?.availability).toBe(
      "SPOT_WITH_FALLBACK",
    );

    const reverted = await p.dbx_cluster.revert(before, c);
    expect(p.dbx_cluster.diff(d, reverted)).toEqual([]);

    const archived = await p.dbx_cluster.archive(reverted, c);
    expect(archived.archived).toBe(true);
    expect(archived.status).toBe("TERMINATED");
    expect(fake.log.some((r) => r.path === "/api/2.1/clusters/delete")).toBe(true);
    const again = await p.dbx_cluster.archive(archived, c);
    expect(again.archived).toBe(true);

    const restored = await p.dbx_cluster.restore(archived, c);
    expect(restored.archived).toBe(false);
    expect(restored.status).toBe("TERMINATED"); // not started unless asked
    expect(fake.log.some((r) => r.path === "/api/2.1/clusters/start")).toBe(false);
    expect(restored.tags).toEqual({ env: "dev", cost_center: "data_1" });

    await p.dbx_cluster.delete(restored, c);
    expect(fake.state.clusters.has(created.remoteId)).toBe(false);
    await p.dbx_cluster.delete(restored, c); // idempotent
    expect(await p.dbx_cluster.read(created.remoteId, c)).toBeNull(); // 400 "does not exist" → null
  });

  it("rolls back a PENDING cluster and starts on restore when asked", async () => {
    const { fake, p } = await setup({ clusterGetsUntilRunning: 1000 }, { startOnRestore: true });
    const c = ctx();
    const created = await p.dbx_cluster.create(desired("dbx_cluster", "pending-one", clusterProps), c);
    expect(fake.state.clusters.get(created.remoteId)?.details.state).toBe("PENDING");
    await p.dbx_cluster.delete(created, c);
    expect(fake.state.clusters.size).toBe(0);

    const { p: p2, fake: f2 } = await setup({}, { startOnRestore: true });
    const c2 = await p2.dbx_cluster.create(desired("dbx_cluster", "restartable", clusterProps), c);
    const a = await p2.dbx_cluster.archive(c2, c);
    const r = await p2.dbx_cluster.restore(a, c);
    expect(f2.log.some((x) => x.path === "/api/2.1/clusters/start")).toBe(true);
    expect(r.status).toBe("PENDING");
    await f2.close();
  });

  it("waits for RUNNING when asked and rejects reserved tags before sending", async () => {
    const { fake, p } = await setup({ clusterGetsUntilRunning: 2 }, { waitForClusters: true });
    const created = await p.dbx_cluster.create(desired("dbx_cluster", "waited", clusterProps), ctx());
    expect(created.status).toBe("RUNNING");
    const bad = desired("dbx_cluster", "bad", clusterProps, { tags: { Name: "x" } });
    await expect(p.dbx_cluster.create(bad, ctx())).rejects.toMatchObject({
      code: "DBX_TAG_INVALID",
      outcome: "not_applied",
    });
    const tooMany = desired("dbx_cluster", "many", clusterProps, {
      tags: Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`k${i}`, "v"])),
    });
    await expect(p.dbx_cluster.create(tooMany, ctx())).rejects.toMatchObject({ code: "DBX_TAG_INVALID" });
    expect(fake.log.filter((r) => r.path === "/api/2.1/clusters/create")).toHaveLength(1);
  });

  it("reports outcome unknown when the create response is lost, and lookup finds the cluster", async () => {
    const { fake, p } = await setup();
    fake.faults.add({ route: "POST /api/2.1/clusters/create", afterHandler: true, destroySocket: true });
    const d = desired("dbx_cluster", "lost-response", clusterProps);
    const err = await p.dbx_cluster.create(d, ctx()).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.outcome).toBe("unknown");
    // Never re-sent blindly.
    expect(fake.log.filter((r) => r.path === "/api/2.1/clusters/create")).toHaveLength(1);
    const found = await p.dbx_cluster.lookup(d, ctx());
    expect(found?.name).toBe("lost-response");
  });
});

describe("dbx_job", () => {
  const jobProps = (over: Partial<JobProps> = {}): JobProps => ({
    cluster_ref: "dbx_cluster.etl",
    tasks: [{ task_key: "ingest", notebook_task: { notebook_path: "/Repos/x/ingest" } }],
    schedule: { quartz_cron_expression: "0 0 2 * * ?", timezone_id: "UTC" },
    max_concurrent_runs: 1,
    ...over,
  });

  it("full lifecycle with int64 ids beyond 2^53, duplicates by name and exact revert", async () => {
    const { fake, p } = await setup({ firstJobId: 2n ** 53n + 1n });
    const cl = await p.dbx_cluster.create(desired("dbx_cluster", "etl", clusterProps), ctx());
    const c = ctx({ "dbx_cluster.etl": cl.remoteId });
    const d = desired("dbx_job", "nightly", jobProps());

    // A foreign job with the same name exists: names are not unique.
    const foreign = await p.dbx_job.create(d, ctx({ "dbx_cluster.etl": cl.remoteId }, "someone-else"));
    expect(foreign.remoteId).toBe("9007199254740993");
    expect(await p.dbx_job.lookup(d, c)).toBeNull();

    const created = await p.dbx_job.create(d, c);
    expect(created.remoteId).toBe("9007199254740994"); // exact, not rounded to ...992/...996
    expect(fake.state.jobs.has("9007199254740994")).toBe(true);
    const task = fake.state.jobs.get(created.remoteId)?.settings.tasks?.[0];
    expect(task?.existing_cluster_id).toBe(cl.remoteId);
    expect((task as unknown as Record<string, unknown>).existing_cluster_ref).toBeUndefined();

    const read = await p.dbx_job.read(created.remoteId, c);
    expect(read?.remoteId).toBe("9007199254740994");
    expect(read?.properties.schedule).toMatchObject({ pause_status: "UNPAUSED" });
    const looked = await p.dbx_job.lookup(d, c);
    expect(looked?.remoteId).toBe(created.remoteId);
    expect(p.dbx_job.diff(d, looked!)).toEqual([]);

    const d2 = desired(
      "dbx_job",
      "nightly",
      jobProps({
        max_concurrent_runs: 3,
        tasks: [...jobProps().tasks, { task_key: "publish", depends_on: [{ task_key: "ingest" }] }],
      }),
    );
    expect(
      p.dbx_job
        .diff(d2, looked!)
        .map((x) => x.field)
        .sort(),
    ).toEqual(["max_concurrent_runs", "tasks"]);
    const updated = await p.dbx_job.update(d2, looked!, c);
    expect(fake.log.some((r) => r.path === "/api/2.2/jobs/reset")).toBe(true);
    expect(p.dbx_job.diff(d2, updated)).toEqual([]);
    expect(fake.state.jobs.get(created.remoteId)?.settings.tasks).toHaveLength(2);
    expect(fake.state.jobs.get(created.remoteId)?.settings.tasks?.[1]?.existing_cluster_id).toBe(cl.remoteId);

    await p.dbx_job.revert(looked!, c);
    const afterRevert = await p.dbx_job.read(created.remoteId, c);
    expect(p.dbx_job.diff(d, afterRevert!)).toEqual([]);

    const archived = await p.dbx_job.archive(afterRevert!, c);
    expect(archived.archived).toBe(true);
    expect(fake.state.jobs.get(created.remoteId)?.settings.schedule?.pause_status).toBe("PAUSED");
    expect(p.dbx_job.diff(d, archived)).toEqual([]); // paused by archive is not drift
    const restored = await p.dbx_job.restore(archived, c);
    expect(restored.archived).toBe(false);
    expect(fake.state.jobs.get(created.remoteId)?.settings.schedule?.pause_status).toBe("UNPAUSED");

    await p.dbx_job.delete(restored, c);
    await p.dbx_job.delete(restored, c);
    expect(await p.dbx_job.read(created.remoteId, c)).toBeNull();
    expect(fake.state.jobs.has(foreign.remoteId)).toBe(true);
    // The request bodies carried the id as a bare JSON number (the fake rejects quoted ids).
    expect(
      fake.log
        .filter((r) => r.path === "/api/2.2/jobs/delete")
        .every((r) => r.status === 200 || r.status === 400),
    ).toBe(true);
  });

  it("restore keeps a schedule that was paused before archive paused", async () => {
    const { fake, p } = await setup();
    const cl = await p.dbx_cluster.create(desired("dbx_cluster", "etl", clusterProps), ctx());
    const c = ctx({ "dbx_cluster.etl": cl.remoteId });
    const d = desired(
      "dbx_job",
      "paused",
      jobProps({
        schedule: { quartz_cron_expression: "0 0 2 * * ?", timezone_id: "UTC", pause_status: "PAUSED" },
      }),
    );
    const created = await p.dbx_job.create(d, c);
    const restored = await p.dbx_job.restore(await p.dbx_job.archive(created, c), c);
    expect(restored.archived).toBe(false);
    expect(fake.state.jobs.get(created.remoteId)?.settings.schedule?.pause_status).toBe("PAUSED");
  });

  it("refuses an unresolved cluster ref without calling the API, and 404-style not found reads null", async () => {
    const { fake, p } = await setup({ notFoundStyle: "404" });
    const err = await p.dbx_job.create(desired("dbx_job", "x", jobProps()), ctx()).catch((e) => e);
    expect(err).toMatchObject({ code: "DBX_REF_UNRESOLVED", outcome: "not_applied" });
    expect(fake.log.some((r) => r.path.includes("jobs/create"))).toBe(false);
    expect(await p.dbx_job.read("123", ctx())).toBeNull();
    expect(await p.dbx_cluster.read("nope", ctx())).toBeNull();
  });
});

describe("Unity Catalog", () => {
  it("catalog → schema → volume → table lifecycle with markers, archive, restore, delete", async () => {
    const { fake, p } = await setup();
    const c = ctx();
    const cat = desired("dbx_catalog", "Main_Dev", { comment: "main" });
    const createdCat = await p.dbx_catalog.create(cat, c);
    expect(createdCat.remoteId).toBe("main_dev"); // UC lower-cases
    expect(createdCat.ownership?.address).toBe("dbx_catalog.Main_Dev");
    expect(fake.state.catalogs.get("main_dev")?.properties).toMatchObject({
      dpn_stack: "stack-1",
      env: "dev",
    });
    expect((await p.dbx_catalog.lookup(cat, c))?.remoteId).toBe("main_dev");
    expect(p.dbx_catalog.diff(cat, createdCat)).toEqual([]);

    // Re-create after a lost response: adopt-if-ours; someone else's → conflict.
    expect((await p.dbx_catalog.create(cat, c)).remoteId).toBe("main_dev");
    await expect(p.dbx_catalog.create(cat, ctx({}, "other"))).rejects.toMatchObject({ category: "conflict" });

    const sch = desired(
      "dbx_schema",
      "sales",
      { catalog_name: "main_dev", comment: "s" },
      { fullName: "main_dev.sales" },
    );
    const createdSch = await p.dbx_schema.create(sch, c);
    expect(createdSch.remoteId).toBe("main_dev.sales");
    await expect(
      p.dbx_schema.create(desired("dbx_schema", "x", { catalog_name: "nope" }), c),
    ).rejects.toMatchObject({ category: "not_found" });

    const vol = desired(
      "dbx_volume",
      "Landing",
      { catalog_name: "main_dev", schema_name: "sales", volume_type: "MANAGED", comment: "raw" },
      { tags: { "cost-center": "a.b" } },
    );
    const createdVol = await p.dbx_volume.create(vol, c);
    expect(createdVol.remoteId).toBe("main_dev.sales.landing");
    expect(createdVol.tags).toEqual({ "cost-center": "a.b" });
    expect([...(fake.state.tags.get("volumes/main_dev.sales.landing")?.keys() ?? [])].sort()).toEqual([
      "cost~2Dcenter",
      "dpn_address",
      "dpn_stack",
    ]);
    const readVol = await p.dbx_volume.lookup(vol, c);
    expect(readVol?.ownership?.stackId).toBe("stack-1");
    expect(p.dbx_volume.diff(vol, readVol!)).toEqual([]);

    const tbl = desired(
      "dbx_table",
      "fact_orders",
      {
        catalog_name: "main_dev",
        schema_name: "sales",
        columns: [
          { name: "order_id", type: "BIGINT", comment: "id" },
          { name: "amount", type: "DECIMAL(10, 2)" },
          { name: "items", type: "array<struct<sku:string,qty:int>>" },
          { name: "order_date", type: "date" },
        ],
        comment: "Orders",
        partition_by: ["order_date"],
        table_type: "MANAGED",
      },
      { fullName: "main_dev.sales.fact_orders" },
    );
    const createdTbl = await p.dbx_table.create(tbl, c);
    expect(createdTbl.remoteId).toBe("main_dev.sales.fact_orders");
    expect(createdTbl.ownership?.address).toBe("dbx_table.fact_orders");
    expect(createdTbl.tags).toEqual({ env: "dev", cost_center: "data_1" }); // delta.* hidden
    expect(p.dbx_table.diff(tbl, createdTbl)).toEqual([]);
    expect(fake.state.statements[0]).toMatch(/^CREATE TABLE `main_dev`\.`sales`\.`fact_orders` \(/);

    // Update comment + tags; revert puts them back.
    const tbl2 = { ...tbl, tags: { env: "prd" }, properties: { ...tbl.properties, comment: "Orders v2" } };
    const upd = await p.dbx_table.update(tbl2, createdTbl, c);
    expect(upd.tags).toEqual({ env: "prd" });
    expect(upd.properties.comment).toBe("Orders v2");
    expect(upd.ownership?.stackId).toBe("stack-1");
    const rev = await p.dbx_table.revert(createdTbl, c);
    expect(p.dbx_table.diff(tbl, rev)).toEqual([]);
    // Column changes are not made in place.
    const tbl3 = {
      ...tbl,
      properties: { ...tbl.properties, columns: [{ name: "order_id", type: "string" }] },
    };
    await expect(p.dbx_table.update(tbl3, rev, c)).rejects.toMatchObject({
      code: "DBX_REPLACE_REQUIRED",
      outcome: "not_applied",
    });

    // Archive/restore on every UC type.
    for (const [prov, obj] of [
      [p.dbx_catalog, createdCat],
      [p.dbx_schema, createdSch],
      [p.dbx_volume, createdVol],
      [p.dbx_table, rev],
    ] as const) {
      const a = await (prov as typeof p.dbx_catalog).archive(obj, c);
      expect(a.archived).toBe(true);
      expect((await (prov as typeof p.dbx_catalog).archive(a, c)).archived).toBe(true);
      const r = await (prov as typeof p.dbx_catalog).restore(a, c);
      expect(r.archived).toBe(false);
      expect(r.ownership?.stackId).toBe("stack-1");
      expect(r.tags).toEqual(obj.tags);
    }

    // Schema with children refuses delete without force.
    await expect(p.dbx_schema.delete(createdSch, c)).rejects.toMatchObject({
      category: "conflict",
      code: "DBX_NOT_EMPTY",
    });
    await p.dbx_table.delete(createdTbl, c);
    await p.dbx_table.delete(createdTbl, c);
    expect(await p.dbx_table.read(createdTbl.remoteId, c)).toBeNull();
    await p.dbx_volume.delete(createdVol, c);
    expect(await p.dbx_volume.read(createdVol.remoteId, c)).toBeNull();
    await p.dbx_schema.delete(createdSch, c);
    expect(await p.dbx_schema.read("main_dev.sales", c)).toBeNull();
    // The catalog only holds the auto-created empty `default` schema: delete goes through.
    await p.dbx_catalog.delete(createdCat, c);
    expect(fake.state.catalogs.size).toBe(0);
    await p.dbx_catalog.delete(createdCat, c);
  });

  it("catalog delete refuses user schemas unless force", async () => {
    const { fake, p } = await setup();
    const c = ctx();
    const cat = await p.dbx_catalog.create(desired("dbx_catalog", "c1", {}), c);
    await p.dbx_schema.create(desired("dbx_schema", "s1", { catalog_name: "c1" }), c);
    await expect(p.dbx_catalog.delete(cat, c)).rejects.toMatchObject({ code: "DBX_NOT_EMPTY" });
    await p.dbx_catalog.delete(cat, c, { force: true });
    expect(fake.state.catalogs.size).toBe(0);
  });

  it("catalog/schema update sends the full properties map and revert restores it", async () => {
    const { fake, p } = await setup();
    const c = ctx();
    const d = desired("dbx_catalog", "c2", { comment: "one" }, { tags: { a: "1", b: "2" } });
    const created = await p.dbx_catalog.create(d, c);
    const d2 = desired("dbx_catalog", "c2", { comment: "two" }, { tags: { a: "9" } });
    expect(p.dbx_catalog.diff(d2, created).map((x) => x.field)).toEqual(["comment", "tags"]);
    const u = await p.dbx_catalog.update(d2, created, c);
    expect(u.tags).toEqual({ a: "9" });
    expect(fake.state.catalogs.get("c2")?.properties).toEqual({
      a: "9",
      dpn_stack: "stack-1",
      dpn_address: "dbx_catalog.c2",
    });
    const patch = fake.log.filter((r) => r.method === "PATCH").at(-1);
    expect(patch?.body).toMatchObject({ comment: "two" });
    const r = await p.dbx_catalog.revert(created, c);
    expect(r.tags).toEqual({ a: "1", b: "2" });
    expect(r.properties.comment).toBe("one");
    await expect(
      p.dbx_catalog.update(desired("dbx_catalog", "c2", { storage_root: "s3://x/y" }), r, c),
    ).rejects.toMatchObject({ code: "DBX_REPLACE_REQUIRED" });
  });

  it("volume create is all-or-nothing when tagging fails", async () => {
    const { fake, p } = await setup();
    const c = ctx();
    await p.dbx_catalog.create(desired("dbx_catalog", "c3", {}), c);
    await p.dbx_schema.create(desired("dbx_schema", "s", { catalog_name: "c3" }), c);
    fake.faults.add({
      route: "POST /api/2.1/unity-catalog/entity-tag-assignments",
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: "nope" },
    });
    const v = desired("dbx_volume", "v", { catalog_name: "c3", schema_name: "s", volume_type: "MANAGED" });
    await expect(p.dbx_volume.create(v, c)).rejects.toMatchObject({ outcome: "not_applied" });
    expect(fake.state.volumes.size).toBe(0);
  });
});
