/**
 * Hard deletes one resource at a time, in order (dependents first), one journaled transaction
 * each: a delete cannot be undone, so there is no all-or-nothing to offer, and each transaction is
 * recoverable on its own like `dpn delete`. Stops at the first failure. Used by `dpn destroy` and
 * by the cleanup phase of `dpn create --prune=delete`.
 */
import { DpnError } from "../core/errors.js";
import type { TxResult } from "../engine/apply.js";
import type { PlannedRemoval } from "../engine/plan.js";
import type { ProviderRegistry, StackRecord, StateStore, TxKind } from "../engine/ports.js";
import { runResourceOperation } from "../engine/resource-operation.js";
import type { TxOptions } from "../engine/transaction.js";
import type { AppContext } from "./context.js";
import { isNotEmpty, notEmptyError } from "./resources.js";

export interface DeleteEachResult {
  /** One transaction per resource attempted, in order; the last one failed when `failed` is set. */
  txs: TxResult[];
  deleted: string[];
  failed?: { address: string; error: DpnError };
  /** Not attempted after the failure (or an interrupt). */
  notStarted: string[];
}

export async function deleteEach(
  app: AppContext,
  o: {
    store: StateStore;
    registry: ProviderRegistry;
    stack: StackRecord;
    removals: readonly PlannedRemoval[];
    force: boolean;
    kind: TxKind;
    options: TxOptions;
    /** How to get past a DELETE_NOT_EMPTY refusal, for its hint. */
    instead: string;
  },
): Promise<DeleteEachResult> {
  const txs: TxResult[] = [];
  const deleted: string[] = [];
  for (const [i, r] of o.removals.entries()) {
    let tx = await runResourceOperation({
      action: "delete",
      kind: o.kind,
      record: r.record,
      params: o.force ? { force: true } : {},
      store: o.store,
      registry: o.registry,
      stack: o.stack,
      ...(app.reporter ? { reporter: app.reporter } : {}),
      options: o.options,
    });
    if (tx.outcome !== "committed" && isNotEmpty(tx.error))
      tx = { ...tx, error: notEmptyError(r.address, tx.error, o.instead) };
    txs.push(tx);
    const rest = o.removals.slice(i + 1).map((x) => x.address);
    if (tx.outcome !== "committed") {
      const error =
        tx.error ?? new DpnError("internal", "TX_FAILED", `transaction ${tx.txId} ended ${tx.outcome}`);
      return { txs, deleted, failed: { address: r.address, error }, notStarted: rest };
    }
    deleted.push(r.address);
    if (o.options.signal?.aborted) return { txs, deleted, notStarted: rest };
  }
  return { txs, deleted, notStarted: [] };
}
