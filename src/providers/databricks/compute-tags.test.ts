/**
 * Items 2 and 3: cluster/job tags follow Databricks' AWS tag rules (databricks/cli libs/tags/aws.go:
 * `_` is valid), the fake enforces them, and objects written by dpn 0.2.0 (escaped `=HH` spelling)
 * stay dpn's on every path and are rewritten in the plain spelling on the next write.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import type { ClusterProps, JobProps } from "../../core/resources.js";
import type { DatabricksClient } from "./client.js";
import {
  buildComputeTags,
  decodeLegacyComputeTag,
  isValidComputeTag,
  normalizeComputeTagValue,
  splitComputeTags,
} from "./compute-tags.js";
import { createDatabricksProviders } from "./index.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup() {
  const r = await fakeWithClient();
  fake = r.fake;
  return { fake: r.fake, client: r.client, p: createDatabricksProviders(r.client, { pollMs: 5 }) };
}

const clusterProps: ClusterProps = {
  spark_version: "15.4.x-scala2.12",
  node_type_id: "i3.xlarge",
  num_workers: 1,
  autotermination_minutes: 30,
  cluster_type: "shared",
  data_security_mode: "USER_ISOLATION",
};

/** What dpn 0.2.0 sent for user tags {env: dev, cost_center: data_1} and its markers. */
function legacyTags(address: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    env: "dev",
    "cost=5Fcenter": "data=5F1",
    "dpn=5Fstack": "stack-1",
    "dpn=5Faddress": address.replaceAll("_", "=5F"),
    ...extra,
  };
}

async function seedLegacyCluster(client: DatabricksClient, name: string, tags: Record<string, string>) {
  const res = await client.request<{ cluster_id: string }>("POST", "/api/2.1/clusters/create", {
    body: {
      cluster_name: name,
      spark_version: "15.4.x-scala2.12",
      node_type_id: "i3.xlarge",
      num_workers: 1,
      autotermination_minutes: 30,
      data_security_mode: "USER_ISOLATION",
      custom_tags: tags,
    },
  });
  return res.cluster_id;
}

const wireKeysOf = (f: DatabricksFake, id: string) =>
  Object.keys(f.state.clusters.get(id)?.details.custom_tags ?? {}).sort();

describe("compute tag charset (official AWS tag rules)", () => {
  it("sends `_` as is and keeps every valid character", () => {
    const tags = buildComputeTags(
      { cost_center: "data_1", "a+b-c=d.e:f/g@h i": "x_y+z-1=2.3:4/5@6 7" },
      { dpn_stack: "s_1", dpn_address: "dbx_cluster.a-b" },
      45,
      "Cluster c",
    );
    expect(tags).toEqual({
      cost_center: "data_1",
      "a+b-c=d.e:f/g@h i": "x_y+z-1=2.3:4/5@6 7",
      dpn_stack: "s_1",
      dpn_address: "dbx_cluster.a-b",
    });
  });

  it("refuses characters and lengths the validator refuses, before anything is sent", () => {
    for (const [k, v] of [
      ["café", "x"],
      ["k", "naïve"],
      ["a#b", "x"],
      ["k", "a,b"],
      ["k".repeat(128), "x"],
      ["k", "v".repeat(256)],
    ] as const) {
      expect(() => buildComputeTags({ [k]: v }, {}, 45, "Cluster c")).toThrow(
        expect.objectContaining({ code: "DBX_TAG_INVALID", outcome: "not_applied" }),
      );
    }
    expect(isValidComputeTag("", true)).toBe(false);
    expect(isValidComputeTag("", false)).toBe(true);
    expect(isValidComputeTag("k".repeat(127), true)).toBe(true);
  });

  it("normalises the informational archived_by marker like the official normaliser", () => {
    expect(normalizeComputeTagValue("Jürgen\\CORP@host-1")).toBe("Jurgen_CORP@host-1");
    const t = buildComputeTags({}, { dpn_archived_by: "émile#1@h" }, 45, "Cluster c");
    expect(t.dpn_archived_by).toBe("emile_1@h");
  });

  it("reads dpn 0.2.0's escaped spelling; the plain spelling wins when both are present", () => {
    expect(decodeLegacyComputeTag("dpn=5Farchived=5Fat")).toBe("dpn_archived_at");
    expect(decodeLegacyComputeTag("a=3Db")).toBe("a=b");
    expect(decodeLegacyComputeTag("not=zz")).toBe("not=zz");
    const legacy = splitComputeTags(legacyTags("dbx_cluster.etl"));
    expect(legacy).toMatchObject({
      legacy: true,
      tags: { env: "dev", cost_center: "data_1" },
      ownership: { stackId: "stack-1", address: "dbx_cluster.etl" },
      archived: false,
    });
    // Without an escaped marker nothing is decoded: "a=3D" is a plain, valid value.
    expect(splitComputeTags({ k: "a=3D", dpn_stack: "s", dpn_address: "x" })).toMatchObject({
      legacy: false,
      tags: { k: "a=3D" },
    });
    const both = splitComputeTags({ ...legacyTags("dbx_cluster.old"), dpn_address: "dbx_cluster.new" });
    expect(both.ownership?.address).toBe("dbx_cluster.new");
  });
});

describe("the fake validates compute tags like Databricks", () => {
  it("refuses invalid characters, over-long keys, > 45 cluster tags and > 25 job tags; accepts `_`", async () => {
    const { client } = await setup();
    const create = (custom_tags: Record<string, string>) =>
      client.request("POST", "/api/2.1/clusters/create", {
        body: {
          cluster_name: "c",
          spark_version: "15.4.x-scala2.12",
          node_type_id: "i3.xlarge",
          num_workers: 0,
          custom_tags,
        },
      });
    await expect(create({ cost_center: "data_1" })).resolves.toMatchObject({
      cluster_id: expect.any(String),
    });
    const bads: Record<string, string>[] = [
      { "a#b": "x" },
      { k: "naïve" },
      { ["k".repeat(128)]: "x" },
      { "": "x" },
    ];
    for (const bad of bads) {
      await expect(create(bad)).rejects.toMatchObject({ category: "invalid_input" });
    }
    await expect(
      create(Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`k${i}`, "v"]))),
    ).rejects.toMatchObject({ category: "invalid_input" });
    await expect(
      create(Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`k${i}`, "v"]))),
    ).resolves.toBeDefined();
    const job = (tags: Record<string, string>) =>
      client.request("POST", "/api/2.2/jobs/create", { body: { name: "j", tags } });
    await expect(
      job(Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k_${i}`, "v"]))),
    ).resolves.toBeDefined();
    await expect(
      job(Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`k${i}`, "v"]))),
    ).rejects.toMatchObject({
      category: "invalid_input",
    });
    await expect(job({ "bad,key": "v" })).rejects.toMatchObject({ category: "invalid_input" });
  });
});

describe("clusters written by dpn 0.2.0 (escaped tags)", () => {
  it("are found, adopted, archived, restored and deleted; the first write switches to the plain spelling", async () => {
    const { fake, client, p } = await setup();
    const c = ctx();
    const d = desired("dbx_cluster", "legacy-etl", clusterProps, { address: "dbx_cluster.etl" });
    const id = await seedLegacyCluster(client, "legacy-etl", legacyTags("dbx_cluster.etl"));

    const found = await p.dbx_cluster.lookup(d, c);
    expect(found?.remoteId).toBe(id);
    expect(found?.ownership).toEqual({ stackId: "stack-1", address: "dbx_cluster.etl" });
    expect(found?.tags).toEqual({ env: "dev", cost_center: "data_1" });
    expect(p.dbx_cluster.diff(d, found!)).toEqual([]); // same tags: no phantom update

    const archived = await p.dbx_cluster.archive(found!, c);
    expect(archived.archived).toBe(true);
    const keys = wireKeysOf(fake, id);
    expect(keys.some((k) => k.includes("=5F"))).toBe(false); // never both spellings
    expect(keys).toEqual(
      expect.arrayContaining(["cost_center", "dpn_stack", "dpn_address", "dpn_archived_at"]),
    );
    expect(fake.state.clusters.get(id)?.details.custom_tags?.cost_center).toBe("data_1");

    const restored = await p.dbx_cluster.restore(archived, c);
    expect(restored.archived).toBe(false);
    expect(restored.tags).toEqual({ env: "dev", cost_center: "data_1" });
    await p.dbx_cluster.delete(restored, c);
    expect(fake.state.clusters.has(id)).toBe(false);
  });

  it("an archived 0.2.0 cluster is restored, and adopt of a 0.2.0 cluster rewrites every key", async () => {
    const { fake, client, p } = await setup();
    const c = ctx();
    const archivedId = await seedLegacyCluster(
      client,
      "old-archived",
      legacyTags("dbx_cluster.old", {
        "dpn=5Farchived=5Fat": "2026-01-02T03:04:05.000Z",
        "dpn=5Farchived=5Fby": "me@host",
      }),
    );
    await client.request("POST", "/api/2.1/clusters/delete", { body: { cluster_id: archivedId } });
    const live = (await p.dbx_cluster.read(archivedId, c))!;
    expect(live).toMatchObject({ archived: true, ownership: { address: "dbx_cluster.old" } });
    const restored = await p.dbx_cluster.restore(live, c);
    expect(restored.archived).toBe(false);
    expect(wireKeysOf(fake, archivedId)).toEqual(["cost_center", "dpn_address", "dpn_stack", "env"]);

    const otherId = await seedLegacyCluster(client, "old-other", legacyTags("dbx_cluster.moved"));
    const other = (await p.dbx_cluster.read(otherId, c))!;
    const adopted = await p.dbx_cluster.adopt(
      other,
      { stackId: "stack-2", address: "dbx_cluster.new_home" },
      c,
    );
    expect(adopted.ownership).toEqual({ stackId: "stack-2", address: "dbx_cluster.new_home" });
    expect(fake.state.clusters.get(otherId)?.details.custom_tags).toEqual({
      env: "dev",
      cost_center: "data_1",
      dpn_stack: "stack-2",
      dpn_address: "dbx_cluster.new_home",
    });
  });
});

describe("jobs written by dpn 0.2.0 (escaped tags)", () => {
  const jobProps: JobProps = {
    cluster_ref: "dbx_cluster.etl",
    tasks: [{ task_key: "ingest", notebook_task: { notebook_path: "/x/ingest" } }],
    schedule: { quartz_cron_expression: "0 0 2 * * ?", timezone_id: "UTC" },
    max_concurrent_runs: 1,
  };

  it("an archived 0.2.0 job is found and restored (schedule unpaused from the escaped prev marker)", async () => {
    const { fake, client, p } = await setup();
    const cl = await p.dbx_cluster.create(desired("dbx_cluster", "etl", clusterProps), ctx());
    const c = ctx({ "dbx_cluster.etl": cl.remoteId });
    const res = await client.request<{ job_id: string }>("POST", "/api/2.2/jobs/create", {
      body: {
        name: "nightly",
        tasks: [
          {
            task_key: "ingest",
            notebook_task: { notebook_path: "/x/ingest" },
            existing_cluster_id: cl.remoteId,
          },
        ],
        schedule: { quartz_cron_expression: "0 0 2 * * ?", timezone_id: "UTC", pause_status: "PAUSED" },
        max_concurrent_runs: 1,
        tags: legacyTags("dbx_job.nightly", {
          "dpn=5Farchived=5Fat": "2026-01-02T03:04:05.000Z",
          "dpn=5Farchived=5Fby": "me@host",
          "dpn=5Fprev=5Fpause": "UNPAUSED",
        }),
      },
    });
    const d = desired("dbx_job", "nightly", jobProps);
    const found = await p.dbx_job.lookup(d, c);
    expect(found).toMatchObject({
      remoteId: String(res.job_id),
      archived: true,
      tags: { env: "dev", cost_center: "data_1" },
    });
    const restored = await p.dbx_job.restore(found!, c);
    expect(restored.archived).toBe(false);
    const settings = fake.state.jobs.get(String(res.job_id))?.settings;
    expect(settings?.schedule?.pause_status).toBe("UNPAUSED");
    expect(settings?.tags).toEqual({
      env: "dev",
      cost_center: "data_1",
      dpn_stack: "stack-1",
      dpn_address: "dbx_job.nightly",
    });
    expect(p.dbx_job.diff(d, restored)).toEqual([]);
  });
});
