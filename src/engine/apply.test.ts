import { describe, expect, it } from "vitest";
import { desired, FakeCloud, graph20 } from "../../test/fakes/memory-provider.js";
import { DpnError } from "../core/errors.js";
import type { EngineEvent } from "../core/events.js";
import type { DesiredResource } from "../core/resources.js";
import { openMemoryStateStore } from "../state/sqlite-store.js";
import { type ApplyOptions, applyPlan } from "./apply.js";
import { planChanges } from "./plan.js";

async function env() {
  const cloud = new FakeCloud();
  const store = openMemoryStateStore();
  const stack = await store.ensureStack("dp", "dev");
  const registry = cloud.registry();
  return { cloud, store, stack, registry };
}
type Env = Awaited<ReturnType<typeof env>>;

async function run(
  e: Env,
  want: DesiredResource[],
  options: Partial<ApplyOptions> = {},
  events: EngineEvent[] = [],
) {
  const plan = await planChanges({ desired: want, stack: e.stack, store: e.store, registry: e.registry });
  return applyPlan({
    plan,
    stack: e.stack,
    store: e.store,
    registry: e.registry,
    reporter: (ev) => events.push(ev),
    options: { command: "dpn create", retry: { baseMs: 0, throttleBaseMs: 0 }, ...options },
  });
}

/** A stack that already has one resource of ours plus a foreign object, so "pre-run inventory" is not trivially empty. */
async function withHistory(e: Env) {
  e.cloud.seed({ type: "aws_s3_bucket", name: "someone-elses-bucket" });
  const old = desired("aws_s3_bucket", "dp-legacy-dev");
  const r = await run(e, [old]);
  expect(r.outcome).toBe("committed");
  return old;
}

describe("applyPlan", () => {
  it("creates a 20-resource plan, records state, journal and audit, and commits", async () => {
    const e = await env();
    const events: EngineEvent[] = [];
    const r = await run(e, graph20(), { parallelism: 4 }, events);
    expect(r.outcome).toBe("committed");
    expect(r.error).toBeUndefined();
    expect(e.cloud.inventory()).toHaveLength(20);
    expect(e.cloud.inventory().every((o) => o.ownership?.stackId === e.stack.id)).toBe(true);
    const rows = await e.store.listResources(e.stack.id);
    expect(rows).toHaveLength(20);
    expect(rows.every((row) => row.txId === r.txId && row.status === "active")).toBe(true);
    expect((await e.store.getTransaction(r.txId))?.status).toBe("committed");
    expect((await e.store.journal(r.txId)).every((j) => j.status === "done" && j.desired)).toBe(true);
    expect(r.operations.filter((o) => o.status === "succeeded")).toHaveLength(20);
    for (const o of r.operations) expect(o.finishedAt).toBeGreaterThanOrEqual(o.startedAt as number);
    const audit = (await e.store.auditEvents({ txId: r.txId })).map((a) => a.event);
    expect(audit[0]).toBe("tx.started");
    expect(audit.at(-1)).toBe("tx.finished");
    expect(audit.filter((a) => a === "op.succeeded")).toHaveLength(20);
    expect(events.filter((x) => x.event === "op.started")).toHaveLength(20);
    expect((await e.store.loadPlan(r.txId))?.desired).toHaveLength(20);
    // a second run is all no-ops and calls no mutating method
    const before = e.cloud.mutations().length;
    const again = await run(e, graph20());
    expect(again.outcome).toBe("committed");
    expect(again.operations.every((o) => o.status === "unchanged")).toBe(true);
    expect(e.cloud.mutations().length).toBe(before);
  });

  for (const when of ["before", "after"] as const) {
    it(`a failure injected at every create (${when} effect) rolls back to exactly the pre-run inventory`, async () => {
      for (let n = 1; n <= 20; n++) {
        const e = await env();
        await withHistory(e);
        const inventoryBefore = e.cloud.inventory();
        const rowsBefore = await e.store.listResources(e.stack.id);
        e.cloud.latencyMs = 1;
        e.cloud.inject({ method: "create", nth: n, when });
        // "after" faults stay in doubt: the 4 lookups right after the create fail (the plan made 20)
        if (when === "after")
          e.cloud.inject({ method: "lookup", nth: 21, times: 4, category: "unavailable" });
        const r = await run(e, graph20(), { parallelism: 4 });
        expect(r.outcome, `n=${n}`).toBe("rolled_back");
        expect(r.error?.code).toBe("APPLY_ROLLED_BACK");
        expect(r.error?.exitCode).toBe(6);
        expect(r.error?.message).toMatch(/^Creating \S+ failed: injected create failure/);
        expect(e.cloud.inventory(), `n=${n}`).toEqual(inventoryBefore);
        expect(await e.store.listResources(e.stack.id)).toEqual(rowsBefore);
        expect((await e.store.getTransaction(r.txId))?.status).toBe("rolled_back");
        // every forward step that took effect has been compensated
        expect(
          (await e.store.journal(r.txId)).filter((j) => j.phase === "forward" && j.status === "done"),
        ).toEqual([]);
      }
    });
  }

  it("rolls back in reverse dependency order", async () => {
    const e = await env();
    const want = graph20();
    e.cloud.inject({ method: "create", nth: 20 });
    const r = await run(e, want, { parallelism: 3 });
    expect(r.outcome).toBe("rolled_back");
    const deletes = e.cloud.calls.filter((c) => c.method === "delete" && c.mutated).map((c) => c.address);
    expect(deletes).toHaveLength(19);
    for (const d of want) {
      for (const dep of d.dependencies) {
        if (!deletes.includes(d.address) || !deletes.includes(dep)) continue;
        expect(deletes.indexOf(d.address), `${d.address} before ${dep}`).toBeLessThan(deletes.indexOf(dep));
      }
    }
  });

  it("reports ROLLBACK_INCOMPLETE with the exact resources when a compensation fails", async () => {
    const e = await env();
    const want = graph20();
    const schema = "dbx_schema.dp_main_dev.sales_bronze";
    e.cloud.inject({ method: "create", address: "dbx_volume.dp_main_dev.sales_gold.exports" });
    e.cloud.inject({ method: "delete", address: schema, times: 10 });
    const r = await run(e, want, { parallelism: 1 });
    expect(r.outcome).toBe("rollback_failed");
    expect(r.error?.code).toBe("ROLLBACK_INCOMPLETE");
    expect(r.error?.exitCode).toBe(7);
    const left = ((r.error?.details.resources ?? []) as { address: string; needed: string }[])
      .map((x) => x.address)
      .sort();
    // the schema could not be deleted, so its catalog was not attempted either
    expect(left).toEqual(["dbx_catalog.dp_main_dev", schema]);
    expect(r.error?.details.retry).toBe("dpn recover");
    expect(r.error?.message).toContain(schema);
    expect(
      e.cloud
        .inventory()
        .map((o) => o.ownership?.address)
        .sort(),
    ).toEqual(left);
    expect((await e.store.listResources(e.stack.id)).map((x) => x.address).sort()).toEqual(left);
    expect((await e.store.getTransaction(r.txId))?.status).toBe("rollback_failed");
  });

  it("treats an in-doubt create as done when the lookup finds our object (no duplicate create)", async () => {
    const e = await env();
    const want = graph20();
    const target = want[8] as DesiredResource; // the cluster
    e.cloud.inject({ method: "create", address: target.address, when: "after" });
    const r = await run(e, want);
    expect(r.outcome).toBe("committed");
    expect(e.cloud.count("create", target.address)).toBe(1);
    expect(e.cloud.inventory().filter((o) => o.ownership?.address === target.address)).toHaveLength(1);
    expect((await e.store.getResource(e.stack.id, target.address))?.remoteId).toMatch(/^cl-/);
  });

  it("an in-doubt create that could not be resolved is found by lookup during rollback and deleted", async () => {
    const e = await env();
    const a = desired("aws_s3_bucket", "dp-a-dev");
    const b = desired("aws_s3_bucket", "dp-b-dev");
    e.cloud.inject({ method: "create", address: a.address, when: "after" });
    // the lookups right after the in-doubt create fail (plan made lookup #1)
    e.cloud.inject({ method: "lookup", address: a.address, nth: 2, times: 4, category: "unavailable" });
    const r = await run(e, [a, b], { parallelism: 1 });
    expect(r.outcome).toBe("rolled_back");
    expect(
      (await e.store.journal(r.txId)).find((j) => j.address === a.address && j.phase === "forward")?.status,
    ).toBe("compensated");
    expect(e.cloud.inventory()).toEqual([]);
    expect(await e.store.listResources(e.stack.id)).toEqual([]);
  });

  it("refuses a foreign object with the same name at plan time and never deletes it", async () => {
    const e = await env();
    const foreign = e.cloud.seed({ type: "aws_glue_database", name: "dp_sales_bronze_dev" });
    const err = await run(e, graph20()).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DpnError);
    expect((err as DpnError).code).toBe("RESOURCE_CONFLICT");
    expect((err as DpnError).exitCode).toBe(5);
    expect((err as DpnError).message).toContain("aws_glue_database.dp_sales_bronze_dev");
    expect((err as DpnError).message).toContain("created outside dpn");
    expect(e.cloud.inventory()).toEqual([foreign]);
    expect(await e.store.listTransactions()).toEqual([]);
  });

  it("a foreign object appearing between plan and apply fails the create and survives the rollback", async () => {
    const e = await env();
    const want = graph20();
    const plan = await planChanges({ desired: want, stack: e.stack, store: e.store, registry: e.registry });
    const foreign = e.cloud.seed({ type: "dbx_catalog", name: "dp_main_dev" });
    const r = await applyPlan({
      plan,
      stack: e.stack,
      store: e.store,
      registry: e.registry,
      options: { command: "dpn create", retry: { baseMs: 0 } },
    });
    expect(r.outcome).toBe("rolled_back");
    expect(e.cloud.inventory()).toEqual([foreign]);
    expect(e.cloud.count("delete")).toBeGreaterThan(0);
    expect(e.cloud.calls.filter((c) => c.method === "delete").every((c) => c.address !== undefined)).toBe(
      true,
    );
  });

  it("adopts an object that carries our marker without creating it, and rollback only forgets it", async () => {
    const e = await env();
    const a = desired("aws_s3_bucket", "dp-a-dev", { properties: { comment: "v2" } });
    const b = desired("aws_glue_database", "dp_b_dev", { deps: [a] });
    const mine = e.cloud.seed({
      type: "aws_s3_bucket",
      name: "dp-a-dev",
      properties: { comment: "v1" },
      tags: a.tags,
      ownership: { stackId: e.stack.id, address: a.address },
    });
    const plan = await planChanges({ desired: [a, b], stack: e.stack, store: e.store, registry: e.registry });
    expect(plan.changes.map((c) => [c.kind, c.address])).toEqual([
      ["adopt", a.address],
      ["create", b.address],
    ]);
    expect(plan.changes[0]?.changes).toEqual([{ field: "comment", before: "v1", after: "v2" }]);

    e.cloud.inject({ method: "create", address: b.address });
    const failed = await applyPlan({
      plan,
      stack: e.stack,
      store: e.store,
      registry: e.registry,
      options: { command: "dpn create", parallelism: 1 },
    });
    expect(failed.outcome).toBe("rolled_back");
    expect(e.cloud.inventory()).toEqual([mine]); // still there, settings reverted
    expect(await e.store.listResources(e.stack.id)).toEqual([]);

    const ok = await run(e, [a, b]);
    expect(ok.outcome).toBe("committed");
    expect(e.cloud.count("create", a.address)).toBe(0);
    expect((await e.store.getResource(e.stack.id, a.address))?.properties).toEqual({ comment: "v2" });
  });

  it("rollback reverts updates of existing resources and restores their state rows", async () => {
    const e = await env();
    const a1 = desired("aws_s3_bucket", "dp-a-dev", { properties: { comment: "v1" } });
    await run(e, [a1]);
    const rowBefore = await e.store.getResource(e.stack.id, a1.address);
    const inventoryBefore = e.cloud.inventory();
    const a2 = desired("aws_s3_bucket", "dp-a-dev", {
      properties: { comment: "v2" },
      tags: { Environment: "dev", ManagedBy: "dpn", Team: "x" },
    });
    const b = desired("aws_glue_database", "dp_b_dev", { deps: [a2] });
    e.cloud.inject({ method: "create", address: b.address });
    const r = await run(e, [a2, b]);
    expect(r.outcome).toBe("rolled_back");
    expect(e.cloud.count("update", a2.address)).toBe(1);
    expect(e.cloud.count("revert", a2.address)).toBe(1);
    expect(e.cloud.inventory()).toEqual(inventoryBefore);
    expect(await e.store.getResource(e.stack.id, a1.address)).toEqual(rowBefore);
  });

  it("--no-rollback keeps what succeeded, and the next run adopts nothing twice and finishes", async () => {
    const e = await env();
    e.cloud.inject({ method: "create", nth: 10 });
    const r = await run(e, graph20(), { noRollback: true, parallelism: 1 });
    expect(r.outcome).toBe("failed_kept");
    expect(r.error?.code).toBe("APPLY_FAILED_KEPT");
    expect(r.error?.hint).toContain("dpn create");
    expect(e.cloud.inventory()).toHaveLength(9);
    expect(await e.store.listResources(e.stack.id)).toHaveLength(9);
    expect(r.operations.filter((o) => o.status === "not_started")).toHaveLength(10);
    expect((await e.store.getTransaction(r.txId))?.status).toBe("failed_kept");
    const again = await run(e, graph20());
    expect(again.outcome).toBe("committed");
    expect(e.cloud.inventory()).toHaveLength(20);
    expect(e.cloud.count("create")).toBe(21);
  });

  it("retries a throttled create after checking it did not happen", async () => {
    const e = await env();
    const a = desired("aws_s3_bucket", "dp-a-dev");
    e.cloud.inject({ method: "create", category: "throttled" });
    const events: EngineEvent[] = [];
    const r = await run(e, [a], {}, events);
    expect(r.outcome).toBe("committed");
    expect(e.cloud.count("create")).toBe(2);
    const order = e.cloud.calls.map((c) => c.method);
    expect(order).toEqual(["lookup", "create", "lookup", "create"]);
    expect(events.some((x) => x.event === "op.retrying" && x.attempt === 1)).toBe(true);
  });

  it("gives up after the retry budget and rolls back", async () => {
    const e = await env();
    e.cloud.inject({ method: "create", category: "unavailable", times: 99 });
    const r = await run(e, [desired("aws_s3_bucket", "dp-a-dev")], { retry: { maxAttempts: 3, baseMs: 0 } });
    expect(r.outcome).toBe("rolled_back");
    expect(e.cloud.count("create")).toBe(3);
  });

  it("an aborted signal stops scheduling and rolls back what ran", async () => {
    const e = await env();
    const ac = new AbortController();
    e.cloud.latencyMs = 2;
    const events: EngineEvent[] = [];
    const plan = await planChanges({
      desired: graph20(),
      stack: e.stack,
      store: e.store,
      registry: e.registry,
    });
    const p = applyPlan({
      plan,
      stack: e.stack,
      store: e.store,
      registry: e.registry,
      reporter: (ev) => {
        events.push(ev);
        if (ev.event === "op.succeeded" && events.filter((x) => x.event === "op.succeeded").length === 3)
          ac.abort();
      },
      options: { command: "dpn create", parallelism: 1, signal: ac.signal },
    });
    const r = await p;
    expect(r.outcome).toBe("rolled_back");
    expect(r.error?.message).toContain("Interrupted");
    expect(e.cloud.inventory()).toEqual([]);
  });
});

describe("once a run decides to roll back", () => {
  it("steps still waiting for their turn make no remote call", async () => {
    const e = await env();
    // ten independent buckets; the first create fails at once, the rest queue behind a slow rate
    const want = Array.from({ length: 10 }, (_, i) => desired("aws_s3_bucket", `dp-q${i}-dev`));
    e.cloud.inject({ method: "create", nth: 1 });
    const r = await run(e, want, { parallelism: 10, rateLimits: { s3: { perSecond: 20, burst: 1 } } });
    expect(r.outcome).toBe("rolled_back");
    // only the failed create (and whatever had already passed the rate limit) reached the cloud
    expect(e.cloud.count("create")).toBeLessThanOrEqual(2);
    expect(e.cloud.inventory()).toEqual([]);
    const journal = await e.store.journal(r.txId);
    const halted = journal.filter(
      (j) => (j.error as { code?: string } | undefined)?.code === "STEP_NOT_STARTED",
    );
    expect(halted.length).toBeGreaterThanOrEqual(8);
    expect(halted.every((j) => j.status === "failed")).toBe(true);
  });
});
