import { describe, expect, it } from "vitest";
import { desired, FakeCloud, graph20 } from "../../test/fakes/memory-provider.js";
import type { DpnError } from "../core/errors.js";
import type { DesiredResource } from "../core/resources.js";
import { openMemoryStateStore } from "../state/sqlite-store.js";
import { applyPlan } from "./apply.js";
import { planChanges } from "./plan.js";
import { assertNoUnfinished, findUnfinished, recover } from "./recover.js";

const tick = () => new Promise((r) => setTimeout(r, 20));

async function env() {
  const cloud = new FakeCloud();
  const store = openMemoryStateStore();
  const stack = await store.ensureStack("dp", "dev");
  return { cloud, store, stack, registry: cloud.registry() };
}

/**
 * Simulate a crash: the nth create takes effect and then never returns (the process "dies"
 * before recording the outcome). The apply promise is abandoned; the tx stays `running`.
 */
async function crashAt(e: Awaited<ReturnType<typeof env>>, n: number, want: DesiredResource[] = graph20()) {
  const plan = await planChanges({ desired: want, ...e });
  e.cloud.inject({ method: "create", nth: n, when: "after", hang: true });
  void applyPlan({ plan, ...e, options: { command: "dpn create", parallelism: 1 } });
  await tick();
  const [tx] = await e.store.unfinishedTransactions(e.stack.id);
  expect(tx?.status).toBe("running");
  // the "restarted process" talks to the same cloud through fresh providers
  return { txId: tx?.id as string, registry: e.cloud.registry() };
}

describe("recovery", () => {
  it("guards new work while a transaction is unfinished", async () => {
    const e = await env();
    await assertNoUnfinished(e.store, e.stack.id);
    const { txId } = await crashAt(e, 5);
    const err = await (async () => {
      try {
        await assertNoUnfinished(e.store, e.stack.id);
      } catch (x) {
        return x as DpnError;
      }
    })();
    expect(err?.code).toBe("TX_UNFINISHED");
    expect(err?.exitCode).toBe(8);
    expect(err?.message).toContain(txId);
    expect(err?.hint).toContain("dpn recover");
    expect((await findUnfinished(e.store, e.stack.id)).map((t) => t.id)).toEqual([txId]);
  });

  it("rollback mode finds the created-but-unrecorded object by its marker and deletes everything", async () => {
    const e = await env();
    e.cloud.seed({ type: "aws_s3_bucket", name: "foreign-bucket" });
    const before = e.cloud.inventory();
    const { txId, registry } = await crashAt(e, 7);
    expect(e.cloud.inventory()).toHaveLength(before.length + 7); // 6 recorded + 1 orphan candidate
    expect(await e.store.listResources(e.stack.id)).toHaveLength(6);
    const [r] = await recover({
      store: e.store,
      registry,
      stackId: e.stack.id,
      mode: "rollback",
      options: { command: "dpn recover" },
    });
    expect(r?.txId).toBe(txId);
    expect(r?.outcome).toBe("rolled_back");
    expect(e.cloud.inventory()).toEqual(before);
    expect(await e.store.listResources(e.stack.id)).toEqual([]);
    expect((await e.store.getTransaction(txId))?.status).toBe("rolled_back");
    expect(await findUnfinished(e.store, e.stack.id)).toEqual([]);
    await assertNoUnfinished(e.store, e.stack.id);
  });

  it("resume mode adopts the orphan and finishes the remaining creates of the stored plan", async () => {
    const e = await env();
    const want = graph20();
    const { txId, registry } = await crashAt(e, 12, want);
    const [r] = await recover({
      store: e.store,
      registry,
      stackId: e.stack.id,
      mode: "resume",
      options: { command: "dpn recover --resume" },
    });
    expect(r?.outcome).toBe("committed");
    expect(e.cloud.inventory()).toHaveLength(20);
    expect(e.cloud.count("create")).toBe(20); // nothing created twice
    const rows = await e.store.listResources(e.stack.id);
    expect(rows.map((x) => x.address).sort()).toEqual(want.map((d) => d.address).sort());
    expect(rows.every((x) => x.txId === txId)).toBe(true);
    expect((await e.store.getTransaction(txId))?.status).toBe("committed");
  });

  it("a failing resume rolls back the whole transaction, including the steps before the crash", async () => {
    const e = await env();
    const { registry } = await crashAt(e, 4);
    e.cloud.inject({ method: "create", address: "dbx_catalog.dp_main_dev" });
    const [r] = await recover({
      store: e.store,
      registry,
      stackId: e.stack.id,
      mode: "resume",
      options: { command: "dpn recover --resume" },
    });
    expect(r?.outcome).toBe("rolled_back");
    expect(r?.error?.code).toBe("APPLY_ROLLED_BACK");
    expect(e.cloud.inventory()).toEqual([]);
    expect(await e.store.listResources(e.stack.id)).toEqual([]);
  });

  it("a crash before the create took effect leaves nothing to delete (lookup finds nothing)", async () => {
    const e = await env();
    const plan = await planChanges({ desired: graph20(), ...e });
    e.cloud.inject({ method: "create", nth: 3, when: "before", hang: true });
    void applyPlan({ plan, ...e, options: { command: "dpn create", parallelism: 1 } });
    await tick();
    const registry = e.cloud.registry();
    const [r] = await recover({
      store: e.store,
      registry,
      stackId: e.stack.id,
      mode: "rollback",
      options: { command: "dpn recover" },
    });
    expect(r?.outcome).toBe("rolled_back");
    expect(e.cloud.inventory()).toEqual([]);
    const j = (await e.store.journal(r?.txId as string)).filter((x) => x.phase === "forward");
    expect(j.map((x) => x.status)).toEqual(["compensated", "compensated", "failed"]);
  });

  it("retries a rollback that failed earlier (rollback_failed) once the blocker is gone", async () => {
    const e = await env();
    const a = desired("aws_s3_bucket", "dp-a-dev");
    const b = desired("aws_glue_database", "dp_b_dev", { deps: [a] });
    e.cloud.inject({ method: "create", address: b.address });
    e.cloud.inject({ method: "delete", address: a.address });
    const first = await applyPlan({
      plan: await planChanges({ desired: [a, b], ...e }),
      ...e,
      options: { command: "dpn create" },
    });
    expect(first.outcome).toBe("rollback_failed");
    expect(first.leftOvers?.map((l) => l.address)).toEqual([a.address]);
    await assertNoUnfinished(e.store, e.stack.id); // leftovers are recorded resources: new work may proceed
    const [r] = await recover({
      store: e.store,
      registry: e.registry,
      stackId: e.stack.id,
      mode: "rollback",
      options: { command: "dpn recover" },
    });
    expect(r?.outcome).toBe("rolled_back");
    expect(e.cloud.inventory()).toEqual([]);
    expect(await e.store.listResources(e.stack.id)).toEqual([]);
  });

  it("resume without a stored plan fails with RECOVER_PLAN_MISSING", async () => {
    const e = await env();
    const { registry } = await crashAt(e, 2);
    // a transaction recorded without a plan (as a store that keeps none would have it)
    const store = Object.assign(Object.create(Object.getPrototypeOf(e.store)), e.store, {
      loadPlan: async () => undefined,
    });
    const err = (await recover({
      store,
      registry,
      stackId: e.stack.id,
      mode: "resume",
      options: { command: "dpn recover" },
    }).catch((x: unknown) => x)) as DpnError;
    expect(err.code).toBe("RECOVER_PLAN_MISSING");
    expect(err.hint).toContain("without --resume");
  });
});
