/**
 * The asynchronous SQLite StateStore: a step's settlement is atomic, is committed with the next
 * durable write (one fsync for "settle step k + intent of step k+1"), is visible to every read at
 * once, and is never lost silently; intents are on disk when their promise resolves.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { StateStore } from "../engine/ports.js";
import { openMemoryStateStore, openStateStore } from "./sqlite-store.js";

const file = () => path.join(mkdtempSync(path.join(tmpdir(), "dpn-group-")), "state.db");

/** What another process sees in the file right now (a second connection, read-only). */
function onDisk(f: string): { journal: { id: number; status: string }[]; resources: number; audit: number } {
  const db = new Database(f, { readonly: true, fileMustExist: true });
  try {
    return {
      journal: db.prepare("SELECT id, status FROM journal ORDER BY id").all() as {
        id: number;
        status: string;
      }[],
      resources: (db.prepare("SELECT COUNT(*) AS n FROM resources").get() as { n: number }).n,
      audit: (db.prepare("SELECT COUNT(*) AS n FROM audit_events").get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

/**
 * Commits in the WAL file so far: frames of the current WAL generation (salts equal to the
 * header's) whose "database size after commit" field is set (https://sqlite.org/fileformat.html,
 * "WAL File Format").
 */
function walCommits(f: string): number {
  const wal = readFileSync(`${f}-wal`);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const [salt1, salt2] = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  return commits;
}

async function begin(store: StateStore) {
  const stack = await store.ensureStack("sales", "dev");
  await store.beginTransaction(
    {
      id: "tx-1",
      stackId: stack.id,
      kind: "create",
      actor: "a",
      command: "c",
      target: "sandbox",
      pid: 1,
      host: "h",
    },
    { version: 1, stackId: stack.id, desired: [] },
  );
  return stack;
}

const intent = (address: string) =>
  ({
    txId: "tx-1",
    phase: "forward",
    action: "create",
    address,
    type: "aws_s3_bucket",
    name: address,
  }) as const;

const row = (stackId: string, address: string) => ({
  stackId,
  address,
  type: "aws_s3_bucket" as const,
  name: address,
  fullName: address,
  remoteId: address,
  properties: {},
  tags: {},
  status: "active" as const,
  txId: "tx-1",
  createdAt: "",
  updatedAt: "",
});

describe("SqliteStateStore group commit", () => {
  it("an intent is on disk when it resolves; a settlement rides on the next intent's commit", async () => {
    const f = file();
    const store = openStateStore(f);
    const stack = await begin(store);
    const e1 = await store.journalIntent(intent("a"));
    expect(onDisk(f).journal).toEqual([{ id: e1.id, status: "intent" }]);

    await store.settleStep({
      outcomes: [{ id: e1.id, status: "done", remoteId: "a" }],
      put: [row(stack.id, "a")],
      audit: [{ at: "", actor: "a", command: "c", event: "op.succeeded", txId: "tx-1" }],
    });
    // queued: another process does not see it yet, this store does
    expect(onDisk(f).journal[0]?.status).toBe("intent");
    expect((await store.journal("tx-1"))[0]?.status).toBe("done");
    expect(onDisk(f).journal[0]?.status).toBe("done"); // the read committed the queue first

    await store.settleStep({ outcomes: [], put: [row(stack.id, "b")] });
    const e2 = await store.journalIntent(intent("c"));
    const disk = onDisk(f);
    // both writes in one commit: the settled row and the new intent are there together
    expect(disk.resources).toBe(2);
    expect(disk.journal.map((j) => j.id)).toEqual([e1.id, e2.id]);
    await store.close();
  });

  it("intents started in the same turn share one commit with the queued settlement; a failing intent rejects alone", async () => {
    const f = file();
    const store = openStateStore(f);
    const stack = await begin(store);
    const e0 = await store.journalIntent(intent("z"));
    await store.settleStep({ outcomes: [{ id: e0.id, status: "done" }], put: [row(stack.id, "z")] });
    const commitsBefore = walCommits(f);
    const pending = [
      store.journalIntent(intent("a")),
      store.journalIntent(intent("b")),
      store.journalIntent({ ...intent("c"), txId: "tx-missing" }),
      store.journalIntent(intent("d")),
    ];
    // queued until the end of this turn: nothing of them is on disk, and none has resolved
    expect(onDisk(f).journal.map((j) => j.id)).toEqual([e0.id]);
    const settled = await Promise.allSettled(pending);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: "STATE_REFERENCE_MISSING" });
    const ids = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value.id] : []));
    expect(walCommits(f) - commitsBefore).toBe(1);
    const disk = onDisk(f);
    expect(disk.journal).toEqual([
      { id: e0.id, status: "done" },
      ...ids.map((id) => ({ id, status: "intent" })),
    ]);
    expect(disk.resources).toBe(1);
    // each resolved entry is the stored one, numbered in call order
    expect((await store.journal("tx-1")).map((j) => [j.address, j.seq])).toEqual([
      ["z", 1],
      ["a", 2],
      ["b", 3],
      ["d", 4],
    ]);
    await store.close();
  });

  it("an intent whose commit fails rejects, and a poisoned store rejects the next intent at once", async () => {
    const store = openMemoryStateStore();
    const stack = await begin(store);
    const e1 = await store.journalIntent(intent("a"));
    // a settlement naming no entry fails the whole commit it rides in
    await store.settleStep({ outcomes: [{ id: 9999, status: "done" }], put: [row(stack.id, "a")] });
    await expect(store.journalIntent(intent("b"))).rejects.toMatchObject({
      code: "STATE_UNKNOWN_JOURNAL_ENTRY",
    });
    // the lost settlement poisons the store: nothing more is written, and it says why
    await expect(store.journalIntent(intent("c"))).rejects.toMatchObject({
      code: "STATE_UNKNOWN_JOURNAL_ENTRY",
    });
    await expect(store.journal("tx-1")).rejects.toMatchObject({ code: "STATE_UNKNOWN_JOURNAL_ENTRY" });
    expect(e1.seq).toBe(1);
  });

  it("a settlement is atomic: outcomes, rows and audit commit together or not at all", async () => {
    const store = openMemoryStateStore();
    const stack = await begin(store);
    const e1 = await store.journalIntent(intent("a"));
    // the second outcome names no entry: the whole settlement fails at its commit
    await store.settleStep({
      outcomes: [
        { id: e1.id, status: "done" },
        { id: 9999, status: "done" },
      ],
      put: [row(stack.id, "a")],
    });
    await expect(store.journal("tx-1")).rejects.toMatchObject({ code: "STATE_UNKNOWN_JOURNAL_ENTRY" });
    // nothing of it was written: the entry is still an intent and the row is not there
    expect((await store.journal("tx-1"))[0]?.status).toBe("intent");
    expect(await store.listResources(stack.id)).toEqual([]);
    await store.close();
  });

  it("queued settlements are committed on their own after a short while, and by finish/flush/close", async () => {
    const f = file();
    const store = openStateStore(f);
    const stack = await begin(store);
    await store.settleStep({ outcomes: [], put: [row(stack.id, "a")] });
    expect(onDisk(f).resources).toBe(0);
    await new Promise((r) => setTimeout(r, 120));
    expect(onDisk(f).resources).toBe(1); // the timer committed it

    await store.settleStep({ outcomes: [], put: [row(stack.id, "b")] });
    await store.finishTransaction("tx-1", "committed");
    expect(onDisk(f).resources).toBe(2);

    await store.settleStep({ outcomes: [], put: [row(stack.id, "c")] });
    await store.flush();
    expect(onDisk(f).resources).toBe(3);

    await store.settleStep({ outcomes: [], put: [row(stack.id, "d")] });
    await store.close();
    expect(onDisk(f).resources).toBe(4);
  });

  it("a read-only store refuses a settlement at once, before queueing it", async () => {
    const f = file();
    const rw = openStateStore(f);
    await begin(rw);
    await rw.close();
    const ro = openStateStore(f, { readonly: true });
    await expect(ro.settleStep({ outcomes: [], put: [] })).rejects.toMatchObject({ code: "STATE_READ_ONLY" });
    await ro.close();
  });
});
