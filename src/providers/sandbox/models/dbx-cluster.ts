/**
 * Simulated Databricks cluster: created PENDING, RUNNING once `clusterStartMs` has passed (the
 * next access after that sees it; 0 = the next access), edit only when RUNNING or TERMINATED
 * (`INVALID_STATE` otherwise; editing a running cluster restarts it), names not unique, markers
 * in `custom_tags`, lookup by name AND marker. Archive terminates the cluster; restore only
 * removes the archive markers (the cluster stays TERMINATED until someone starts it, as dpn's
 * Databricks provider does by default); delete is a permanent delete.
 */
import type { ClusterProps } from "../../../core/resources.js";
import { checkClusterAgainstCatalog, latestLtsSparkVersion } from "../../databricks/spark-versions.js";
import { compact, type ModelOptions, platformError, stringMap, type TypeModel } from "../type-model.js";
import { SANDBOX_RUNTIME_CATALOG } from "./dbx-runtime-catalog.js";

const invalidSetting = (what: string, message: string) =>
  platformError("invalid_input", "REMOTE_INVALID_INPUT", `Cluster ${what}: ${message}`, {
    platform: "databricks",
    platformCode: "INVALID_PARAMETER_VALUE",
    status: 400,
  });

/** Like clusters/create and /edit: only runtimes and node types the workspace lists. */
function assertOffered(what: string, field: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (field === "spark_version" && !SANDBOX_RUNTIME_CATALOG.versions.some((v) => v.key === value))
    throw invalidSetting(what, `Invalid spark version ${String(value)}.`);
  if (field === "node_type_id" && !SANDBOX_RUNTIME_CATALOG.nodeTypes.some((n) => n.node_type_id === value))
    throw invalidSetting(what, `Node type ${String(value)} is not supported.`);
}

const TRANSIENT = ["PENDING", "RESTARTING"];

function setState(d: Record<string, unknown>, state: string, message: string, opts: ModelOptions): void {
  d.state = state;
  d.state_message = message;
  d.state_since = opts.now();
}

export const dbxClusterModel: TypeModel<"dbx_cluster"> = {
  type: "dbx_cluster",
  platform: "databricks",
  noun: "Cluster",
  notFoundCode: "INVALID_PARAMETER_VALUE",
  notFoundStatus: 400,
  maxTags: 45,
  changeable: [
    "spark_version",
    "node_type_id",
    "autoscale",
    "num_workers",
    "autotermination_minutes",
    "cluster_type",
    "data_security_mode",
  ],
  // names are not unique: only our own marker identifies our cluster
  normalizeId: (id) => id,
  candidates(desired, store) {
    return store.byName("dbx_cluster", desired.name).filter((o) => o.name === desired.name);
  },
  check: (desired) => checkClusterAgainstCatalog(desired, SANDBOX_RUNTIME_CATALOG),
  build(desired, ctx, store, opts) {
    const given: ClusterProps = desired.properties;
    // As the cloud provider does when no plan-time check ran: the latest LTS.
    const p: ClusterProps = {
      ...given,
      spark_version: given.spark_version || latestLtsSparkVersion(SANDBOX_RUNTIME_CATALOG.versions),
    };
    const invalid = (message: string) =>
      platformError("invalid_input", "REMOTE_INVALID_INPUT", `Cluster ${desired.name}: ${message}`, {
        platform: "databricks",
        platformCode: "INVALID_PARAMETER_VALUE",
        status: 400,
      });
    if (!p.spark_version) throw invalid("spark_version is required.");
    assertOffered(desired.name, "spark_version", p.spark_version);
    assertOffered(desired.name, "node_type_id", p.node_type_id);
    if (p.num_workers === undefined && p.autoscale === undefined)
      throw invalid("one of num_workers or autoscale is required.");
    if (p.autoscale && (p.autoscale.min_workers < 0 || p.autoscale.max_workers < p.autoscale.min_workers)) {
      throw invalid(`autoscale ${p.autoscale.min_workers}..${p.autoscale.max_workers} is not a valid range.`);
    }
    const at = p.autotermination_minutes;
    if (at !== 0 && (at < 10 || at > 10000))
      throw invalid(`autotermination_minutes ${at} must be 0 or between 10 and 10000.`);
    const now = new Date(opts.now());
    const seq = store.nextSeq("cluster_id", 1);
    const pad = (n: number) => String(n).padStart(2, "0");
    const clusterId = `${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}-sbx${seq.toString(36).padStart(5, "0")}`;
    const data: Record<string, unknown> = compact({
      cluster_id: clusterId,
      cluster_name: desired.name,
      spark_version: p.spark_version,
      node_type_id: p.node_type_id,
      driver_node_type_id: p.node_type_id,
      autoscale: p.autoscale ? { ...p.autoscale } : undefined,
      num_workers: p.num_workers,
      autotermination_minutes: p.autotermination_minutes,
      data_security_mode: p.data_security_mode,
      // Databricks has no "cluster type"; the sandbox keeps dpn's label next to the spec
      sandbox_cluster_type: p.cluster_type,
      custom_tags: {},
      creator_user_name: ctx.actor,
      cluster_source: "API",
      enable_elastic_disk: true,
      aws_attributes: { availability: "SPOT_WITH_FALLBACK", zone_id: "auto" },
      start_time: opts.now(),
    });
    setState(data, "PENDING", "Finding instances for new nodes", opts);
    return {
      remoteId: clusterId,
      name: desired.name,
      fullName: desired.name,
      parentType: null,
      parentId: null,
      data,
    };
  },
  markerBag: (d) => stringMap(d, "custom_tags"),
  tagBag: (d) => stringMap(d, "custom_tags"),
  status: (o) => o.data.state as string,
  refresh(o, opts) {
    const d = o.data;
    if (TRANSIENT.includes(d.state as string) && opts.now() - Number(d.state_since) >= opts.clusterStartMs) {
      setState(d, "RUNNING", "", opts);
      return true;
    }
    return false;
  },
  assertEditable(o) {
    const state = o.data.state as string;
    if (state !== "RUNNING" && state !== "TERMINATED") {
      throw platformError(
        "conflict",
        "REMOTE_INVALID_STATE",
        `Cluster ${o.remoteId} is in unexpected state ${state}; it can be edited only when RUNNING or TERMINATED.`,
        {
          platform: "databricks",
          platformCode: "INVALID_STATE",
          status: 400,
          retryable: true,
          details: { clusterId: o.remoteId, state },
        },
      );
    }
  },
  // clusters/edit with the same spec and a new cluster_name: same state rules, same restart
  rename(o, newName, _store, opts) {
    if (!newName.trim()) throw invalidSetting("cluster_name", "a cluster needs a name.");
    if (newName === o.name) return;
    this.assertEditable?.(o);
    o.name = newName;
    o.fullName = newName;
    o.data.cluster_name = newName;
    this.afterEdit?.(o, opts);
  },
  afterEdit(o, opts) {
    if (o.data.state === "RUNNING")
      setState(o.data, "RESTARTING", "Restarting to apply the new configuration", opts);
  },
  toProperties(o) {
    const d = o.data;
    return compact({
      spark_version: d.spark_version,
      node_type_id: d.node_type_id,
      autoscale: d.autoscale,
      num_workers: d.num_workers,
      autotermination_minutes: d.autotermination_minutes,
      cluster_type: d.sandbox_cluster_type,
      data_security_mode: d.data_security_mode,
    });
  },
  desiredProperties(desired) {
    const p = desired.properties;
    return compact({
      spark_version: p.spark_version,
      node_type_id: p.node_type_id,
      autoscale: p.autoscale,
      num_workers: p.num_workers,
      autotermination_minutes: p.autotermination_minutes,
      cluster_type: p.cluster_type,
      data_security_mode: p.data_security_mode,
    });
  },
  liveForDiff(live, desired) {
    // An unset runtime (no plan-time check ran) means "any", as in the cloud provider's diff.
    if (desired.spark_version !== undefined) return live;
    const { spark_version: _v, ...rest } = live;
    return rest;
  },
  applyField(o, field, value) {
    const d = o.data;
    assertOffered(o.name, field, value);
    const key = field === "cluster_type" ? "sandbox_cluster_type" : field;
    if (value === undefined || value === null) delete d[key];
    else d[key] = value;
    if (field === "node_type_id") d.driver_node_type_id = value;
  },
  onArchive(o, opts) {
    const d = o.data;
    if (d.state !== "TERMINATED") {
      setState(d, "TERMINATED", "Terminated by dpn archive", opts);
      d.terminated_time = opts.now();
      d.termination_reason = { code: "USER_REQUEST", type: "SUCCESS" };
    }
  },
};
