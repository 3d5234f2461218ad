/**
 * The state-store contract (StateStore in src/engine/ports.ts), held equal on every backend:
 * SQLite (embedded), S3 (moto) and PostgreSQL (a real server). Each backend's contract file calls
 * `stateStoreContract` with a factory of fresh, empty backends; every test opens its stores the way
 * separate processes would (`open()` twice is two processes on one backend).
 *
 * What it pins: orderings and filters of every read, what each write keeps and replaces, locks
 * (conflict, re-acquire, lease takeover, dead-holder takeover, release and renew only by the
 * holder, conditional force-unlock, tokens that only grow), fencing (a holder that lost its lock
 * writes nothing and gets LOCK_LOST), settlements seen whole, export → import round trips, the
 * migrated marker and read-only stores.
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { DpnError } from "../../src/core/errors.js";
import { stackIdFor } from "../../src/core/ids.js";
import type { DesiredResource } from "../../src/core/resources.js";
import type {
  AuditEvent,
  JournalIntent,
  ResourceRecord,
  StackDump,
  StateStore,
  StoredPlan,
} from "../../src/engine/ports.js";

/** One backend under test. */
export interface StateBackendUnderTest {
  /** A fresh, empty backend. Each `open()` is a new store on it, as a separate process would open it. */
  fresh(): Promise<{
    location: string;
    open(opts?: { readonly?: boolean }): Promise<StateStore>;
    dispose(): Promise<void>;
  }>;
}

type Fresh = Awaited<ReturnType<StateBackendUnderTest["fresh"]>>;

const HOST = os.hostname();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const holder = (holderId: string, pid = process.pid, host = HOST) => ({ holderId, user: "ana", host, pid });

/** The pid of a process that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""], { stdio: "ignore" });
  if (typeof r.pid !== "number" || r.status !== 0) throw new Error("could not spawn a child process");
  return r.pid;
}

/** The DpnError code a promise rejects with (fails the test when it resolves). */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DpnError) return e.code;
    throw e;
  }
  throw new Error("expected a rejection, but the call succeeded");
}

function row(stackId: string, address: string, over: Partial<ResourceRecord> = {}): ResourceRecord {
  return {
    stackId,
    address,
    type: "aws_s3_bucket",
    name: address.split(".").pop() ?? address,
    fullName: address,
    remoteId: `rid-${address}`,
    properties: { region: "eu-west-1", versioning: true },
    tags: { Project: "sales" },
    status: "active",
    txId: "tx-0",
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...over,
  };
}

const desired = (address: string): DesiredResource =>
  ({
    address,
    type: "aws_s3_bucket",
    name: address.split(".").pop() ?? address,
    properties: { region: "eu-west-1" },
    tags: {},
    dependsOn: [],
  }) as unknown as DesiredResource;

const plan = (stackId: string, addresses: string[]): StoredPlan => ({
  version: 1,
  stackId,
  desired: addresses.map(desired),
});

function intent(txId: string, address: string): JournalIntent {
  return {
    txId,
    phase: "forward",
    action: "create",
    address,
    type: "aws_s3_bucket",
    name: address.split(".").pop() ?? address,
    desired: desired(address),
    before: { absentAt: "2026-01-01T00:00:00.000Z" },
  };
}

function txOf(stackId: string, id: string) {
  return {
    id,
    stackId,
    kind: "create" as const,
    actor: "ana@host",
    command: "dpn create",
    blueprintHash: "sha256:abc",
    target: "sandbox",
    pid: process.pid,
    host: HOST,
  };
}

const event = (stackId: string | undefined, name: string, over: Partial<AuditEvent> = {}): AuditEvent => ({
  at: new Date().toISOString(),
  actor: "ana@host",
  ...(stackId ? { stackId } : {}),
  command: "dpn create",
  event: name,
  ...over,
});

/** A stack with rows, a protection, a cleanup, two transactions (plan + journal) and audit events. */
async function populate(store: StateStore, project = "sales", env = "dev"): Promise<string> {
  const stack = await store.ensureStack(project, env);
  const id = stack.id;
  await store.beginTransaction(txOf(id, `tx-${project}-1`), plan(id, ["s3.raw", "s3.gold"]));
  const a = await store.journalIntent(intent(`tx-${project}-1`, "s3.raw"));
  await store.settleStep({
    outcomes: [{ id: a.id, status: "done", remoteId: "rid-s3.raw" }],
    put: [row(id, "s3.raw", { txId: `tx-${project}-1` })],
    audit: [event(id, "resource.created", { txId: `tx-${project}-1`, address: "s3.raw", outcome: "done" })],
  });
  const b = await store.journalIntent(intent(`tx-${project}-1`, "s3.gold"));
  await store.settleStep({
    outcomes: [{ id: b.id, status: "failed", error: { code: "PROVIDER_ERROR", message: "boom" } }],
  });
  await store.finishTransaction(`tx-${project}-1`, "rolled_back", { code: "APPLY_FAILED" });
  await store.beginTransaction(txOf(id, `tx-${project}-2`), {
    ...plan(id, ["s3.raw"]),
    prune: { mode: "archive", addresses: ["s3.old"] },
  });
  await store.finishTransaction(`tx-${project}-2`, "committed");
  await store.putResource(row(id, "s3.archived", { status: "archived", txId: `tx-${project}-2` }));
  await store.setProtection(id, [{ address: "s3.raw", on: true }], `tx-${project}-2`);
  await store.setCleanups(
    id,
    [{ address: "s3.old", pending: true, error: { code: "S3_NOT_EMPTY" } }],
    `tx-${project}-2`,
  );
  await store.audit(event(id, "tx.committed", { txId: `tx-${project}-2`, details: { n: 1 } }));
  await store.flush();
  return id;
}

/** Register the contract's tests for one backend. */
export function stateStoreContract(name: string, backend: StateBackendUnderTest): void {
  describe(`state-store contract on ${name}`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanup.splice(0).reverse()) await c();
    });
    async function fresh(): Promise<Fresh> {
      const f = await backend.fresh();
      cleanup.push(() => f.dispose());
      return f;
    }
    async function open(f: Fresh, opts?: { readonly?: boolean }): Promise<StateStore> {
      const s = await f.open(opts);
      cleanup.push(() => s.close());
      return s;
    }

    it("stacks: ensureStack is idempotent, listStacks orders by project then environment", async () => {
      const s = await open(await fresh());
      expect(await s.getStack("sales", "dev")).toBeUndefined();
      const a = await s.ensureStack("sales", "dev");
      expect(a).toMatchObject({ id: stackIdFor("sales", "dev"), project: "sales", environment: "dev" });
      expect(Number.isNaN(Date.parse(a.createdAt))).toBe(false);
      expect(await s.ensureStack("sales", "dev")).toEqual(a);
      await s.ensureStack("ads", "prd");
      await s.ensureStack("sales", "ci");
      expect((await s.listStacks()).map((x) => x.id)).toEqual(["ads/prd", "sales/ci", "sales/dev"]);
      expect(await s.getStack("sales", "dev")).toEqual(a);
    });

    it("resources: ordered by address, filtered, createdAt kept on update, removed by a settlement", async () => {
      const s = await open(await fresh());
      const id = (await s.ensureStack("sales", "dev")).id;
      await s.putResource(row(id, "s3.b"));
      await s.putResource(row(id, "glue.a", { type: "aws_glue_database" }));
      await s.putResource(row(id, "s3.c", { status: "archived" }));
      expect((await s.listResources(id)).map((r) => r.address)).toEqual(["glue.a", "s3.b", "s3.c"]);
      expect((await s.listResources(id, { status: "archived" })).map((r) => r.address)).toEqual(["s3.c"]);
      expect((await s.listResources(id, { type: "aws_glue_database" })).map((r) => r.address)).toEqual([
        "glue.a",
      ]);
      await s.putResource(
        row(id, "s3.b", {
          createdAt: "2030-01-01T00:00:00.000Z",
          updatedAt: "2030-01-02T00:00:00.000Z",
          remoteId: "new",
        }),
      );
      const b = await s.getResource(id, "s3.b");
      expect(b).toMatchObject({ remoteId: "new", createdAt: "2026-01-01T00:00:00.000Z" });
      expect(b?.properties).toEqual({ region: "eu-west-1", versioning: true });
      await s.settleStep({ outcomes: [], remove: [{ stackId: id, address: "s3.b" }] });
      expect(await s.getResource(id, "s3.b")).toBeUndefined();
      expect(await s.getResource(id, "nowhere")).toBeUndefined();
      expect(await s.listResources("other/dev")).toEqual([]);
    });

    it("transactions: begin with plan, finish, filters, unfinished, unknown ids", async () => {
      const s = await open(await fresh());
      const id = (await s.ensureStack("sales", "dev")).id;
      const t1 = await s.beginTransaction(txOf(id, "tx-1"), plan(id, ["s3.raw"]));
      expect(t1).toMatchObject({ id: "tx-1", stackId: id, status: "running", kind: "create" });
      expect(t1.finishedAt).toBeUndefined();
      expect(await s.loadPlan("tx-1")).toEqual(plan(id, ["s3.raw"]));
      await s.beginTransaction(txOf(id, "tx-2"), plan(id, []));
      await s.finishTransaction("tx-1", "committed");
      await s.finishTransaction("tx-2", "interrupted", { code: "KILLED" });
      const t1b = await s.getTransaction("tx-1");
      expect(t1b?.status).toBe("committed");
      expect(Number.isNaN(Date.parse(t1b?.finishedAt ?? ""))).toBe(false);
      const t2 = await s.getTransaction("tx-2");
      expect(t2).toMatchObject({ status: "interrupted", error: { code: "KILLED" } });
      expect(t2?.finishedAt).toBeUndefined();
      // a later finish without an error keeps the earlier one
      await s.finishTransaction("tx-2", "rolled_back");
      expect(await s.getTransaction("tx-2")).toMatchObject({
        status: "rolled_back",
        error: { code: "KILLED" },
      });
      await s.beginTransaction(txOf(id, "tx-3"), plan(id, []));
      expect((await s.unfinishedTransactions(id)).map((t) => t.id)).toEqual(["tx-3"]);
      expect((await s.listTransactions({ stackId: id, status: "committed" })).map((t) => t.id)).toEqual([
        "tx-1",
      ]);
      expect(await s.listTransactions({ stackId: id })).toHaveLength(3);
      expect(await s.listTransactions({ stackId: id, limit: 2 })).toHaveLength(2);
      expect(await s.listTransactions({ stackId: "other/dev" })).toEqual([]);
      expect(await s.getTransaction("nope")).toBeUndefined();
      expect(await s.loadPlan("nope")).toBeUndefined();
      expect(await codeOf(s.finishTransaction("nope", "committed"))).toBe("STATE_UNKNOWN_TRANSACTION");
    });

    it("journal: seq counts from 1 per transaction; an outcome keeps what it omits; a settlement is seen whole", async () => {
      const f = await fresh();
      const s = await open(f);
      const id = (await s.ensureStack("sales", "dev")).id;
      await s.beginTransaction(txOf(id, "tx-1"), plan(id, ["s3.a", "s3.b"]));
      await s.beginTransaction(txOf(id, "tx-2"), plan(id, []));
      const a = await s.journalIntent(intent("tx-1", "s3.a"));
      const other = await s.journalIntent(intent("tx-2", "s3.x"));
      const b = await s.journalIntent({ ...intent("tx-1", "s3.b"), remoteId: "rid-b" });
      expect([a.seq, b.seq, other.seq]).toEqual([1, 2, 1]);
      expect(a).toMatchObject({ status: "intent", txId: "tx-1", address: "s3.a", phase: "forward" });
      expect(a.desired).toEqual(desired("s3.a"));
      expect(a.before).toEqual({ absentAt: "2026-01-01T00:00:00.000Z" });
      expect(Number.isNaN(Date.parse(a.startedAt))).toBe(false);
      const after = {
        remote: {
          type: "aws_s3_bucket" as const,
          remoteId: "rid-a",
          name: "a",
          fullName: "a",
          properties: {},
          tags: {},
          ownership: null,
          archived: false,
        },
      };
      await s.settleStep({
        outcomes: [{ id: a.id, status: "done", remoteId: "rid-a", after }],
        put: [row(id, "s3.a", { txId: "tx-1" })],
        audit: [event(id, "resource.created", { txId: "tx-1", address: "s3.a" })],
      });
      await s.settleStep({ outcomes: [{ id: b.id, status: "unknown" }] });
      await s.flush();
      // a second process sees the settlements whole
      const t = await open(f);
      const j = await t.journal("tx-1");
      expect(j.map((e) => [e.seq, e.address, e.status])).toEqual([
        [1, "s3.a", "done"],
        [2, "s3.b", "unknown"],
      ]);
      expect(j[0]?.after).toEqual(after);
      expect(j[0]?.finishedAt).toBeDefined();
      expect(j[1]?.remoteId).toBe("rid-b");
      expect(j[1]?.desired).toEqual(desired("s3.b"));
      expect(await t.getResource(id, "s3.a")).toBeDefined();
      expect((await t.auditEvents({ txId: "tx-1" })).map((e) => e.event)).toEqual(["resource.created"]);
      expect(await t.journal("nope")).toEqual([]);
    });

    it("audit: oldest first, since, limit keeps the latest N oldest first, stack and tx filters", async () => {
      const s = await open(await fresh());
      const id = (await s.ensureStack("sales", "dev")).id;
      const base = Date.parse("2026-03-01T00:00:00.000Z");
      for (let i = 0; i < 6; i++)
        await s.audit(
          event(i % 2 ? id : undefined, `e${i}`, {
            at: new Date(base + i * 1000).toISOString(),
            ...(i === 4 ? { txId: "tx-9", details: { k: "v" }, outcome: "done", address: "s3.a" } : {}),
          }),
        );
      expect((await s.auditEvents()).map((e) => e.event)).toEqual(["e0", "e1", "e2", "e3", "e4", "e5"]);
      expect((await s.auditEvents({ limit: 2 })).map((e) => e.event)).toEqual(["e4", "e5"]);
      expect(
        (await s.auditEvents({ since: new Date(base + 3000).toISOString() })).map((e) => e.event),
      ).toEqual(["e3", "e4", "e5"]);
      expect((await s.auditEvents({ stackId: id })).map((e) => e.event)).toEqual(["e1", "e3", "e5"]);
      const [e4] = await s.auditEvents({ txId: "tx-9" });
      expect(e4).toMatchObject({ event: "e4", details: { k: "v" }, outcome: "done", address: "s3.a" });
      const ids = (await s.auditEvents()).map((e) => e.id ?? 0);
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    });

    it("protections and cleanups are kept apart from rows", async () => {
      const s = await open(await fresh());
      const id = (await s.ensureStack("sales", "dev")).id;
      await s.setProtection(
        id,
        [
          { address: "s3.a", on: true },
          { address: "s3.b", on: true },
        ],
        "tx-1",
      );
      await s.setProtection(id, [{ address: "s3.b", on: false }], "tx-2");
      expect([...(await s.protectedAddresses(id))]).toEqual(["s3.a"]);
      await s.setCleanups(id, [{ address: "s3.x", pending: true }], "tx-1");
      await s.setCleanups(id, [{ address: "s3.y", pending: true, error: { code: "E" } }], "tx-1");
      await s.setCleanups(id, [{ address: "s3.x", pending: false }], "tx-2");
      const c = await s.pendingCleanups(id);
      expect(c.map((x) => [x.address, x.txId, x.error])).toEqual([["s3.y", "tx-1", { code: "E" }]]);
      expect([...(await s.protectedAddresses("other/dev"))]).toEqual([]);
    });

    describe("locks", () => {
      it("acquire, conflict names the holder, the same holder re-acquires keeping since and token", async () => {
        const f = await fresh();
        const a = await open(f);
        const b = await open(f);
        const r = await a.tryLock("sales/dev", holder("h1"), 60_000);
        if (!r.acquired) throw new Error("not acquired");
        expect(r.lock).toMatchObject({ stackId: "sales/dev", holderId: "h1", user: "ana", host: HOST });
        expect(Date.parse(r.lock.expiresAt) - Date.parse(r.lock.since)).toBe(60_000);
        const c = await b.tryLock("sales/dev", holder("h2"), 60_000);
        expect(c).toEqual({ acquired: false, holder: await b.getLock("sales/dev") });
        await sleep(5);
        const again = await a.tryLock("sales/dev", holder("h1"), 60_000);
        if (!again.acquired) throw new Error("re-acquire refused");
        expect(again.lock.since).toBe(r.lock.since);
        expect(again.lock.fencing).toBe(r.lock.fencing);
        expect(await b.getLock("other/dev")).toBeUndefined();
      });

      it("an expired lease or a dead holder on this host is taken over with a larger token", async () => {
        const f = await fresh();
        const a = await open(f);
        const b = await open(f);
        const r = await a.tryLock("sales/dev", holder("h1"), 80);
        if (!r.acquired) throw new Error("not acquired");
        await sleep(150);
        const t = await b.tryLock("sales/dev", holder("h2"), 60_000);
        if (!t.acquired) throw new Error("expired lease not taken over");
        expect(t.takenOver?.reason).toBe("lease_expired");
        expect(t.takenOver?.holder.holderId).toBe("h1");
        expect(t.lock.fencing).toBeGreaterThan(r.lock.fencing);

        await b.releaseLock("sales/dev", "h2");
        await a.tryLock("ads/dev", holder("dead", deadPid()), 60_000);
        const d = await b.tryLock("ads/dev", holder("h3"), 60_000);
        expect(d.acquired && d.takenOver?.reason).toBe("holder_dead");
        await a.tryLock("ads/prd", holder("far", deadPid(), "another-host.example"), 60_000);
        expect((await b.tryLock("ads/prd", holder("h4"), 60_000)).acquired).toBe(false);
      });

      it("release and renew only by the holder; tokens grow across release and are never reused", async () => {
        const f = await fresh();
        const a = await open(f);
        const b = await open(f);
        const r1 = await a.tryLock("sales/dev", holder("h1"), 60_000);
        if (!r1.acquired) throw new Error("not acquired");
        await b.releaseLock("sales/dev", "h2");
        expect((await b.getLock("sales/dev"))?.holderId).toBe("h1");
        expect(await b.renewLock("sales/dev", "h2", 60_000)).toBe(false);
        const before = (await a.getLock("sales/dev"))?.expiresAt ?? "";
        await sleep(5);
        expect(await a.renewLock("sales/dev", "h1", 120_000)).toBe(true);
        expect(Date.parse((await a.getLock("sales/dev"))?.expiresAt ?? "")).toBeGreaterThan(
          Date.parse(before),
        );
        await a.releaseLock("sales/dev", "h1");
        expect(await b.getLock("sales/dev")).toBeUndefined();
        const r2 = await b.tryLock("sales/dev", holder("h2"), 60_000);
        if (!r2.acquired) throw new Error("free lock refused");
        expect(r2.lock.fencing).toBeGreaterThan(r1.lock.fencing);
        expect(await a.renewLock("sales/dev", "h1", 60_000)).toBe(false);
      });

      it("a conditional force-unlock removes only the lock it was shown", async () => {
        const f = await fresh();
        const a = await open(f);
        const r = await a.tryLock("sales/dev", holder("h1"), 60_000);
        if (!r.acquired) throw new Error("not acquired");
        expect(
          await codeOf(a.forceUnlock("sales/dev", { holderId: "h1", fencing: r.lock.fencing + 1 })),
        ).toBe("LOCK_CHANGED");
        expect((await a.getLock("sales/dev"))?.holderId).toBe("h1");
        const removed = await a.forceUnlock("sales/dev", { holderId: "h1", fencing: r.lock.fencing });
        expect(removed?.holderId).toBe("h1");
        expect(await a.getLock("sales/dev")).toBeUndefined();
        expect(await a.forceUnlock("sales/dev")).toBeUndefined();
      });

      it("five stores racing for one free lock: exactly one wins, the others see it", async () => {
        const f = await fresh();
        const stores = await Promise.all([1, 2, 3, 4, 5].map(() => open(f)));
        const results = await Promise.all(
          stores.map((s, i) => s.tryLock("sales/dev", holder(`h${i}`), 60_000)),
        );
        const won = results.filter((r) => r.acquired);
        expect(won).toHaveLength(1);
        const winner = won[0]?.acquired ? won[0].lock.holderId : "";
        for (const r of results) if (!r.acquired) expect(r.holder.holderId).toBe(winner);
      });
    });

    it("fencing: after a takeover the old holder's writes reject LOCK_LOST and write nothing", async () => {
      const f = await fresh();
      const a = await open(f);
      const b = await open(f);
      const id = (await a.ensureStack("sales", "dev")).id;
      const r = await a.tryLock(id, holder("old"), 80);
      if (!r.acquired) throw new Error("not acquired");
      await a.beginTransaction(txOf(id, "tx-old"), plan(id, ["s3.a"]));
      const pending = await a.journalIntent(intent("tx-old", "s3.a"));
      await a.flush();
      await sleep(150);
      const t = await b.tryLock(id, holder("new"), 60_000);
      if (!t.acquired) throw new Error("takeover refused");
      const lost = [
        await codeOf(a.journalIntent(intent("tx-old", "s3.b"))),
        await codeOf(
          a
            .settleStep({
              outcomes: [{ id: pending.id, status: "done", remoteId: "rid-a" }],
              put: [row(id, "s3.a", { txId: "tx-old" })],
            })
            .then(() => a.flush()),
        ),
        await codeOf(a.finishTransaction("tx-old", "committed")),
        // a queued write (group commit) rejects at the call that commits it
        await codeOf(a.putResource(row(id, "s3.z")).then(() => a.flush())),
        await codeOf(a.setProtection(id, [{ address: "s3.a", on: true }], "tx-old")),
        await codeOf(a.setCleanups(id, [{ address: "s3.a", pending: true }], "tx-old")),
        await codeOf(a.audit(event(id, "late"))),
        await codeOf(a.beginTransaction(txOf(id, "tx-old-2"), plan(id, []))),
      ];
      expect(lost).toEqual(Array(lost.length).fill("LOCK_LOST"));
      expect(await a.renewLock(id, "old", 60_000)).toBe(false);
      // a failed renewal does not unfence the store: its writes still reject
      expect(await codeOf(a.putResource(row(id, "s3.after-renew")).then(() => a.flush()))).toBe("LOCK_LOST");
      // nothing of the old holder's after the takeover
      expect((await b.journal("tx-old")).map((e) => [e.address, e.status])).toEqual([["s3.a", "intent"]]);
      expect(await b.getTransaction("tx-old")).toMatchObject({ status: "running" });
      expect(await b.getTransaction("tx-old-2")).toBeUndefined();
      expect(await b.listResources(id)).toEqual([]);
      expect([...(await b.protectedAddresses(id))]).toEqual([]);
      expect(await b.pendingCleanups(id)).toEqual([]);
      expect((await b.auditEvents({ stackId: id })).map((e) => e.event)).not.toContain("late");
      // the new holder writes as usual
      await b.finishTransaction("tx-old", "rolled_back");
      expect((await b.getTransaction("tx-old"))?.status).toBe("rolled_back");
      // and a late release by the old holder frees nothing
      await a.releaseLock(id, "old");
      expect((await b.getLock(id))?.holderId).toBe("new");
    });

    it("export → import is lossless; importing a stack that is there writes nothing", async () => {
      const src = await open(await fresh());
      const id = await populate(src);
      await populate(src, "ads", "prd");
      await src.audit(event(undefined, "scan.finished", { details: { objects: 3 } }));
      const dump = await src.exportStack(id);
      expect(dump.stack.id).toBe(id);
      expect(dump.resources.map((r) => r.address)).toEqual(["s3.archived", "s3.raw"]);
      expect(dump.transactions.map((t) => [t.record.id, t.record.status, t.journal.length])).toEqual([
        ["tx-sales-1", "rolled_back", 2],
        ["tx-sales-2", "committed", 0],
      ]);
      expect(dump.transactions[1]?.plan?.prune).toEqual({ mode: "archive", addresses: ["s3.old"] });
      expect(dump.protections.map((p) => p.address)).toEqual(["s3.raw"]);
      expect(dump.cleanups.map((c) => c.address)).toEqual(["s3.old"]);
      expect(dump.audit.map((e) => e.event)).toEqual(["resource.created", "tx.committed"]);
      expect(await codeOf(src.exportStack("nope/dev"))).toBe("STACK_NOT_FOUND");

      const dst = await open(await fresh());
      await dst.importStack(dump);
      await dst.importUnscopedAudit(await src.exportUnscopedAudit());
      await dst.flush();
      const back: StackDump = await dst.exportStack(id);
      expect(back).toEqual(dump);
      expect((await dst.exportUnscopedAudit()).map((e) => e.event)).toEqual(["scan.finished"]);
      expect(await dst.listStacks()).toEqual([dump.stack]);
      expect(await dst.journal("tx-sales-1")).toEqual(dump.transactions[0]?.journal);
      expect(await dst.loadPlan("tx-sales-2")).toEqual(dump.transactions[1]?.plan);
      expect(await codeOf(dst.importStack(dump))).toBe("STATE_STACK_EXISTS");
      expect(await codeOf(dst.importStack({ ...dump, stack: { ...dump.stack, id: "x/y" } }))).toBe(
        "STATE_STACK_EXISTS",
      );
      expect(await dst.exportStack(id)).toEqual(dump);
    });

    it("a migrated state refuses writes naming the new backend, keeps reads and lock release", async () => {
      const f = await fresh();
      const s = await open(f);
      const id = await populate(s);
      const r = await s.tryLock(id, holder("m"), 60_000);
      if (!r.acquired) throw new Error("not acquired");
      await s.markMigrated("postgres://dpn@db.example/dpn");
      expect((await s.describe()).migratedTo).toBe("postgres://dpn@db.example/dpn");
      await s.releaseLock(id, "m");
      expect(await s.getLock(id)).toBeUndefined();
      const other = await open(f);
      expect((await other.describe()).migratedTo).toBe("postgres://dpn@db.example/dpn");
      expect(await other.listResources(id)).toHaveLength(2);
      expect(await codeOf(other.putResource(row(id, "s3.new")))).toBe("STATE_MIGRATED");
      expect(await codeOf(other.ensureStack("new", "dev"))).toBe("STATE_MIGRATED");
      expect(await codeOf(other.tryLock(id, holder("x"), 60_000))).toBe("STATE_MIGRATED");
    });

    it("a read-only store reads everything and writes nothing", async () => {
      const f = await fresh();
      const w = await open(f);
      const id = await populate(w);
      const ro = await open(f, { readonly: true });
      expect(await ro.listResources(id)).toHaveLength(2);
      expect((await ro.journal("tx-sales-1")).length).toBe(2);
      expect(await codeOf(ro.putResource(row(id, "s3.new")))).toBe("STATE_READ_ONLY");
      expect(await codeOf(ro.tryLock(id, holder("x"), 60_000))).toBe("STATE_READ_ONLY");
      expect(await codeOf(ro.audit(event(id, "x")))).toBe("STATE_READ_ONLY");
      expect(await w.listResources(id)).toHaveLength(2);
      const info = await ro.describe();
      expect(info.kind).toBe(name);
      expect(info.schemaVersion).toBeGreaterThan(0);
    });

    it("checkBackend reports every check as ok on a healthy backend", async () => {
      const s = await open(await fresh());
      await s.ensureStack("sales", "dev");
      const checks = await s.checkBackend();
      expect(checks.length).toBeGreaterThan(0);
      expect(checks.filter((c) => c.status === "error")).toEqual([]);
    });
  });
}
