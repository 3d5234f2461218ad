/**
 * Recovery of transactions a crashed or killed run left behind. The journal says what was
 * intended; natural-key lookups (ownership marker = our stack + address) say what actually
 * happened. Then either everything the transaction did is undone (rollback) or its stored plan
 * is finished (resume). Call it while holding the stack lock.
 */
import { stateError, usageError } from "../core/errors.js";
import { eventError, type Reporter, silentReporter } from "../core/events.js";
import { runPlanInTx } from "./apply.js";
import { errorRecord, isOurs, rowFromRemote, snapshot } from "./journal-records.js";
import { type PlannedRemoval, planChanges, removalOf } from "./plan.js";
import type { ProviderRegistry, RemoteObject, StateStore, StoredPlan, TransactionRecord } from "./ports.js";
import { ReadCache } from "./read-cache.js";
import { executeRename, stepsOf } from "./rename-steps.js";
import { executeResourceStep } from "./resource-operation.js";
import { rollbackTransaction } from "./rollback.js";
import type { OpRecord, StepRunner } from "./step-runner.js";
import {
  type OpenTx,
  openTransaction,
  rollbackIncomplete,
  settleFailure,
  type TxOptions,
  type TxResult,
} from "./transaction.js";

/**
 * Transactions of the stack that need `dpn recover`: still `running`/`interrupted` (their process
 * died) and `rollback_failed` (rollback can be retried). Oldest first.
 */
export async function findUnfinished(store: StateStore, stackId: string): Promise<TransactionRecord[]> {
  const seen = new Map<string, TransactionRecord>();
  for (const t of await store.unfinishedTransactions(stackId)) seen.set(t.id, t);
  for (const t of await store.listTransactions({ stackId, status: "rollback_failed" })) seen.set(t.id, t);
  return [...seen.values()].sort(
    (a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id),
  );
}

/**
 * Guard the CLI calls (under the stack lock) before any new work: throws DpnError `TX_UNFINISHED`
 * (kind state, exit 8, hint `dpn recover`) when a transaction is still running or interrupted.
 * Holding the lock means its process is gone. `rollback_failed` transactions do not block: their
 * leftovers are real, recorded resources of the stack.
 */
export async function assertNoUnfinished(store: StateStore, stackId: string): Promise<void> {
  const open = await store.unfinishedTransactions(stackId);
  const tx = open[0];
  if (!tx) return;
  throw stateError(
    "TX_UNFINISHED",
    `Stack ${stackId} has an unfinished transaction ${tx.id} (${tx.kind}, started ${tx.startedAt} by ${tx.actor} on ${tx.host}, pid ${tx.pid})${open.length > 1 ? ` and ${open.length - 1} more` : ""}`,
    {
      hint: "Run `dpn recover` to roll it back (or `dpn recover --resume` to finish it) before starting new work.",
      details: {
        stackId,
        transactions: open.map((t) => ({
          id: t.id,
          kind: t.kind,
          status: t.status,
          startedAt: t.startedAt,
          actor: t.actor,
        })),
      },
    },
  );
}

export interface RecoverInput {
  store: StateStore;
  registry: ProviderRegistry;
  stackId: string;
  mode: "rollback" | "resume";
  reporter?: Reporter;
  /** Only this transaction (default: every unfinished one, oldest first). */
  txId?: string;
  options: TxOptions;
}

/**
 * Recover the stack's unfinished transactions. Resolves with one TxResult per transaction
 * (`rolled_back`, `committed` after a resume, or `rollback_failed` with ROLLBACK_INCOMPLETE);
 * a resume that fails rolls the whole transaction back like a failed apply.
 * Throws DpnError `RECOVER_NOT_FOUND` for an unknown `txId`, `RECOVER_PLAN_MISSING` when resume
 * has no stored plan, and the planner's RESOURCE_CONFLICT when a resume meets a foreign object.
 */
export async function recover(input: RecoverInput): Promise<TxResult[]> {
  const { store, registry, stackId, mode } = input;
  const reporter = input.reporter ?? silentReporter;
  let txs = await findUnfinished(store, stackId);
  if (input.txId) {
    txs = txs.filter((t) => t.id === input.txId);
    if (txs.length === 0) {
      throw stateError(
        "RECOVER_NOT_FOUND",
        `Transaction ${input.txId} is not an unfinished transaction of stack ${stackId}`,
        { hint: "List them with `dpn status`." },
      );
    }
  }
  const results: TxResult[] = [];
  for (const tx of txs) {
    reporter({ event: "recovery.started", at: Date.now(), txId: tx.id, mode });
    const open = await openTransaction({
      store,
      registry,
      stackId,
      kind: tx.kind,
      reporter,
      options: { ...input.options, ...(tx.blueprintHash ? { blueprintHash: tx.blueprintHash } : {}) },
      existingTxId: tx.id,
      details: { mode, previousStatus: tx.status },
    });
    await resolveInDoubt(open.runner);
    results.push(
      mode === "rollback"
        ? await rollBack(open)
        : await resume(open, store, registry, stackId, input.options),
    );
  }
  return results;
}

/**
 * Settle journal entries whose outcome was never recorded. An in-doubt create is looked up by
 * natural key: our object → done (and recorded in state), nothing → failed (never happened).
 * Other in-doubt steps stay `unknown`; their compensations are idempotent. Interrupted
 * compensations are closed; the forward entry they belong to is still pending and is redone.
 */
async function resolveInDoubt(runner: StepRunner): Promise<void> {
  const { store, stackId, reporter } = runner.o;
  for (const e of await store.journal(runner.txId)) {
    if (e.phase === "compensate" && e.status === "intent") {
      await store.settleStep({
        outcomes: [{ id: e.id, status: "unknown", error: { reason: "interrupted; redone by recovery" } }],
      });
      continue;
    }
    if (e.phase !== "forward" || (e.status !== "intent" && e.status !== "unknown")) continue;
    if (e.action === "create" && e.desired) {
      let found: RemoteObject | null;
      let unmarked = false;
      try {
        found = await runner.lookupOrThrow(runner.provider(e.type), e.desired);
        // An unmarked object may still be ours: the create stopped before its marker was written.
        // The claim reports its verdict itself.
        unmarked = !!found && !found.ownership;
        if (found && unmarked) found = (await runner.claim(e, e.desired, found, "compensate")) ?? found;
      } catch {
        continue; // still in doubt: rollback will look again (and report it if it cannot)
      }
      const ours = !!found && isOurs(found, stackId, e.address);
      if (!unmarked)
        reporter({
          event: "op.resolved",
          at: Date.now(),
          txId: runner.txId,
          address: e.address,
          type: e.type,
          name: e.name,
          action: "create",
          phase: "forward",
          found: ours,
        });
      if (found && ours) {
        const prev = e.before?.row;
        await store.settleStep({
          outcomes: [
            { id: e.id, status: "done", remoteId: found.remoteId, after: snapshot({ remote: found }) },
          ],
          put: [rowFromRemote(stackId, e.address, found, runner.txId, prev, "active")],
        });
        runner.refs.set(e.address, found.remoteId);
      } else {
        await store.settleStep({
          outcomes: [
            {
              id: e.id,
              status: "failed",
              error: {
                reason: found
                  ? "a foreign object holds the name; ours was not created"
                  : "not created (resolved by recovery lookup)",
              },
            },
          ],
        });
      }
    } else if (e.action === "delete" && e.status === "intent" && e.remoteId) {
      // A delete is not undone; find out whether it happened so state matches the remote.
      try {
        const still = await runner.provider(e.type).read(e.remoteId, runner.ctx());
        if (still)
          await store.settleStep({
            outcomes: [
              { id: e.id, status: "failed", error: { reason: "not deleted (resolved by recovery read)" } },
            ],
          });
        else
          await store.settleStep({
            outcomes: [{ id: e.id, status: "done" }],
            remove: [{ stackId, address: e.address }],
          });
      } catch (err) {
        await store.settleStep({ outcomes: [{ id: e.id, status: "unknown", error: errorRecord(err) }] });
      }
    } else if (e.status === "intent") {
      await store.settleStep({
        outcomes: [
          { id: e.id, status: "unknown", error: { reason: "interrupted before the outcome was recorded" } },
        ],
      });
    }
  }
}

async function rollBack(tx: OpenTx): Promise<TxResult> {
  const rb = await rollbackTransaction(tx.runner, { parallelism: tx.parallelism });
  if (rb.leftOvers.length > 0) {
    return tx.finish(
      "rollback_failed",
      rollbackIncomplete(
        tx.txId,
        `Recovery of ${tx.txId}`,
        new Error("the transaction was interrupted"),
        rb.leftOvers,
      ),
      [],
      rb.leftOvers,
    );
  }
  return tx.finish("rolled_back", undefined);
}

async function resume(
  tx: OpenTx,
  store: StateStore,
  registry: ProviderRegistry,
  stackId: string,
  options: TxOptions,
): Promise<TxResult> {
  const stored = await store.loadPlan(tx.txId);
  if (!stored) {
    throw stateError(
      "RECOVER_PLAN_MISSING",
      `Transaction ${tx.txId} has no stored plan, so it cannot be resumed`,
      { hint: "Run `dpn recover` without --resume to roll it back, then run the command again." },
    );
  }
  const stack = (await store.listStacks()).find((s) => s.id === stackId);
  if (!stack) throw usageError("STACK_NOT_FOUND", `Stack ${stackId} is not in state`);
  if (stored.resource) return resumeResourceOperation(tx, stored, registry);
  if (stored.renames) return resumeRenames(tx, stored.renames);
  // Re-planning the whole desired set against state + remote makes the finished steps no-ops and
  // turns created-but-unrecorded objects (our marker) into adopts.
  const plan = await planChanges({
    desired: stored.desired,
    stack,
    store,
    registry,
    cache: options.cache ?? new ReadCache(),
    ctx: { txId: tx.txId },
  });
  // --prune: what is still active of the removals the run was to archive, in their order
  const rows = new Map((await store.listResources(stackId)).map((r) => [r.address, r]));
  const removals: PlannedRemoval[] = (stored.prune?.addresses ?? []).flatMap((a) => {
    const record = rows.get(a);
    return record?.status === "active" ? [removalOf(record)] : [];
  });
  // the remaining work is known only now: announce it so progress shows done/total
  tx.reporter({
    event: "tx.started",
    at: Date.now(),
    txId: tx.txId,
    stackId,
    kind: "recover",
    operations: plan.changes.filter((c) => c.kind !== "noop").length + removals.length,
  });
  return runPlanInTx(
    tx,
    { ...plan, removals },
    { ...(stored.prune ? { prune: true } : {}), ...(options.signal ? { signal: options.signal } : {}) },
  );
}

/**
 * Finish a migration (`dpn migrate`) that a crash interrupted: every rename in its order, each
 * looked up under both names first (executeRename skips those done). A failure rolls the whole
 * transaction back, renaming back what is renamed.
 */
async function resumeRenames(tx: OpenTx, renames: NonNullable<StoredPlan["renames"]>): Promise<TxResult> {
  tx.reporter({
    event: "tx.started",
    at: Date.now(),
    txId: tx.txId,
    stackId: tx.stackId,
    kind: "recover",
    operations: renames.length,
  });
  let at = "";
  try {
    for (const step of stepsOf(renames)) {
      at = step.address;
      await executeRename(tx.runner, step, { resume: true });
    }
  } catch (cause) {
    const settled = await settleFailure(tx, {
      cause,
      failedAt: `Resuming the rename of ${at}`,
      failures: [{ address: at, ...eventError(cause) }],
    });
    return tx.finish(settled.outcome, settled.error, [], settled.leftOvers);
  }
  return tx.finish("committed", undefined);
}

/**
 * Finish a single-resource operation (update, delete, archive, restore, import) that a crash
 * interrupted: read the object again and run its step once more (every step is idempotent from
 * any prefix of its calls). A failure rolls the transaction back like any failed step.
 */
async function resumeResourceOperation(
  tx: OpenTx,
  stored: StoredPlan,
  registry: ProviderRegistry,
): Promise<TxResult> {
  const op = stored.resource as NonNullable<StoredPlan["resource"]>;
  const { store, stackId } = tx.runner.o;
  const record = await store.getResource(stackId, op.address);
  const desired = stored.desired.find((d) => d.address === op.address);
  const type = record?.type ?? desired?.type;
  tx.reporter({
    event: "tx.started",
    at: Date.now(),
    txId: tx.txId,
    stackId,
    kind: "recover",
    operations: 1,
  });
  const extra: OpRecord[] = [];
  try {
    if (!type) throw stateError("RECOVER_PLAN_MISSING", `Transaction ${tx.txId} names no resource to finish`);
    const provider = registry.get(type);
    const ctx = tx.runner.ctx();
    let live: RemoteObject | null;
    if (op.action === "adopt") {
      live = op.remoteId
        ? await provider.read(op.remoteId, ctx)
        : desired
          ? await provider.lookup(desired, ctx)
          : null;
    } else {
      live = record ? await provider.read(record.remoteId, ctx) : null;
    }
    // Already done by the interrupted run (the journal entry settled as done, or the effect is there).
    const finished =
      (op.action === "delete" && !record) ||
      (op.action === "archive" && record?.status === "archived" && live?.archived) ||
      (op.action === "restore" && record?.status === "active" && live && !live.archived) ||
      (op.action === "adopt" && record && live && isOurs(live, stackId, op.address));
    if (!finished) {
      if (!live && op.action !== "delete")
        throw stateError(
          "RECOVER_RESOURCE_GONE",
          `${type} ${record?.fullName ?? desired?.fullName ?? op.address} no longer exists, so its ${op.action} cannot be finished`,
          { hint: "Run `dpn recover` without --resume to roll the transaction back." },
        );
      await executeResourceStep(tx.runner, {
        action: op.action,
        address: op.address,
        type,
        live,
        ...(record ? { record } : {}),
        ...(desired ? { desired } : {}),
        ...(op.force ? { force: true } : {}),
        extra,
      });
    }
  } catch (cause) {
    const settled = await settleFailure(tx, {
      cause,
      failedAt: `Resuming ${op.action} of ${op.address}`,
      failures: [{ address: op.address, ...eventError(cause) }],
    });
    return tx.finish(settled.outcome, settled.error, extra, settled.leftOvers);
  }
  return tx.finish("committed", undefined, extra);
}
