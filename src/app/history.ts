/**
 * The state's history: transactions (list, one with its journal), the audit trail, and forcing a
 * stuck lock open. Reads only, except `unlockStack`.
 */
import { stateError, usageError } from "../core/errors.js";
import { currentActor } from "../core/ids.js";
import type { AuditEvent, JournalEntry, LockInfo, StackRecord, TransactionRecord } from "../engine/ports.js";
import type { AppContext } from "./context.js";
import { type StackSelector, selectStack } from "./session.js";

const named = (o: StackSelector) => Boolean(o.blueprint || o.project || o.env);

/** Transactions, newest first, of the named stack (or of every stack). */
export async function listTransactions(
  app: AppContext,
  o: StackSelector & { limit?: number },
): Promise<TransactionRecord[]> {
  const store = await app.openState({ readonly: true });
  try {
    const stack = named(o) ? await selectStack(store, o) : undefined;
    return await store.listTransactions({
      ...(stack ? { stackId: stack.id } : {}),
      ...(o.limit ? { limit: o.limit } : {}),
    });
  } finally {
    await store.close();
  }
}

/**
 * One transaction with every journaled operation. Rejects with TX_NOT_FOUND (exit 2) naming the
 * most recent transactions.
 */
export async function showTransaction(
  app: AppContext,
  txId: string,
): Promise<{ transaction: TransactionRecord; journal: JournalEntry[] }> {
  const store = await app.openState({ readonly: true });
  try {
    const transaction = await store.getTransaction(txId);
    if (!transaction) {
      const recent = (await store.listTransactions({ limit: 5 })).map((t) => t.id);
      throw usageError("TX_NOT_FOUND", `no transaction '${txId}'`, {
        hint: recent.length ? `recent transactions: ${recent.join(", ")}` : "no transactions recorded yet",
      });
    }
    return { transaction, journal: await store.journal(transaction.id) };
  } finally {
    await store.close();
  }
}

/** Audit events, oldest first, of the named stack (or all), since an ISO time, the latest `limit`. */
export async function auditTrail(
  app: AppContext,
  o: StackSelector & { since?: string; limit?: number },
): Promise<AuditEvent[]> {
  const store = await app.openState({ readonly: true });
  try {
    const stack = named(o) ? await selectStack(store, o) : undefined;
    return await store.auditEvents({
      ...(o.since ? { since: o.since } : {}),
      ...(stack ? { stackId: stack.id } : {}),
      ...(o.limit ? { limit: o.limit } : {}),
    });
  } finally {
    await store.close();
  }
}

/**
 * Force open the lock whose holder id is `holderId` (on the named stack, or on whichever stack it
 * holds), and audit it. Resolves with the stack and the lock removed (with `dryRun`, the lock that
 * would be removed, nothing written); rejects with LOCK_NOT_FOUND (exit 8) when no stack has such
 * a lock.
 */
export async function unlockStack(
  app: AppContext,
  holderId: string,
  o: StackSelector & { dryRun?: boolean },
): Promise<{ stack: StackRecord; lock: LockInfo }> {
  const store = await app.openState({ readonly: Boolean(o.dryRun) });
  try {
    const chosen = named(o) ? await selectStack(store, o) : undefined;
    const stacks = chosen ? [chosen] : await store.listStacks();
    for (const stack of stacks) {
      const lock = await store.getLock(stack.id);
      if (lock && lock.holderId === holderId) {
        if (o.dryRun) return { stack, lock };
        await store.forceUnlock(stack.id, { holderId: lock.holderId, fencing: lock.fencing });
        await store.audit({
          at: new Date().toISOString(),
          actor: app.actor ?? currentActor(),
          stackId: stack.id,
          command: app.command,
          event: "lock.force_released",
          outcome: "ok",
          details: { holder: lock },
        });
        return { stack, lock };
      }
    }
    throw stateError("LOCK_NOT_FOUND", `no stack lock with holder id '${holderId}'`, {
      hint: "`dpn status` shows the current lock holder of a stack",
    });
  } finally {
    await store.close();
  }
}
