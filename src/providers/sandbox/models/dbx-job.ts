/**
 * Simulated Databricks job: numeric string ids from a durable counter, names NOT unique (two
 * creates make two jobs), so lookup is by name and ownership marker. Tasks run on the job's
 * cluster: cluster addresses (`cluster_ref`, `existing_cluster_ref`) become `existing_cluster_id`
 * on the platform and are mapped back through the cluster's ownership marker on read, so `diff`
 * compares addresses with addresses. Archive pauses an active schedule (not drift: diff ignores
 * it while archived); restore unpauses only what archive paused.
 */
import { type JobProps, type JobTask, MARKER_KEYS } from "../../../core/resources.js";
import type { ProviderContext } from "../../../engine/ports.js";
import type { SandboxStore } from "../sandbox-store.js";
import { clone, compact, platformError, stringMap, type TypeModel } from "../type-model.js";

/** Memo archive keeps when it paused the schedule, so restore unpauses only what it paused. */
const ARCHIVED_PAUSE_KEY = "dpn_archived_paused_schedule";
const COMPUTE_KEYS = [
  "existing_cluster_id",
  "existing_cluster_ref",
  "new_cluster",
  "job_cluster_key",
  "environment_key",
];

interface Settings {
  name: string;
  tags: Record<string, string>;
  tasks: JobTask[];
  schedule?: { quartz_cron_expression: string; timezone_id: string; pause_status?: string };
  max_concurrent_runs: number;
  format: "MULTI_TASK";
}

function invalid(message: string) {
  return platformError("invalid_input", "REMOTE_INVALID_INPUT", message, {
    platform: "databricks",
    platformCode: "INVALID_PARAMETER_VALUE",
    status: 400,
  });
}

/** Cluster id for an address (or id): the run's resolver, then our marker, then a literal id. */
function resolveCluster(ref: string, ctx: ProviderContext, store: SandboxStore, stackId: string): string {
  const resolved = ctx.resolveRef(ref);
  if (resolved !== undefined) {
    if (!store.get("dbx_cluster", resolved))
      throw invalid(`Cluster ${resolved} (for ${ref}) does not exist.`);
    return resolved;
  }
  const byMarker = store.ofType("dbx_cluster").find((c) => {
    const tags = stringMap(c.data, "custom_tags");
    return tags[MARKER_KEYS.stack] === stackId && tags[MARKER_KEYS.address] === ref;
  });
  if (byMarker) return byMarker.remoteId;
  if (store.get("dbx_cluster", ref)) return ref;
  throw invalid(`Cluster reference '${ref}' does not resolve to an existing cluster.`);
}

/** Address of a cluster id when the cluster carries a dpn marker, else the id itself. */
function clusterRefOf(id: string, store: SandboxStore): string {
  const c = store.get("dbx_cluster", id);
  return (c && stringMap(c.data, "custom_tags")[MARKER_KEYS.address]) || id;
}

/** Tasks with no compute run on the job's cluster; schedules are UNPAUSED unless said otherwise. */
function normalizeTasks(tasks: JobTask[] | undefined, clusterRef: string): JobTask[] {
  return (tasks ?? []).map((t) => {
    const copy = clone(t);
    if (!COMPUTE_KEYS.some((k) => copy[k] !== undefined)) copy.existing_cluster_ref = clusterRef;
    return copy;
  });
}

function normalizeSchedule(s: JobProps["schedule"]) {
  return s ? { ...s, pause_status: s.pause_status ?? "UNPAUSED" } : undefined;
}

/** Tasks in platform form: cluster addresses replaced by cluster ids. */
function platformTasks(tasks: JobTask[], ctx: ProviderContext, store: SandboxStore): JobTask[] {
  const keys = new Set<string>();
  for (const t of tasks) {
    if (!t.task_key) throw invalid("Every task needs a task_key.");
    if (keys.has(t.task_key)) throw invalid(`Task key '${t.task_key}' is used twice.`);
    keys.add(t.task_key);
  }
  return tasks.map((t) => {
    for (const d of t.depends_on ?? []) {
      if (!keys.has(d.task_key))
        throw invalid(`Task '${t.task_key}' depends on unknown task '${d.task_key}'.`);
    }
    const copy = clone(t);
    if (typeof copy.existing_cluster_ref === "string") {
      copy.existing_cluster_id = resolveCluster(copy.existing_cluster_ref, ctx, store, ctx.stackId);
      delete copy.existing_cluster_ref;
    }
    return copy;
  });
}

const settingsOf = (d: Record<string, unknown>) => d.settings as Settings;

export const dbxJobModel: TypeModel<"dbx_job"> = {
  type: "dbx_job",
  platform: "databricks",
  noun: "Job",
  notFoundCode: "INVALID_PARAMETER_VALUE",
  notFoundStatus: 400,
  maxTags: 25,
  changeable: ["cluster_ref", "tasks", "schedule", "max_concurrent_runs"],
  normalizeId: (id) => id,
  candidates(desired, store) {
    return store.byName("dbx_job", desired.name);
  },
  build(desired, ctx, store, opts) {
    const p: JobProps = desired.properties;
    if (!desired.name) throw invalid("A job needs a name.");
    if (p.max_concurrent_runs < 0 || p.max_concurrent_runs > 1000)
      throw invalid(`max_concurrent_runs ${p.max_concurrent_runs} must be 0..1000.`);
    const clusterId = resolveCluster(p.cluster_ref, ctx, store, ctx.stackId);
    const tasks = platformTasks(normalizeTasks(p.tasks, p.cluster_ref), ctx, store);
    const jobId = String(store.nextSeq("job_id", 1001));
    const settings: Settings = compact({
      name: desired.name,
      tags: {},
      tasks,
      schedule: normalizeSchedule(p.schedule),
      max_concurrent_runs: p.max_concurrent_runs,
      format: "MULTI_TASK" as const,
    });
    const data = {
      job_id: Number(jobId),
      created_time: opts.now(),
      creator_user_name: ctx.actor,
      settings,
      // Jobs have no job-level cluster; the sandbox keeps the one dpn asked for next to the settings
      sandbox_cluster_id: clusterId,
    };
    return {
      remoteId: jobId,
      name: desired.name,
      fullName: desired.name,
      parentType: null,
      parentId: null,
      data,
    };
  },
  // jobs/update with new_settings.name: the job id and everything else stay
  rename(o, newName) {
    if (!newName.trim()) throw invalid("A job needs a name.");
    o.name = newName;
    o.fullName = newName;
    settingsOf(o.data).name = newName;
  },
  markerBag: (d) => stringMap(settingsOf(d) as unknown as Record<string, unknown>, "tags"),
  tagBag: (d) => stringMap(settingsOf(d) as unknown as Record<string, unknown>, "tags"),
  toProperties(o, store) {
    const s = settingsOf(o.data);
    const tasks = s.tasks.map((t) => {
      const copy = clone(t);
      if (typeof copy.existing_cluster_id === "string") {
        const ref = clusterRefOf(copy.existing_cluster_id, store);
        if (ref !== copy.existing_cluster_id) {
          copy.existing_cluster_ref = ref;
          delete copy.existing_cluster_id;
        }
      }
      return copy;
    });
    return compact({
      cluster_ref: clusterRefOf(String(o.data.sandbox_cluster_id), store),
      tasks,
      schedule: s.schedule,
      max_concurrent_runs: s.max_concurrent_runs,
    });
  },
  desiredProperties(desired) {
    const p = desired.properties;
    return compact({
      cluster_ref: p.cluster_ref,
      tasks: normalizeTasks(p.tasks, p.cluster_ref),
      schedule: normalizeSchedule(p.schedule),
      max_concurrent_runs: p.max_concurrent_runs,
    });
  },
  liveForDiff(live, desired, archived) {
    const ls = live.schedule as Settings["schedule"];
    const ds = desired.schedule as Settings["schedule"];
    if (!archived || !ls || !ds) return live;
    return { ...live, schedule: { ...ls, pause_status: ds.pause_status } };
  },
  applyField(o, field, value, ctx, store) {
    const s = settingsOf(o.data);
    switch (field) {
      case "cluster_ref":
        o.data.sandbox_cluster_id = resolveCluster(String(value), ctx, store, ctx.stackId);
        return;
      case "tasks":
        // like jobs/reset: the task list is replaced as a whole
        s.tasks = platformTasks((value as JobTask[] | undefined) ?? [], ctx, store);
        return;
      case "schedule": {
        const next = normalizeSchedule(value as JobProps["schedule"]);
        if (!next) {
          delete s.schedule;
          delete s.tags[ARCHIVED_PAUSE_KEY];
        } else if (s.tags[MARKER_KEYS.archivedAt]) {
          // an archived job stays paused; remember whether restore must unpause the new schedule
          if (next.pause_status === "PAUSED") delete s.tags[ARCHIVED_PAUSE_KEY];
          else s.tags[ARCHIVED_PAUSE_KEY] = "true";
          s.schedule = { ...next, pause_status: "PAUSED" };
        } else {
          s.schedule = next;
        }
        return;
      }
      case "max_concurrent_runs":
        s.max_concurrent_runs = Number(value);
        return;
    }
  },
  onArchive(o) {
    const s = settingsOf(o.data);
    if (s.schedule && s.schedule.pause_status !== "PAUSED") {
      s.schedule.pause_status = "PAUSED";
      s.tags[ARCHIVED_PAUSE_KEY] = "true";
    }
  },
  onRestore(o) {
    const s = settingsOf(o.data);
    if (s.tags[ARCHIVED_PAUSE_KEY] === "true" && s.schedule) s.schedule.pause_status = "UNPAUSED";
  },
};
