/**
 * S3 backend behaviour beyond the shared contract (test/contract/state-s3.contract.test.ts): the
 * object layout, lock races and lost acquire answers, fencing down to the objects, bounded
 * listing (request counts), read-only, and injected S3 failures through a loopback proxy (412,
 * 500, 403, lost responses at every kind of write) after which the state is consistent and a new
 * store reads the same.
 */
import os from "node:os";
import { CreateBucketCommand, ListObjectsV2Command, PutBucketVersioningCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { motoEnv, rawS3, uniqueName } from "../../test/support/moto.js";
import { type S3FaultProxy, startS3FaultProxy } from "../../test/support/s3-fault-proxy.js";
import { DpnError } from "../core/errors.js";
import type { JournalIntent, ResourceRecord, StateStore } from "../engine/ports.js";
import { openS3StateStore, type S3StateStore } from "./s3-store.js";

const HOST = os.hostname();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const holder = (holderId: string) => ({ holderId, user: "ana", host: HOST, pid: process.pid });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DpnError) return e.code;
    throw e;
  }
  throw new Error("expected a rejection");
}

async function newBucket(versioning = true): Promise<string> {
  const bucket = uniqueName("dpn-s3store");
  const s3 = rawS3("us-east-1");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (versioning)
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  s3.destroy();
  return bucket;
}

async function keysOf(bucket: string, prefix = ""): Promise<string[]> {
  const s3 = rawS3("us-east-1");
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const out = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    keys.push(...(out.Contents ?? []).map((c) => c.Key ?? ""));
    token = out.NextContinuationToken;
  } while (token);
  s3.destroy();
  return keys;
}

const opened: StateStore[] = [];
async function open(
  bucket: string,
  o: { endpoint?: string; readonly?: boolean; prefix?: string; env?: Record<string, string> } = {},
): Promise<S3StateStore> {
  const prefix = o.prefix ?? "st";
  const s = (await openS3StateStore({
    bucket,
    prefix,
    env: motoEnv({ ...(o.endpoint ? { AWS_ENDPOINT_URL: o.endpoint } : {}), ...o.env }),
    readonly: Boolean(o.readonly),
    display: `s3://${bucket}/${prefix}`,
  })) as S3StateStore;
  opened.push(s);
  return s;
}
afterAll(async () => {
  for (const s of opened) await s.close();
});

function row(stackId: string, address: string, txId = "tx-1"): ResourceRecord {
  return {
    stackId,
    address,
    type: "aws_s3_bucket",
    name: address,
    fullName: address,
    remoteId: `rid-${address}`,
    properties: { region: "us-east-1" },
    tags: {},
    status: "active",
    txId,
    createdAt: "",
    updatedAt: "",
  };
}
const intent = (txId: string, address: string): JournalIntent => ({
  txId,
  phase: "forward",
  action: "create",
  address,
  type: "aws_s3_bucket",
  name: address,
});
const tx = (stackId: string, id: string) => ({
  id,
  stackId,
  kind: "create" as const,
  actor: "ana@host",
  command: "dpn create",
  target: "cloud",
  pid: process.pid,
  host: HOST,
});
const plan = (stackId: string) => ({ version: 1 as const, stackId, desired: [] });

/** Everything a store reads about a stack, for comparing two stores. */
async function view(s: StateStore, stackId: string, txId: string) {
  return {
    resources: await s.listResources(stackId),
    journal: await s.journal(txId),
    tx: await s.getTransaction(txId),
    audit: (await s.auditEvents({ stackId })).map((e) => e.event),
    lock: await s.getLock(stackId),
  };
}

/** A store holding the lock of stack sales/dev (holder "h"), with transaction `txId` begun. */
async function lockedTransaction(bucket: string, txId: string) {
  const s = await open(bucket);
  const id = (await s.ensureStack("sales", "dev")).id;
  await s.tryLock(id, holder("h"), 60_000);
  await s.beginTransaction(tx(id, txId), plan(id));
  return { s, id };
}

/**
 * lockedTransaction with 300 steps written in it (300 log records: each intent carries the
 * settlement before it); `requests` is the store's count before the steps.
 */
async function longTransaction(bucket: string, txId: string) {
  const { s, id } = await lockedTransaction(bucket, txId);
  const requests = s.requests;
  for (let i = 0; i < 300; i++) {
    const e = await s.journalIntent(intent(txId, `s3.x${i}`));
    await s.settleStep({ outcomes: [{ id: e.id, status: "done" }], put: [row(id, `s3.x${i}`)] });
  }
  return { s, id, requests };
}

describe("S3 state store", () => {
  it("lays state out as documented: marker, stack, lock, a log of consecutive positions, tx index, checkpoint", async () => {
    const bucket = await newBucket();
    const s = await open(bucket);
    const id = (await s.ensureStack("sales", "dev")).id;
    const r = await s.tryLock(id, holder("h1"), 60_000);
    expect(r.acquired).toBe(true);
    await s.beginTransaction(tx(id, "tx-1"), plan(id));
    for (let i = 0; i < 40; i++) {
      const e = await s.journalIntent(intent("tx-1", `s3.b${i}`));
      await s.settleStep({ outcomes: [{ id: e.id, status: "done" }], put: [row(id, `s3.b${i}`)] });
    }
    await s.finishTransaction("tx-1", "committed");
    await s.audit({
      at: new Date().toISOString(),
      actor: "ana",
      command: "dpn scan",
      event: "scan.finished",
    });
    const want = await view(s, id, "tx-1");
    await s.close(); // lets the checkpoint the finish started be saved
    const keys = await keysOf(bucket, "st/");
    const dir = "st/stacks/sales%2Fdev/";
    expect(keys).toContain("st/dpn-state.json");
    expect(keys).toContain(`${dir}stack.json`);
    expect(keys).toContain(`${dir}lock.json`);
    expect(keys).toContain("st/tx/tx-1.json");
    expect(keys).toContain(`${dir}snapshot.json`);
    const log = keys.filter((k) => k.startsWith(`${dir}log/`));
    // fence + begin + 40 intents + finish: each step's settlement goes with the next write (the
    // next intent; the last one with the finish)
    expect(log).toHaveLength(43);
    expect(log[0]).toBe(`${dir}log/000000000001.json`);
    expect(log.at(-1)).toBe(`${dir}log/000000000043.json`);
    expect(keys.filter((k) => k.startsWith("st/audit/"))).toHaveLength(1);
    // a new store reads checkpoint + tail and agrees
    const t = await open(bucket);
    expect(await view(t, id, "tx-1")).toEqual(want);
  });

  it("two stores racing for a free lock: exactly one wins and both agree on the holder", async () => {
    const bucket = await newBucket();
    for (let round = 0; round < 3; round++) {
      const [a, b] = [await open(bucket), await open(bucket)];
      const stack = `race/r${round}`;
      const [ra, rb] = await Promise.all([
        a.tryLock(stack, holder("a"), 60_000),
        b.tryLock(stack, holder("b"), 60_000),
      ]);
      expect([ra.acquired, rb.acquired].filter(Boolean)).toHaveLength(1);
      const winner = ra.acquired ? "a" : "b";
      expect((await a.getLock(stack))?.holderId).toBe(winner);
      expect(ra.acquired ? rb : ra).toMatchObject({ acquired: false, holder: { holderId: winner } });
    }
  });

  it("fencing: the old holder's rejected writes leave no object behind", async () => {
    const bucket = await newBucket();
    const a = await open(bucket);
    const b = await open(bucket);
    const id = (await a.ensureStack("sales", "dev")).id;
    await a.tryLock(id, holder("old"), 50);
    await a.beginTransaction(tx(id, "tx-1"), plan(id));
    const e = await a.journalIntent(intent("tx-1", "s3.a"));
    await sleep(100);
    const t = await b.tryLock(id, holder("new"), 60_000);
    expect(t.acquired && t.takenOver?.reason).toBe("lease_expired");
    const before = await keysOf(bucket, "st/");
    expect(await codeOf(a.journalIntent(intent("tx-1", "s3.b")))).toBe("LOCK_LOST");
    // a settlement goes with the next write (here flush), and rejects there
    expect(
      await codeOf(
        a
          .settleStep({ outcomes: [{ id: e.id, status: "done" }], put: [row(id, "s3.a")] })
          .then(() => a.flush()),
      ),
    ).toBe("LOCK_LOST");
    expect(await codeOf(a.finishTransaction("tx-1", "committed"))).toBe("LOCK_LOST");
    expect(await codeOf(a.putResource(row(id, "s3.z")))).toBe("LOCK_LOST");
    expect(await a.renewLock(id, "old", 60_000)).toBe(false);
    expect(await keysOf(bucket, "st/")).toEqual(before);
    const c = await open(bucket);
    expect((await c.journal("tx-1")).map((j) => [j.address, j.status])).toEqual([["s3.a", "intent"]]);
    expect(await c.listResources(id)).toEqual([]);
    expect((await c.getTransaction("tx-1"))?.status).toBe("running");
  });

  it("bounded listing: a step is one PUT, a read one LIST, and a new store reads only the tail", async () => {
    const bucket = await newBucket();
    const { s, id, requests: n00 } = await longTransaction(bucket, "tx-1");
    // 300 log PUTs (each intent carries the settlement before it) and one checkpoint (at 256
    // records), not a checkpoint every 32 records
    expect(s.requests - n00).toBeLessThanOrEqual(300 + 1);
    const n0 = s.requests;
    const e = await s.journalIntent(intent("tx-1", "s3.last"));
    await s.settleStep({ outcomes: [{ id: e.id, status: "done" }], put: [row(id, "s3.last")] });
    // one log PUT (the intent, with the last settlement), plus at most one checkpoint PUT
    expect(s.requests - n0).toBeLessThanOrEqual(2);
    await s.flush(); // the settlement just made, which a read would write first
    const n1 = s.requests;
    expect(await s.listResources(id)).toHaveLength(301);
    expect(s.requests - n1).toBe(1);
    // a new store while the transaction runs: snapshot GET + one LIST + at most the longest tail a
    // running transaction leaves (256 records) of record GETs, whatever the length of the log
    // (304 records here); the background checkpoint may still be on its way, so it may also see
    // one tail more
    const t = await open(bucket);
    expect(await t.listResources(id)).toHaveLength(301);
    expect(t.requests).toBeLessThanOrEqual(2 + 2 * 256);
    // once the transaction is finished and its checkpoints saved, a new store folds at most the
    // 256-record tail (here the 49 records past the checkpoint at 256: too few bytes, against the
    // checkpoint's size, for the finish to save another)
    await s.finishTransaction("tx-1", "committed");
    await s.close();
    const t2 = await open(bucket);
    expect(await t2.listResources(id)).toHaveLength(301);
    expect(t2.requests).toBeLessThanOrEqual(2 + 256);
    // audit with a limit reads only the events it returns (plus the listing)
    const w = await open(bucket);
    for (let i = 0; i < 10; i++)
      await w.audit({ at: new Date().toISOString(), actor: "ana", command: "dpn scan", event: `u${i}` });
    const u = await open(bucket, { prefix: "st" });
    const n2 = u.requests;
    const unscoped = (await u.auditEvents({ limit: 2 })).map((x) => x.event);
    expect(unscoped).toEqual(["u8", "u9"]);
    // stacks LIST + stack fold (GET snapshot, LIST tail, ≤ 256 GETs) + audit LIST + 2 GETs
    expect(u.requests - n2).toBeLessThanOrEqual(1 + 2 + 256 + 1 + 2);
  });

  it("a settlement goes with the next write; a read, a quiet 50 ms or a lock release writes it first", async () => {
    const bucket = await newBucket();
    const { s, id } = await lockedTransaction(bucket, "tx-1");
    const logKeys = async () => (await keysOf(bucket, `st/stacks/${encodeURIComponent(id)}/log/`)).length;
    const e1 = await s.journalIntent(intent("tx-1", "s3.a"));
    const n0 = await logKeys();
    await s.settleStep({ outcomes: [{ id: e1.id, status: "done" }], put: [row(id, "s3.a")] });
    expect(await logKeys()).toBe(n0); // not yet in S3
    // the next intent carries it: one record for both
    const e2 = await s.journalIntent(intent("tx-1", "s3.b"));
    expect(await logKeys()).toBe(n0 + 1);
    const other = await open(bucket);
    expect((await other.journal("tx-1")).map((j) => [j.address, j.status])).toEqual([
      ["s3.a", "done"],
      ["s3.b", "intent"],
    ]);
    // a read of the stack writes it first, so the store reads its own settlements
    await s.settleStep({ outcomes: [{ id: e2.id, status: "done" }], put: [row(id, "s3.b")] });
    expect((await s.listResources(id)).map((r) => r.address)).toEqual(["s3.a", "s3.b"]);
    expect(await logKeys()).toBe(n0 + 2);
    // with nothing after it, it is written within 50 ms
    await s.putResource(row(id, "s3.c"));
    await sleep(150);
    expect(await logKeys()).toBe(n0 + 3);
    // and before the lock is released
    await s.putResource(row(id, "s3.d"));
    await s.releaseLock(id, "h");
    expect(await logKeys()).toBe(n0 + 4);
    expect((await (await open(bucket)).listResources(id)).map((r) => r.address)).toEqual([
      "s3.a",
      "s3.b",
      "s3.c",
      "s3.d",
    ]);
  });

  it("checkpoints cost in proportion to what is appended: short transactions after a long history save few", async () => {
    const bucket = await newBucket();
    const { s, id } = await longTransaction(bucket, "tx-big");
    await s.finishTransaction("tx-big", "committed");
    const small = async (n: number) => {
      await s.beginTransaction(tx(id, `tx-s${n}`), plan(id));
      const e = await s.journalIntent(intent(`tx-s${n}`, `s3.x${n}`));
      await s.settleStep({ outcomes: [{ id: e.id, status: "done" }], put: [row(id, `s3.x${n}`)] });
      await s.finishTransaction(`tx-s${n}`, "committed");
    };
    const n0 = s.requests;
    await small(0);
    const each = s.requests - n0;
    const n1 = s.requests;
    for (let n = 1; n <= 30; n++) await small(n);
    // 120 records of short transactions: with a checkpoint at every 32 records that were 3 or 4
    // rewrites of the whole history; now at most the one the 256-record tail bound forces
    expect(s.requests - n1).toBeLessThanOrEqual(30 * each + 1);
    await s.close();
    const t = await open(bucket);
    expect(await t.listResources(id)).toHaveLength(300);
  });

  it("group commit: writes made while an append is in flight share one log object, in order; a refused one fails alone", async () => {
    const bucket = await newBucket();
    const { s, id } = await lockedTransaction(bucket, "tx-1");
    const before = (await keysOf(bucket, `st/stacks/${encodeURIComponent(id)}/log/`)).length;
    const n0 = s.requests;
    // ten parallel steps start together, as the engine's scheduler starts them
    const intents = await Promise.allSettled([
      ...Array.from({ length: 10 }, (_, i) => s.journalIntent(intent("tx-1", `s3.p${i}`))),
      s.journalIntent(intent("tx-unknown", "s3.bad")),
    ]);
    const ok = intents.filter((r) => r.status === "fulfilled").map((r) => r.value);
    expect(ok.map((e) => e.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(intents[10]?.status).toBe("rejected");
    // ten intents in at most two log objects (the first append, and one batch of those that
    // waited for it), instead of ten PUTs one after the other
    const after = await keysOf(bucket, `st/stacks/${encodeURIComponent(id)}/log/`);
    expect(after.length - before).toBeGreaterThanOrEqual(1);
    expect(after.length - before).toBeLessThanOrEqual(2);
    expect(s.requests - n0).toBeLessThanOrEqual(2 + 1 + 1); // the PUTs, a catch-up, a checkpoint
    await Promise.all(
      ok.map((e) => s.settleStep({ outcomes: [{ id: e.id, status: "done" }], put: [row(id, e.address)] })),
    );
    await s.flush(); // the ten settlements, in one record
    // a second process reads the same, batches folded like single records
    const t = await open(bucket);
    expect((await t.journal("tx-1")).map((e) => [e.seq, e.status])).toEqual(
      Array.from({ length: 10 }, (_, i) => [i + 1, "done"]),
    );
    expect((await t.listResources(id)).map((r) => r.address).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `s3.p${i}`).sort(),
    );
    expect(await view(t, id, "tx-1")).toEqual(await view(s, id, "tx-1"));
  });

  it("read-only: reads work, writes reject STATE_READ_ONLY and create nothing, even the layout marker", async () => {
    const bucket = await newBucket();
    const ro = await open(bucket, { readonly: true });
    expect(await ro.listStacks()).toEqual([]);
    expect(await codeOf(ro.ensureStack("sales", "dev"))).toBe("STATE_READ_ONLY");
    expect(await codeOf(ro.tryLock("sales/dev", holder("x"), 1000))).toBe("STATE_READ_ONLY");
    expect(await codeOf(ro.audit({ at: "", actor: "a", command: "c", event: "e" }))).toBe("STATE_READ_ONLY");
    expect(await keysOf(bucket)).toEqual([]);
    const checks = await ro.checkBackend();
    expect(checks.find((c) => c.check === "writable")?.status).toBe("error");
    expect(await keysOf(bucket)).toEqual([]);
  });

  it("checkBackend: a bucket without versioning warns; a missing bucket is an error naming it", async () => {
    const plain = await open(await newBucket(false));
    const checks = await plain.checkBackend();
    expect(checks.map((c) => [c.check, c.status])).toEqual([
      ["bucket_exists", "ok"],
      ["versioning", "warning"],
      ["list", "ok"],
      ["put", "ok"],
      ["get", "ok"],
      ["conditional_put", "ok"],
      ["delete", "ok"],
    ]);
    const missing = await open("dpn-no-such-bucket-here");
    const [first, ...rest] = await missing.checkBackend();
    expect(first).toMatchObject({ check: "bucket_exists", status: "error" });
    expect(first?.message).toContain("dpn-no-such-bucket-here");
    expect(rest).toEqual([]);
  });
});

describe("S3 state store under injected S3 failures", () => {
  let proxy: S3FaultProxy;
  beforeAll(async () => {
    proxy = await startS3FaultProxy();
  });
  afterAll(async () => {
    await proxy.close();
  });

  async function setup(env: Record<string, string> = {}) {
    proxy.clear();
    const bucket = await newBucket();
    const s = await open(bucket, { endpoint: proxy.url, env });
    const id = (await s.ensureStack("sales", "dev")).id;
    return { bucket, s, id };
  }
  const logPut = /\/st\/stacks\/sales%2Fdev\/log\//;

  it("a lost acquire answer is recognised as our own lock (with and without SDK retries)", async () => {
    for (const env of [{}, { AWS_MAX_ATTEMPTS: "1" }] as Record<string, string>[]) {
      const { bucket, s, id } = await setup(env);
      proxy.add({ method: "PUT", path: /lock\.json$/, action: "drop" });
      const r = await s.tryLock(id, holder("me"), 60_000);
      expect(proxy.fired()).toBe(1);
      expect(r).toMatchObject({ acquired: true, lock: { holderId: "me", fencing: 1 } });
      expect(r.acquired && r.takenOver).toBeUndefined();
      const other = await open(bucket);
      expect(await other.getLock(id)).toMatchObject({ holderId: "me", fencing: 1 });
      expect((await other.tryLock(id, holder("them"), 60_000)).acquired).toBe(false);
    }
  });

  it("lost answers at intent, settle, finish, renew and release leave each write there exactly once", async () => {
    const { bucket, s, id } = await setup({ AWS_MAX_ATTEMPTS: "1" });
    await s.tryLock(id, holder("me"), 60_000);
    await s.beginTransaction(tx(id, "tx-1"), plan(id));
    proxy.add({ method: "PUT", path: logPut, action: "drop" });
    const e = await s.journalIntent(intent("tx-1", "s3.a"));
    proxy.add({ method: "PUT", path: logPut, action: "drop" });
    await s.settleStep({ outcomes: [{ id: e.id, status: "done", remoteId: "rid" }], put: [row(id, "s3.a")] });
    await s.flush(); // the settlement as a record of its own
    proxy.add({ method: "PUT", path: logPut, action: "drop" });
    await s.finishTransaction("tx-1", "committed");
    proxy.add({ method: "PUT", path: /lock\.json$/, action: "drop" });
    expect(await s.renewLock(id, "me", 120_000)).toBe(true);
    expect(proxy.fired()).toBe(4);
    const mid = await open(bucket);
    expect(await view(mid, id, "tx-1")).toEqual(await view(s, id, "tx-1"));
    expect((await mid.journal("tx-1")).map((j) => [j.address, j.status])).toEqual([["s3.a", "done"]]);
    expect((await mid.getTransaction("tx-1"))?.status).toBe("committed");
    proxy.add({ method: "PUT", path: /lock\.json$/, action: "drop" });
    await s.releaseLock(id, "me");
    expect(proxy.fired()).toBe(5);
    const after = await open(bucket);
    expect(await after.getLock(id)).toBeUndefined();
    const next = await after.tryLock(id, holder("next"), 60_000);
    expect(next.acquired && next.lock.fencing).toBe(2);
  });

  it("a lost settle answer with SDK retries: the retry meets 412 and recognises its own record", async () => {
    const { bucket, s, id } = await setup();
    await s.beginTransaction(tx(id, "tx-1"), plan(id));
    const e = await s.journalIntent(intent("tx-1", "s3.a"));
    proxy.add({ method: "PUT", path: logPut, action: "drop" });
    await s.settleStep({ outcomes: [{ id: e.id, status: "done" }], put: [row(id, "s3.a")] });
    await s.flush(); // the settlement as a record of its own
    expect(proxy.log.filter((l) => l.outcome === 412)).toHaveLength(1);
    const t = await open(bucket);
    expect(await view(t, id, "tx-1")).toEqual(await view(s, id, "tx-1"));
    expect(await t.listResources(id)).toHaveLength(1);
  });

  it("an injected 412 on an append re-reads and writes once; a 500 is retried by the SDK", async () => {
    const { bucket, s, id } = await setup();
    await s.beginTransaction(tx(id, "tx-1"), plan(id));
    proxy.add({ method: "PUT", path: logPut, action: "error", status: 412, code: "PreconditionFailed" });
    const e = await s.journalIntent(intent("tx-1", "s3.a"));
    proxy.add({ method: "PUT", path: logPut, action: "error", status: 500, code: "InternalError" });
    await s.settleStep({ outcomes: [{ id: e.id, status: "done" }] });
    await s.flush(); // the settlement as a record of its own
    expect(proxy.fired()).toBe(2);
    const t = await open(bucket);
    expect((await t.journal("tx-1")).map((j) => [j.seq, j.status])).toEqual([[1, "done"]]);
  });

  it("403 is STATE_PERMISSION_DENIED naming the action and bucket; a dead endpoint is STATE_UNREACHABLE", async () => {
    const { bucket, s, id } = await setup();
    proxy.add({ method: "PUT", path: logPut, action: "error", status: 403, code: "AccessDenied" });
    const err = await s.audit({ at: "", actor: "a", command: "c", event: "e", stackId: id }).catch((x) => x);
    expect(err).toBeInstanceOf(DpnError);
    expect(err.code).toBe("STATE_PERMISSION_DENIED");
    expect(err.message).toContain("s3:PutObject");
    expect(err.message).toContain(bucket);
    expect(JSON.stringify({ m: err.message, h: err.hint, d: err.details })).not.toContain("testing");
    const dead = await open(bucket, { endpoint: "http://127.0.0.1:9", env: { AWS_MAX_ATTEMPTS: "1" } });
    expect(await codeOf(dead.listStacks())).toBe("STATE_UNREACHABLE");
  });
});
