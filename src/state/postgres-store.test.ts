/**
 * What the PostgreSQL state backend does beyond the state-store contract
 * (test/contract/state-postgres.contract.test.ts): migrations and their races, locks raced by
 * separate connections, fencing against a takeover that arrives mid-write, connections
 * terminated by the server at each kind of write, read-only opening, and errors that name the
 * server without its password. Every test has a database of its own on the run's server.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import {
  adminQuery,
  createTestDatabase,
  startCommitCutProxy,
  terminateBackend,
} from "../../test/support/postgres.js";
import { DpnError } from "../core/errors.js";
import type { JournalIntent, ResourceRecord, StoredPlan } from "../engine/ports.js";
import { pgTarget } from "./postgres-config.js";
import { PG_LATEST_SCHEMA_VERSION } from "./postgres-migrations.js";
import {
  openPostgresStateStore,
  type PostgresStateStore,
  type PostgresStoreHooks,
} from "./postgres-store.js";
import { openStateStore } from "./sqlite-store.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function database(): Promise<string> {
  const db = await createTestDatabase(inject("postgresUrl"));
  cleanup.push(() => db.drop());
  return db.url;
}

async function open(
  url: string,
  o: { readonly?: boolean; hooks?: PostgresStoreHooks; display?: string } = {},
): Promise<PostgresStateStore> {
  const s = await openPostgresStateStore({ url, env: {}, display: o.display ?? url, ...o });
  cleanup.push(() => s.close());
  return s;
}

async function rejection(p: Promise<unknown>): Promise<DpnError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DpnError) return e;
    throw e;
  }
  throw new Error("expected a rejection, but the call succeeded");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOST = hostname();
const holder = (holderId: string) => ({ holderId, user: "ana", host: HOST, pid: process.pid });
const plan = (stackId: string): StoredPlan => ({ version: 1, stackId, desired: [] });
const txOf = (stackId: string, id: string) => ({
  id,
  stackId,
  kind: "create" as const,
  actor: "ana@host",
  command: "dpn create",
  target: "sandbox",
  pid: process.pid,
  host: HOST,
});
const intent = (txId: string, address: string): JournalIntent => ({
  txId,
  phase: "forward",
  action: "create",
  address,
  type: "aws_s3_bucket",
  name: address,
});
const row = (stackId: string, address: string, txId: string): ResourceRecord => ({
  stackId,
  address,
  type: "aws_s3_bucket",
  name: address,
  fullName: address,
  remoteId: `rid-${address}`,
  properties: {},
  tags: {},
  status: "active",
  txId,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
});

/** A store whose connection the server terminates before the first statement matching `sql` of `op`, on the given attempts. */
function killer(url: string) {
  const armed: { op: string; sql: RegExp; attempts: number[] }[] = [];
  const hits: string[] = [];
  const hooks: PostgresStoreHooks = {
    async beforeStatement(e) {
      const i = armed.findIndex((a) => a.op === e.op && a.sql.test(e.sql) && a.attempts.includes(e.attempt));
      if (i < 0) return;
      const a = armed[i];
      if (!a) return;
      a.attempts = a.attempts.filter((n) => n !== e.attempt);
      if (a.attempts.length === 0) armed.splice(i, 1);
      hits.push(`${e.op}#${e.attempt}:${e.sql.trim().split(/\s+/)[0]}`);
      await terminateBackend(url, e.pid);
    },
  };
  return {
    hooks,
    hits,
    arm(op: string, sql: RegExp, attempts: number[] = [1]) {
      armed.push({ op, sql, attempts });
    },
  };
}

describe("postgres state: migrations", () => {
  it("creates version 1 in the URL's schema once; reopening writes nothing", async () => {
    const url = await database();
    const s = await open(`${url}?schema=dpn`);
    expect((await s.describe()).schemaVersion).toBe(PG_LATEST_SCHEMA_VERSION);
    const tables = await adminQuery<{ schemaname: string; tablename: string }>(
      url,
      "SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('dpn', 'public') ORDER BY tablename",
    );
    expect(new Set(tables.map((t) => t.schemaname))).toEqual(new Set(["dpn"]));
    expect(tables.map((t) => t.tablename)).toEqual(
      expect.arrayContaining(["stacks", "resources", "journal", "locks", "lock_fences", "schema_migrations"]),
    );
    const before = await adminQuery(url, "SELECT version, applied_at FROM dpn.schema_migrations");
    await open(`${url}?schema=dpn`);
    expect(await adminQuery(url, "SELECT version, applied_at FROM dpn.schema_migrations")).toEqual(before);
    expect(before).toHaveLength(PG_LATEST_SCHEMA_VERSION);
  });

  it("five processes opening a fresh database at once: one migrates, all open", async () => {
    const url = await database();
    const stores = await Promise.all([1, 2, 3, 4, 5].map(() => open(url)));
    expect(stores).toHaveLength(5);
    const applied = await adminQuery<{ version: number }>(url, "SELECT version FROM schema_migrations");
    expect(applied.map((a) => a.version)).toEqual([1]);
    await Promise.all(stores.map((s, i) => s.ensureStack("sales", `e${i}`)));
    expect(await stores[0]?.listStacks()).toHaveLength(5);
  });

  it("refuses a schema written by a newer dpn, read-only or not", async () => {
    const url = await database();
    await open(url);
    await adminQuery(
      url,
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')",
    );
    expect((await rejection(openPostgresStateStore({ url, env: {}, display: url }))).code).toBe(
      "STATE_TOO_NEW",
    );
    const ro = await rejection(openPostgresStateStore({ url, env: {}, display: url, readonly: true }));
    expect(ro.code).toBe("STATE_TOO_NEW");
    expect(ro.message).toContain("99");
  });

  it("read-only over an empty database reads as empty and creates nothing", async () => {
    const url = await database();
    const ro = await open(url, { readonly: true });
    expect(await ro.listStacks()).toEqual([]);
    expect(await ro.getLock("sales/dev")).toBeUndefined();
    expect(await ro.auditEvents()).toEqual([]);
    expect((await rejection(ro.ensureStack("sales", "dev"))).code).toBe("STATE_READ_ONLY");
    expect((await rejection(ro.tryLock("sales/dev", holder("h"), 60_000))).code).toBe("STATE_READ_ONLY");
    expect(await adminQuery(url, "SELECT 1 FROM pg_tables WHERE schemaname = 'public'")).toEqual([]);
  });
});

describe("postgres state: locks and fencing across connections", () => {
  it("five connections racing for an expired lease: exactly one takes it over, tokens are never reused", async () => {
    const url = await database();
    const stores = await Promise.all([1, 2, 3, 4, 5].map(() => open(url)));
    const tokens: number[] = [];
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(
        stores.map((s, i) => s.tryLock("sales/dev", holder(`r${round}-h${i}`), 60_000)),
      );
      const won = results.filter((r) => r.acquired);
      expect(won).toHaveLength(1);
      const w = won[0];
      if (!w?.acquired) throw new Error("no winner");
      tokens.push(w.lock.fencing);
      if (round > 0) expect(w.takenOver?.reason).toBe("lease_expired");
      // The lease ends now, not after a sleep: a race slowed by a busy machine must not outlast it.
      await adminQuery(url, "UPDATE locks SET expires_at = '2000-01-01T00:00:00.000Z'");
    }
    expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it("a takeover waits for the holder's write in flight (FOR SHARE), which commits; the next write is refused", async () => {
    const url = await database();
    let release: () => void = () => undefined;
    const paused = new Promise<void>((r) => {
      release = r;
    });
    let reached: () => void = () => undefined;
    const atInsert = new Promise<void>((r) => {
      reached = r;
    });
    const a = await open(url, {
      hooks: {
        async beforeStatement(e) {
          if (e.op === "journalIntent" && e.sql.includes("INSERT INTO journal")) {
            reached();
            await paused;
          }
        },
      },
    });
    const b = await open(url);
    const id = (await a.ensureStack("sales", "dev")).id;
    const r = await a.tryLock(id, holder("old"), 100);
    if (!r.acquired) throw new Error("not acquired");
    await a.beginTransaction(txOf(id, "tx-1"), plan(id));
    const write = a.journalIntent(intent("tx-1", "s3.a"));
    await atInsert;
    await sleep(150); // the lease has expired while the write holds the lock row FOR SHARE
    let tookOver = false;
    const takeover = b.tryLock(id, holder("new"), 60_000).then((t) => {
      tookOver = true;
      return t;
    });
    await sleep(200);
    expect(tookOver).toBe(false);
    release();
    const entry = await write;
    const t = await takeover;
    expect(t.acquired && t.takenOver?.reason).toBe("lease_expired");
    expect((await b.journal("tx-1")).map((e) => e.id)).toEqual([entry.id]);
    expect((await rejection(a.journalIntent(intent("tx-1", "s3.b")))).code).toBe("LOCK_LOST");
    expect(await b.journal("tx-1")).toHaveLength(1);
  });
  it("a holder stopped in the middle of a write does not hold off a takeover: the server ends its session, its write is refused on resume", async () => {
    const url = await database();
    let resume: () => void = () => undefined;
    const stopped = new Promise<void>((r) => {
      resume = r;
    });
    let reached: () => void = () => undefined;
    const atInsert = new Promise<void>((r) => {
      reached = r;
    });
    const a = await openPostgresStateStore({
      url,
      env: {},
      display: url,
      idleInTransactionMs: 400,
      hooks: {
        async beforeStatement(e) {
          if (e.op === "journalIntent" && e.attempt === 1 && e.sql.includes("INSERT INTO journal")) {
            reached();
            await stopped;
          }
        },
      },
    });
    cleanup.push(() => a.close());
    const b = await open(url);
    const id = (await a.ensureStack("sales", "dev")).id;
    if (!(await a.tryLock(id, holder("old"), 100)).acquired) throw new Error("not acquired");
    await a.beginTransaction(txOf(id, "tx-1"), plan(id));
    const write = a.journalIntent(intent("tx-1", "s3.a"));
    await atInsert;
    await sleep(150);
    const t0 = Date.now();
    const t = await b.tryLock(id, holder("new"), 60_000);
    expect(t.acquired && t.takenOver?.reason).toBe("lease_expired");
    expect(Date.now() - t0).toBeLessThan(3_000);
    resume();
    expect((await rejection(write)).code).toBe("LOCK_LOST");
    expect(await b.journal("tx-1")).toEqual([]);
  });
});

describe("postgres state: the server terminates the connection mid-write", () => {
  async function setup(url: string) {
    const k = killer(url);
    const s = await open(url, { hooks: k.hooks });
    const id = (await s.ensureStack("sales", "dev")).id;
    const r = await s.tryLock(id, holder("h"), 60_000);
    if (!r.acquired) throw new Error("not acquired");
    await s.beginTransaction(txOf(id, "tx-1"), plan(id));
    return { k, s, id };
  }

  it("intent: cut before COMMIT is retried; cut at COMMIT is retried by its key; either way exactly one row", async () => {
    const url = await database();
    const { k, s } = await setup(url);
    k.arm("journalIntent", /INSERT INTO journal/);
    const a = await s.journalIntent(intent("tx-1", "s3.a"));
    k.arm("journalIntent", /^COMMIT/);
    const b = await s.journalIntent(intent("tx-1", "s3.b"));
    expect(k.hits).toEqual(["journalIntent#1:INSERT", "journalIntent#1:COMMIT"]);
    const j = await s.journal("tx-1");
    expect(j.map((e) => [e.id, e.seq, e.address, e.status])).toEqual([
      [a.id, 1, "s3.a", "intent"],
      [b.id, 2, "s3.b", "intent"],
    ]);
  });

  it("settlement with audit cut at COMMIT: STATE_COMMIT_UNKNOWN and nothing of it stored; cut before COMMIT: stored whole", async () => {
    const url = await database();
    const { k, s, id } = await setup(url);
    const e = await s.journalIntent(intent("tx-1", "s3.a"));
    const settlement = {
      outcomes: [{ id: e.id, status: "done" as const, remoteId: "rid-s3.a" }],
      put: [row(id, "s3.a", "tx-1")],
      audit: [
        {
          at: new Date().toISOString(),
          actor: "ana",
          stackId: id,
          txId: "tx-1",
          command: "c",
          event: "created",
        },
      ],
    };
    k.arm("settleStep", /^COMMIT/);
    const err = await rejection(s.settleStep(settlement));
    expect(err.code).toBe("STATE_COMMIT_UNKNOWN");
    expect(err.kind).toBe("state");
    expect((await s.journal("tx-1"))[0]?.status).toBe("intent");
    expect(await s.listResources(id)).toEqual([]);
    expect(await s.auditEvents({ txId: "tx-1" })).toEqual([]);

    k.arm("settleStep", /INSERT INTO audit_events/);
    await s.settleStep(settlement);
    expect((await s.journal("tx-1"))[0]).toMatchObject({ status: "done", remoteId: "rid-s3.a" });
    expect((await s.listResources(id)).map((r) => r.address)).toEqual(["s3.a"]);
    expect((await s.auditEvents({ txId: "tx-1" })).map((a) => a.event)).toEqual(["created"]);
  });

  it("finish and lock renewal cut at COMMIT are retried (idempotent); release too", async () => {
    const url = await database();
    const { k, s, id } = await setup(url);
    k.arm("finishTransaction", /^COMMIT/);
    await s.finishTransaction("tx-1", "committed");
    expect((await s.getTransaction("tx-1"))?.status).toBe("committed");
    const before = (await s.getLock(id))?.expiresAt ?? "";
    await sleep(5);
    k.arm("renewLock", /^COMMIT/);
    expect(await s.renewLock(id, "h", 120_000)).toBe(true);
    expect(Date.parse((await s.getLock(id))?.expiresAt ?? "")).toBeGreaterThan(Date.parse(before));
    k.arm("releaseLock", /DELETE FROM locks/);
    await s.releaseLock(id, "h");
    expect(await s.getLock(id)).toBeUndefined();
    expect(k.hits).toEqual(["finishTransaction#1:COMMIT", "renewLock#1:COMMIT", "releaseLock#1:DELETE"]);
  });

  it("cut on both attempts: STATE_UNREACHABLE naming host and database, nothing written; the next call reconnects", async () => {
    const url = await database();
    const { k, s } = await setup(url);
    k.arm("journalIntent", /INSERT INTO journal/, [1, 2]);
    const err = await rejection(s.journalIntent(intent("tx-1", "s3.a")));
    expect(err.code).toBe("STATE_UNREACHABLE");
    const u = new URL(url);
    expect(err.message).toContain(`${u.hostname}:${u.port}${u.pathname}`);
    expect(err.details).toMatchObject({ host: u.hostname, database: u.pathname.slice(1) });
    expect(await s.journal("tx-1")).toEqual([]);
    await s.journalIntent(intent("tx-1", "s3.a"));
    expect((await s.journal("tx-1")).map((e) => e.seq)).toEqual([1]);
  });

  it("an audit event cut at COMMIT is not retried (it would be written twice)", async () => {
    const url = await database();
    const { k, s, id } = await setup(url);
    k.arm("audit", /^COMMIT/);
    const err = await rejection(
      s.audit({ at: new Date().toISOString(), actor: "a", stackId: id, command: "c", event: "x" }),
    );
    expect(err.code).toBe("STATE_COMMIT_UNKNOWN");
    expect(k.hits).toEqual(["audit#1:COMMIT"]);
    expect(await s.auditEvents({ stackId: id })).toEqual([]);
  });
});

describe("postgres state: a COMMIT that succeeded but whose reply was lost", () => {
  async function setup() {
    const url = await database();
    const proxy = await startCommitCutProxy(url);
    cleanup.push(() => proxy.close());
    const s = await open(proxy.url);
    const id = (await s.ensureStack("sales", "dev")).id;
    const r = await s.tryLock(id, holder("h"), 60_000);
    if (!r.acquired) throw new Error("not acquired");
    await s.beginTransaction(txOf(id, "tx-1"), plan(id));
    return { proxy, s, id, url };
  }

  it("an intent is retried by its key and found, not written twice", async () => {
    const { proxy, s, url } = await setup();
    proxy.armCommitCut();
    const e = await s.journalIntent(intent("tx-1", "s3.a"));
    expect(proxy.cuts).toBe(1);
    const rows = await adminQuery<{ id: number; seq: number }>(
      url,
      "SELECT id, seq FROM journal WHERE tx_id = 'tx-1'",
    );
    expect(rows.map((r) => [Number(r.id), r.seq])).toEqual([[e.id, 1]]);
  });

  it("a transaction record is retried by its id and found", async () => {
    const { proxy, s, id, url } = await setup();
    proxy.armCommitCut();
    const t = await s.beginTransaction(txOf(id, "tx-2"), plan(id));
    expect(proxy.cuts).toBe(1);
    expect(t).toMatchObject({ id: "tx-2", status: "running" });
    expect(await adminQuery(url, "SELECT id FROM transactions WHERE id = 'tx-2'")).toHaveLength(1);
    expect(await s.loadPlan("tx-2")).toEqual(plan(id));
  });

  it("a settlement with audit events: STATE_COMMIT_UNKNOWN, and it is stored whole (not twice)", async () => {
    const { proxy, s, id } = await setup();
    const e = await s.journalIntent(intent("tx-1", "s3.a"));
    proxy.armCommitCut();
    const err = await rejection(
      s.settleStep({
        outcomes: [{ id: e.id, status: "done", remoteId: "rid-s3.a" }],
        put: [row(id, "s3.a", "tx-1")],
        audit: [
          {
            at: new Date().toISOString(),
            actor: "a",
            stackId: id,
            txId: "tx-1",
            command: "c",
            event: "created",
          },
        ],
      }),
    );
    expect(err.code).toBe("STATE_COMMIT_UNKNOWN");
    expect((await s.journal("tx-1"))[0]?.status).toBe("done");
    expect((await s.listResources(id)).map((r) => r.address)).toEqual(["s3.a"]);
    expect((await s.auditEvents({ txId: "tx-1" })).map((a) => a.event)).toEqual(["created"]);
  });

  it("a connection that goes silent mid-write counts as broken: retried on a new one, written once", async () => {
    const url = await database();
    const proxy = await startCommitCutProxy(url);
    cleanup.push(() => proxy.close());
    const s = await openPostgresStateStore({ url: proxy.url, env: {}, display: "d", queryTimeoutMs: 500 });
    cleanup.push(() => s.close());
    const id = (await s.ensureStack("sales", "dev")).id;
    await s.beginTransaction(txOf(id, "tx-1"), plan(id));
    proxy.armBlackHole(/INSERT INTO journal/);
    const t0 = Date.now();
    await s.journalIntent(intent("tx-1", "s3.a"));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect((await adminQuery(url, "SELECT seq FROM journal")).length).toBe(1);
  });

  it("a lock renewal is retried and holds", async () => {
    const { proxy, s, id } = await setup();
    proxy.armCommitCut();
    expect(await s.renewLock(id, "h", 90_000)).toBe(true);
    expect(proxy.cuts).toBe(1);
    expect((await s.getLock(id))?.holderId).toBe("h");
  });
});

describe("postgres state: credentials and privileges", () => {
  it("an unreachable server: STATE_UNREACHABLE without the password anywhere", async () => {
    const secret = "s3cr3t-pw";
    const url = `postgres://dpn:${secret}@127.0.0.1:1/dpn?connect_timeout=2`;
    const display = "postgres://dpn:***@127.0.0.1:1/dpn?connect_timeout=2";
    const err = await rejection(openPostgresStateStore({ url, env: {}, display }));
    expect(err.code).toBe("STATE_UNREACHABLE");
    expect(err.message).toContain("dpn@127.0.0.1:1/dpn");
    const all = JSON.stringify({ m: err.message, h: err.hint, d: err.details });
    expect(all).not.toContain(secret);
  });

  it("an unknown role: STATE_AUTH_FAILED without the password", async () => {
    const url = await database();
    const u = new URL(url);
    u.username = "nobody_here";
    u.password = "hunter2-secret";
    const err = await rejection(openPostgresStateStore({ url: u.toString(), env: {}, display: "redacted" }));
    expect(err.code).toBe("STATE_AUTH_FAILED");
    expect(JSON.stringify({ m: err.message, h: err.hint, d: err.details })).not.toContain("hunter2");
  });

  it("a user without grants: STATE_PERMISSION_DENIED with the GRANT; checkBackend names missing table privileges", async () => {
    const url = await database();
    await open(url);
    const role = `r_${Math.random().toString(36).slice(2, 10)}`;
    await adminQuery(url, `CREATE ROLE ${role} LOGIN`);
    cleanup.push(async () => {
      await adminQuery(url, `DROP OWNED BY ${role}`);
      await adminQuery(url, `DROP ROLE ${role}`);
    });
    await adminQuery(url, `REVOKE ALL ON SCHEMA public FROM PUBLIC`);
    const u = new URL(url);
    u.username = role;
    const err = await rejection(
      openPostgresStateStore({ url: u.toString(), env: {}, display: u.toString() }),
    );
    expect(err.code).toBe("STATE_PERMISSION_DENIED");
    expect(err.hint).toContain(`GRANT USAGE, CREATE ON SCHEMA public TO ${role}`);
    // Read-only, the same user must not see an empty state where there is one it may not read.
    const ro = await rejection(
      openPostgresStateStore({ url: u.toString(), env: {}, display: u.toString(), readonly: true }),
    );
    expect(ro.code).toBe("STATE_PERMISSION_DENIED");

    await adminQuery(url, `GRANT USAGE ON SCHEMA public TO ${role}`);
    await adminQuery(url, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    const s = await open(u.toString());
    const checks = await s.checkBackend();
    const byId = Object.fromEntries(checks.map((c) => [c.check, c]));
    expect(byId.table_privileges?.status).toBe("error");
    expect(byId.table_privileges?.hint).toContain(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`,
    );
    expect(byId.schema_create?.status).toBe("warning");
    expect(byId.connect?.status).toBe("ok");
    expect((await rejection(s.ensureStack("sales", "dev"))).code).toBe("STATE_PERMISSION_DENIED");

    // The documented table grants suffice for every write of a run (identity ids need no sequence grant).
    await adminQuery(url, `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    const full = Object.fromEntries((await s.checkBackend()).map((c) => [c.check, c.status]));
    expect(full.table_privileges).toBe("ok");
    expect(full.sequence_privileges).toBe("warning");
    const id = (await s.ensureStack("sales", "dev")).id;
    expect((await s.tryLock(id, holder("g"), 60_000)).acquired).toBe(true);
    await s.beginTransaction(txOf(id, "tx-g"), plan(id));
    await s.journalIntent(intent("tx-g", "s3.a"));
    await s.audit({ at: new Date().toISOString(), actor: "a", stackId: id, command: "c", event: "e" });
    expect(await s.journal("tx-g")).toHaveLength(1);
  });
});

describe("postgres state: URL and PG* variables", () => {
  it("the URL wins, PG* variables fill the rest, then libpq's defaults", () => {
    const t = pgTarget(
      "postgres://ana:pw@db.example:6543/state?schema=dpn&sslmode=require",
      { PGHOST: "other", PGUSER: "bob", PGPASSWORD: "envpw", PGDATABASE: "x", PGPASSFILE: "/nonexistent" },
      "d",
    );
    expect(t).toMatchObject({
      host: "db.example",
      port: 6543,
      user: "ana",
      password: "pw",
      database: "state",
      schema: "dpn",
    });
    expect(t.ssl).toEqual({ rejectUnauthorized: false });
    const e = pgTarget(
      "postgres:///",
      {
        PGHOST: "h",
        PGPORT: "7000",
        PGUSER: "bob",
        PGPASSWORD: "envpw",
        PGSSLMODE: "verify-full",
        PGPASSFILE: "/nonexistent",
      },
      "d",
    );
    expect(e).toMatchObject({
      host: "h",
      port: 7000,
      user: "bob",
      password: "envpw",
      database: "bob",
      schema: "public",
    });
    expect(e.ssl).toMatchObject({ rejectUnauthorized: true });
    expect(pgTarget("postgres://u@%2Ftmp%2Fsock/db", { PGPASSFILE: "/nonexistent" }, "d").host).toBe(
      "/tmp/sock",
    );
    expect(pgTarget("postgresql://u@[::1]/db", { PGPASSFILE: "/nonexistent" }, "d").host).toBe("::1");
  });

  it("rejects an unknown parameter, a bad sslmode or schema, naming the redacted URL only", () => {
    for (const bad of ["?foo=1", "?sslmode=maybe", "?schema=Bad-Name", ":notaport"]) {
      const url = bad.startsWith(":") ? `postgres://u:pw@h${bad}/db` : `postgres://u:pw@h/db${bad}`;
      let err: unknown;
      try {
        pgTarget(url, {}, "postgres://u:***@h/db");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DpnError);
      expect((err as DpnError).code).toBe("STATE_URL_INVALID");
      expect((err as DpnError).message).not.toContain(":pw@");
    }
  });
});

describe("postgres state: round trips with SQLite", () => {
  it("SQLite → PostgreSQL → SQLite exports are byte-identical (times, JSON key order, ids)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dpn-pg-roundtrip-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const src = openStateStore(join(dir, "a.db"));
    cleanup.push(() => src.close());
    const id = (await src.ensureStack("sales", "dev")).id;
    await src.beginTransaction(txOf(id, "tx-1"), {
      ...plan(id),
      prune: { mode: "archive", addresses: ["s3.z"] },
    });
    const e = await src.journalIntent({
      ...intent("tx-1", "s3.a"),
      before: { absentAt: "2026-01-01T00:00:00.000Z" },
    });
    await src.settleStep({
      outcomes: [{ id: e.id, status: "done", remoteId: "rid", error: { zeta: 1, alpha: { b: 2, a: 1 } } }],
      put: [
        {
          ...row(id, "s3.a", "tx-1"),
          properties: { z: 1, a: [3, 1], m: { y: true, b: null } },
          tags: { Z: "1", A: "2" },
        },
      ],
      audit: [
        {
          at: "2026-02-03T04:05:06.789Z",
          actor: "ana",
          stackId: id,
          txId: "tx-1",
          command: "c",
          event: "e",
          details: { z: 1, a: 2 },
        },
      ],
    });
    await src.finishTransaction("tx-1", "committed");
    await src.setProtection(id, [{ address: "s3.a", on: true }], "tx-1");
    await src.setCleanups(id, [{ address: "s3.z", pending: true, error: { z: "x", a: "y" } }], "tx-1");
    await src.audit({ at: "2026-02-03T04:05:07.000Z", actor: "ana", command: "scan", event: "scan.done" });
    const dump = await src.exportStack(id);
    const unscoped = await src.exportUnscopedAudit();

    const pgStore = await open(await database());
    await pgStore.importStack(JSON.parse(JSON.stringify(dump)));
    await pgStore.importUnscopedAudit(unscoped);
    const viaPg = await pgStore.exportStack(id);
    expect(JSON.stringify(viaPg)).toBe(JSON.stringify(dump));
    expect(JSON.stringify(await pgStore.exportUnscopedAudit())).toBe(JSON.stringify(unscoped));
    expect(JSON.stringify(await pgStore.listTransactions())).toBe(
      JSON.stringify(await src.listTransactions()),
    );
    expect(JSON.stringify(await pgStore.auditEvents())).toBe(JSON.stringify(await src.auditEvents()));

    const back = openStateStore(join(dir, "b.db"));
    cleanup.push(() => back.close());
    await back.importStack(viaPg);
    expect(JSON.stringify(await back.exportStack(id))).toBe(JSON.stringify(dump));

    // Ids drawn after an import continue past the imported ones.
    const next = await pgStore.journalIntent(intent("tx-1", "s3.b"));
    expect(next.id).toBeGreaterThan(e.id);
    expect(next.seq).toBe(2);
  });
});

describe("postgres state: the password file", () => {
  it("is read like libpq's (first match, * wildcards, escapes), and ignored when others can read it", () => {
    const dir = mkdtempSync(join(tmpdir(), "dpn-pgpass-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "pgpass");
    writeFileSync(
      file,
      [
        "# comment",
        "other:5432:*:ana:nope",
        "db.example:5432:state:ana:pa\\:ss",
        "*:*:*:ana:fallback",
        "",
      ].join("\n"),
    );
    chmodSync(file, 0o600);
    const env = { PGPASSFILE: file };
    expect(pgTarget("postgres://ana@db.example/state", env, "d").password).toBe("pa:ss");
    expect(pgTarget("postgres://ana@elsewhere/x", env, "d").password).toBe("fallback");
    expect(pgTarget("postgres://bob@db.example/state", env, "d").password).toBeUndefined();
    expect(pgTarget("postgres://ana:given@db.example/state", env, "d").password).toBe("given");
    chmodSync(file, 0o644);
    expect(pgTarget("postgres://ana@db.example/state", env, "d").password).toBeUndefined();
  });
});
