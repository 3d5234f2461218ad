/**
 * Issue 9 item 11: `num_workers: 0` is a single-node cluster, which Databricks runs only with
 * Spark in local mode and the `ResourceClass: SingleNode` tag (databricks/cli
 * bundle/config/validate/single_node_cluster.go). Without them (0.2.0) the cluster has a driver
 * and no workers and cannot run Spark. dpn sends the configuration on create and edit, reads it
 * back as `single_node`, and removes its own keys when the cluster gets workers.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import type { ClusterProps } from "../../core/resources.js";
import { createDatabricksProviders } from "./index.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const single: ClusterProps = {
  spark_version: "15.4.x-scala2.12",
  node_type_id: "i3.xlarge",
  num_workers: 0,
  autotermination_minutes: 30,
  cluster_type: "dedicated",
  data_security_mode: "SINGLE_USER",
  single_user_name: "alice@example.com",
};

async function setup() {
  const r = await fakeWithClient();
  fake = r.fake;
  return { fake: r.fake, p: createDatabricksProviders(r.client, { pollMs: 5 }) };
}

const bodies = (f: DatabricksFake, path: string) =>
  f.log.filter((r) => r.path === path).map((r) => r.body as Record<string, unknown>);

describe("single-node clusters", () => {
  it("create sends local mode and the ResourceClass tag; the read-back is in sync and hides the tag", async () => {
    const { fake, p } = await setup();
    const c = ctx();
    const d = desired("dbx_cluster", "solo", single, { tags: { team: "data" } });
    const created = await p.dbx_cluster.create(d, c);
    const [body] = bodies(fake, "/api/2.1/clusters/create");
    expect(body?.num_workers).toBe(0);
    expect(body?.spark_conf).toEqual({
      "spark.databricks.cluster.profile": "singleNode",
      "spark.master": "local[*]",
    });
    expect((body?.custom_tags as Record<string, string> | undefined)?.ResourceClass).toBe("SingleNode");
    const live = (await p.dbx_cluster.read(created.remoteId, c))!;
    expect(live.properties.single_node).toBe(true);
    expect(live.tags).toEqual({ team: "data" });
    expect(p.dbx_cluster.diff(d, live)).toEqual([]);
  });

  it("a 0-worker cluster without the configuration is drift, and an update puts it in place", async () => {
    const { fake, p } = await setup();
    const c = ctx();
    const d = desired("dbx_cluster", "solo", single);
    const created = await p.dbx_cluster.create(d, c);
    // someone strips the configuration (or 0.2.0 created it without)
    const details = fake.state.clusters.get(created.remoteId)!.details;
    details.spark_conf = {};
    if (details.spec) details.spec.spark_conf = {};
    delete details.custom_tags?.ResourceClass;
    const live = (await p.dbx_cluster.read(created.remoteId, c))!;
    expect(p.dbx_cluster.diff(d, live)).toEqual([{ field: "single_node", before: false, after: true }]);
    const fixed = await p.dbx_cluster.update(d, live, c);
    expect(fixed.properties.single_node).toBe(true);
    const [edit] = bodies(fake, "/api/2.1/clusters/edit");
    expect(edit?.spark_conf).toMatchObject({ "spark.master": "local[*]" });
  });

  it("giving it workers removes dpn's single-node keys and keeps the user's own spark_conf", async () => {
    const { fake, p } = await setup();
    const c = ctx();
    const created = await p.dbx_cluster.create(desired("dbx_cluster", "solo", single), c);
    const details = fake.state.clusters.get(created.remoteId)!.details;
    const own = { "spark.sql.shuffle.partitions": "8" };
    details.spark_conf = { ...details.spark_conf, ...own };
    if (details.spec) details.spec.spark_conf = { ...details.spec.spark_conf, ...own };
    const live = (await p.dbx_cluster.read(created.remoteId, c))!;
    const multi = desired("dbx_cluster", "solo", { ...single, num_workers: 2 });
    const updated = await p.dbx_cluster.update(multi, live, c);
    expect(updated.properties.single_node).toBeUndefined();
    const [edit] = bodies(fake, "/api/2.1/clusters/edit");
    expect(edit?.spark_conf).toEqual(own);
    expect((edit?.custom_tags as Record<string, string> | undefined)?.ResourceClass).toBeUndefined();
  });
});
