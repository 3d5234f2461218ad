/**
 * What dpn's two SQLite files (the state store and the sandbox) do the same way on a connection:
 * each SQL text is prepared once and reused, and every transaction goes through one
 * better-sqlite3 transaction wrapper (building a wrapper makes four functions, so one per
 * transaction showed in the profiles). Nested calls are savepoints, as better-sqlite3 makes them.
 */
import type Database from "better-sqlite3";

export class SqliteStatements {
  private readonly prepared = new Map<string, Database.Statement>();
  private readonly txn: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(private readonly db: Database.Database) {
    this.txn = db.transaction((fn: () => unknown) => fn());
  }

  /** The prepared statement of `sql` on this connection. */
  get(sql: string): Database.Statement {
    let st = this.prepared.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.prepared.set(sql, st);
    }
    return st;
  }

  /** `fn` in a BEGIN IMMEDIATE transaction (a savepoint inside one). */
  immediate<R>(fn: () => R): R {
    return this.txn.immediate(fn) as R;
  }

  /** `fn` in a deferred transaction (a savepoint inside one): a snapshot, no write lock. */
  deferred<R>(fn: () => R): R {
    return this.txn.deferred(fn) as R;
  }

  /** Forget the prepared statements (before the connection closes). */
  clear(): void {
    this.prepared.clear();
  }
}
