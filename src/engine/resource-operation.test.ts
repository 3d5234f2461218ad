import { describe, expect, it } from "vitest";
import { desired, FakeCloud } from "../../test/fakes/memory-provider.js";
import type { DpnError } from "../core/errors.js";
import { openMemoryStateStore } from "../state/sqlite-store.js";
import { applyPlan } from "./apply.js";
import { planChanges } from "./plan.js";
import type { ResourceRecord } from "./ports.js";
import { runResourceOperation } from "./resource-operation.js";

async function env() {
  const cloud = new FakeCloud();
  const store = openMemoryStateStore();
  const stack = await store.ensureStack("dp", "dev");
  const registry = cloud.registry();
  const a = desired("aws_s3_bucket", "dp-a-dev", { properties: { comment: "v1" } });
  const r = await applyPlan({
    plan: await planChanges({ desired: [a], stack, store, registry }),
    stack,
    store,
    registry,
    options: { command: "dpn create" },
  });
  expect(r.outcome).toBe("committed");
  const row = (await store.getResource(stack.id, a.address)) as ResourceRecord;
  return { cloud, store, stack, registry, a, row };
}
const opts = { command: "dpn test", retry: { baseMs: 0 } };

describe("runResourceOperation", () => {
  it("update applies the diff and records it", async () => {
    const e = await env();
    const a2 = desired("aws_s3_bucket", "dp-a-dev", { properties: { comment: "v2" } });
    const r = await runResourceOperation({
      ...e,
      action: "update",
      record: e.row,
      desired: a2,
      options: opts,
    });
    expect(r.outcome).toBe("committed");
    expect(e.cloud.inventory()[0]?.properties).toEqual({ comment: "v2" });
    expect((await e.store.getResource(e.stack.id, e.a.address))?.properties).toEqual({ comment: "v2" });
    expect((await e.store.getTransaction(r.txId))?.kind).toBe("update");
  });

  it("an update whose outcome is unknown is reverted, state untouched", async () => {
    const e = await env();
    const inv = e.cloud.inventory();
    e.cloud.inject({ method: "update", when: "after" });
    const a2 = desired("aws_s3_bucket", "dp-a-dev", { properties: { comment: "v2" } });
    const r = await runResourceOperation({
      ...e,
      action: "update",
      record: e.row,
      desired: a2,
      options: opts,
    });
    expect(r.outcome).toBe("rolled_back");
    expect(r.error?.code).toBe("APPLY_ROLLED_BACK");
    expect(e.cloud.count("revert")).toBe(1);
    expect(e.cloud.inventory()).toEqual(inv);
    expect(await e.store.getResource(e.stack.id, e.a.address)).toEqual(e.row);
  });

  it("a delete the provider refuses reports the provider's own error (nothing to undo)", async () => {
    const e = await env();
    e.cloud.putData(e.row.remoteId);
    const r = await runResourceOperation({ ...e, action: "delete", record: e.row, options: opts });
    expect(r.outcome).toBe("rolled_back");
    expect(r.error?.code).toBe("REMOTE_NOT_EMPTY");
    expect(r.error?.exitCode).toBe(5);
    expect(e.cloud.inventory()).toHaveLength(1);
    const forced = await runResourceOperation({
      ...e,
      action: "delete",
      record: e.row,
      params: { force: true },
      options: opts,
    });
    expect(forced.outcome).toBe("committed");
    expect(e.cloud.inventory()).toEqual([]);
    expect(await e.store.listResources(e.stack.id)).toEqual([]);
  });

  it("delete of an object already gone just drops the row; in-doubt delete is settled by a read", async () => {
    const e = await env();
    e.cloud.inject({ method: "delete", when: "after" });
    const r = await runResourceOperation({ ...e, action: "delete", record: e.row, options: opts });
    expect(r.outcome).toBe("committed");
    expect(await e.store.listResources(e.stack.id)).toEqual([]);
    const e2 = await env();
    e2.cloud.objects.clear();
    const r2 = await runResourceOperation({ ...e2, action: "delete", record: e2.row, options: opts });
    expect(r2.outcome).toBe("committed");
    expect(await e2.store.listResources(e2.stack.id)).toEqual([]);
  });

  it("archive then restore round-trips; an in-doubt archive is undone by restore", async () => {
    const e = await env();
    const r = await runResourceOperation({ ...e, action: "archive", record: e.row, options: opts });
    expect(r.outcome).toBe("committed");
    expect(e.cloud.inventory()[0]?.archived).toBe(true);
    const archived = (await e.store.getResource(e.stack.id, e.a.address)) as ResourceRecord;
    expect(archived.status).toBe("archived");
    const back = await runResourceOperation({ ...e, action: "restore", record: archived, options: opts });
    expect(back.outcome).toBe("committed");
    expect((await e.store.getResource(e.stack.id, e.a.address))?.status).toBe("active");

    e.cloud.inject({ method: "archive", when: "after" });
    const failed = await runResourceOperation({
      ...e,
      action: "archive",
      record: (await e.store.getResource(e.stack.id, e.a.address)) as ResourceRecord,
      options: opts,
    });
    expect(failed.outcome).toBe("rolled_back");
    expect(e.cloud.inventory()[0]?.archived).toBe(false);
    expect((await e.store.getResource(e.stack.id, e.a.address))?.status).toBe("active");
  });

  it("import (adopt) stamps our marker on an unowned object and refuses another stack's", async () => {
    const e = await env();
    e.cloud.seed({ type: "dbx_catalog", name: "legacy_cat" });
    const d = desired("dbx_catalog", "legacy_cat");
    const r = await runResourceOperation({ ...e, action: "adopt", desired: d, options: opts });
    expect(r.outcome).toBe("committed");
    expect(e.cloud.inventory().find((o) => o.name === "legacy_cat")?.ownership).toEqual({
      stackId: e.stack.id,
      address: d.address,
    });
    expect((await e.store.getResource(e.stack.id, d.address))?.remoteId).toBe("legacy_cat");

    e.cloud.seed({
      type: "dbx_catalog",
      name: "their_cat",
      ownership: { stackId: "other/dev", address: "dbx_catalog.their_cat" },
    });
    const err = (await runResourceOperation({
      ...e,
      action: "adopt",
      desired: desired("dbx_catalog", "their_cat"),
      options: opts,
    }).catch((x: unknown) => x)) as DpnError;
    expect(err.code).toBe("RESOURCE_CONFLICT");
    expect(err.message).toContain("other/dev");
  });

  it("an import whose marker write is in doubt is reverted to the unowned object", async () => {
    const e = await env();
    const seeded = e.cloud.seed({ type: "dbx_catalog", name: "legacy_cat" });
    e.cloud.inject({ method: "adopt", when: "after" });
    const r = await runResourceOperation({
      ...e,
      action: "adopt",
      desired: desired("dbx_catalog", "legacy_cat"),
      options: opts,
    });
    expect(r.outcome).toBe("rolled_back");
    expect(e.cloud.inventory().find((o) => o.name === "legacy_cat")).toEqual(seeded);
    expect(await e.store.getResource(e.stack.id, "dbx_catalog.legacy_cat")).toBeUndefined();
  });

  it("refuses to touch a missing object with REMOTE_RESOURCE_MISSING before any transaction", async () => {
    const e = await env();
    e.cloud.objects.clear();
    const err = (await runResourceOperation({ ...e, action: "archive", record: e.row, options: opts }).catch(
      (x: unknown) => x,
    )) as DpnError;
    expect(err.code).toBe("REMOTE_RESOURCE_MISSING");
    expect(err.exitCode).toBe(5);
    expect(await e.store.listTransactions()).toHaveLength(1); // only the create from env()
  });
});
