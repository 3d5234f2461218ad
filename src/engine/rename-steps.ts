/**
 * In-place renames as one transaction (`dpn migrate`): each rename is a journaled step whose
 * rollback image holds the object's old name, so a failure renames every completed step back
 * (children before their containers) and recovery can finish or undo a killed run by looking
 * the object up under both names. State rows follow: the renamed object's row when this stack
 * manages it, and the stack's rows inside a renamed Unity Catalog container, whose full names
 * (their remote ids) change with it.
 */
import { DpnError } from "../core/errors.js";
import { eventError, type Reporter } from "../core/events.js";
import type { DesiredResource, ProvisionedType } from "../core/resources.js";
import type {
  ProviderRegistry,
  RemoteObject,
  ResourceRecord,
  StackRecord,
  StateStore,
  StoredRename,
} from "./ports.js";
import type { StepRunner } from "./step-runner.js";
import { openTransaction, settleFailure, type TxOptions, type TxResult } from "./transaction.js";

/** Unity Catalog containers: renaming one changes the full names inside it. */
const CONTAINER_CHILDREN: Partial<Record<ProvisionedType, ProvisionedType[]>> = {
  dbx_catalog: ["dbx_schema", "dbx_table", "dbx_volume"],
  dbx_schema: ["dbx_table", "dbx_volume"],
};

/** One rename step: `from` is the object's identity when its turn comes (after earlier renames). */
export interface RenameStep extends StoredRename {
  /** Addresses of earlier steps that renamed its container (rollback undoes this one first). */
  dependsOn: string[];
}

export interface RenameRunInput {
  store: StateStore;
  registry: ProviderRegistry;
  stack: StackRecord;
  steps: RenameStep[];
  reporter?: Reporter;
  options: TxOptions;
}

/**
 * Run `steps` in order as one `migrate` transaction under the caller's stack lock. Resolves with
 * the TxResult: `committed`; `rolled_back` with APPLY_ROLLED_BACK (exit 6) after a failed step
 * once every completed rename was renamed back (also when the first one failed);
 * `rollback_failed` with ROLLBACK_INCOMPLETE (exit 7) listing what is left. The caller checks
 * the plan (existence, free names, ownership) before; a step whose object is gone fails with
 * REMOTE_RESOURCE_MISSING and rolls back like any failure.
 */
export async function runRenames(input: RenameRunInput): Promise<TxResult> {
  const { store, registry, stack, steps } = input;
  const tx = await openTransaction({
    store,
    registry,
    stackId: stack.id,
    kind: "migrate",
    ...(input.reporter ? { reporter: input.reporter } : {}),
    options: input.options,
    operations: steps.length,
    details: { renames: steps.length },
    plan: {
      version: 1,
      stackId: stack.id,
      desired: [],
      renames: steps.map(({ address, type, from, to }) => ({ address, type, from, to })),
    },
  });
  let current: RenameStep | undefined;
  try {
    for (const step of steps) {
      current = step;
      await executeRename(tx.runner, step);
    }
  } catch (cause) {
    const address = current?.address ?? "";
    const settled = await settleFailure(tx, {
      cause,
      failedAt: `Rename of ${current?.from.fullName ?? address} to ${current?.to.fullName ?? "?"}`,
      failures: [{ address, ...eventError(cause) }],
    });
    return tx.finish(settled.outcome, settled.error, [], settled.leftOvers);
  }
  return tx.finish("committed", undefined);
}

/**
 * One rename. With `resume` (recover --resume) it starts from whatever an earlier attempt left:
 * an object already under its new name is done (its rows are brought up to date). Otherwise, and
 * for one under its old name, it renames. Throws REMOTE_RESOURCE_MISSING (provider, exit 5) when
 * the object is not under its old name, and the step's error.
 */
export async function executeRename(
  r: StepRunner,
  step: RenameStep,
  opts: { resume?: boolean } = {},
): Promise<void> {
  const provider = r.provider(step.type);
  const ctx = r.ctx();
  const row = await rowOf(r, step);
  const sameId = step.to.remoteId === step.from.remoteId;
  // A fresh run never takes an object under the new name for its own: the checks found it free.
  const done = opts.resume || sameId ? await provider.read(step.to.remoteId, ctx) : null;
  const live = sameId ? done : await provider.read(step.from.remoteId, ctx);
  const renamed = opts.resume && done && sameName(done.name, step.to.name) ? done : undefined;
  if (renamed) {
    // An interrupted run renamed it and died before recording that: correct the rows only.
    if (row) await r.refreshRow(row, renamed);
    for (const c of await childRows(r, step))
      await r.o.store.putResource({ ...c.after, txId: r.txId, updatedAt: new Date().toISOString() });
    return;
  }
  if (!live || !sameName(live.name, step.from.name)) {
    throw new DpnError(
      "provider",
      "REMOTE_RESOURCE_MISSING",
      `${step.type} ${step.from.fullName} no longer exists under that name`,
      {
        hint: "It was renamed or deleted since the plan was written: scan again (`dpn scan --plan-migration`) and migrate with the new plan.",
        details: { address: step.address, from: step.from.fullName, to: step.to.fullName },
      },
    );
  }
  const children = await childRows(r, step);
  await r.rename({ address: step.address, desired: desiredOf(step, live), to: step.to }, live, row, children);
}

/** The stack's row of the renamed object, when this stack manages it. */
async function rowOf(r: StepRunner, step: StoredRename): Promise<ResourceRecord | undefined> {
  const row = await r.o.store.getResource(r.o.stackId, step.address);
  return row && row.type === step.type ? row : undefined;
}

/** The stack's rows inside a renamed container, before and with their new full names. */
async function childRows(
  r: StepRunner,
  step: StoredRename,
): Promise<{ before: ResourceRecord; after: ResourceRecord }[]> {
  const kinds = CONTAINER_CHILDREN[step.type];
  if (!kinds) return [];
  const prefix = `${step.from.remoteId.toLowerCase()}.`;
  const field = step.type === "dbx_catalog" ? "catalog_name" : "schema_name";
  const out: { before: ResourceRecord; after: ResourceRecord }[] = [];
  for (const row of await r.o.store.listResources(r.o.stackId)) {
    if (!kinds.includes(row.type) || !row.remoteId.toLowerCase().startsWith(prefix)) continue;
    const moved = (s: string) => `${step.to.remoteId}.${s.slice(prefix.length)}`;
    const properties = { ...row.properties };
    if (field in properties) properties[field] = step.to.name;
    out.push({
      before: row,
      after: { ...row, remoteId: moved(row.remoteId), fullName: moved(row.fullName), properties },
    });
  }
  return out;
}

/**
 * The object as it should be after the step (the journal entry's `desired`): its new name, its
 * settings and tags, and the renames of its containers as dependencies, which orders rollback.
 */
function desiredOf(step: RenameStep | StoredRename, live: RemoteObject): DesiredResource {
  return {
    type: step.type,
    address: step.address,
    name: step.to.name,
    fullName: step.to.fullName,
    properties: live.properties as DesiredResource["properties"],
    tags: live.tags,
    dependencies: "dependsOn" in step ? step.dependsOn : [],
    source: "migration.json",
  };
}

/** The steps of a stored migration, with their container dependencies recomputed. */
export function stepsOf(renames: StoredRename[]): RenameStep[] {
  return renames.map((s, i) => ({
    ...s,
    dependsOn: renames
      .slice(0, i)
      .filter(
        (c) =>
          CONTAINER_CHILDREN[c.type] &&
          s.from.remoteId.toLowerCase().startsWith(`${c.to.remoteId.toLowerCase()}.`),
      )
      .map((c) => c.address),
  }));
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
