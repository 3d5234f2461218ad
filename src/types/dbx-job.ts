/**
 * `dbx_job`: a Databricks job, `resources.databricks.jobs[]`, named from its type and purpose,
 * running on the cluster its `cluster_ref` names. Job names are not unique on Databricks: the
 * platform's `job_id` identifies a job.
 */
import type { JobProps } from "../core/resources.js";
import { TYPE_TAGS } from "../naming/tags.js";
import { checkJobSchedule } from "./job-schedule-rules.js";
import { toJobSchedule, toJobTask } from "./job-settings.js";
import { checkJobTasks } from "./job-task-rules.js";
import { lifecycleField, nameField, tagsField } from "./kit/blueprint-fragments.js";
import { asList, asRecord } from "./kit/entry-values.js";
import {
  arr,
  definition,
  type Infer,
  int,
  obj,
  oneOfStrings,
  opt,
  record,
  ref,
  str,
  stringOr,
} from "./kit/schema-builder.js";
import { nullable, updateString } from "./kit/update-fragments.js";
import type { StateRow, TypeSpec } from "./spec.js";

export const SCHEDULE_PRESETS = ["hourly", "daily", "weekly"] as const;

const taskKey = str({
  pattern: "^[\\w\\-.]{1,100}$",
  description: "Task key: letters, digits, _ - . (≤100).",
});

export const taskDefinition = definition(
  "task",
  obj(
    {
      task_key: taskKey,
      notebook_path: opt(str({ minLength: 1, description: "Short form: the notebook to run." })),
      depends_on: opt(
        arr(stringOr(taskKey, obj({ task_key: taskKey }, { rest: true })), {
          description: 'Short form ["key"], or Jobs API form [{"task_key": "key"}].',
        }),
      ),
      base_parameters: opt(record(str(), { description: "Short form: notebook parameters." })),
    },
    {
      rest: true,
      description:
        "A job task: short form {task_key, notebook_path, depends_on}, or Jobs API form (passed through).",
    },
  ),
);
export type TaskEntry = Infer<typeof taskDefinition.schema>;

export const jobEntry = definition(
  "job",
  obj(
    {
      job_type: nameField("Kind of job (batch, streaming, …); part of the name."),
      purpose: nameField("What the job does; part of the name."),
      cluster_ref: nameField("A cluster's workload, or a generated cluster name."),
      schedule: opt(
        stringOr(
          oneOfStrings(SCHEDULE_PRESETS),
          obj({
            cron: str({
              pattern: "^\\S+(\\s+\\S+){5,6}$",
              description: "Quartz cron expression (6 or 7 fields), e.g. 0 30 2 * * ?",
            }),
            timezone: opt(str({ minLength: 1, default: "UTC", description: "Java time zone id." })),
            pause_status: opt(oneOfStrings(["PAUSED", "UNPAUSED"], { default: "UNPAUSED" })),
          }),
          { description: "hourly, daily, weekly, or {cron, timezone}." },
        ),
      ),
      tasks: opt(arr(ref(taskDefinition))),
      max_concurrent_runs: opt(int({ minimum: 1, maximum: 1000, default: 1 })),
      tags: tagsField,
      lifecycle: lifecycleField,
    },
    { description: "A Databricks job." },
  ),
);
export type JobEntry = Infer<typeof jobEntry.schema>;

const tags = TYPE_TAGS.dbx_job;

export const dbxJob: TypeSpec<"dbx_job", "databricks"> = {
  type: "dbx_job",
  cloud: "databricks",
  noun: tags.noun,
  namingType: "dbx_job",
  naturalKey: { unique: false, remoteIdField: "job_id" },
  blueprint: {
    placement: { group: ["databricks", "jobs"] },
    entry: jobEntry,
    definitions: [taskDefinition],
    references: [{ field: "cluster_ref", target: "dbx_cluster", kind: "cluster" }],
    properties(e, ctx) {
      const clusterAddress = ctx.refs.cluster_ref?.address as string;
      const props: JobProps = {
        cluster_ref: clusterAddress,
        tasks: asList(e.tasks)
          .map(asRecord)
          .filter((t): t is Record<string, unknown> => !!t)
          .map((t) => toJobTask(t, clusterAddress)),
        max_concurrent_runs: typeof e.max_concurrent_runs === "number" ? e.max_concurrent_runs : 1,
      };
      const schedule = toJobSchedule(e.schedule);
      if (schedule) props.schedule = schedule;
      return props;
    },
    check: (node, ctx) => [...checkJobSchedule(node, ctx), ...checkJobTasks(node, ctx)],
  },
  update: {
    settings: {
      max_concurrent_runs: { type: "integer", minimum: 0, maximum: 1000, description: "Concurrent runs." },
      schedule: nullable(
        {
          type: "object",
          required: ["quartz_cron_expression", "timezone_id"],
          additionalProperties: false,
          description: "Quartz schedule.",
          properties: {
            quartz_cron_expression: updateString(
              "Quartz cron expression (6 or 7 fields), e.g. 0 30 2 * * ?",
              {
                pattern: "^\\S+(\\s+\\S+){5,6}$",
              },
            ),
            timezone_id: updateString("Java time zone id, e.g. UTC or Europe/Paris."),
            pause_status: { type: "string", enum: ["PAUSED", "UNPAUSED"] },
          },
        },
        "the schedule",
      ),
      tasks: {
        type: "array",
        minItems: 1,
        description: "All tasks (replaces the list); tasks without compute run on the job's cluster.",
        items: {
          type: "object",
          required: ["task_key"],
          properties: { task_key: updateString("Unique task key.") },
        },
      },
    },
    immutable: { cluster_ref: "the job's cluster is chosen in the blueprint" },
    platformRenames: true,
  },
  tags,
  engine: { service: "jobs", markerInCreate: true },
  manage: {
    desiredKeys: ["cluster_ref", "tasks", "schedule", "max_concurrent_runs"],
    desiredFromLive(props, live, rows) {
      if (props.cluster_ref !== undefined) return;
      // the Databricks provider reports the cluster id; the desired vocabulary wants its address
      const id = live.cluster_id;
      const cluster = rows.find((r) => r.type === "dbx_cluster" && r.remoteId === id);
      props.cluster_ref = cluster?.address ?? id;
    },
    dependsOn(row: StateRow) {
      const p = row.properties;
      const refs = new Set<unknown>([p.cluster_ref, p.cluster_id]);
      for (const t of (p.tasks as Record<string, unknown>[] | undefined) ?? []) {
        refs.add(t.existing_cluster_ref);
        refs.add(t.existing_cluster_id);
      }
      return [(r) => r.type === "dbx_cluster" && (refs.has(r.address) || refs.has(r.remoteId))];
    },
    idProperties: () => ({}),
  },
};
