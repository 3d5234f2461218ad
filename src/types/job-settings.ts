/**
 * Turning a blueprint job's schedule and tasks into the Jobs API shapes: presets become Quartz
 * cron schedules (v0.1 sent the preset word itself, which the API refuses), short-form tasks
 * become `notebook_task` + `depends_on: [{task_key}]`, and tasks without compute run on the
 * job's cluster.
 */
import type { JobProps, JobTask } from "../core/resources.js";

/** Quartz cron (seconds first) for each preset, at the top of the hour / midnight / Monday midnight UTC. */
export const SCHEDULE_CRON: Readonly<Record<string, string>> = Object.freeze({
  hourly: "0 0 * * * ?",
  daily: "0 0 0 * * ?",
  weekly: "0 0 0 ? * MON",
});

/** Keys by which a Jobs API task already says where it runs. */
const COMPUTE_KEYS = [
  "existing_cluster_id",
  "existing_cluster_ref",
  "job_cluster_key",
  "new_cluster",
  "environment_key",
];

/** Task kinds of the Jobs API; a task needs one of them (or the short-form notebook_path). */
export const TASK_KINDS = [
  "notebook_task",
  "spark_python_task",
  "python_wheel_task",
  "spark_jar_task",
  "spark_submit_task",
  "sql_task",
  "dbt_task",
  "pipeline_task",
  "run_job_task",
  "condition_task",
  "for_each_task",
  "clean_rooms_notebook_task",
  "dashboard_task",
  "power_bi_task",
  "gen_ai_compute_task",
];

/**
 * The Jobs API schedule for a blueprint schedule (preset word or `{cron, timezone}`);
 * undefined when there is none or it is not in a recognised shape (the schema reports that).
 */
export function toJobSchedule(schedule: unknown): JobProps["schedule"] {
  if (typeof schedule === "string") {
    const cron = SCHEDULE_CRON[schedule];
    return cron ? { quartz_cron_expression: cron, timezone_id: "UTC", pause_status: "UNPAUSED" } : undefined;
  }
  if (schedule && typeof schedule === "object" && !Array.isArray(schedule)) {
    const s = schedule as Record<string, unknown>;
    if (typeof s.cron !== "string") return undefined;
    return {
      quartz_cron_expression: s.cron.trim().split(/\s+/).join(" "),
      timezone_id: typeof s.timezone === "string" ? s.timezone : "UTC",
      pause_status: s.pause_status === "PAUSED" ? "PAUSED" : "UNPAUSED",
    };
  }
  return undefined;
}

/**
 * One task in Jobs API form. Short-form keys (`notebook_path`, `base_parameters`, string
 * `depends_on`) are converted; every other key passes through unchanged; a task that does not
 * say where it runs gets `existing_cluster_ref` = the job's cluster address.
 */
export function toJobTask(task: Record<string, unknown>, clusterAddress: string | undefined): JobTask {
  const { notebook_path, base_parameters, depends_on, ...rest } = task;
  const out: JobTask = { ...rest, task_key: String(task.task_key) };
  if (typeof notebook_path === "string") {
    const nb: { notebook_path: string; base_parameters?: Record<string, string> } = { notebook_path };
    if (base_parameters && typeof base_parameters === "object")
      nb.base_parameters = base_parameters as Record<string, string>;
    out.notebook_task = nb;
  } else if (base_parameters !== undefined) {
    out.base_parameters = base_parameters;
  }
  if (Array.isArray(depends_on)) {
    out.depends_on = depends_on.map((d) =>
      typeof d === "string"
        ? { task_key: d }
        : { ...(d as Record<string, unknown>), task_key: String((d as { task_key: unknown }).task_key) },
    );
  }
  if (clusterAddress && !COMPUTE_KEYS.some((k) => k in task)) out.existing_cluster_ref = clusterAddress;
  return out;
}

/** Task keys a task depends on, from either form. */
export function dependsOnKeys(task: Record<string, unknown>): string[] {
  if (!Array.isArray(task.depends_on)) return [];
  return task.depends_on
    .map((d) =>
      typeof d === "string"
        ? d
        : d && typeof d === "object"
          ? (d as { task_key?: unknown }).task_key
          : undefined,
    )
    .filter((k): k is string => typeof k === "string");
}
