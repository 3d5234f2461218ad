/**
 * Item 8: Databricks keeps a terminated all-purpose cluster for 30 days unless it is pinned
 * (databricks-sdk-go service/compute/api.go, ClustersAPI doc). Archive pins, restore unpins only
 * what archive pinned (`dpn_prev_pin` marker), and the fake purges unpinned terminated clusters.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake, FakeOptions } from "../../../test/fakes/databricks/server.js";
import type { ClusterProps } from "../../core/resources.js";
import { createDatabricksProviders } from "./index.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const DAY = 24 * 3600 * 1000;
const props: ClusterProps = {
  spark_version: "15.4.x-scala2.12",
  node_type_id: "i3.xlarge",
  num_workers: 1,
  autotermination_minutes: 30,
  cluster_type: "shared",
  data_security_mode: "USER_ISOLATION",
};

async function setup(fakeOpts: FakeOptions = {}) {
  const r = await fakeWithClient(fakeOpts);
  fake = r.fake;
  let offset = 0;
  const f = r.fake;
  // dpn's clock follows the fake's, so age checks see the same time as the server.
  const advance = (ms: number) => {
    offset += ms;
    f.advanceTime(ms);
  };
  const p = createDatabricksProviders(r.client, { pollMs: 5, now: () => Date.now() + offset });
  return { fake: r.fake, client: r.client, p, advance };
}

describe("archived clusters are pinned", () => {
  it("an archived cluster survives the 30-day purge; an unpinned terminated one does not", async () => {
    const { fake, client, p, advance } = await setup();
    const c = ctx();
    const kept = await p.dbx_cluster.create(desired("dbx_cluster", "kept", props), c);
    const gone = await p.dbx_cluster.create(desired("dbx_cluster", "gone", props), c);
    const archived = await p.dbx_cluster.archive(kept, c);
    expect(archived).toMatchObject({ archived: true, status: "TERMINATED" });
    expect(fake.state.clusters.get(kept.remoteId)?.pinned).toBe(true);
    expect(fake.log.filter((r) => r.path === "/api/2.1/clusters/pin")).toHaveLength(1);
    expect(fake.state.clusters.get(kept.remoteId)?.details.custom_tags?.dpn_prev_pin).toBe("UNPINNED");
    await client.request("POST", "/api/2.1/clusters/delete", { body: { cluster_id: gone.remoteId } });
    await p.dbx_cluster.read(gone.remoteId, c); // TERMINATING → TERMINATED

    advance(29 * DAY);
    expect(await p.dbx_cluster.read(gone.remoteId, c)).not.toBeNull();
    advance(2 * DAY);
    expect(await p.dbx_cluster.read(gone.remoteId, c)).toBeNull();
    const listed = await client.request<{ clusters?: { cluster_id: string }[] }>(
      "GET",
      "/api/2.1/clusters/list",
    );
    expect(listed.clusters?.map((x) => x.cluster_id)).toEqual([kept.remoteId]);

    const found = await p.dbx_cluster.lookup(desired("dbx_cluster", "kept", props), c);
    expect(found).toMatchObject({ remoteId: kept.remoteId, archived: true });
    expect(await p.dbx_cluster.archive(found!, c)).toMatchObject({ archived: true }); // idempotent
    expect(fake.log.filter((r) => r.path === "/api/2.1/clusters/pin")).toHaveLength(1);

    // Terminated 31 days ago: unpinning would let Databricks drop it at once, so the pin stays.
    const restored = await p.dbx_cluster.restore(found!, c);
    expect(restored.archived).toBe(false);
    expect(fake.state.clusters.get(kept.remoteId)?.pinned).toBe(true);
    expect(fake.state.clusters.get(kept.remoteId)?.details.custom_tags).not.toHaveProperty("dpn_prev_pin");
    expect(await p.dbx_cluster.read(kept.remoteId, c)).not.toBeNull();
  });

  it("restore soon after archive unpins what archive pinned", async () => {
    const { fake, p, advance } = await setup();
    const c = ctx();
    const created = await p.dbx_cluster.create(desired("dbx_cluster", "short", props), c);
    const archived = await p.dbx_cluster.archive(created, c);
    advance(3 * DAY);
    const restored = await p.dbx_cluster.restore(archived, c);
    expect(restored.archived).toBe(false);
    expect(fake.state.clusters.get(created.remoteId)?.pinned).toBe(false);
    expect(fake.log.filter((r) => r.path === "/api/2.1/clusters/unpin")).toHaveLength(1);
    expect(fake.state.clusters.get(created.remoteId)?.details.custom_tags).not.toHaveProperty("dpn_prev_pin");
  });

  it("restore keeps a pin that was there before archive", async () => {
    const { fake, client, p } = await setup();
    const c = ctx();
    const created = await p.dbx_cluster.create(desired("dbx_cluster", "pinned-by-admin", props), c);
    await client.request("POST", "/api/2.1/clusters/pin", { body: { cluster_id: created.remoteId } });
    const archived = await p.dbx_cluster.archive(created, c);
    expect(fake.state.clusters.get(created.remoteId)?.details.custom_tags?.dpn_prev_pin).toBe("PINNED");
    await p.dbx_cluster.restore(archived, c);
    expect(fake.state.clusters.get(created.remoteId)?.pinned).toBe(true);
    expect(fake.log.some((r) => r.path === "/api/2.1/clusters/unpin")).toBe(false);
  });

  it("an archive interrupted before the pin is finished by the next archive", async () => {
    const { fake, p } = await setup();
    const c = ctx();
    const created = await p.dbx_cluster.create(desired("dbx_cluster", "half", props), c);
    fake.faults.add({ route: "POST /api/2.1/clusters/pin", destroySocket: true, times: 10 });
    await expect(p.dbx_cluster.archive(created, c)).rejects.toMatchObject({ outcome: "unknown" });
    expect(fake.state.clusters.get(created.remoteId)?.pinned).toBe(false);
    fake.faults.clear();
    const live = (await p.dbx_cluster.read(created.remoteId, c))!;
    expect(live.archived).toBe(true);
    await p.dbx_cluster.archive(live, c);
    expect(fake.state.clusters.get(created.remoteId)?.pinned).toBe(true);
    expect(fake.state.clusters.get(created.remoteId)?.details.custom_tags?.dpn_prev_pin).toBe("UNPINNED");
  });

  it("without workspace admin rights archive fails with a typed error and a hint", async () => {
    const { p } = await setup({ workspaceAdmin: false });
    const c = ctx();
    const created = await p.dbx_cluster.create(desired("dbx_cluster", "no-admin", props), c);
    const err = await p.dbx_cluster.archive(created, c).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DBX_CLUSTER_PIN_FAILED", outcome: "unknown" });
    expect((err as { hint?: string }).hint).toMatch(/workspace admin/);
  });
});
