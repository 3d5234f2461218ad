/**
 * The SQLite implementation of the engine's StateStore port (better-sqlite3; the only module
 * that talks to SQLite). One file holds stacks, resources, transactions with their journal, the
 * audit trail and stack locks, and may be shared by several dpn processes at once.
 *
 * Durability: the file runs in WAL mode with `synchronous=FULL`. With the WAL default of NORMAL a
 * committed transaction can be lost on power failure, and the journal's contract is that an
 * `intent` row is on disk *before* the remote call it announces: if the machine dies after the
 * cloud created a bucket but before the outcome row, recovery must still find the intent and look
 * the bucket up. FULL makes every commit fsync the WAL, which costs little because dpn writes a few
 * rows per remote call (remote calls take 100 ms+, an fsync a few ms).
 *
 * Concurrency: `busy_timeout` makes a writer wait for another process's write transaction instead
 * of failing at once; a wait beyond it becomes `STATE_LOCKED_DB`. Multi-row steps run in
 * `BEGIN IMMEDIATE` transactions so a read-then-write never hits an unrecoverable upgrade deadlock.
 *
 * Stack ids are `<project>/<environment>` (e.g. `sales/dev`): deterministic, readable in tags,
 * audit and `dpn` output, and derivable without opening the state (see `stackIdFor`).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { retryWhileBusy } from "../core/busy-retry.js";
import { type DpnError, internalError, stateError } from "../core/errors.js";
import { stackIdFor } from "../core/ids.js";
import { makeDirs } from "../core/make-dirs.js";
import type { ProvisionedType } from "../core/resources.js";
import { SqliteStatements } from "../core/sqlite-statements.js";
import type {
  AuditEvent,
  BackendCheck,
  BackendInfo,
  JournalEntry,
  JournalIntent,
  JournalOutcome,
  LockInfo,
  LockTakeoverReason,
  PendingCleanup,
  ResourceRecord,
  ResourceStatus,
  StackDump,
  StackRecord,
  StateStore,
  StepSettlement,
  StoredPlan,
  TransactionRecord,
  TryLockResult,
  TxStatus,
} from "../engine/ports.js";
import {
  lockChangedError,
  lockLostError,
  migratedError,
  stackExistsError,
  stackNotFoundError,
} from "./backend-errors.js";
import { fromJsonColumn, toJsonColumn } from "./json-column.js";
import { applyMigrations, assertKnownVersion, currentSchemaVersion } from "./migrate.js";
import { LATEST_SCHEMA_VERSION } from "./migrations.js";
import { isProcessAlive } from "./process-alive.js";
import { toStateError } from "./state-errors.js";
import {
  type AuditRow,
  type JournalRow,
  type LockRow,
  type ResourceRow,
  type StackRow,
  type TransactionRow,
  toAudit,
  toCleanup,
  toJournal,
  toLock,
  toResource,
  toStack,
  toTransaction,
} from "./state-rows.js";

/** How long a writer waits for another process's write lock before `STATE_LOCKED_DB`. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export interface OpenStateStoreOptions {
  /** Open without creating or changing the file (read-only commands, dry runs). */
  readonly?: boolean;
  /** Override of DEFAULT_BUSY_TIMEOUT_MS. */
  busyTimeoutMs?: number;
}

const nowIso = (ms: number = Date.now()): string => new Date(ms).toISOString();

/** Where a store lives; `view` is a read-only in-memory image (missing or older file). */
type StoreKind = "file" | "memory" | "view";

interface StoreInfo {
  path: string;
  readonly: boolean;
  kind: StoreKind;
  busyTimeoutMs: number;
}

/**
 * The synchronous core over one better-sqlite3 connection: every statement dpn runs, each write
 * committed on its own unless run inside `atomically`. `SqliteStateStore` below is the engine's
 * asynchronous StateStore on top of it (group commit, read-your-writes). Every method throws
 * DpnError kind `state` on failure (codes STATE_LOCKED_DB, STATE_CORRUPT, STATE_UNWRITABLE,
 * STATE_READ_ONLY, …).
 */
export class SqliteDb {
  /** Absolute path of the state file (`:memory:` for the in-memory store). */
  readonly path: string;
  /** True when the store rejects writes with `STATE_READ_ONLY`. */
  readonly readonly: boolean;
  /** `file`: on disk; `memory`: private in-memory db; `view`: read-only in-memory image. */
  readonly kind: StoreKind;
  readonly busyTimeoutMs: number;
  private readonly db: Database.Database;
  private readonly statements: SqliteStatements;
  /**
   * Inside an outermost IMMEDIATE transaction (`immediate`): whether it has checked yet that the
   * file is not migrated. Undefined outside one.
   */
  private notMigratedInTx: boolean | undefined;

  /** Use the open functions; the constructor expects a migrated, configured connection. */
  constructor(db: Database.Database, info: StoreInfo) {
    this.db = db;
    this.statements = new SqliteStatements(db);
    this.path = info.path;
    this.readonly = info.readonly;
    this.kind = info.kind;
    this.busyTimeoutMs = info.busyTimeoutMs;
  }

  // -- plumbing ---------------------------------------------------------------------------------

  private stmt(sql: string): Database.Statement {
    return this.statements.get(sql);
  }

  /** Run `fn`, turning SQLite / fs failures into DpnErrors that name the file and operation. */
  private guard<R>(op: string, fn: () => R): R {
    if (!this.db.open) {
      throw internalError("STATE_CLOSED", `The state store ${this.path} was used after close() (${op}).`, {
        hint: "This is a bug in dpn; please report it.",
      });
    }
    try {
      return fn();
    } catch (e) {
      throw toStateError(e, {
        op,
        path: this.path,
        readonly: this.readonly,
        busyTimeoutMs: this.busyTimeoutMs,
      });
    }
  }

  private write<R>(op: string, fn: () => R): R {
    if (!this.readonly && !MIGRATION_EXEMPT.has(op)) {
      // Inside an IMMEDIATE transaction no other connection can mark the file migrated, so the
      // first write of the transaction checks for all of them (a group commit holds dozens).
      if (this.notMigratedInTx !== true) this.assertNotMigrated(op);
      if (this.notMigratedInTx === false) this.notMigratedInTx = true;
    }
    if (this.readonly) {
      throw stateError(
        "STATE_READ_ONLY",
        `The state ${this.path} is open read-only; ${op} cannot change it.`,
        {
          hint: "Read-only commands and dry runs never change state; run the command without --dry-run to apply.",
          details: { path: this.path, operation: op },
        },
      );
    }
    return this.guard(op, fn);
  }

  /** IMMEDIATE transaction (a savepoint when already inside one). */
  private immediate<R>(fn: () => R): R {
    if (this.db.inTransaction) return this.statements.immediate(fn);
    this.notMigratedInTx = false;
    try {
      return this.statements.immediate(fn);
    } finally {
      this.notMigratedInTx = undefined;
    }
  }

  // -- info -------------------------------------------------------------------------------------

  /** Schema version of the open database (LATEST_SCHEMA_VERSION once opened). */
  schemaVersion(): number {
    return this.guard("schemaVersion", () => currentSchemaVersion(this.db));
  }

  /**
   * The connection settings that matter for safety, for `dpn doctor` and tests: journal mode
   * (`wal` on disk, `memory` in memory), synchronous level (2 = FULL), foreign keys, busy timeout.
   */
  settings(): { journalMode: string; synchronous: number; foreignKeys: boolean; busyTimeoutMs: number } {
    return this.guard("settings", () => ({
      journalMode: String(this.db.pragma("journal_mode", { simple: true })),
      synchronous: Number(this.db.pragma("synchronous", { simple: true })),
      foreignKeys: Number(this.db.pragma("foreign_keys", { simple: true })) === 1,
      busyTimeoutMs: Number(this.db.pragma("busy_timeout", { simple: true })),
    }));
  }

  // -- stacks -----------------------------------------------------------------------------------

  /**
   * The stack for project/environment, created if missing. On a read-only store an existing
   * stack is returned and a missing one throws `STATE_READ_ONLY`.
   */
  ensureStack(project: string, environment: string): StackRecord {
    const id = stackIdFor(project, environment);
    const existing = this.getStack(project, environment);
    if (existing) return existing;
    return this.write("ensureStack", () => {
      this.stmt(
        "INSERT INTO stacks (id, project, environment, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
      ).run(id, project, environment, nowIso());
      const row = this.stmt("SELECT * FROM stacks WHERE project = ? AND environment = ?").get(
        project,
        environment,
      );
      return toStack(row as StackRow);
    });
  }

  getStack(project: string, environment: string): StackRecord | undefined {
    return this.guard("getStack", () => {
      const row = this.stmt("SELECT * FROM stacks WHERE project = ? AND environment = ?").get(
        project,
        environment,
      );
      return row ? toStack(row as StackRow) : undefined;
    });
  }

  listStacks(): StackRecord[] {
    return this.guard("listStacks", () =>
      (this.stmt("SELECT * FROM stacks ORDER BY project, environment").all() as StackRow[]).map(toStack),
    );
  }

  // -- resources --------------------------------------------------------------------------------

  /** Resources of a stack ordered by address, optionally filtered by status and type. */
  listResources(
    stackId: string,
    opts: { status?: ResourceStatus; type?: ProvisionedType } = {},
  ): ResourceRecord[] {
    return this.guard("listResources", () => {
      const rows = this.stmt(
        `SELECT * FROM resources WHERE stack_id = @stackId
           AND (@status IS NULL OR status = @status) AND (@type IS NULL OR type = @type)
         ORDER BY address`,
      ).all({ stackId, status: opts.status ?? null, type: opts.type ?? null }) as ResourceRow[];
      return rows.map(toResource);
    });
  }

  getResource(stackId: string, address: string): ResourceRecord | undefined {
    return this.guard("getResource", () => {
      const row = this.stmt("SELECT * FROM resources WHERE stack_id = ? AND address = ?").get(
        stackId,
        address,
      );
      return row ? toResource(row as ResourceRow) : undefined;
    });
  }

  /**
   * Insert or replace the row for (stackId, address). An existing row keeps its original
   * `createdAt`; empty timestamps default to now. Properties and tags are stored redacted.
   * Throws `STATE_REFERENCE_MISSING` when the stack does not exist.
   */
  putResource(rec: ResourceRecord): void {
    this.write("putResource", () => {
      const now = nowIso();
      this.stmt(
        `INSERT INTO resources (stack_id, address, type, name, full_name, remote_id, properties, tags,
                                status, tx_id, created_at, updated_at)
         VALUES (@stackId, @address, @type, @name, @fullName, @remoteId, @properties, @tags,
                 @status, @txId, @createdAt, @updatedAt)
         ON CONFLICT (stack_id, address) DO UPDATE SET
           type = excluded.type, name = excluded.name, full_name = excluded.full_name,
           remote_id = excluded.remote_id, properties = excluded.properties, tags = excluded.tags,
           status = excluded.status, tx_id = excluded.tx_id, updated_at = excluded.updated_at`,
      ).run({
        stackId: rec.stackId,
        address: rec.address,
        type: rec.type,
        name: rec.name,
        fullName: rec.fullName,
        remoteId: rec.remoteId,
        properties: toJsonColumn(rec.properties ?? {}),
        tags: toJsonColumn(rec.tags ?? {}),
        status: rec.status,
        txId: rec.txId,
        createdAt: rec.createdAt || now,
        updatedAt: rec.updatedAt || now,
      });
    });
  }

  /** Remove the row; removing a missing row is not an error. */
  deleteResource(stackId: string, address: string): void {
    this.write("deleteResource", () => {
      this.stmt("DELETE FROM resources WHERE stack_id = ? AND address = ?").run(stackId, address);
    });
  }

  protectedAddresses(stackId: string): Set<string> {
    return this.guard("protectedAddresses", () => {
      const rows = this.stmt("SELECT address FROM protections WHERE stack_id = ?").all(stackId) as {
        address: string;
      }[];
      return new Set(rows.map((r) => r.address));
    });
  }

  pendingCleanups(stackId: string): PendingCleanup[] {
    return this.guard("pendingCleanups", () => {
      const rows = this.stmt("SELECT * FROM cleanups WHERE stack_id = ? ORDER BY at, address").all(
        stackId,
      ) as {
        address: string;
        tx_id: string;
        error: string | null;
        at: string;
      }[];
      return rows.map(toCleanup);
    });
  }

  setCleanups(
    stackId: string,
    changes: { address: string; pending: boolean; error?: Record<string, unknown> }[],
    txId: string,
  ): void {
    this.write("setCleanups", () => {
      const now = nowIso();
      for (const c of changes) {
        if (c.pending)
          this.stmt(
            `INSERT INTO cleanups (stack_id, address, tx_id, error, at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (stack_id, address) DO UPDATE SET tx_id = excluded.tx_id, error = excluded.error, at = excluded.at`,
          ).run(stackId, c.address, txId, c.error ? JSON.stringify(c.error) : null, now);
        else this.stmt("DELETE FROM cleanups WHERE stack_id = ? AND address = ?").run(stackId, c.address);
      }
    });
  }

  setProtection(stackId: string, changes: { address: string; on: boolean }[], txId: string): void {
    this.write("setProtection", () => {
      const now = nowIso();
      for (const c of changes) {
        if (c.on)
          this.stmt(
            "INSERT INTO protections (stack_id, address, tx_id, since) VALUES (?, ?, ?, ?) ON CONFLICT (stack_id, address) DO NOTHING",
          ).run(stackId, c.address, txId, now);
        else this.stmt("DELETE FROM protections WHERE stack_id = ? AND address = ?").run(stackId, c.address);
      }
    });
  }

  // -- transactions -----------------------------------------------------------------------------

  /**
   * Record a new `running` transaction. Throws `STATE_DUPLICATE` for a reused id and
   * `STATE_REFERENCE_MISSING` for an unknown stack.
   */
  beginTransaction(
    tx: Omit<TransactionRecord, "status" | "startedAt"> & { startedAt?: string },
  ): TransactionRecord {
    return this.write("beginTransaction", () => {
      const rec: TransactionRecord = { ...tx, status: "running", startedAt: tx.startedAt || nowIso() };
      delete rec.finishedAt;
      this.stmt(
        `INSERT INTO transactions (id, stack_id, kind, status, actor, command, blueprint_hash, target,
                                   pid, host, started_at, finished_at, error)
         VALUES (@id, @stackId, @kind, 'running', @actor, @command, @blueprintHash, @target,
                 @pid, @host, @startedAt, NULL, @error)`,
      ).run({
        id: rec.id,
        stackId: rec.stackId,
        kind: rec.kind,
        actor: rec.actor,
        command: rec.command,
        blueprintHash: rec.blueprintHash ?? null,
        target: rec.target,
        pid: rec.pid,
        host: rec.host,
        startedAt: rec.startedAt,
        error: toJsonColumn(rec.error),
      });
      return this.requireTransaction(rec.id);
    });
  }

  /**
   * Set the transaction's status; `finishedAt` is set unless the status is `running` or
   * `interrupted` (which are not final). `error` (redacted) replaces a previous one when given.
   * Throws `STATE_UNKNOWN_TRANSACTION` for an unknown id.
   */
  finishTransaction(txId: string, status: TxStatus, error?: Record<string, unknown>): void {
    this.write("finishTransaction", () => {
      const final = status !== "running" && status !== "interrupted";
      const res = this.stmt(
        "UPDATE transactions SET status = ?, finished_at = ?, error = COALESCE(?, error) WHERE id = ?",
      ).run(status, final ? nowIso() : null, toJsonColumn(error), txId);
      if (res.changes === 0) throw unknownTransaction(txId, this.path);
    });
  }

  getTransaction(txId: string): TransactionRecord | undefined {
    return this.guard("getTransaction", () => {
      const row = this.stmt("SELECT * FROM transactions WHERE id = ?").get(txId);
      return row ? toTransaction(row as TransactionRow) : undefined;
    });
  }

  private requireTransaction(txId: string): TransactionRecord {
    const tx = this.getTransaction(txId);
    if (!tx) throw unknownTransaction(txId, this.path);
    return tx;
  }

  /** Transactions newest first, optionally filtered; `limit` caps the count. */
  listTransactions(opts: { stackId?: string; status?: TxStatus; limit?: number } = {}): TransactionRecord[] {
    return this.guard("listTransactions", () => {
      const rows = this.stmt(
        `SELECT * FROM transactions
          WHERE (@stackId IS NULL OR stack_id = @stackId) AND (@status IS NULL OR status = @status)
          ORDER BY started_at DESC, rowid DESC LIMIT @limit`,
      ).all({ stackId: opts.stackId ?? null, status: opts.status ?? null, limit: limitOf(opts.limit) });
      return (rows as TransactionRow[]).map(toTransaction);
    });
  }

  /** `running` and `interrupted` transactions of a stack, oldest first. */
  unfinishedTransactions(stackId: string): TransactionRecord[] {
    return this.guard("unfinishedTransactions", () => {
      const rows = this.stmt(
        `SELECT * FROM transactions WHERE stack_id = ? AND status IN ('running', 'interrupted')
          ORDER BY started_at, rowid`,
      ).all(stackId);
      return (rows as TransactionRow[]).map(toTransaction);
    });
  }

  // -- journal ----------------------------------------------------------------------------------

  /**
   * Durably record an intent (committed and fsynced when this returns, unless inside
   * `atomically`, where it commits with the enclosing transaction). `seq` counts per transaction
   * from 1. JSON fields are stored redacted; the returned entry is what was stored.
   * Throws `STATE_REFERENCE_MISSING` when the transaction does not exist.
   */
  journalIntent(e: JournalIntent): JournalEntry {
    return this.write("journalIntent", () =>
      this.immediate(() => {
        const next = this.stmt("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM journal WHERE tx_id = ?").get(
          e.txId,
        ) as {
          seq: number;
        };
        const res = this.stmt(
          `INSERT INTO journal (tx_id, seq, phase, action, address, type, name, desired, remote_id,
                               before, after, status, error, started_at, finished_at)
           VALUES (@txId, @seq, @phase, @action, @address, @type, @name, @desired, @remoteId,
                   @before, @after, 'intent', @error, @startedAt, NULL)`,
        ).run({
          txId: e.txId,
          seq: next.seq,
          phase: e.phase,
          action: e.action,
          address: e.address,
          type: e.type,
          name: e.name,
          desired: toJsonColumn(e.desired),
          remoteId: e.remoteId ?? null,
          before: toJsonColumn(e.before),
          after: toJsonColumn(e.after),
          error: null,
          startedAt: nowIso(),
        });
        return this.journalEntry(Number(res.lastInsertRowid));
      }),
    );
  }

  /**
   * Record the outcome of entry `id`. Given fields replace stored ones; omitted fields are kept.
   * `finishedAt` is set unless the status is `intent`. Throws `STATE_UNKNOWN_JOURNAL_ENTRY` for
   * an unknown id.
   */
  journalOutcome(o: JournalOutcome): void {
    const { id, status } = o;
    this.write("journalOutcome", () => {
      const res = this.stmt(
        `UPDATE journal SET status = @status, finished_at = @finishedAt,
                remote_id = COALESCE(@remoteId, remote_id), after = COALESCE(@after, after),
                error = COALESCE(@error, error)
          WHERE id = @id`,
      ).run({
        id,
        status,
        finishedAt: nowIso(),
        remoteId: o.remoteId ?? null,
        after: toJsonColumn(o.after),
        error: toJsonColumn(o.error),
      });
      if (res.changes === 0) {
        throw stateError(
          "STATE_UNKNOWN_JOURNAL_ENTRY",
          `Journal entry ${id} does not exist in ${this.path}.`,
          {
            hint: "This is a bug in dpn (an outcome was recorded without an intent); please report it.",
            details: { id },
          },
        );
      }
    });
  }

  /** Entries of a transaction in `seq` order. */
  journal(txId: string): JournalEntry[] {
    return this.guard("journal", () =>
      (this.stmt("SELECT * FROM journal WHERE tx_id = ? ORDER BY seq").all(txId) as JournalRow[]).map(
        toJournal,
      ),
    );
  }

  private journalEntry(id: number): JournalEntry {
    const row = this.stmt("SELECT * FROM journal WHERE id = ?").get(id) as JournalRow | undefined;
    if (!row) throw internalError("STATE_JOURNAL_LOST", `Journal entry ${id} vanished right after insert.`);
    return toJournal(row);
  }

  // -- plans ------------------------------------------------------------------------------------

  /**
   * Store the plan of a transaction (redacted JSON); saving again replaces it.
   * Throws `STATE_REFERENCE_MISSING` when the transaction does not exist.
   */
  savePlan(txId: string, plan: StoredPlan): void {
    this.write("savePlan", () => {
      this.stmt(
        `INSERT INTO transaction_plans (tx_id, plan, created_at) VALUES (?, ?, ?)
         ON CONFLICT (tx_id) DO UPDATE SET plan = excluded.plan`,
      ).run(txId, toJsonColumn(plan), nowIso());
    });
  }

  /** The plan stored with `savePlan`, or undefined. */
  loadPlan(txId: string): StoredPlan | undefined {
    return this.guard("loadPlan", () => {
      const row = this.stmt("SELECT plan FROM transaction_plans WHERE tx_id = ?").get(txId) as
        | { plan: string }
        | undefined;
      return row ? fromJsonColumn<StoredPlan>(row.plan, "transaction_plans.plan") : undefined;
    });
  }

  // -- atomicity --------------------------------------------------------------------------------

  /**
   * Run `fn` in one transaction: all its store writes commit together or not at all. Nested
   * calls become savepoints (an inner failure caught by the outer `fn` undoes only the inner
   * part). `fn` must be synchronous: returning a promise throws `STATE_ASYNC_IN_TRANSACTION`
   * after rolling back. Errors thrown by `fn` propagate unchanged.
   */
  atomically<R>(fn: () => R): R {
    return this.guard("atomically", () => {
      const body = () => {
        const result = fn();
        if (
          result !== null &&
          typeof result === "object" &&
          typeof (result as { then?: unknown }).then === "function"
        ) {
          throw internalError(
            "STATE_ASYNC_IN_TRANSACTION",
            "atomically() was given an async function; its writes would escape the transaction.",
            { hint: "This is a bug in dpn: keep remote calls outside atomically()." },
          );
        }
        return result;
      };
      // A read-only connection cannot BEGIN IMMEDIATE; a deferred one still gives a stable snapshot.
      return this.readonly ? this.statements.deferred(body) : this.immediate(body);
    });
  }

  /** Apply one step's settlement (outcomes, rows, audit) in the current transaction. */
  applySettlement(st: StepSettlement): void {
    for (const o of st.outcomes) this.journalOutcome(o);
    for (const r of st.put ?? []) this.putResource(r);
    for (const r of st.remove ?? []) this.deleteResource(r.stackId, r.address);
    for (const e of st.audit ?? []) this.audit(e);
  }

  /** Fail with STATE_READ_ONLY now (before queueing a write) when the store is read-only. */
  assertWritable(op: string): void {
    this.write(op, () => undefined);
  }

  // -- audit ------------------------------------------------------------------------------------

  /** Append an audit event (details redacted). `at` defaults to now when empty. */
  audit(e: AuditEvent): void {
    this.write("audit", () => {
      this.stmt(
        `INSERT INTO audit_events (at, actor, stack_id, tx_id, command, event, address, outcome,
                                   blueprint_hash, details)
         VALUES (@at, @actor, @stackId, @txId, @command, @event, @address, @outcome, @blueprintHash, @details)`,
      ).run({
        at: e.at || nowIso(),
        actor: e.actor,
        stackId: e.stackId ?? null,
        txId: e.txId ?? null,
        command: e.command,
        event: e.event,
        address: e.address ?? null,
        outcome: e.outcome ?? null,
        blueprintHash: e.blueprintHash ?? null,
        details: toJsonColumn(e.details),
      });
    });
  }

  /**
   * Audit events in chronological order (`at >= since` when given). With `limit`, the latest
   * `limit` matching events, still oldest first.
   */
  auditEvents(opts: { since?: string; stackId?: string; txId?: string; limit?: number } = {}): AuditEvent[] {
    return this.guard("auditEvents", () => {
      const rows = this.stmt(
        `SELECT * FROM (
           SELECT * FROM audit_events
            WHERE (@since IS NULL OR at >= @since) AND (@stackId IS NULL OR stack_id = @stackId)
              AND (@txId IS NULL OR tx_id = @txId)
            ORDER BY id DESC LIMIT @limit)
         ORDER BY id`,
      ).all({
        since: opts.since ?? null,
        stackId: opts.stackId ?? null,
        txId: opts.txId ?? null,
        limit: limitOf(opts.limit),
      });
      return (rows as AuditRow[]).map(toAudit);
    });
  }

  // -- locks ------------------------------------------------------------------------------------

  /**
   * Take the stack lock for `leaseMs`, atomically across processes. Free → taken; held by the
   * same holderId → lease refreshed (since kept); lease expired → taken over; held by a process
   * on this host that no longer exists → taken over; otherwise `{acquired: false, holder}`.
   * Throws `STATE_INVALID_LEASE` for a non-positive lease, `STATE_READ_ONLY` on a read-only store.
   */
  tryLock(
    stackId: string,
    holder: Omit<LockInfo, "stackId" | "since" | "expiresAt" | "fencing">,
    leaseMs: number,
  ): TryLockResult {
    assertLease(leaseMs);
    return this.write("tryLock", () =>
      this.immediate((): TryLockResult => {
        const now = Date.now();
        const row = this.stmt("SELECT * FROM locks WHERE stack_id = ?").get(stackId) as LockRow | undefined;
        const current = row ? toLock(row) : undefined;
        const same = current !== undefined && current.holderId === holder.holderId;
        const fence = this.stmt("SELECT token FROM lock_fences WHERE stack_id = ?").get(stackId) as
          | { token: number }
          | undefined;
        const lock: LockInfo = {
          stackId,
          holderId: holder.holderId,
          user: holder.user,
          host: holder.host,
          pid: holder.pid,
          since: same ? current.since : nowIso(now),
          expiresAt: nowIso(now + leaseMs),
          // A re-acquire by the same holder (e.g. a retry whose answer was lost) keeps its token.
          fencing: same ? current.fencing : Math.max(fence?.token ?? 0, current?.fencing ?? 0) + 1,
        };
        let takenOver: { holder: LockInfo; reason: LockTakeoverReason } | undefined;
        if (current && current.holderId !== holder.holderId) {
          if (Date.parse(current.expiresAt) <= now) takenOver = { holder: current, reason: "lease_expired" };
          // Only a pid on this machine can be checked; elsewhere the lease is the only signal.
          else if (current.host === os.hostname() && !isProcessAlive(current.pid)) {
            takenOver = { holder: current, reason: "holder_dead" };
          } else return { acquired: false, holder: current };
        }
        this.stmt(
          `INSERT INTO locks (stack_id, holder_id, user, host, pid, since, expires_at, fencing)
           VALUES (@stackId, @holderId, @user, @host, @pid, @since, @expiresAt, @fencing)
           ON CONFLICT (stack_id) DO UPDATE SET holder_id = excluded.holder_id, user = excluded.user,
             host = excluded.host, pid = excluded.pid, since = excluded.since, expires_at = excluded.expires_at,
             fencing = excluded.fencing`,
        ).run({ ...lock });
        this.stmt(
          `INSERT INTO lock_fences (stack_id, token) VALUES (?, ?)
           ON CONFLICT (stack_id) DO UPDATE SET token = MAX(token, excluded.token)`,
        ).run(stackId, lock.fencing);
        return takenOver ? { acquired: true, lock, takenOver } : { acquired: true, lock };
      }),
    );
  }

  /**
   * Extend the lease to now + leaseMs. Returns false when `holderId` no longer holds the lock
   * (released, forced or taken over): the caller must stop before its next change.
   */
  renewLock(stackId: string, holderId: string, leaseMs: number): boolean {
    assertLease(leaseMs);
    return this.write("renewLock", () => {
      const res = this.stmt("UPDATE locks SET expires_at = ? WHERE stack_id = ? AND holder_id = ?").run(
        nowIso(Date.now() + leaseMs),
        stackId,
        holderId,
      );
      return res.changes > 0;
    });
  }

  /**
   * Release the lock if `holderId` holds it. Releasing a lock held by someone else (e.g. after a
   * takeover) does nothing, so a late release can never free another run's lock.
   */
  releaseLock(stackId: string, holderId: string): void {
    this.write("releaseLock", () => {
      this.stmt("DELETE FROM locks WHERE stack_id = ? AND holder_id = ?").run(stackId, holderId);
    });
  }

  /** The stored lock, including one whose lease has expired (compare `expiresAt`). */
  getLock(stackId: string): LockInfo | undefined {
    return this.guard("getLock", () => {
      const row = this.stmt("SELECT * FROM locks WHERE stack_id = ?").get(stackId) as LockRow | undefined;
      return row ? toLock(row) : undefined;
    });
  }

  /**
   * Remove the lock whoever holds it; returns the removed lock, or undefined when there was none.
   * With `expected`, only while it is that lock; throws LOCK_CHANGED otherwise (nothing removed).
   */
  forceUnlock(stackId: string, expected?: { holderId: string; fencing: number }): LockInfo | undefined {
    return this.write("forceUnlock", () =>
      this.immediate(() => {
        const row = this.stmt("SELECT * FROM locks WHERE stack_id = ?").get(stackId) as LockRow | undefined;
        if (expected && (!row || row.holder_id !== expected.holderId || row.fencing !== expected.fencing)) {
          throw lockChangedError(stackId, expected, row ? toLock(row) : undefined);
        }
        if (!row) return undefined;
        this.stmt("DELETE FROM locks WHERE stack_id = ?").run(stackId);
        return toLock(row);
      }),
    );
  }

  // -- fencing ----------------------------------------------------------------------------------

  /**
   * Throw LOCK_LOST unless the stack's lock is still `holderId` with token `fencing`. Run inside
   * the write's own SQLite transaction, so no other process can take the lock between the check
   * and the write.
   */
  assertFence(stackId: string, holderId: string, fencing: number): void {
    const row = this.stmt("SELECT holder_id, fencing FROM locks WHERE stack_id = ?").get(stackId) as
      | { holder_id: string; fencing: number }
      | undefined;
    if (row && row.holder_id === holderId && row.fencing === fencing) return;
    throw lockLostError(stackId, holderId, fencing, row ? this.getLock(stackId) : undefined);
  }

  /** The stack a transaction belongs to, or undefined for an unknown id. */
  stackOfTransaction(txId: string): string | undefined {
    const row = this.stmt("SELECT stack_id FROM transactions WHERE id = ?").get(txId) as
      | { stack_id: string }
      | undefined;
    return row?.stack_id;
  }

  /** The stack a journal entry's transaction belongs to, or undefined for an unknown id. */
  stackOfJournalEntry(id: number): string | undefined {
    const row = this.stmt(
      "SELECT t.stack_id FROM journal j JOIN transactions t ON t.id = j.tx_id WHERE j.id = ?",
    ).get(id) as { stack_id: string } | undefined;
    return row?.stack_id;
  }

  // -- backend facts, export and import -----------------------------------------------------------

  /** Where `dpn state migrate` moved this state, when it did. */
  migratedTo(): string | undefined {
    return this.guard("migratedTo", () => {
      const row = this.stmt("SELECT value FROM backend_meta WHERE key = 'migrated_to'").get() as
        | { value: string }
        | undefined;
      return row?.value;
    });
  }

  private assertNotMigrated(op: string): void {
    const to = this.migratedTo();
    if (to !== undefined) throw migratedError(`sqlite:${this.path}`, to, op);
  }

  /** Record that the state now lives at `to`; every later write is refused (STATE_MIGRATED). */
  markMigrated(to: string): void {
    if (this.notMigratedInTx) this.notMigratedInTx = false;
    this.write("markMigrated", () => {
      this.stmt(
        `INSERT INTO backend_meta (key, value) VALUES ('migrated_to', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ).run(to);
    });
  }

  /** The stack whole (see StackDump); throws STACK_NOT_FOUND for an unknown id. */
  exportStack(stackId: string): StackDump {
    return this.guard("exportStack", () =>
      this.db.transaction(() => {
        const row = this.stmt("SELECT * FROM stacks WHERE id = ?").get(stackId) as StackRow | undefined;
        if (!row) throw stackNotFoundError(stackId, `sqlite:${this.path}`);
        const txRows = this.stmt("SELECT * FROM transactions WHERE stack_id = ? ORDER BY started_at, id").all(
          stackId,
        ) as TransactionRow[];
        return {
          stack: toStack(row),
          resources: this.listResources(stackId),
          protections: (
            this.stmt(
              "SELECT address, tx_id, since FROM protections WHERE stack_id = ? ORDER BY address",
            ).all(stackId) as { address: string; tx_id: string; since: string }[]
          ).map((p) => ({ address: p.address, txId: p.tx_id, since: p.since })),
          cleanups: this.pendingCleanups(stackId),
          transactions: txRows.map((t) => {
            const plan = this.loadPlan(t.id);
            return { record: toTransaction(t), ...(plan ? { plan } : {}), journal: this.journal(t.id) };
          }),
          audit: (
            this.stmt("SELECT * FROM audit_events WHERE stack_id = ? ORDER BY id").all(stackId) as AuditRow[]
          ).map(toAudit),
        };
      })(),
    );
  }

  /** Audit events that belong to no stack, oldest first. */
  exportUnscopedAudit(): AuditEvent[] {
    return this.guard("exportUnscopedAudit", () =>
      (this.stmt("SELECT * FROM audit_events WHERE stack_id IS NULL ORDER BY id").all() as AuditRow[]).map(
        toAudit,
      ),
    );
  }

  /**
   * Write a dump as it is, in one SQLite transaction. Journal entry and audit event ids are kept
   * when free here, else renumbered in order. Throws STATE_STACK_EXISTS (nothing written) when
   * the stack or its project/environment is already here.
   */
  importStack(d: StackDump): void {
    this.write("importStack", () =>
      this.immediate(() => {
        const clash = this.stmt(
          "SELECT id FROM stacks WHERE id = ? OR (project = ? AND environment = ?)",
        ).get(d.stack.id, d.stack.project, d.stack.environment);
        if (clash) throw stackExistsError(d.stack, `sqlite:${this.path}`);
        this.stmt("INSERT INTO stacks (id, project, environment, created_at) VALUES (?, ?, ?, ?)").run(
          d.stack.id,
          d.stack.project,
          d.stack.environment,
          d.stack.createdAt,
        );
        for (const r of d.resources) this.putResource(r);
        for (const p of d.protections)
          this.stmt("INSERT INTO protections (stack_id, address, tx_id, since) VALUES (?, ?, ?, ?)").run(
            d.stack.id,
            p.address,
            p.txId,
            p.since,
          );
        for (const c of d.cleanups)
          this.stmt("INSERT INTO cleanups (stack_id, address, tx_id, error, at) VALUES (?, ?, ?, ?, ?)").run(
            d.stack.id,
            c.address,
            c.txId,
            c.error ? JSON.stringify(c.error) : null,
            c.at,
          );
        for (const t of d.transactions) {
          const r = t.record;
          this.stmt(
            `INSERT INTO transactions (id, stack_id, kind, status, actor, command, blueprint_hash, target,
                                       pid, host, started_at, finished_at, error)
             VALUES (@id, @stackId, @kind, @status, @actor, @command, @blueprintHash, @target,
                     @pid, @host, @startedAt, @finishedAt, @error)`,
          ).run({
            id: r.id,
            stackId: r.stackId,
            kind: r.kind,
            status: r.status,
            actor: r.actor,
            command: r.command,
            blueprintHash: r.blueprintHash ?? null,
            target: r.target,
            pid: r.pid,
            host: r.host,
            startedAt: r.startedAt,
            finishedAt: r.finishedAt ?? null,
            error: toJsonColumn(r.error),
          });
          if (t.plan) this.savePlan(r.id, t.plan);
          for (const j of t.journal) this.insertJournalRow(j);
        }
        for (const e of d.audit) this.insertAuditRow(e);
      }),
    );
  }

  /** Append audit events that belong to no stack (ids kept when free). */
  importUnscopedAudit(events: AuditEvent[]): void {
    this.write("importUnscopedAudit", () =>
      this.immediate(() => {
        for (const e of events) this.insertAuditRow(e);
      }),
    );
  }

  private idFree(table: "journal" | "audit_events", id: number | undefined): number | null {
    if (id === undefined) return null;
    return this.stmt(`SELECT 1 FROM ${table} WHERE id = ?`).get(id) ? null : id;
  }

  private insertJournalRow(j: JournalEntry): void {
    this.stmt(
      `INSERT INTO journal (id, tx_id, seq, phase, action, address, type, name, desired, remote_id,
                           before, after, status, error, started_at, finished_at)
       VALUES (@id, @txId, @seq, @phase, @action, @address, @type, @name, @desired, @remoteId,
               @before, @after, @status, @error, @startedAt, @finishedAt)`,
    ).run({
      id: this.idFree("journal", j.id),
      txId: j.txId,
      seq: j.seq,
      phase: j.phase,
      action: j.action,
      address: j.address,
      type: j.type,
      name: j.name,
      desired: toJsonColumn(j.desired),
      remoteId: j.remoteId ?? null,
      before: toJsonColumn(j.before),
      after: toJsonColumn(j.after),
      status: j.status,
      error: toJsonColumn(j.error),
      startedAt: j.startedAt,
      finishedAt: j.finishedAt ?? null,
    });
  }

  private insertAuditRow(e: AuditEvent): void {
    this.stmt(
      `INSERT INTO audit_events (id, at, actor, stack_id, tx_id, command, event, address, outcome,
                                 blueprint_hash, details)
       VALUES (@id, @at, @actor, @stackId, @txId, @command, @event, @address, @outcome, @blueprintHash, @details)`,
    ).run({
      id: this.idFree("audit_events", e.id),
      at: e.at,
      actor: e.actor,
      stackId: e.stackId ?? null,
      txId: e.txId ?? null,
      command: e.command,
      event: e.event,
      address: e.address ?? null,
      outcome: e.outcome ?? null,
      blueprintHash: e.blueprintHash ?? null,
      details: toJsonColumn(e.details),
    });
  }

  /** Close the connection (idempotent). The WAL is checkpointed by SQLite on the last close. */
  close(): void {
    if (!this.db.open) return;
    this.statements.clear();
    try {
      this.db.close();
    } catch (e) {
      throw toStateError(e, { op: "close", path: this.path, readonly: this.readonly });
    }
  }
}

/** How long a settled step may wait for the next durable write before it is committed on its own. */
const SETTLE_FLUSH_MS = 50;

/**
 * Writes a migrated state still takes: `dpn state migrate` releases the source's locks after
 * marking it, and a lock left behind must stay removable.
 */
const MIGRATION_EXEMPT = new Set(["markMigrated", "releaseLock", "forceUnlock"]);

/**
 * The engine's StateStore over SQLite (one file, or in memory). Writes that must be durable before
 * dpn goes on — intents, transaction records, locks, audit events outside a step — commit (and
 * fsync: WAL, synchronous=FULL) before their promise resolves. A step's settlement is queued and
 * committed in the same SQLite transaction as the next durable write (group commit), or after
 * SETTLE_FLUSH_MS, or at `finishTransaction`/`flush`/`close`: one fsync per step instead of
 * three. Intents are grouped too: the intents of steps that start in the same turn of the event
 * loop (a wave of ready steps, or several steps freed by calls that returned together) are queued
 * and committed together at the end of that turn (`setImmediate`), with the settlements queued
 * before them.
 *
 * The journal's rule holds: an intent's promise resolves only after the commit that holds it
 * returned (fsynced), and the step makes its remote call only after that promise resolved; when
 * the commit fails the promise rejects and the step makes no call. An intent that fails on its own
 * (fencing, unknown transaction) is undone alone (a savepoint) and rejects; the others in its
 * commit go on. Writes run in the order they were called, and reads commit the queue first, so
 * they always see every earlier write.
 */
export class SqliteStateStore implements StateStore {
  /** Queued writes in call order; `settle` is told how their commit went (intents resolve with it). */
  private queue: { run: () => void; settle?: (batchError: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private intentFlush: NodeJS.Immediate | undefined;
  private failed: unknown;
  /** The locks this store acquired: every write for those stacks checks them (fencing). */
  private readonly fences = new Map<string, { holderId: string; fencing: number }>();
  /** Stacks of the transactions and journal entries this store wrote or looked up (fencing's hot path). */
  private readonly txStacks = new Map<string, string>();
  private readonly entryStacks = new Map<number, string>();

  constructor(private readonly db: SqliteDb) {}

  /** Absolute path of the state file (`:memory:` for the in-memory store). */
  get path(): string {
    return this.db.path;
  }
  /** True when the store rejects writes with `STATE_READ_ONLY`. */
  get readonly(): boolean {
    return this.db.readonly;
  }
  /** `file`: on disk; `memory`: private in-memory db; `view`: read-only in-memory image. */
  get kind(): StoreKind {
    return this.db.kind;
  }
  get busyTimeoutMs(): number {
    return this.db.busyTimeoutMs;
  }

  /**
   * Commit the queued settlements, then run `fn` — all in one SQLite transaction when queued. A
   * queue that failed to commit on its timer poisons the store: the error is raised by the next
   * call, so a lost settlement is never silent.
   */
  private commit<R>(fn: () => R): R {
    if (this.queue.length === 0) {
      if (this.failed) throw this.failed;
      return fn();
    }
    const queued = this.queue;
    this.queue = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.intentFlush) clearImmediate(this.intentFlush);
    this.intentFlush = undefined;
    let result: R;
    try {
      if (this.failed) throw this.failed;
      result = this.db.atomically(() => {
        for (const q of queued) q.run();
        return fn();
      });
    } catch (e) {
      for (const q of queued) q.settle?.(e);
      throw e;
    }
    for (const q of queued) q.settle?.(undefined);
    return result;
  }

  /**
   * Commit the queue on its own (settlement timer, end of an intent turn). A failure rejects the
   * queued intents; when settlements were lost with it, the store is poisoned (see `commit`).
   */
  private flushQueued(): void {
    const settlements = this.queue.some((q) => !q.settle);
    try {
      this.commit(() => undefined);
    } catch (e) {
      if (settlements && !this.failed) this.failed = e;
    }
  }

  /**
   * `fn` as a write fenced by the locks this store holds on `stacks`: inside one SQLite
   * transaction, every such lock is checked first (LOCK_LOST when another holder has it now).
   */
  private fenced<R>(stacks: (string | undefined)[], fn: () => R): () => R {
    const held = stacks.filter((id): id is string => id !== undefined && this.fences.has(id));
    if (held.length === 0) return fn;
    return () =>
      this.db.atomically(() => {
        for (const id of new Set(held)) {
          const f = this.fences.get(id);
          if (f) this.db.assertFence(id, f.holderId, f.fencing);
        }
        return fn();
      });
  }

  /** The stacks one settlement writes to. */
  private settlementStacks(st: StepSettlement): (string | undefined)[] {
    if (this.fences.size === 0) return [];
    return [
      ...st.outcomes.map((o) => this.entryStack(o.id)),
      ...(st.put ?? []).map((r) => r.stackId),
      ...(st.remove ?? []).map((r) => r.stackId),
      ...(st.audit ?? []).map((e) => this.auditStack(e)),
    ];
  }

  private auditStack(e: AuditEvent): string | undefined {
    if (this.fences.size === 0) return undefined;
    return e.stackId ?? (e.txId ? this.txStack(e.txId) : undefined);
  }

  private txStack(txId: string): string | undefined {
    if (this.fences.size === 0) return undefined;
    const known = this.txStacks.get(txId);
    if (known !== undefined) return known;
    const stack = this.db.stackOfTransaction(txId);
    if (stack !== undefined) this.txStacks.set(txId, stack);
    return stack;
  }

  private entryStack(id: number): string | undefined {
    const known = this.entryStacks.get(id);
    if (known !== undefined) return known;
    const stack = this.db.stackOfJournalEntry(id);
    if (stack !== undefined) this.entryStacks.set(id, stack);
    return stack;
  }

  /** Schema version of the open database (LATEST_SCHEMA_VERSION once opened). */
  schemaVersion(): number {
    return this.db.schemaVersion();
  }

  /** The connection settings that matter for safety (journal mode, synchronous level, …). */
  settings(): ReturnType<SqliteDb["settings"]> {
    return this.db.settings();
  }

  async ensureStack(project: string, environment: string): Promise<StackRecord> {
    return this.commit(() => this.db.ensureStack(project, environment));
  }
  async getStack(project: string, environment: string): Promise<StackRecord | undefined> {
    return this.commit(() => this.db.getStack(project, environment));
  }
  async listStacks(): Promise<StackRecord[]> {
    return this.commit(() => this.db.listStacks());
  }

  async listResources(
    stackId: string,
    opts?: { status?: ResourceStatus; type?: ProvisionedType },
  ): Promise<ResourceRecord[]> {
    return this.commit(() => this.db.listResources(stackId, opts));
  }
  async getResource(stackId: string, address: string): Promise<ResourceRecord | undefined> {
    return this.commit(() => this.db.getResource(stackId, address));
  }
  async putResource(rec: ResourceRecord): Promise<void> {
    return this.settleStep({ outcomes: [], put: [rec] });
  }
  async pendingCleanups(stackId: string): Promise<PendingCleanup[]> {
    return this.commit(() => this.db.pendingCleanups(stackId));
  }
  async setCleanups(
    stackId: string,
    changes: { address: string; pending: boolean; error?: Record<string, unknown> }[],
    txId: string,
  ): Promise<void> {
    return this.commit(this.fenced([stackId], () => this.db.setCleanups(stackId, changes, txId)));
  }
  async protectedAddresses(stackId: string): Promise<Set<string>> {
    return this.commit(() => this.db.protectedAddresses(stackId));
  }
  async setProtection(
    stackId: string,
    changes: { address: string; on: boolean }[],
    txId: string,
  ): Promise<void> {
    return this.commit(this.fenced([stackId], () => this.db.setProtection(stackId, changes, txId)));
  }

  async beginTransaction(
    tx: Omit<TransactionRecord, "status" | "startedAt"> & { startedAt?: string },
    plan: StoredPlan,
  ): Promise<TransactionRecord> {
    return this.commit(() =>
      this.db.atomically(() => {
        const f = this.fences.get(tx.stackId);
        if (f) this.db.assertFence(tx.stackId, f.holderId, f.fencing);
        const rec = this.db.beginTransaction(tx);
        this.db.savePlan(rec.id, plan);
        this.txStacks.set(rec.id, rec.stackId);
        return rec;
      }),
    );
  }
  async finishTransaction(txId: string, status: TxStatus, error?: Record<string, unknown>): Promise<void> {
    return this.commit(
      this.fenced([this.txStack(txId)], () => this.db.finishTransaction(txId, status, error)),
    );
  }
  async getTransaction(txId: string): Promise<TransactionRecord | undefined> {
    return this.commit(() => this.db.getTransaction(txId));
  }
  async listTransactions(opts?: {
    stackId?: string;
    status?: TxStatus;
    limit?: number;
  }): Promise<TransactionRecord[]> {
    return this.commit(() => this.db.listTransactions(opts));
  }
  async unfinishedTransactions(stackId: string): Promise<TransactionRecord[]> {
    return this.commit(() => this.db.unfinishedTransactions(stackId));
  }
  async loadPlan(txId: string): Promise<StoredPlan | undefined> {
    return this.commit(() => this.db.loadPlan(txId));
  }

  async journalIntent(e: JournalIntent): Promise<JournalEntry> {
    if (this.failed) throw this.failed;
    this.db.assertWritable("journalIntent");
    return new Promise<JournalEntry>((resolve, reject) => {
      let entry: JournalEntry | undefined;
      let own: { error: unknown } | undefined;
      let stack: string | undefined;
      this.queue.push({
        run: () => {
          // A savepoint (journalIntent's own transaction): its failure undoes it alone.
          try {
            stack = this.txStack(e.txId);
            entry = this.fenced([stack], () => this.db.journalIntent(e))();
          } catch (err) {
            own = { error: err };
          }
        },
        settle: (batchError) => {
          if (batchError !== undefined) reject(batchError);
          else if (own) reject(own.error);
          else {
            // Only once committed: a rolled-back entry's id may be given to another one.
            if (stack !== undefined && entry) this.entryStacks.set(entry.id, stack);
            resolve(entry as JournalEntry);
          }
        },
      });
      this.intentFlush ??= setImmediate(() => {
        this.intentFlush = undefined;
        this.flushQueued();
      });
    });
  }
  async settleStep(st: StepSettlement): Promise<void> {
    this.db.assertWritable("settleStep");
    this.queue.push({
      run: () => this.fenced(this.settlementStacks(st), () => this.db.applySettlement(st))(),
    });
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushQueued();
      }, SETTLE_FLUSH_MS);
      this.timer.unref();
    }
  }
  async journal(txId: string): Promise<JournalEntry[]> {
    return this.commit(() => this.db.journal(txId));
  }

  async audit(e: AuditEvent): Promise<void> {
    return this.commit(this.fenced([this.auditStack(e)], () => this.db.audit(e)));
  }
  async auditEvents(opts?: {
    since?: string;
    stackId?: string;
    txId?: string;
    limit?: number;
  }): Promise<AuditEvent[]> {
    return this.commit(() => this.db.auditEvents(opts));
  }

  async tryLock(
    stackId: string,
    holder: Omit<LockInfo, "stackId" | "since" | "expiresAt" | "fencing">,
    leaseMs: number,
  ): Promise<TryLockResult> {
    const r = this.commit(() => this.db.tryLock(stackId, holder, leaseMs));
    if (r.acquired) this.fences.set(stackId, { holderId: r.lock.holderId, fencing: r.lock.fencing });
    return r;
  }
  async renewLock(stackId: string, holderId: string, leaseMs: number): Promise<boolean> {
    const f = this.fences.get(stackId);
    const ok = this.commit(() =>
      this.db.atomically(() => {
        const now = this.db.getLock(stackId);
        if (f && now && now.holderId === holderId && now.fencing !== f.fencing) return false;
        return this.db.renewLock(stackId, holderId, leaseMs);
      }),
    );
    return ok;
  }
  async releaseLock(stackId: string, holderId: string): Promise<void> {
    this.commit(() => this.db.releaseLock(stackId, holderId));
    if (this.fences.get(stackId)?.holderId === holderId) this.fences.delete(stackId);
  }
  async getLock(stackId: string): Promise<LockInfo | undefined> {
    return this.commit(() => this.db.getLock(stackId));
  }
  async forceUnlock(
    stackId: string,
    expected?: { holderId: string; fencing: number },
  ): Promise<LockInfo | undefined> {
    const removed = this.commit(() => this.db.forceUnlock(stackId, expected));
    if (removed && this.fences.get(stackId)?.holderId === removed.holderId) this.fences.delete(stackId);
    return removed;
  }

  async describe(): Promise<BackendInfo> {
    const migratedTo = this.commit(() => this.db.migratedTo());
    return {
      kind: "sqlite",
      location: this.kind === "memory" ? "sqlite::memory:" : `sqlite:${this.path}`,
      schemaVersion: this.db.schemaVersion(),
      ...(migratedTo ? { migratedTo } : {}),
    };
  }

  async checkBackend(): Promise<BackendCheck[]> {
    const s = this.db.settings();
    const checks: BackendCheck[] = [
      this.readonly
        ? { check: "writable", status: "error", message: `${this.path} is open read-only` }
        : { check: "writable", status: "ok", message: `${this.path} is writable` },
    ];
    if (this.kind === "file") {
      checks.push(
        s.journalMode === "wal"
          ? { check: "journal_mode", status: "ok", message: "journal mode wal" }
          : {
              check: "journal_mode",
              status: "warning",
              message: `journal mode ${s.journalMode}, not wal: readers wait for writers`,
            },
        s.synchronous >= 2
          ? { check: "synchronous", status: "ok", message: "synchronous=FULL: every commit is fsynced" }
          : {
              check: "synchronous",
              status: "warning",
              message: `synchronous=${s.synchronous}: a power loss can lose the last commits`,
            },
      );
    }
    return checks;
  }

  async exportStack(stackId: string): Promise<StackDump> {
    return this.commit(() => this.db.exportStack(stackId));
  }
  async exportUnscopedAudit(): Promise<AuditEvent[]> {
    return this.commit(() => this.db.exportUnscopedAudit());
  }
  async importStack(dump: StackDump): Promise<void> {
    return this.commit(() => this.db.importStack(dump));
  }
  async importUnscopedAudit(events: AuditEvent[]): Promise<void> {
    return this.commit(() => this.db.importUnscopedAudit(events));
  }
  async markMigrated(to: string): Promise<void> {
    return this.commit(() => this.db.markMigrated(to));
  }

  async flush(): Promise<void> {
    this.commit(() => undefined);
  }
  async close(): Promise<void> {
    try {
      this.commit(() => undefined);
    } finally {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      if (this.intentFlush) clearImmediate(this.intentFlush);
      this.intentFlush = undefined;
      this.db.close();
    }
  }
}

function unknownTransaction(txId: string, file: string): DpnError {
  return stateError("STATE_UNKNOWN_TRANSACTION", `Transaction ${txId} does not exist in ${file}.`, {
    hint: "List transactions with `dpn tx list`; the id may belong to another state file (--state).",
    details: { txId },
  });
}

function limitOf(limit: number | undefined): number {
  // SQLite treats a negative LIMIT as "no limit".
  return limit === undefined || !Number.isFinite(limit) || limit < 0 ? -1 : Math.floor(limit);
}

function assertLease(leaseMs: number): void {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw internalError("STATE_INVALID_LEASE", `Lock lease must be a positive number of ms, got ${leaseMs}.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------------------------

/**
 * Create the file with mode 0600 when missing (SQLite gives its -wal/-shm files the same mode),
 * and tighten an existing file that is readable by others.
 */
function createPrivateFile(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, "wx", 0o600));
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const st = fs.statSync(file);
  if (st.isFile() && (st.mode & 0o077) !== 0) {
    try {
      fs.chmodSync(file, 0o600);
    } catch (e) {
      // Not the owner: an administrator shares this file on purpose; leave its mode alone.
      if ((e as NodeJS.ErrnoException).code !== "EPERM") throw e;
    }
  }
}

function configureWritable(db: Database.Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.pragma("foreign_keys = ON");
  db.pragma("journal_mode = WAL");
  // See the module comment: intents must survive power loss.
  db.pragma("synchronous = FULL");
}

/**
 * Open (creating if needed) the state file at `file` for reading and writing: creates the parent
 * directory (0700), the file (0600), enables WAL, synchronous=FULL, busy_timeout and foreign
 * keys, and applies pending migrations. With `{readonly: true}` it delegates to
 * `openStateStoreReadOnly`. Throws DpnError kind state: STATE_UNWRITABLE (permissions, parent not a
 * directory), STATE_CORRUPT (not a SQLite file), STATE_TOO_NEW (newer dpn), STATE_LOCKED_DB.
 */
export function openSqliteDb(file: string, opts: OpenStateStoreOptions = {}): SqliteDb {
  if (opts.readonly) return openSqliteDbReadOnly(file, opts);
  const abs = path.resolve(file);
  const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  try {
    return retryWhileBusy(() => {
      let db: Database.Database | undefined;
      try {
        makeDirs(path.dirname(abs), 0o700);
        createPrivateFile(abs);
        db = new Database(abs, { fileMustExist: true, timeout: busyTimeoutMs });
        configureWritable(db, busyTimeoutMs);
        applyMigrations(db, abs);
        return new SqliteDb(db, { path: abs, readonly: false, kind: "file", busyTimeoutMs });
      } catch (e) {
        if (db?.open) db.close();
        throw e;
      }
    }, busyTimeoutMs);
  } catch (e) {
    throw toStateError(e, { op: "open", path: abs, busyTimeoutMs });
  }
}

/**
 * Open the state at `file` without creating or changing it. A missing file gives an empty
 * in-memory view; a file with an older schema is copied into memory and migrated there; a newer
 * one throws STATE_TOO_NEW. Every write method of the result throws STATE_READ_ONLY.
 * Note: SQLite may create the empty `-wal`/`-shm` side files of a WAL database while reading it
 * (that is how readers coordinate with writers); the database content is never modified.
 */
export function openSqliteDbReadOnly(
  file: string,
  opts: Omit<OpenStateStoreOptions, "readonly"> = {},
): SqliteDb {
  const abs = path.resolve(file);
  const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  let db: Database.Database | undefined;
  try {
    if (!fs.existsSync(abs)) {
      db = new Database(":memory:");
      applyMigrations(db, abs);
      db.pragma("query_only = ON");
      return new SqliteDb(db, { path: abs, readonly: true, kind: "view", busyTimeoutMs });
    }
    db = new Database(abs, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    const version = currentSchemaVersion(db);
    assertKnownVersion(version, abs);
    let kind: StoreKind = "file";
    if (version < LATEST_SCHEMA_VERSION) {
      // Older schema: migrate a private copy so reads see the current shape; the file stays as is.
      const image = version === 0 ? undefined : db.serialize();
      db.close();
      db = image && image.length > 0 ? new Database(image) : new Database(":memory:");
      applyMigrations(db, abs);
      kind = "view";
    }
    db.pragma("query_only = ON");
    return new SqliteDb(db, { path: abs, readonly: true, kind, busyTimeoutMs });
  } catch (e) {
    if (db?.open) db.close();
    throw toStateError(e, { op: "open (read-only)", path: abs, readonly: true, busyTimeoutMs });
  }
}

/** A fresh private in-memory database (same schema and behaviour). */
export function openMemorySqliteDb(): SqliteDb {
  const db = new Database(":memory:");
  try {
    db.pragma("foreign_keys = ON");
    applyMigrations(db, ":memory:");
  } catch (e) {
    db.close();
    throw toStateError(e, { op: "open", path: ":memory:" });
  }
  return new SqliteDb(db, { path: ":memory:", readonly: false, kind: "memory", busyTimeoutMs: 0 });
}

/**
 * Open (creating if needed) the state file at `file` as the engine's StateStore; see
 * `openSqliteDb` for what opening does and the errors it throws. With `{readonly: true}` nothing
 * is created or changed (a missing file reads as empty).
 */
export function openStateStore(file: string, opts: OpenStateStoreOptions = {}): SqliteStateStore {
  return new SqliteStateStore(openSqliteDb(file, opts));
}

/** The state at `file` as a read-only StateStore (see `openSqliteDbReadOnly`). */
export function openStateStoreReadOnly(
  file: string,
  opts: Omit<OpenStateStoreOptions, "readonly"> = {},
): SqliteStateStore {
  return new SqliteStateStore(openSqliteDbReadOnly(file, opts));
}

/** A fresh private in-memory StateStore (same schema and behaviour) for engine unit tests. */
export function openMemoryStateStore(): SqliteStateStore {
  return new SqliteStateStore(openMemorySqliteDb());
}
