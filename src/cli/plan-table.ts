/** The plan as a table, and the plan and transaction `--json` documents (docs/json-output.md). */
import type { Target } from "../app/context.js";
import type { TxResult } from "../engine/apply.js";
import type { Plan } from "../engine/plan.js";
import type { StackRecord } from "../engine/ports.js";
import { table } from "./output.js";

/** The plan as a table: one row per resource, in execution order. */
export function planTable(plan: Plan): string {
  const rows = plan.changes.map((c, i) => [
    String(i + 1),
    c.kind,
    c.type,
    c.address,
    c.changes.length ? c.changes.map((f) => f.field).join(", ") : (c.reason ?? ""),
  ]);
  const { create, update, adopt, noop } = plan.counts;
  return `${table(["#", "ACTION", "TYPE", "ADDRESS", "DETAIL"], rows)}\n\nPlan: ${create} to create, ${update} to update, ${adopt} to adopt, ${noop} unchanged.`;
}

export function planJson(plan: Plan, stack: StackRecord, target: Target, dryRun: boolean) {
  return {
    dry_run: dryRun,
    stack: { id: stack.id, project: stack.project, environment: stack.environment },
    target,
    counts: plan.counts,
    operations: plan.changes.map((c) => ({
      action: c.kind,
      type: c.type,
      address: c.address,
      name: c.name,
      full_name: c.fullName,
      dependencies: c.desired.dependencies,
      changes: c.changes,
      ...(c.reason ? { reason: c.reason } : {}),
    })),
  };
}

export function txJson(result: TxResult, target: Target) {
  return {
    transaction_id: result.txId,
    stack_id: result.stackId,
    target,
    outcome: result.outcome,
    started_at: new Date(result.startedAt).toISOString(),
    finished_at: new Date(result.finishedAt).toISOString(),
    duration_ms: result.durationMs,
    operations: result.operations.map((o) => ({
      address: o.address,
      type: o.type,
      name: o.name,
      action: o.action,
      phase: o.phase,
      status: o.status,
      ...(o.remoteId ? { remote_id: o.remoteId } : {}),
      ...(o.startedAt ? { started_at: new Date(o.startedAt).toISOString() } : {}),
      ...(o.durationMs !== undefined ? { duration_ms: o.durationMs } : {}),
      ...(o.error ? { error: o.error } : {}),
    })),
    ...(result.error ? { error: result.error.toJSON() } : {}),
    ...(result.leftOvers ? { needs_attention: result.leftOvers } : {}),
  };
}
