import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import { applyMigrations, currentSchemaVersion } from "./migrate.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "./migrations.js";
import { openSqliteDb, openSqliteDbReadOnly } from "./sqlite-store.js";

const dirs: string[] = [];
const dbs: { close(): unknown }[] = [];
function tmpFile(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "dpn-migrate-"));
  dirs.push(d);
  return path.join(d, "state.db");
}
function raw(file: string, opts?: Database.Options): Database.Database {
  const db = new Database(file, opts);
  dbs.push(db);
  return db;
}
afterEach(() => {
  for (const d of dbs.splice(0)) d.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const tables = (db: Database.Database): string[] =>
  (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);

function thrown(fn: () => unknown): DpnError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DpnError);
    return e as DpnError;
  }
  throw new Error("expected a DpnError");
}

describe("migrations", () => {
  it("are numbered 1..N without gaps, with unique names", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length);
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it("build the whole schema from an empty file and record every version", () => {
    const file = tmpFile();
    openSqliteDb(file).close();
    const db = raw(file, { readonly: true });
    expect(tables(db)).toEqual([
      "audit_events",
      "backend_meta",
      "cleanups",
      "journal",
      "lock_fences",
      "locks",
      "protections",
      "resources",
      "schema_migrations",
      "stacks",
      "transaction_plans",
      "transactions",
    ]);
    const rows = db
      .prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
      .all() as {
      version: number;
      name: string;
      applied_at: string;
    }[];
    expect(rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
    for (const r of rows) expect(r.applied_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it("reopening an up-to-date file applies nothing again", () => {
    const file = tmpFile();
    openSqliteDb(file).close();
    const first = raw(file).prepare("SELECT * FROM schema_migrations").all();
    openSqliteDb(file).close();
    expect(raw(file).prepare("SELECT * FROM schema_migrations").all()).toEqual(first);
  });

  it("upgrade an older file in place, keeping its data", () => {
    const file = tmpFile();
    const db = raw(file);
    expect(applyMigrations(db, file, MIGRATIONS.slice(0, 1))).toBe(1);
    db.prepare("INSERT INTO stacks VALUES ('sales/dev', 'sales', 'dev', '2026-01-01T00:00:00.000Z')").run();
    db.close();

    // A read-only open migrates a private copy: the data is visible, the file stays at v1.
    const ro = openSqliteDbReadOnly(file);
    expect(ro.kind).toBe("view");
    expect(ro.listStacks().map((s) => s.id)).toEqual(["sales/dev"]);
    expect(ro.loadPlan("none")).toBeUndefined();
    ro.close();
    expect(currentSchemaVersion(raw(file, { readonly: true }))).toBe(1);

    const store = openSqliteDb(file);
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(store.listStacks().map((s) => s.id)).toEqual(["sales/dev"]);
    store.close();
  });

  it("roll a failing migration back entirely and leave the version unchanged", () => {
    const file = tmpFile();
    const db = raw(file);
    const broken = [
      { version: 1, name: "one", sql: "CREATE TABLE one (x);" },
      { version: 2, name: "two", sql: "CREATE TABLE two (x); THIS IS NOT SQL;" },
    ];
    expect(() => applyMigrations(db, file, broken)).toThrow();
    expect(currentSchemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(["one", "schema_migrations"]);
  });

  it("refuse a file written by a newer dpn with STATE_TOO_NEW (read-write and read-only)", () => {
    const file = tmpFile();
    openSqliteDb(file).close();
    const db = raw(file);
    db.prepare("INSERT INTO schema_migrations VALUES (?, 'future', '2027-01-01T00:00:00.000Z')").run(
      LATEST_SCHEMA_VERSION + 1,
    );
    db.close();
    const before = fs.readFileSync(file);

    const err = thrown(() => openSqliteDb(file));
    expect(err.code).toBe("STATE_TOO_NEW");
    expect(err.exitCode).toBe(8);
    expect(err.message).toContain(`version ${LATEST_SCHEMA_VERSION + 1}`);
    expect(err.hint).toMatch(/Upgrade dpn/);
    expect(thrown(() => openSqliteDbReadOnly(file)).code).toBe("STATE_TOO_NEW");
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});
