/**
 * Use cases on one resource of a stack: read (with drift), update, archive, delete, restore,
 * import, and list. Each opens a session, checks everything it can before any change, asks the
 * caller where a change needs consent, and runs the change as one journaled transaction under the
 * stack lock. Results are typed; rendering is the caller's.
 */
import { loadBlueprint } from "../blueprint/load.js";
import { applyUpdateParams, type UpdateParams } from "../blueprint/update-params.js";
import { DpnError, type Problem, ProviderError, validationError } from "../core/errors.js";
import { currentActor, stackIdFor } from "../core/ids.js";
import type { DesiredResource, ProvisionedType } from "../core/resources.js";
import type { FieldChange, RemoteObject, ResourceRecord, StackRecord, StateStore } from "../engine/ports.js";
import { type ResourceOperationInput, runResourceOperation } from "../engine/resource-operation.js";
import type { TxResult } from "../engine/transaction.js";
import { conventionConformance } from "../naming/conformance.js";
import { regionShort } from "../naming/regions.js";
import { validateName } from "../naming/rules.js";
import type { Convention } from "../naming/types.js";
import { remoteIdField } from "../types/records.js";
import { type AppContext, type ProfileChoice, profilesOf, type Target } from "./context.js";
import { dependentsOf, desiredFromObject, findRemote, storedDesired } from "./desired.js";
import { type DriftField, driftOf } from "./drift.js";
import { assertUnprotected } from "./protection.js";
import { resolveResource } from "./resource-select.js";
import {
  noStackError,
  openSession,
  type Session,
  type StackSelector,
  selectStack,
  stackRegion,
  underLock,
} from "./session.js";

/** Options every single-resource use case shares. */
export interface ResourceInput extends StackSelector, ProfileChoice {
  target: Target;
  /** The resource: a qualified address, a name, a full name or a remote id. */
  resourceId: string;
  type?: ProvisionedType;
  lockTimeoutMs?: number;
}

/** The state row `input.resourceId` names (with a remote probe to tell "not managed" from "not found"). */
async function rowOf(session: Session, input: ResourceInput): Promise<ResourceRecord> {
  const id = input.resourceId;
  return resolveResource({
    rows: await session.store.listResources(session.stack.id),
    stack: session.stack,
    id,
    ...(input.type ? { type: input.type } : {}),
    probe: async () => {
      const t = input.type ?? (id.split(".")[0] as ProvisionedType);
      const bare = id.startsWith(`${t}.`) ? id.slice(t.length + 1) : id;
      return findRemote(await session.registry([t]), t, bare, await session.readContext());
    },
  });
}

function sessionOf(app: AppContext, input: ResourceInput & { readonly: boolean }) {
  return openSession(app, {
    target: input.target,
    ...profilesOf(input),
    readonly: input.readonly,
    ...selector(input),
  });
}

const selector = (i: StackSelector): StackSelector => ({
  ...(i.blueprint ? { blueprint: i.blueprint } : {}),
  ...(i.project ? { project: i.project } : {}),
  ...(i.env ? { env: i.env } : {}),
  ...(i.resourceId ? { resourceId: i.resourceId } : {}),
});

/** Run one resource operation as a transaction, reporting through the app's reporter. */
async function operate(
  session: Session,
  input: Omit<ResourceOperationInput, "store" | "registry" | "stack" | "options" | "reporter">,
  type: ProvisionedType,
): Promise<TxResult> {
  const { app } = session;
  return runResourceOperation({
    ...input,
    store: session.store,
    registry: await session.registry([type]),
    stack: session.stack,
    ...(app.reporter ? { reporter: app.reporter } : {}),
    options: { command: app.command, target: session.target, actor: app.actor ?? currentActor() },
  });
}

async function auditRefusal(
  session: Session,
  event: string,
  address: string,
  details: Record<string, unknown>,
): Promise<void> {
  await session.store.audit({
    at: new Date().toISOString(),
    actor: session.app.actor ?? currentActor(),
    stackId: session.stack.id,
    command: session.app.command,
    event,
    address,
    outcome: event.endsWith(".aborted") ? "aborted" : "refused",
    details,
  });
}

// ---------------------------------------------------------------------------------------------
// read
// ---------------------------------------------------------------------------------------------

export interface ReadResult {
  stack: StackRecord;
  row: ResourceRecord;
  /** The live object, or null when it no longer exists. */
  live: RemoteObject | null;
  drift: DriftField[];
}

/** The live object beside what state knows, and every field on which they differ. Reads only. */
export async function readResource(app: AppContext, input: ResourceInput): Promise<ReadResult> {
  const session = await sessionOf(app, { ...input, readonly: true });
  try {
    const row = await rowOf(session, input);
    const registry = await session.registry([row.type]);
    const live = await registry.get(row.type).read(row.remoteId, await session.readContext());
    return { stack: session.stack, row, live, drift: driftOf(row, live) };
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// update
// ---------------------------------------------------------------------------------------------

export interface UpdateInput extends ResourceInput {
  /**
   * The settings to change, for the resource's type (known once the resource is resolved): the
   * CLI reads and checks updates.json against that type's update schema here. May throw.
   */
  params: (type: ProvisionedType) => UpdateParams;
  /** Show the diff only. */
  dryRun?: boolean;
}

export type UpdateResult =
  | { kind: "dry-run"; row: ResourceRecord; changes: FieldChange[] }
  | { kind: "no-changes"; row: ResourceRecord; changes: FieldChange[] }
  | { kind: "applied"; row: ResourceRecord; changes: FieldChange[]; tx: TxResult };

/**
 * Merge `params` into the settings dpn last applied, diff against the live object, ask, and apply
 * as one transaction that restores the previous settings if the step fails. Rejects before any
 * change with RESOURCE_ARCHIVED (exit 3), RESOURCE_NOT_FOUND (exit 5, deleted outside dpn), the
 * type's plan-time check (exit 3), or the caller's refusal.
 */
export async function updateResource(app: AppContext, input: UpdateInput): Promise<UpdateResult> {
  const session = await sessionOf(app, { ...input, readonly: Boolean(input.dryRun) });
  try {
    const row = await rowOf(session, input);
    const params = input.params(row.type);
    if (row.status === "archived") {
      throw new DpnError(
        "validation",
        "RESOURCE_ARCHIVED",
        `${row.address} is archived; it cannot be updated`,
        {
          hint: `Restore it first: dpn restore --resource-id ${row.address}`,
          details: { address: row.address },
        },
      );
    }
    const rows = await session.store.listResources(session.stack.id);
    const base: DesiredResource =
      (await storedDesired(session.store, session.stack.id)).get(row.address) ??
      desiredFromObject(row.address, row, rows);
    const registry = await session.registry([row.type]);
    await registry.preflight([row.type]);
    const provider = registry.get(row.type);
    const ctx = await session.readContext();
    // platform facts (e.g. a runtime the workspace offers) are checked before anything changes
    const merged = applyUpdateParams(base, params);
    const desired = provider.check ? await provider.check(merged, ctx) : merged;
    const diff = async () => {
      const live = await provider.read(row.remoteId, ctx);
      if (!live) {
        throw new DpnError(
          "provider",
          "REMOTE_RESOURCE_MISSING",
          `${row.type} ${row.fullName} (${row.address}) does not exist remotely`,
          {
            hint: "It was deleted outside dpn: `dpn create` re-creates it, or `dpn delete` drops it from state.",
            details: { address: row.address },
          },
        );
      }
      return provider.diff(desired, live);
    };
    if (input.dryRun) return { kind: "dry-run", row, changes: await diff() };
    return await underLock(session, input, async () => {
      const changes = await diff();
      if (changes.length === 0) return { kind: "no-changes", row, changes };
      try {
        await app.confirm({
          kind: "update-resource",
          question: `Update ${row.address} on ${input.target}?`,
          address: row.address,
          changes,
        });
      } catch (e) {
        await auditRefusal(session, "update.aborted", row.address, {});
        throw e;
      }
      const tx = await operate(session, { action: "update", record: row, desired }, row.type);
      return { kind: "applied", row, changes, tx };
    });
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// archive, delete, restore
// ---------------------------------------------------------------------------------------------

export interface DeleteInput extends ResourceInput {
  /** Soft delete (the type's archive: docs/archive-restore.md). */
  archive?: boolean;
  /** Hard delete of a data-bearing object too (objects, tables, schemas). */
  force?: boolean;
}

export interface ChangeResult {
  row: ResourceRecord;
  tx: TxResult;
}

function hasDependentsError(row: ResourceRecord, dependents: string[]): DpnError {
  return new DpnError(
    "validation",
    "DELETE_HAS_DEPENDENTS",
    `${row.address} cannot be deleted: ${dependents.length} resource${dependents.length === 1 ? " depends" : "s depend"} on it: ${dependents.join(", ")}`,
    {
      hint: "Delete the dependents first (or archive this one with --archive, which keeps it in place).",
      details: { address: row.address, dependents },
    },
  );
}

export interface DeletePreview {
  row: ResourceRecord;
  action: "archive" | "delete";
  /** The live object as read now (null: it no longer exists remotely). */
  live: RemoteObject | null;
  /** With `force`: what the object holds is deleted too. */
  force: boolean;
}

/**
 * What `deleteResource` would do, with every check it makes before a change (the stack, the
 * resource, the platform preflight, DELETE_HAS_DEPENDENTS for a hard delete), and the live object
 * read once. Reads only: no lock, no journal, no audit. Whether a hard delete meets data
 * (DELETE_NOT_EMPTY) is the platform's answer to the delete itself, so the preview cannot know it.
 */
export async function previewDelete(app: AppContext, input: DeleteInput): Promise<DeletePreview> {
  if (input.archive && input.force) throw archiveForceConflict();
  const session = await sessionOf(app, { ...input, readonly: true });
  try {
    const row = await rowToRetire(session, input);
    const registry = await session.registry([row.type]);
    await registry.preflight([row.type]);
    if (!input.archive) {
      const dependents = await dependentsOfRow(session, row);
      if (dependents.length > 0) throw hasDependentsError(row, dependents);
    }
    const live = await registry.get(row.type).read(row.remoteId, await session.readContext());
    return { row, action: input.archive ? "archive" : "delete", live, force: Boolean(input.force) };
  } finally {
    await session.close();
  }
}

/** The row a delete or archive acts on, refused while lifecycle.prevent_destroy protects it. */
async function rowToRetire(session: Session, input: DeleteInput): Promise<ResourceRecord> {
  const row = await rowOf(session, input);
  await assertUnprotected(
    session.store,
    session.stack.id,
    [row.address],
    input.archive ? "archive" : "delete",
  );
  return row;
}

/** Resources of the stack that depend on `row` (a hard delete is refused while there are any). */
async function dependentsOfRow(session: Session, row: ResourceRecord): Promise<string[]> {
  const rows = await session.store.listResources(session.stack.id);
  return dependentsOf(row, rows, await storedDesired(session.store, session.stack.id));
}

/** DELETE_NOT_EMPTY for a provider's "it holds data or children" refusal, with the ways past it. */
export function notEmptyError(address: string, cause: ProviderError, instead: string): DpnError {
  return new DpnError("provider", "DELETE_NOT_EMPTY", `${address} was not deleted: ${cause.message}`, {
    cause,
    hint: `It holds data or children. ${instead}, empty it first, or pass --force to delete what it holds.`,
    details: { address, provider_code: cause.code },
  });
}

/** OPTIONS_CONFLICT for `--archive` with `--force` (`what`: the hard operation, delete or destroy). */
export function archiveForceConflict(what = "delete"): DpnError {
  return new DpnError("usage", "OPTIONS_CONFLICT", "--archive and --force cannot be combined", {
    hint: `--archive keeps the data (nothing to force); --force applies only to a hard ${what}`,
  });
}

/** True for the provider refusals that mean "it still holds data or children". */
export function isNotEmpty(e: unknown): e is ProviderError {
  return e instanceof ProviderError && e.category === "conflict" && /NOT_EMPTY/.test(e.code);
}

/**
 * Archive (reversible, no question asked) or hard-delete a resource. A hard delete is refused
 * while other resources of the stack depend on it (DELETE_HAS_DEPENDENTS, exit 3) and, unless
 * `force`, when it holds data or children (the transaction then fails with DELETE_NOT_EMPTY,
 * exit 5); it asks first. Resolves with the transaction's result.
 */
export async function deleteResource(app: AppContext, input: DeleteInput): Promise<ChangeResult> {
  if (input.archive && input.force) throw archiveForceConflict();
  const session = await sessionOf(app, { ...input, readonly: false });
  try {
    const row = await rowToRetire(session, input);
    await (await session.registry([row.type])).preflight([row.type]);
    if (input.archive) {
      return await underLock(session, input, async () => ({
        row,
        tx: await operate(session, { action: "archive", record: row }, row.type),
      }));
    }
    return await underLock(session, input, async () => {
      const dependents = await dependentsOfRow(session, row);
      if (dependents.length > 0) {
        await auditRefusal(session, "delete.refused", row.address, { reason: "dependents", dependents });
        throw hasDependentsError(row, dependents);
      }
      await app.confirm({
        kind: "delete-resource",
        question: `Delete ${row.address} on ${input.target}${input.force ? " and everything it holds" : ""}? This cannot be undone.`,
        row,
        force: Boolean(input.force),
      });
      let tx = await operate(
        session,
        { action: "delete", record: row, params: input.force ? { force: true } : {} },
        row.type,
      );
      if (tx.outcome !== "committed" && isNotEmpty(tx.error)) {
        const cause = tx.error;
        await auditRefusal(session, "delete.refused", row.address, { reason: "not_empty", code: cause.code });
        tx = {
          ...tx,
          error: notEmptyError(
            row.address,
            cause,
            `Archive it instead (\`dpn delete --archive --resource-id ${row.address}\`)`,
          ),
        };
      }
      return { row, tx };
    });
  } finally {
    await session.close();
  }
}

export type RestoreResult =
  | { kind: "not-archived"; row: ResourceRecord }
  /** A dry run found it archived: a restore would undo that. */
  | { kind: "would-restore"; row: ResourceRecord }
  | ({ kind: "restored" } & ChangeResult);

/**
 * Undo an archive exactly. Restoring something that is not archived changes nothing. With
 * `dryRun` it reads only and resolves `would-restore` instead of restoring.
 */
export async function restoreResource(
  app: AppContext,
  input: ResourceInput & { dryRun?: boolean },
): Promise<RestoreResult> {
  const session = await sessionOf(app, { ...input, readonly: Boolean(input.dryRun) });
  try {
    const row = await rowOf(session, input);
    const registry = await session.registry([row.type]);
    await registry.preflight([row.type]);
    const archived = async () => {
      const live = await registry.get(row.type).read(row.remoteId, await session.readContext());
      return row.status === "archived" || !live || live.archived === true;
    };
    if (input.dryRun)
      return (await archived()) ? { kind: "would-restore", row } : { kind: "not-archived", row };
    return await underLock(session, input, async () => {
      if (!(await archived())) return { kind: "not-archived", row };
      return {
        kind: "restored",
        row,
        tx: await operate(session, { action: "restore", record: row }, row.type),
      };
    });
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// import
// ---------------------------------------------------------------------------------------------

export interface ImportInput extends StackSelector, ProfileChoice {
  target: Target;
  type: ProvisionedType;
  /** The remote name or id (bucket name, Glue `db` / `db.table`, cluster or job id, UC full name). */
  resourceId: string;
  convention: Convention;
  /** Import even when the name breaks the naming rules (it is then reported). */
  allowNoncompliant?: boolean;
  lockTimeoutMs?: number;
  /** Make every check and resolve `tx: undefined`: nothing is stamped, no stack is created. */
  dryRun?: boolean;
}

export interface ImportResult {
  stack: StackRecord;
  address: string;
  live: RemoteObject;
  /** Naming rules the name breaks (empty when compliant). */
  problems: Problem[];
  /** The adopting transaction; undefined for a dry run. */
  tx: TxResult | undefined;
}

/**
 * The stack to import into: a named stack is created when the state does not have it yet (a
 * dry run, which writes nothing, uses the stack it would create).
 */
async function importStack(
  store: StateStore,
  o: StackSelector,
  dryRun: boolean,
): Promise<StackRecord | undefined> {
  let project = o.project;
  let env = o.env;
  if (o.blueprint) {
    const meta = ((loadBlueprint(o.blueprint).data as { metadata?: Record<string, unknown> }).metadata ??
      {}) as Record<string, unknown>;
    project = String(meta.project ?? "");
    env = String(meta.environment ?? "");
  }
  if (project && env && !(await store.getStack(project, env))) {
    if (!dryRun) return store.ensureStack(project, env);
    return { id: stackIdFor(project, env), project, environment: env, createdAt: new Date().toISOString() };
  }
  return selectStack(store, { ...o, resourceId: undefined });
}

/**
 * Adopt an object that exists remotely into the stack: checks that it exists, is not managed yet,
 * and that its name follows the platform rules and this stack's convention (NAME_NONCOMPLIANT,
 * exit 3, unless `allowNoncompliant`); then stamps dpn's marker as one transaction.
 */
export async function importResource(app: AppContext, input: ImportInput): Promise<ImportResult> {
  const { type } = input;
  const id = input.resourceId;
  const conv = input.convention;
  const session = await openSession(app, {
    target: input.target,
    ...profilesOf(input),
    readonly: Boolean(input.dryRun),
    stack: (s) => importStack(s, input, Boolean(input.dryRun)),
  });
  try {
    const { store, stack } = session;
    const registry = await session.registry([type]);
    await registry.preflight([type]);
    const live = await findRemote(registry, type, id, await session.readContext());
    if (!live) {
      throw validationError(
        "RESOURCE_NOT_FOUND",
        `no ${type} '${id}' exists remotely (target ${input.target})`,
        {
          hint: remoteIdField(type)
            ? `Pass the ${remoteIdField(type)} (names are not unique on Databricks).`
            : "Pass the remote name or id: bucket name, Glue `db` or `db.table`, or the Unity Catalog full name `catalog.schema.name`.",
          details: { type, id },
        },
      );
    }
    const rows = await store.listResources(stack.id);
    const managed = rows.find((r) => r.type === type && r.remoteId === live.remoteId);
    if (managed) {
      throw validationError(
        "RESOURCE_ALREADY_MANAGED",
        `${type} ${live.fullName} is already managed by stack ${stack.id} as ${managed.address}`,
        {
          hint: `See it with \`dpn read --resource-id ${managed.address}\`.`,
          details: { address: managed.address },
        },
      );
    }
    const address = `${type}.${live.fullName}`;
    if (rows.some((r) => r.address === address)) {
      throw validationError(
        "ADDRESS_IN_USE",
        `address ${address} is already used by another resource of stack ${stack.id}`,
        {
          hint: "delete or rename the existing resource first",
        },
      );
    }
    const problems: Problem[] = validateName(type, live.name, conv).filter((p) => p.severity !== "warning");
    // a name can pass every platform rule and still not be one this stack's convention produces
    const region =
      typeof live.properties.region === "string"
        ? live.properties.region
        : await stackRegion(store, stack.id);
    const known: Record<string, string> = { project: stack.project, environment: stack.environment };
    if (region) {
      try {
        known.region_short = regionShort(region, conv);
      } catch {
        // an unknown region leaves region_short unchecked; the platform rules still apply
      }
    }
    const shape = conventionConformance(conv, type, live.name, known);
    if (shape) problems.push(shape);
    if (problems.length > 0 && !input.allowNoncompliant) {
      if (!input.dryRun)
        await auditRefusal(session, "import.refused", address, { reason: "noncompliant_name", problems });
      throw validationError(
        "NAME_NONCOMPLIANT",
        `the name '${live.name}' of ${type} ${live.fullName} breaks ${problems.length} naming rule${problems.length === 1 ? "" : "s"}`,
        {
          problems,
          hint: "import it anyway with --allow-noncompliant (it is then reported as non-compliant), or rename it on the platform first",
          details: { type, name: live.name },
        },
      );
    }
    const desired = desiredFromObject(address, live, rows);
    if (input.dryRun) return { stack, address, live, problems, tx: undefined };
    return await underLock(session, input, async () => {
      const tx = await operate(
        session,
        { action: "adopt", desired, params: { remoteId: live.remoteId } },
        type,
      );
      if (tx.outcome === "committed" && problems.length > 0) {
        await session.store.audit({
          at: new Date().toISOString(),
          actor: app.actor ?? currentActor(),
          stackId: stack.id,
          command: app.command,
          event: "import.noncompliant",
          address,
          outcome: "ok",
          details: { name: live.name, problems },
        });
      }
      return { stack, address, live, problems, tx };
    });
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------------------------

export interface ListInput extends StackSelector {
  type?: ProvisionedType;
  archived?: boolean;
  /**
   * Only rows last written on this target. State is not kept per target: a row's target is the
   * target of the transaction that last wrote it (TransactionRecord.target).
   */
  target?: Target;
}

export interface ListResult {
  stack: StackRecord;
  /** The rows shown: active ones, or only the archived ones with `archived`. */
  shown: ResourceRecord[];
  /** Rows of the other status, not shown. */
  hidden: number;
  /** Rows of the shown status last written on another target (only with `target`). */
  otherTarget: number;
}

/** The stack's resources as the state knows them (no remote calls). */
export async function listResources(app: AppContext, input: ListInput): Promise<ListResult> {
  const store = await app.openState({ readonly: true });
  try {
    const stack = await selectStack(store, input);
    if (!stack) throw noStackError();
    return await listOf(store, stack, input);
  } finally {
    await store.close();
  }
}

/**
 * Every stack's resources, for `dpn list` without a stack choice: one result per stack in the
 * state's order. `STACK_NOT_FOUND` (usage, exit 2) when the state holds no stack.
 */
export async function listEveryStack(
  app: AppContext,
  input: Pick<ListInput, "type" | "archived" | "target">,
): Promise<ListResult[]> {
  const store = await app.openState({ readonly: true });
  try {
    const stacks = await store.listStacks();
    if (stacks.length === 0) throw noStackError();
    const out: ListResult[] = [];
    for (const stack of stacks) out.push(await listOf(store, stack, input));
    return out;
  } finally {
    await store.close();
  }
}

async function listOf(
  store: StateStore,
  stack: StackRecord,
  input: Pick<ListInput, "type" | "archived" | "target">,
): Promise<ListResult> {
  const all = await store.listResources(stack.id, input.type ? { type: input.type } : {});
  const ofStatus = all.filter((r) => (input.archived ? r.status === "archived" : r.status === "active"));
  if (!input.target) return { stack, shown: ofStatus, hidden: all.length - ofStatus.length, otherTarget: 0 };
  const targetOf = new Map<string, string | undefined>();
  const shown: ResourceRecord[] = [];
  for (const r of ofStatus) {
    if (!targetOf.has(r.txId)) targetOf.set(r.txId, (await store.getTransaction(r.txId))?.target);
    if (targetOf.get(r.txId) === input.target) shown.push(r);
  }
  return { stack, shown, hidden: all.length - ofStatus.length, otherTarget: ofStatus.length - shown.length };
}
