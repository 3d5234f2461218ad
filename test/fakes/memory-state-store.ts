/**
 * Minimal in-memory StateStore for engine unit tests, used until/unless the SQLite store's
 * `openMemoryStateStore()` is available. Semantics follow src/engine/ports.ts: writes are
 * immediate, `atomically` undoes every write of a throwing callback, locks expire by lease.
 * It also implements the optional `savePlan`/`loadPlan`.
 */
import { stateError } from "../../src/core/errors.js";
import type {
  AuditEvent,
  JournalEntry,
  JournalStatus,
  LockInfo,
  ResourceRecord,
  StackRecord,
  StateStore,
  StoredPlan,
  TransactionRecord,
  TxStatus,
} from "../../src/engine/ports.js";

interface Data {
  stacks: StackRecord[];
  resources: ResourceRecord[];
  txs: TransactionRecord[];
  journal: JournalEntry[];
  audit: AuditEvent[];
  locks: LockInfo[];
  plans: Record<string, StoredPlan>;
}

const copy = <T>(v: T): T => structuredClone(v);

export class MemoryStateStore implements StateStore {
  d: Data = { stacks: [], resources: [], txs: [], journal: [], audit: [], locks: [], plans: {} };
  /** Count of write calls, to prove planning is read-only. */
  writes = 0;
  now: () => number = () => Date.now();

  private w(): void {
    this.writes++;
  }

  ensureStack(project: string, environment: string): StackRecord {
    const found = this.getStack(project, environment);
    if (found) return found;
    this.w();
    const s = { id: `${project}/${environment}`, project, environment, createdAt: new Date().toISOString() };
    this.d.stacks.push(s);
    return copy(s);
  }
  getStack(project: string, environment: string) {
    const s = this.d.stacks.find((x) => x.project === project && x.environment === environment);
    return s ? copy(s) : undefined;
  }
  listStacks() {
    return copy(this.d.stacks);
  }
  listResources(
    stackId: string,
    opts: { status?: ResourceRecord["status"]; type?: ResourceRecord["type"] } = {},
  ) {
    return copy(
      this.d.resources.filter(
        (r) =>
          r.stackId === stackId &&
          (!opts.status || r.status === opts.status) &&
          (!opts.type || r.type === opts.type),
      ),
    );
  }
  getResource(stackId: string, address: string) {
    const r = this.d.resources.find((x) => x.stackId === stackId && x.address === address);
    return r ? copy(r) : undefined;
  }
  putResource(rec: ResourceRecord) {
    this.w();
    this.d.resources = this.d.resources.filter(
      (x) => !(x.stackId === rec.stackId && x.address === rec.address),
    );
    this.d.resources.push(copy(rec));
  }
  deleteResource(stackId: string, address: string) {
    this.w();
    this.d.resources = this.d.resources.filter((x) => !(x.stackId === stackId && x.address === address));
  }
  beginTransaction(tx: Omit<TransactionRecord, "status" | "startedAt"> & { startedAt?: string }) {
    this.w();
    if (this.d.txs.some((t) => t.id === tx.id)) throw stateError("TX_EXISTS", `transaction ${tx.id} exists`);
    const rec: TransactionRecord = {
      ...copy(tx),
      status: "running",
      startedAt: tx.startedAt ?? new Date().toISOString(),
    };
    this.d.txs.push(rec);
    return copy(rec);
  }
  finishTransaction(txId: string, status: TxStatus, error?: Record<string, unknown>) {
    this.w();
    const t = this.d.txs.find((x) => x.id === txId);
    if (!t) throw stateError("TX_NOT_FOUND", `no transaction ${txId}`);
    t.status = status;
    t.finishedAt = new Date().toISOString();
    if (error) t.error = copy(error);
  }
  getTransaction(txId: string) {
    const t = this.d.txs.find((x) => x.id === txId);
    return t ? copy(t) : undefined;
  }
  listTransactions(opts: { stackId?: string; status?: TxStatus; limit?: number } = {}) {
    return copy(
      this.d.txs
        .filter(
          (t) => (!opts.stackId || t.stackId === opts.stackId) && (!opts.status || t.status === opts.status),
        )
        .slice(0, opts.limit ?? 1000),
    );
  }
  unfinishedTransactions(stackId: string) {
    return copy(
      this.d.txs.filter(
        (t) => t.stackId === stackId && (t.status === "running" || t.status === "interrupted"),
      ),
    );
  }
  journalIntent(e: Omit<JournalEntry, "id" | "seq" | "status" | "startedAt">): JournalEntry {
    this.w();
    const seq = this.d.journal.filter((j) => j.txId === e.txId).length + 1;
    const entry: JournalEntry = {
      ...copy(e),
      id: this.d.journal.length + 1,
      seq,
      status: "intent",
      startedAt: new Date().toISOString(),
    };
    this.d.journal.push(entry);
    return copy(entry);
  }
  journalOutcome(
    id: number,
    status: JournalStatus,
    data: {
      remoteId?: string;
      after?: Record<string, unknown>;
      before?: Record<string, unknown>;
      error?: Record<string, unknown>;
    } = {},
  ) {
    this.w();
    const j = this.d.journal.find((x) => x.id === id);
    if (!j) throw stateError("JOURNAL_NOT_FOUND", `no journal entry ${id}`);
    j.status = status;
    j.finishedAt = new Date().toISOString();
    if (data.remoteId !== undefined) j.remoteId = data.remoteId;
    if (data.after !== undefined) j.after = copy(data.after);
    if (data.before !== undefined) j.before = copy(data.before);
    if (data.error !== undefined) j.error = copy(data.error);
  }
  journal(txId: string) {
    return copy(this.d.journal.filter((j) => j.txId === txId).sort((a, b) => a.seq - b.seq));
  }
  atomically<R>(fn: () => R): R {
    const saved = copy(this.d);
    try {
      return fn();
    } catch (e) {
      this.d = saved;
      throw e;
    }
  }
  audit(e: AuditEvent) {
    this.w();
    this.d.audit.push({ ...copy(e), id: this.d.audit.length + 1 });
  }
  auditEvents(opts: { since?: string; stackId?: string; txId?: string; limit?: number } = {}) {
    return copy(
      this.d.audit
        .filter(
          (a) =>
            (!opts.stackId || a.stackId === opts.stackId) &&
            (!opts.txId || a.txId === opts.txId) &&
            (!opts.since || a.at >= opts.since),
        )
        .slice(0, opts.limit ?? 100000),
    );
  }
  tryLock(stackId: string, holder: Omit<LockInfo, "stackId" | "since" | "expiresAt">, leaseMs: number) {
    const cur = this.d.locks.find((l) => l.stackId === stackId);
    if (cur && cur.holderId !== holder.holderId && Date.parse(cur.expiresAt) > this.now())
      return { acquired: false as const, holder: copy(cur) };
    this.w();
    const lock: LockInfo = {
      ...holder,
      stackId,
      since: new Date(this.now()).toISOString(),
      expiresAt: new Date(this.now() + leaseMs).toISOString(),
    };
    this.d.locks = this.d.locks.filter((l) => l.stackId !== stackId);
    this.d.locks.push(lock);
    return { acquired: true as const, lock: copy(lock) };
  }
  renewLock(stackId: string, holderId: string, leaseMs: number) {
    const cur = this.d.locks.find((l) => l.stackId === stackId && l.holderId === holderId);
    if (!cur) return false;
    this.w();
    cur.expiresAt = new Date(this.now() + leaseMs).toISOString();
    return true;
  }
  releaseLock(stackId: string, holderId: string) {
    this.w();
    this.d.locks = this.d.locks.filter((l) => !(l.stackId === stackId && l.holderId === holderId));
  }
  getLock(stackId: string) {
    const l = this.d.locks.find((x) => x.stackId === stackId);
    return l ? copy(l) : undefined;
  }
  forceUnlock(stackId: string) {
    const l = this.getLock(stackId);
    this.d.locks = this.d.locks.filter((x) => x.stackId !== stackId);
    return l;
  }
  savePlan(txId: string, plan: StoredPlan) {
    this.w();
    this.d.plans[txId] = copy(plan);
  }
  loadPlan(txId: string) {
    const p = this.d.plans[txId];
    return p ? copy(p) : undefined;
  }
  close() {}
}
