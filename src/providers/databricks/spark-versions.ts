/**
 * Runtime and node-type facts of a Databricks workspace, as pure functions shared by the cloud
 * cluster provider (lists from `GET /api/2.1/clusters/spark-versions` and
 * `GET /api/2.1/clusters/list-node-types`) and the sandbox (a simulated list).
 *
 * "Latest LTS" is chosen the way the official SDKs' selector chooses it (databricks-sdk-go
 * service/compute/ext_spark_version.go `GetSparkVersionsResponse.Select`, ported to
 * databricks-sdk-py mixins/compute.py `select_spark_version`): keys containing `apache-spark-`
 * (Databricks Light) are skipped; `-ml-`, `-hls-`, `-gpu-`, `-photon-`, `-aarch64-` variants and
 * names containing `Beta` are kept only when asked for; LTS means the name contains `LTS` or the key
 * `-esr-`; among the matches the highest runtime version wins (the number before `.x-`, compared
 * as major.minor, so `18.x` > `17.3.x`), and of two equal versions the one that sorts first
 * (`-scala2.12` before `-scala2.13`), as the Go selector does for that pair.
 * Scala: the Go selector matches every `-scala` key unless a Scala version is given (the Python
 * one defaults to 2.12); dpn follows Go, so the default is the workspace's newest LTS of any Scala.
 */
import { DpnError } from "../../core/errors.js";
import type { ClusterProps, DesiredResource } from "../../core/resources.js";

/** One entry of `GetSparkVersionsResponse.versions` (SDK `compute.SparkVersion`). */
export interface SparkVersionEntry {
  key: string;
  name: string;
}

/** The part of SDK `compute.NodeType` dpn reads. */
export interface NodeTypeEntry {
  node_type_id: string;
  is_deprecated?: boolean;
  is_hidden?: boolean;
}

/** Selector criteria (the SDK's `SparkVersionRequest`); every flag defaults to false. */
export interface SparkVersionQuery {
  longTermSupport?: boolean;
  ml?: boolean;
  genomics?: boolean;
  gpu?: boolean;
  photon?: boolean;
  graviton?: boolean;
  beta?: boolean;
  /** e.g. "2.12"; unset matches every Scala version. */
  scala?: string;
  /** Apache Spark version the name must mention, e.g. "3.5.2". */
  sparkVersion?: string;
}

/** Runtime version of a key as [major, minor] (`17.3.x-…` → [17, 3], `18.x-…` → [18, 0]). */
function runtimeVersion(key: string): [number, number] | undefined {
  const m = /^(\d+)(?:\.(\d+))?\.x-/.exec(key);
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : undefined;
}

/** Every key matching `q`, best first (highest runtime; equal runtimes in key order). */
export function matchingSparkVersions(versions: SparkVersionEntry[], q: SparkVersionQuery = {}): string[] {
  const has = (s: string, part: string) => s.includes(part);
  const out = versions.filter((v) => {
    if (!has(v.key, `-scala${q.scala ?? ""}`)) return false;
    if (has(v.key, "apache-spark-")) return false;
    if (has(v.key, "-ml-") !== Boolean(q.ml)) return false;
    if (has(v.key, "-hls-") !== Boolean(q.genomics)) return false;
    if (has(v.key, "-gpu-") !== Boolean(q.gpu)) return false;
    if (has(v.key, "-photon-") !== Boolean(q.photon)) return false;
    if (has(v.key, "-aarch64-") !== Boolean(q.graviton)) return false;
    if (has(v.name, "Beta") !== Boolean(q.beta)) return false;
    if (q.longTermSupport && !(has(v.name, "LTS") || has(v.key, "-esr-"))) return false;
    if (q.sparkVersion && !has(v.name, `Apache Spark ${q.sparkVersion}`)) return false;
    return true;
  });
  return out
    .map((v) => v.key)
    .sort((a, b) => {
      const va = runtimeVersion(a);
      const vb = runtimeVersion(b);
      if (va && vb && (va[0] !== vb[0] || va[1] !== vb[1])) return vb[0] - va[0] || vb[1] - va[1];
      if (va && !vb) return -1;
      if (!va && vb) return 1;
      return a < b ? -1 : a > b ? 1 : 0;
    });
}

/** The workspace's latest LTS runtime (plain: no ML/GPU/Photon/Graviton/Beta), or undefined. */
export function latestLtsSparkVersion(versions: SparkVersionEntry[]): string | undefined {
  return matchingSparkVersions(versions, { longTermSupport: true })[0];
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** The `n` choices closest to `value` (edit distance, case-insensitive; ties in list order). */
export function closestChoices(value: string, choices: string[], n = 3): string[] {
  const v = value.toLowerCase();
  return choices
    .map((c, i) => ({ c, i, d: editDistance(v, c.toLowerCase()) }))
    .sort((x, y) => x.d - y.d || x.i - y.i)
    .slice(0, n)
    .map((x) => x.c);
}

/** What a workspace offers, as the cluster check needs it. */
export interface RuntimeCatalog {
  versions: SparkVersionEntry[];
  nodeTypes: NodeTypeEntry[];
}

/**
 * The plan-time check of a cluster against what the workspace offers (Provider.check): an unset
 * `spark_version` becomes the latest LTS; a set `spark_version` or `node_type_id` must be one the
 * workspace lists. Pure. Throws DpnError kind
 * `validation` (exit 3): `DBX_SPARK_VERSION_UNKNOWN` / `DBX_NODE_TYPE_UNKNOWN` naming the value
 * with the closest valid choices as hint, `DBX_NO_LTS_RUNTIME` when the workspace lists no LTS.
 * Returns `desired` itself when nothing changed.
 */
export function checkClusterAgainstCatalog(
  desired: DesiredResource<"dbx_cluster">,
  catalog: RuntimeCatalog,
): DesiredResource<"dbx_cluster"> {
  const p: ClusterProps = desired.properties;
  const keys = catalog.versions.map((v) => v.key);
  let sparkVersion = p.spark_version;
  if (sparkVersion === undefined || sparkVersion === "") {
    sparkVersion = latestLtsSparkVersion(catalog.versions);
    if (!sparkVersion) {
      throw new DpnError(
        "validation",
        "DBX_NO_LTS_RUNTIME",
        `Cluster ${desired.name}: the workspace lists no LTS Databricks runtime to default spark_version to`,
        {
          hint: `Set spark_version in the blueprint; the workspace offers: ${keys.slice(0, 5).join(", ") || "none"}.`,
          details: { address: desired.address, choices: keys.slice(0, 20) },
        },
      );
    }
  } else if (!keys.includes(sparkVersion)) {
    const lts = latestLtsSparkVersion(catalog.versions);
    const near = closestChoices(sparkVersion, keys).filter((k) => k !== lts);
    const choices = [...(lts ? [lts] : []), ...near].slice(0, 4);
    throw new DpnError(
      "validation",
      "DBX_SPARK_VERSION_UNKNOWN",
      `Cluster ${desired.name}: spark_version ${JSON.stringify(sparkVersion)} is not offered by the workspace (unknown or past end of support)`,
      {
        hint: `Use one of: ${choices.join(", ")}${lts ? ` (${lts} is the latest LTS)` : ""}, or leave spark_version unset for the latest LTS.`,
        details: { address: desired.address, value: sparkVersion, choices },
      },
    );
  }
  const nodeTypeIds = catalog.nodeTypes.map((n) => n.node_type_id);
  if (p.node_type_id && !nodeTypeIds.includes(p.node_type_id)) {
    const listed = catalog.nodeTypes
      .filter((n) => !n.is_deprecated && !n.is_hidden)
      .map((n) => n.node_type_id);
    const choices = closestChoices(p.node_type_id, listed.length ? listed : nodeTypeIds);
    throw new DpnError(
      "validation",
      "DBX_NODE_TYPE_UNKNOWN",
      `Cluster ${desired.name}: node_type_id ${JSON.stringify(p.node_type_id)} is not offered by the workspace`,
      {
        hint: `Closest node types the workspace offers: ${choices.join(", ")}.`,
        details: { address: desired.address, value: p.node_type_id, choices },
      },
    );
  }
  if (sparkVersion === p.spark_version) return desired;
  return { ...desired, properties: { ...p, spark_version: sparkVersion } };
}
