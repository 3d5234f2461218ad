import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { DpnError, ExitCode } from "../../core/errors.js";
import { currentActor, newLockHolder, stackIdFor } from "../../core/ids.js";
import { applyPlan, type TxResult } from "../../engine/apply.js";
import { withStackLock } from "../../engine/lock.js";
import { hasChanges, type Plan, planChanges } from "../../engine/plan.js";
import type { StackRecord } from "../../engine/ports.js";
import { ReadCache } from "../../engine/read-cache.js";
import { assertNoUnfinished } from "../../engine/recover.js";
import { loadResolved, type ResolveOptions } from "../blueprint-input.js";
import { openRegistry, openState, type Target, typesOf } from "../compose.js";
import type { CliContext } from "../context.js";
import { table } from "../output.js";
import { liveProgress, type ProgressRenderer, plainProgress } from "../progress.js";
import { confirm } from "../prompt.js";
import { interruptSignal } from "../signals.js";

interface CreateOptions extends ResolveOptions {
  blueprint: string;
  target: Target;
  dryRun?: boolean;
  yes?: boolean;
  parallelism: number;
  rollback: boolean;
  lockTimeout: number;
  profile?: string;
  wait?: boolean;
  detailedExitcode?: boolean;
  json?: boolean;
}

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

function planJson(plan: Plan, stack: StackRecord, target: Target, dryRun: boolean) {
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

export function progressFor(ctx: CliContext): ProgressRenderer {
  return ctx.stderrTTY && !ctx.out.json && !ctx.out.quiet
    ? liveProgress(ctx.out)
    : plainProgress(ctx.out, { quiet: ctx.out.quiet });
}

/**
 * `dpn create --blueprint F`: resolve, plan against state and live reads, confirm, then apply as
 * one transaction under the stack lock. `--dry-run` only reads: nothing is written anywhere.
 */
export async function createCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as CreateOptions;
  if (o.parallelism < 1) {
    throw new DpnError("usage", "INVALID_OPTION_VALUE", "--parallelism must be at least 1", {
      hint: "for example --parallelism 4",
    });
  }
  // All fallible local work first: convention, blueprint, names.
  const { resolved } = loadResolved(ctx, o.blueprint, o);
  const blueprintHash = createHash("sha256").update(readFileSync(o.blueprint)).digest("hex");
  const { project, environment } = resolved.stackKey;
  // Without --yes and without a terminal to ask on, the run can only end in a refusal (exit 9):
  // plan read-only like a dry run, show the plan, and refuse before anything is written.
  const refuse = !o.dryRun && !o.yes && !ctx.interactive;
  const readonly = Boolean(o.dryRun) || refuse;

  const store = await openState(ctx, { readonly });
  const registry = await openRegistry(ctx, {
    target: o.target,
    profile: o.profile,
    region: resolved.metadata.region,
    wait: o.wait,
    sandboxFlags: o as unknown as Record<string, unknown>,
    readonly,
  });
  try {
    await registry.preflight(typesOf(resolved.resources));
    const cache = new ReadCache();

    if (readonly) {
      const stack: StackRecord = store.getStack(project, environment) ?? {
        id: stackIdFor(project, environment),
        project,
        environment,
        createdAt: new Date().toISOString(),
      };
      const plan = await planChanges({
        desired: resolved.resources,
        stack,
        store,
        registry,
        cache,
        parallelism: o.parallelism,
      });
      if (refuse) {
        if (!o.json) ctx.out.info(planTable(plan));
        await confirm(ctx, "", false); // throws CONFIRMATION_REQUIRED (exit 9): nothing was changed
      }
      if (o.json) ctx.out.resultJson(planJson(plan, stack, o.target, true));
      else {
        ctx.out.result(planTable(plan));
        ctx.out.info("dry run: nothing was changed");
      }
      return o.detailedExitcode && hasChanges(plan) ? ExitCode.CHANGES_PENDING : ExitCode.OK;
    }

    const stack = store.ensureStack(project, environment);
    const progress = progressFor(ctx);
    const interrupt = interruptSignal();
    try {
      return await withStackLock(
        store,
        stack.id,
        newLockHolder(),
        { timeoutMs: o.lockTimeout * 1000, reporter: progress.reporter },
        async (held) => {
          // inside the lock: a live concurrent run shows STACK_LOCKED, a dead one's leftovers TX_UNFINISHED
          assertNoUnfinished(store, stack.id);
          const plan = await planChanges({
            desired: resolved.resources,
            stack,
            store,
            registry,
            cache,
            parallelism: o.parallelism,
          });
          if (!hasChanges(plan)) {
            if (o.json)
              ctx.out.resultJson({ ...planJson(plan, stack, o.target, false), outcome: "no_changes" });
            else
              ctx.out.result(
                `Nothing to do: all ${plan.changes.length} resources exist and match the blueprint.`,
              );
            return ExitCode.OK;
          }
          if (!o.json) ctx.out.info(planTable(plan));
          await confirm(ctx, `Apply these changes to ${project}/${environment} on ${o.target}?`, o.yes);
          const result = await applyPlan({
            plan,
            stack,
            store,
            registry,
            reporter: progress.reporter,
            options: {
              parallelism: o.parallelism,
              noRollback: !o.rollback,
              command: ctx.commandLine,
              blueprintHash,
              target: o.target,
              actor: currentActor(),
              cache,
              signal: AbortSignal.any([held.signal, interrupt.signal]),
            },
          });
          progress.done();
          if (o.json) ctx.out.resultJson(txJson(result, o.target));
          if (result.outcome === "committed") {
            if (!o.json) {
              ctx.out.result(
                `Created ${plan.counts.create}, updated ${plan.counts.update}, adopted ${plan.counts.adopt} in transaction ${result.txId} (${(result.durationMs / 1000).toFixed(1)}s).`,
              );
            }
            return ExitCode.OK;
          }
          const error =
            interrupt.signal.aborted && result.outcome === "rolled_back"
              ? new DpnError(
                  "interrupted",
                  "INTERRUPTED",
                  "interrupted: everything this run had done was rolled back",
                  {
                    details: { txId: result.txId },
                  },
                )
              : (result.error ??
                new DpnError("internal", "TX_FAILED", `transaction ${result.txId} ended ${result.outcome}`));
          if (!o.json) throw error;
          // the JSON document above already carries the error; render it for humans on stderr only
          ctx.out.error(error, ctx.debug);
          return error.exitCode;
        },
      );
    } finally {
      progress.done();
      interrupt.dispose();
    }
  } finally {
    await registry.close();
    store.close();
  }
}
