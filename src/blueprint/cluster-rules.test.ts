/** Cluster settings the Clusters API would refuse (cluster-rules.ts). */
import { describe, expect, it } from "vitest";
import { builtInConvention } from "../config/load-convention.js";
import type { Problem } from "../core/errors.js";
import type { ClusterProps } from "../core/resources.js";
import { parseBlueprint } from "./load.js";
import { resolveBlueprint } from "./resolve.js";

const conv = builtInConvention();
const META = {
  environment: "dev",
  project: "dataplatform",
  region: "us-east-1",
  team: "data",
  cost_center: "CC-1",
  data_classification: "internal",
  owner: "data@example.com",
};
const resolveDoc = (resources: unknown) =>
  resolveBlueprint(
    parseBlueprint(JSON.stringify({ version: "1.0", metadata: META, resources }, null, 2), "bp.json"),
    conv,
  );

const codes = (ps: Problem[]) => ps.map((p) => p.code);

const cluster = (c: Record<string, unknown>) => ({
  databricks: { clusters: [{ workload: "etl", cluster_type: "shared", node_type: "i3.xlarge", ...c }] },
});

describe("clusters: settings the Clusters API refuses", () => {
  it("accepts 0 or 10–10000 auto-termination minutes only", () => {
    const r = resolveDoc(cluster({ autotermination_minutes: 5 }));
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({
      code: "BLUEPRINT_AUTOTERMINATION_RANGE",
      path: "$.resources.databricks.clusters[0].autotermination_minutes",
      message:
        "autotermination_minutes 5 of cluster $.resources.databricks.clusters[0] is not allowed; Databricks accepts 0 (never terminate) or 10–10000 minutes",
    });
    expect(codes(resolveDoc(cluster({ autotermination_minutes: 10001 })).problems)).toEqual([
      "BLUEPRINT_OUT_OF_RANGE",
    ]);
    for (const ok of [0, 10, 10000])
      expect(resolveDoc(cluster({ autotermination_minutes: ok })).problems).toEqual([]);
  });

  it("needs single_user_name on dedicated and job clusters, and passes it on", () => {
    for (const cluster_type of ["dedicated", "job"]) {
      const r = resolveDoc(cluster({ cluster_type }));
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatchObject({
        code: "BLUEPRINT_SINGLE_USER_NAME_REQUIRED",
        path: "$.resources.databricks.clusters[0].cluster_type",
      });
      expect(r.problems[0]?.hint).toMatch(/user name .* application id of a service principal/);
    }
    const empty = resolveDoc(cluster({ cluster_type: "dedicated", single_user_name: "" }));
    expect(codes(empty.problems)).toEqual(["BLUEPRINT_EMPTY_VALUE"]);
    const ok = resolveDoc(cluster({ cluster_type: "dedicated", single_user_name: "ml@example.com" }));
    expect(ok.problems).toEqual([]);
    expect(ok.resources[0]?.properties as ClusterProps).toMatchObject({
      data_security_mode: "SINGLE_USER",
      single_user_name: "ml@example.com",
    });
    const shared = resolveDoc(cluster({ single_user_name: "ml@example.com" }));
    expect(shared.problems.map((p) => `${p.severity} ${p.code}`)).toEqual([
      "warning BLUEPRINT_SINGLE_USER_NAME_UNUSED",
    ]);
    expect(shared.resources[0]?.properties).not.toHaveProperty("single_user_name");
  });

  it("needs autoscale max strictly above min, and no autoscale on a single-node cluster", () => {
    const r = resolveDoc(cluster({ autoscale: { min: 4, max: 4 } }));
    expect(codes(r.problems)).toEqual(["BLUEPRINT_AUTOSCALE_RANGE"]);
    expect(r.problems[0]?.message).toContain("min 4 is not below max 4");
    const single = resolveDoc(cluster({ num_workers: 0, autoscale: { min: 1, max: 2 } }));
    expect(single.problems[0]?.message).toContain("num_workers 0 (a single-node cluster) and autoscale");
    const fixed = resolveDoc(cluster({ num_workers: 0 }));
    expect(fixed.problems).toEqual([]);
    expect(fixed.resources[0]?.properties).toMatchObject({ num_workers: 0 });
  });
});
