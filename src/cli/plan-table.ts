/** The plan as a table, and the plan and transaction `--json` documents (docs/json-output.md). */
import type { Target } from "../app/context.js";
import type { TxResult } from "../engine/apply.js";
import type { Plan, PruneMode } from "../engine/plan.js";
import type { FieldChange, StackRecord } from "../engine/ports.js";
import { arrowText, diffRows } from "./diff-table.js";
import { table } from "./output.js";

/**
 * The plan as a table: one row per resource, in execution order. An update (or an adopt whose
 * settings drifted) lists what changes as `field: before → after`, one difference per line under
 * its row (values shortened, secrets masked: see diffRows); other rows show why they were chosen.
 */
export function planTable(plan: Plan, o: { prune?: PruneMode } = {}): string {
  const mode = o.prune;
  const rows: string[][] = [];
  plan.changes.forEach((c, i) => {
    const head = [String(i + 1), c.kind, c.type, c.address];
    const details = diffRows(c.changes, { max: 40 }).map(arrowText);
    if (c.reason) details.unshift(c.reason);
    const [first = "", ...rest] = details;
    rows.push([...head, first]);
    for (const d of rest) rows.push(["", "", "", "", d]);
  });
  plan.removals.forEach((r, i) => {
    rows.push([
      String(plan.changes.length + i + 1),
      "remove",
      r.type,
      r.address,
      `${r.reason}: ${mode === "archive" ? "archived (--prune; dpn restore undoes it)" : mode === "delete" ? "deleted after the run commits (--prune=delete)" : "left as it is"}`,
    ]);
  });
  const { create, update, adopt, noop } = plan.counts;
  const removed = plan.removals.length;
  const summary = `Plan: ${create} to create, ${update} to update, ${adopt} to adopt, ${noop} unchanged${
    removed
      ? mode
        ? `, ${removed} to ${mode === "archive" ? "archive (--prune)" : "delete after the commit (--prune=delete)"}`
        : `, ${removed} in state but not in the blueprint (left as ${removed === 1 ? "it is" : "they are"})`
      : ""
  }.`;
  return `${table(["#", "ACTION", "TYPE", "ADDRESS", "DETAIL"], rows)}

${summary}${removed && !mode ? `\n${retireHint(plan.removals[0]?.address ?? "")}` : ""}`;
}

/** How to retire a resource the blueprint no longer has (nothing removes it by itself). */
export function retireHint(address: string): string {
  return `A removal is applied only with --prune (it archives them; \`dpn restore\` undoes it), or retire one with \`dpn delete --archive --resource-id ${address}\` or \`dpn delete --resource-id ${address}\`.`;
}

export function planJson(
  plan: Plan,
  stack: StackRecord,
  target: Target,
  dryRun: boolean,
  o: { prune?: PruneMode } = {},
) {
  return {
    dry_run: dryRun,
    stack: { id: stack.id, project: stack.project, environment: stack.environment },
    target,
    counts: plan.counts,
    operations: [
      ...plan.changes.map((c) => ({
        action: c.kind,
        type: c.type,
        address: c.address,
        name: c.name,
        full_name: c.fullName,
        dependencies: c.desired.dependencies,
        changes: c.changes,
        ...(c.reason ? { reason: c.reason } : {}),
      })),
      // the whole desired state: what the blueprint no longer has, dependents first; only
      // --prune applies a removal (it archives it)
      ...plan.removals.map((r) => ({
        action: r.kind,
        type: r.type,
        address: r.address,
        name: r.name,
        full_name: r.fullName,
        dependencies: [] as string[],
        changes: [] as FieldChange[],
        remote_id: r.record.remoteId,
        reason: r.reason,
        applied: Boolean(o.prune),
        ...(r.keptDependents ? { kept_dependents: r.keptDependents } : {}),
      })),
    ],
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
