import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSandboxRegistry, openSandboxInventory, type SandboxRegistry } from "./sandbox-provider.js";
import { SANDBOX_SCHEMA_VERSION } from "./sandbox-store.js";
import * as kit from "./sandbox-test-kit.js";

describe("sandbox file", () => {
  let t: ReturnType<typeof kit.tempSandbox>;
  const open: SandboxRegistry[] = [];
  const registry = (extra: Partial<Parameters<typeof createSandboxRegistry>[0]> = {}) => {
    const r = createSandboxRegistry({ dbPath: t.dbPath, ...extra });
    open.push(r);
    return r;
  };
  const c = kit.ctx();

  beforeEach(() => {
    t = kit.tempSandbox();
  });
  afterEach(async () => {
    for (const r of open.splice(0)) await r.close();
    t.cleanup();
  });

  it("is created with its folder, in WAL mode, and preflight checks it opens", async () => {
    const reg = registry();
    expect(reg.target).toBe("sandbox");
    await reg.preflight(["aws_s3_bucket"]);
    expect(existsSync(t.dbPath)).toBe(true);
    const db = new Database(t.dbPath, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("two registries on one file see each other's writes, and ids stay unique across them", async () => {
    const a = registry();
    const b = registry();
    await a.get("dbx_catalog").create(kit.catalog("shared"), c);
    expect((await b.get("dbx_catalog").lookup(kit.catalog("shared"), c))?.ownership?.stackId).toBe(kit.STACK);
    const dup = await kit.rejection(b.get("dbx_catalog").create(kit.catalog("shared"), c));
    expect(dup).toMatchObject({ category: "conflict" });
    const ca = await a.get("dbx_cluster").create(kit.cluster(), c);
    const cb = await b.get("dbx_cluster").create(kit.cluster(), c);
    expect(ca.remoteId).not.toBe(cb.remoteId);
    const refs = { [kit.cluster().address]: ca.remoteId };
    const ja = await a.get("dbx_job").create(kit.job(), kit.ctx({}, refs));
    const jb = await b.get("dbx_job").create(kit.job(), kit.ctx({}, refs));
    expect(ja.remoteId).not.toBe(jb.remoteId);
    await b.get("dbx_catalog").archive((await b.get("dbx_catalog").read("shared", c))!, c);
    expect((await a.get("dbx_catalog").read("shared", c))?.archived).toBe(true);
    expect(a.inventory()).toEqual(b.inventory());
  });

  it("concurrent creates of one name from two registries: exactly one wins", async () => {
    const a = registry();
    const b = registry();
    const results = await Promise.allSettled([
      a.get("aws_s3_bucket").create(kit.bucket("race-bucket"), c),
      b.get("aws_s3_bucket").create(kit.bucket("race-bucket"), c),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
  });

  it("keeps every completed call after the registry is closed and reopened", async () => {
    const a = registry();
    await a.get("aws_glue_database").create(kit.glueDb("kept"), c);
    await a.close();
    const b = registry();
    expect((await b.get("aws_glue_database").read("kept", c))?.name).toBe("kept");
  });

  it("refuses a file written by a newer dpn (DpnError state)", () => {
    registry();
    const db = new Database(t.dbPath);
    db.pragma(`user_version = ${SANDBOX_SCHEMA_VERSION + 1}`);
    db.close();
    for (const attempt of [
      () => createSandboxRegistry({ dbPath: t.dbPath }),
      () => openSandboxInventory(t.dbPath),
      () => createSandboxRegistry({ dbPath: t.dbPath, readonly: true }),
    ]) {
      expect(attempt).toThrow(
        expect.objectContaining({ kind: "state", code: "SANDBOX_DB_TOO_NEW", exitCode: 8 }),
      );
    }
  });

  it("refuses another SQLite database and a file that is not SQLite", () => {
    mkdirSync(dirname(t.dbPath), { recursive: true });
    const db = new Database(t.dbPath);
    db.exec("CREATE TABLE stacks (id TEXT)");
    db.close();
    expect(() => createSandboxRegistry({ dbPath: t.dbPath })).toThrow(
      expect.objectContaining({ code: "SANDBOX_DB_FOREIGN" }),
    );
    const garbage = join(t.dir, "garbage.db");
    writeFileSync(
      garbage,
      "this is not a database, just text that is long enough to not look empty ".repeat(20),
    );
    expect(() => createSandboxRegistry({ dbPath: garbage })).toThrow(
      expect.objectContaining({ kind: "state", code: "SANDBOX_DB_UNREADABLE" }),
    );
  });

  it("openSandboxInventory lists everything (foreign buckets too) and does not create a missing file", async () => {
    expect(openSandboxInventory(t.dbPath)).toEqual([]);
    expect(existsSync(t.dbPath)).toBe(false);
    const reg = registry();
    reg.seedForeign("someone-elses", { region: "eu-west-1" });
    const made = await reg.get("dbx_cluster").create(kit.cluster(), c);
    await reg.get("dbx_cluster").archive(made, c);
    expect(openSandboxInventory(t.dbPath)).toEqual([
      {
        type: "aws_s3_bucket",
        name: "someone-elses",
        fullName: "someone-elses",
        remoteId: "someone-elses",
        account: "foreign",
        ownership: null,
        archived: false,
        tags: {},
      },
      {
        type: "dbx_cluster",
        name: "demo-etl-dev",
        fullName: "demo-etl-dev",
        remoteId: made.remoteId,
        account: "self",
        ownership: { stackId: kit.STACK, address: kit.cluster().address },
        archived: true,
        status: "TERMINATED",
        tags: { project: "demo" },
      },
    ]);
  });

  it("readonly (dry run): never creates the file, reads existing data, refuses mutations", async () => {
    const dry = registry({ readonly: true });
    expect(await dry.get("dbx_catalog").lookup(kit.catalog("x"), c)).toBeNull();
    const e = await kit.rejection(dry.get("dbx_catalog").create(kit.catalog("x"), c));
    expect(e).toMatchObject({ code: "SANDBOX_READONLY", outcome: "not_applied" });
    expect(() => dry.seedForeign("abc-def")).toThrow(expect.objectContaining({ code: "SANDBOX_READONLY" }));
    expect(existsSync(t.dbPath)).toBe(false);

    const rw = registry();
    const cl = await rw.get("dbx_cluster").create(kit.cluster(), c);
    const dry2 = registry({ readonly: true });
    // the cluster is seen RUNNING (time-driven state) without writing anything
    expect((await dry2.get("dbx_cluster").read(cl.remoteId, c))?.status).toBe("RUNNING");
    expect(rw.inventory()[0]?.status).toBe("PENDING");
  });

  it("readonly reads a file whose writers have all closed", async () => {
    const rw = registry();
    await rw.get("dbx_catalog").create(kit.catalog("kept"), c);
    await rw.close();
    const dry = registry({ readonly: true });
    expect((await dry.get("dbx_catalog").read("kept", c))?.name).toBe("kept");
  });

  it("calls after close fail with a ProviderError", async () => {
    const reg = registry();
    await reg.close();
    const e = await kit.rejection(reg.get("dbx_catalog").read("x", c));
    expect(e).toMatchObject({ name: "ProviderError", code: "SANDBOX_CLOSED" });
  });
});
