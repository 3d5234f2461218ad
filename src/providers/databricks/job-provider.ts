/**
 * `dbx_job`: Jobs API 2.2. Job names are not unique, so lookup lists by name and keeps the job
 * whose ownership tags name this stack and address. Update = jobs/reset with the full new
 * settings (unmanaged settings of the live job are carried over); revert resets to the
 * snapshot. Archive = pause the schedule + archive marker (the previous pause status is kept in
 * a marker so restore undoes archive exactly). Job ids are strings (int64, may exceed 2^53).
 */
import { ProviderError } from "../../core/errors.js";
import { type DesiredResource, type JobTask, MARKER_KEYS, type Ownership } from "../../core/resources.js";
import type { FieldChange, Provider, ProviderContext, RemoteObject } from "../../engine/ports.js";
import { TYPE_TAGS } from "../../naming/tags.js";
import { serviceOf } from "../../types/registry.js";
import { isNotFoundError } from "./client.js";
import { buildComputeTags, PREV_PAUSE_KEY, splitComputeTags } from "./compute-tags.js";
import { type InventoryOptions, listJobs } from "./inventory.js";
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

/** "A maximum of 25 tags can be added to the job." (naming/tags.ts TYPE_TAGS, with its source). */
export const JOB_TAG_LIMIT = TYPE_TAGS.dbx_job.max ?? Number.POSITIVE_INFINITY;

type Schedule = { quartz_cron_expression: string; timezone_id: string; pause_status?: string };

export interface JobSettingsWire {
  name?: string;
  tasks?: Record<string, unknown>[];
  schedule?: Schedule;
  max_concurrent_runs?: number;
  tags?: Record<string, string>;
  [k: string]: unknown;
}

export interface JobWire {
  /** Decimal string: parsed from the raw JSON text without precision loss. */
  job_id: string;
  settings?: JobSettingsWire;
  creator_user_name?: string;
  /** Epoch ms. */
  created_time?: number;
  /** API 2.2 jobs/get: more array entries on the next page (see `getJob`). */
  next_page_token?: string;
  has_more?: boolean;
}

/**
 * JobSettings arrays that jobs/get (API 2.2) returns 100 at a time; later pages carry the rest
 * (databricks-sdk-go service/jobs/ext_api.go `JobsAPI.Get` merges exactly these four).
 */
const PAGED_ARRAYS = ["tasks", "job_clusters", "parameters", "environments"] as const;

/**
 * Settings fields jobs/get returns that are not settings one writes: `format` "is ignored in
 * Create/Update/Reset calls" (databricks-sdk-go jobs.JobSettings.Format), so a reset never echoes it.
 */
const READ_ONLY_SETTINGS = ["format"] as const;

/** Settings as jobs/reset should get them: read-only fields removed. */
export function writableSettings(s: JobSettingsWire): JobSettingsWire {
  const out: JobSettingsWire = { ...s };
  for (const k of READ_ONLY_SETTINGS) delete out[k];
  return out;
}

const COMPUTE_KEYS = ["existing_cluster_id", "job_cluster_key", "new_cluster", "environment_key"];

/** Replace cluster refs by remote cluster ids. Throws `DBX_REF_UNRESOLVED` (invalid_input). */
function wireTasks(desired: DesiredResource<"dbx_job">, ctx: ProviderContext): Record<string, unknown>[] {
  return desired.properties.tasks.map((t: JobTask) => {
    const { existing_cluster_ref, ...rest } = t;
    const task: Record<string, unknown> = { ...rest };
    const hasCompute = COMPUTE_KEYS.some((k) => task[k] !== undefined);
    const ref = existing_cluster_ref ?? (hasCompute ? undefined : desired.properties.cluster_ref);
    if (ref) {
      const id = ctx.resolveRef(ref);
      if (!id) {
        throw new ProviderError(
          "invalid_input",
          "DBX_REF_UNRESOLVED",
          `Job ${desired.name} task ${t.task_key}: cluster ${ref} has no remote id yet`,
          {
            hint: "The cluster must be created (or imported) before the job.",
          },
        );
      }
      task.existing_cluster_id = id;
    }
    return task;
  });
}

/** Tasks without their compute binding, for diffs (refs cannot be resolved in a pure diff). */
function comparableTasks(tasks: Record<string, unknown>[]): Record<string, unknown>[] {
  return tasks.map((t) => {
    const { existing_cluster_id: _id, existing_cluster_ref: _ref, ...rest } = t;
    return rest;
  });
}

function toRemote(j: JobWire): RemoteObject {
  const s = j.settings ?? {};
  const t = splitComputeTags(s.tags);
  const tasks = s.tasks ?? [];
  const clusterId = tasks.find((x) => typeof x.existing_cluster_id === "string")?.existing_cluster_id;
  return {
    type: "dbx_job",
    remoteId: j.job_id,
    name: s.name ?? "",
    fullName: s.name ?? "",
    properties: {
      tasks,
      ...(s.schedule ? { schedule: s.schedule } : {}),
      max_concurrent_runs: s.max_concurrent_runs ?? 1,
      ...(clusterId ? { cluster_id: clusterId } : {}),
    },
    tags: t.tags,
    ownership: t.ownership,
    archived: t.archived,
    ...withProvenance(provenanceOf(j.created_time, j.creator_user_name)),
  };
}

export class JobProvider implements Provider<"dbx_job"> {
  readonly type = "dbx_job" as const;
  readonly service = serviceOf("dbx_job");
  constructor(private readonly deps: ProviderDeps) {}

  private get client() {
    return this.deps.client;
  }

  /**
   * jobs/get with every page followed: API 2.2 returns at most 100 tasks / job_clusters /
   * parameters / environments per response and a `next_page_token` on the Job; each later page
   * holds the next entries of those arrays, which are appended (as the SDK's `JobsAPI.Get` does).
   * A job built from the first page alone would lose tasks on the next reset.
   */
  private async get(jobId: string, signal?: AbortSignal): Promise<JobWire> {
    const first = await this.client.request<JobWire>("GET", "/api/2.2/jobs/get", {
      query: { job_id: jobId },
      signal,
    });
    const settings: JobSettingsWire = { ...(first.settings ?? {}) };
    let token = first.next_page_token || undefined;
    for (let pages = 1; token; pages++) {
      if (pages > 100) {
        throw new ProviderError(
          "internal",
          "DBX_BAD_RESPONSE",
          `jobs/get for job ${jobId} never stopped paging`,
          {
            details: { job_id: jobId },
          },
        );
      }
      const next = await this.client.request<JobWire>("GET", "/api/2.2/jobs/get", {
        query: { job_id: jobId, page_token: token },
        signal,
      });
      const acc = settings as Record<string, unknown>;
      for (const key of PAGED_ARRAYS) {
        const more = next.settings?.[key] as unknown[] | undefined;
        if (more?.length) acc[key] = [...((acc[key] as unknown[] | undefined) ?? []), ...more];
      }
      token = next.next_page_token || undefined;
    }
    const { next_page_token: _t, has_more: _m, ...job } = first;
    return { ...job, settings };
  }

  async read(remoteId: string, ctx: ProviderContext): Promise<RemoteObject | null> {
    const j = await orNull(this.get(remoteId, ctx.signal));
    return j ? toRemote(j) : null;
  }

  /** The inventory (inventory.ts): jobs/list pages with tasks, jobs/get only for a job cut at 100. */
  list(ctx: ProviderContext, opts?: InventoryOptions): Promise<RemoteObject[]> {
    return listJobs(this.client, toRemote, (id) => this.read(id, ctx), ctx, opts);
  }

  /** SCIM Me `userName`, the spelling of `creator_user_name` (principal.ts); cached per client. */
  principal(ctx: ProviderContext): Promise<string | undefined> {
    return principalOf(this.client, ctx.signal);
  }

  async lookup(desired: DesiredResource<"dbx_job">, ctx: ProviderContext): Promise<RemoteObject | null> {
    let pageToken: string | undefined;
    const owned: string[] = [];
    do {
      const page = await this.client.request<{
        jobs?: JobWire[];
        next_page_token?: string;
        has_more?: boolean;
      }>("GET", "/api/2.2/jobs/list", {
        query: { name: desired.name, limit: 100, page_token: pageToken },
        signal: ctx.signal,
      });
      for (const j of page.jobs ?? []) {
        if (ownedBy(splitComputeTags(j.settings?.tags).ownership, ctx.stackId, desired.address))
          owned.push(j.job_id);
      }
      pageToken = page.has_more === false ? undefined : page.next_page_token || undefined;
    } while (pageToken);
    // Several owned duplicates can only come from an earlier lost create response; the oldest wins.
    owned.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    for (const id of owned) {
      const r = await this.read(id, ctx);
      if (r) return r;
    }
    return null;
  }

  async create(desired: DesiredResource<"dbx_job">, ctx: ProviderContext): Promise<RemoteObject> {
    const ownership: Ownership = { stackId: ctx.stackId, address: desired.address };
    const settings: JobSettingsWire = {
      name: desired.name,
      tasks: wireTasks(desired, ctx),
      ...(desired.properties.schedule
        ? { schedule: { pause_status: "UNPAUSED", ...desired.properties.schedule } }
        : {}),
      max_concurrent_runs: desired.properties.max_concurrent_runs,
      tags: buildComputeTags(desired.tags, ownershipMarkers(ownership), JOB_TAG_LIMIT, `Job ${desired.name}`),
    };
    const res = await this.client.request<{ job_id?: string }>("POST", "/api/2.2/jobs/create", {
      body: settings,
      signal: ctx.signal,
    });
    if (!res.job_id) {
      throw new ProviderError(
        "internal",
        "DBX_BAD_RESPONSE",
        `jobs/create for ${desired.name} returned no job_id`,
        { outcome: "unknown" },
      );
    }
    return toRemote({ job_id: String(res.job_id), settings });
  }

  diff(desired: DesiredResource<"dbx_job">, live: RemoteObject): FieldChange[] {
    const changes: FieldChange[] = [];
    const p = desired.properties;
    compare(
      changes,
      "tasks",
      comparableTasks((live.properties.tasks as Record<string, unknown>[]) ?? []),
      comparableTasks(p.tasks),
    );
    const liveSchedule = live.properties.schedule as Schedule | undefined;
    const wantSchedule = p.schedule ? { pause_status: "UNPAUSED", ...p.schedule } : undefined;
    // An archived job is paused on purpose; that is not drift.
    const liveCmp =
      live.archived && liveSchedule && wantSchedule
        ? { ...liveSchedule, pause_status: wantSchedule.pause_status }
        : liveSchedule;
    compare(changes, "schedule", liveCmp, wantSchedule);
    compare(changes, "max_concurrent_runs", live.properties.max_concurrent_runs, p.max_concurrent_runs);
    compare(changes, "tags", live.tags, desired.tags);
    return changes;
  }

  async update(
    desired: DesiredResource<"dbx_job">,
    live: RemoteObject,
    ctx: ProviderContext,
  ): Promise<RemoteObject> {
    const tasks = wireTasks(desired, ctx);
    return this.reset(live.remoteId, ctx, (s, markers) => {
      s.name = desired.name;
      s.tasks = tasks;
      const archived = markers[MARKER_KEYS.archivedAt] !== undefined;
      if (desired.properties.schedule)
        s.schedule = {
          pause_status: "UNPAUSED",
          ...desired.properties.schedule,
          ...(archived ? { pause_status: "PAUSED" } : {}),
        };
      else delete s.schedule;
      s.max_concurrent_runs = desired.properties.max_concurrent_runs;
      s.tags = buildComputeTags(desired.tags, markers, JOB_TAG_LIMIT, `Job ${desired.name}`);
    });
  }

  /**
   * Rename in place: jobs/update with `new_settings.name` only (top-level fields it names are
   * replaced, the rest stays: databricks-sdk-go jobs.UpdateJob); the job id stays.
   */
  async rename(remote: RemoteObject, newName: string, ctx: ProviderContext): Promise<RemoteObject> {
    if (!newName.trim())
      throw new ProviderError("invalid_input", "DBX_INVALID_REQUEST", "A job needs a name", {
        outcome: "not_applied",
      });
    if (remote.name !== newName) {
      try {
        await this.client.request("POST", "/api/2.2/jobs/update", {
          body: { job_id: remote.remoteId, new_settings: { name: newName } },
          idempotent: true,
          signal: ctx.signal,
        });
      } catch (e) {
        if (isNotFoundError(e)) throw vanished("Job", remote.remoteId);
        throw e;
      }
    }
    const after = await this.read(remote.remoteId, ctx);
    if (!after) throw vanished("Job", remote.remoteId);
    return after;
  }

  async revert(snapshot: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.reset(snapshot.remoteId, ctx, (s, markers) => {
      s.name = snapshot.name;
      s.tasks = snapshot.properties.tasks as Record<string, unknown>[];
      if (snapshot.properties.schedule) s.schedule = snapshot.properties.schedule as Schedule;
      else delete s.schedule;
      s.max_concurrent_runs = snapshot.properties.max_concurrent_runs as number;
      const m = { ...markers };
      if (!snapshot.archived) {
        delete m[MARKER_KEYS.archivedAt];
        delete m[MARKER_KEYS.archivedBy];
        delete m[PREV_PAUSE_KEY];
      }
      if (!snapshot.ownership) {
        delete m[MARKER_KEYS.stack];
        delete m[MARKER_KEYS.address];
      }
      s.tags = buildComputeTags(snapshot.tags, m, JOB_TAG_LIMIT, `Job ${snapshot.name}`);
    });
  }

  async delete(remote: RemoteObject, ctx: ProviderContext): Promise<void> {
    await ignoreNotFound(
      this.client.request("POST", "/api/2.2/jobs/delete", {
        body: { job_id: remote.remoteId },
        idempotent: true,
        signal: ctx.signal,
      }),
    );
  }

  async archive(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.reset(
      remote.remoteId,
      ctx,
      (s, markers, tags) => {
        const prev = s.schedule?.pause_status ?? (s.schedule ? "UNPAUSED" : "NONE");
        if (s.schedule) s.schedule = { ...s.schedule, pause_status: "PAUSED" };
        s.tags = buildComputeTags(
          tags,
          { ...markers, ...archiveMarkers(ctx), [PREV_PAUSE_KEY]: prev },
          JOB_TAG_LIMIT,
          `Job ${remote.name}`,
        );
      },
      (r) => r.archived,
    );
  }

  async restore(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.reset(
      remote.remoteId,
      ctx,
      (s, markers, tags) => {
        const prev = markers[PREV_PAUSE_KEY];
        if (s.schedule && (prev === "PAUSED" || prev === "UNPAUSED"))
          s.schedule = { ...s.schedule, pause_status: prev };
        const m = { ...markers };
        delete m[MARKER_KEYS.archivedAt];
        delete m[MARKER_KEYS.archivedBy];
        delete m[PREV_PAUSE_KEY];
        s.tags = buildComputeTags(tags, m, JOB_TAG_LIMIT, `Job ${remote.name}`);
      },
      (r) => !r.archived,
    );
  }

  async adopt(remote: RemoteObject, ownership: Ownership, ctx: ProviderContext): Promise<RemoteObject> {
    return this.reset(
      remote.remoteId,
      ctx,
      (s, markers, tags) => {
        s.tags = buildComputeTags(
          tags,
          { ...markers, ...ownershipMarkers(ownership) },
          JOB_TAG_LIMIT,
          `Job ${remote.name}`,
        );
      },
      (r) => ownedBy(r.ownership, ownership.stackId, ownership.address),
    );
  }

  /** Read settings, mutate, jobs/reset (full replace: safe to resend), return the new state. */
  private async reset(
    jobId: string,
    ctx: ProviderContext,
    mutate: (s: JobSettingsWire, markers: Record<string, string>, tags: Record<string, string>) => void,
    skipIf?: (r: RemoteObject) => boolean,
  ): Promise<RemoteObject> {
    const j = await orNull(this.get(jobId, ctx.signal));
    if (!j) throw vanished("Job", jobId);
    const current = toRemote(j);
    if (skipIf?.(current)) return current;
    const settings = writableSettings(j.settings ?? {});
    const split = splitComputeTags(settings.tags);
    mutate(settings, split.markers, split.tags);
    await this.client.request("POST", "/api/2.2/jobs/reset", {
      body: { job_id: jobId, new_settings: settings },
      idempotent: true,
      signal: ctx.signal,
    });
    return toRemote({ job_id: jobId, settings });
  }
}
