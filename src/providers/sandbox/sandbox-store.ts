/**
 * The simulated cloud's own storage: one SQLite file shared by every dpn process pointed at it.
 * WAL + busy_timeout let concurrent processes read while one writes; every mutating provider
 * call runs in its own `BEGIN IMMEDIATE` transaction, so once a call returns its effect survives
 * a SIGKILL of the process, like a real cloud.
 */

import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { retryWhileBusy } from "../../core/busy-retry.js";
import { DpnError, ProviderError, stateError } from "../../core/errors.js";
import type { ProvisionedType } from "../../core/resources.js";
import { SqliteStatements } from "../../core/sqlite-statements.js";

/** Version of the sandbox file layout; a file written by a newer dpn is refused. */
export const SANDBOX_SCHEMA_VERSION = 1;
const APPLICATION_KIND = "dpn-sandbox";

export type SandboxAccount = "self" | "foreign";

/** One simulated object, with its platform-shaped record in `data`. */
export interface StoredObject {
  type: ProvisionedType;
  /** Platform id (bucket name, `db.table`, cluster_id, job_id, UC full name). */
  remoteId: string;
  name: string;
  fullName: string;
  parentType: ProvisionedType | null;
  parentId: string | null;
  account: SandboxAccount;
  /** Platform-shaped record (tags, parameters, properties, state…), mutated by the models. */
  data: Record<string, unknown>;
  /** Creation order, for deterministic choices among same-named objects. */
  seq: number;
}

interface Row {
  seq: number;
  type: string;
  remote_id: string;
  name: string;
  full_name: string;
  parent_type: string | null;
  parent_id: string | null;
  account: string;
  data: string;
}

function fromRow(r: Row): StoredObject {
  return {
    seq: r.seq,
    type: r.type as ProvisionedType,
    remoteId: r.remote_id,
    name: r.name,
    fullName: r.full_name,
    parentType: r.parent_type as ProvisionedType | null,
    parentId: r.parent_id,
    account: r.account as SandboxAccount,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sandbox_objects (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  remote_id TEXT NOT NULL,
  name TEXT NOT NULL,
  full_name TEXT NOT NULL,
  parent_type TEXT,
  parent_id TEXT,
  account TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (type, remote_id)
);
CREATE INDEX IF NOT EXISTS sandbox_objects_name ON sandbox_objects (type, lower(name));
CREATE INDEX IF NOT EXISTS sandbox_objects_parent ON sandbox_objects (parent_type, parent_id);
CREATE TABLE IF NOT EXISTS sandbox_bucket_objects (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (bucket, key)
);
CREATE TABLE IF NOT EXISTS sandbox_sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/** Turn a storage failure into the ProviderError the contract promises (nothing was applied). */
export function storageFailure(e: unknown, what: string): ProviderError {
  const code = (e as { code?: unknown })?.code;
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
    return new ProviderError(
      "unavailable",
      "SANDBOX_BUSY",
      `The sandbox database stayed locked during ${what}; nothing was changed.`,
      {
        outcome: "not_applied",
        retryable: true,
        cause: e,
        hint: "Another dpn process is writing to the sandbox; retry.",
      },
    );
  }
  return new ProviderError(
    "internal",
    "SANDBOX_STORAGE_ERROR",
    `The sandbox database failed during ${what}: ${(e as Error)?.message ?? String(e)}`,
    {
      outcome: "not_applied",
      retryable: false,
      cause: e,
    },
  );
}

export class SandboxStore {
  private readonly statements: SqliteStatements;

  private constructor(
    private readonly db: Database.Database,
    /** Opened for a dry run: nothing may be written (and no file is created). */
    readonly readonly = false,
  ) {
    this.statements = new SqliteStatements(db);
  }

  /**
   * Open (creating if needed) the sandbox file at `dbPath`. Throws DpnError kind `state`
   * (`SANDBOX_DB_TOO_NEW`, `SANDBOX_DB_FOREIGN`, `SANDBOX_DB_UNREADABLE`) when the file was written
   * by a newer dpn, is some other SQLite database, or cannot be opened.
   */
  static open(dbPath: string, opts: { readonly?: boolean } = {}): SandboxStore {
    if (opts.readonly) return SandboxStore.openReadonly(dbPath);
    try {
      return retryWhileBusy(() => SandboxStore.openWritable(dbPath));
    } catch (e) {
      if (e instanceof DpnError) throw e;
      throw stateError(
        "SANDBOX_DB_UNREADABLE",
        `Cannot open the sandbox file ${dbPath}: ${(e as Error).message}`,
        {
          hint: "Check the path and its permissions, or delete the file to start an empty sandbox.",
          details: { dbPath },
          cause: e,
        },
      );
    }
  }

  private static openWritable(dbPath: string): SandboxStore {
    let db: Database.Database | undefined;
    try {
      if (dbPath !== ":memory:") mkdirSync(dirname(dbPath), { recursive: true });
      db = new Database(dbPath);
      db.pragma("busy_timeout = 10000");
      db.pragma("journal_mode = WAL");
      // NORMAL keeps every committed transaction across a process kill (WAL is in the OS cache);
      // only a power loss could drop the last commits, which a simulation can live with.
      db.pragma("synchronous = NORMAL");
      const conn = db;
      conn
        .transaction(() => {
          const version = conn.pragma("user_version", { simple: true }) as number;
          if (version > SANDBOX_SCHEMA_VERSION) {
            throw stateError(
              "SANDBOX_DB_TOO_NEW",
              `The sandbox file ${dbPath} has layout version ${version}; this dpn understands up to ${SANDBOX_SCHEMA_VERSION}.`,
              {
                hint: "Upgrade dpn, or point it at another sandbox file.",
                details: { dbPath, version, supported: SANDBOX_SCHEMA_VERSION },
              },
            );
          }
          const tables = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .pluck()
            .all() as string[];
          if (version === 0 && tables.length > 0 && !tables.includes("sandbox_meta")) {
            throw stateError(
              "SANDBOX_DB_FOREIGN",
              `${dbPath} is an SQLite database that is not a dpn sandbox.`,
              {
                hint: "Point the sandbox at its own file (default .dpn/sandbox.db).",
                details: { dbPath },
              },
            );
          }
          conn.exec(SCHEMA);
          conn
            .prepare("INSERT OR IGNORE INTO sandbox_meta (key, value) VALUES ('kind', ?)")
            .run(APPLICATION_KIND);
          const kind = conn.prepare("SELECT value FROM sandbox_meta WHERE key = 'kind'").pluck().get();
          if (kind !== APPLICATION_KIND) {
            throw stateError("SANDBOX_DB_FOREIGN", `${dbPath} is not a dpn sandbox (kind ${String(kind)}).`, {
              details: { dbPath },
            });
          }
          if (version < SANDBOX_SCHEMA_VERSION) conn.pragma(`user_version = ${SANDBOX_SCHEMA_VERSION}`);
        })
        .immediate();
      return new SandboxStore(db);
    } catch (e) {
      db?.close();
      throw e;
    }
  }

  /**
   * Read-only view for dry runs: the file when it exists (never written), otherwise an empty
   * in-memory sandbox, so that nothing is created on disk. Same errors as `open`.
   */
  private static openReadonly(dbPath: string): SandboxStore {
    let db: Database.Database | undefined;
    try {
      if (existsSync(dbPath)) {
        db = new Database(dbPath, { readonly: true, fileMustExist: true });
        db.pragma("busy_timeout = 10000");
        const version = db.pragma("user_version", { simple: true }) as number;
        if (version > SANDBOX_SCHEMA_VERSION) {
          throw stateError(
            "SANDBOX_DB_TOO_NEW",
            `The sandbox file ${dbPath} has layout version ${version}; this dpn understands up to ${SANDBOX_SCHEMA_VERSION}.`,
            {
              hint: "Upgrade dpn, or point it at another sandbox file.",
              details: { dbPath, version, supported: SANDBOX_SCHEMA_VERSION },
            },
          );
        }
        if (version === SANDBOX_SCHEMA_VERSION) {
          const kind = db.prepare("SELECT value FROM sandbox_meta WHERE key = 'kind'").pluck().get();
          if (kind !== APPLICATION_KIND)
            throw stateError("SANDBOX_DB_FOREIGN", `${dbPath} is not a dpn sandbox.`, {
              details: { dbPath },
            });
          return new SandboxStore(db, true);
        }
        const tables = db
          .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
          .pluck()
          .get() as number;
        if (tables > 0)
          throw stateError(
            "SANDBOX_DB_FOREIGN",
            `${dbPath} is an SQLite database that is not a dpn sandbox.`,
            { details: { dbPath } },
          );
        db.close();
      }
      db = new Database(":memory:");
      db.exec(SCHEMA);
      return new SandboxStore(db, true);
    } catch (e) {
      db?.close();
      if (e instanceof DpnError) throw e;
      throw stateError(
        "SANDBOX_DB_UNREADABLE",
        `Cannot open the sandbox file ${dbPath}: ${(e as Error).message}`,
        { details: { dbPath }, cause: e },
      );
    }
  }

  /** The prepared statement of `text`, prepared once per connection (every call makes several). */
  private sql(text: string): Database.Statement {
    return this.statements.get(text);
  }

  /**
   * Run `fn` in one committed `BEGIN IMMEDIATE` transaction (all or nothing). Read-only stores
   * run it in a plain (deferred) transaction: a consistent snapshot, no write lock.
   */
  tx<R>(fn: () => R): R {
    return this.readonly ? this.statements.deferred(fn) : this.statements.immediate(fn);
  }

  ping(): void {
    this.sql("SELECT 1").get();
  }

  get(type: ProvisionedType, remoteId: string): StoredObject | undefined {
    const r = this.sql("SELECT * FROM sandbox_objects WHERE type = ? AND remote_id = ?").get(
      type,
      remoteId,
    ) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** Objects of `type` whose name equals `name` case-insensitively, oldest first. */
  byName(type: ProvisionedType, name: string): StoredObject[] {
    const rows = this.sql(
      "SELECT * FROM sandbox_objects WHERE type = ? AND lower(name) = lower(?) ORDER BY seq",
    ).all(type, name) as Row[];
    return rows.map(fromRow);
  }

  ofType(type: ProvisionedType): StoredObject[] {
    return (this.sql("SELECT * FROM sandbox_objects WHERE type = ? ORDER BY seq").all(type) as Row[]).map(
      fromRow,
    );
  }

  children(parentType: ProvisionedType, parentId: string): StoredObject[] {
    const rows = this.sql(
      "SELECT * FROM sandbox_objects WHERE parent_type = ? AND parent_id = ? ORDER BY seq",
    ).all(parentType, parentId) as Row[];
    return rows.map(fromRow);
  }

  all(): StoredObject[] {
    return (this.sql("SELECT * FROM sandbox_objects ORDER BY seq").all() as Row[]).map(fromRow);
  }

  insert(o: Omit<StoredObject, "seq">): StoredObject {
    const now = new Date().toISOString();
    const info = this.sql(
      `INSERT INTO sandbox_objects (type, remote_id, name, full_name, parent_type, parent_id, account, data, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      o.type,
      o.remoteId,
      o.name,
      o.fullName,
      o.parentType,
      o.parentId,
      o.account,
      JSON.stringify(o.data),
      now,
      now,
    );
    return { ...o, seq: Number(info.lastInsertRowid) };
  }

  save(o: StoredObject): void {
    this.sql("UPDATE sandbox_objects SET data = ?, updated_at = ? WHERE type = ? AND remote_id = ?").run(
      JSON.stringify(o.data),
      new Date().toISOString(),
      o.type,
      o.remoteId,
    );
  }

  /**
   * Write `o` under its (new) id, names and parent after a rename; `oldRemoteId` is the row it
   * was stored under. The caller checked that the new id is free.
   */
  rekey(o: StoredObject, oldRemoteId: string): void {
    this.sql(
      `UPDATE sandbox_objects SET remote_id = ?, name = ?, full_name = ?, parent_id = ?, data = ?, updated_at = ?
         WHERE type = ? AND remote_id = ?`,
    ).run(
      o.remoteId,
      o.name,
      o.fullName,
      o.parentId,
      JSON.stringify(o.data),
      new Date().toISOString(),
      o.type,
      oldRemoteId,
    );
  }

  remove(type: ProvisionedType, remoteId: string): void {
    this.sql("DELETE FROM sandbox_objects WHERE type = ? AND remote_id = ?").run(type, remoteId);
  }

  /** Next value of a named counter (job ids, cluster ids), durable across processes. */
  nextSeq(name: string, start: number): number {
    this.sql("INSERT OR IGNORE INTO sandbox_sequences (name, value) VALUES (?, ?)").run(name, start - 1);
    this.sql("UPDATE sandbox_sequences SET value = value + 1 WHERE name = ?").run(name);
    return this.sql("SELECT value FROM sandbox_sequences WHERE name = ?").pluck().get(name) as number;
  }

  countBucketObjects(bucket: string): number {
    return this.sql("SELECT count(*) FROM sandbox_bucket_objects WHERE bucket = ?")
      .pluck()
      .get(bucket) as number;
  }

  putBucketObject(bucket: string, key: string): void {
    this.sql("INSERT OR REPLACE INTO sandbox_bucket_objects (bucket, key, created_at) VALUES (?, ?, ?)").run(
      bucket,
      key,
      new Date().toISOString(),
    );
  }

  deleteBucketObjects(bucket: string): void {
    this.sql("DELETE FROM sandbox_bucket_objects WHERE bucket = ?").run(bucket);
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
