/**
 * Transaction lifecycle shared by apply, recovery and the single-resource commands: open the
 * transaction record (and audit), hand out a StepRunner bound to it, settle a failure by rolling
 * back (or keeping, with --no-rollback), and close the record with its outcome.
 */
import { DpnError, isDpnError } from "../core/errors.js";
import { type EventError, eventError, type Reporter, silentReporter } from "../core/events.js";
import { currentActor, currentHost, newTxId } from "../core/ids.js";
import type { AuditEvent, ProviderRegistry, StateStore, StoredPlan, TxKind, TxStatus } from "./ports.js";
import { defaultRateLimits, RateLimiter, type RateLimits } from "./rate-limiter.js";
import { ReadCache } from "./read-cache.js";
import type { RetryPolicy } from "./retry.js";
import { type LeftOver, rollbackTransaction } from "./rollback.js";
import { type OpRecord, StepRunner } from "./step-runner.js";

export type TxOutcome = "committed" | "rolled_back" | "rollback_failed" | "failed_kept";

export interface TxResult {
  txId: string;
  stackId: string;
  outcome: TxOutcome;
  /** Epoch ms. */
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  /** Every step, forward and compensating, plus unchanged and never-started resources. */
  operations: OpRecord[];
  /** Set unless committed: the error the CLI renders and exits with. */
  error?: DpnError;
  /** What rollback could not undo (rollback_failed only). */
  leftOvers?: LeftOver[];
}

/** Options common to everything that runs a transaction. */
export interface TxOptions {
  /** The command line, for the transaction record and audit. */
  command: string;
  blueprintHash?: string;
  /** Defaults to `registry.target`. */
  target?: string;
  /** `user@host`; defaults to the current user. */
  actor?: string;
  /** Max steps in flight (default 10). */
  parallelism?: number;
  /** Per-service limits; default `defaultRateLimits(target)`. */
  rateLimits?: RateLimits;
  retry?: Partial<RetryPolicy>;
  /** Aborting stops new steps (Ctrl-C, lock lost) and rolls back like a failure. */
  signal?: AbortSignal;
  /** Read cache shared with planning. */
  cache?: ReadCache;
  /** Use this id instead of a fresh one. */
  txId?: string;
}

export interface OpenTx {
  txId: string;
  stackId: string;
  startedAt: number;
  runner: StepRunner;
  reporter: Reporter;
  parallelism: number;
  audit(event: string, extra?: Record<string, unknown>): Promise<void>;
  /** Record the final status (durably, with every write before it) and return the result. */
  finish(
    outcome: TxOutcome,
    error: DpnError | undefined,
    extraOps?: OpRecord[],
    leftOvers?: LeftOver[],
  ): Promise<TxResult>;
}

interface OpenArgs {
  store: StateStore;
  registry: ProviderRegistry;
  stackId: string;
  kind: TxKind;
  reporter?: Reporter;
  options: TxOptions;
  /** The plan `dpn recover --resume` finishes, stored with the new transaction record. */
  plan?: StoredPlan;
  /** Continue an existing transaction (recovery) instead of beginning a new record. */
  existingTxId?: string;
  /** Extra audit details for tx.started. */
  details?: Record<string, unknown>;
  /** Steps planned, for the tx.started event. */
  operations?: number;
}

/** Begin (or continue) a transaction. Rejects with the store's DpnError (exit 8) when it cannot record it. */
export async function openTransaction(a: OpenArgs): Promise<OpenTx> {
  const { store, registry, stackId, options } = a;
  const reporter = a.reporter ?? silentReporter;
  const startedAt = Date.now();
  const actor = options.actor ?? currentActor();
  const target = options.target ?? registry.target;
  const txId = a.existingTxId ?? options.txId ?? newTxId();
  if (!a.existingTxId) {
    await store.beginTransaction(
      {
        id: txId,
        stackId,
        kind: a.kind,
        actor,
        command: options.command,
        ...(options.blueprintHash ? { blueprintHash: options.blueprintHash } : {}),
        target,
        pid: process.pid,
        host: currentHost(),
      },
      a.plan ?? { version: 1, stackId, desired: [] },
    );
  }
  const auditEvent = (event: string, extra: Record<string, unknown> = {}): AuditEvent => ({
    at: new Date().toISOString(),
    actor,
    stackId,
    txId,
    command: options.command,
    event,
    ...(options.blueprintHash ? { blueprintHash: options.blueprintHash } : {}),
    ...extra,
  });
  // Queued with the next durable write (group commit): the next intent, or the final status.
  const audit = (event: string, extra: Record<string, unknown> = {}) =>
    store.settleStep({ outcomes: [], audit: [auditEvent(event, extra)] });
  await audit(a.existingTxId ? "recovery.started" : "tx.started", {
    details: { kind: a.kind, target, ...a.details },
  });
  if (!a.existingTxId)
    reporter({
      event: "tx.started",
      at: startedAt,
      txId,
      stackId,
      kind: a.kind,
      operations: a.operations ?? 0,
    });

  const refs = new Map((await store.listResources(stackId)).map((r) => [r.address, r.remoteId] as const));
  const runner = new StepRunner({
    store,
    registry,
    stackId,
    txId,
    actor,
    reporter,
    auditEvent,
    refs,
    cache: options.cache ?? new ReadCache(),
    rateLimiter: new RateLimiter(options.rateLimits ?? defaultRateLimits(target)),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    txId,
    stackId,
    startedAt,
    runner,
    reporter,
    parallelism: options.parallelism ?? 10,
    audit,
    async finish(outcome, error, extraOps = [], leftOvers) {
      const finishedAt = Date.now();
      // the closing audit event travels with the final status: one durable write
      await store.settleStep({
        outcomes: [],
        audit: [
          auditEvent("tx.finished", {
            outcome,
            details: { durationMs: finishedAt - startedAt, ...(error ? { error: error.toJSON() } : {}) },
          }),
        ],
      });
      await store.finishTransaction(txId, outcome as TxStatus, error ? error.toJSON() : undefined);
      reporter({ event: "tx.finished", at: finishedAt, txId, outcome, durationMs: finishedAt - startedAt });
      return {
        txId,
        stackId,
        outcome,
        startedAt,
        finishedAt,
        durationMs: finishedAt - startedAt,
        operations: [...runner.ops, ...extraOps],
        ...(error ? { error } : {}),
        ...(leftOvers ? { leftOvers } : {}),
      };
    },
  };
}

export interface Settled {
  outcome: Exclude<TxOutcome, "committed">;
  error: DpnError;
  leftOvers?: LeftOver[];
}

/**
 * After a failed step: keep (noRollback → failed_kept, APPLY_FAILED_KEPT) or roll back everything
 * the transaction did (→ rolled_back, APPLY_ROLLED_BACK exit 6; or rollback_failed,
 * ROLLBACK_INCOMPLETE exit 7). With `plainCauseWhenNothingUndone`, a failure that left nothing to
 * undo reports the cause itself (single-resource commands: "delete refused" stays exit 5).
 */
export async function settleFailure(
  tx: OpenTx,
  args: {
    cause: unknown;
    failedAt: string;
    failures: ({ address: string } & EventError)[];
    noRollback?: boolean;
    plainCauseWhenNothingUndone?: boolean;
  },
): Promise<Settled> {
  const { cause, failedAt, failures } = args;
  const txId = tx.txId;
  if (args.noRollback) {
    const kept = tx.runner.ops
      .filter((o) => o.status === "succeeded" && o.phase === "forward")
      .map((o) => o.address);
    return {
      outcome: "failed_kept",
      error: new DpnError(
        isDpnError(cause) ? cause.kind : "internal",
        "APPLY_FAILED_KEPT",
        `${failedAt} failed: ${messageOf(cause)}. ${kept.length} completed change(s) were kept (--no-rollback).`,
        {
          cause,
          hint: "Fix the cause and run `dpn create` again: it adopts what this run created (the objects carry this stack's marker) and creates the rest.",
          details: { txId, failures, kept },
        },
      ),
    };
  }
  tx.reporter({
    event: "rollback.started",
    at: Date.now(),
    txId,
    reason: eventError(cause),
    operations: tx.runner.ops.filter((o) => o.status === "succeeded").length,
  });
  await tx.audit("rollback.started", { details: { cause: eventError(cause) } });
  const rb = await rollbackTransaction(tx.runner, { parallelism: tx.parallelism });
  if (rb.leftOvers.length > 0)
    return {
      outcome: "rollback_failed",
      error: rollbackIncomplete(txId, failedAt, cause, rb.leftOvers),
      leftOvers: rb.leftOvers,
    };
  if (rb.compensated === 0 && args.plainCauseWhenNothingUndone && isDpnError(cause))
    return { outcome: "rolled_back", error: cause };
  return {
    outcome: "rolled_back",
    error: new DpnError(
      "rolled_back",
      "APPLY_ROLLED_BACK",
      `${failedAt} failed: ${messageOf(cause)}. All ${rb.compensated} completed change(s) were rolled back; nothing was left behind.`,
      {
        cause,
        hint: isDpnError(cause) && cause.hint ? cause.hint : "Fix the cause and run the command again.",
        details: { txId, failures, compensated: rb.compensated },
      },
    ),
  };
}

/** The ROLLBACK_INCOMPLETE error (exit 7) listing exactly what needs a person. */
export function rollbackIncomplete(
  txId: string,
  failedAt: string,
  cause: unknown,
  leftOvers: LeftOver[],
): DpnError {
  return new DpnError(
    "rollback_incomplete",
    "ROLLBACK_INCOMPLETE",
    `${failedAt} failed: ${messageOf(cause)}. Rollback could not undo ${leftOvers.length} change(s): ${leftOvers.map((l) => l.address).join(", ")}`,
    {
      cause,
      hint: "Fix what blocked the rollback (see each resource), then run `dpn recover` to retry it, or undo the listed changes by hand.",
      details: { txId, resources: leftOvers, retry: "dpn recover" },
    },
  );
}

/** Throw `result.error` unless the transaction committed. */
export function throwIfFailed(result: TxResult): void {
  if (result.outcome !== "committed" && result.error) throw result.error;
}

/** The message of `e` without its closing period: it is always embedded mid-sentence ("… failed: <msg>. All …"). */
export function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\.+$/, "");
}
