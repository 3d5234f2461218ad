/**
 * Item 7: clusters/edit is a full replace, so it is built from what the user set (`spec`: "the
 * latest user specified settings", databricks-sdk-go compute.ClusterDetails.Spec) plus dpn's
 * desired settings — never from the server's view, whose defaults (driver_node_type_id,
 * aws_attributes.zone_id, …) would then be pinned as choices.
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

const props: ClusterProps = {
  spark_version: "15.4.x-scala2.12",
  node_type_id: "i3.xlarge",
  num_workers: 2,
  autotermination_minutes: 30,
  cluster_type: "shared",
  data_security_mode: "USER_ISOLATION",
};

async function setup() {
  const r = await fakeWithClient();
  fake = r.fake;
  return { fake: r.fake, client: r.client, p: createDatabricksProviders(r.client, { pollMs: 5 }) };
}

const edits = (f: DatabricksFake) =>
  f.log.filter((r) => r.path === "/api/2.1/clusters/edit").map((r) => r.body as Record<string, unknown>);

describe("clusters/edit from the user's settings", () => {
  it("changing node_type_id moves the driver too; server defaults are not sent back", async () => {
    const { fake, p } = await setup();
    const c = ctx();
    const created = await p.dbx_cluster.create(desired("dbx_cluster", "etl", props), c);
    const before = fake.state.clusters.get(created.remoteId)!.details;
    expect(before.driver_node_type_id).toBe("i3.xlarge"); // a server default, not in `spec`
    expect(before.aws_attributes?.zone_id).toBe("us-east-1a");
    expect(before.spec?.driver_node_type_id).toBeUndefined();

    const live = (await p.dbx_cluster.read(created.remoteId, c))!;
    const d2 = desired("dbx_cluster", "etl", { ...props, node_type_id: "r5.xlarge" });
    const updated = await p.dbx_cluster.update(d2, live, c);
    expect(updated.properties.node_type_id).toBe("r5.xlarge");

    const [body] = edits(fake);
    expect(body).toMatchObject({ cluster_id: created.remoteId, node_type_id: "r5.xlarge", num_workers: 2 });
    for (const k of [
      "driver_node_type_id",
      "aws_attributes",
      "enable_elastic_disk",
      "default_tags",
      "spec",
      "state",
    ])
      expect(body).not.toHaveProperty(k);
    const after = fake.state.clusters.get(created.remoteId)!.details;
    expect(after.driver_node_type_id).toBe("r5.xlarge");
    expect(after.spec?.driver_node_type_id).toBeUndefined();
  });

  it("settings a user chose outside dpn (explicit driver, spark_conf, zone) survive dpn's edit", async () => {
    const { fake, client, p } = await setup();
    const c = ctx();
    const created = await p.dbx_cluster.create(desired("dbx_cluster", "etl", props), c);
    await p.dbx_cluster.read(created.remoteId, c); // PENDING → RUNNING in the fake
    const userSpec = fake.state.clusters.get(created.remoteId)!.details.spec!;
    await client.request("POST", "/api/2.1/clusters/edit", {
      body: {
        ...userSpec,
        cluster_id: created.remoteId,
        driver_node_type_id: "i3.2xlarge",
        spark_conf: { "spark.sql.shuffle.partitions": "64" },
        aws_attributes: { zone_id: "us-east-1c", availability: "ON_DEMAND" },
      },
    });
    await p.dbx_cluster.read(created.remoteId, c); // RESTARTING → RUNNING

    const live = (await p.dbx_cluster.read(created.remoteId, c))!;
    await p.dbx_cluster.update(
      desired("dbx_cluster", "etl", { ...props, autotermination_minutes: 90 }),
      live,
      c,
    );
    const body = edits(fake).at(-1)!;
    expect(body).toMatchObject({
      autotermination_minutes: 90,
      driver_node_type_id: "i3.2xlarge",
      spark_conf: { "spark.sql.shuffle.partitions": "64" },
      aws_attributes: { zone_id: "us-east-1c", availability: "ON_DEMAND" },
    });
    expect(body.aws_attributes).not.toHaveProperty("first_on_demand"); // a server default
  });
});
