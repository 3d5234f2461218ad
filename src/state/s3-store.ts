/**
 * The S3 implementation of the engine's StateStore port (docs/state-s3.md). Every stack is an
 * append-only log of immutable objects, one per write, at consecutive positions
 * (`stacks/<id>/log/000000000001.json`, …), each created with `If-None-Match: *`: the position is
 * the compare-and-swap, so two writers can never both append at one position, and a writer that
 * loses (412) reads what won and decides again. A stack's state (rows, protections, cleanups,
 * transactions with their plans and journals, audit events) is the log folded in order; a
 * checkpoint (`snapshot.json`, replaced only with `If-Match` on the ETag it was read at) saves
 * the fold at some position so readers list only the tail after it (ListObjectsV2 `StartAfter`).
 *
 * Locks live in `stacks/<id>/lock.json`, created with `If-None-Match: *` and changed (renewal,
 * takeover, release) only with `If-Match`. Releasing keeps the object with its last fencing token,
 * so a token is never issued twice. A new holder appends a `fence` record carrying its token
 * before `tryLock` resolves; a store that holds a lock appends only while no fence with a larger
 * token is in the log, and since it always appends at the position after the last record it has
 * read, a fence written after its last read occupies a position it must pass: after a takeover
 * the old holder's next write meets the fence (412, then LOCK_LOST) and writes nothing.
 *
 * Audit events of no stack are objects of their own under `audit/`, keyed by id.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import { type DpnError, internalError, redact, stateError } from "../core/errors.js";
import { stackIdFor } from "../core/ids.js";
import type { ProvisionedType } from "../core/resources.js";
import type {
  AuditEvent,
  BackendCheck,
  BackendInfo,
  JournalEntry,
  JournalIntent,
  JournalOutcome,
  LockInfo,
  LockTakeoverReason,
  PendingCleanup,
  ResourceRecord,
  ResourceStatus,
  StackDump,
  StackRecord,
  StateStore,
  StepSettlement,
  StoredPlan,
  TransactionRecord,
  TryLockResult,
  TxStatus,
} from "../engine/ports.js";
import {
  isTransportFailure,
  type ObjectStore,
  openObjectStore,
  type StoredObject,
  type WriteCondition,
} from "../providers/aws/s3-objects.js";
import {
  lockChangedError,
  lockLostError,
  migratedError,
  stackExistsError,
  stackNotFoundError,
} from "./backend-errors.js";
import { isProcessAlive } from "./process-alive.js";
import { runS3Checks } from "./s3-check.js";

/** Version of the object layout below; a bucket written by a newer layout is refused. */
export const S3_LAYOUT_VERSION = 1;

/**
 * Checkpoints. A checkpoint holds the whole fold, so saving one costs the stack's history: it is
 * saved when the tail past the last one reaches CHECKPOINT_MAX_TAIL records (which bounds what a
 * new reader folds), or earlier at the end of a transaction (or an import) once the tail holds at
 * least CHECKPOINT_EVERY records and a quarter of the checkpoint's size in bytes, which keeps the
 * bytes uploaded within a few times the bytes appended however long the history
 * (docs/state-s3.md, "Checkpoints").
 */
const CHECKPOINT_EVERY = 32;
const CHECKPOINT_MAX_TAIL = 256;

/** A deferred settlement waits at most this long for the stack's next write (as on SQLite). */
const SETTLE_DEFER_MS = 50;

/** Attempts of one append against concurrent writers before STATE_CONFLICT. */
const MAX_APPEND_ATTEMPTS = 50;

/** Writes a migrated state still takes (as on SQLite): releasing and removing locks, re-marking. */
const MIGRATION_EXEMPT = new Set(["markMigrated", "releaseLock", "forceUnlock"]);

const nowIso = (ms: number = Date.now()): string => new Date(ms).toISOString();
const pad = (n: number, width: number) => String(n).padStart(width, "0");

// ---------------------------------------------------------------------------------------------
// Stored shapes
// ---------------------------------------------------------------------------------------------

interface TxState {
  record: TransactionRecord;
  plan?: StoredPlan;
  journal: JournalEntry[];
  /** Order of arrival in the log: the tie-break of equal start times (SQLite's rowid). */
  order: number;
}

/** A stack's state as the fold of its log. */
interface StackState {
  resources: Record<string, ResourceRecord>;
  protections: Record<string, { txId: string; since: string }>;
  cleanups: Record<string, PendingCleanup>;
  txs: Record<string, TxState>;
  nextOrder: number;
  audit: AuditEvent[];
  /** The largest fencing token a `fence` record carried, and its holder. */
  fencing: number;
  fencedBy?: string;
}

type Op =
  | { op: "begin"; tx: TransactionRecord; plan: StoredPlan }
  | { op: "intent"; entry: JournalEntry }
  | {
      op: "settle";
      at: string;
      outcomes: (JournalOutcome & { txId: string })[];
      put: ResourceRecord[];
      remove: string[];
      audit: AuditEvent[];
    }
  | { op: "finish"; txId: string; status: TxStatus; at: string; error?: Record<string, unknown> }
  | { op: "protect"; txId: string; at: string; changes: { address: string; on: boolean }[] }
  | {
      op: "cleanups";
      txId: string;
      at: string;
      changes: { address: string; pending: boolean; error?: Record<string, unknown> }[];
    }
  | { op: "audit"; events: AuditEvent[] }
  | { op: "fence"; fencing: number; holderId: string }
  | { op: "import"; dump: StackDump }
  /** Several writes made while the previous one was in flight, in order, as one object (group commit). */
  | { op: "batch"; ops: Op[] };

/** One log object: the op, who wrote it (a nonce per write, to recognise our own after a lost answer). */
type LogRecord = Op & { v: 1; writer: string; fencing?: number };

interface Snapshot {
  v: 1;
  pos: number;
  state: StackState;
}

interface LockObject {
  v: 1;
  held?: LockInfo;
  /** The last fencing token issued for this stack (kept after release: tokens are never reused). */
  lastFencing: number;
  /** Grows with every write, so no two versions have the same content (and ETag). */
  rev: number;
  writer: string;
}

interface Meta {
  v: 1;
  layout: number;
  migratedTo?: string;
}

const emptyState = (): StackState => ({
  resources: {},
  protections: {},
  cleanups: {},
  txs: {},
  nextOrder: 0,
  audit: [],
  fencing: 0,
});

/** A write waiting to be appended. */
interface PendingWrite {
  build: (s: StackState) => Op;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** A stack's fold as this store last read it. */
interface Cached {
  pos: number;
  state: StackState;
  snapPos: number;
  snapEtag?: string;
  /** The checkpoint being saved, if one is: writes never wait for it, `close` does. */
  saving?: Promise<void>;
  /** Size of the last checkpoint's text, and of the records appended or read past it. */
  snapBytes: number;
  tailBytes: number;
}

/** True when `op` ends a transaction or writes a whole stack: the moment a checkpoint pays off. */
function endsWork(op: Op): boolean {
  if (op.op === "batch") return op.ops.some(endsWork);
  return op.op === "finish" || op.op === "import";
}

// ---------------------------------------------------------------------------------------------
// Folding
// ---------------------------------------------------------------------------------------------

function putRow(s: StackState, r: ResourceRecord, at: string): void {
  const existing = s.resources[r.address];
  s.resources[r.address] = {
    ...r,
    properties: r.properties ?? {},
    tags: r.tags ?? {},
    createdAt: existing?.createdAt ?? (r.createdAt || at),
    updatedAt: r.updatedAt || at,
  };
}

function apply(s: StackState, rec: Op): void {
  switch (rec.op) {
    case "batch":
      for (const op of rec.ops) apply(s, op);
      return;
    case "begin":
      s.txs[rec.tx.id] = { record: rec.tx, plan: rec.plan, journal: [], order: s.nextOrder++ };
      return;
    case "intent": {
      const tx = s.txs[rec.entry.txId];
      if (tx) tx.journal.push(rec.entry);
      return;
    }
    case "settle":
      for (const o of rec.outcomes) {
        const e = s.txs[o.txId]?.journal.find((j) => j.id === o.id);
        if (!e) continue;
        e.status = o.status;
        e.finishedAt = rec.at;
        if (o.remoteId !== undefined) e.remoteId = o.remoteId;
        if (o.after !== undefined) e.after = o.after;
        if (o.error !== undefined) e.error = o.error;
      }
      for (const r of rec.put) putRow(s, r, rec.at);
      for (const a of rec.remove) delete s.resources[a];
      s.audit.push(...rec.audit);
      return;
    case "finish": {
      const tx = s.txs[rec.txId];
      if (!tx) return;
      tx.record.status = rec.status;
      if (rec.status !== "running" && rec.status !== "interrupted") tx.record.finishedAt = rec.at;
      else delete tx.record.finishedAt;
      if (rec.error !== undefined) tx.record.error = rec.error;
      return;
    }
    case "protect":
      for (const c of rec.changes) {
        if (!c.on) delete s.protections[c.address];
        else if (!s.protections[c.address]) s.protections[c.address] = { txId: rec.txId, since: rec.at };
      }
      return;
    case "cleanups":
      for (const c of rec.changes) {
        if (c.pending)
          s.cleanups[c.address] = {
            address: c.address,
            txId: rec.txId,
            at: rec.at,
            ...(c.error ? { error: c.error } : {}),
          };
        else delete s.cleanups[c.address];
      }
      return;
    case "audit":
      s.audit.push(...rec.events);
      return;
    case "fence":
      if (rec.fencing > s.fencing) {
        s.fencing = rec.fencing;
        s.fencedBy = rec.holderId;
      }
      return;
    case "import": {
      const d = rec.dump;
      for (const r of d.resources) s.resources[r.address] = r;
      for (const p of d.protections) s.protections[p.address] = { txId: p.txId, since: p.since };
      for (const c of d.cleanups) s.cleanups[c.address] = c;
      for (const t of d.transactions)
        s.txs[t.record.id] = {
          record: t.record,
          ...(t.plan ? { plan: t.plan } : {}),
          journal: t.journal,
          order: s.nextOrder++,
        };
      s.audit.push(...d.audit);
      return;
    }
  }
}

const clone = <T>(v: T): T => structuredClone(v);

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

/** Options of `openS3StateStore`. */
export interface S3StateStoreOptions {
  bucket: string;
  /** Key prefix without a trailing slash ("" for the bucket root). */
  prefix: string;
  /** Environment for credentials, region and endpoint (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3, …). */
  env: Record<string, string | undefined>;
  readonly?: boolean;
  /** Named AWS profile (CLI --profile / --aws-profile). */
  profile?: string;
  /** The state URL as shown to users (credentials redacted by the caller). */
  display: string;
}

/**
 * The engine's StateStore on an S3 bucket (see the module comment and docs/state-s3.md). Every
 * write is one conditional PutObject; a write for a stack this store holds the lock of rejects
 * with LOCK_LOST, writing nothing, once a later holder fenced the stack. Reads list the stack's
 * log after the position this store last read (one ListObjectsV2 page, plus a GetObject per new
 * record), so they see every write that completed before them, from any process.
 */
export class S3StateStore implements StateStore {
  readonly readonly: boolean;
  readonly display: string;
  private readonly base: string;
  private readonly cache = new Map<string, Cached>();
  /** The locks this store acquired: stack id → holder and token (fencing). */
  private readonly fences = new Map<string, { holderId: string; fencing: number }>();
  /** Journal entry id → its transaction and stack, for every entry this store wrote or read. */
  private readonly entries = new Map<number, { txId: string; stackId: string }>();
  /** Transaction id → stack, for every transaction this store wrote or read. */
  private readonly txStacks = new Map<string, string>();
  private meta: Meta | undefined;
  private metaEtag: string | undefined;
  private lastId = 0;
  private closed = false;
  /** Per-stack queue: folds and appends of one stack never interleave within this store. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Writes waiting for the append in flight on their stack (group commit). */
  private readonly pending = new Map<string, PendingWrite[]>();
  /**
   * Settlements not in S3 yet, by stack: they go with the stack's next write (an intent, a finish,
   * …), before any read of the stack, on flush, close and lock release, or after SETTLE_DEFER_MS.
   */
  private readonly deferred = new Map<string, PendingWrite[]>();
  private deferTimer: NodeJS.Timeout | undefined;
  /** The first deferred settlement that could not be written: every later write fails with it. */
  private failed: unknown;

  constructor(
    private readonly objects: ObjectStore,
    o: { prefix: string; readonly?: boolean; display: string },
  ) {
    this.readonly = Boolean(o.readonly);
    this.display = o.display;
    this.base = o.prefix ? `${o.prefix.replace(/\/+$/, "")}/` : "";
  }

  /** HTTP requests this store has sent (tests bound them). */
  get requests(): number {
    return this.objects.requests;
  }

  // -- keys -------------------------------------------------------------------------------------

  private metaKey(): string {
    return `${this.base}dpn-state.json`;
  }
  private stacksPrefix(): string {
    return `${this.base}stacks/`;
  }
  private stackDir(stackId: string): string {
    return `${this.stacksPrefix()}${encodeURIComponent(stackId)}/`;
  }
  private logPrefix(stackId: string): string {
    return `${this.stackDir(stackId)}log/`;
  }
  private logKey(stackId: string, pos: number): string {
    return `${this.logPrefix(stackId)}${pad(pos, 12)}.json`;
  }
  private txKey(txId: string): string {
    return `${this.base}tx/${encodeURIComponent(txId)}.json`;
  }
  private auditPrefix(): string {
    return `${this.base}audit/`;
  }
  private auditKey(e: AuditEvent): string {
    return `${this.auditPrefix()}${pad(e.id ?? 0, 16)}_${encodeURIComponent(e.at)}.json`;
  }

  // -- plumbing ---------------------------------------------------------------------------------

  /** A fresh id, increasing within this process and roughly with time across processes. */
  private newId(): number {
    this.lastId = Math.max(this.lastId + 1, Date.now() * 1024);
    return this.lastId;
  }

  private parse<T>(o: StoredObject, key: string): T {
    try {
      return JSON.parse(o.body) as T;
    } catch (e) {
      throw stateError("STATE_CORRUPT", `The state object s3://${this.objects.bucket}/${key} is not JSON`, {
        hint: "The object was edited or damaged; restore an earlier version (bucket versioning).",
        details: { bucket: this.objects.bucket, key },
        cause: e,
      });
    }
  }

  private async getJson<T>(key: string): Promise<{ value: T; etag: string; bytes: number } | undefined> {
    const o = await this.objects.get(key);
    return o ? { value: this.parse<T>(o, key), etag: o.etag, bytes: o.body.length } : undefined;
  }

  /**
   * A conditional put whose answer may be lost: when the SDK's retries end in a transport
   * failure (or a retry of our own applied write gets 412), read the key back and decide by the
   * writer nonce whether our write is the one there.
   */
  private async putOwned(key: string, body: string, writer: string, cond: WriteCondition): Promise<boolean> {
    let res: Awaited<ReturnType<ObjectStore["put"]>>;
    try {
      res = await this.objects.put(key, body, cond);
    } catch (e) {
      const unknown = isTransportFailure((e as DpnError).cause ?? e);
      if (!unknown) throw e;
      // Not answered: our write is there (ours), or it is not (someone else's, or nothing).
      const back = await this.objects.get(key);
      if (back) return this.parse<{ writer?: string }>(back, key).writer === writer;
      if ("ifMatch" in cond) return false;
      throw e;
    }
    if (res.ok) return true;
    const back = await this.objects.get(key);
    return back !== undefined && this.parse<{ writer?: string }>(back, key).writer === writer;
  }

  private assertOpen(op: string): void {
    if (this.closed)
      throw internalError("STATE_CLOSED", `The state store ${this.display} was used after close() (${op}).`, {
        hint: "This is a bug in dpn; please report it.",
      });
  }

  private async loadMeta(fresh = false): Promise<Meta | undefined> {
    if (this.meta && !fresh) return this.meta;
    const m = await this.getJson<Meta>(this.metaKey());
    if (m && m.value.layout > S3_LAYOUT_VERSION) {
      throw stateError(
        "STATE_TOO_NEW",
        `The state at ${this.display} has layout ${m.value.layout}; this dpn knows layout ${S3_LAYOUT_VERSION}`,
        { hint: "Upgrade dpn to use this state.", details: { layout: m.value.layout } },
      );
    }
    this.meta = m?.value;
    this.metaEtag = m?.etag;
    return this.meta;
  }

  /** Refuse a write on a read-only or migrated store; create the layout marker on first write. */
  private async writable(op: string, freshMeta = false): Promise<void> {
    this.assertOpen(op);
    if (this.readonly) {
      throw stateError(
        "STATE_READ_ONLY",
        `The state ${this.display} is open read-only; ${op} cannot change it.`,
        {
          hint: "Read-only commands and dry runs never change state; run the command without --dry-run to apply.",
          details: { location: this.display, operation: op },
        },
      );
    }
    const meta = await this.loadMeta(freshMeta);
    if (meta?.migratedTo && !MIGRATION_EXEMPT.has(op)) throw migratedError(this.display, meta.migratedTo, op);
    if (!meta) {
      const body: Meta = { v: 1, layout: S3_LAYOUT_VERSION };
      const res = await this.objects.put(this.metaKey(), JSON.stringify(body), { ifNoneMatch: true });
      if (res.ok) {
        this.meta = body;
        this.metaEtag = res.etag;
      } else await this.loadMeta(true);
    }
  }

  // -- the log ----------------------------------------------------------------------------------

  /** Run `fn` after every earlier queued operation on `stackId` of this store. */
  private serial<R>(stackId: string, fn: () => Promise<R>): Promise<R> {
    const prev = this.queues.get(stackId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.queues.set(stackId, tail);
    void tail.then(() => {
      if (this.queues.get(stackId) === tail) this.queues.delete(stackId);
    });
    return next;
  }

  /** Bring this store's fold of `stackId` up to the last record in S3 (bounded: the tail only). */
  private catchUp(stackId: string): Promise<Cached> {
    // a read sees this store's own deferred settlements: they are written first
    this.sendDeferred(stackId);
    return this.serial(stackId, () => this.catchUpNow(stackId));
  }

  private async catchUpNow(stackId: string): Promise<Cached> {
    let c = this.cache.get(stackId);
    if (!c) {
      const snap = await this.getJson<Snapshot>(`${this.stackDir(stackId)}snapshot.json`);
      c = snap
        ? {
            pos: snap.value.pos,
            state: snap.value.state,
            snapPos: snap.value.pos,
            snapEtag: snap.etag,
            snapBytes: snap.bytes,
            tailBytes: 0,
          }
        : { pos: 0, state: emptyState(), snapPos: 0, snapBytes: 0, tailBytes: 0 };
      this.cache.set(stackId, c);
      this.index(stackId, c.state);
    }
    for (;;) {
      const page = await this.objects.list(this.logPrefix(stackId), {
        startAfter: this.logKey(stackId, c.pos),
        maxKeys: 1000,
      });
      const records = await Promise.all(
        page.keys.map(async (key) => {
          const o = await this.objects.get(key);
          return { key, rec: o ? this.parse<LogRecord>(o, key) : undefined, bytes: o?.body.length ?? 0 };
        }),
      );
      let gap = false;
      for (const { key, rec, bytes } of records) {
        // Positions are consecutive; anything else (a hand-made key) is not part of the log.
        if (key !== this.logKey(stackId, c.pos + 1) || !rec) {
          gap = true;
          break;
        }
        this.fold(stackId, c, rec);
        c.tailBytes += bytes;
      }
      if (gap || !page.next || records.length === 0) return c;
    }
  }

  private fold(stackId: string, c: Cached, rec: LogRecord): void {
    apply(c.state, rec);
    c.pos++;
    this.indexOp(stackId, c.state, rec);
  }

  /** Remember which stack the transactions and journal entries an op writes belong to. */
  private indexOp(stackId: string, s: StackState, op: Op): void {
    if (op.op === "batch") for (const o of op.ops) this.indexOp(stackId, s, o);
    if (op.op === "intent") this.entries.set(op.entry.id, { txId: op.entry.txId, stackId });
    if (op.op === "begin") this.txStacks.set(op.tx.id, stackId);
    if (op.op === "import") this.index(stackId, s);
  }

  private index(stackId: string, s: StackState): void {
    for (const [txId, t] of Object.entries(s.txs)) {
      this.txStacks.set(txId, stackId);
      for (const e of t.journal) this.entries.set(e.id, { txId, stackId });
    }
  }

  /** The fence check: LOCK_LOST when this store held the stack's lock and a later holder fenced it. */
  private async assertFence(stackId: string, s: StackState): Promise<void> {
    const f = this.fences.get(stackId);
    // The entry stays: every later write of this holder must fail the same way.
    if (!f || s.fencing <= f.fencing) return;
    throw lockLostError(stackId, f.holderId, f.fencing, await this.getLock(stackId));
  }

  /**
   * Append one write to `stackId`'s log at the position after the last one: `build` makes it from
   * the current fold (and may throw to refuse the write, which refuses that write alone). Writes
   * that arrive while an append of the stack is in flight wait for it and then go together, in
   * order, as one `batch` record (group commit: parallel steps share one PUT, as on SQLite they
   * share one commit). Each write's promise resolves only once the record holding it is in S3.
   */
  private append(stackId: string, build: (s: StackState) => Op): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<void>((resolve, reject) => {
      this.enqueue(stackId, [...this.takeDeferred(stackId), { build, resolve, reject }]);
    });
  }

  /** Queue `writes` for the stack's next record (one batch with whatever is queued already). */
  private enqueue(stackId: string, writes: PendingWrite[]): void {
    const queued = this.pending.get(stackId);
    if (queued) {
      queued.push(...writes);
      return;
    }
    this.pending.set(stackId, writes);
    void this.serial(stackId, async () => {
      const batch = this.pending.get(stackId) ?? [];
      this.pending.delete(stackId);
      await this.appendBatch(stackId, batch);
    });
  }

  /**
   * A settlement written with the stack's next record instead of one of its own, as the port allows
   * (the intent of the next step, which must be in S3 before that step's call, carries it). Its
   * failure (LOCK_LOST after a takeover, S3 refusing) fails every later write of this store.
   */
  private defer(stackId: string, build: (s: StackState) => Op): void {
    const w: PendingWrite = {
      build,
      resolve: () => undefined,
      reject: (e) => {
        this.failed ??= e;
      },
    };
    const list = this.deferred.get(stackId);
    if (list) list.push(w);
    else this.deferred.set(stackId, [w]);
    this.deferTimer ??= setTimeout(() => {
      this.deferTimer = undefined;
      for (const id of [...this.deferred.keys()]) this.sendDeferred(id);
    }, SETTLE_DEFER_MS);
    this.deferTimer.unref();
  }

  private takeDeferred(stackId: string): PendingWrite[] {
    const list = this.deferred.get(stackId) ?? [];
    this.deferred.delete(stackId);
    return list;
  }

  /** Queue the stack's deferred settlements for its next record, if it has any. */
  private sendDeferred(stackId: string): void {
    const list = this.takeDeferred(stackId);
    if (list.length) this.enqueue(stackId, list);
  }

  /** Write the deferred settlements of `stackId` (every stack when omitted) and wait for them. */
  private async writeDeferred(stackId?: string): Promise<void> {
    for (const id of stackId === undefined ? [...this.deferred.keys()] : [stackId]) this.sendDeferred(id);
    await Promise.all(
      (stackId === undefined ? [...this.queues.keys()] : [stackId]).map((id) =>
        this.serial(id, async () => undefined),
      ),
    );
    if (this.failed) throw this.failed;
  }

  /**
   * Write `batch` as one record at the next free position. A 412 means another writer took the
   * position: reload the fold, check the fence, rebuild every write, retry.
   */
  private async appendBatch(stackId: string, batch: PendingWrite[]): Promise<void> {
    try {
      for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
        const c = this.cache.get(stackId) ?? (await this.catchUpNow(stackId));
        await this.assertFence(stackId, c.state);
        const f = this.fences.get(stackId);
        // Build each write against the fold as the writes before it in the batch leave it (a
        // copy when there are several, so that readers never see a write before it is in S3); a
        // write whose build refuses is left out, refused alone.
        const draft = batch.length === 1 ? c.state : structuredClone(c.state);
        const ops: Op[] = [];
        const members: PendingWrite[] = [];
        const refused: { w: PendingWrite; e: unknown }[] = [];
        for (const w of batch) {
          let op: Op;
          try {
            op = JSON.parse(JSON.stringify(redact(w.build(draft)))) as Op;
          } catch (e) {
            refused.push({ w, e });
            continue;
          }
          if (draft !== c.state) apply(draft, op);
          ops.push(op);
          members.push(w);
        }
        if (ops.length === 0) {
          for (const r of refused) r.w.reject(r.e);
          return;
        }
        const writer = randomUUID();
        const body = ops.length === 1 ? (ops[0] as Op) : ({ op: "batch", ops } as Op);
        const rec = { ...body, v: 1, writer, ...(f ? { fencing: f.fencing } : {}) } as LogRecord;
        const pos = c.pos + 1;
        const text = JSON.stringify(rec);
        if (await this.putOwned(this.logKey(stackId, pos), text, writer, { ifNoneMatch: true })) {
          if (draft === c.state) apply(c.state, body);
          else c.state = draft;
          c.pos = pos;
          c.tailBytes += text.length;
          this.indexOp(stackId, c.state, body);
          for (const r of refused) r.w.reject(r.e);
          for (const w of members) w.resolve();
          // The writes are in the log whatever happens to the checkpoint: a failed one is only
          // retried by a later write, so it must not turn these writes into failures, nor delay them.
          this.checkpoint(stackId, c, body);
          return;
        }
        await this.catchUpNow(stackId);
      }
      throw stateError(
        "STATE_CONFLICT",
        `Writing to stack ${stackId} at ${this.display} kept losing to other writers`,
        {
          hint: "Another process writes to this stack continuously; retry when it is done.",
          details: { stackId, attempts: MAX_APPEND_ATTEMPTS },
        },
      );
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
  }

  /**
   * After `written` was appended: save the fold when the checkpoint policy says so (see
   * CHECKPOINT_EVERY), in the background, one at a time per stack, with `If-Match` on the
   * checkpoint read (or `If-None-Match`), so a checkpoint only moves forward. Losing that race is
   * fine: the winner saved a fold at least as recent. The fold is serialised now, so the saved
   * checkpoint is exactly the log up to this position whatever is appended meanwhile.
   */
  private checkpoint(stackId: string, c: Cached, written: Op): void {
    const tail = c.pos - c.snapPos;
    if (c.saving || tail < CHECKPOINT_EVERY) return;
    const due = tail >= CHECKPOINT_MAX_TAIL || (endsWork(written) && c.tailBytes * 4 >= c.snapBytes);
    if (!due) return;
    const key = `${this.stackDir(stackId)}snapshot.json`;
    const pos = c.pos;
    const tailBytes = c.tailBytes;
    const text = JSON.stringify({ v: 1, pos, state: c.state } satisfies Snapshot);
    const save = async () => {
      const res = await this.objects.put(
        key,
        text,
        c.snapEtag ? { ifMatch: c.snapEtag } : { ifNoneMatch: true },
      );
      if (res.ok) {
        c.snapPos = pos;
        c.snapEtag = res.etag;
        c.snapBytes = text.length;
        // what was appended while this one was being saved is the new tail
        c.tailBytes -= tailBytes;
        return;
      }
      const now = await this.getJson<Snapshot>(key);
      if (now) {
        c.snapPos = now.value.pos;
        c.snapEtag = now.etag;
        c.snapBytes = now.bytes;
      }
    };
    c.saving = save()
      .catch(() => undefined)
      .finally(() => {
        c.saving = undefined;
      });
  }

  private async stackIds(): Promise<string[]> {
    const ids: string[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.objects.list(this.stacksPrefix(), {
        delimiter: "/",
        maxKeys: 1000,
        ...(startAfter ? { startAfter } : {}),
      });
      for (const p of page.prefixes) ids.push(decodeURIComponent(p.slice(this.stacksPrefix().length, -1)));
      if (!page.next) return ids;
      startAfter = page.next;
    }
  }

  /** The stack a transaction belongs to: known here, its index object, else a search of every stack. */
  private async stackOfTx(txId: string, search = true): Promise<string | undefined> {
    const known = this.txStacks.get(txId);
    if (known) return known;
    const idx = await this.getJson<{ stackId: string }>(this.txKey(txId));
    const candidates = idx ? [idx.value.stackId] : search ? await this.stackIds() : [];
    for (const id of candidates) {
      const c = await this.catchUp(id);
      if (c.state.txs[txId]) return id;
    }
    return undefined;
  }

  private async txState(txId: string): Promise<TxState | undefined> {
    const stackId = await this.stackOfTx(txId);
    if (!stackId) return undefined;
    return (await this.catchUp(stackId)).state.txs[txId];
  }

  private async state(stackId: string): Promise<StackState> {
    this.assertOpen("read");
    return (await this.catchUp(stackId)).state;
  }

  // -- stacks -----------------------------------------------------------------------------------

  async ensureStack(project: string, environment: string): Promise<StackRecord> {
    const existing = await this.getStack(project, environment);
    if (existing) return existing;
    await this.writable("ensureStack", true);
    const rec: StackRecord = {
      id: stackIdFor(project, environment),
      project,
      environment,
      createdAt: nowIso(),
    };
    const key = `${this.stackDir(rec.id)}stack.json`;
    const res = await this.objects.put(key, JSON.stringify(rec), { ifNoneMatch: true });
    if (res.ok) return rec;
    const now = await this.getStack(project, environment);
    if (now) return now;
    throw stateError(
      "STATE_CONFLICT",
      `Creating stack ${rec.id} at ${this.display} conflicted with another writer`,
      {
        hint: "Retry the command.",
        details: { stackId: rec.id },
      },
    );
  }

  async getStack(project: string, environment: string): Promise<StackRecord | undefined> {
    this.assertOpen("getStack");
    const id = stackIdFor(project, environment);
    return (await this.getJson<StackRecord>(`${this.stackDir(id)}stack.json`))?.value;
  }

  async listStacks(): Promise<StackRecord[]> {
    this.assertOpen("listStacks");
    const recs = await Promise.all(
      (await this.stackIds()).map(
        async (id) => (await this.getJson<StackRecord>(`${this.stackDir(id)}stack.json`))?.value,
      ),
    );
    return recs
      .filter((r): r is StackRecord => r !== undefined)
      .sort((a, b) => cmp(a.project, b.project) || cmp(a.environment, b.environment));
  }

  // -- resources --------------------------------------------------------------------------------

  async listResources(
    stackId: string,
    opts: { status?: ResourceStatus; type?: ProvisionedType } = {},
  ): Promise<ResourceRecord[]> {
    const s = await this.state(stackId);
    return Object.values(s.resources)
      .filter((r) => (!opts.status || r.status === opts.status) && (!opts.type || r.type === opts.type))
      .sort((a, b) => cmp(a.address, b.address))
      .map(clone);
  }

  async getResource(stackId: string, address: string): Promise<ResourceRecord | undefined> {
    const r = (await this.state(stackId)).resources[address];
    return r ? clone(r) : undefined;
  }

  async putResource(rec: ResourceRecord): Promise<void> {
    return this.settleStep({ outcomes: [], put: [rec] });
  }

  async protectedAddresses(stackId: string): Promise<Set<string>> {
    return new Set(Object.keys((await this.state(stackId)).protections).sort());
  }

  async setProtection(
    stackId: string,
    changes: { address: string; on: boolean }[],
    txId: string,
  ): Promise<void> {
    await this.writable("setProtection");
    await this.append(stackId, () => ({ op: "protect", txId, at: nowIso(), changes }));
  }

  async pendingCleanups(stackId: string): Promise<PendingCleanup[]> {
    return Object.values((await this.state(stackId)).cleanups)
      .sort((a, b) => cmp(a.at, b.at) || cmp(a.address, b.address))
      .map(clone);
  }

  async setCleanups(
    stackId: string,
    changes: { address: string; pending: boolean; error?: Record<string, unknown> }[],
    txId: string,
  ): Promise<void> {
    await this.writable("setCleanups");
    await this.append(stackId, () => ({ op: "cleanups", txId, at: nowIso(), changes }));
  }

  // -- transactions -----------------------------------------------------------------------------

  async beginTransaction(
    tx: Omit<TransactionRecord, "status" | "startedAt"> & { startedAt?: string },
    plan: StoredPlan,
  ): Promise<TransactionRecord> {
    await this.writable("beginTransaction");
    const rec: TransactionRecord = { ...tx, status: "running", startedAt: tx.startedAt || nowIso() };
    delete rec.finishedAt;
    const elsewhere = await this.stackOfTx(rec.id, false);
    if (elsewhere && elsewhere !== rec.stackId) throw duplicateTx(rec.id, this.display);
    await this.append(rec.stackId, (s) => {
      if (s.txs[rec.id]) throw duplicateTx(rec.id, this.display);
      return { op: "begin", tx: rec, plan };
    });
    // The index only speeds up finding the stack of a transaction; the log is the record.
    await this.objects.put(this.txKey(rec.id), JSON.stringify({ stackId: rec.stackId }));
    return clone((await this.state(rec.stackId)).txs[rec.id]?.record ?? rec);
  }

  async finishTransaction(txId: string, status: TxStatus, error?: Record<string, unknown>): Promise<void> {
    await this.writable("finishTransaction");
    const stackId = await this.stackOfTx(txId);
    if (!stackId) throw unknownTransaction(txId, this.display);
    await this.append(stackId, (s) => {
      if (!s.txs[txId]) throw unknownTransaction(txId, this.display);
      return { op: "finish", txId, status, at: nowIso(), ...(error ? { error } : {}) };
    });
  }

  async getTransaction(txId: string): Promise<TransactionRecord | undefined> {
    this.assertOpen("getTransaction");
    const t = await this.txState(txId);
    return t ? clone(t.record) : undefined;
  }

  async listTransactions(
    opts: { stackId?: string; status?: TxStatus; limit?: number } = {},
  ): Promise<TransactionRecord[]> {
    this.assertOpen("listTransactions");
    const ids = opts.stackId ? [opts.stackId] : await this.stackIds();
    const all: TxState[] = [];
    for (const id of ids) all.push(...Object.values((await this.catchUp(id)).state.txs));
    const rows = all
      .filter((t) => !opts.status || t.record.status === opts.status)
      .sort((a, b) => cmp(b.record.startedAt, a.record.startedAt) || b.order - a.order)
      .map((t) => clone(t.record));
    const limit = opts.limit;
    return limit === undefined || !Number.isFinite(limit) || limit < 0
      ? rows
      : rows.slice(0, Math.floor(limit));
  }

  async unfinishedTransactions(stackId: string): Promise<TransactionRecord[]> {
    return Object.values((await this.state(stackId)).txs)
      .filter((t) => t.record.status === "running" || t.record.status === "interrupted")
      .sort((a, b) => cmp(a.record.startedAt, b.record.startedAt) || a.order - b.order)
      .map((t) => clone(t.record));
  }

  async loadPlan(txId: string): Promise<StoredPlan | undefined> {
    this.assertOpen("loadPlan");
    const t = await this.txState(txId);
    return t?.plan ? clone(t.plan) : undefined;
  }

  // -- journal ----------------------------------------------------------------------------------

  async journalIntent(e: JournalIntent): Promise<JournalEntry> {
    await this.writable("journalIntent");
    const stackId = await this.stackOfTx(e.txId);
    if (!stackId)
      throw stateError(
        "STATE_REFERENCE_MISSING",
        `Transaction ${e.txId} does not exist in ${this.display}.`,
        {
          hint: "This is a bug in dpn (an intent was written outside a transaction); please report it.",
          details: { txId: e.txId },
        },
      );
    const id = this.newId();
    let entry: JournalEntry | undefined;
    await this.append(stackId, (s) => {
      const tx = s.txs[e.txId];
      if (!tx) throw unknownTransaction(e.txId, this.display);
      entry = {
        ...e,
        id,
        seq: tx.journal.reduce((m, j) => Math.max(m, j.seq), 0) + 1,
        status: "intent",
        startedAt: nowIso(),
      };
      return { op: "intent", entry };
    });
    const stored = (await this.cachedState(stackId)).txs[e.txId]?.journal.find((j) => j.id === id);
    return clone(stored ?? (entry as JournalEntry));
  }

  /** The fold as this store has it, without a request (right after its own append). */
  private async cachedState(stackId: string): Promise<StackState> {
    return (this.cache.get(stackId) ?? (await this.catchUp(stackId))).state;
  }

  /**
   * One record per stack the settlement touches (in practice one): outcomes, rows and audit
   * events become visible together or not at all.
   */
  async settleStep(st: StepSettlement): Promise<void> {
    await this.writable("settleStep");
    if (this.failed) throw this.failed;
    const parts = new Map<
      string,
      {
        outcomes: (JournalOutcome & { txId: string })[];
        put: ResourceRecord[];
        remove: string[];
        audit: AuditEvent[];
      }
    >();
    const part = (stackId: string) => {
      let p = parts.get(stackId);
      if (!p) {
        p = { outcomes: [], put: [], remove: [], audit: [] };
        parts.set(stackId, p);
      }
      return p;
    };
    for (const o of st.outcomes) {
      const where = await this.entryLocation(o.id);
      part(where.stackId).outcomes.push({ ...o, txId: where.txId });
    }
    for (const r of st.put ?? []) part(r.stackId).put.push(r);
    for (const r of st.remove ?? []) part(r.stackId).remove.push(r.address);
    const unscoped: AuditEvent[] = [];
    for (const e of st.audit ?? []) {
      const stackId = e.stackId ?? (e.txId ? await this.stackOfTx(e.txId) : undefined);
      const ev = { ...e, id: e.id ?? this.newId(), at: e.at || nowIso() };
      if (stackId) part(stackId).audit.push(ev);
      else unscoped.push(ev);
    }
    for (const [stackId, p] of parts) this.defer(stackId, () => ({ op: "settle", at: nowIso(), ...p }));
    for (const e of unscoped) await this.putUnscopedAudit(e);
  }

  private async entryLocation(id: number): Promise<{ txId: string; stackId: string }> {
    let where = this.entries.get(id);
    if (!where) {
      for (const s of await this.stackIds()) await this.catchUp(s);
      where = this.entries.get(id);
    }
    if (!where)
      throw stateError(
        "STATE_UNKNOWN_JOURNAL_ENTRY",
        `Journal entry ${id} does not exist in ${this.display}.`,
        {
          hint: "This is a bug in dpn (an outcome was recorded without an intent); please report it.",
          details: { id },
        },
      );
    return where;
  }

  async journal(txId: string): Promise<JournalEntry[]> {
    this.assertOpen("journal");
    const t = await this.txState(txId);
    return t ? [...t.journal].sort((a, b) => a.seq - b.seq).map(clone) : [];
  }

  // -- audit ------------------------------------------------------------------------------------

  async audit(e: AuditEvent): Promise<void> {
    await this.writable("audit");
    const ev = { ...e, id: e.id ?? this.newId(), at: e.at || nowIso() };
    if (e.stackId) await this.append(e.stackId, () => ({ op: "audit", events: [ev] }));
    else await this.putUnscopedAudit(ev);
  }

  private async putUnscopedAudit(e: AuditEvent): Promise<void> {
    const writer = randomUUID();
    const body = JSON.stringify(redact({ event: e, writer }));
    const ok = await this.putOwned(this.auditKey(e), body, writer, { ifNoneMatch: true });
    if (!ok)
      throw stateError("STATE_DUPLICATE", `Audit event ${e.id} already exists in ${this.display}.`, {
        hint: "Audit event ids are unique; this is a bug in dpn or an import of the same events twice.",
        details: { id: e.id },
      });
  }

  /**
   * Unscoped audit events matching `since` / `limit`: the listing of `audit/` (keys carry id and
   * time, so `since` is applied to keys), then a GetObject for each event kept.
   */
  private async unscopedAudit(opts: {
    since?: string;
    limit?: number;
    txId?: string;
  }): Promise<AuditEvent[]> {
    let keys: string[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.objects.list(this.auditPrefix(), {
        maxKeys: 1000,
        ...(startAfter ? { startAfter } : {}),
      });
      keys.push(...page.keys);
      if (!page.next) break;
      startAfter = page.next;
    }
    const since = opts.since;
    if (since !== undefined)
      keys = keys.filter((k) => decodeURIComponent(k.slice(k.indexOf("_") + 1, -".json".length)) >= since);
    // Without a tx filter, the latest `limit` keys are the only candidates (keys sort by id).
    const limit = opts.limit;
    if (limit !== undefined && Number.isFinite(limit) && limit >= 0 && opts.txId === undefined)
      keys = keys.slice(Math.max(0, keys.length - Math.floor(limit)));
    const events = await Promise.all(
      keys.map(async (k) => {
        const o = await this.getJson<{ event: AuditEvent }>(k);
        return o?.value.event;
      }),
    );
    return events.filter((e): e is AuditEvent => e !== undefined);
  }

  async auditEvents(
    opts: { since?: string; stackId?: string; txId?: string; limit?: number } = {},
  ): Promise<AuditEvent[]> {
    this.assertOpen("auditEvents");
    const stacks = opts.stackId ? [opts.stackId] : await this.stackIds();
    const events: AuditEvent[] = [];
    for (const id of stacks) events.push(...(await this.catchUp(id)).state.audit);
    if (!opts.stackId) events.push(...(await this.unscopedAudit(opts)));
    const since = opts.since;
    const rows = events
      .filter(
        (e) =>
          (since === undefined || e.at >= since) &&
          (!opts.stackId || e.stackId === opts.stackId) &&
          (!opts.txId || e.txId === opts.txId),
      )
      .sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    const limit = opts.limit;
    const kept =
      limit === undefined || !Number.isFinite(limit) || limit < 0
        ? rows
        : rows.slice(Math.max(0, rows.length - Math.floor(limit)));
    return kept.map(clone);
  }

  // -- locks ------------------------------------------------------------------------------------

  private lockKey(stackId: string): string {
    return `${this.stackDir(stackId)}lock.json`;
  }

  private async readLock(stackId: string): Promise<{ value: LockObject; etag: string } | undefined> {
    return this.getJson<LockObject>(this.lockKey(stackId));
  }

  /** Write a new version of the lock object: `If-Match` the version read, `If-None-Match` when none. */
  private async writeLock(
    stackId: string,
    read: { value: LockObject; etag: string } | undefined,
    held: LockInfo | undefined,
  ): Promise<boolean> {
    const writer = randomUUID();
    const body: LockObject = {
      v: 1,
      ...(held ? { held } : {}),
      lastFencing: Math.max(read?.value.lastFencing ?? 0, held?.fencing ?? 0),
      rev: (read?.value.rev ?? 0) + 1,
      writer,
    };
    return this.putOwned(
      this.lockKey(stackId),
      JSON.stringify(body),
      writer,
      read ? { ifMatch: read.etag } : { ifNoneMatch: true },
    );
  }

  async tryLock(
    stackId: string,
    holder: Omit<LockInfo, "stackId" | "since" | "expiresAt" | "fencing">,
    leaseMs: number,
  ): Promise<TryLockResult> {
    if (!Number.isFinite(leaseMs) || leaseMs <= 0)
      throw internalError(
        "STATE_INVALID_LEASE",
        `Lock lease must be a positive number of ms, got ${leaseMs}.`,
      );
    await this.writable("tryLock", true);
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const read = await this.readLock(stackId);
      const current = read?.value.held;
      const now = Date.now();
      const same = current !== undefined && current.holderId === holder.holderId;
      let takenOver: { holder: LockInfo; reason: LockTakeoverReason } | undefined;
      if (current && !same) {
        if (Date.parse(current.expiresAt) <= now) takenOver = { holder: current, reason: "lease_expired" };
        // Only a pid on this machine can be checked; elsewhere the lease is the only signal.
        else if (current.host === os.hostname() && !isProcessAlive(current.pid))
          takenOver = { holder: current, reason: "holder_dead" };
        else return { acquired: false, holder: current };
      }
      const lock: LockInfo = {
        stackId,
        holderId: holder.holderId,
        user: holder.user,
        host: holder.host,
        pid: holder.pid,
        since: same ? current.since : nowIso(now),
        expiresAt: nowIso(now + leaseMs),
        fencing: same ? current.fencing : Math.max(read?.value.lastFencing ?? 0, current?.fencing ?? 0) + 1,
      };
      if (!(await this.writeLock(stackId, read, lock))) continue;
      this.fences.set(stackId, { holderId: lock.holderId, fencing: lock.fencing });
      await this.fence(stackId, lock);
      return takenOver ? { acquired: true, lock, takenOver } : { acquired: true, lock };
    }
    throw stateError("STATE_CONFLICT", `Taking the lock of ${stackId} at ${this.display} kept conflicting`, {
      hint: "Other processes are changing this lock continuously; retry.",
      details: { stackId },
    });
  }

  /**
   * Append the new holder's fence (once per token), so that every earlier holder's next append
   * meets it. Until it is in the log, an earlier holder could still append (see docs/state-s3.md).
   */
  private async fence(stackId: string, lock: LockInfo): Promise<void> {
    const c = await this.catchUp(stackId);
    if (c.state.fencing >= lock.fencing) return;
    await this.append(stackId, () => ({ op: "fence", fencing: lock.fencing, holderId: lock.holderId }));
  }

  async renewLock(stackId: string, holderId: string, leaseMs: number): Promise<boolean> {
    if (!Number.isFinite(leaseMs) || leaseMs <= 0)
      throw internalError(
        "STATE_INVALID_LEASE",
        `Lock lease must be a positive number of ms, got ${leaseMs}.`,
      );
    await this.writable("renewLock");
    const f = this.fences.get(stackId);
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const read = await this.readLock(stackId);
      const held = read?.value.held;
      if (
        !read ||
        !held ||
        held.holderId !== holderId ||
        (f?.holderId === holderId && held.fencing !== f.fencing)
      )
        return false;
      if (await this.writeLock(stackId, read, { ...held, expiresAt: nowIso(Date.now() + leaseMs) }))
        return true;
    }
    return false;
  }

  async releaseLock(stackId: string, holderId: string): Promise<void> {
    await this.writable("releaseLock");
    // what this holder settled goes to S3 while it still holds the lock; a failure there (the
    // lock was lost, S3 refused) leaves the journal as a crash would, for recover to finish
    await this.writeDeferred(stackId).catch(() => undefined);
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const read = await this.readLock(stackId);
      if (!read?.value.held || read.value.held.holderId !== holderId) break;
      if (await this.writeLock(stackId, read, undefined)) break;
    }
    if (this.fences.get(stackId)?.holderId === holderId) this.fences.delete(stackId);
  }

  async getLock(stackId: string): Promise<LockInfo | undefined> {
    this.assertOpen("getLock");
    const held = (await this.readLock(stackId))?.value.held;
    return held ? { ...held } : undefined;
  }

  async forceUnlock(
    stackId: string,
    expected?: { holderId: string; fencing: number },
  ): Promise<LockInfo | undefined> {
    await this.writable("forceUnlock");
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const read = await this.readLock(stackId);
      const held = read?.value.held;
      if (expected && (!held || held.holderId !== expected.holderId || held.fencing !== expected.fencing))
        throw lockChangedError(stackId, expected, held);
      if (!read || !held) return undefined;
      if (await this.writeLock(stackId, read, undefined)) {
        if (this.fences.get(stackId)?.holderId === held.holderId) this.fences.delete(stackId);
        return { ...held };
      }
    }
    throw stateError("STATE_CONFLICT", `Unlocking ${stackId} at ${this.display} kept conflicting`, {
      hint: "Run `dpn status` and retry.",
      details: { stackId },
    });
  }

  // -- backend ----------------------------------------------------------------------------------

  async describe(): Promise<BackendInfo> {
    this.assertOpen("describe");
    const meta = await this.loadMeta(true);
    return {
      kind: "s3",
      location: this.display,
      schemaVersion: meta?.layout ?? S3_LAYOUT_VERSION,
      ...(meta?.migratedTo ? { migratedTo: meta.migratedTo } : {}),
    };
  }

  async checkBackend(): Promise<BackendCheck[]> {
    this.assertOpen("checkBackend");
    return runS3Checks(this.objects, `${this.base}probe/`, this.readonly);
  }

  async exportStack(stackId: string): Promise<StackDump> {
    this.assertOpen("exportStack");
    const stack = await this.getJson<StackRecord>(`${this.stackDir(stackId)}stack.json`);
    if (!stack) throw stackNotFoundError(stackId, this.display);
    const s = await this.state(stackId);
    return clone({
      stack: stack.value,
      resources: Object.values(s.resources).sort((a, b) => cmp(a.address, b.address)),
      protections: Object.entries(s.protections)
        .sort(([a], [b]) => cmp(a, b))
        .map(([address, p]) => ({ address, txId: p.txId, since: p.since })),
      cleanups: Object.values(s.cleanups).sort((a, b) => cmp(a.at, b.at) || cmp(a.address, b.address)),
      transactions: Object.values(s.txs)
        .sort((a, b) => cmp(a.record.startedAt, b.record.startedAt) || cmp(a.record.id, b.record.id))
        .map((t) => ({
          record: t.record,
          ...(t.plan ? { plan: t.plan } : {}),
          journal: [...t.journal].sort((a, b) => a.seq - b.seq),
        })),
      audit: s.audit.filter((e) => e.stackId === stackId).sort((a, b) => (a.id ?? 0) - (b.id ?? 0)),
    });
  }

  async exportUnscopedAudit(): Promise<AuditEvent[]> {
    const events = await this.unscopedAudit({});
    for (const id of await this.stackIds())
      events.push(...(await this.catchUp(id)).state.audit.filter((e) => e.stackId === undefined));
    return events.sort((a, b) => (a.id ?? 0) - (b.id ?? 0)).map(clone);
  }

  async importStack(dump: StackDump): Promise<void> {
    await this.writable("importStack", true);
    const clash = (await this.listStacks()).find(
      (s) =>
        s.id === dump.stack.id ||
        (s.project === dump.stack.project && s.environment === dump.stack.environment),
    );
    if (clash) throw stackExistsError(dump.stack, this.display);
    const res = await this.objects.put(
      `${this.stackDir(dump.stack.id)}stack.json`,
      JSON.stringify(dump.stack),
      {
        ifNoneMatch: true,
      },
    );
    if (!res.ok) throw stackExistsError(dump.stack, this.display);
    await this.append(dump.stack.id, () => ({ op: "import", dump }));
    for (const t of dump.transactions)
      await this.objects.put(this.txKey(t.record.id), JSON.stringify({ stackId: dump.stack.id }));
  }

  async importUnscopedAudit(events: AuditEvent[]): Promise<void> {
    await this.writable("importUnscopedAudit");
    for (const e of events) await this.putUnscopedAudit({ ...e, id: e.id ?? this.newId() });
  }

  async markMigrated(to: string): Promise<void> {
    await this.writable("markMigrated", true);
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const body: Meta = { v: 1, layout: S3_LAYOUT_VERSION, migratedTo: to };
      const res = await this.objects.put(
        this.metaKey(),
        JSON.stringify(body),
        this.metaEtag ? { ifMatch: this.metaEtag } : { ifNoneMatch: true },
      );
      if (res.ok) {
        this.meta = body;
        this.metaEtag = res.etag;
        return;
      }
      await this.loadMeta(true);
    }
    throw stateError("STATE_CONFLICT", `Marking ${this.display} as migrated kept conflicting`, {
      hint: "Retry `dpn state migrate`.",
    });
  }

  /** Write the deferred settlements; rejects with the first write that failed. */
  async flush(): Promise<void> {
    this.assertOpen("flush");
    await this.writeDeferred();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writeDeferred().catch(() => undefined);
    if (this.deferTimer) clearTimeout(this.deferTimer);
    this.closed = true;
    // a checkpoint being saved is let finish (it is one PUT); it is never needed for correctness
    await Promise.all([...this.cache.values()].map((c) => c.saving));
    this.objects.destroy();
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function unknownTransaction(txId: string, where: string): DpnError {
  return stateError("STATE_UNKNOWN_TRANSACTION", `Transaction ${txId} does not exist in ${where}.`, {
    hint: "List transactions with `dpn tx list`; the id may belong to another state (--state).",
    details: { txId },
  });
}

function duplicateTx(txId: string, where: string): DpnError {
  return stateError("STATE_DUPLICATE", `Transaction ${txId} already exists in ${where}.`, {
    hint: "Transaction ids are unique; this is a bug in dpn.",
    details: { txId },
  });
}

/**
 * Open the state kept in `bucket` under `prefix` (see S3StateStore). Sends no request: a missing
 * bucket, a refused permission or an unreachable endpoint surface from the first call (and from
 * `checkBackend`, which reports them one by one). With `readonly`, every write rejects with
 * STATE_READ_ONLY and nothing is ever written.
 */
export async function openS3StateStore(o: S3StateStoreOptions): Promise<StateStore> {
  return openS3StateStoreOn(
    openObjectStore({ bucket: o.bucket, env: o.env, ...(o.profile ? { profile: o.profile } : {}) }),
    o,
  );
}

/** The store on a given ObjectStore (tests inject request counting or faults below it). */
export function openS3StateStoreOn(
  objects: ObjectStore,
  o: { prefix: string; readonly?: boolean; display: string },
): S3StateStore {
  return new S3StateStore(objects, o);
}
