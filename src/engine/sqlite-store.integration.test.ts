/**
 * The engine's key guarantees re-checked against the real SQLite state store (in memory), so the
 * journal/atomicity contract is exercised end to end, not only against the test fake.
 */
import { describe, expect, it } from "vitest";
import { FakeCloud, graph20 } from "../../test/fakes/memory-provider.js";
import { DpnError } from "../core/errors.js";
import type { EngineEvent } from "../core/events.js";
import { newLockHolder } from "../core/ids.js";
import type { DesiredResource } from "../core/resources.js";
import { openMemoryStateStore } from "../state/sqlite-store.js";
import { applyPlan } from "./apply.js";
import { withStackLock } from "./lock.js";
import { planChanges } from "./plan.js";
import { assertNoUnfinished, recover } from "./recover.js";

async function env() {
  const cloud = new FakeCloud();
  const store = openMemoryStateStore();
  const stack = await store.ensureStack("dp", "dev");
  return { cloud, store, stack, registry: cloud.registry() };
}

async function run(e: Awaited<ReturnType<typeof env>>, want: DesiredResource[], parallelism = 4) {
  const plan = await planChanges({ desired: want, ...e });
  return applyPlan({
    plan,
    ...e,
    options: { command: "dpn create", parallelism, retry: { baseMs: 0, throttleBaseMs: 0 } },
  });
}

describe("engine × SQLite state store", () => {
  it("commits a 20-resource plan and a failure at any create leaves no trace", async () => {
    const ok = await env();
    expect((await run(ok, graph20())).outcome).toBe("committed");
    expect(await ok.store.listResources(ok.stack.id)).toHaveLength(20);
    const [last] = await ok.store.listTransactions({ stackId: ok.stack.id });
    expect((await ok.store.loadPlan(last?.id as string))?.desired).toHaveLength(20);

    for (const n of [1, 6, 13, 20]) {
      const e = await env();
      e.cloud.inject({ method: "create", nth: n, when: n % 2 === 0 ? "after" : "before" });
      e.cloud.inject({ method: "lookup", nth: 21, times: 4, category: "unavailable" });
      const r = await run(e, graph20());
      expect(r.outcome, `n=${n}`).toBe("rolled_back");
      expect(e.cloud.inventory()).toEqual([]);
      expect(await e.store.listResources(e.stack.id)).toEqual([]);
      expect((await e.store.getTransaction(r.txId))?.status).toBe("rolled_back");
      expect((await e.store.journal(r.txId)).some((j) => j.phase === "compensate")).toBe(true);
    }
  });

  it("recovers a crashed apply in rollback and in resume mode", async () => {
    for (const mode of ["rollback", "resume"] as const) {
      const e = await env();
      const plan = await planChanges({ desired: graph20(), ...e });
      e.cloud.inject({ method: "create", nth: 9, when: "after", hang: true });
      void applyPlan({ plan, ...e, options: { command: "dpn create", parallelism: 1 } });
      await new Promise((r) => setTimeout(r, 30));
      await expect(assertNoUnfinished(e.store, e.stack.id)).rejects.toThrow(DpnError);
      const [r] = await recover({
        store: e.store,
        registry: e.cloud.registry(),
        stackId: e.stack.id,
        mode,
        options: { command: "dpn recover" },
      });
      expect(r?.outcome).toBe(mode === "rollback" ? "rolled_back" : "committed");
      expect(e.cloud.inventory()).toHaveLength(mode === "rollback" ? 0 : 20);
      expect(await e.store.listResources(e.stack.id)).toHaveLength(mode === "rollback" ? 0 : 20);
      expect(e.cloud.count("create")).toBe(mode === "rollback" ? 9 : 20);
      await assertNoUnfinished(e.store, e.stack.id);
    }
  });

  it("a second holder gets STACK_LOCKED while the first runs", async () => {
    const e = await env();
    const seen = await withStackLock(e.store, e.stack.id, newLockHolder(), {}, async () => {
      const err = await withStackLock(e.store, e.stack.id, newLockHolder(), {}, async () => "ran").catch(
        (x: unknown) => x,
      );
      return (err as DpnError).code;
    });
    expect(seen).toBe("STACK_LOCKED");
    expect(await e.store.getLock(e.stack.id)).toBeUndefined();
  });

  it("taking over an expired lease is reported on lock.acquired", async () => {
    const e = await env();
    await e.store.tryLock(e.stack.id, { holderId: "gone", user: "carol", host: "elsewhere", pid: 4242 }, 1);
    await new Promise((r) => setTimeout(r, 10));
    const events: EngineEvent[] = [];
    await withStackLock(
      e.store,
      e.stack.id,
      newLockHolder(),
      { reporter: (x) => events.push(x) },
      async () => {},
    );
    const acquired = events.find((x) => x.event === "lock.acquired");
    expect(acquired?.event === "lock.acquired" && acquired.takenOver?.user).toBe("carol");
  });
});
