import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Target } from "../../app/context.js";
import { profilesOf } from "../../app/context.js";
import { type CreateStackInput, createStack, planStack } from "../../app/create-stack.js";
import { type GraphNode, renderGraph } from "../../blueprint/graph.js";
import { DpnError, ExitCode, usageError } from "../../core/errors.js";
import type { Plan } from "../../engine/plan.js";
import { hasPendingChanges } from "../../engine/plan.js";
import { cliApp } from "../app-context.js";
import { loadResolved, type ResolveOptions } from "../blueprint-input.js";
import type { CliContext } from "../context.js";
import { planMarkdown } from "../plan-markdown.js";
import { planJson, planTable, retireHint, txJson } from "../plan-table.js";
import { liveProgress, type ProgressRenderer, plainProgress } from "../progress.js";
import { confirm } from "../prompt.js";
import { interruptSignal } from "../signals.js";

export { planTable, txJson } from "../plan-table.js";

interface CreateOptions extends ResolveOptions {
  blueprint: string;
  target: Target;
  dryRun?: boolean;
  yes?: boolean;
  parallelism: number;
  rollback: boolean;
  lockTimeout: number;
  profile?: string;
  awsProfile?: string;
  databricksProfile?: string;
  wait?: boolean;
  detailedExitcode?: boolean;
  json?: boolean;
  prune?: boolean;
  format?: "table" | "json" | "markdown" | "mermaid" | "dot";
}

export function progressFor(ctx: CliContext): ProgressRenderer {
  return ctx.stderrTTY && !ctx.out.json && !ctx.out.quiet
    ? liveProgress(ctx.out)
    : plainProgress(ctx.out, { quiet: ctx.out.quiet });
}

/**
 * `dpn create --blueprint F`: resolve, plan against state and live reads, confirm, then apply as
 * one transaction under the stack lock (src/app/create-stack.ts). `--dry-run` only reads:
 * nothing is written anywhere.
 */
export async function createCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const given = opts as CreateOptions;
  // --format json is --json
  const o: CreateOptions = { ...given, ...(given.format === "json" ? { json: true } : {}) };
  if (o.parallelism < 1) {
    throw new DpnError("usage", "INVALID_OPTION_VALUE", "--parallelism must be at least 1", {
      hint: "for example --parallelism 4",
    });
  }
  if ((o.format === "markdown" || o.format === "mermaid" || o.format === "dot") && !o.dryRun) {
    throw usageError("OPTIONS_CONFLICT", `--format ${o.format} renders a plan: use it with --dry-run`, {
      hint: `dpn create --blueprint F --dry-run --format ${o.format}`,
      details: { format: o.format },
    });
  }
  // All fallible local work first: convention, blueprint, names.
  const { resolved } = loadResolved(ctx, o.blueprint, o);
  const input: CreateStackInput = {
    resolved,
    blueprintHash: createHash("sha256").update(readFileSync(o.blueprint)).digest("hex"),
    target: o.target,
    ...profilesOf(o),
    parallelism: o.parallelism,
    ...(o.rollback ? {} : { noRollback: true }),
    lockTimeoutMs: o.lockTimeout * 1000,
    ...(o.wait ? { wait: true } : {}),
    ...(o.prune ? { prune: true } : {}),
    sandboxFlags: o as unknown as Record<string, unknown>,
  };
  const shown = { prune: Boolean(o.prune) };
  // Without --yes and without a terminal to ask on, the run can only end in a refusal (exit 9):
  // plan read-only like a dry run, show the plan, and refuse before anything is written.
  const refuse = !o.dryRun && !o.yes && !ctx.interactive;
  if (o.dryRun || refuse) {
    // planning progress only (stderr): the region is gone before the plan is printed
    const planning = progressFor(ctx);
    let planned: Awaited<ReturnType<typeof planStack>>;
    try {
      planned = await planStack(cliApp(ctx, o, planning.reporter), input);
    } finally {
      planning.done();
    }
    const { stack, plan } = planned;
    if (refuse) {
      if (!o.json) ctx.out.info(planTable(plan, shown));
      await confirm(ctx, "", false); // throws CONFIRMATION_REQUIRED (exit 9): nothing was changed
    }
    if (o.json) ctx.out.resultJson(planJson(plan, stack, o.target, true, shown));
    else if (o.format === "markdown") ctx.out.result(planMarkdown(plan, stack, o.target, shown));
    else if (o.format === "mermaid" || o.format === "dot")
      ctx.out.result(renderGraph(planNodes(plan, shown), o.format));
    else {
      ctx.out.result(planTable(plan, shown));
      ctx.out.info("dry run: nothing was changed");
    }
    return o.detailedExitcode && hasPendingChanges(plan) ? ExitCode.CHANGES_PENDING : ExitCode.OK;
  }

  const progress = progressFor(ctx);
  const interrupt = interruptSignal(progress.note);
  try {
    const r = await createStack(cliApp(ctx, o, progress.reporter), { ...input, signal: interrupt.signal });
    if (r.kind === "no-changes") {
      if (o.json)
        ctx.out.resultJson({ ...planJson(r.plan, r.stack, o.target, false), outcome: "no_changes" });
      else {
        ctx.out.result(
          `Nothing to do: all ${r.plan.changes.length} resources exist and match the blueprint.`,
        );
        const removed = r.plan.removals;
        if (removed.length > 0) {
          ctx.out.warn(
            `${removed.length} resource${removed.length === 1 ? " is" : "s are"} in state but not in the blueprint, left as ${removed.length === 1 ? "it is" : "they are"}: ${removed.map((x) => x.address).join(", ")}`,
          );
          ctx.out.info(retireHint(removed[0]?.address ?? ""));
        }
      }
      return ExitCode.OK;
    }
    const result = r.tx;
    progress.done();
    if (o.json) ctx.out.resultJson(txJson(result, o.target));
    if (result.outcome === "committed") {
      if (!o.json) {
        const { create, update, adopt } = r.plan.counts;
        const archived = o.prune ? r.plan.removals.length : 0;
        ctx.out.result(
          `Created ${create}, updated ${update}, adopted ${adopt}${archived ? `, archived ${archived} (--prune)` : ""} in transaction ${result.txId} (${(result.durationMs / 1000).toFixed(1)}s).`,
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
  } finally {
    progress.done();
    interrupt.dispose();
  }
}

/** The plan as graph nodes coloured by action (removals as archive with --prune). */
function planNodes(plan: Plan, o: { prune?: boolean }): GraphNode[] {
  return [
    ...plan.changes.map((c) => ({
      address: c.address,
      type: c.type,
      name: c.name,
      dependencies: c.desired.dependencies,
      action: c.kind,
    })),
    ...plan.removals.map((r) => ({
      address: r.address,
      type: r.type,
      name: r.name,
      dependencies: [],
      action: o.prune ? "archive" : "remove",
    })),
  ];
}
