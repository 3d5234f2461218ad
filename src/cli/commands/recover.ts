import { ExitCode, usageError } from "../../core/errors.js";
import { currentActor, newLockHolder } from "../../core/ids.js";
import { withStackLock } from "../../engine/lock.js";
import type { StateStore, TransactionRecord } from "../../engine/ports.js";
import { findUnfinished, recover } from "../../engine/recover.js";
import { openRegistry, openState, stackRegion, type Target } from "../compose.js";
import type { CliContext } from "../context.js";
import { type StackSelectOptions, selectStack } from "../stack-select.js";
import { progressFor, txJson } from "./create.js";

interface RecoverOptions extends StackSelectOptions {
  resume?: boolean;
  target: Target;
  profile?: string;
  json?: boolean;
}

/**
 * `dpn recover [--resume]`: under the stack lock, settle every unfinished transaction of the
 * stack — look each in-doubt step up by natural key, then roll back (default) or roll forward.
 */
export async function recoverCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as RecoverOptions;
  const store = await openState(ctx);
  try {
    const stack = selectStack(store, o);
    if (!stack) {
      throw usageError("STACK_NOT_FOUND", "the state holds no stack: there is nothing to recover", {
        hint: "run this in the project folder whose .dpn/state.db holds the transaction",
      });
    }
    const pending = findUnfinished(store, stack.id);
    if (pending.length === 0) {
      if (o.json) ctx.out.resultJson({ stack_id: stack.id, recovered: [] });
      else
        ctx.out.result(
          `Nothing to recover: stack ${stack.project}/${stack.environment} has no unfinished transaction.`,
        );
      return ExitCode.OK;
    }
    const targets = new Set(pending.map((t) => t.target));
    if (targets.size === 1 && !targets.has(o.target)) {
      throw usageError(
        "TARGET_MISMATCH",
        `the unfinished transaction ran on --target ${[...targets][0]}, not ${o.target}`,
        { hint: `run dpn recover --target ${[...targets][0]}` },
      );
    }
    const registry = await openRegistry(ctx, {
      target: o.target,
      profile: o.profile,
      region: stackRegion(store, stack.id) ?? pendingRegion(store, pending),
    });
    const progress = progressFor(ctx);
    try {
      const results = await withStackLock(
        store,
        stack.id,
        newLockHolder(),
        { reporter: progress.reporter },
        async () =>
          recover({
            store,
            registry,
            stackId: stack.id,
            mode: o.resume ? "resume" : "rollback",
            reporter: progress.reporter,
            options: { command: ctx.commandLine, target: o.target, actor: currentActor() },
          }),
      );
      progress.done();
      if (o.json)
        ctx.out.resultJson({ stack_id: stack.id, recovered: results.map((r) => txJson(r, o.target)) });
      const failed = results.find((r) => r.outcome !== "committed" && r.outcome !== "rolled_back");
      if (failed?.error) {
        if (o.json) {
          ctx.out.error(failed.error, ctx.debug);
          return failed.error.exitCode;
        }
        throw failed.error;
      }
      if (!o.json) {
        for (const r of results) {
          ctx.out.result(
            `transaction ${r.txId}: ${r.outcome === "committed" ? "resumed and committed" : "rolled back"} (${r.operations.length} operations)`,
          );
        }
      }
      return ExitCode.OK;
    } finally {
      progress.done();
      await registry.close();
    }
  } finally {
    store.close();
  }
}

/** The AWS region of an interrupted transaction's planned resources (its stack may have no rows yet). */
function pendingRegion(store: StateStore, txs: TransactionRecord[]): string | undefined {
  for (const tx of txs) {
    for (const d of store.loadPlan?.(tx.id)?.desired ?? []) {
      const region = (d.properties as { region?: unknown }).region;
      if (typeof region === "string" && region) return region;
    }
  }
  return undefined;
}
