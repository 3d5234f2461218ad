/**
 * `createStack`: plan a resolved blueprint against state and the live platform, ask, and apply
 * the plan as one all-or-nothing transaction under the stack lock. `planStack` is the read-only
 * half (a dry run): it writes nothing anywhere.
 */
import type { ResolvedBlueprint } from "../blueprint/resolve.js";
import { currentActor, stackIdFor } from "../core/ids.js";
import { applyPlan, type TxResult } from "../engine/apply.js";
import { hasChanges, type Plan, planChanges } from "../engine/plan.js";
import type { ProviderRegistry, StackRecord, StateStore } from "../engine/ports.js";
import { ReadCache } from "../engine/read-cache.js";
import { type AppContext, type ProfileChoice, profilesOf, type Target } from "./context.js";
import { assertUnprotected, protectionsOf } from "./protection.js";
import { assertPrunable, removalsOf } from "./removals.js";
import { underLock } from "./session.js";

export interface CreateStackInput extends ProfileChoice {
  resolved: ResolvedBlueprint;
  /** sha256 of the blueprint file, for the transaction record and audit. */
  blueprintHash?: string;
  target: Target;
  /** Maximum provider calls in flight (default 10). */
  parallelism?: number;
  /** Keep what succeeded instead of rolling back on failure. */
  noRollback?: boolean;
  /** Wait this long for another run's lock (default 0: fail at once with STACK_LOCKED). */
  lockTimeoutMs?: number;
  /** Wait for new clusters to reach RUNNING. */
  wait?: boolean;
  sandboxFlags?: Record<string, unknown>;
  /** Aborting stops new steps and rolls back what was done (Ctrl-C). */
  signal?: AbortSignal;
  /**
   * `--prune`: archive the plan's removals (resources in state the blueprint no longer has) in the
   * same transaction, after every create and update succeeded.
   */
  prune?: boolean;
}

export interface PlannedStack {
  stack: StackRecord;
  plan: Plan;
}

export type CreateStackResult =
  | (PlannedStack & { kind: "no-changes" })
  | (PlannedStack & { kind: "applied"; tx: TxResult });

function types(resolved: ResolvedBlueprint) {
  return [...new Set(resolved.resources.map((r) => r.type))];
}

async function registryFor(
  app: AppContext,
  input: CreateStackInput,
  readonly: boolean,
): Promise<ProviderRegistry> {
  return app.openRegistry({
    target: input.target,
    ...profilesOf(input),
    ...(input.resolved.metadata.region ? { region: input.resolved.metadata.region } : {}),
    types: types(input.resolved),
    ...(input.wait ? { wait: true } : {}),
    ...(input.sandboxFlags ? { sandboxFlags: input.sandboxFlags } : {}),
    readonly,
  });
}

/**
 * Plan without changing anything (state and sandbox are opened read-only; an empty folder stays
 * empty). Rejects with the planner's errors: credentials (exit 4), RESOURCE_CONFLICT (exit 5),
 * PLAN_CHECK_FAILED (exit 3), provider read errors.
 */
export async function planStack(app: AppContext, input: CreateStackInput): Promise<PlannedStack> {
  const store = await app.openState({ readonly: true });
  try {
    const registry = await registryFor(app, input, true);
    try {
      await registry.preflight(types(input.resolved));
      const { project, environment } = input.resolved.stackKey;
      const stack: StackRecord = (await store.getStack(project, environment)) ?? {
        id: stackIdFor(project, environment),
        project,
        environment,
        createdAt: new Date().toISOString(),
      };
      const p = await plan(app, store, registry, stack, input, new ReadCache());
      if (input.prune) {
        assertPrunable(p.removals);
        await assertUnprotected(
          store,
          stack.id,
          p.removals.map((r) => r.address),
          "--prune",
        );
      }
      return { stack, plan: p };
    } finally {
      await registry.close();
    }
  } finally {
    await store.close();
  }
}

/** The plan of the blueprint, its removals included (resources in state it no longer has). */
async function plan(
  app: AppContext,
  store: StateStore,
  registry: ProviderRegistry,
  stack: StackRecord,
  input: CreateStackInput,
  cache: ReadCache,
): Promise<Plan> {
  const p = await planChanges({
    desired: input.resolved.resources,
    stack,
    store,
    registry,
    cache,
    ...(input.parallelism ? { parallelism: input.parallelism } : {}),
    // planning progress (reads done/total) for the display; planning itself is unchanged
    ...(app.reporter ? { reporter: app.reporter } : {}),
  });
  const removals = await removalsOf(store, stack, input.resolved);
  return { ...p, removals, counts: { ...p.counts, remove: removals.length } };
}

/**
 * Plan, ask (`app.confirm` with the plan: a refusal rejects with its DpnError and nothing is
 * changed), then apply the plan as one transaction, all under the stack lock. Resolves with
 * `no-changes` when everything matches, or `applied` with the transaction's result — committed,
 * rolled back (APPLY_ROLLED_BACK, exit 6), rollback incomplete (exit 7) or kept (`noRollback`).
 * Rejects before anything changes for credentials, conflicts, plan checks, STACK_LOCKED and
 * TX_UNFINISHED (exit 8).
 */
export async function createStack(app: AppContext, input: CreateStackInput): Promise<CreateStackResult> {
  const store = await app.openState({ readonly: false });
  try {
    const registry = await registryFor(app, input, false);
    try {
      await registry.preflight(types(input.resolved));
      const { project, environment } = input.resolved.stackKey;
      const stack = await store.ensureStack(project, environment);
      const cache = new ReadCache();
      return await underLock(
        { app, store, stack },
        { ...(input.lockTimeoutMs ? { lockTimeoutMs: input.lockTimeoutMs } : {}) },
        async (held) => {
          const p = await plan(app, store, registry, stack, input, cache);
          if (input.prune) {
            assertPrunable(p.removals);
            await assertUnprotected(
              store,
              stack.id,
              p.removals.map((r) => r.address),
              "--prune",
            );
          }
          const pruning = Boolean(input.prune) && p.removals.length > 0;
          // protection takes effect at once; it is lifted only by a run that applied the blueprint
          const protections = protectionsOf(input.resolved);
          const set = protections.filter((x) => x.on);
          if (set.length > 0) await store.setProtection(stack.id, set, "pending");
          const lift = async (txId: string) =>
            store.setProtection(
              stack.id,
              protections.filter((x) => !x.on),
              txId,
            );
          if (!hasChanges(p) && !pruning) {
            await lift("no-changes");
            return { kind: "no-changes", stack, plan: p };
          }
          await app.confirm({
            kind: "apply-plan",
            question: `Apply these changes to ${project}/${environment} on ${input.target}?`,
            plan: p,
            ...(pruning ? { prune: true } : {}),
          });
          const signals = [held.signal, ...(input.signal ? [input.signal] : [])];
          const tx = await applyPlan({
            plan: p,
            stack,
            store,
            registry,
            ...(app.reporter ? { reporter: app.reporter } : {}),
            options: {
              ...(input.parallelism ? { parallelism: input.parallelism } : {}),
              ...(input.noRollback ? { noRollback: true } : {}),
              ...(pruning ? { prune: true } : {}),
              command: app.command,
              ...(input.blueprintHash ? { blueprintHash: input.blueprintHash } : {}),
              target: input.target,
              actor: app.actor ?? currentActor(),
              cache,
              signal: AbortSignal.any(signals),
            },
          });
          if (tx.outcome === "committed") await lift(tx.txId);
          return { kind: "applied", stack, plan: p, tx };
        },
      );
    } finally {
      await registry.close();
    }
  } finally {
    await store.close();
  }
}
