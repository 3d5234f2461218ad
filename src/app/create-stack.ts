/**
 * `createStack`: plan a resolved blueprint against state and the live platform, ask, and apply
 * the plan as one all-or-nothing transaction under the stack lock. `planStack` is the read-only
 * half (a dry run): it writes nothing anywhere.
 */
import type { ResolvedBlueprint } from "../blueprint/resolve.js";
import { DpnError } from "../core/errors.js";
import { currentActor, stackIdFor } from "../core/ids.js";
import { applyPlan, type TxResult } from "../engine/apply.js";
import { hasChanges, type Plan, type PruneMode, planChanges, type RefreshMode } from "../engine/plan.js";
import type { ProviderRegistry, ResourceRecord, StackRecord, StateStore } from "../engine/ports.js";
import { ReadCache } from "../engine/read-cache.js";
import { type AppContext, type ProfileChoice, profilesOf, type Target } from "./context.js";
import { type DeleteEachResult, deleteEach } from "./delete-each.js";
import { assertUnprotected, protectionsOf } from "./protection.js";
import { assertPrunable, removalsOf } from "./removals.js";
import { assertFresh, fingerprintsOf, type SavedPlan } from "./saved-plan.js";
import { underLock } from "./session.js";

export interface CreateStackInput extends ProfileChoice {
  resolved: ResolvedBlueprint;
  /** sha256 of the blueprint file, for the transaction record and audit. */
  blueprintHash?: string;
  target: Target;
  /** Maximum provider calls in flight (default 10). */
  parallelism?: number;
  /** How the plan reads what state has (`--refresh`; default full: every setting, for drift). */
  refresh?: RefreshMode;
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
   * What the run does with its removals (resources in state the blueprint no longer has):
   * `archive` them in the same transaction after every create and update succeeded (`--prune`),
   * or `delete` them in a cleanup phase after the transaction committed, one journaled transaction
   * each (`--prune=delete`): a failure there leaves the committed part, is recorded as a pending
   * cleanup (dpn status lists it) and the next pruning run retries it. Unset: they stay.
   */
  prune?: PruneMode;
  /** With `prune: "delete"`: delete what the removed resources hold too. */
  force?: boolean;
  /**
   * `--plan plan.json`: apply exactly this saved plan (its resources are `resolved.resources`), or
   * refuse with PLAN_STALE / PLAN_ALREADY_APPLIED before anything changes.
   */
  saved?: { plan: SavedPlan; file: string };
}

export interface PlannedStack {
  stack: StackRecord;
  plan: Plan;
}

/** A dry run's plan, with the state rows it was computed against (a saved plan's fingerprints). */
export interface DryRunPlan extends PlannedStack {
  rows: ResourceRecord[];
}

export type CreateStackResult =
  | (PlannedStack & { kind: "no-changes"; cleanup?: DeleteEachResult })
  | (PlannedStack & { kind: "applied"; tx: TxResult; cleanup?: DeleteEachResult });

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
    // a pruning run acts on removals too, whose types the blueprint may no longer have
    ...(input.prune ? {} : { types: types(input.resolved) }),
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
export async function planStack(app: AppContext, input: CreateStackInput): Promise<DryRunPlan> {
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
      return { stack, plan: p, rows: await store.listResources(stack.id) };
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
    ...(input.refresh ? { refresh: input.refresh } : {}),
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
          if (input.saved) {
            await assertNotApplied(store, stack.id, input.saved);
            const rows = await store.listResources(stack.id);
            assertFresh(input.saved.plan, fingerprintsOf(p, rows), input.saved.file);
          }
          if (input.prune) {
            assertPrunable(p.removals);
            await assertUnprotected(
              store,
              stack.id,
              p.removals.map((r) => r.address),
              "--prune",
            );
          }
          const pruning = input.prune === "archive" && p.removals.length > 0;
          const cleaning = input.prune === "delete" && p.removals.length > 0;
          // credentials for the removals' platforms too, before anything changes
          if (pruning || cleaning) await registry.preflight([...new Set(p.removals.map((r) => r.type))]);
          const cleanup = async (txId: string) =>
            cleaning ? cleanupPhase(app, { store, registry, stack, plan: p, input, txId }) : undefined;
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
            if (cleaning)
              await app.confirm({
                kind: "apply-plan",
                question: `Delete the ${p.removals.length} removed resources of ${project}/${environment} on ${input.target}? This cannot be undone.`,
                plan: p,
                prune: "delete",
              });
            await lift("no-changes");
            const done = await cleanup("no-changes");
            return { kind: "no-changes", stack, plan: p, ...(done ? { cleanup: done } : {}) };
          }
          await app.confirm({
            kind: "apply-plan",
            question: `Apply these changes to ${project}/${environment} on ${input.target}?`,
            plan: p,
            ...(pruning || cleaning ? { prune: input.prune } : {}),
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
          if (tx.outcome === "committed" && input.saved)
            await store.audit({
              at: new Date().toISOString(),
              actor: app.actor ?? currentActor(),
              stackId: stack.id,
              txId: tx.txId,
              command: app.command,
              event: "plan.applied",
              outcome: "ok",
              details: { plan_id: input.saved.plan.plan_id, file: input.saved.file },
            });
          const done = tx.outcome === "committed" ? await cleanup(tx.txId) : undefined;
          return { kind: "applied", stack, plan: p, tx, ...(done ? { cleanup: done } : {}) };
        },
      );
    } finally {
      await registry.close();
    }
  } finally {
    await store.close();
  }
}

/** PLAN_ALREADY_APPLIED (exit 11) when a committed run already applied this saved plan: a plan applies once. */
async function assertNotApplied(
  store: StateStore,
  stackId: string,
  saved: { plan: SavedPlan; file: string },
): Promise<void> {
  const events = await store.auditEvents({ stackId });
  const done = events.find((e) => e.event === "plan.applied" && e.details?.plan_id === saved.plan.plan_id);
  if (!done) return;
  throw new DpnError(
    "stale",
    "PLAN_ALREADY_APPLIED",
    `${saved.file} was applied already, by transaction ${done.txId ?? "?"} at ${done.at}; a saved plan applies once`,
    {
      hint: "Make a new plan (dpn create --dry-run --out) to change the stack again.",
      details: { plan_id: saved.plan.plan_id, tx_id: done.txId },
    },
  );
}

/**
 * The cleanup phase of `--prune=delete`, after the run committed: every removal is recorded as a
 * pending cleanup first (so a crash leaves them listed), then deleted one at a time, dependents
 * first; each deleted one is cleared, a failure is recorded with its error and ends the phase.
 */
async function cleanupPhase(
  app: AppContext,
  o: {
    store: StateStore;
    registry: ProviderRegistry;
    stack: StackRecord;
    plan: Plan;
    input: CreateStackInput;
    txId: string;
  },
): Promise<DeleteEachResult> {
  const { store, stack, plan, input } = o;
  await store.setCleanups(
    stack.id,
    plan.removals.map((r) => ({ address: r.address, pending: true })),
    o.txId,
  );
  const done = await deleteEach(app, {
    store,
    registry: o.registry,
    stack,
    removals: plan.removals,
    force: Boolean(input.force),
    kind: "cleanup",
    options: {
      command: app.command,
      target: input.target,
      actor: app.actor ?? currentActor(),
      ...(input.signal ? { signal: input.signal } : {}),
    },
    instead: "Prune with --prune (archive, restorable)",
  });
  await store.setCleanups(
    stack.id,
    [
      ...done.deleted.map((address) => ({ address, pending: false })),
      ...(done.failed
        ? [
            {
              address: done.failed.address,
              pending: true,
              error: { code: done.failed.error.code, message: done.failed.error.message },
            },
          ]
        : []),
    ],
    o.txId,
  );
  return done;
}
