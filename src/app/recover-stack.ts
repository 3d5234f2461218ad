/**
 * `recoverStack`: settle every unfinished transaction of a stack under its lock — look each
 * in-doubt step up by natural key, then roll back (default) or roll forward (`resume`).
 */
import { usageError } from "../core/errors.js";
import { currentActor, newLockHolder } from "../core/ids.js";
import { withStackLock } from "../engine/lock.js";
import type { JournalEntry, StackRecord, StateStore, TransactionRecord } from "../engine/ports.js";
import { findUnfinished, recover } from "../engine/recover.js";
import type { TxResult } from "../engine/transaction.js";
import { type AppContext, type ProfileChoice, profilesOf, type Target } from "./context.js";
import { hasStackChoice, type StackSelector, selectStack, stackRegion } from "./session.js";

export interface RecoverStackInput extends StackSelector, ProfileChoice {
  target: Target;
  resume?: boolean;
  /** Read only: resolve `would-recover` with each unfinished transaction and its journal. */
  dryRun?: boolean;
}

/** An unfinished transaction as a dry run shows it: what recovery would settle. */
export interface PendingRecovery {
  tx: TransactionRecord;
  journal: JournalEntry[];
  /** How many resources the transaction's stored plan holds (a resume finishes those not journaled). */
  planned: number;
}

export type RecoverStackResult =
  /** Nothing was unfinished (or the state holds no stack at all). Nothing was written. */
  | { kind: "nothing"; stack?: StackRecord }
  | { kind: "would-recover"; stack: StackRecord; mode: "rollback" | "resume"; pending: PendingRecovery[] }
  | { kind: "recovered"; stack: StackRecord; results: TxResult[] };

/**
 * Recover the chosen stack. With nothing to recover it resolves `nothing` and writes nothing
 * (the state is only read). Rejects with TARGET_MISMATCH (exit 2) when the unfinished work ran on
 * another target, STACK_LOCKED (exit 8) while another run holds the stack, and the engine's
 * recovery errors; each recovered transaction's own outcome is in its TxResult.
 */
export async function recoverStack(app: AppContext, input: RecoverStackInput): Promise<RecoverStackResult> {
  // look first without writing anything: an empty folder or a clean stack stays untouched
  const peek = await app.openState({ readonly: true });
  let stack: StackRecord | undefined;
  try {
    stack = await stackToRecover(peek, input);
    const unfinished = stack ? await findUnfinished(peek, stack.id) : [];
    if (!stack || unfinished.length === 0) return stack ? { kind: "nothing", stack } : { kind: "nothing" };
    if (input.dryRun) {
      assertTarget(unfinished, input.target);
      const pending: PendingRecovery[] = [];
      for (const tx of unfinished)
        pending.push({
          tx,
          journal: await peek.journal(tx.id),
          planned: (await peek.loadPlan(tx.id))?.desired.length ?? 0,
        });
      return { kind: "would-recover", stack, mode: input.resume ? "resume" : "rollback", pending };
    }
  } finally {
    await peek.close();
  }
  const store = await app.openState({ readonly: false });
  try {
    const pending = await findUnfinished(store, stack.id);
    if (pending.length === 0) return { kind: "nothing", stack };
    assertTarget(pending, input.target);
    const region = (await stackRegion(store, stack.id)) ?? (await pendingRegion(store, pending));
    const registry = await app.openRegistry({
      target: input.target,
      ...profilesOf(input),
      ...(region ? { region } : {}),
    });
    try {
      const s = stack;
      const results = await withStackLock(
        store,
        s.id,
        newLockHolder(),
        {
          ...(app.lockLeaseMs ? { leaseMs: app.lockLeaseMs } : {}),
          ...(app.reporter ? { reporter: app.reporter } : {}),
        },
        () =>
          recover({
            store,
            registry,
            stackId: s.id,
            mode: input.resume ? "resume" : "rollback",
            ...(app.reporter ? { reporter: app.reporter } : {}),
            options: { command: app.command, target: input.target, actor: app.actor ?? currentActor() },
          }),
      );
      return { kind: "recovered", stack: s, results };
    } finally {
      await registry.close();
    }
  } finally {
    await store.close();
  }
}

/** TARGET_MISMATCH (exit 2) when the unfinished work ran on the other target. */
function assertTarget(pending: TransactionRecord[], target: Target): void {
  const targets = new Set(pending.map((t) => t.target));
  if (targets.size === 1 && !targets.has(target)) {
    throw usageError(
      "TARGET_MISMATCH",
      `the unfinished transaction ran on --target ${[...targets][0]}, not ${target}`,
      { hint: `run dpn recover --target ${[...targets][0]}` },
    );
  }
}

/** The AWS region of an interrupted transaction's planned resources (its stack may have no rows yet). */
async function pendingRegion(store: StateStore, txs: TransactionRecord[]): Promise<string | undefined> {
  for (const tx of txs) {
    for (const d of (await store.loadPlan(tx.id))?.desired ?? []) {
      const region = (d.properties as { region?: unknown }).region;
      if (typeof region === "string" && region) return region;
    }
  }
  return undefined;
}

/**
 * The stack rule of every command (selectStack), with one addition for recovery: without a stack
 * choice, when the state holds several stacks, the only one with unfinished work is the one to
 * recover (none: nothing to do; several: STACK_AMBIGUOUS, as for any command).
 */
async function stackToRecover(store: StateStore, input: RecoverStackInput): Promise<StackRecord | undefined> {
  if (!hasStackChoice(input)) {
    const stacks = await store.listStacks();
    if (stacks.length > 1) {
      const withWork: StackRecord[] = [];
      for (const s of stacks) if ((await findUnfinished(store, s.id)).length > 0) withWork.push(s);
      if (withWork.length <= 1) return withWork[0];
    }
  }
  return selectStack(store, input);
}
