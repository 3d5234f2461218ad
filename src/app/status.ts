/**
 * `stackStatus`: a stack at a glance — resources by type and status, the lock holder, unfinished
 * transactions, the last transaction, and (optionally, with live reads) which resources drifted
 * from the state. Changes nothing.
 */
import pLimit from "p-limit";
import type { ProvisionedType } from "../core/resources.js";
import type {
  LockInfo,
  PendingCleanup,
  ResourceRecord,
  StackRecord,
  TransactionRecord,
} from "../engine/ports.js";
import { findUnfinished } from "../engine/recover.js";
import { type AppContext, type ProfileChoice, profilesOf, type Target } from "./context.js";
import { type DriftField, driftOf } from "./drift.js";
import { openSession, type StackSelector } from "./session.js";

export interface StatusInput extends StackSelector, ProfileChoice {
  target: Target;
  /** Read every resource live to find drift (default true). */
  drift?: boolean;
}

export interface StatusResult {
  stack: StackRecord;
  rows: ResourceRecord[];
  byType: Map<ProvisionedType, { active: number; archived: number }>;
  lock: LockInfo | undefined;
  unfinished: TransactionRecord[];
  last: TransactionRecord | undefined;
  /**
   * The stack was destroyed: `dpn destroy` committed last and no resource is active (the stack
   * record stays, with its history).
   */
  destroyed: boolean;
  /** `--prune=delete` deletes still to do after their run committed (the next pruning run retries). */
  cleanups: PendingCleanup[];
  /** Resources whose live object differs from the state; undefined when not checked. */
  drifted?: { address: string; fields: DriftField[] }[];
}

/** The status of the chosen stack (live reads only with `drift`). */
export async function stackStatus(app: AppContext, input: StatusInput): Promise<StatusResult> {
  const session = await openSession(app, {
    target: input.target,
    ...profilesOf(input),
    readonly: true,
    ...(input.blueprint ? { blueprint: input.blueprint } : {}),
    ...(input.project ? { project: input.project } : {}),
    ...(input.env ? { env: input.env } : {}),
  });
  try {
    const { store, stack } = session;
    const rows = await store.listResources(stack.id);
    const byType = new Map<ProvisionedType, { active: number; archived: number }>();
    for (const r of rows) {
      const c = byType.get(r.type) ?? { active: 0, archived: 0 };
      c[r.status]++;
      byType.set(r.type, c);
    }
    const last = (await store.listTransactions({ stackId: stack.id, limit: 1 }))[0];
    const result: StatusResult = {
      stack,
      rows,
      byType,
      lock: await store.getLock(stack.id),
      unfinished: await findUnfinished(store, stack.id),
      last,
      cleanups: await store.pendingCleanups(stack.id),
      destroyed:
        last?.kind === "destroy" && last.status === "committed" && rows.every((r) => r.status !== "active"),
    };
    if (input.drift !== false && rows.length > 0) {
      const registry = await session.registry([...byType.keys()]);
      const ctx = await session.readContext();
      const limit = pLimit(8);
      const all = await Promise.all(
        rows.map((r) =>
          limit(async () => ({
            address: r.address,
            fields: driftOf(r, await registry.get(r.type).read(r.remoteId, ctx)),
          })),
        ),
      );
      result.drifted = all.filter((d) => d.fields.length > 0);
    }
    return result;
  } finally {
    await session.close();
  }
}

/**
 * `dpn status` without a stack choice: the status of every stack in the state (the one stack, or
 * `STACK_NOT_FOUND` when there is none, exactly as `stackStatus`).
 */
export async function everyStackStatus(
  app: AppContext,
  input: Omit<StatusInput, "blueprint" | "project" | "env" | "resourceId">,
): Promise<StatusResult[]> {
  const store = await app.openState({ readonly: true });
  let stacks: StackRecord[];
  try {
    stacks = await store.listStacks();
  } finally {
    await store.close();
  }
  if (stacks.length <= 1) return [await stackStatus(app, input)];
  const out: StatusResult[] = [];
  for (const s of stacks)
    out.push(await stackStatus(app, { ...input, project: s.project, env: s.environment }));
  return out;
}
