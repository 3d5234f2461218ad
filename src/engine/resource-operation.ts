/**
 * Single-resource transactions for the management commands (update, delete, archive, restore,
 * import): one journaled step with the same compensation machinery as `dpn create`. A failed step
 * whose effect is in doubt is undone (update → revert, archive ↔ restore, import → revert marker).
 */
import { DpnError } from "../core/errors.js";
import { eventError, type Reporter } from "../core/events.js";
import type { DesiredResource, ProvisionedType } from "../core/resources.js";
import { isOurs } from "./journal-records.js";
import type {
  ProviderRegistry,
  RemoteObject,
  ResourceRecord,
  StackRecord,
  StateStore,
  TxKind,
} from "./ports.js";
import { conflictError, type OpRecord, type StepRunner } from "./step-runner.js";
import { openTransaction, settleFailure, type TxOptions, type TxResult } from "./transaction.js";

export type ResourceAction = "update" | "delete" | "archive" | "restore" | "adopt";

export interface ResourceOperationInput {
  store: StateStore;
  registry: ProviderRegistry;
  stack: StackRecord;
  action: ResourceAction;
  /** The state row (required for update, delete, archive, restore). */
  record?: ResourceRecord;
  /** The desired resource (required for update and adopt/import). */
  desired?: DesiredResource;
  params?: {
    /** delete: remove even when the object holds data or children. */
    force?: boolean;
    /** adopt: import this remote id instead of looking the desired resource up by name. */
    remoteId?: string;
  };
  reporter?: Reporter;
  options: TxOptions;
  /** The transaction's kind when the operation is part of something larger (`destroy`). */
  kind?: TxKind;
}

const KIND: Record<ResourceAction, TxKind> = {
  update: "update",
  delete: "delete",
  archive: "archive",
  restore: "restore",
  adopt: "import",
};

/**
 * Run one action on one resource as a transaction. Before anything is written it checks its
 * inputs (DpnError usage `RESOURCE_OPERATION_INPUT`), that the object exists (provider
 * `RESOURCE_NOT_FOUND`, except delete of something already gone, which just drops the row) and
 * that it is ours (`RESOURCE_CONFLICT`). Resolves with a TxResult: `committed`, or on failure
 * `rolled_back` (with the step's own error when nothing had to be undone, else
 * APPLY_ROLLED_BACK) or `rollback_failed` (ROLLBACK_INCOMPLETE).
 */
export async function runResourceOperation(input: ResourceOperationInput): Promise<TxResult> {
  const { store, registry, stack, action, record, desired } = input;
  const address = record?.address ?? desired?.address;
  const type = record?.type ?? desired?.type;
  if (
    !address ||
    !type ||
    (action !== "adopt" && !record) ||
    ((action === "update" || action === "adopt") && !desired)
  ) {
    throw new DpnError(
      "usage",
      "RESOURCE_OPERATION_INPUT",
      `${action} needs ${action === "adopt" ? "a desired resource" : action === "update" ? "a state record and a desired resource" : "a state record"}`,
    );
  }
  const provider = registry.get(type);
  const refs = new Map((await store.listResources(stack.id)).map((r) => [r.address, r.remoteId] as const));
  const readCtx = {
    stackId: stack.id,
    txId: "read",
    actor: "",
    resolveRef: (a: string) => refs.get(a),
  };

  // All reads and checks happen before the transaction begins.
  let live: RemoteObject | null;
  if (action === "adopt") {
    live = input.params?.remoteId
      ? await provider.read(input.params.remoteId, readCtx)
      : await provider.lookup(desired as DesiredResource, readCtx);
  } else {
    live = await provider.read((record as ResourceRecord).remoteId, readCtx);
  }
  if (!live && action !== "delete") {
    throw new DpnError(
      "provider",
      "REMOTE_RESOURCE_MISSING",
      `${type} ${record?.fullName ?? desired?.fullName} (${address}) does not exist remotely`,
      {
        hint:
          action === "adopt"
            ? "Check the name or remote id."
            : "It was deleted outside dpn; `dpn create` re-creates it, or `dpn delete` drops it from state.",
        details: { address },
      },
    );
  }
  if (live?.ownership && !isOurs(live, stack.id, address))
    throw conflictError({ address, type, fullName: live.fullName }, live, stack.id);
  if (live && !live.ownership && action !== "adopt")
    throw conflictError({ address, type, fullName: live.fullName }, live, stack.id);

  const tx = await openTransaction({
    store,
    registry,
    stackId: stack.id,
    kind: input.kind ?? KIND[action],
    ...(input.reporter ? { reporter: input.reporter } : {}),
    options: input.options,
    operations: 1,
    details: { action, address },
    // What `dpn recover --resume` finishes if this process dies mid-step.
    plan: {
      version: 1,
      stackId: stack.id,
      desired: desired ? [desired] : [],
      resource: {
        action,
        address,
        ...(input.params?.force ? { force: true } : {}),
        ...(input.params?.remoteId ? { remoteId: input.params.remoteId } : {}),
      },
    },
  });
  const extra: OpRecord[] = [];
  try {
    await executeResourceStep(tx.runner, {
      action,
      address,
      type,
      live,
      ...(record ? { record } : {}),
      ...(desired ? { desired } : {}),
      ...(input.params?.force ? { force: true } : {}),
      extra,
    });
  } catch (cause) {
    const settled = await settleFailure(tx, {
      cause,
      failedAt: `${action[0]?.toUpperCase()}${action.slice(1)} of ${address}`,
      failures: [{ address, ...eventError(cause) }],
      plainCauseWhenNothingUndone: true,
    });
    return tx.finish(settled.outcome, settled.error, extra, settled.leftOvers);
  }
  return tx.finish("committed", undefined, extra);
}

/**
 * The one journaled step of a single-resource operation, against `live` (the object as read just
 * before; null for a delete of something already gone). Every action is idempotent from whatever
 * a crashed earlier attempt left, so `dpn recover --resume` runs it again. `extra` receives the
 * no-op record of an update that finds nothing to change. Throws the step's error.
 */
export async function executeResourceStep(
  r: StepRunner,
  s: {
    action: ResourceAction;
    address: string;
    type: ProvisionedType;
    live: RemoteObject | null;
    record?: ResourceRecord;
    desired?: DesiredResource;
    force?: boolean;
    extra: OpRecord[];
  },
): Promise<void> {
  const { action, address, type, live, record, desired } = s;
  const provider = r.provider(type);
  switch (action) {
    case "update": {
      const d = desired as DesiredResource;
      const obj = live as RemoteObject;
      if (provider.diff(d, obj).length === 0) {
        s.extra.push({ address, type, name: d.name, action: "noop", phase: "forward", status: "unchanged" });
        if (record) await r.refreshRow(record, obj);
      } else await r.update(d, obj, record);
      return;
    }
    case "delete":
      if (live) await r.delete(record as ResourceRecord, live, s.force ? { force: true } : {});
      else await r.forget(record as ResourceRecord);
      return;
    case "archive":
    case "restore":
      await r.archiveOrRestore(action, record as ResourceRecord, live as RemoteObject);
      return;
    case "adopt": {
      const d = desired as DesiredResource;
      await r.adopt(
        { address, type, name: d.name, desired: d },
        live as RemoteObject,
        await r.o.store.getResource(r.o.stackId, address),
      );
      return;
    }
  }
}
