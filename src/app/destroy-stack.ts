/**
 * `destroyStack`: retire a whole stack, dependents first. `archive` is a soft destroy: one
 * transaction that archives every active resource and rolls back entirely on failure (the prune
 * path of applyPlan). A hard destroy deletes, and a delete cannot be undone, so it runs one
 * journaled transaction per resource, in order, and stops at the first failure: what was deleted
 * stays deleted (and is listed), the rest stays, and running it again continues. Data-bearing
 * objects are refused unless `force`, exactly as `dpn delete`. The stack record stays, with its
 * history; `dpn status` shows it as destroyed.
 */
import { currentActor } from "../core/ids.js";
import { applyPlan, type TxResult } from "../engine/apply.js";
import type { Plan, PlannedRemoval } from "../engine/plan.js";
import type { StackRecord } from "../engine/ports.js";
import { type AppContext, type ProfileChoice, profilesOf, type Target } from "./context.js";
import { deleteEach } from "./delete-each.js";
import { assertUnprotected } from "./protection.js";
import { removalsOf } from "./removals.js";
import { archiveForceConflict } from "./resources.js";
import { openSession, type StackSelector, underLock } from "./session.js";

export const DESTROY_REASON = "the stack is destroyed";

export interface DestroyInput extends StackSelector, ProfileChoice {
  target: Target;
  /** Soft destroy: archive everything (restorable) instead of deleting. */
  archive?: boolean;
  /** Hard destroy: delete data-bearing objects too. */
  force?: boolean;
  dryRun?: boolean;
  lockTimeoutMs?: number;
}

export type DestroyResult =
  | { kind: "dry-run"; stack: StackRecord; removals: PlannedRemoval[]; mode: "archive" | "delete" }
  | { kind: "nothing"; stack: StackRecord }
  /** `txs`: the archive transaction, or one delete transaction per resource in order (the last may have failed). */
  | {
      kind: "destroyed";
      stack: StackRecord;
      mode: "archive" | "delete";
      removals: PlannedRemoval[];
      txs: TxResult[];
      /** Addresses not attempted after a failure (hard destroy). */
      notStarted: string[];
    };

/**
 * Destroy the chosen stack. Rejects with OPTIONS_CONFLICT for `archive` + `force`, the caller's
 * refusal (nothing changed), STACK_LOCKED / TX_UNFINISHED (exit 8). A failed delete ends the
 * destroy: its TxResult (DELETE_NOT_EMPTY for data without `force`) is the last of `txs`.
 */
export async function destroyStack(app: AppContext, input: DestroyInput): Promise<DestroyResult> {
  if (input.archive && input.force) throw archiveForceConflict("destroy");
  const mode = input.archive ? "archive" : "delete";
  const session = await openSession(app, {
    target: input.target,
    ...profilesOf(input),
    readonly: Boolean(input.dryRun),
    ...(input.blueprint ? { blueprint: input.blueprint } : {}),
    ...(input.project ? { project: input.project } : {}),
    ...(input.env ? { env: input.env } : {}),
  });
  try {
    const { store, stack } = session;
    const all = () =>
      removalsOf(store, stack, { resources: [] }, { archivedToo: mode === "delete", reason: DESTROY_REASON });
    const planned = await all();
    await assertUnprotected(
      store,
      stack.id,
      planned.map((r) => r.address),
      "dpn destroy",
    );
    if (input.dryRun) return { kind: "dry-run", stack, removals: planned, mode };
    if (planned.length === 0) return { kind: "nothing", stack };
    const types = [...new Set(planned.map((r) => r.type))];
    const registry = await session.registry(types);
    await registry.preflight(types);
    return await underLock(session, input, async (held) => {
      const removals = await all();
      await app.confirm({
        kind: "destroy-stack",
        question: `${mode === "archive" ? "Archive" : "Delete"} all ${removals.length} resources of ${stack.project}/${stack.environment} on ${input.target}${mode === "delete" ? (input.force ? ", with everything they hold? This cannot be undone." : "? This cannot be undone.") : "?"}`,
        stack,
        removals,
        force: Boolean(input.force),
      });
      const options = {
        command: app.command,
        target: input.target,
        actor: app.actor ?? currentActor(),
        signal: held.signal,
      };
      if (mode === "archive") {
        const plan: Plan = {
          stackId: stack.id,
          changes: [],
          removals,
          counts: { create: 0, update: 0, noop: 0, adopt: 0, remove: removals.length },
        };
        const tx = await applyPlan({
          plan,
          stack,
          store,
          registry,
          ...(app.reporter ? { reporter: app.reporter } : {}),
          options: { ...options, kind: "destroy", prune: true },
        });
        return { kind: "destroyed", stack, mode, removals, txs: [tx], notStarted: [] };
      }
      const done = await deleteEach(app, {
        store,
        registry,
        stack,
        removals,
        force: Boolean(input.force),
        kind: "destroy",
        options,
        instead: "Destroy with --archive (restorable)",
      });
      return { kind: "destroyed", stack, mode, removals, txs: done.txs, notStarted: done.notStarted };
    });
  } finally {
    await session.close();
  }
}
