/**
 * Apply a plan as one all-or-nothing transaction: journal every step before its remote call,
 * run independent branches concurrently, and on the first failure stop, let running steps
 * finish, and undo everything the transaction did in reverse dependency order.
 */
import { DpnError } from "../core/errors.js";
import { eventError, type Reporter } from "../core/events.js";
import { type GraphNode, runGraph } from "../core/graph.js";
import type { Plan, PlannedChange, PlannedRemoval } from "./plan.js";
import type { ProviderRegistry, StackRecord, StateStore, StoredPlan, TxKind } from "./ports.js";
import type { OpRecord, StepRunner } from "./step-runner.js";
import {
  type OpenTx,
  openTransaction,
  settleFailure,
  type TxOptions,
  type TxOutcome,
  type TxResult,
} from "./transaction.js";

export { type TxOutcome, type TxResult, throwIfFailed } from "./transaction.js";

export interface ApplyOptions extends TxOptions {
  /** Keep what succeeded instead of rolling back (`--no-rollback`). */
  noRollback?: boolean;
  /**
   * `--prune`: archive the plan's removals in this transaction, after every change succeeded
   * (a failure anywhere rolls the whole run back, archives included).
   */
  prune?: boolean;
  /** Transaction kind (default "create"). */
  kind?: TxKind;
}

export interface ApplyInput {
  plan: Plan;
  stack: StackRecord;
  store: StateStore;
  registry: ProviderRegistry;
  reporter?: Reporter;
  options: ApplyOptions;
}

/** The plan as stored on the transaction, so `dpn recover --resume` can finish it. */
export function storedPlanOf(plan: Plan, prune = false): StoredPlan {
  return {
    version: 1,
    stackId: plan.stackId,
    desired: plan.changes.map((c) => c.desired),
    ...(prune && plan.removals.length > 0
      ? { prune: { mode: "archive" as const, addresses: plan.removals.map((r) => r.address) } }
      : {}),
  };
}

/**
 * Apply `plan`. Resolves with a TxResult for every outcome; only a failing state store (exit 8)
 * or a bug rejects. Outcomes: `committed`; `rolled_back` (error APPLY_ROLLED_BACK, exit 6, naming
 * the failed step and cause); `rollback_failed` (error ROLLBACK_INCOMPLETE, exit 7, listing the
 * exact resources that need a person); `failed_kept` with `noRollback` (error APPLY_FAILED_KEPT).
 * Use `throwIfFailed(result)` to turn a non-committed result into its error.
 */
export async function applyPlan(input: ApplyInput): Promise<TxResult> {
  const { plan, stack, store, registry, options } = input;
  const tx = await openTransaction({
    store,
    registry,
    stackId: stack.id,
    kind: options.kind ?? "create",
    ...(input.reporter ? { reporter: input.reporter } : {}),
    options,
    details: { counts: plan.counts },
    operations:
      plan.changes.filter((c) => c.kind !== "noop").length + (options.prune ? plan.removals.length : 0),
    plan: storedPlanOf(plan, Boolean(options.prune)),
  });
  return runPlanInTx(tx, plan, options);
}

/**
 * Run a plan's changes inside an open transaction and settle it (used by apply and by
 * `recover --resume`, which continues the interrupted transaction).
 */
export async function runPlanInTx(
  tx: OpenTx,
  plan: Plan,
  options: { noRollback?: boolean; signal?: AbortSignal; prune?: boolean },
): Promise<TxResult> {
  const work = plan.changes.filter((c) => c.kind !== "noop");
  const graph = await runGraph<GraphNode & { change: PlannedChange }>({
    nodes: work.map((c) => ({ id: c.address, deps: c.desired.dependencies, change: c })),
    parallelism: tx.parallelism,
    onFailure: "stop",
    shouldStop: () => options.signal?.aborted === true,
    run: async (node) => {
      try {
        await executeChange(tx.runner, node.change);
      } catch (e) {
        // The run will roll back: steps still waiting for their turn make no remote call now.
        if (!options.noRollback) tx.runner.halt();
        throw e;
      }
    },
  });

  // Steps halted before their remote call (the run was already rolling back) did not start.
  const halted = (f: { error: unknown }) =>
    (f.error as { code?: string } | undefined)?.code === "STEP_NOT_STARTED";
  const result = {
    failed: graph.failed.filter((f) => !halted(f)),
    notStarted: [...graph.failed.filter(halted).map((f) => f.id), ...graph.notStarted],
  };
  // --prune: the removals go once every change succeeded, one at a time, dependents first
  const removals = options.prune ? plan.removals : [];
  const removalOps: OpRecord[] = [];
  for (const [i, r] of removals.entries()) {
    if (result.failed.length > 0 || result.notStarted.length > 0 || options.signal?.aborted) {
      removalOps.push(...removals.slice(i).map((x) => removalOp(x, "not_started")));
      break;
    }
    try {
      await archiveRemoval(tx.runner, r);
    } catch (e) {
      result.failed.push({ id: r.address, error: e });
    }
  }
  const byAddress = new Map(plan.changes.map((c) => [c.address, c]));
  const removalAt = new Map(removals.map((r) => [r.address, r]));
  const extraOps: OpRecord[] = [
    ...plan.changes
      .filter((c) => c.kind === "noop")
      .map(
        (c): OpRecord => ({
          address: c.address,
          type: c.type,
          name: c.name,
          action: "noop",
          phase: "forward",
          status: "unchanged",
        }),
      ),
    ...removalOps,
    ...result.notStarted.map((a): OpRecord => {
      const c = byAddress.get(a) as PlannedChange;
      return {
        address: a,
        type: c.type,
        name: c.name,
        action: c.kind === "noop" ? "noop" : c.kind,
        phase: "forward",
        status: "not_started",
      };
    }),
  ];
  for (const c of plan.changes) if (c.kind === "noop") await tx.runner.refreshRow(c.record, c.live);
  const interrupted = options.signal?.aborted === true && result.notStarted.length > 0;
  if (result.failed.length === 0 && !interrupted) return tx.finish("committed", undefined, extraOps);

  const first = result.failed[0];
  const cause: unknown =
    first?.error ??
    new DpnError(
      "interrupted",
      "INTERRUPTED",
      `Interrupted before ${result.notStarted.length} step(s) started`,
      options.signal?.reason ? { cause: options.signal.reason } : {},
    );
  const settled = await settleFailure(tx, {
    cause,
    failedAt: first
      ? removalAt.has(first.id)
        ? `Archiving ${first.id} (--prune)`
        : describeStep(byAddress.get(first.id))
      : "The transaction",
    failures: result.failed.map((f) => ({ address: f.id, ...eventError(f.error) })),
    ...(options.noRollback ? { noRollback: true } : {}),
  });
  return tx.finish(settled.outcome as TxOutcome, settled.error, extraOps, settled.leftOvers);
}

function removalOp(r: PlannedRemoval, status: OpRecord["status"]): OpRecord {
  return { address: r.address, type: r.type, name: r.name, action: "archive", phase: "forward", status };
}

/**
 * Archive one removal (`--prune`): read the object by its remote id, then the type's archive as a
 * journaled step (its undo is restore). An object that no longer exists cannot be archived:
 * REMOVAL_MISSING (exit 5), and the run rolls back.
 */
async function archiveRemoval(runner: StepRunner, r: PlannedRemoval): Promise<void> {
  const live = await runner.provider(r.type).read(r.record.remoteId, runner.ctx());
  if (!live) {
    throw new DpnError(
      "provider",
      "REMOVAL_MISSING",
      `${r.address} is in state but no longer exists remotely, so --prune cannot archive it`,
      {
        hint: `It was deleted outside dpn: \`dpn delete --resource-id ${r.address}\` drops it from state.`,
        details: { address: r.address, remote_id: r.record.remoteId },
      },
    );
  }
  await runner.archiveOrRestore("archive", r.record, live);
}

/** Run one planned change through the step runner (one executor per kind). */
export async function executeChange(runner: StepRunner, c: PlannedChange): Promise<void> {
  switch (c.kind) {
    case "create":
      await runner.create(c.desired, c.record, c.absentAt);
      return;
    case "update":
      await runner.update(c.desired, c.live, c.record);
      return;
    case "adopt": {
      const obj = await runner.adopt(
        { address: c.address, type: c.type, name: c.name, desired: c.desired },
        c.live,
        c.record,
      );
      if (c.changes.length > 0)
        await runner.update(c.desired, obj, await runner.o.store.getResource(runner.o.stackId, c.address));
      return;
    }
    case "noop":
      return;
  }
}

function describeStep(c: PlannedChange | undefined): string {
  if (!c) return "A step";
  const verb =
    c.kind === "create"
      ? "Creating"
      : c.kind === "update"
        ? "Updating"
        : c.kind === "adopt"
          ? "Adopting"
          : "Reading";
  return `${verb} ${c.address}`;
}
