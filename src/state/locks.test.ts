import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import { isProcessAlive } from "./process-alive.js";
import { openMemorySqliteDb, openSqliteDb, type SqliteDb } from "./sqlite-store.js";

const dirs: string[] = [];
const stores: SqliteDb[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function mem(): SqliteDb {
  const s = openMemorySqliteDb();
  stores.push(s);
  return s;
}

const HOST = os.hostname();
const STACK = "sales/dev";
const holder = (holderId: string, pid = process.pid, host = HOST) => ({ holderId, user: "ana", host, pid });

/** The pid of a process that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""], { stdio: "ignore" });
  if (typeof r.pid !== "number" || r.status !== 0) throw new Error("could not spawn a child process");
  return r.pid;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("stack locks", () => {
  it("acquire a free lock with an ISO lease", () => {
    const store = mem();
    const before = Date.now();
    const r = store.tryLock(STACK, holder("h1"), 60_000);
    expect(r.acquired).toBe(true);
    if (!r.acquired) return;
    expect(r.lock).toMatchObject({
      stackId: STACK,
      holderId: "h1",
      user: "ana",
      host: HOST,
      pid: process.pid,
    });
    expect(Date.parse(r.lock.expiresAt) - Date.parse(r.lock.since)).toBe(60_000);
    expect(Date.parse(r.lock.since)).toBeGreaterThanOrEqual(before - 1);
    expect(store.getLock(STACK)).toEqual(r.lock);
    expect(store.getLock("other/dev")).toBeUndefined();
  });

  it("return the live holder on conflict and leave its lock untouched", () => {
    const store = mem();
    const first = store.tryLock(STACK, holder("h1"), 60_000);
    const second = store.tryLock(STACK, holder("h2"), 60_000);
    expect(second).toEqual({ acquired: false, holder: store.getLock(STACK) });
    if (!first.acquired) throw new Error("first lock not acquired");
    expect(store.getLock(STACK)).toEqual(first.lock);
    // Another stack is independent.
    expect(store.tryLock("crm/dev", holder("h2"), 60_000).acquired).toBe(true);
  });

  it("let the same holder re-acquire, refreshing the lease but keeping `since`", async () => {
    const store = mem();
    const a = store.tryLock(STACK, holder("h1"), 1000);
    await sleep(5);
    const b = store.tryLock(STACK, holder("h1"), 60_000);
    if (!a.acquired || !b.acquired) throw new Error("not acquired");
    expect(b.lock.since).toBe(a.lock.since);
    expect(Date.parse(b.lock.expiresAt)).toBeGreaterThan(Date.parse(a.lock.expiresAt));
    expect(b).not.toHaveProperty("takenOver");
  });

  it("take over a lock whose lease expired", async () => {
    const store = mem();
    const old = store.tryLock(STACK, holder("h1"), 1);
    await sleep(10);
    const r = store.tryLock(STACK, holder("h2"), 60_000);
    expect(r.acquired).toBe(true);
    if (!r.acquired || !old.acquired) throw new Error("not acquired");
    expect(r.lock.holderId).toBe("h2");
    expect(r.takenOver).toEqual({ holder: old.lock, reason: "lease_expired" });
    expect(store.getLock(STACK)?.holderId).toBe("h2");
  });

  it("take over a lock whose holder process on this host is dead, but not one on another host", () => {
    const pid = deadPid();
    expect(isProcessAlive(pid)).toBe(false);
    const store = mem();
    store.tryLock(STACK, holder("crashed", pid), 3_600_000);
    const r = store.tryLock(STACK, holder("h2"), 60_000);
    expect(r.acquired).toBe(true);
    if (!r.acquired) return;
    expect(r.takenOver?.reason).toBe("holder_dead");
    expect(r.takenOver?.holder.holderId).toBe("crashed");

    // The same dead pid on another machine cannot be checked: the lease protects it.
    store.tryLock("crm/dev", holder("remote", pid, `not-${HOST}`), 3_600_000);
    const other = store.tryLock("crm/dev", holder("h3"), 60_000);
    expect(other.acquired).toBe(false);
  });

  it("release only for the holder", () => {
    const store = mem();
    store.tryLock(STACK, holder("h1"), 60_000);
    store.releaseLock(STACK, "h2");
    expect(store.getLock(STACK)?.holderId).toBe("h1");
    store.releaseLock(STACK, "h1");
    expect(store.getLock(STACK)).toBeUndefined();
    store.releaseLock(STACK, "h1");
  });

  it("renew only for the holder, and fail after the lock was forced away", () => {
    const store = mem();
    const a = store.tryLock(STACK, holder("h1"), 1000);
    if (!a.acquired) throw new Error("not acquired");
    expect(store.renewLock(STACK, "h1", 120_000)).toBe(true);
    expect(Date.parse(store.getLock(STACK)?.expiresAt ?? "")).toBeGreaterThan(Date.now() + 100_000);
    expect(store.renewLock(STACK, "h2", 120_000)).toBe(false);
    expect(store.forceUnlock(STACK)?.holderId).toBe("h1");
    expect(store.renewLock(STACK, "h1", 120_000)).toBe(false);
  });

  it("forceUnlock removes any holder's lock and returns it", () => {
    const store = mem();
    expect(store.forceUnlock(STACK)).toBeUndefined();
    const a = store.tryLock(STACK, holder("h1"), 60_000);
    if (!a.acquired) throw new Error("not acquired");
    expect(store.forceUnlock(STACK)).toEqual(a.lock);
    expect(store.getLock(STACK)).toBeUndefined();
    expect(store.tryLock(STACK, holder("h2"), 60_000).acquired).toBe(true);
  });

  it("reject a non-positive lease", () => {
    const store = mem();
    for (const lease of [0, -5, Number.NaN]) {
      expect(() => store.tryLock(STACK, holder("h1"), lease)).toThrow(DpnError);
    }
    expect(store.getLock(STACK)).toBeUndefined();
  });

  it("exclude each other across two store instances on one file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dpn-locks-"));
    dirs.push(dir);
    const file = path.join(dir, "state.db");
    const a = openSqliteDb(file);
    const b = openSqliteDb(file);
    stores.push(a, b);
    expect(a.tryLock(STACK, holder("run-a"), 60_000).acquired).toBe(true);
    const seen = b.tryLock(STACK, holder("run-b"), 60_000);
    expect(seen.acquired).toBe(false);
    if (!seen.acquired) expect(seen.holder.holderId).toBe("run-a");
    b.releaseLock(STACK, "run-b");
    expect(a.getLock(STACK)?.holderId).toBe("run-a");
    a.releaseLock(STACK, "run-a");
    expect(b.tryLock(STACK, holder("run-b"), 60_000).acquired).toBe(true);
    expect(a.getLock(STACK)?.holderId).toBe("run-b");
  });
});

describe("isProcessAlive", () => {
  it("is true for this process, false for an exited one, true for group pids", () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(deadPid())).toBe(false);
    expect(isProcessAlive(0)).toBe(true);
    expect(isProcessAlive(-1)).toBe(true);
  });
});

describe("fencing tokens", () => {
  it("grow with every new holder, survive release, and stay with a re-acquiring holder", async () => {
    const store = mem();
    const a = store.tryLock(STACK, holder("h1"), 60_000);
    if (!a.acquired) throw new Error("h1 should hold the lock");
    expect(a.lock.fencing).toBe(1);
    const again = store.tryLock(STACK, holder("h1"), 60_000);
    if (!again.acquired) throw new Error("h1 should re-acquire its own lock");
    expect(again.lock.fencing).toBe(1);
    store.releaseLock(STACK, "h1");
    const b = store.tryLock(STACK, holder("h2"), 20);
    if (!b.acquired) throw new Error("h2 should hold the lock");
    expect(b.lock.fencing).toBe(2);
    await sleep(40);
    const c = store.tryLock(STACK, holder("h3"), 60_000);
    if (!c.acquired) throw new Error("h3 should take the expired lease over");
    expect(c.takenOver?.reason).toBe("lease_expired");
    expect(c.lock.fencing).toBe(3);
    expect(store.getLock(STACK)?.fencing).toBe(3);
  });

  it("a conditional force-unlock removes only the lock it was shown", async () => {
    const store = mem();
    const a = store.tryLock(STACK, holder("h1"), 20);
    if (!a.acquired) throw new Error("h1 should hold the lock");
    await sleep(40);
    const b = store.tryLock(STACK, holder("h2"), 60_000);
    if (!b.acquired) throw new Error("h2 should take over");
    let err: unknown;
    try {
      store.forceUnlock(STACK, { holderId: "h1", fencing: a.lock.fencing });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DpnError);
    expect((err as DpnError).code).toBe("LOCK_CHANGED");
    expect(store.getLock(STACK)?.holderId).toBe("h2");
    expect(store.forceUnlock(STACK, { holderId: "h2", fencing: b.lock.fencing })?.holderId).toBe("h2");
    expect(store.getLock(STACK)).toBeUndefined();
  });
});
