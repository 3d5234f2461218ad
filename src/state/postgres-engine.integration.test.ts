/**
 * The engine over the PostgreSQL store when the database connection drops in the middle of a
 * run: at the nth intent, settlement, or transaction finish, the server terminates the
 * connection on the write's first statement or at its COMMIT, on both attempts (so the store
 * gives up: STATE_UNREACHABLE or STATE_COMMIT_UNKNOWN). Whatever the run then does (roll back,
 * stop), a later `recover` on a fresh store leaves state and cloud equal: every cloud object has
 * its row, every row its object, and nothing is unfinished.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { FakeCloud, graph20 } from "../../test/fakes/memory-provider.js";
import { createTestDatabase, startCommitCutProxy, terminateBackend } from "../../test/support/postgres.js";
import { applyPlan } from "../engine/apply.js";
import { planChanges } from "../engine/plan.js";
import { assertNoUnfinished, recover } from "../engine/recover.js";
import {
  openPostgresStateStore,
  type PostgresStateStore,
  type PostgresStoreHooks,
} from "./postgres-store.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function open(url: string, hooks?: PostgresStoreHooks): Promise<PostgresStateStore> {
  const s = await openPostgresStateStore({ url, env: {}, display: url, ...(hooks ? { hooks } : {}) });
  cleanup.push(() => s.close());
  return s;
}

type Cut = { op: "journalIntent" | "settleStep" | "finishTransaction"; nth: number; at: "first" | "commit" };

/** Hooks that cut the nth call of `op` (both attempts) at its first statement or its COMMIT. */
function cutter(url: string, cut: Cut): { hooks: PostgresStoreHooks; fired: () => number } {
  const seen: number[] = [];
  let fired = 0;
  return {
    fired: () => fired,
    hooks: {
      async beforeStatement(e) {
        if (e.op !== cut.op) return;
        if (!seen.includes(e.call)) seen.push(e.call);
        if (seen.indexOf(e.call) !== cut.nth - 1) return;
        if (cut.at === "commit" ? e.sql !== "COMMIT" : e.sql.startsWith("BEGIN")) return;
        if (cut.at === "first" && fired >= e.attempt) return;
        fired++;
        await terminateBackend(url, e.pid);
      },
    },
  };
}

async function consistent(url: string, cloud: FakeCloud, stackId: string): Promise<void> {
  const fresh = await open(url);
  await recover({
    store: fresh,
    registry: cloud.registry(),
    stackId,
    mode: "rollback",
    options: { command: "dpn recover" },
  });
  await assertNoUnfinished(fresh, stackId);
  const rows = (await fresh.listResources(stackId)).map((r) => r.remoteId).sort();
  const objects = cloud
    .inventory()
    .filter((o) => o.ownership?.stackId === stackId)
    .map((o) => o.remoteId)
    .sort();
  expect(rows).toEqual(objects);
}

describe("engine × PostgreSQL store: the connection drops mid-run", () => {
  const cuts: Cut[] = [
    { op: "journalIntent", nth: 1, at: "first" },
    { op: "journalIntent", nth: 7, at: "commit" },
    { op: "settleStep", nth: 5, at: "first" },
    { op: "settleStep", nth: 9, at: "commit" },
    { op: "finishTransaction", nth: 1, at: "first" },
    { op: "finishTransaction", nth: 1, at: "commit" },
  ];
  for (const cut of cuts) {
    it(`${cut.op} #${cut.nth} cut at ${cut.at === "first" ? "its first statement" : "COMMIT"}: state and cloud agree after recover`, async () => {
      const db = await createTestDatabase(inject("postgresUrl"));
      cleanup.push(() => db.drop());
      const c = cutter(db.url, cut);
      const store = await open(db.url, c.hooks);
      const cloud = new FakeCloud();
      const stack = await store.ensureStack("dp", "dev");
      const registry = cloud.registry();
      const plan = await planChanges({ desired: graph20(), store, stack, registry });
      const outcome = await applyPlan({
        plan,
        store,
        stack,
        registry,
        options: { command: "dpn create", parallelism: 4, retry: { baseMs: 0, throttleBaseMs: 0 } },
      }).then(
        (r) => r.outcome,
        (e: unknown) => `threw ${(e as { code?: string }).code ?? String(e)}`,
      );
      expect(c.fired()).toBeGreaterThan(0);
      expect(outcome).not.toBe("committed");
      await consistent(db.url, cloud, stack.id);
    });
  }

  for (const skip of [2, 9, 30]) {
    it(`the reply of COMMIT #${skip + 1} is lost (it committed): state and cloud agree after recover`, async () => {
      const db = await createTestDatabase(inject("postgresUrl"));
      cleanup.push(() => db.drop());
      const proxy = await startCommitCutProxy(db.url, 100);
      cleanup.push(() => proxy.close());
      const store = await open(proxy.url);
      const cloud = new FakeCloud();
      const stack = await store.ensureStack("dp", "dev");
      const registry = cloud.registry();
      const plan = await planChanges({ desired: graph20(), store, stack, registry });
      proxy.armCommitCut(skip);
      await applyPlan({
        plan,
        store,
        stack,
        registry,
        options: { command: "dpn create", parallelism: 4, retry: { baseMs: 0, throttleBaseMs: 0 } },
      }).catch(() => undefined);
      expect(proxy.cuts).toBe(1);
      await consistent(db.url, cloud, stack.id);
      // no intent was written twice: one forward entry per address and transaction
      const fresh = await open(db.url);
      for (const t of await fresh.listTransactions({ stackId: stack.id })) {
        const forward = (await fresh.journal(t.id))
          .filter((e) => e.phase === "forward")
          .map((e) => e.address);
        expect(forward.length, t.id).toBe(new Set(forward).size);
      }
    });
  }
});
