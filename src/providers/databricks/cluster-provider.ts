/**
 * `dbx_cluster`: Clusters API 2.1. Archive = terminate + archive marker tag (config kept,
 * reversible); restore = clear the marker (start only when `startOnRestore`); delete =
 * permanent-delete. Cluster names are not unique: lookup lists clusters and keeps the one whose
 * ownership tags name this stack and address.
 */
import { ProviderError } from "../../core/errors.js";
import {
  type ClusterProps,
  type DesiredResource,
  MARKER_KEYS,
  type Ownership,
} from "../../core/resources.js";
import { sleep } from "../../core/sleep.js";
import type { FieldChange, Provider, ProviderContext, RemoteObject } from "../../engine/ports.js";
import { TYPE_TAGS } from "../../naming/tags.js";
import { serviceOf } from "../../types/registry.js";
import { DatabricksCallError, type DatabricksClient } from "./client.js";
import { buildComputeTags, PREV_PIN_KEY, splitComputeTags } from "./compute-tags.js";
import { type InventoryOptions, listClusters } from "./inventory.js";
import { archiveMarkers, ownedBy, ownershipMarkers } from "./markers.js";
import { principalOf } from "./principal.js";
import {
  compare,
  ignoreNotFound,
  orNull,
  type ProviderDeps,
  provenanceOf,
  vanished,
  withProvenance,
} from "./provider-kit.js";
import {
  checkClusterAgainstCatalog,
  type NodeTypeEntry,
  type RuntimeCatalog,
  type SparkVersionEntry,
} from "./spark-versions.js";

/** Wire shape of the cluster fields dpn reads (subset of ClusterDetails). */
export interface ClusterDetailsWire {
  cluster_id: string;
  cluster_name?: string;
  spark_version?: string;
  node_type_id?: string;
  num_workers?: number;
  autoscale?: { min_workers?: number; max_workers?: number };
  autotermination_minutes?: number;
  custom_tags?: Record<string, string>;
  data_security_mode?: string;
  state?: string;
  state_message?: string;
  spec?: Record<string, unknown>;
  [k: string]: unknown;
}

/** "Currently, Databricks allows at most 45 custom tags" (naming/tags.ts TYPE_TAGS, with its source). */
export const CLUSTER_TAG_LIMIT = TYPE_TAGS.dbx_cluster.max ?? Number.POSITIVE_INFINITY;

/**
 * Unpinned, a terminated cluster is kept 30 days after termination (databricks-sdk-go ClustersAPI
 * doc). Restore leaves dpn's pin in place on a cluster terminated longer ago than this (23 days),
 * so that restoring never hands Databricks a cluster it removes within a week.
 */
const UNPIN_SAFE_MS = 23 * 24 * 3600 * 1000;

/** Fields of ClusterDetails.spec that clusters/edit accepts; copied so an edit keeps them. */
const EDITABLE = [
  "cluster_name",
  "spark_version",
  "node_type_id",
  "driver_node_type_id",
  "num_workers",
  "autoscale",
  "autotermination_minutes",
  "custom_tags",
  "data_security_mode",
  "single_user_name",
  "spark_conf",
  "spark_env_vars",
  "aws_attributes",
  "azure_attributes",
  "gcp_attributes",
  "instance_pool_id",
  "driver_instance_pool_id",
  "policy_id",
  "apply_policy_default_values",
  "init_scripts",
  "cluster_log_conf",
  "enable_elastic_disk",
  "enable_local_disk_encryption",
  "runtime_engine",
  "ssh_public_keys",
  "kind",
  "is_single_node",
  "use_ml_runtime",
  "docker_image",
  "workload_type",
] as const;

/**
 * The settings dpn manages, as compared in diffs: the wire fields, plus `single_node` for a
 * cluster without workers (true when the single-node configuration is in place).
 */
function propertiesOf(
  p: ClusterProps | Record<string, unknown>,
  singleNode?: boolean,
): Record<string, unknown> {
  const settings = settingsOf(p);
  return isSingleNode(p) ? { ...settings, single_node: singleNode ?? true } : settings;
}

function settingsOf(p: ClusterProps | Record<string, unknown>): Record<string, unknown> {
  const q = p as Record<string, unknown>;
  return {
    ...(q.spark_version !== undefined ? { spark_version: q.spark_version } : {}),
    node_type_id: q.node_type_id,
    ...(q.autoscale ? { autoscale: q.autoscale } : { num_workers: q.num_workers ?? 0 }),
    autotermination_minutes: q.autotermination_minutes,
    data_security_mode: q.data_security_mode,
    ...(typeof q.single_user_name === "string" ? { single_user_name: q.single_user_name } : {}),
  };
}

/**
 * A cluster with `num_workers: 0` is a single-node cluster, which Databricks runs only with this
 * configuration (databricks/cli bundle/config/validate/single_node_cluster.go warns on any
 * `num_workers: 0` spec without it): Spark in local mode and the `ResourceClass` tag. Without it
 * the cluster starts with a driver and no workers and cannot run Spark jobs. dpn sends it with
 * every create and edit of such a cluster, and removes it again when the cluster gets workers.
 */
const SINGLE_NODE_CONF: Record<string, string> = {
  "spark.databricks.cluster.profile": "singleNode",
  "spark.master": "local[*]",
};
const SINGLE_NODE_TAG = { ResourceClass: "SingleNode" } as const;

function isSingleNode(p: ClusterProps | Record<string, unknown>): boolean {
  const q = p as Record<string, unknown>;
  return !q.autoscale && (q.num_workers ?? 0) === 0;
}

/**
 * Put the single-node configuration on a create/edit body when `singleNode`, or take dpn's keys
 * of it off (leaving any other `spark_conf` the user set) when not. `tags` are the encoded
 * custom tags dpn is about to send.
 */
function withSingleNode(
  body: Record<string, unknown>,
  tags: Record<string, string>,
  singleNode: boolean,
): void {
  const conf = { ...((body.spark_conf as Record<string, string> | undefined) ?? {}) };
  for (const [k, v] of Object.entries(SINGLE_NODE_CONF)) {
    if (singleNode) conf[k] = v;
    else if (conf[k] === v) delete conf[k];
  }
  if (Object.keys(conf).length > 0) body.spark_conf = conf;
  else delete body.spark_conf;
  body.custom_tags = singleNode ? { ...tags, ...SINGLE_NODE_TAG } : tags;
}

/** Whether a read cluster carries the complete single-node configuration. */
function singleNodeConfigured(d: ClusterDetailsWire): boolean {
  const conf = ((d.spec?.spark_conf ?? d.spark_conf) as Record<string, string> | undefined) ?? {};
  return (
    Object.entries(SINGLE_NODE_CONF).every(([k, v]) => conf[k] === v) &&
    d.custom_tags?.ResourceClass === SINGLE_NODE_TAG.ResourceClass
  );
}

/**
 * Fields Databricks fills in when the user leaves them out, so reading them back says nothing
 * about what the user chose: databricks/cli bundle/direct/dresources/resources.yml lists them as
 * cluster `backend_defaults` (and the cloud attributes as server-managed). `driver_node_type_id`
 * follows `node_type_id` only while it is unset; an echoed `aws_attributes.zone_id` would pin it.
 */
const SERVER_DEFAULTED = [
  "driver_node_type_id",
  "driver_instance_pool_id",
  "enable_elastic_disk",
  "enable_local_disk_encryption",
  "single_user_name",
] as const;

/**
 * The settings a user chose for this cluster: `spec`, "a snapshot of the latest user specified
 * settings that were used to create/edit the cluster" (databricks-sdk-go compute.ClusterDetails.Spec;
 * returned by clusters/get, not by clusters/list). clusters/edit is a full replace, so an edit built
 * from the server's view (`get` minus `spec`) would send its defaults back as choices: the driver
 * would stay on the old node type and the zone would be pinned. Without `spec` (not expected from
 * clusters/get) the server view is used minus the fields the server fills in.
 */
function userSettings(d: ClusterDetailsWire): Record<string, unknown> {
  const hasSpec = d.spec !== undefined && d.spec !== null && Object.keys(d.spec).length > 0;
  const source = (hasSpec ? d.spec : d) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of EDITABLE) if (source[k] !== undefined) out[k] = source[k];
  if (!hasSpec) {
    for (const k of SERVER_DEFAULTED) delete out[k];
    const aws = out.aws_attributes as Record<string, unknown> | undefined;
    if (aws) {
      const { zone_id: _zone, ...rest } = aws;
      out.aws_attributes = rest;
    }
  }
  return out;
}

function toRemote(d: ClusterDetailsWire): RemoteObject {
  const t = splitComputeTags(d.custom_tags);
  // the single-node tag is part of the platform configuration, not one of the user's tags
  if (t.tags.ResourceClass === SINGLE_NODE_TAG.ResourceClass && !d.autoscale && (d.num_workers ?? 0) === 0)
    delete t.tags.ResourceClass;
  return {
    type: "dbx_cluster",
    remoteId: d.cluster_id,
    name: d.cluster_name ?? "",
    fullName: d.cluster_name ?? "",
    properties: propertiesOf(
      {
        spark_version: d.spark_version,
        node_type_id: d.node_type_id,
        autoscale: d.autoscale
          ? { min_workers: d.autoscale.min_workers, max_workers: d.autoscale.max_workers }
          : undefined,
        num_workers: d.num_workers,
        autotermination_minutes: d.autotermination_minutes ?? 0,
        data_security_mode: d.data_security_mode,
        single_user_name: d.single_user_name,
      },
      singleNodeConfigured(d),
    ),
    tags: t.tags,
    ownership: t.ownership,
    archived: t.archived,
    ...(d.state ? { status: d.state } : {}),
    ...withProvenance(provenanceOf(d.start_time, d.creator_user_name)),
  };
}

interface CachedCatalog {
  versions?: Promise<SparkVersionEntry[]>;
  nodeTypes?: Promise<NodeTypeEntry[]>;
}

/** The workspace's runtime and node-type lists, fetched once per client (a failed fetch is retried). */
const catalogs = new WeakMap<DatabricksClient, CachedCatalog>();

function cachedList<T>(
  client: DatabricksClient,
  slot: keyof CachedCatalog,
  fetchList: () => Promise<T[]>,
): Promise<T[]> {
  let entry = catalogs.get(client);
  if (!entry) {
    entry = {};
    catalogs.set(client, entry);
  }
  const cached = entry[slot] as Promise<T[]> | undefined;
  if (cached) return cached;
  const p = fetchList();
  (entry as Record<string, Promise<unknown>>)[slot] = p;
  p.catch(() => {
    if (entry[slot] === (p as unknown)) delete entry[slot];
  });
  return p;
}

export class ClusterProvider implements Provider<"dbx_cluster"> {
  readonly type = "dbx_cluster" as const;
  readonly service = serviceOf("dbx_cluster");
  constructor(private readonly deps: ProviderDeps) {}

  private get client() {
    return this.deps.client;
  }

  /** What the workspace offers: `GET /api/2.1/clusters/spark-versions` and `…/list-node-types`, cached per client. */
  private async runtimeCatalog(signal?: AbortSignal): Promise<RuntimeCatalog> {
    const [versions, nodeTypes] = await Promise.all([
      cachedList<SparkVersionEntry>(this.client, "versions", async () => {
        const r = await this.client.request<{ versions?: SparkVersionEntry[] }>(
          "GET",
          "/api/2.1/clusters/spark-versions",
          { signal },
        );
        return r.versions ?? [];
      }),
      cachedList<NodeTypeEntry>(this.client, "nodeTypes", async () => {
        const r = await this.client.request<{ node_types?: NodeTypeEntry[] }>(
          "GET",
          "/api/2.1/clusters/list-node-types",
          { signal },
        );
        return r.node_types ?? [];
      }),
    ]);
    return { versions, nodeTypes };
  }

  /**
   * Plan-time check: fill an unset `spark_version` with the workspace's latest LTS and refuse a
   * `spark_version` / `node_type_id` the workspace does not list (spark-versions.ts
   * `checkClusterAgainstCatalog`: DpnError kind validation, exit 3). Reads both lists once per
   * client. A failing read throws the client's ProviderError (auth, network).
   */
  async check(
    desired: DesiredResource<"dbx_cluster">,
    ctx: ProviderContext,
  ): Promise<DesiredResource<"dbx_cluster">> {
    return checkClusterAgainstCatalog(desired, await this.runtimeCatalog(ctx.signal));
  }

  private get(clusterId: string, signal?: AbortSignal): Promise<ClusterDetailsWire> {
    return this.client.request<ClusterDetailsWire>("GET", "/api/2.1/clusters/get", {
      query: { cluster_id: clusterId },
      signal,
    });
  }

  async read(remoteId: string, ctx: ProviderContext): Promise<RemoteObject | null> {
    const d = await orNull(this.get(remoteId, ctx.signal));
    return d ? toRemote(d) : null;
  }

  /** The inventory (inventory.ts): clusters/list pages, converted as read() does. */
  list(ctx: ProviderContext, opts?: InventoryOptions): Promise<RemoteObject[]> {
    return listClusters(this.client, toRemote, ctx, opts);
  }

  /** SCIM Me `userName`, the spelling of `creator_user_name` (principal.ts); cached per client. */
  principal(ctx: ProviderContext): Promise<string | undefined> {
    return principalOf(this.client, ctx.signal);
  }

  async lookup(desired: DesiredResource<"dbx_cluster">, ctx: ProviderContext): Promise<RemoteObject | null> {
    let pageToken: string | undefined;
    do {
      const page = await this.client.request<{ clusters?: ClusterDetailsWire[]; next_page_token?: string }>(
        "GET",
        "/api/2.1/clusters/list",
        {
          query: { page_size: 100, page_token: pageToken },
          signal: ctx.signal,
        },
      );
      for (const c of page.clusters ?? []) {
        if (c.cluster_name !== desired.name) continue;
        const r = toRemote(c);
        if (ownedBy(r.ownership, ctx.stackId, desired.address)) return r;
      }
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return null;
  }

  async create(input: DesiredResource<"dbx_cluster">, ctx: ProviderContext): Promise<RemoteObject> {
    // A caller that skipped the plan-time check still gets the workspace's latest LTS.
    const desired = input.properties.spark_version ? input : await this.check(input, ctx);
    const ownership: Ownership = { stackId: ctx.stackId, address: desired.address };
    const custom_tags = buildComputeTags(
      desired.tags,
      ownershipMarkers(ownership),
      CLUSTER_TAG_LIMIT,
      `Cluster ${desired.name}`,
    );
    const body: Record<string, unknown> = { cluster_name: desired.name, ...settingsOf(desired.properties) };
    withSingleNode(body, custom_tags, isSingleNode(desired.properties));
    const res = await this.client.request<{ cluster_id?: string }>("POST", "/api/2.1/clusters/create", {
      body,
      signal: ctx.signal,
    });
    if (!res.cluster_id) {
      throw new ProviderError(
        "internal",
        "DBX_BAD_RESPONSE",
        `clusters/create for ${desired.name} returned no cluster_id`,
        { outcome: "unknown" },
      );
    }
    if (this.deps.opts.waitForClusters) {
      return toRemote(
        await this.waitFor(res.cluster_id, (s) => s === "RUNNING", ["TERMINATED", "ERROR"], ctx),
      );
    }
    // Built from what was sent, to save a round trip; the cluster is PENDING right after create.
    return toRemote({ cluster_id: res.cluster_id, ...body, state: "PENDING" } as ClusterDetailsWire);
  }

  diff(desired: DesiredResource<"dbx_cluster">, live: RemoteObject): FieldChange[] {
    const changes: FieldChange[] = [];
    const want = propertiesOf(desired.properties);
    for (const k of new Set([...Object.keys(want), ...Object.keys(live.properties)])) {
      // The server names the caller when a SINGLE_USER cluster leaves it open, and an unset
      // runtime (no plan-time check ran) means "any": neither is drift.
      if ((k === "single_user_name" || k === "spark_version") && want[k] === undefined) continue;
      compare(changes, k, live.properties[k], want[k]);
    }
    compare(changes, "tags", live.tags, desired.tags);
    return changes;
  }

  async update(
    desired: DesiredResource<"dbx_cluster">,
    live: RemoteObject,
    ctx: ProviderContext,
  ): Promise<RemoteObject> {
    return this.edit(live.remoteId, ctx, (spec, markers) => {
      delete spec.autoscale;
      delete spec.num_workers;
      Object.assign(spec, settingsOf(desired.properties));
      withSingleNode(
        spec,
        buildComputeTags(desired.tags, markers, CLUSTER_TAG_LIMIT, `Cluster ${desired.name}`),
        isSingleNode(desired.properties),
      );
    });
  }

  /**
   * Rename in place: clusters/edit with the cluster's own spec and the new `cluster_name` (edit
   * replaces the whole configuration; it is accepted only while RUNNING or TERMINATED, and
   * restarts a RUNNING cluster: databricks-sdk-go compute ClustersAPI.Edit).
   */
  async rename(remote: RemoteObject, newName: string, ctx: ProviderContext): Promise<RemoteObject> {
    return this.edit(
      remote.remoteId,
      ctx,
      (spec) => {
        spec.cluster_name = newName;
      },
      (r) => r.name === newName,
    );
  }

  async revert(snapshot: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.edit(snapshot.remoteId, ctx, (spec, markers) => {
      delete spec.autoscale;
      delete spec.num_workers;
      Object.assign(spec, settingsOf(snapshot.properties));
      const m = { ...markers };
      if (!snapshot.archived) {
        delete m[MARKER_KEYS.archivedAt];
        delete m[MARKER_KEYS.archivedBy];
      }
      if (!snapshot.ownership) {
        delete m[MARKER_KEYS.stack];
        delete m[MARKER_KEYS.address];
      }
      withSingleNode(
        spec,
        buildComputeTags(snapshot.tags, m, CLUSTER_TAG_LIMIT, `Cluster ${snapshot.name}`),
        isSingleNode(snapshot.properties),
      );
    });
  }

  async delete(remote: RemoteObject, ctx: ProviderContext): Promise<void> {
    // permanent-delete works in every state, including PENDING (rollback right after create).
    await ignoreNotFound(
      this.client.request("POST", "/api/2.1/clusters/permanent-delete", {
        body: { cluster_id: remote.remoteId },
        idempotent: true,
        signal: ctx.signal,
      }),
    );
  }

  /**
   * Archive = terminate + archive markers + pin. Databricks keeps a terminated all-purpose
   * cluster's configuration for 30 days only, unless it is pinned (databricks-sdk-go
   * service/compute/api.go, ClustersAPI doc), so an archive that did not pin would vanish. The
   * pin state before archive is kept in the `dpn_prev_pin` marker so restore unpins only what
   * archive pinned. The pin comes last: a crash between the marker edit and the pin is finished
   * by the next archive (the marker already holds the previous state), and a restore after it is
   * exact (unpinning an unpinned cluster "will have no effect"). Pinning needs workspace admin
   * rights: without them archive fails with `DBX_CLUSTER_PIN_FAILED` (outcome unknown: the
   * cluster is terminated and marked, so the engine rolls the archive back).
   */
  async archive(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    const d = await orNull(this.get(remote.remoteId, ctx.signal));
    if (!d) throw vanished("Cluster", remote.remoteId);
    const current = toRemote(d);
    const pinned = await this.isPinned(remote.remoteId, ctx);
    if (current.archived && d.state === "TERMINATED" && pinned) return current;
    if (d.state !== "TERMINATED" && d.state !== "TERMINATING") {
      await this.client.request("POST", "/api/2.1/clusters/delete", {
        body: { cluster_id: remote.remoteId },
        idempotent: true,
        signal: ctx.signal,
      });
    }
    await this.waitFor(remote.remoteId, (s) => s === "TERMINATED", [], ctx);
    // Editing a TERMINATED cluster keeps it terminated, so the marker does not restart it.
    let result = await this.edit(
      remote.remoteId,
      ctx,
      (spec, markers, tags) => {
        spec.custom_tags = buildComputeTags(
          tags,
          { ...markers, ...archiveMarkers(ctx), [PREV_PIN_KEY]: pinned ? "PINNED" : "UNPINNED" },
          CLUSTER_TAG_LIMIT,
          `Cluster ${remote.name}`,
        );
      },
      (r) => r.archived,
    );
    if (!pinned) {
      await this.pinRequest("pin", remote.remoteId, ctx);
      result = (await this.read(remote.remoteId, ctx)) ?? result;
    }
    return result;
  }

  /**
   * Restore = unpin (only when archive pinned it: marker `dpn_prev_pin` = UNPINNED; clusters
   * archived by dpn 0.2.0 carry no such marker and were never pinned) + clear the markers; start
   * only with `startOnRestore`. Unpin comes first, so a crash in between is finished by the next
   * restore. One exception: a cluster that stays TERMINATED and was terminated more than
   * UNPIN_SAFE_MS ago keeps its pin — unpinned, Databricks would drop its configuration (30 days
   * after termination) within days of the restore.
   */
  async restore(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    const d = await orNull(this.get(remote.remoteId, ctx.signal));
    if (!d) throw vanished("Cluster", remote.remoteId);
    const split = splitComputeTags(d.custom_tags);
    const now = this.deps.opts.now?.() ?? Date.now();
    const staysTerminated = d.state === "TERMINATED" && !this.deps.opts.startOnRestore;
    const terminatedAgo = typeof d.terminated_time === "number" ? now - d.terminated_time : 0;
    const unpinWouldLoseIt = staysTerminated && terminatedAgo > UNPIN_SAFE_MS;
    if (split.archived && split.markers[PREV_PIN_KEY] === "UNPINNED" && !unpinWouldLoseIt)
      await this.pinRequest("unpin", remote.remoteId, ctx);
    const result = await this.edit(
      remote.remoteId,
      ctx,
      (spec, markers, tags) => {
        const m = { ...markers };
        delete m[MARKER_KEYS.archivedAt];
        delete m[MARKER_KEYS.archivedBy];
        delete m[PREV_PIN_KEY];
        spec.custom_tags = buildComputeTags(tags, m, CLUSTER_TAG_LIMIT, `Cluster ${remote.name}`);
      },
      (r) => !r.archived,
    );
    if (this.deps.opts.startOnRestore && result.status === "TERMINATED") {
      await this.client.request("POST", "/api/2.1/clusters/start", {
        body: { cluster_id: remote.remoteId },
        idempotent: true,
        signal: ctx.signal,
      });
      return (await this.read(remote.remoteId, ctx)) ?? result;
    }
    return result;
  }

  /**
   * Whether the cluster is pinned. ClusterDetails does not say; clusters/list filters on it
   * (`filter_by.is_pinned`, databricks-sdk-go compute.ListClustersFilterBy, encoded as the SDK's
   * query encoder does: nested fields joined with ".").
   */
  private async isPinned(clusterId: string, ctx: ProviderContext): Promise<boolean> {
    let pageToken: string | undefined;
    do {
      const page = await this.client.request<{ clusters?: ClusterDetailsWire[]; next_page_token?: string }>(
        "GET",
        "/api/2.1/clusters/list",
        { query: { "filter_by.is_pinned": true, page_size: 100, page_token: pageToken }, signal: ctx.signal },
      );
      if ((page.clusters ?? []).some((c) => c.cluster_id === clusterId)) return true;
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return false;
  }

  /** clusters/pin or /unpin (idempotent by the API's own terms; workspace admins only). */
  private async pinRequest(op: "pin" | "unpin", clusterId: string, ctx: ProviderContext): Promise<void> {
    try {
      await this.client.request("POST", `/api/2.1/clusters/${op}`, {
        body: { cluster_id: clusterId },
        idempotent: true,
        signal: ctx.signal,
      });
    } catch (e) {
      if (!(e instanceof DatabricksCallError) || e.api.status !== 403) throw e;
      throw new ProviderError(
        "auth",
        "DBX_CLUSTER_PIN_FAILED",
        `Cluster ${clusterId} could not be ${op}ned: ${e.message}`,
        {
          outcome: op === "pin" ? "unknown" : "not_applied",
          hint:
            op === "pin"
              ? "Pinning needs workspace admin rights. Without a pin Databricks removes a terminated cluster's configuration after 30 days, so dpn does not archive clusters it cannot pin."
              : "Unpinning needs workspace admin rights; the cluster stays pinned until an admin unpins it.",
          details: { cluster_id: clusterId },
          cause: e,
        },
      );
    }
  }

  async adopt(remote: RemoteObject, ownership: Ownership, ctx: ProviderContext): Promise<RemoteObject> {
    return this.edit(
      remote.remoteId,
      ctx,
      (spec, markers, tags) => {
        spec.custom_tags = buildComputeTags(
          tags,
          { ...markers, ...ownershipMarkers(ownership) },
          CLUSTER_TAG_LIMIT,
          `Cluster ${remote.name}`,
        );
      },
      (r) => ownedBy(r.ownership, ownership.stackId, ownership.address),
    );
  }

  /**
   * Read the cluster, let `mutate` change the full edit spec, send clusters/edit (a full
   * replace, so safe to resend). Edit is refused while the cluster is PENDING/RESIZING/…; then
   * wait for RUNNING or TERMINATED and retry. `skipIf` makes archive/restore idempotent.
   */
  private async edit(
    clusterId: string,
    ctx: ProviderContext,
    mutate: (
      spec: Record<string, unknown>,
      markers: Record<string, string>,
      tags: Record<string, string>,
    ) => void,
    skipIf?: (r: RemoteObject) => boolean,
  ): Promise<RemoteObject> {
    for (let attempt = 0; ; attempt++) {
      const d = await orNull(this.get(clusterId, ctx.signal));
      if (!d) throw vanished("Cluster", clusterId);
      const current = toRemote(d);
      if (skipIf?.(current)) return current;
      const spec: Record<string, unknown> = { cluster_id: clusterId, ...userSettings(d) };
      const split = splitComputeTags(d.custom_tags);
      mutate(spec, split.markers, split.tags);
      try {
        await this.client.request("POST", "/api/2.1/clusters/edit", {
          body: spec,
          idempotent: true,
          signal: ctx.signal,
        });
      } catch (e) {
        if (attempt < 3 && e instanceof DatabricksCallError && e.api.errorCode === "INVALID_STATE") {
          await this.waitFor(clusterId, (s) => s === "RUNNING" || s === "TERMINATED", [], ctx);
          continue;
        }
        throw e;
      }
      const after = await orNull(this.get(clusterId, ctx.signal));
      if (!after) throw vanished("Cluster", clusterId);
      return toRemote(after);
    }
  }

  /** Poll clusters/get until `done(state)`; a state in `fatal` fails with its state_message. */
  private async waitFor(
    clusterId: string,
    done: (s: string) => boolean,
    fatal: string[],
    ctx: ProviderContext,
  ): Promise<ClusterDetailsWire> {
    const deadline = Date.now() + (this.deps.opts.clusterWaitMs ?? 30 * 60_000);
    let delay = this.deps.opts.pollMs ?? 1000;
    for (;;) {
      const d = await orNull(this.get(clusterId, ctx.signal));
      if (!d) throw vanished("Cluster", clusterId);
      const state = d.state ?? "UNKNOWN";
      if (done(state)) return d;
      if (fatal.includes(state)) {
        throw new ProviderError(
          "unavailable",
          "DBX_CLUSTER_FAILED",
          `Cluster ${clusterId} failed to reach the wanted state, got ${state}: ${d.state_message ?? ""}`,
          {
            outcome: "unknown",
            details: { cluster_id: clusterId, state },
          },
        );
      }
      if (Date.now() > deadline) {
        throw new ProviderError(
          "timeout",
          "DBX_CLUSTER_WAIT_TIMEOUT",
          `Cluster ${clusterId} is still ${state}`,
          {
            outcome: "unknown",
            hint: "Databricks may be waiting for cloud capacity; check the cluster in the workspace.",
            details: { cluster_id: clusterId, state },
          },
        );
      }
      await sleep(delay, ctx.signal);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
