import type { Target } from "../../app/context.js";
import { profilesOf } from "../../app/context.js";
import { type RecoverStackResult, recoverStack } from "../../app/recover-stack.js";
import { ExitCode } from "../../core/errors.js";
import type { JournalEntry } from "../../engine/ports.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { table } from "../output.js";
import { txJson } from "../plan-table.js";
import { progressFor } from "./create.js";

interface RecoverOptions {
  resume?: boolean;
  dryRun?: boolean;
  target: Target;
  profile?: string;
  awsProfile?: string;
  databricksProfile?: string;
  json?: boolean;
  blueprint?: string;
  project?: string;
  env?: string;
}

/**
 * `dpn recover [--resume]`: under the stack lock, settle every unfinished transaction of the
 * stack — look each in-doubt step up by natural key, then roll back (default) or roll forward.
 * With nothing to recover it says so, exits 0 and writes nothing.
 */
export async function recoverCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as RecoverOptions;
  const progress = progressFor(ctx);
  try {
    const r = await recoverStack(cliApp(ctx, o, progress.reporter), {
      target: o.target,
      ...profilesOf(o),
      ...(o.resume ? { resume: true } : {}),
      ...(o.dryRun ? { dryRun: true } : {}),
      ...(o.blueprint ? { blueprint: o.blueprint } : {}),
      ...(o.project ? { project: o.project } : {}),
      ...(o.env ? { env: o.env } : {}),
    });
    if (r.kind === "nothing") {
      if (o.json) ctx.out.resultJson({ stack_id: r.stack?.id ?? null, recovered: [] });
      else
        ctx.out.result(
          r.stack
            ? `Nothing to recover: stack ${r.stack.project}/${r.stack.environment} has no unfinished transaction.`
            : "Nothing to recover: the state holds no stack.",
        );
      return ExitCode.OK;
    }
    if (r.kind === "would-recover") return recoverDryRun(ctx, o, r);
    progress.done();
    const { stack, results } = r;
    if (o.json)
      ctx.out.resultJson({ stack_id: stack.id, recovered: results.map((t) => txJson(t, o.target)) });
    const failed = results.find((t) => t.outcome !== "committed" && t.outcome !== "rolled_back");
    if (failed?.error) {
      if (o.json) {
        ctx.out.error(failed.error, ctx.debug);
        return failed.error.exitCode;
      }
      throw failed.error;
    }
    if (!o.json) {
      for (const t of results) {
        ctx.out.result(
          `transaction ${t.txId}: ${t.outcome === "committed" ? "resumed and committed" : "rolled back"} (${t.operations.length} operations)`,
        );
      }
    }
    return ExitCode.OK;
  } finally {
    progress.done();
  }
}

/**
 * What recovery would do with one journaled step, by the rules of engine/recover.ts: an in-doubt
 * create is looked up by natural key, an in-doubt delete is read back (deletes are never undone),
 * an interrupted undo is redone; then rollback undoes what happened and resume keeps it and
 * finishes the rest of the plan.
 */
function recoveryOf(e: JournalEntry, mode: "rollback" | "resume"): string {
  const rollback = mode === "rollback";
  if (e.phase === "compensate")
    return e.status === "intent" || e.status === "unknown"
      ? "redo the interrupted undo"
      : "nothing (settled)";
  const inDoubt = e.status === "intent" || e.status === "unknown";
  if (e.action === "delete")
    return inDoubt ? "read back: record whether it was deleted" : "nothing (a delete is not undone)";
  if (inDoubt && e.action === "create")
    return rollback ? "look up by name; delete it if it is ours" : "look up by name; create it if missing";
  if (inDoubt && e.action === "rename")
    return rollback
      ? "look it up under both names; rename it back if it carries the new one"
      : "look it up under both names; rename it if it carries the old one";
  if (inDoubt) return rollback ? "undo (the undo is idempotent)" : "redo";
  if (e.status === "done") return rollback ? "undo" : "keep";
  return "nothing (it did not happen)";
}

function recoverDryRun(
  ctx: CliContext,
  o: RecoverOptions,
  r: Extract<RecoverStackResult, { kind: "would-recover" }>,
): number {
  const txs = r.pending.map(({ tx, journal, planned }) => ({
    tx_id: tx.id,
    kind: tx.kind,
    status: tx.status,
    target: tx.target,
    started_at: tx.startedAt,
    command: tx.command,
    planned_resources: planned,
    steps: journal.map((e) => ({
      seq: e.seq,
      phase: e.phase,
      action: e.action,
      address: e.address,
      status: e.status,
      recovery: recoveryOf(e, r.mode),
    })),
  }));
  if (o.json) {
    ctx.out.resultJson({ dry_run: true, stack_id: r.stack.id, mode: r.mode, transactions: txs });
    return ExitCode.OK;
  }
  const blocks = txs.map(
    (t) =>
      `transaction ${t.tx_id} (${t.kind}, ${t.status}, started ${t.started_at} on --target ${t.target}):\n${
        t.steps.length
          ? table(
              ["SEQ", "PHASE", "ACTION", "ADDRESS", "JOURNAL", "RECOVERY WOULD"],
              t.steps.map((s) => [String(s.seq), s.phase, s.action, s.address, s.status, s.recovery]),
            )
          : "  no journaled step (nothing was called)"
      }${
        r.mode === "resume"
          ? `\nthen the plan's ${t.planned_resources - new Set(t.steps.filter((s) => s.phase === "forward").map((s) => s.address)).size} resources not journaled yet`
          : ""
      }`,
  );
  ctx.out.result(
    `${r.mode === "resume" ? "dpn recover --resume would roll forward" : "dpn recover would roll back"} ${txs.length} unfinished transaction${txs.length === 1 ? "" : "s"} of stack ${r.stack.project}/${r.stack.environment}:\n\n${blocks.join("\n\n")}`,
  );
  ctx.out.info("dry run: nothing was changed");
  return ExitCode.OK;
}
