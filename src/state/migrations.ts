/**
 * Numbered schema migrations of the state database. Each migration runs once, in its own
 * transaction, and is recorded in `schema_migrations` (see migrate.ts). Never edit a released
 * migration: add a new one with the next version instead, because existing state files already
 * carry the old one.
 *
 * Design notes for version 1:
 * - JSON columns (`properties`, `tags`, `desired`, `before`, `after`, `error`, `details`) hold
 *   redacted JSON text; the store never writes a secret-looking value into them.
 * - Enumerations (journal status, tx kind, …) are not CHECK-constrained except resource status:
 *   SQLite can only change a CHECK by rebuilding the table, and the engine may add values.
 * - `resources.tx_id` and `locks.stack_id` carry no foreign key: a lock may be taken before the
 *   stack row exists (first create), and a resource row outlives the transaction that wrote it.
 */

/** One schema migration. `sql` may hold several statements. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    sql: `
CREATE TABLE stacks (
  id          TEXT PRIMARY KEY,
  project     TEXT NOT NULL,
  environment TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  UNIQUE (project, environment)
);

CREATE TABLE resources (
  stack_id   TEXT NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,
  address    TEXT NOT NULL,
  type       TEXT NOT NULL,
  name       TEXT NOT NULL,
  full_name  TEXT NOT NULL,
  remote_id  TEXT NOT NULL,
  properties TEXT NOT NULL DEFAULT '{}',
  tags       TEXT NOT NULL DEFAULT '{}',
  status     TEXT NOT NULL CHECK (status IN ('active', 'archived')),
  tx_id      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (stack_id, address)
);
CREATE INDEX resources_by_stack_status ON resources (stack_id, status, type);

CREATE TABLE transactions (
  id             TEXT PRIMARY KEY,
  stack_id       TEXT NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,
  kind           TEXT NOT NULL,
  status         TEXT NOT NULL,
  actor          TEXT NOT NULL,
  command        TEXT NOT NULL,
  blueprint_hash TEXT,
  target         TEXT NOT NULL,
  pid            INTEGER NOT NULL,
  host           TEXT NOT NULL,
  started_at     TEXT NOT NULL,
  finished_at    TEXT,
  error          TEXT
);
CREATE INDEX transactions_by_stack_status ON transactions (stack_id, status);
CREATE INDEX transactions_by_start ON transactions (started_at);

CREATE TABLE journal (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  tx_id       TEXT NOT NULL REFERENCES transactions(id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  phase       TEXT NOT NULL,
  action      TEXT NOT NULL,
  address     TEXT NOT NULL,
  type        TEXT NOT NULL,
  name        TEXT NOT NULL,
  desired     TEXT,
  remote_id   TEXT,
  before      TEXT,
  after       TEXT,
  status      TEXT NOT NULL,
  error       TEXT,
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  UNIQUE (tx_id, seq)
);

CREATE TABLE audit_events (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             TEXT NOT NULL,
  actor          TEXT NOT NULL,
  stack_id       TEXT,
  tx_id          TEXT,
  command        TEXT NOT NULL,
  event          TEXT NOT NULL,
  address        TEXT,
  outcome        TEXT,
  blueprint_hash TEXT,
  details        TEXT
);
CREATE INDEX audit_by_at ON audit_events (at);
CREATE INDEX audit_by_stack ON audit_events (stack_id);
CREATE INDEX audit_by_tx ON audit_events (tx_id);

CREATE TABLE locks (
  stack_id   TEXT PRIMARY KEY,
  holder_id  TEXT NOT NULL,
  user       TEXT NOT NULL,
  host       TEXT NOT NULL,
  pid        INTEGER NOT NULL,
  since      TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: "transaction_plans",
    // The plan a transaction set out to execute, so `dpn recover --resume` can finish it.
    sql: `
CREATE TABLE transaction_plans (
  tx_id      TEXT PRIMARY KEY REFERENCES transactions(id) ON DELETE CASCADE,
  plan       TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`,
  },
  {
    version: 3,
    name: "lock_fencing",
    // A fencing token per stack that only ever grows: every new holder gets the next one, so a
    // holder that lost its lease can be told apart from the current one (docs/state.md). The
    // counter lives apart from the lock row because releasing the lock deletes that row.
    sql: `
ALTER TABLE locks ADD COLUMN fencing INTEGER NOT NULL DEFAULT 0;
CREATE TABLE lock_fences (
  stack_id TEXT PRIMARY KEY,
  token    INTEGER NOT NULL
);
`,
  },
  {
    version: 4,
    name: "protections",
    // lifecycle.prevent_destroy as applied, per address: kept apart from the resource rows so that
    // taking a resource out of the blueprint (or deleting its row) does not drop its protection.
    sql: `
CREATE TABLE protections (
  stack_id TEXT NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,
  address  TEXT NOT NULL,
  tx_id    TEXT NOT NULL,
  since    TEXT NOT NULL,
  PRIMARY KEY (stack_id, address)
);
`,
  },
  {
    version: 5,
    name: "cleanups",
    // --prune=delete: removals whose delete (after the run committed) failed or did not start yet;
    // dpn status lists them and the next pruning run retries them.
    sql: `
CREATE TABLE cleanups (
  stack_id TEXT NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,
  address  TEXT NOT NULL,
  tx_id    TEXT NOT NULL,
  error    TEXT,
  at       TEXT NOT NULL,
  PRIMARY KEY (stack_id, address)
);
`,
  },
  {
    version: 6,
    name: "backend_meta",
    // Facts about the state itself: `migrated_to` is set by `dpn state migrate`, after which
    // every write is refused with a hint naming the new backend.
    sql: `
CREATE TABLE backend_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`,
  },
];

/** The highest schema version this dpn knows. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
