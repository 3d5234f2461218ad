/**
 * Applies the numbered migrations of migrations.ts to a database and guards against state files
 * written by a newer dpn.
 */
import type Database from "better-sqlite3";
import { stateError } from "../core/errors.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from "./migrations.js";

const CREATE_TRACKING = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/**
 * The schema version recorded in `db` (0 for an empty database). Works on read-only connections.
 * Throws SQLite errors unmapped (the caller maps them with its context).
 */
export function currentSchemaVersion(db: Database.Database): number {
  const tracked = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (!tracked) return 0;
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Throws DpnError `STATE_TOO_NEW` when `version` is above what this dpn knows: an older dpn must
 * not write into a schema it does not understand.
 */
export function assertKnownVersion(version: number, path: string, known = LATEST_SCHEMA_VERSION): void {
  if (version > known) {
    throw stateError(
      "STATE_TOO_NEW",
      `The state file ${path} has schema version ${version}, but this dpn only knows up to version ${known}.`,
      {
        hint: "It was written by a newer dpn. Upgrade dpn (npm i -g data-platform-naming@latest) or use another state file.",
        details: { path, version, known },
      },
    );
  }
}

/**
 * Bring `db` up to the latest (or given) migration list. Each pending migration runs in its own
 * IMMEDIATE transaction; the version is re-read inside it so two processes opening the same new
 * file do not both apply a migration. Returns the resulting version.
 * Throws `STATE_TOO_NEW` for a newer schema; SQLite errors propagate unmapped.
 */
export function applyMigrations(
  db: Database.Database,
  path: string,
  migrations: readonly Migration[] = MIGRATIONS,
): number {
  const known = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  // Cheap check first so a read of a too-new file fails before any write is attempted.
  const start = currentSchemaVersion(db);
  assertKnownVersion(start, path, known);
  // Only pending migrations take the write lock: opening an up-to-date file writes nothing.
  for (const m of sorted.filter((x) => x.version > start)) {
    const step = db.transaction(() => {
      db.exec(CREATE_TRACKING);
      const now = currentSchemaVersion(db);
      assertKnownVersion(now, path, known);
      if (now >= m.version) return;
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    });
    step.immediate();
  }
  return currentSchemaVersion(db);
}
