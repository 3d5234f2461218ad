/**
 * The state itself as the subject: `dpn state info` (backend, stacks, locks, unfinished work),
 * `dpn state check` (permissions and settings before first use) and `dpn state migrate` (copy
 * every stack to another backend, verify, then retire the source).
 */
import { createHash } from "node:crypto";
import { stateError, usageError } from "../core/errors.js";
import { newLockHolder } from "../core/ids.js";
import type {
  AuditEvent,
  BackendCheck,
  BackendInfo,
  LockInfo,
  StackDump,
  StackRecord,
  StateStore,
  TransactionRecord,
} from "../engine/ports.js";
import type { AppContext } from "./context.js";

/** One stack as `dpn state info` shows it. */
export interface StackInfo {
  stack: StackRecord;
  resources: number;
  lock?: LockInfo;
  unfinished: TransactionRecord[];
  pendingCleanups: number;
}

export interface StateInfo {
  backend: BackendInfo;
  stacks: StackInfo[];
}

/** The backend, its stacks, their locks and unfinished transactions. Reads only. */
export async function stateInfo(app: AppContext): Promise<StateInfo> {
  const store = await app.openState({ readonly: true });
  try {
    const backend = await store.describe();
    const stacks: StackInfo[] = [];
    for (const stack of await store.listStacks()) {
      const lock = await store.getLock(stack.id);
      stacks.push({
        stack,
        resources: (await store.listResources(stack.id)).length,
        ...(lock ? { lock } : {}),
        unfinished: await store.unfinishedTransactions(stack.id),
        pendingCleanups: (await store.pendingCleanups(stack.id)).length,
      });
    }
    return { backend, stacks };
  } finally {
    await store.close();
  }
}

/**
 * Check the backend's permissions and settings (it may write and remove a probe object or row of
 * its own). Resolves with every check; the caller decides the exit code from the worst status.
 */
export async function stateCheck(app: AppContext): Promise<{ backend: BackendInfo; checks: BackendCheck[] }> {
  const store = await app.openState({ readonly: false });
  try {
    return { backend: await store.describe(), checks: await store.checkBackend() };
  } finally {
    await store.close();
  }
}

/** What `dpn state migrate` copied (or, with `dryRun`, would copy) for one stack. */
export interface MigratedStack {
  stackId: string;
  resources: number;
  transactions: number;
  journalEntries: number;
  auditEvents: number;
  /** sha256 of the stack's canonical JSON, the same on both sides after the copy. */
  sha256: string;
}

export interface MigrateResult {
  from: string;
  to: string;
  dryRun: boolean;
  stacks: MigratedStack[];
  unscopedAuditEvents: number;
}

/** JSON with object keys sorted, so equal content hashes equally whatever the backend's key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

const sha256 = (v: unknown) => createHash("sha256").update(canonical(v)).digest("hex");

/** An audit event or journal entry without its numeric id (a non-empty target may renumber). */
const withoutId = <T extends { id?: number }>({ id: _id, ...rest }: T) => rest;

/** The content of a stack that must survive a copy, ids aside. */
function content(d: StackDump): unknown {
  return {
    ...d,
    transactions: d.transactions.map((t) => ({ ...t, journal: t.journal.map(withoutId) })),
    audit: d.audit.map(withoutId),
  };
}

function summary(d: StackDump): MigratedStack {
  return {
    stackId: d.stack.id,
    resources: d.resources.length,
    transactions: d.transactions.length,
    journalEntries: d.transactions.reduce((n, t) => n + t.journal.length, 0),
    auditEvents: d.audit.length,
    sha256: sha256(content(d)),
  };
}

/**
 * Copy every stack — resources, protections, cleanups, transactions with plans and journals, audit
 * events — from the current backend to `to`, verify counts and content hashes (journal and audit
 * ids aside: a target with other stacks renumbers ids it already uses) by reading the copy
 * back, then mark the source as migrated (later writes there are refused, naming `to`).
 *
 * The source is held still while it is read: every stack's lock is taken first (STACK_LOCKED,
 * exit 8, when a run holds one). Refused before anything is written: a source already migrated
 * (STATE_MIGRATED), a target equal to the source (STATE_MIGRATE_SAME, exit 2), a target that
 * already has one of the stacks (STATE_STACK_EXISTS, exit 8). A copy that reads back different
 * fails with STATE_MIGRATE_VERIFY_FAILED (exit 8) and leaves the source unmarked, so the
 * source stays the state; the partial copy on the target is named in the error.
 */
export async function migrateState(
  app: AppContext,
  o: { to: string; dryRun?: boolean },
): Promise<MigrateResult> {
  const source = await app.openState({ readonly: Boolean(o.dryRun) });
  const held: { stackId: string; holderId: string }[] = [];
  let target: { store: StateStore; location: string } | undefined;
  try {
    const from = await source.describe();
    if (from.migratedTo)
      throw stateError(
        "STATE_MIGRATED",
        `The state at ${from.location} was already migrated to ${from.migratedTo}`,
        {
          hint: `Use the new backend (--state ${from.migratedTo}); migrate from there if it must move again.`,
          details: { location: from.location, migratedTo: from.migratedTo },
        },
      );
    target = await app.openStateAt(o.to, { readonly: Boolean(o.dryRun) });
    const to = await target.store.describe();
    if (to.location === from.location)
      throw usageError("STATE_MIGRATE_SAME", `--to ${to.location} is the state dpn already uses`, {
        hint: "Name another backend: s3://<bucket>/<prefix>, postgres://… or sqlite:<other path>.",
        details: { location: to.location },
      });
    if (to.migratedTo)
      throw stateError(
        "STATE_MIGRATED",
        `The target ${to.location} was itself migrated to ${to.migratedTo}`,
        {
          hint: `Migrate to ${to.migratedTo} instead.`,
          details: { location: to.location, migratedTo: to.migratedTo },
        },
      );

    const stacks = await source.listStacks();
    if (!o.dryRun) {
      const holder = newLockHolder();
      for (const s of stacks) {
        const r = await source.tryLock(s.id, holder, app.lockLeaseMs ?? 60_000);
        if (!r.acquired) {
          const h = r.holder;
          throw stateError(
            "STACK_LOCKED",
            `Stack ${s.id} is locked by ${h.user}@${h.host} (pid ${h.pid}) since ${h.since}; nothing was migrated`,
            {
              hint: "Migrate when no run is using the state (or after `dpn recover` of a crashed one).",
              details: { stackId: s.id, holder: { user: h.user, host: h.host, pid: h.pid, since: h.since } },
            },
          );
        }
        held.push({ stackId: s.id, holderId: holder.holderId });
      }
    }
    for (const s of stacks) {
      const there = await target.store.getStack(s.project, s.environment);
      if (there)
        throw stateError(
          "STATE_STACK_EXISTS",
          `The target ${to.location} already has stack ${s.id}; nothing was migrated`,
          {
            hint: "Migrate into an empty backend, or remove that stack from it first.",
            details: { stackId: s.id, location: to.location },
          },
        );
    }
    const dumps: StackDump[] = [];
    for (const s of stacks) dumps.push(await source.exportStack(s.id));
    const unscoped = await source.exportUnscopedAudit();
    const result: MigrateResult = {
      from: from.location,
      to: to.location,
      dryRun: Boolean(o.dryRun),
      stacks: dumps.map(summary),
      unscopedAuditEvents: unscoped.length,
    };
    if (o.dryRun) return result;

    await app.confirm({
      kind: "migrate-state",
      question: `Copy ${stacks.length} stack(s) from ${from.location} to ${to.location} and retire the source?`,
      from: from.location,
      to: to.location,
      stacks: result.stacks.map((s) => s.stackId),
    });
    const copied: string[] = [];
    try {
      for (const d of dumps) {
        await target.store.importStack(d);
        copied.push(d.stack.id);
      }
      await target.store.importUnscopedAudit(unscoped);
      await target.store.flush();
    } catch (e) {
      const cause = e instanceof Error ? e.message : String(e);
      throw stateError(
        "STATE_MIGRATE_PARTIAL",
        `Copying to ${to.location} failed${copied.length ? ` after ${copied.join(", ")}` : ""}: ${cause}; the source is unchanged and still the state`,
        {
          hint: copied.length
            ? `Remove ${copied.join(", ")} from ${to.location} before migrating again (they would be refused as already there).`
            : "Fix the cause and migrate again.",
          details: { copied, from: from.location, to: to.location },
          cause: e,
        },
      );
    }

    const wrong: string[] = [];
    for (const [i, d] of dumps.entries()) {
      const back = summary(await target.store.exportStack(d.stack.id));
      if (canonical(back) !== canonical(result.stacks[i])) wrong.push(d.stack.id);
    }
    if (unscoped.length > 0) {
      const copied = (await target.store.exportUnscopedAudit()).slice(-unscoped.length);
      if (sha256(copied.map(withoutId)) !== sha256(unscoped.map(withoutId)))
        wrong.push("(audit events of no stack)");
    }
    if (wrong.length)
      throw stateError(
        "STATE_MIGRATE_VERIFY_FAILED",
        `The copy on ${to.location} reads back different from the source for ${wrong.join(", ")}; the source is unchanged and still the state`,
        {
          hint: `Remove the copied stacks from ${to.location} before migrating again, and report this (it is a bug in a backend).`,
          details: { stacks: wrong, from: from.location, to: to.location },
        },
      );

    const event: AuditEvent = {
      at: new Date().toISOString(),
      actor: app.actor ?? "dpn",
      command: app.command,
      event: "state.migrated",
      outcome: "done",
      details: { from: from.location, to: to.location, stacks: result.stacks },
    };
    await target.store.audit(event);
    await target.store.flush();
    await source.markMigrated(to.location);
    return result;
  } finally {
    for (const h of held) await source.releaseLock(h.stackId, h.holderId).catch(() => undefined);
    await target?.store.close();
    await source.close();
  }
}
