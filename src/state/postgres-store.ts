/**
 * The PostgreSQL implementation of the engine's StateStore port (the `pg` driver; the only module
 * that talks to PostgreSQL). Several dpn processes on several machines share one database; see
 * docs/state-postgres.md for the guarantees, the lock protocol, the grants and the failure
 * behaviour.
 *
 * Every write is one database transaction, committed before its promise resolves: an intent, a
 * step's settlement (outcomes, rows and audit together), a transaction record with its plan, a
 * lock change. There is no group commit: a commit over the network costs one round trip, and a
 * settlement committed at once is visible to every other process at once.
 *
 * Fencing (the paragraph on StateStore in ports.ts): for each stack whose lock this store
 * acquired, every write first reads the lock row `FOR SHARE` in its own transaction and goes on
 * only while the row still carries this holder's id and fencing token. The row lock is held to
 * the commit, so a takeover (`tryLock` updates the row) waits for the write to finish and a write
 * that starts after the takeover sees the new token and rejects with LOCK_LOST, writing nothing.
 * `FOR SHARE` rather than `FOR UPDATE` so that the holder's parallel steps do not queue behind
 * one another; both conflict with the row update of a takeover
 * (https://www.postgresql.org/docs/15/explicit-locking.html#LOCKING-ROWS).
 *
 * A broken connection (the server restarted, a proxy dropped it, the backend was terminated):
 * the write is retried once on a new connection when that cannot duplicate it — the failure came
 * before COMMIT was sent (the server rolls back a transaction whose client is gone), or the write
 * is idempotent (lock acquire/renew/release, finishing a transaction, settlements without audit
 * events), or it carries its own key (an intent's `intent_key`, a transaction's id). The retry
 * after an unknown COMMIT waits at most RETRY_LOCK_TIMEOUT for the row locks the first attempt may
 * still hold on the server, so it sees that attempt's outcome. Otherwise the promise rejects with
 * STATE_COMMIT_UNKNOWN (the write may be stored or not; recovery handles both), and with
 * STATE_UNREACHABLE when the server cannot be reached at all. The next call, or the next command,
 * connects anew.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import pg from "pg";
import { type DpnError, internalError, stateError } from "../core/errors.js";
import { stackIdFor } from "../core/ids.js";
import type { ProvisionedType } from "../core/resources.js";
import type {
  AuditEvent,
  BackendCheck,
  BackendInfo,
  JournalEntry,
  JournalIntent,
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
import { describeTarget, pgTarget } from "./postgres-config.js";
import {
  commitUnknown,
  isConnectionFailure,
  referenceMissing,
  sqlState,
  toPgStateError,
  unreachable,
  type Where,
} from "./postgres-errors.js";
import {
  applyPgMigrations,
  assertKnownPgVersion,
  PG_LATEST_SCHEMA_VERSION,
  pgSchemaVersion,
  quoteIdent,
} from "./postgres-migrations.js";
import { isProcessAlive } from "./process-alive.js";
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

/** Connections one store opens at most (the engine's parallel steps share them). */
const DEFAULT_POOL_SIZE = 4;
/** How long a retry waits for row locks its first attempt's transaction may still hold. */
const RETRY_LOCK_TIMEOUT_MS = 10_000;
/** How long the server lets a dpn session sit inside a transaction before ending it (see open). */
const IDLE_IN_TRANSACTION_MS = 5_000;
/** A statement still unanswered after this long is taken for a connection gone silent. */
const QUERY_TIMEOUT_MS = 60_000;
/** Oldest server dpn supports: identity columns (10) and what it was tested on (docs). */
const MIN_SERVER_VERSION = 120000;

/** The tables dpn reads and writes (checkBackend verifies the privileges on each). */
const TABLES = [
  "stacks",
  "resources",
  "transactions",
  "transaction_plans",
  "journal",
  "audit_events",
  "locks",
  "lock_fences",
  "protections",
  "cleanups",
  "backend_meta",
] as const;

/** Writes a migrated state still takes (as SQLite: releasing locks, marking again). */
const MIGRATION_EXEMPT = new Set(["markMigrated", "releaseLock", "forceUnlock"]);

/** Fault injection for tests: called before every statement a write sends. */
export interface PostgresStoreHooks {
  /** `call` numbers the store's write calls (both attempts of one call share it). */
  beforeStatement?(e: {
    op: string;
    sql: string;
    pid: number;
    attempt: number;
    call: number;
  }): Promise<void> | void;
}

export interface OpenPostgresOptions {
  /** `postgres://…` or `postgresql://…`; PG* variables in `env` fill what it leaves out. */
  url: string;
  env: Record<string, string | undefined>;
  /** Open without creating or changing anything (read-only commands, dry runs). */
  readonly?: boolean;
  /** The URL with its password redacted, for messages and `describe()`. */
  display: string;
  /** Connections at most (default 4). */
  poolSize?: number;
  /** Override of IDLE_IN_TRANSACTION_MS (tests). */
  idleInTransactionMs?: number;
  /** Override of QUERY_TIMEOUT_MS (tests). */
  queryTimeoutMs?: number;
  hooks?: PostgresStoreHooks;
}

const nowIso = (ms: number = Date.now()): string => new Date(ms).toISOString();

// int8 (bigint, OID 20) comes back as a string by default; dpn's ids and tokens fit a double.
const TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

type Row = Record<string, unknown>;

function unknownTransaction(txId: string, where: string): DpnError {
  return stateError("STATE_UNKNOWN_TRANSACTION", `Transaction ${txId} does not exist in ${where}.`, {
    hint: "List transactions with `dpn tx list`; the id may belong to another state (--state).",
    details: { txId },
  });
}

function assertLease(leaseMs: number): void {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw internalError("STATE_INVALID_LEASE", `Lock lease must be a positive number of ms, got ${leaseMs}.`);
  }
}

function limitOf(limit: number | undefined): number | null {
  return limit === undefined || !Number.isFinite(limit) || limit < 0 ? null : Math.floor(limit);
}

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

/** Runs statements on one connection inside a write (or a read snapshot). */
type Query = <R = Row>(sql: string, params?: unknown[]) => Promise<R[]>;

interface WriteOptions {
  /** Running it twice stores the same as running it once: retried after an unknown COMMIT. */
  idempotent?: boolean;
}

/** Where in a write a connection failure happened (decides whether a retry could duplicate it). */
type Phase = "connect" | "statements" | "commit";

/**
 * The engine's StateStore over PostgreSQL. Use `openPostgresStateStore`. Every method rejects
 * with a DpnError kind `state` (exit 8) on failure: STATE_UNREACHABLE, STATE_COMMIT_UNKNOWN,
 * STATE_AUTH_FAILED, STATE_PERMISSION_DENIED, LOCK_LOST, STATE_MIGRATED, STATE_READ_ONLY, …
 */
export class PostgresStateStore implements StateStore {
  /** The locks this store acquired: every write for those stacks checks them (fencing). */
  private readonly fences = new Map<string, { holderId: string; fencing: number }>();
  private closed = false;
  private calls = 0;
  /**
   * Which stack a transaction and a journal entry belong to, as learnt from this store's own
   * writes and lookups (it never changes): fencing needs it, and a cached answer saves a round
   * trip per write.
   */
  private readonly txStacks = new Map<string, string>();
  private readonly entryStacks = new Map<number, string>();

  /** Use `openPostgresStateStore`. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly where: Where,
    readonly readonly: boolean,
    /** Read-only over a database without dpn's tables: every read is empty. */
    private readonly empty: boolean,
    private readonly hooks: PostgresStoreHooks = {},
  ) {}

  /** The redacted URL. */
  get location(): string {
    return this.where.display;
  }

  // -- plumbing ---------------------------------------------------------------------------------

  private assertOpen(op: string): void {
    if (this.closed)
      throw internalError(
        "STATE_CLOSED",
        `The state store ${this.where.display} was used after close() (${op}).`,
        {
          hint: "This is a bug in dpn; please report it.",
        },
      );
  }

  private async connect(): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    // A checked-out client whose backend dies between two statements emits 'error' with no
    // statement to fail; without a listener that would crash the process. The next statement
    // fails instead, and that failure is handled.
    client.on("error", ignore);
    return client;
  }

  private release(client: pg.PoolClient, broken: boolean): void {
    client.removeListener("error", ignore);
    client.release(broken ? true : undefined);
  }

  private queryOn(client: pg.PoolClient, op: string, attempt: number, call: number | undefined): Query {
    return async <R = Row>(sql: string, params?: unknown[]) => {
      if (call !== undefined && this.hooks.beforeStatement)
        await this.hooks.beforeStatement({
          op,
          sql,
          pid: (client as unknown as { processID: number }).processID,
          attempt,
          call,
        });
      const r = (await client.query(sql, params)) as pg.QueryResult | pg.QueryResult[];
      const last = Array.isArray(r) ? r[r.length - 1] : r;
      return (last?.rows ?? []) as R[];
    };
  }

  /**
   * Run `fn` as a read: one statement or, with `snapshot`, several in one REPEATABLE READ READ
   * ONLY transaction so they see one state. Retried once on a new connection when the
   * connection breaks (reads change nothing).
   */
  private async read<R>(op: string, fn: (q: Query) => Promise<R>, snapshot = false): Promise<R> {
    this.assertOpen(op);
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient | undefined;
      let broken = false;
      try {
        client = await this.connect();
        const q = this.queryOn(client, op, attempt, undefined);
        if (!snapshot) return await fn(q);
        await q("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        try {
          const r = await fn(q);
          await q("COMMIT");
          return r;
        } catch (e) {
          if (!isConnectionFailure(e)) await q("ROLLBACK").catch(ignore);
          throw e;
        }
      } catch (e) {
        broken = isConnectionFailure(e);
        if (broken && attempt < 2) continue;
        throw toPgStateError(e, this.where, op);
      } finally {
        if (client) this.release(client, broken);
      }
    }
  }

  /**
   * Run `fn` as one write transaction: refuses on a read-only store (STATE_READ_ONLY) and on a
   * migrated one (STATE_MIGRATED, checked inside the transaction); see the module comment for
   * what happens when the connection breaks. `fn` is told when it runs as the retry of an
   * attempt whose COMMIT outcome is unknown, so a keyed insert can look for that attempt's row.
   */
  private async write<R>(
    op: string,
    fn: (q: Query, retry: { afterUnknownCommit: boolean }) => Promise<R>,
    opts: WriteOptions & { keyed?: boolean } = {},
  ): Promise<R> {
    this.assertOpen(op);
    this.assertWritable(op);
    let unknownCommit: unknown;
    const call = ++this.calls;
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient | undefined;
      let phase = "connect" as Phase;
      let broken = false;
      try {
        client = await this.connect();
        const q = this.queryOn(client, op, attempt, call);
        phase = "statements";
        // One round trip opens the transaction: BEGIN and the checks that need no parameters go
        // as one simple query (several statements, the last one's rows come back).
        const opening = ["BEGIN"];
        // A retry may meet row locks of its first attempt's transaction, which the server keeps
        // until it notices the client is gone: wait for them only so long.
        if (attempt > 1) opening.push(`SET LOCAL lock_timeout = ${RETRY_LOCK_TIMEOUT_MS}`);
        const checkMigrated = !MIGRATION_EXEMPT.has(op);
        if (checkMigrated) opening.push("SELECT value FROM backend_meta WHERE key = 'migrated_to'");
        try {
          const m = await q<{ value: string }>(opening.join("; "));
          if (checkMigrated && m[0]) throw migratedError(this.where.display, m[0].value, op);
          const r = await fn(q, { afterUnknownCommit: unknownCommit !== undefined });
          phase = "commit";
          await q("COMMIT");
          return r;
        } catch (e) {
          if (!isConnectionFailure(e)) await q("ROLLBACK").catch(ignore);
          throw e;
        }
      } catch (e) {
        broken = isConnectionFailure(e);
        // The server aborted the whole transaction to break a deadlock or a serialization
        // conflict: nothing of it is stored, so running it again is safe.
        const aborted = sqlState(e) === "40P01" || sqlState(e) === "40001";
        if (aborted && attempt < 2) continue;
        if (!broken) {
          // A retry that could not tell what its first attempt did must not hide that behind
          // another error (e.g. lock_timeout).
          if (unknownCommit !== undefined && sqlState(e) === "55P03") throw commitUnknown(this.where, op, e);
          throw toPgStateError(e, this.where, op);
        }
        if (phase === "commit") {
          if (!opts.idempotent && !opts.keyed) throw commitUnknown(this.where, op, e);
          unknownCommit = e;
        }
        if (attempt >= 2) {
          throw unknownCommit !== undefined
            ? commitUnknown(this.where, op, e)
            : unreachable(this.where, op, e);
        }
      } finally {
        if (client) this.release(client, broken);
      }
    }
  }

  /** Fail with STATE_READ_ONLY when the store is read-only. */
  private assertWritable(op: string): void {
    if (!this.readonly) return;
    throw stateError(
      "STATE_READ_ONLY",
      `The state ${this.where.display} is open read-only; ${op} cannot change it.`,
      {
        hint: "Read-only commands and dry runs never change state; run the command without --dry-run to apply.",
        details: { location: this.where.display, operation: op },
      },
    );
  }

  /**
   * Inside a write: for each stack whose lock this store holds, lock its lock row FOR SHARE and
   * throw LOCK_LOST unless it is still this store's holder and token (see the module comment).
   * Rows are locked in stack-id order, so two writes never wait on each other in a cycle.
   */
  private async fence(q: Query, stacks: (string | undefined)[]): Promise<void> {
    const held = [
      ...new Set(stacks.filter((s): s is string => s !== undefined && this.fences.has(s))),
    ].sort();
    for (const stackId of held) {
      const f = this.fences.get(stackId);
      if (!f) continue;
      const rows = await q<LockRow>("SELECT * FROM locks WHERE stack_id = $1 FOR SHARE", [stackId]);
      const row = rows[0];
      if (row && row.holder_id === f.holderId && row.fencing === f.fencing) continue;
      throw lockLostError(stackId, f.holderId, f.fencing, row ? toLock(row) : undefined);
    }
  }

  /** The stack of a transaction (for fencing), or undefined when the store holds no lock. */
  private async txStack(q: Query, txId: string): Promise<string | undefined> {
    if (this.fences.size === 0) return undefined;
    const known = this.txStacks.get(txId);
    if (known) return known;
    const r = await q<{ stack_id: string }>("SELECT stack_id FROM transactions WHERE id = $1", [txId]);
    if (r[0]) this.txStacks.set(txId, r[0].stack_id);
    return r[0]?.stack_id;
  }

  /** The stacks of journal entries (for fencing), from the cache or one query for the rest. */
  private async entriesStacks(q: Query, ids: number[]): Promise<string[]> {
    const unknown = ids.filter((id) => !this.entryStacks.has(id));
    if (unknown.length > 0) {
      const rows = await q<{ id: number; stack_id: string }>(
        "SELECT j.id, t.stack_id FROM journal j JOIN transactions t ON t.id = j.tx_id WHERE j.id = ANY($1::bigint[])",
        [unknown],
      );
      for (const r of rows) this.entryStacks.set(r.id, r.stack_id);
    }
    return ids.map((id) => this.entryStacks.get(id)).filter((s): s is string => s !== undefined);
  }

  /** The server's clock in ms: lock leases are measured on it, so machines' clocks need not agree. */
  private async serverNow(q: Query): Promise<number> {
    const r = await q<{ ms: number }>(
      "SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms",
    );
    return r[0]?.ms ?? Date.now();
  }

  /** Reads of a read-only store over an empty database: nothing is there. */
  private async rows<R>(op: string, sql: string, params: unknown[] = []): Promise<R[]> {
    if (this.empty) {
      this.assertOpen(op);
      return [];
    }
    return this.read(op, (q) => q<R>(sql, params));
  }

  // -- stacks -----------------------------------------------------------------------------------

  async ensureStack(project: string, environment: string): Promise<StackRecord> {
    const existing = await this.getStack(project, environment);
    if (existing) return existing;
    const id = stackIdFor(project, environment);
    return this.write(
      "ensureStack",
      async (q) => {
        await q(
          "INSERT INTO stacks (id, project, environment, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
          [id, project, environment, nowIso()],
        );
        const r = await q<StackRow>("SELECT * FROM stacks WHERE project = $1 AND environment = $2", [
          project,
          environment,
        ]);
        if (!r[0]) throw internalError("STATE_JOURNAL_LOST", `Stack ${id} vanished right after insert.`);
        return toStack(r[0]);
      },
      { idempotent: true },
    );
  }

  async getStack(project: string, environment: string): Promise<StackRecord | undefined> {
    const r = await this.rows<StackRow>(
      "getStack",
      "SELECT * FROM stacks WHERE project = $1 AND environment = $2",
      [project, environment],
    );
    return r[0] ? toStack(r[0]) : undefined;
  }

  async listStacks(): Promise<StackRecord[]> {
    return (
      await this.rows<StackRow>(
        "listStacks",
        'SELECT * FROM stacks ORDER BY project COLLATE "C", environment COLLATE "C"',
      )
    ).map(toStack);
  }

  // -- resources --------------------------------------------------------------------------------

  async listResources(
    stackId: string,
    opts: { status?: ResourceStatus; type?: ProvisionedType } = {},
  ): Promise<ResourceRecord[]> {
    return (
      await this.rows<ResourceRow>(
        "listResources",
        `SELECT * FROM resources WHERE stack_id = $1
           AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR type = $3)
         ORDER BY address COLLATE "C"`,
        [stackId, opts.status ?? null, opts.type ?? null],
      )
    ).map(toResource);
  }

  async getResource(stackId: string, address: string): Promise<ResourceRecord | undefined> {
    const r = await this.rows<ResourceRow>(
      "getResource",
      "SELECT * FROM resources WHERE stack_id = $1 AND address = $2",
      [stackId, address],
    );
    return r[0] ? toResource(r[0]) : undefined;
  }

  async putResource(rec: ResourceRecord): Promise<void> {
    return this.settleStep({ outcomes: [], put: [rec] });
  }

  async protectedAddresses(stackId: string): Promise<Set<string>> {
    const r = await this.rows<{ address: string }>(
      "protectedAddresses",
      'SELECT address FROM protections WHERE stack_id = $1 ORDER BY address COLLATE "C"',
      [stackId],
    );
    return new Set(r.map((x) => x.address));
  }

  async setProtection(
    stackId: string,
    changes: { address: string; on: boolean }[],
    txId: string,
  ): Promise<void> {
    await this.write(
      "setProtection",
      async (q) => {
        await this.fence(q, [stackId]);
        const now = nowIso();
        for (const c of changes) {
          if (c.on)
            await q(
              "INSERT INTO protections (stack_id, address, tx_id, since) VALUES ($1, $2, $3, $4) ON CONFLICT (stack_id, address) DO NOTHING",
              [stackId, c.address, txId, now],
            );
          else await q("DELETE FROM protections WHERE stack_id = $1 AND address = $2", [stackId, c.address]);
        }
      },
      { idempotent: true },
    );
  }

  async pendingCleanups(stackId: string): Promise<PendingCleanup[]> {
    return (
      await this.rows<{ address: string; tx_id: string; error: string | null; at: string }>(
        "pendingCleanups",
        'SELECT * FROM cleanups WHERE stack_id = $1 ORDER BY at COLLATE "C", address COLLATE "C"',
        [stackId],
      )
    ).map(toCleanup);
  }

  async setCleanups(
    stackId: string,
    changes: { address: string; pending: boolean; error?: Record<string, unknown> }[],
    txId: string,
  ): Promise<void> {
    await this.write(
      "setCleanups",
      async (q) => {
        await this.fence(q, [stackId]);
        const now = nowIso();
        for (const c of changes) {
          if (c.pending)
            await q(
              `INSERT INTO cleanups (stack_id, address, tx_id, error, at) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (stack_id, address) DO UPDATE SET tx_id = excluded.tx_id, error = excluded.error, at = excluded.at`,
              [stackId, c.address, txId, toJsonColumn(c.error), now],
            );
          else await q("DELETE FROM cleanups WHERE stack_id = $1 AND address = $2", [stackId, c.address]);
        }
      },
      { idempotent: true },
    );
  }

  // -- transactions -----------------------------------------------------------------------------

  async beginTransaction(
    tx: Omit<TransactionRecord, "status" | "startedAt"> & { startedAt?: string },
    plan: StoredPlan,
  ): Promise<TransactionRecord> {
    const rec: TransactionRecord = { ...tx, status: "running", startedAt: tx.startedAt || nowIso() };
    delete rec.finishedAt;
    const t = await this.write(
      "beginTransaction",
      async (q, retry) => {
        await this.fence(q, [tx.stackId]);
        // A retry after an unknown COMMIT: the first attempt's row (same id, made by this call) counts.
        const inserted = await q<TransactionRow>(
          `INSERT INTO transactions (id, stack_id, kind, status, actor, command, blueprint_hash, target,
                                     pid, host, started_at, finished_at, error)
           VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $8, $9, $10, NULL, $11)
           ${retry.afterUnknownCommit ? "ON CONFLICT (id) DO NOTHING" : ""}
           RETURNING *`,
          [
            rec.id,
            rec.stackId,
            rec.kind,
            rec.actor,
            rec.command,
            rec.blueprintHash ?? null,
            rec.target,
            rec.pid,
            rec.host,
            rec.startedAt,
            toJsonColumn(rec.error),
          ],
        );
        const row =
          inserted[0] ?? (await q<TransactionRow>("SELECT * FROM transactions WHERE id = $1", [rec.id]))[0];
        if (!row) throw unknownTransaction(rec.id, this.where.display);
        await q(
          `INSERT INTO transaction_plans (tx_id, plan, created_at) VALUES ($1, $2, $3)
           ON CONFLICT (tx_id) DO UPDATE SET plan = excluded.plan`,
          [rec.id, toJsonColumn(plan), nowIso()],
        );
        return toTransaction(row);
      },
      { keyed: true },
    );
    this.txStacks.set(t.id, t.stackId);
    return t;
  }

  async finishTransaction(txId: string, status: TxStatus, error?: Record<string, unknown>): Promise<void> {
    await this.write(
      "finishTransaction",
      async (q) => {
        await this.fence(q, [await this.txStack(q, txId)]);
        const final = status !== "running" && status !== "interrupted";
        const r = await q(
          "UPDATE transactions SET status = $1, finished_at = $2, error = COALESCE($3, error) WHERE id = $4 RETURNING id",
          [status, final ? nowIso() : null, toJsonColumn(error), txId],
        );
        if (r.length === 0) throw unknownTransaction(txId, this.where.display);
      },
      { idempotent: true },
    );
  }

  async getTransaction(txId: string): Promise<TransactionRecord | undefined> {
    const r = await this.rows<TransactionRow>("getTransaction", "SELECT * FROM transactions WHERE id = $1", [
      txId,
    ]);
    return r[0] ? toTransaction(r[0]) : undefined;
  }

  async listTransactions(
    opts: { stackId?: string; status?: TxStatus; limit?: number } = {},
  ): Promise<TransactionRecord[]> {
    return (
      await this.rows<TransactionRow>(
        "listTransactions",
        `SELECT * FROM transactions
          WHERE ($1::text IS NULL OR stack_id = $1) AND ($2::text IS NULL OR status = $2)
          ORDER BY started_at COLLATE "C" DESC, ord DESC LIMIT $3`,
        [opts.stackId ?? null, opts.status ?? null, limitOf(opts.limit)],
      )
    ).map(toTransaction);
  }

  async unfinishedTransactions(stackId: string): Promise<TransactionRecord[]> {
    return (
      await this.rows<TransactionRow>(
        "unfinishedTransactions",
        `SELECT * FROM transactions WHERE stack_id = $1 AND status IN ('running', 'interrupted')
          ORDER BY started_at COLLATE "C", ord`,
        [stackId],
      )
    ).map(toTransaction);
  }

  async loadPlan(txId: string): Promise<StoredPlan | undefined> {
    const r = await this.rows<{ plan: string }>(
      "loadPlan",
      "SELECT plan FROM transaction_plans WHERE tx_id = $1",
      [txId],
    );
    return r[0] ? fromJsonColumn<StoredPlan>(r[0].plan, "transaction_plans.plan") : undefined;
  }

  // -- journal ----------------------------------------------------------------------------------

  async journalIntent(e: JournalIntent): Promise<JournalEntry> {
    // The key that lets a retry after an unknown COMMIT find the first attempt's row instead of
    // writing the intent twice.
    const key = randomUUID();
    const entry = await this.write(
      "journalIntent",
      async (q, retry) => {
        if (retry.afterUnknownCommit) {
          // Found when the first attempt committed. When the server still runs that attempt, this
          // sees nothing, but the transaction row lock below (and the unique key of the insert)
          // wait for it, up to lock_timeout, and the insert then finds its row by the key.
          const mine = await q<JournalRow>("SELECT * FROM journal WHERE intent_key = $1", [key]);
          if (mine[0]) return toJournal(mine[0]);
        }
        await this.fence(q, [await this.txStack(q, e.txId)]);
        // Locking the transaction row serialises the intents of one transaction, so seq is unique.
        const tx = await q("SELECT 1 FROM transactions WHERE id = $1 FOR UPDATE", [e.txId]);
        if (tx.length === 0) throw referenceMissing(this.where, "journalIntent");
        const r = await q<JournalRow>(
          `INSERT INTO journal (tx_id, seq, phase, action, address, type, name, desired, remote_id,
                                before, after, status, error, started_at, finished_at, intent_key)
           SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'intent', NULL, $11, NULL, $12
             FROM journal WHERE tx_id = $1
           ON CONFLICT (intent_key) DO NOTHING
           RETURNING *`,
          [
            e.txId,
            e.phase,
            e.action,
            e.address,
            e.type,
            e.name,
            toJsonColumn(e.desired),
            e.remoteId ?? null,
            toJsonColumn(e.before),
            toJsonColumn(e.after),
            nowIso(),
            key,
          ],
        );
        const row = r[0] ?? (await q<JournalRow>("SELECT * FROM journal WHERE intent_key = $1", [key]))[0];
        if (!row) throw internalError("STATE_JOURNAL_LOST", "A journal intent vanished right after insert.");
        return toJournal(row);
      },
      { keyed: true },
    );
    const stack = this.txStacks.get(entry.txId);
    if (stack) this.entryStacks.set(entry.id, stack);
    return entry;
  }

  async settleStep(st: StepSettlement): Promise<void> {
    // Without audit events a settlement is idempotent: outcomes and rows are set, not appended.
    const idempotent = (st.audit ?? []).length === 0;
    await this.write(
      "settleStep",
      async (q) => {
        if (this.fences.size > 0) {
          const viaJournal = await this.entriesStacks(
            q,
            st.outcomes.map((o) => o.id),
          );
          const viaAudit: (string | undefined)[] = [];
          for (const a of st.audit ?? [])
            viaAudit.push(a.stackId ?? (a.txId ? await this.txStack(q, a.txId) : undefined));
          await this.fence(q, [
            ...viaJournal,
            ...(st.put ?? []).map((r) => r.stackId),
            ...(st.remove ?? []).map((r) => r.stackId),
            ...viaAudit,
          ]);
        }
        const now = nowIso();
        for (const o of st.outcomes) {
          const r = await q(
            `UPDATE journal SET status = $1, finished_at = $2,
                    remote_id = COALESCE($3, remote_id), after = COALESCE($4, after), error = COALESCE($5, error)
              WHERE id = $6 RETURNING id`,
            [o.status, now, o.remoteId ?? null, toJsonColumn(o.after), toJsonColumn(o.error), o.id],
          );
          if (r.length === 0)
            throw stateError(
              "STATE_UNKNOWN_JOURNAL_ENTRY",
              `Journal entry ${o.id} does not exist in ${this.where.display}.`,
              {
                hint: "This is a bug in dpn (an outcome was recorded without an intent); please report it.",
                details: { id: o.id },
              },
            );
        }
        for (const rec of st.put ?? []) await this.upsertResource(q, rec, now);
        for (const r of st.remove ?? [])
          await q("DELETE FROM resources WHERE stack_id = $1 AND address = $2", [r.stackId, r.address]);
        for (const a of st.audit ?? []) await this.insertAudit(q, { ...a, at: a.at || now }, false);
      },
      { idempotent },
    );
  }

  private async upsertResource(q: Query, rec: ResourceRecord, now: string): Promise<void> {
    await q(
      `INSERT INTO resources (stack_id, address, type, name, full_name, remote_id, properties, tags,
                              status, tx_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (stack_id, address) DO UPDATE SET
         type = excluded.type, name = excluded.name, full_name = excluded.full_name,
         remote_id = excluded.remote_id, properties = excluded.properties, tags = excluded.tags,
         status = excluded.status, tx_id = excluded.tx_id, updated_at = excluded.updated_at`,
      [
        rec.stackId,
        rec.address,
        rec.type,
        rec.name,
        rec.fullName,
        rec.remoteId,
        toJsonColumn(rec.properties ?? {}),
        toJsonColumn(rec.tags ?? {}),
        rec.status,
        rec.txId,
        rec.createdAt || now,
        rec.updatedAt || now,
      ],
    );
  }

  async journal(txId: string): Promise<JournalEntry[]> {
    return (
      await this.rows<JournalRow>("journal", "SELECT * FROM journal WHERE tx_id = $1 ORDER BY seq", [txId])
    ).map(toJournal);
  }

  // -- audit ------------------------------------------------------------------------------------

  async audit(e: AuditEvent): Promise<void> {
    await this.write("audit", async (q) => {
      await this.fence(q, [e.stackId ?? (e.txId ? await this.txStack(q, e.txId) : undefined)]);
      await this.insertAudit(q, { ...e, at: e.at || nowIso() }, false);
    });
  }

  /** Insert one audit event; with `keepId`, under the id it has when that id is free here. */
  private async insertAudit(q: Query, e: AuditEvent, keepId: boolean): Promise<void> {
    const values = [
      e.at,
      e.actor,
      e.stackId ?? null,
      e.txId ?? null,
      e.command,
      e.event,
      e.address ?? null,
      e.outcome ?? null,
      e.blueprintHash ?? null,
      toJsonColumn(e.details),
    ];
    const cols = "at, actor, stack_id, tx_id, command, event, address, outcome, blueprint_hash, details";
    if (keepId && e.id !== undefined) {
      const r = await q(
        `INSERT INTO audit_events (id, ${cols}) VALUES ($11, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [...values, e.id],
      );
      if (r.length > 0) return;
    }
    await q(`INSERT INTO audit_events (${cols}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, values);
  }

  async auditEvents(
    opts: { since?: string; stackId?: string; txId?: string; limit?: number } = {},
  ): Promise<AuditEvent[]> {
    return (
      await this.rows<AuditRow>(
        "auditEvents",
        `SELECT * FROM (
           SELECT * FROM audit_events
            WHERE ($1::text IS NULL OR at >= $1 COLLATE "C") AND ($2::text IS NULL OR stack_id = $2)
              AND ($3::text IS NULL OR tx_id = $3)
            ORDER BY id DESC LIMIT $4) latest
         ORDER BY id`,
        [opts.since ?? null, opts.stackId ?? null, opts.txId ?? null, limitOf(opts.limit)],
      )
    ).map(toAudit);
  }

  // -- locks ------------------------------------------------------------------------------------

  async tryLock(
    stackId: string,
    holder: Omit<LockInfo, "stackId" | "since" | "expiresAt" | "fencing">,
    leaseMs: number,
  ): Promise<TryLockResult> {
    assertLease(leaseMs);
    // Idempotent: a retry by the same holder finds its own lock and keeps it (since, token).
    const r = await this.write(
      "tryLock",
      async (q): Promise<TryLockResult> => {
        // The fence row is the per-stack mutex of acquirers: created once, then locked FOR UPDATE,
        // so concurrent acquirers of one stack decide one after another, each seeing the last one's
        // commit (READ COMMITTED takes a new snapshot per statement).
        await q("INSERT INTO lock_fences (stack_id, token) VALUES ($1, 0) ON CONFLICT DO NOTHING", [stackId]);
        const fence = await q<{ token: number }>(
          "SELECT token FROM lock_fences WHERE stack_id = $1 FOR UPDATE",
          [stackId],
        );
        const rows = await q<LockRow>("SELECT * FROM locks WHERE stack_id = $1 FOR UPDATE", [stackId]);
        const now = await this.serverNow(q);
        const current = rows[0] ? toLock(rows[0]) : undefined;
        const same = current !== undefined && current.holderId === holder.holderId;
        const lock: LockInfo = {
          stackId,
          holderId: holder.holderId,
          user: holder.user,
          host: holder.host,
          pid: holder.pid,
          since: same ? current.since : nowIso(now),
          expiresAt: nowIso(now + leaseMs),
          fencing: same ? current.fencing : Math.max(fence[0]?.token ?? 0, current?.fencing ?? 0) + 1,
        };
        let takenOver: { holder: LockInfo; reason: LockTakeoverReason } | undefined;
        if (current && !same) {
          if (Date.parse(current.expiresAt) <= now) takenOver = { holder: current, reason: "lease_expired" };
          // Only a pid on this machine can be checked; elsewhere the lease is the only signal.
          else if (current.host === os.hostname() && !isProcessAlive(current.pid))
            takenOver = { holder: current, reason: "holder_dead" };
          else return { acquired: false, holder: current };
        }
        await q(
          `INSERT INTO locks (stack_id, holder_id, "user", host, pid, since, expires_at, fencing)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (stack_id) DO UPDATE SET holder_id = excluded.holder_id, "user" = excluded."user",
             host = excluded.host, pid = excluded.pid, since = excluded.since,
             expires_at = excluded.expires_at, fencing = excluded.fencing`,
          [stackId, lock.holderId, lock.user, lock.host, lock.pid, lock.since, lock.expiresAt, lock.fencing],
        );
        await q("UPDATE lock_fences SET token = GREATEST(token, $2) WHERE stack_id = $1", [
          stackId,
          lock.fencing,
        ]);
        return takenOver ? { acquired: true, lock, takenOver } : { acquired: true, lock };
      },
      { idempotent: true },
    );
    if (r.acquired) this.fences.set(stackId, { holderId: r.lock.holderId, fencing: r.lock.fencing });
    return r;
  }

  async renewLock(stackId: string, holderId: string, leaseMs: number): Promise<boolean> {
    assertLease(leaseMs);
    const f = this.fences.get(stackId);
    const token = f?.holderId === holderId ? f.fencing : null;
    return this.write(
      "renewLock",
      async (q) => {
        const now = await this.serverNow(q);
        const r = await q(
          `UPDATE locks SET expires_at = $1
            WHERE stack_id = $2 AND holder_id = $3 AND ($4::bigint IS NULL OR fencing = $4) RETURNING stack_id`,
          [nowIso(now + leaseMs), stackId, holderId, token],
        );
        return r.length > 0;
      },
      { idempotent: true },
    );
  }

  async releaseLock(stackId: string, holderId: string): Promise<void> {
    await this.write(
      "releaseLock",
      async (q) => {
        await q("DELETE FROM locks WHERE stack_id = $1 AND holder_id = $2", [stackId, holderId]);
      },
      { idempotent: true },
    );
    if (this.fences.get(stackId)?.holderId === holderId) this.fences.delete(stackId);
  }

  async getLock(stackId: string): Promise<LockInfo | undefined> {
    const r = await this.rows<LockRow>("getLock", "SELECT * FROM locks WHERE stack_id = $1", [stackId]);
    return r[0] ? toLock(r[0]) : undefined;
  }

  async forceUnlock(
    stackId: string,
    expected?: { holderId: string; fencing: number },
  ): Promise<LockInfo | undefined> {
    const removed = await this.write("forceUnlock", async (q) => {
      const rows = await q<LockRow>("SELECT * FROM locks WHERE stack_id = $1 FOR UPDATE", [stackId]);
      const row = rows[0];
      if (expected && (!row || row.holder_id !== expected.holderId || row.fencing !== expected.fencing))
        throw lockChangedError(stackId, expected, row ? toLock(row) : undefined);
      if (!row) return undefined;
      await q("DELETE FROM locks WHERE stack_id = $1", [stackId]);
      return toLock(row);
    });
    if (removed && this.fences.get(stackId)?.holderId === removed.holderId) this.fences.delete(stackId);
    return removed;
  }

  // -- backend ----------------------------------------------------------------------------------

  private async migratedTo(): Promise<string | undefined> {
    const r = await this.rows<{ value: string }>(
      "describe",
      "SELECT value FROM backend_meta WHERE key = 'migrated_to'",
    );
    return r[0]?.value;
  }

  async describe(): Promise<BackendInfo> {
    const migratedTo = await this.migratedTo();
    const schemaVersion = this.empty
      ? PG_LATEST_SCHEMA_VERSION
      : await this.read("describe", (q) => pgSchemaVersionQ(q, this.where.target.schema));
    return {
      kind: "postgres",
      location: this.where.display,
      schemaVersion,
      ...(migratedTo ? { migratedTo } : {}),
    };
  }

  async checkBackend(): Promise<BackendCheck[]> {
    const t = this.where.target;
    return this.read("checkBackend", async (q) => {
      const checks: BackendCheck[] = [];
      const info = await q<{
        v: number;
        version: string;
        ro: string;
        recovery: boolean;
        sync: string;
        fsync: string;
      }>(
        `SELECT current_setting('server_version_num')::int AS v, current_setting('server_version') AS version,
                current_setting('transaction_read_only') AS ro, pg_is_in_recovery() AS recovery,
                current_setting('synchronous_commit') AS sync, current_setting('fsync') AS fsync`,
      );
      const s = info[0];
      if (!s) throw stateError("STATE_ERROR", "The server sent no settings row.");
      checks.push({ check: "connect", status: "ok", message: `connected to ${this.where.server}` });
      checks.push(
        s.v >= MIN_SERVER_VERSION
          ? { check: "server_version", status: "ok", message: `PostgreSQL ${s.version}` }
          : {
              check: "server_version",
              status: "error",
              message: `PostgreSQL ${s.version} is older than 12, which dpn needs`,
              hint: "Use PostgreSQL 12 or newer.",
            },
      );
      checks.push(
        s.recovery || s.ro === "on"
          ? {
              check: "writable",
              status: "error",
              message: `${this.where.server} is read-only (${s.recovery ? "a standby in recovery" : "default_transaction_read_only"})`,
              hint: "Point the state URL at the primary server.",
            }
          : this.readonly
            ? { check: "writable", status: "error", message: `${this.where.display} is open read-only` }
            : { check: "writable", status: "ok", message: `${this.where.server} accepts writes` },
      );
      const version = this.empty ? 0 : await pgSchemaVersionQ(q, t.schema);
      checks.push(
        version === PG_LATEST_SCHEMA_VERSION
          ? { check: "schema", status: "ok", message: `schema ${t.schema} at version ${version}` }
          : {
              check: "schema",
              status: this.readonly ? "warning" : "error",
              message: `schema ${t.schema} is at version ${version}, this dpn writes version ${PG_LATEST_SCHEMA_VERSION}`,
              hint: "Run any command that writes state once (it migrates), with a user that may CREATE in the schema.",
            },
      );
      const priv = await q<{ usage: boolean; create: boolean }>(
        `SELECT COALESCE(has_schema_privilege($1, 'USAGE'), false) AS usage,
                COALESCE(has_schema_privilege($1, 'CREATE'), false) AS create
           FROM pg_namespace WHERE nspname = $1`,
        [t.schema],
      );
      const p = priv[0];
      if (!p) {
        const db = await q<{ create: boolean }>(
          "SELECT has_database_privilege(current_database(), 'CREATE') AS create",
        );
        checks.push(
          db[0]?.create
            ? {
                check: "schema_privileges",
                status: "ok",
                message: `schema ${t.schema} does not exist yet; ${t.user} may create it`,
              }
            : {
                check: "schema_privileges",
                status: "error",
                message: `schema ${t.schema} does not exist and ${t.user} may not create it`,
                hint: `CREATE SCHEMA ${t.schema} AUTHORIZATION ${t.user}; (or GRANT CREATE ON DATABASE ${t.database} TO ${t.user};)`,
              },
        );
      } else {
        checks.push(
          p.usage
            ? { check: "schema_usage", status: "ok", message: `${t.user} may use schema ${t.schema}` }
            : {
                check: "schema_usage",
                status: "error",
                message: `${t.user} lacks USAGE on schema ${t.schema}`,
                hint: `GRANT USAGE ON SCHEMA ${t.schema} TO ${t.user};`,
              },
          p.create
            ? {
                check: "schema_create",
                status: "ok",
                message: `${t.user} may create tables in ${t.schema} (migrations)`,
              }
            : {
                check: "schema_create",
                status: "warning",
                message: `${t.user} may not CREATE in schema ${t.schema}: a later dpn cannot migrate the schema with this user`,
                hint: `GRANT CREATE ON SCHEMA ${t.schema} TO ${t.user}; (or migrate with the schema owner)`,
              },
        );
        if (version > 0) {
          const missing: string[] = [];
          for (const table of TABLES) {
            // With a list, has_table_privilege is true when any one is held: ask for each.
            const each = await q<{ s: boolean; i: boolean; u: boolean; d: boolean }>(
              `SELECT has_table_privilege($1, 'SELECT') AS s, has_table_privilege($1, 'INSERT') AS i,
                      has_table_privilege($1, 'UPDATE') AS u, has_table_privilege($1, 'DELETE') AS d`,
              [`${quoteIdent(t.schema)}.${quoteIdent(table)}`],
            );
            const e = each[0];
            if (!e || !(e.s && e.i && e.u && e.d)) missing.push(table);
          }
          checks.push(
            missing.length === 0
              ? {
                  check: "table_privileges",
                  status: "ok",
                  message: `${t.user} may SELECT, INSERT, UPDATE, DELETE on every dpn table`,
                }
              : {
                  check: "table_privileges",
                  status: "error",
                  message: `${t.user} lacks SELECT, INSERT, UPDATE or DELETE on ${missing.join(", ")}`,
                  hint: `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${t.schema} TO ${t.user};`,
                },
          );
          const seqs = await q<{ ok: boolean | null }>(
            `SELECT has_sequence_privilege(pg_get_serial_sequence($1, 'id'), 'UPDATE')
                AND has_sequence_privilege(pg_get_serial_sequence($2, 'id'), 'UPDATE') AS ok`,
            [`${quoteIdent(t.schema)}.journal`, `${quoteIdent(t.schema)}.audit_events`],
          );
          checks.push(
            seqs[0]?.ok
              ? {
                  check: "sequence_privileges",
                  status: "ok",
                  message: `${t.user} may move the id sequences (imports)`,
                }
              : {
                  check: "sequence_privileges",
                  status: "warning",
                  message: `${t.user} lacks UPDATE on the journal and audit id sequences: \`dpn state migrate\` into this state would fail`,
                  hint: `GRANT UPDATE ON ALL SEQUENCES IN SCHEMA ${t.schema} TO ${t.user};`,
                },
          );
        }
      }
      checks.push(
        s.sync === "off" || s.fsync === "off"
          ? {
              check: "durability",
              status: "warning",
              message: `${s.fsync === "off" ? "fsync" : "synchronous_commit"} is off: a server crash can lose the last commits (journal intents among them)`,
              hint: "Set fsync = on and synchronous_commit = on (the defaults) on the server.",
            }
          : { check: "durability", status: "ok", message: "fsync and synchronous_commit are on" },
      );
      return checks;
    });
  }

  async exportStack(stackId: string): Promise<StackDump> {
    if (this.empty) throw stackNotFoundError(stackId, this.where.display);
    return this.read(
      "exportStack",
      async (q) => {
        const s = await q<StackRow>("SELECT * FROM stacks WHERE id = $1", [stackId]);
        if (!s[0]) throw stackNotFoundError(stackId, this.where.display);
        const resources = await q<ResourceRow>(
          'SELECT * FROM resources WHERE stack_id = $1 ORDER BY address COLLATE "C"',
          [stackId],
        );
        const protections = await q<{ address: string; tx_id: string; since: string }>(
          'SELECT address, tx_id, since FROM protections WHERE stack_id = $1 ORDER BY address COLLATE "C"',
          [stackId],
        );
        const cleanups = await q<{ address: string; tx_id: string; error: string | null; at: string }>(
          'SELECT * FROM cleanups WHERE stack_id = $1 ORDER BY at COLLATE "C", address COLLATE "C"',
          [stackId],
        );
        const txs = await q<TransactionRow>(
          'SELECT * FROM transactions WHERE stack_id = $1 ORDER BY started_at COLLATE "C", id COLLATE "C"',
          [stackId],
        );
        const plans = await q<{ tx_id: string; plan: string }>(
          "SELECT p.tx_id, p.plan FROM transaction_plans p JOIN transactions t ON t.id = p.tx_id WHERE t.stack_id = $1",
          [stackId],
        );
        const journal = await q<JournalRow>(
          "SELECT j.* FROM journal j JOIN transactions t ON t.id = j.tx_id WHERE t.stack_id = $1 ORDER BY j.tx_id, j.seq",
          [stackId],
        );
        const audit = await q<AuditRow>("SELECT * FROM audit_events WHERE stack_id = $1 ORDER BY id", [
          stackId,
        ]);
        const planOf = new Map(
          plans.map((p) => [p.tx_id, fromJsonColumn<StoredPlan>(p.plan, "transaction_plans.plan")]),
        );
        const journalOf = new Map<string, JournalEntry[]>();
        for (const j of journal) {
          const list = journalOf.get(j.tx_id) ?? [];
          list.push(toJournal(j));
          journalOf.set(j.tx_id, list);
        }
        return {
          stack: toStack(s[0]),
          resources: resources.map(toResource),
          protections: protections.map((p) => ({ address: p.address, txId: p.tx_id, since: p.since })),
          cleanups: cleanups.map(toCleanup),
          transactions: txs.map((t) => {
            const plan = planOf.get(t.id);
            return {
              record: toTransaction(t),
              ...(plan ? { plan } : {}),
              journal: journalOf.get(t.id) ?? [],
            };
          }),
          audit: audit.map(toAudit),
        };
      },
      true,
    );
  }

  async exportUnscopedAudit(): Promise<AuditEvent[]> {
    return (
      await this.rows<AuditRow>(
        "exportUnscopedAudit",
        "SELECT * FROM audit_events WHERE stack_id IS NULL ORDER BY id",
      )
    ).map(toAudit);
  }

  /**
   * After inserts with explicit ids, move the identity past them so that later inserts do not
   * collide. Run under the table lock taken by the import (no concurrent insert draws an id).
   */
  private async bumpIdentity(q: Query, table: "journal" | "audit_events"): Promise<void> {
    const seq = await q<{ s: string }>("SELECT pg_get_serial_sequence($1, 'id') AS s", [
      `${quoteIdent(this.where.target.schema)}.${table}`,
    ]);
    const name = seq[0]?.s;
    if (!name) throw stateError("STATE_ERROR", `The identity sequence of ${table} is missing.`);
    // `name` is already quoted and schema-qualified by pg_get_serial_sequence.
    await q(
      `SELECT setval($1, x.m) FROM (SELECT MAX(id) AS m FROM ${table}) x, ${name} s
        WHERE x.m IS NOT NULL AND (x.m > s.last_value OR NOT s.is_called)`,
      [name],
    );
  }

  async importStack(d: StackDump): Promise<void> {
    await this.write("importStack", async (q) => {
      // Explicit ids and the identity bump below must not interleave with other inserts.
      await q("LOCK TABLE journal, audit_events IN SHARE ROW EXCLUSIVE MODE");
      const clash = await q("SELECT id FROM stacks WHERE id = $1 OR (project = $2 AND environment = $3)", [
        d.stack.id,
        d.stack.project,
        d.stack.environment,
      ]);
      if (clash.length > 0) throw stackExistsError(d.stack, this.where.display);
      await q("INSERT INTO stacks (id, project, environment, created_at) VALUES ($1, $2, $3, $4)", [
        d.stack.id,
        d.stack.project,
        d.stack.environment,
        d.stack.createdAt,
      ]);
      const now = nowIso();
      for (const r of d.resources) await this.upsertResource(q, r, now);
      for (const p of d.protections)
        await q("INSERT INTO protections (stack_id, address, tx_id, since) VALUES ($1, $2, $3, $4)", [
          d.stack.id,
          p.address,
          p.txId,
          p.since,
        ]);
      for (const c of d.cleanups)
        await q("INSERT INTO cleanups (stack_id, address, tx_id, error, at) VALUES ($1, $2, $3, $4, $5)", [
          d.stack.id,
          c.address,
          c.txId,
          toJsonColumn(c.error),
          c.at,
        ]);
      for (const t of d.transactions) {
        const r = t.record;
        await q(
          `INSERT INTO transactions (id, stack_id, kind, status, actor, command, blueprint_hash, target,
                                     pid, host, started_at, finished_at, error)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [
            r.id,
            r.stackId,
            r.kind,
            r.status,
            r.actor,
            r.command,
            r.blueprintHash ?? null,
            r.target,
            r.pid,
            r.host,
            r.startedAt,
            r.finishedAt ?? null,
            toJsonColumn(r.error),
          ],
        );
        if (t.plan)
          await q("INSERT INTO transaction_plans (tx_id, plan, created_at) VALUES ($1, $2, $3)", [
            r.id,
            toJsonColumn(t.plan),
            now,
          ]);
        for (const j of t.journal) await this.insertJournalRow(q, j);
      }
      for (const e of d.audit) await this.insertAudit(q, e, true);
      await this.bumpIdentity(q, "journal");
      await this.bumpIdentity(q, "audit_events");
    });
  }

  private async insertJournalRow(q: Query, j: JournalEntry): Promise<void> {
    const values = [
      j.txId,
      j.seq,
      j.phase,
      j.action,
      j.address,
      j.type,
      j.name,
      toJsonColumn(j.desired),
      j.remoteId ?? null,
      toJsonColumn(j.before),
      toJsonColumn(j.after),
      j.status,
      toJsonColumn(j.error),
      j.startedAt,
      j.finishedAt ?? null,
    ];
    const cols =
      "tx_id, seq, phase, action, address, type, name, desired, remote_id, before, after, status, error, started_at, finished_at";
    const params = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15";
    const kept = await q(
      `INSERT INTO journal (id, ${cols}) VALUES ($16, ${params}) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [...values, j.id],
    );
    if (kept.length === 0) await q(`INSERT INTO journal (${cols}) VALUES (${params})`, values);
  }

  async importUnscopedAudit(events: AuditEvent[]): Promise<void> {
    await this.write("importUnscopedAudit", async (q) => {
      await q("LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE");
      for (const e of events) await this.insertAudit(q, e, true);
      await this.bumpIdentity(q, "audit_events");
    });
  }

  async markMigrated(to: string): Promise<void> {
    await this.write(
      "markMigrated",
      async (q) => {
        await q(
          `INSERT INTO backend_meta (key, value) VALUES ('migrated_to', $1)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [to],
        );
      },
      { idempotent: true },
    );
  }

  /** Every write is committed before its promise resolves: nothing is pending. */
  async flush(): Promise<void> {
    this.assertOpen("flush");
  }

  /** Close the connections (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

function ignore(): void {}

async function pgSchemaVersionQ(q: Query, schema: string): Promise<number> {
  const t = await q<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [
    `${quoteIdent(schema)}.schema_migrations`,
  ]);
  if (!t[0]?.t) return 0;
  const r = await q<{ v: number | null }>(
    `SELECT MAX(version)::int AS v FROM ${quoteIdent(schema)}.schema_migrations`,
  );
  return r[0]?.v ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------------------------

/**
 * Open the PostgreSQL state at `url` (PG* variables of `env` fill what it leaves out; see
 * postgres-config.ts): connects once, checks the schema version (STATE_TOO_NEW for a newer dpn's
 * schema) and, unless `readonly`, applies pending migrations under an advisory lock. A read-only
 * store over a database without dpn's tables reads as empty; over an older schema it refuses
 * (STATE_READ_ONLY: migrating is a write). Throws STATE_URL_INVALID (exit 2) for a bad URL and
 * STATE_UNREACHABLE, STATE_AUTH_FAILED, STATE_PERMISSION_DENIED (exit 8) naming the server, never
 * the password.
 */
export async function openPostgresStateStore(o: OpenPostgresOptions): Promise<PostgresStateStore> {
  const target = pgTarget(o.url, o.env, o.display);
  const where: Where = { display: o.display, server: describeTarget(target), target };
  const pool = new pg.Pool({
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    // A function, so that pg does not fall back to its own (deprecated) password-file lookup or
    // to process.env: the target already applied the URL, PGPASSWORD and the password file.
    password: () => target.password ?? "",
    ssl: target.ssl,
    application_name: target.applicationName,
    // idle_in_transaction_session_timeout: a dpn process stopped in the middle of a write (SIGSTOP,
    // a VM pause, a debugger) would keep that write's row locks, and with them the lock row it
    // read FOR SHARE, for as long as it stays stopped, holding off every takeover. dpn never
    // idles inside a transaction (its statements follow one another), so the server may end such
    // a session after IDLE_IN_TRANSACTION_MS: the write is rolled back, and the resumed process
    // finds its connection gone and retries on a new one, where fencing refuses it.
    options: `-c search_path=${target.schema} -c idle_in_transaction_session_timeout=${o.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS}`,
    connectionTimeoutMillis: target.connectTimeoutMs,
    // A connection that goes silent (a network black hole, no RST) would otherwise hang a run for
    // as long as TCP retransmits: keepalives find dead idle connections, and a statement without
    // an answer for QUERY_TIMEOUT_MS counts as a broken connection (handled as any other).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    query_timeout: o.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
    max: o.poolSize ?? DEFAULT_POOL_SIZE,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    types: TYPES,
  });
  // An idle pooled connection that breaks emits 'error' on the pool; the next query reconnects.
  pool.on("error", ignore);
  let client: pg.PoolClient | undefined;
  let broken = false;
  try {
    client = await pool.connect();
    client.on("error", ignore);
    let version = await pgSchemaVersion(client, target.schema);
    assertKnownPgVersion(version, o.display);
    let empty = false;
    if (o.readonly) {
      if (version === 0) empty = true;
      else if (version < PG_LATEST_SCHEMA_VERSION)
        throw stateError(
          "STATE_READ_ONLY",
          `The state ${o.display} has schema version ${version}; this dpn reads version ${PG_LATEST_SCHEMA_VERSION}, and a read-only store cannot migrate it.`,
          {
            hint: "Run a command that writes state once (it migrates the schema), then retry.",
            details: { location: o.display, version, known: PG_LATEST_SCHEMA_VERSION },
          },
        );
    } else if (version < PG_LATEST_SCHEMA_VERSION) {
      version = await applyPgMigrations(client, target.schema, o.display);
    }
    client.removeListener("error", ignore);
    client.release();
    client = undefined;
    return new PostgresStateStore(pool, where, Boolean(o.readonly), empty, o.hooks);
  } catch (e) {
    broken = isConnectionFailure(e);
    if (client) {
      client.removeListener("error", ignore);
      client.release(broken ? true : undefined);
    }
    await pool.end().catch(ignore);
    throw toPgStateError(e, where, "open");
  }
}
