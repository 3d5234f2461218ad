import { describe, expect, it } from "vitest";
import { desired, FakeCloud, graph20 } from "../../test/fakes/memory-provider.js";
import { DpnError } from "../core/errors.js";
import type { EngineEvent } from "../core/events.js";
import { openMemoryStateStore } from "../state/sqlite-store.js";
import { applyPlan } from "./apply.js";
import { planChanges } from "./plan.js";
import type { Provider, ProviderRegistry, RemoteObject, ResourceRecord } from "./ports.js";
import { ReadCache } from "./read-cache.js";

async function env() {
  const cloud = new FakeCloud();
  const store = openMemoryStateStore();
  const stack = await store.ensureStack("dp", "dev");
  return { cloud, store, stack, registry: cloud.registry() };
}

describe("planChanges", () => {
  it("golden: an empty stack plans every resource as a create, dependencies first, blueprint order otherwise", async () => {
    const e = await env();
    // blueprint order deliberately puts children before parents
    const want = graph20().reverse();
    const plan = await planChanges({ desired: want, ...e });
    expect(plan.counts).toEqual({ create: 20, update: 0, noop: 0, adopt: 0, remove: 0 });
    expect(plan.changes.map((c) => `${c.kind} ${c.address}`)).toEqual([
      "create dbx_catalog.dp_main_dev",
      "create dbx_schema.dp_main_dev.sales_gold",
      "create dbx_volume.dp_main_dev.sales_gold.exports",
      "create dbx_table.dp_main_dev.sales_gold.dim_date",
      "create dbx_table.dp_main_dev.sales_gold.fact_revenue",
      "create dbx_schema.dp_main_dev.sales_bronze",
      "create dbx_volume.dp_main_dev.sales_bronze.landing",
      "create dbx_table.dp_main_dev.sales_bronze.dim_customer",
      "create dbx_table.dp_main_dev.sales_bronze.fact_orders",
      "create dbx_cluster.dp-etl-shared-dev",
      "create dbx_job.dp-batch-publish-dev",
      "create dbx_job.dp-batch-ingest-dev",
      "create aws_glue_database.dp_sales_gold_dev",
      "create aws_glue_table.dp_sales_gold_dev.dim_date",
      "create aws_glue_database.dp_sales_bronze_dev",
      "create aws_s3_bucket.dp-curated-dev",
      "create aws_glue_table.dp_sales_gold_dev.fact_revenue",
      "create aws_s3_bucket.dp-raw-dev",
      "create aws_glue_table.dp_sales_bronze_dev.dim_customer",
      "create aws_glue_table.dp_sales_bronze_dev.fact_orders",
    ]);
  });

  it("golden: mixed plan with no-ops, updates with field changes, drift re-create and adopt", async () => {
    const e = await env();
    const a = desired("aws_s3_bucket", "dp-a-dev", { properties: { versioning: true, lifecycle_days: 90 } });
    const b = desired("aws_glue_database", "dp_b_dev", { deps: [a] });
    const c = desired("dbx_catalog", "dp_c_dev");
    const r = await applyPlan({
      plan: await planChanges({ desired: [a, b, c], ...e }),
      ...e,
      options: { command: "t" },
    });
    expect(r.outcome).toBe("committed");
    // c deleted outside dpn, a drifted in the blueprint, d exists with our marker but not in state
    e.cloud.objects.delete("dp_c_dev");
    const a2 = desired("aws_s3_bucket", "dp-a-dev", {
      properties: { versioning: false, lifecycle_days: 90 },
    });
    const d = desired("dbx_cluster", "dp-d-dev");
    e.cloud.seed({
      type: "dbx_cluster",
      name: "dp-d-dev",
      properties: { comment: "v1" },
      tags: d.tags,
      ownership: { stackId: e.stack.id, address: d.address },
    });
    const plan = await planChanges({ desired: [a2, b, c, d], ...e });
    expect(
      plan.changes.map((x) => ({ kind: x.kind, address: x.address, changes: x.changes, reason: x.reason })),
    ).toEqual([
      {
        kind: "update",
        address: a.address,
        changes: [{ field: "versioning", before: true, after: false }],
        reason: undefined,
      },
      { kind: "noop", address: b.address, changes: [], reason: undefined },
      {
        kind: "create",
        address: c.address,
        changes: [],
        reason: "in state but missing remotely: will be re-created",
      },
      {
        kind: "adopt",
        address: d.address,
        changes: [],
        reason: "exists remotely with our ownership marker but not in state",
      },
    ]);
    expect(plan.counts).toEqual({ create: 1, update: 1, noop: 1, adopt: 1, remove: 0 });
  });

  it("collects every conflict: foreign objects, another stack's objects and archived resources", async () => {
    const e = await env();
    const a = desired("aws_s3_bucket", "dp-a-dev");
    const b = desired("aws_s3_bucket", "dp-b-dev");
    const c = desired("dbx_catalog", "dp_c_dev");
    e.cloud.seed({ type: "aws_s3_bucket", name: "dp-a-dev" });
    e.cloud.seed({
      type: "aws_s3_bucket",
      name: "dp-b-dev",
      ownership: { stackId: "other/dev", address: b.address },
    });
    await applyPlan({ plan: await planChanges({ desired: [c], ...e }), ...e, options: { command: "t" } });
    const row = await e.store.getResource(e.stack.id, c.address);
    await e.store.putResource({ ...(row as NonNullable<typeof row>), status: "archived" });
    const err = (await planChanges({ desired: [a, b, c], ...e }).catch((x: unknown) => x)) as DpnError;
    expect(err).toBeInstanceOf(DpnError);
    expect(err.code).toBe("RESOURCE_CONFLICT");
    expect(err.exitCode).toBe(5);
    expect(err.problems.map((p) => [p.code, p.path])).toEqual([
      ["RESOURCE_CONFLICT", a.address],
      ["RESOURCE_CONFLICT", b.address],
      ["RESOURCE_ARCHIVED", c.address],
    ]);
    expect(err.problems[0]?.message).toContain("created outside dpn");
    expect(err.problems[1]?.message).toContain("owned by dpn stack other/dev");
    expect(err.problems[2]?.hint).toContain(`dpn restore --resource-id ${c.address}`);
  });

  it("reads each remote object at most once per run through the read cache", async () => {
    const e = await env();
    const want = graph20();
    await applyPlan({ plan: await planChanges({ desired: want, ...e }), ...e, options: { command: "t" } });
    const calls = () => e.cloud.count("read") + e.cloud.count("lookup");
    const before = calls();
    const cache = new ReadCache();
    await planChanges({ desired: want, ...e, cache });
    expect(calls() - before).toBe(20);
    await planChanges({ desired: want, ...e, cache });
    expect(calls() - before).toBe(20); // second plan in the same run: all hits
    expect(cache.hits).toBe(20);
    const row = await e.store.getResource(e.stack.id, (want[0] as { address: string }).address);
    cache.invalidate("aws_s3_bucket", row?.remoteId, row?.address);
    await planChanges({ desired: want, ...e, cache });
    expect(calls() - before).toBe(21); // only the invalidated object is read again
  });

  it("concurrent requests for one object share a single provider call", async () => {
    const e = await env();
    e.cloud.latencyMs = 5;
    const a = desired("aws_s3_bucket", "dp-a-dev");
    const cache = new ReadCache();
    const p = e.registry.get("aws_s3_bucket");
    const ctx = { stackId: e.stack.id, txId: "t", actor: "", resolveRef: () => undefined };
    await Promise.all([cache.lookup(p, a, ctx), cache.lookup(p, a, ctx), cache.lookup(p, a, ctx)]);
    expect(e.cloud.count("lookup")).toBe(1);
  });

  it("dry run only reads: no state writes, no remote mutations", async () => {
    const e = await env();
    const want = graph20();
    await applyPlan({
      plan: await planChanges({ desired: want.slice(0, 10), ...e }),
      ...e,
      options: { command: "t" },
    });
    const dump = async () =>
      JSON.stringify([
        await e.store.listStacks(),
        await e.store.listResources(e.stack.id),
        await e.store.listTransactions(),
        await e.store.auditEvents(),
        (await e.store.getLock(e.stack.id)) ?? null,
      ]);
    const before = await dump();
    const mutations = e.cloud.mutations().length;
    const plan = await planChanges({ desired: want, ...e });
    expect(await dump()).toBe(before);
    expect(e.cloud.mutations().length).toBe(mutations);
    expect(plan.counts).toEqual({ create: 10, update: 0, noop: 10, adopt: 0, remove: 0 });
  });
});

describe("planChanges with refresh quick", () => {
  /** The registry with a quickRead on buckets that answers `answer(record)` and counts its calls. */
  function withQuickRead(registry: ProviderRegistry, answer: (r: ResourceRecord) => RemoteObject | null) {
    const quick: string[] = [];
    const base = registry.get("aws_s3_bucket");
    const bucket: Provider = Object.assign(Object.create(base) as Provider, {
      quickRead: async (r: ResourceRecord) => {
        quick.push(r.address);
        return answer(r);
      },
    });
    const wrapped = Object.create(registry) as ProviderRegistry;
    wrapped.get = ((t: string) => (t === "aws_s3_bucket" ? bucket : registry.get(t as never))) as never;
    return { registry: wrapped, quick };
  }
  const asRecorded = (r: ResourceRecord): RemoteObject => ({
    type: r.type,
    remoteId: r.remoteId,
    name: r.name,
    fullName: r.fullName,
    properties: r.properties,
    tags: r.tags,
    ownership: { stackId: r.stackId, address: r.address },
    archived: false,
  });

  async function applied() {
    const e = await env();
    const a = desired("aws_s3_bucket", "dp-a-dev", { properties: { versioning: true } });
    const b = desired("aws_glue_database", "dp_b_dev", { deps: [a] });
    await applyPlan({ plan: await planChanges({ desired: [a, b], ...e }), ...e, options: { command: "t" } });
    return { e, a, b };
  }

  it("takes an unchanged quick read as the no-op, without the full read; types without one read in full", async () => {
    const { e, a, b } = await applied();
    const q = withQuickRead(e.registry, asRecorded);
    const reads = e.cloud.count("read");
    const plan = await planChanges({ desired: [a, b], ...e, registry: q.registry, refresh: "quick" });
    expect(plan.changes.map((c) => `${c.kind} ${c.address}`)).toEqual([
      `noop ${a.address}`,
      `noop ${b.address}`,
    ]);
    expect(q.quick).toEqual([a.address]);
    expect(e.cloud.count("read") - reads).toBe(1); // the Glue database only
    // the default is the full refresh: no quick read
    await planChanges({ desired: [a, b], ...e, registry: q.registry });
    expect(q.quick).toEqual([a.address]);
  });

  it("decides on the full read whatever the quick read does not show unchanged", async () => {
    const { e, a } = await applied();
    const cases: [string, (r: ResourceRecord) => RemoteObject | null, string][] = [
      [
        "changed setting",
        (r) => ({ ...asRecorded(r), properties: { ...r.properties, versioning: false } }),
        "noop",
      ],
      ["archived", (r) => ({ ...asRecorded(r), archived: true }), "noop"],
      ["not ours", (r) => ({ ...asRecorded(r), ownership: null }), "noop"],
      ["gone", () => null, "noop"],
    ];
    for (const [what, answer, kind] of cases) {
      const q = withQuickRead(e.registry, answer);
      const reads = e.cloud.count("read");
      const plan = await planChanges({ desired: [a], ...e, registry: q.registry, refresh: "quick" });
      // the full read sees the bucket as it really is (unchanged), so the plan follows it
      expect(
        plan.changes.map((c) => c.kind),
        what,
      ).toEqual([kind]);
      expect(e.cloud.count("read") - reads, what).toBe(1);
    }
    // and a real change on the platform is planned from the full read's image
    const q = withQuickRead(e.registry, (r) => ({ ...asRecorded(r), tags: { ...r.tags, Hack: "x" } }));
    const a2 = desired("aws_s3_bucket", "dp-a-dev", { properties: { versioning: false } });
    const plan = await planChanges({ desired: [a2], ...e, registry: q.registry, refresh: "quick" });
    expect(plan.changes.map((c) => [c.kind, c.changes])).toEqual([
      ["update", [{ field: "versioning", before: true, after: false }]],
    ]);
    const change = plan.changes[0];
    expect(change?.kind === "update" ? change.live.tags : undefined).not.toHaveProperty("Hack");
  });
});

describe("planChanges progress events", () => {
  it("reports 0 of N before the first read, then one event per resource read, up to N of N, then plan.ready", async () => {
    const e = await env();
    const events: EngineEvent[] = [];
    await planChanges({ desired: graph20(), ...e, parallelism: 4, reporter: (ev) => events.push(ev) });
    const progress = events.flatMap((ev) => (ev.event === "plan.progress" ? [`${ev.done}/${ev.total}`] : []));
    expect(progress).toEqual(Array.from({ length: 21 }, (_, i) => `${i}/20`));
    expect(events.at(-1)?.event).toBe("plan.ready");
  });
});
