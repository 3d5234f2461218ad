import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Target } from "../../app/context.js";
import { profilesOf } from "../../app/context.js";
import { type CreateStackInput, createStack, planStack } from "../../app/create-stack.js";
import type { DeleteEachResult } from "../../app/delete-each.js";
import { canonical } from "../../app/drift.js";
import { checkSavedPlan, resolvedOf, type SavedPlan, savedPlanOf } from "../../app/saved-plan.js";
import { type GraphNode, renderGraph } from "../../blueprint/graph.js";
import { parseJsonSource } from "../../blueprint/json-source.js";
import { projectSettings } from "../../compose/settings.js";
import { DpnError, ExitCode, usageError } from "../../core/errors.js";
import type { Plan, PruneMode, RefreshMode } from "../../engine/plan.js";
import { hasPendingChanges } from "../../engine/plan.js";
import { cliApp } from "../app-context.js";
import { loadResolved, type ResolveOptions } from "../blueprint-input.js";
import type { CliContext } from "../context.js";
import { writeNewFile } from "../files.js";
import { VERSION } from "../package-info.js";
import { planMarkdown } from "../plan-markdown.js";
import { planJson, planTable, retireHint, txJson } from "../plan-table.js";
import { liveProgress, type ProgressRenderer, plainProgress } from "../progress.js";
import { confirm } from "../prompt.js";
import { interruptSignal } from "../signals.js";

export { planTable, txJson } from "../plan-table.js";

interface CreateOptions extends ResolveOptions {
  blueprint?: string;
  /** `--out F` (with --dry-run): write the plan as a saved plan. */
  out?: string;
  /** `--plan F`: apply exactly this saved plan. */
  plan?: string;
  target: Target;
  dryRun?: boolean;
  yes?: boolean;
  parallelism: number;
  /** `--refresh` / DPN_REFRESH; unset: `refresh:` in .dpn/settings.yaml, else full (with --plan: the plan's). */
  refresh?: RefreshMode;
  rollback: boolean;
  lockTimeout: number;
  profile?: string;
  awsProfile?: string;
  databricksProfile?: string;
  wait?: boolean;
  detailedExitcode?: boolean;
  json?: boolean;
  /** `--prune` (true: archive) or `--prune=archive|delete`. */
  prune?: boolean | string;
  force?: boolean;
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
  if (
    given.prune !== undefined &&
    given.prune !== true &&
    given.prune !== "archive" &&
    given.prune !== "delete"
  )
    throw usageError("INVALID_OPTION_VALUE", `--prune=${String(given.prune)} is not a prune mode`, {
      hint: "--prune (or --prune=archive) archives the removals; --prune=delete deletes them after the commit",
      details: { value: given.prune },
    });
  if (given.force && given.prune !== "delete")
    throw usageError("OPTIONS_CONFLICT", "--force applies to --prune=delete only", {
      hint: "dpn create --blueprint F --prune=delete --force",
    });
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
  if (o.out && !o.dryRun)
    throw usageError("OPTIONS_CONFLICT", "--out writes a plan: use it with --dry-run", {
      hint: "dpn create --blueprint F --dry-run --out plan.json",
    });
  if (o.plan && (o.dryRun || o.out || o.prune || o.force))
    throw usageError(
      "OPTIONS_CONFLICT",
      "--plan applies a saved plan as it was reviewed: it takes no --dry-run, --out, --prune or --force",
      {
        hint: "dpn create --plan plan.json --yes (the plan file is the dry run and says what happens to removals)",
      },
    );
  if (!o.plan && !o.blueprint)
    throw usageError("OPTION_REQUIRED", "dpn create needs --blueprint <file> (or --plan <saved plan>)", {
      hint: "dpn create --blueprint blueprints/dev.json --dry-run",
      details: { option: "--blueprint" },
    });
  // All fallible local work first: convention, blueprint, names (or the saved plan).
  const saved = o.plan ? loadSavedPlan(o.plan, o) : undefined;
  const loaded = o.blueprint ? loadResolved(ctx, o.blueprint, o) : undefined;
  if (saved && loaded) {
    const a = saved.plan.stack;
    const b = loaded.resolved.stackKey;
    if (a.project !== b.project || a.environment !== b.environment)
      throw usageError(
        "PLAN_STACK_MISMATCH",
        `${o.plan} is a plan for stack ${a.project}/${a.environment}, but ${o.blueprint} is stack ${b.project}/${b.environment}`,
        {
          hint: "Apply the plan alone (dpn create --plan F), or make a plan of this blueprint.",
          details: { plan: a.id },
        },
      );
  }
  // a saved plan decides what happens to its removals, as it was reviewed
  const prune: PruneMode | undefined = saved
    ? (saved.plan.prune ?? undefined)
    : o.prune === "delete"
      ? "delete"
      : o.prune
        ? "archive"
        : undefined;
  const force = saved ? saved.plan.force : Boolean(o.force);
  // a saved plan is applied reading state the way it was planned, so its fingerprints compare
  const refresh: RefreshMode = saved
    ? (saved.plan.refresh ?? "full")
    : (o.refresh ?? projectSettings(ctx).refresh ?? "full");
  if (saved && o.refresh && o.refresh !== refresh)
    throw usageError(
      "OPTIONS_CONFLICT",
      `${o.plan} was planned with --refresh ${refresh}; it is applied the same way, not with --refresh ${o.refresh}`,
      {
        hint: `Apply it without --refresh (and without DPN_REFRESH), or make a new plan with --refresh ${o.refresh}.`,
        details: { plan: refresh, given: o.refresh },
      },
    );
  const resolved = saved
    ? resolvedOf(saved.plan, o.plan as string)
    : (loaded as NonNullable<typeof loaded>).resolved;
  const input: CreateStackInput = {
    resolved,
    blueprintHash: saved
      ? saved.plan.blueprint.sha256
      : createHash("sha256")
          .update(readFileSync(o.blueprint as string))
          .digest("hex"),
    target: o.target,
    ...profilesOf(o),
    parallelism: o.parallelism,
    refresh,
    ...(o.rollback ? {} : { noRollback: true }),
    lockTimeoutMs: o.lockTimeout * 1000,
    ...(o.wait ? { wait: true } : {}),
    ...(prune ? { prune } : {}),
    ...(force ? { force: true } : {}),
    ...(saved ? { saved } : {}),
    sandboxFlags: o as unknown as Record<string, unknown>,
  };
  const shown = { ...(prune ? { prune } : {}) };
  // say where the bucket settings come from, whichever of flag, env, settings or plan chose it
  if (refresh === "quick" && !o.json)
    ctx.out.info(
      "refresh: quick (bucket settings as state recorded them; dpn status reads them all, and --refresh full corrects their drift)",
    );
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
    if (o.out) {
      const doc = savedPlanOf({
        plan,
        rows: planned.rows,
        stack,
        target: o.target,
        prune,
        force,
        refresh,
        resolved,
        blueprint: { file: o.blueprint as string, sha256: input.blueprintHash as string },
        conventionSha256: createHash("sha256")
          .update(canonical((loaded as NonNullable<typeof loaded>).conv))
          .digest("hex"),
        dpnVersion: VERSION,
      });
      writeNewFile(
        o.out,
        `${JSON.stringify(doc, null, 2)}\n`,
        true,
        "saved plan",
        "write it elsewhere with --out <file>",
      );
      ctx.out.info(`wrote the plan to ${o.out}: apply exactly it with \`dpn create --plan ${o.out}\``);
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
        ctx.out.resultJson({
          ...planJson(r.plan, r.stack, o.target, false),
          outcome: "no_changes",
          ...(r.cleanup ? { cleanup: cleanupJson(r.cleanup, o.target) } : {}),
        });
      else if (r.cleanup) {
        ctx.out.result(`Nothing to change: all ${r.plan.changes.length} resources match the blueprint.`);
      } else {
        ctx.out.result(
          `Nothing to do: all ${r.plan.changes.length} resources exist and match the blueprint.`,
        );
        const removed = r.plan.removals;
        if (removed.length > 0 && !r.cleanup) {
          ctx.out.warn(
            `${removed.length} resource${removed.length === 1 ? " is" : "s are"} in state but not in the blueprint, left as ${removed.length === 1 ? "it is" : "they are"}: ${removed.map((x) => x.address).join(", ")}`,
          );
          ctx.out.info(retireHint(removed[0]?.address ?? ""));
        }
      }
      return r.cleanup ? reportCleanup(ctx, o, r.cleanup, "the plan had nothing else to do") : ExitCode.OK;
    }
    const result = r.tx;
    progress.done();
    if (o.json)
      ctx.out.resultJson({
        ...txJson(result, o.target),
        ...(r.cleanup ? { cleanup: cleanupJson(r.cleanup, o.target) } : {}),
      });
    if (result.outcome === "committed") {
      if (!o.json) {
        const { create, update, adopt } = r.plan.counts;
        const archived = prune === "archive" ? r.plan.removals.length : 0;
        ctx.out.result(
          `Created ${create}, updated ${update}, adopted ${adopt}${archived ? `, archived ${archived} (--prune)` : ""} in transaction ${result.txId} (${(result.durationMs / 1000).toFixed(1)}s).`,
        );
      }
      return r.cleanup
        ? reportCleanup(ctx, o, r.cleanup, `transaction ${result.txId} committed`)
        : ExitCode.OK;
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
function planNodes(plan: Plan, o: { prune?: PruneMode }): GraphNode[] {
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
      action: o.prune === "archive" ? "archive" : "remove",
    })),
  ];
}

/** Read and check a saved plan file (PLAN_INVALID with line:column for broken JSON). */
function loadSavedPlan(file: string, o: CreateOptions): { plan: SavedPlan; file: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw usageError("PLAN_NOT_FOUND", `cannot read the saved plan ${file}: ${(e as Error).message}`, {
      hint: "Write one with dpn create --blueprint F --dry-run --out plan.json",
      details: { file },
    });
  }
  let doc: unknown;
  try {
    doc = parseJsonSource(text, file).value;
  } catch (e) {
    throw new DpnError(
      "validation",
      "PLAN_INVALID",
      `${file} is not a whole JSON document: ${(e as Error).message}`,
      {
        hint: "The file was cut or edited: make the plan again with dpn create --dry-run --out.",
        details: { field: "(document)" },
        cause: e,
      },
    );
  }
  return { plan: checkSavedPlan(doc, file, { dpnVersion: VERSION, target: o.target }), file };
}

function cleanupJson(c: DeleteEachResult, target: Target) {
  return {
    deleted: c.deleted,
    ...(c.failed ? { failed: { address: c.failed.address, error: c.failed.error.toJSON() } } : {}),
    not_started: c.notStarted,
    transactions: c.txs.map((t) => txJson(t, target)),
  };
}

/**
 * The cleanup phase of --prune=delete, after `what`: exit 0 when every removal was deleted, else
 * CLEANUP_FAILED (exit 12): the committed part stays, `dpn status` lists what is left.
 */
function reportCleanup(ctx: CliContext, o: CreateOptions, c: DeleteEachResult, what: string): number {
  if (!c.failed) {
    if (!o.json)
      ctx.out.result(`Deleted ${c.deleted.length} removed resources (--prune=delete), one transaction each.`);
    return ExitCode.OK;
  }
  const left = c.notStarted.length + 1;
  const error = new DpnError(
    "cleanup",
    "CLEANUP_FAILED",
    `${what}, but the cleanup stopped: ${c.deleted.length} removed resources deleted, ${c.failed.address} failed (${c.failed.error.code}: ${c.failed.error.message}), ${left} left`,
    {
      cause: c.failed.error,
      hint: `${c.failed.error.hint ?? "Fix the cause"}; then run dpn create --prune=delete again (dpn status lists the pending cleanups).`,
      details: { deleted: c.deleted, failed: c.failed.address, pending: [c.failed.address, ...c.notStarted] },
    },
  );
  ctx.out.error(error, ctx.debug);
  return error.exitCode;
}
