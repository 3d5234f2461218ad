/**
 * A job's tasks, checked before any call: unique task keys, something to run (the short-form
 * notebook_path or one Jobs API task kind, not both), known `depends_on` keys and no cycle among
 * the tasks. Each problem is located at the task (or the field) at fault.
 */
import { closest, didYouMean } from "../core/did-you-mean.js";
import type { Problem } from "../core/errors.js";
import { findCycles } from "../core/graph.js";
import { dependsOnKeys, TASK_KINDS } from "./job-settings.js";
import { asRecord, asString } from "./kit/entry-values.js";
import { at, err } from "./kit/located.js";
import type { CheckContext, EntryNode } from "./spec.js";

/** Every task problem of a job entry (see the module comment). Never throws. */
export function checkJobTasks(node: EntryNode, ctx: CheckContext): Problem[] {
  const source = ctx.source;
  const out: Problem[] = [];
  const tasks = node.entry.tasks;
  if (!Array.isArray(tasks)) return out;
  const keys = new Map<string, number>();
  tasks.forEach((t, i) => {
    const task = asRecord(t);
    const key = asString(task?.task_key);
    if (!task || !key) return;
    const segs = [...node.segments, "tasks", i];
    const first = keys.get(key);
    if (first !== undefined) {
      out.push(
        err({
          code: "BLUEPRINT_DUPLICATE_TASK_KEY",
          message: `task_key ${JSON.stringify(key)} is used twice in job ${node.path}: tasks[${first}] and tasks[${i}]`,
          ...at(source, [...segs, "task_key"]),
          hint: "Task keys must be unique within a job.",
        }),
      );
    } else keys.set(key, i);
    const kinds = TASK_KINDS.filter((k) => k in task);
    if (typeof task.notebook_path === "string" && kinds.length) {
      out.push(
        err({
          code: "BLUEPRINT_TASK_AMBIGUOUS",
          message: `task ${JSON.stringify(key)} has both the short-form notebook_path and ${kinds.join(", ")}`,
          ...at(source, segs),
          hint: "Use either the short form (notebook_path) or the Jobs API form, not both.",
        }),
      );
    } else if (typeof task.notebook_path !== "string" && !kinds.length) {
      const suggestion = Object.keys(task)
        .map((k) => closest(k, ["notebook_path", ...TASK_KINDS]))
        .find((s) => s !== undefined);
      out.push(
        err({
          code: "BLUEPRINT_TASK_EMPTY",
          message: `task ${JSON.stringify(key)} of job ${node.path} has nothing to run (no notebook_path and no *_task)`,
          ...at(source, segs),
          hint: `${suggestion ? `Did you mean ${JSON.stringify(suggestion)}? ` : ""}Add notebook_path (short form) or a Jobs API task such as notebook_task.`,
        }),
      );
    }
  });
  // Unknown depends_on keys and cycles among tasks.
  const graph: { id: string; deps: string[] }[] = [];
  tasks.forEach((t, i) => {
    const task = asRecord(t);
    const key = asString(task?.task_key);
    if (!task || !key) return;
    const deps = dependsOnKeys(task);
    deps.forEach((d, j) => {
      if (!keys.has(d)) {
        const s = didYouMean(d, keys.keys());
        out.push(
          err({
            code: "BLUEPRINT_UNKNOWN_TASK",
            message: `task ${JSON.stringify(key)} depends on ${JSON.stringify(d)}, which is not a task of job ${node.path}`,
            ...at(source, [...node.segments, "tasks", i, "depends_on", j]),
            hint: `${s ? `${s} ` : ""}Task keys of this job: ${[...keys.keys()].join(", ")}.`,
          }),
        );
      }
    });
    if (keys.get(key) === i) graph.push({ id: key, deps });
  });
  for (const cycle of findCycles(graph)) {
    const first = cycle[0] as string;
    out.push(
      err({
        code: "BLUEPRINT_TASK_CYCLE",
        message: `tasks of job ${node.path} depend on each other in a cycle: ${cycle.join(" → ")}`,
        ...at(source, [...node.segments, "tasks", keys.get(first) as number]),
        hint: `Remove one depends_on between ${JSON.stringify(first)} and ${JSON.stringify(cycle[cycle.length - 2])}.`,
      }),
    );
  }
  return out;
}
