import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DesiredResource } from "../../core/resources.js";
import { applyPlan } from "../../engine/apply.js";
import { planChanges } from "../../engine/plan.js";
import { openMemoryStateStore, type SqliteStateStore } from "../../state/sqlite-store.js";
import type { SandboxFaultOptions } from "./faults.js";
import { createSandboxRegistry, type SandboxRegistry } from "./sandbox-provider.js";
import * as kit from "./sandbox-test-kit.js";

function blueprint(): DesiredResource[] {
  const dep = (d: DesiredResource, deps: string[]) => ({ ...d, dependencies: deps });
  return [
    kit.bucket(),
    kit.glueDb(),
    dep(kit.glueTable(), [kit.glueDb().address]),
    kit.cluster(),
    dep(kit.job(), [kit.cluster().address]),
    kit.catalog(),
    dep(kit.schema(), [kit.catalog().address]),
    dep(kit.ucTable(), [kit.schema().address]),
    dep(kit.volume(), [kit.schema().address]),
  ];
}

/**
 * The sandbox driven by the real planner and transaction engine (with the in-memory state fake):
 * proves that diffs compare like with like (a second plan is all no-ops) and that every injected
 * failure mode leads to the engine outcome it is meant to provoke.
 */
describe("sandbox under the engine", () => {
  let t: ReturnType<typeof kit.tempSandbox>;
  const regs: SandboxRegistry[] = [];
  beforeEach(() => {
    t = kit.tempSandbox();
  });
  afterEach(async () => {
    for (const r of regs.splice(0)) await r.close();
    t.cleanup();
  });
  const reg = (faults: SandboxFaultOptions = {}) => {
    const r = createSandboxRegistry({ dbPath: t.dbPath, faults });
    regs.push(r);
    return r;
  };

  /** Plan (with `planner`, default `r`) and apply with `r`, fast retries. */
  async function run(r: SandboxRegistry, store: SqliteStateStore, planner: SandboxRegistry = r) {
    const stack = await store.ensureStack("demo", "dev");
    const plan = await planChanges({ desired: blueprint(), stack, store, registry: planner });
    const retry = { maxAttempts: 4, baseMs: 1, throttleBaseMs: 1, maxDelayMs: 2 };
    const res = await applyPlan({ plan, stack, store, registry: r, options: { command: "test", retry } });
    return { plan, res };
  }

  it("applies, then plans all no-ops", async () => {
    const store = openMemoryStateStore();
    const r = reg();
    const { plan, res } = await run(r, store);
    expect(plan.counts.create).toBe(9);
    expect(res.error?.message).toBeUndefined();
    expect(res.outcome).toBe("committed");
    expect(r.inventory()).toHaveLength(9);
    const again = await planChanges({
      desired: blueprint(),
      stack: await store.ensureStack("demo", "dev"),
      store,
      registry: r,
    });
    expect(again.changes.filter((c) => c.kind !== "noop").map((c) => [c.address, c.changes])).toEqual([]);
  });

  for (const n of [0, 2, 5, 8]) {
    it(`FAIL_AFTER=${n} rolls back to an empty sandbox`, async () => {
      const store = openMemoryStateStore();
      const r = reg({ failAfter: n });
      const { res } = await run(r, store);
      expect(res.outcome).toBe("rolled_back");
      expect(r.inventory()).toEqual([]);
    });
  }

  it("FAIL_AFTER_EFFECT on a create is resolved by lookup", async () => {
    const store = openMemoryStateStore();
    const r = reg({
      failAfterEffect: [
        { method: "create", type: "dbx_job", nth: 1 },
        { method: "create", type: "aws_s3_bucket", nth: 1 },
      ],
    });
    const { res } = await run(r, store);
    expect(res.error?.message).toBeUndefined();
    expect(res.outcome).toBe("committed");
    expect(r.inventory()).toHaveLength(9);
  });

  it("throttled calls during apply are retried through", async () => {
    const store = openMemoryStateStore();
    const r = reg({ throttleEvery: 4 });
    const { res } = await run(r, store, reg());
    expect(res.error?.message).toBeUndefined();
    expect(res.outcome).toBe("committed");
    expect(r.inventory()).toHaveLength(9);
    expect(Object.values(r.callCounts()).reduce((a, b) => a + b, 0)).toBeGreaterThan(9);
  });
});
