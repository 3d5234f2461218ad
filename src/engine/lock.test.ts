import { describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import type { EngineEvent } from "../core/events.js";
import { newLockHolder } from "../core/ids.js";
import { openMemoryStateStore } from "../state/sqlite-store.js";
import { withStackLock } from "./lock.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("withStackLock", () => {
  it("fails at once with STACK_LOCKED naming the holder when there is no timeout", async () => {
    const store = openMemoryStateStore();
    const other = { holderId: "h-other", user: "alice", host: "build-7", pid: 4242 };
    await store.tryLock("s", other, 60_000);
    let ran = false;
    const err = (await withStackLock(store, "s", newLockHolder(), {}, async () => {
      ran = true;
    }).catch((e: unknown) => e)) as DpnError;
    expect(ran).toBe(false);
    expect(err).toBeInstanceOf(DpnError);
    expect(err.code).toBe("STACK_LOCKED");
    expect(err.exitCode).toBe(8);
    expect(err.message).toMatch(/locked by alice@build-7 \(pid 4242\) since \d{4}-/);
    expect(err.details.holder).toMatchObject({ user: "alice", host: "build-7", pid: 4242 });
  });

  it("with a timeout, waits (emitting lock.waiting) and runs once the holder releases", async () => {
    const store = openMemoryStateStore();
    await store.tryLock("s", { holderId: "h-other", user: "alice", host: "h", pid: 1 }, 60_000);
    setTimeout(() => void store.releaseLock("s", "h-other"), 60);
    const events: EngineEvent[] = [];
    const me = newLockHolder();
    const r = await withStackLock(
      store,
      "s",
      me,
      { timeoutMs: 2_000, pollMs: 10, reporter: (e) => events.push(e) },
      async ({ lock }) => {
        expect((await store.getLock("s"))?.holderId).toBe(me.holderId);
        return lock.holderId;
      },
    );
    expect(r).toBe(me.holderId);
    expect(events.filter((e) => e.event === "lock.waiting").length).toBeGreaterThan(1);
    expect(events.at(-1)?.event).toBe("lock.acquired");
    expect(await store.getLock("s")).toBeUndefined(); // released afterwards
  });

  it("gives up after the timeout with STACK_LOCKED", async () => {
    const store = openMemoryStateStore();
    await store.tryLock("s", { holderId: "h-other", user: "alice", host: "h", pid: 1 }, 60_000);
    const t0 = Date.now();
    const err = (await withStackLock(
      store,
      "s",
      newLockHolder(),
      { timeoutMs: 80, pollMs: 10 },
      async () => 1,
    ).catch((e: unknown) => e)) as DpnError;
    expect(err.code).toBe("STACK_LOCKED");
    expect(err.message).toContain("gave up after waiting");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
  });

  it("takes over a lock whose lease expired", async () => {
    const store = openMemoryStateStore();
    await store.tryLock("s", { holderId: "h-dead", user: "bob", host: "h", pid: 99999 }, 1);
    await sleep(5);
    const r = await withStackLock(store, "s", newLockHolder(), {}, async () => "ran");
    expect(r).toBe("ran");
  });

  it("renews the lease while the work runs and releases even when the work throws", async () => {
    const store = openMemoryStateStore();
    const me = newLockHolder();
    const err = await withStackLock(store, "s", me, { leaseMs: 60 }, async () => {
      const first = (await store.getLock("s"))?.expiresAt as string;
      await sleep(100);
      // renewed at least once: a competitor still cannot take it although 100 ms > lease
      expect((await store.getLock("s"))?.expiresAt).not.toBe(first);
      expect((await store.tryLock("s", { holderId: "x", user: "u", host: "h", pid: 1 }, 1000)).acquired).toBe(
        false,
      );
      throw new Error("work failed");
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("work failed");
    expect(await store.getLock("s")).toBeUndefined();
  });

  it("aborts the work's signal when the lease is lost to another process", async () => {
    const store = openMemoryStateStore();
    const events: EngineEvent[] = [];
    const aborted = await withStackLock(
      store,
      "s",
      newLockHolder(),
      { leaseMs: 30, reporter: (e) => events.push(e) },
      async ({ signal }) => {
        await store.forceUnlock("s");
        await store.tryLock("s", { holderId: "thief", user: "u", host: "h", pid: 1 }, 60_000);
        await sleep(40);
        return signal.aborted ? (signal.reason as DpnError).code : "not aborted";
      },
    );
    expect(aborted).toBe("LOCK_LOST");
    expect(events.some((e) => e.event === "lock.lost")).toBe(true);
    expect((await store.getLock("s"))?.holderId).toBe("thief"); // not released by the loser
  });
});
