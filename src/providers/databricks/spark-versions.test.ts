/**
 * Item 6: the default runtime is resolved at plan time from the workspace's own list (the SDKs'
 * selector semantics: databricks-sdk-go service/compute/ext_spark_version.go), and a runtime or
 * node type the workspace does not offer is a validation error (exit 3) before anything is sent.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import { DEFAULT_SPARK_VERSIONS } from "../../../test/fakes/databricks/runtime-catalog.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import { DpnError } from "../../core/errors.js";
import type { ClusterProps } from "../../core/resources.js";
import { createSandboxRegistry } from "../sandbox/sandbox-provider.js";
import { createDatabricksProviders } from "./index.js";
import {
  checkClusterAgainstCatalog,
  closestChoices,
  latestLtsSparkVersion,
  matchingSparkVersions,
  type SparkVersionEntry,
} from "./spark-versions.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const base: ClusterProps = {
  node_type_id: "i3.xlarge",
  num_workers: 1,
  autotermination_minutes: 30,
  cluster_type: "shared",
  data_security_mode: "USER_ISOLATION",
};
const fakeVersions = DEFAULT_SPARK_VERSIONS.map((v) => ({ key: v.key ?? "", name: v.name ?? "" }));
const catalog = {
  versions: fakeVersions,
  nodeTypes: [{ node_type_id: "i3.xlarge" }, { node_type_id: "r5.xlarge" }],
};

describe("latest LTS, the SDK selector's way", () => {
  it("picks the highest plain LTS: not ML, GPU, Photon, Graviton, Beta, Light, nor a newer non-LTS", () => {
    expect(latestLtsSparkVersion(fakeVersions)).toBe("18.x-scala2.13");
    // 18.2 is newer but not LTS; 18.3 is Beta; 18.x-photon/-ml/-aarch64 are variants
    expect(matchingSparkVersions(fakeVersions)[0]).toBe("18.2.x-scala2.13");
    expect(matchingSparkVersions(fakeVersions, { ml: true, longTermSupport: true })[0]).toBe(
      "18.x-cpu-ml-scala2.13",
    );
    expect(matchingSparkVersions(fakeVersions, { gpu: true, ml: true, longTermSupport: true })[0]).toBe(
      "18.x-gpu-ml-scala2.13",
    );
    expect(matchingSparkVersions(fakeVersions, { photon: true, longTermSupport: true })[0]).toBe(
      "18.x-photon-scala2.13",
    );
    expect(matchingSparkVersions(fakeVersions, { beta: true })[0]).toBe("18.3.x-scala2.13");
    expect(matchingSparkVersions(fakeVersions, { longTermSupport: true, scala: "2.12" })[0]).toBe(
      "16.4.x-scala2.12",
    );
    expect(matchingSparkVersions(fakeVersions, { sparkVersion: "3.5.2", longTermSupport: true })[0]).toBe(
      "16.4.x-scala2.12",
    );
  });

  it("orders runtimes numerically (18 > 17.3 > 9.1), prefers Scala 2.12 on a tie, counts -esr- as LTS", () => {
    const list: SparkVersionEntry[] = [
      { key: "9.1.x-scala2.12", name: "9.1 LTS (includes Apache Spark 3.1.2, Scala 2.12)" },
      { key: "16.4.x-scala2.13", name: "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.13)" },
      { key: "16.4.x-scala2.12", name: "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)" },
    ];
    expect(latestLtsSparkVersion(list)).toBe("16.4.x-scala2.12");
    expect(latestLtsSparkVersion([...list, { key: "17.3.x-scala2.13", name: "17.3 LTS (Scala 2.13)" }])).toBe(
      "17.3.x-scala2.13",
    );
    expect(latestLtsSparkVersion([...list, { key: "18.x-scala2.13", name: "18 LTS" }])).toBe(
      "18.x-scala2.13",
    );
    expect(latestLtsSparkVersion([{ key: "7.3.x-esr-scala2.12", name: "7.3 Extended Support" }])).toBe(
      "7.3.x-esr-scala2.12",
    );
    expect(latestLtsSparkVersion([{ key: "18.2.x-scala2.13", name: "18.2" }])).toBeUndefined();
  });

  it("suggests the closest choices", () => {
    expect(closestChoices("i3.xlarg", ["m5d.large", "i3.xlarge", "i3.2xlarge"], 2)).toEqual([
      "i3.xlarge",
      "i3.2xlarge",
    ]);
  });
});

describe("the cluster plan-time check", () => {
  it("fills an unset spark_version; keeps a listed one", () => {
    const d = desired("dbx_cluster", "c", base);
    expect(checkClusterAgainstCatalog(d, catalog).properties.spark_version).toBe("18.x-scala2.13");
    const pinned = desired("dbx_cluster", "c", { ...base, spark_version: "15.4.x-scala2.12" });
    expect(checkClusterAgainstCatalog(pinned, catalog)).toBe(pinned);
  });

  it("an unlisted or end-of-support runtime / node type is a validation error with the closest choices", () => {
    const eos = desired("dbx_cluster", "c", { ...base, spark_version: "13.3.x-scala2.12" });
    const e1 = (() => {
      try {
        checkClusterAgainstCatalog(eos, catalog);
      } catch (e) {
        return e as DpnError;
      }
    })();
    expect(e1).toBeInstanceOf(DpnError);
    expect(e1).toMatchObject({ kind: "validation", code: "DBX_SPARK_VERSION_UNKNOWN" });
    expect(e1?.exitCode).toBe(3);
    expect(e1?.message).toContain("13.3.x-scala2.12");
    expect(e1?.hint).toContain("18.x-scala2.13");
    expect(e1?.details.choices).toEqual(expect.arrayContaining(["18.x-scala2.13", "14.3.x-scala2.12"]));

    const node = desired("dbx_cluster", "c", { ...base, node_type_id: "i3.xlarg" });
    expect(() => checkClusterAgainstCatalog(node, catalog)).toThrow(
      expect.objectContaining({
        kind: "validation",
        code: "DBX_NODE_TYPE_UNKNOWN",
        hint: expect.stringContaining("i3.xlarge"),
      }),
    );
    expect(() =>
      checkClusterAgainstCatalog(desired("dbx_cluster", "c", base), { ...catalog, versions: [] }),
    ).toThrow(expect.objectContaining({ code: "DBX_NO_LTS_RUNTIME" }));
  });

  it("reads the workspace's lists once per client, however many clusters are checked", async () => {
    const r = await fakeWithClient();
    fake = r.fake;
    const p = createDatabricksProviders(r.client, { pollMs: 5 });
    const checked = await Promise.all(
      ["a", "b", "c"].map((n) => p.dbx_cluster.check!(desired("dbx_cluster", n, base), ctx())),
    );
    expect(checked.map((d) => d.properties.spark_version)).toEqual(Array(3).fill("18.x-scala2.13"));
    await p.dbx_cluster.check!(desired("dbx_cluster", "d", base), ctx());
    // a second provider set over the same client shares the cache
    await createDatabricksProviders(r.client).dbx_cluster.check!(desired("dbx_cluster", "e", base), ctx());
    expect(r.fake.log.filter((x) => x.path === "/api/2.1/clusters/spark-versions")).toHaveLength(1);
    expect(r.fake.log.filter((x) => x.path === "/api/2.1/clusters/list-node-types")).toHaveLength(1);
    await expect(
      p.dbx_cluster.check!(
        desired("dbx_cluster", "x", { ...base, spark_version: "13.3.x-scala2.12" }),
        ctx(),
      ),
    ).rejects.toMatchObject({ code: "DBX_SPARK_VERSION_UNKNOWN", kind: "validation" });
  });

  it("uses the workspace's configured list; create without a check still gets the latest LTS", async () => {
    const r = await fakeWithClient({
      sparkVersions: [
        { key: "16.4.x-scala2.12", name: "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)" },
        { key: "17.2.x-scala2.13", name: "17.2 (includes Apache Spark 4.0.0, Scala 2.13)" },
      ],
    });
    fake = r.fake;
    const p = createDatabricksProviders(r.client, { pollMs: 5 });
    const created = await p.dbx_cluster.create(desired("dbx_cluster", "c", base), ctx());
    expect(r.fake.state.clusters.get(created.remoteId)?.details.spark_version).toBe("16.4.x-scala2.12");
  });
});

describe("the fake refuses what the workspace does not offer", () => {
  it("end-of-support and unlisted runtimes, unlisted node types, on create and edit", async () => {
    const r = await fakeWithClient();
    fake = r.fake;
    const create = (over: Record<string, unknown>) =>
      r.client.request<{ cluster_id: string }>("POST", "/api/2.1/clusters/create", {
        body: {
          cluster_name: "c",
          spark_version: "17.3.x-scala2.13",
          node_type_id: "i3.xlarge",
          num_workers: 0,
          ...over,
        },
      });
    await expect(create({ spark_version: "13.3.x-scala2.12" })).rejects.toMatchObject({
      category: "invalid_input",
      message: expect.stringMatching(/end of support/),
    });
    await expect(create({ spark_version: "99.1.x-scala2.13" })).rejects.toMatchObject({
      category: "invalid_input",
    });
    await expect(create({ node_type_id: "i3.huge" })).rejects.toMatchObject({ category: "invalid_input" });
    await expect(create({ driver_node_type_id: "nope" })).rejects.toMatchObject({
      category: "invalid_input",
    });
    const ok = await create({});
    await r.client.request("GET", "/api/2.1/clusters/get", { query: { cluster_id: ok.cluster_id } });
    await expect(
      r.client.request("POST", "/api/2.1/clusters/edit", {
        body: {
          cluster_id: ok.cluster_id,
          spark_version: "13.3.x-scala2.12",
          node_type_id: "i3.xlarge",
          num_workers: 0,
        },
      }),
    ).rejects.toMatchObject({ category: "invalid_input" });
  });
});

describe("the sandbox runs the same check against its simulated workspace", () => {
  it("fills the latest LTS, refuses an end-of-support runtime, and create fills it too", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const reg = createSandboxRegistry({ dbPath: join(mkdtempSync(join(tmpdir(), "dpn-sbx-")), "s.db") });
    try {
      const provider = reg.get("dbx_cluster");
      const checked = await provider.check!(desired("dbx_cluster", "c", base), ctx());
      expect(checked.properties.spark_version).toBe("18.x-scala2.13");
      await expect(
        provider.check!(desired("dbx_cluster", "c", { ...base, spark_version: "13.3.x-scala2.12" }), ctx()),
      ).rejects.toMatchObject({ kind: "validation", code: "DBX_SPARK_VERSION_UNKNOWN" });
      await expect(
        provider.check!(desired("dbx_cluster", "c", { ...base, node_type_id: "x9.mega" }), ctx()),
      ).rejects.toMatchObject({ kind: "validation", code: "DBX_NODE_TYPE_UNKNOWN" });
      const created = await provider.create(desired("dbx_cluster", "c", base), ctx());
      expect(created.properties.spark_version).toBe("18.x-scala2.13");
      await expect(
        provider.create(desired("dbx_cluster", "d", { ...base, spark_version: "13.3.x-scala2.12" }), ctx()),
      ).rejects.toMatchObject({ code: "REMOTE_INVALID_INPUT" });
      expect(reg.get("dbx_catalog").check).toBeUndefined();
    } finally {
      await reg.close();
    }
  });
});
