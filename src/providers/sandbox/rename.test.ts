/**
 * The sandbox's in-place renames (Provider.rename, `dpn migrate`) follow the same rules as the
 * Databricks fake (test/fakes/databricks/SPEC.md, "Renames"): UC names validated and folded, a
 * taken name refused with the platform's code, a renamed container moving its children, a table
 * renamed within its schema (ALTER TABLE … RENAME TO), the cluster edit's state rule.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ProviderContext, RemoteObject } from "../../engine/ports.js";
import { createSandboxRegistry, type SandboxRegistry } from "./sandbox-provider.js";
import * as kit from "./sandbox-test-kit.js";

let s: SandboxRegistry | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const ctx: ProviderContext = { stackId: "st", txId: "tx", actor: "me@host", resolveRef: () => undefined };

async function estate() {
  s = createSandboxRegistry({ dbPath: join(mkdtempSync(join(tmpdir(), "dpn-rename-")), "sandbox.db") });
  const r = s;
  const cat = await r.get("dbx_catalog").create(kit.catalog("old_cat"), ctx);
  const sch = await r.get("dbx_schema").create(kit.schema("old_cat", "sch"), ctx);
  await r.get("dbx_table").create(kit.ucTable("old_cat", "sch", "tbl"), ctx);
  const vol = await r.get("dbx_volume").create(kit.volume("old_cat", "sch", "vol"), ctx);
  const names = () =>
    r
      .inventory()
      .map((o) => `${o.type}:${o.fullName}`)
      .sort();
  return { r, cat, sch, vol, names };
}

describe("sandbox renames", () => {
  it("a renamed catalog moves its schemas, tables and volumes, keeping markers and tags", async () => {
    const { r, cat, names } = await estate();
    const out = await r.get("dbx_catalog").rename?.(cat, "New_Cat", ctx);
    expect(out).toMatchObject({
      remoteId: "new_cat",
      name: "new_cat",
      ownership: cat.ownership,
      tags: cat.tags,
    });
    expect(names()).toEqual([
      "dbx_catalog:new_cat",
      "dbx_schema:new_cat.sch",
      "dbx_table:new_cat.sch.tbl",
      "dbx_volume:new_cat.sch.vol",
    ]);
    expect((await r.get("dbx_schema").read("new_cat.sch", ctx))?.properties.catalog_name).toBe("new_cat");
    expect(await r.get("dbx_schema").read("old_cat.sch", ctx)).toBeNull();
  });

  it("refuses a taken name, an invalid name and a missing object, changing nothing", async () => {
    const { r, sch, vol, names } = await estate();
    await r.get("dbx_schema").create(kit.schema("old_cat", "taken"), ctx);
    const before = names();
    await expect(r.get("dbx_schema").rename?.(sch, "taken", ctx)).rejects.toMatchObject({
      category: "conflict",
      details: { platformCode: "SCHEMA_ALREADY_EXISTS" },
    });
    // tables and volumes share a schema's namespace
    await expect(r.get("dbx_volume").rename?.(vol, "tbl", ctx)).rejects.toMatchObject({
      details: { platformCode: "RESOURCE_ALREADY_EXISTS" },
    });
    await expect(r.get("dbx_schema").rename?.(sch, "a.b", ctx)).rejects.toMatchObject({
      category: "invalid_input",
    });
    await expect(
      r.get("dbx_schema").rename?.({ ...sch, remoteId: "old_cat.nope" }, "x", ctx),
    ).rejects.toMatchObject({ category: "not_found" });
    expect(names()).toEqual(before);
    expect(r.get("aws_s3_bucket").rename).toBeUndefined();
    expect(r.get("aws_glue_table").rename).toBeUndefined();
  });

  it("a table is renamed within its schema with its markers and tags; a taken or invalid name is refused", async () => {
    const { r, names } = await estate();
    const t = await r.get("dbx_table").read("old_cat.sch.tbl", ctx);
    if (!t) throw new Error("seeded table missing");
    const out = await r.get("dbx_table").rename?.(t, "Tbl_New", ctx);
    expect(out).toMatchObject({
      remoteId: "old_cat.sch.tbl_new",
      name: "tbl_new",
      ownership: t.ownership,
      tags: t.tags,
      properties: t.properties,
    });
    expect(await r.get("dbx_table").read("old_cat.sch.tbl", ctx)).toBeNull();
    const before = names();
    await expect(r.get("dbx_table").rename?.(out as RemoteObject, "vol", ctx)).rejects.toMatchObject({
      category: "conflict",
      details: { platformCode: "TABLE_OR_VIEW_ALREADY_EXISTS" },
    });
    await expect(r.get("dbx_table").rename?.(out as RemoteObject, "a.b", ctx)).rejects.toMatchObject({
      category: "invalid_input",
    });
    await expect(r.get("dbx_table").rename?.(t, "x", ctx)).rejects.toMatchObject({ category: "not_found" });
    expect(names()).toEqual(before);
  });

  it("clusters follow the edit rules (restart when RUNNING); jobs keep their id", async () => {
    let now = 1_000_000;
    s = createSandboxRegistry({
      dbPath: join(mkdtempSync(join(tmpdir(), "dpn-rename-")), "sandbox.db"),
      clusterStartMs: 60_000,
      now: () => now,
    });
    const cl = await s.get("dbx_cluster").create(kit.cluster("etl-old"), ctx);
    expect(cl.status).toBe("PENDING");
    await expect(s.get("dbx_cluster").rename?.(cl, "etl-new", ctx)).rejects.toMatchObject({
      details: { platformCode: "INVALID_STATE" },
    });
    now += 60_000;
    const running = await s.get("dbx_cluster").read(cl.remoteId, ctx);
    expect(running?.status).toBe("RUNNING");
    const edited = await s
      .get("dbx_cluster")
      .rename?.(running as NonNullable<typeof running>, "etl-new", ctx);
    expect(edited).toMatchObject({ remoteId: cl.remoteId, name: "etl-new", status: "RESTARTING" });
    const job = await s
      .get("dbx_job")
      .create(kit.job("job-old", "dbx_cluster.etl-old"), { ...ctx, resolveRef: () => cl.remoteId });
    const renamed = await s.get("dbx_job").rename?.(job, "job-new", ctx);
    expect(renamed).toMatchObject({ remoteId: job.remoteId, name: "job-new", ownership: job.ownership });
    expect(s.callCounts()["rename:dbx_job"]).toBe(1);
  });
});
