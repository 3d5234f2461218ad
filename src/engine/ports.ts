/**
 * The engine's ports: the interfaces it needs from the outside world. Providers (one per
 * resource type) and the state store implement them; only the CLI composition root wires
 * concrete implementations.
 */
import type { DesiredResource, Ownership, ProvisionedType } from "../core/resources.js";

// ---------------------------------------------------------------------------------------------
// Provider contract
// ---------------------------------------------------------------------------------------------

/** A remote object as a provider sees it, normalised across platforms. */
export interface RemoteObject {
  type: ProvisionedType;
  /** The platform's id: bucket name, Glue `db` or `db.table`, cluster_id, job_id (as string), UC full name. */
  remoteId: string;
  /** The resource's own name (bucket name, table name, cluster_name, …). */
  name: string;
  /** catalog.schema.table / database.table / name. */
  fullName: string;
  /** Platform settings in the same vocabulary as DesiredResource.properties (for diffs). */
  properties: Record<string, unknown>;
  /** User tags (ownership markers excluded). */
  tags: Record<string, string>;
  /** dpn ownership marker, or null when the object is not (visibly) dpn's. */
  ownership: Ownership | null;
  /** True when dpn archived it (soft delete). */
  archived: boolean;
  /** Platform state (e.g. cluster `PENDING`, `RUNNING`, `TERMINATED`), when the platform has one. */
  status?: string;
  /**
   * Who made the object and when, as far as the platform reports it. The engine uses it to claim
   * an unmarked object that its own in-doubt create made (docs/recovery.md); never for anything else.
   */
  provenance?: Provenance;
}

/**
 * Creation facts the platform reports about an object. Each field is present only when the
 * platform gives it: S3 ListBuckets `CreationDate` (buckets listed are the caller's account's),
 * Glue `CreateTime` + `CatalogId`, Databricks `creator_user_name` + `start_time`/`created_time`, UC
 * `created_by` + `created_at`.
 */
export interface Provenance {
  /** ISO-8601 time the platform says the object was created (platform clock). */
  createdAt?: string;
  /**
   * The principal that created it, in the same spelling `Provider.principal` returns (AWS account
   * id, Databricks user name or service principal application id).
   */
  createdBy?: string;
}

/** Per-call context the engine passes to providers. */
export interface ProviderContext {
  stackId: string;
  txId: string;
  /** Actor (user@host) for archive markers. */
  actor: string;
  /**
   * Resolve another resource's address to its remote id within this run (e.g. a job's cluster).
   * Returns undefined when unknown.
   */
  resolveRef(address: string): string | undefined;
  signal?: AbortSignal;
}

/** One field that differs between desired and live. */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

/**
 * One provider per resource type. Failure semantics (every implementation follows these):
 * - Every method throws a `ProviderError` (src/core/errors.ts) on failure, never a raw error.
 * - `create`: if it throws with `outcome: "not_applied"`, nothing was created. With
 *   `outcome: "unknown"` the object may exist: the engine looks it up with `lookup` before
 *   deciding. On success the returned object carries the ownership marker (stack + address).
 * - `update`: applies only what `diff` reports; if it throws with "not_applied" nothing changed;
 *   with "unknown" some fields may have changed: the engine re-reads and restores `previous`.
 * - `delete`: deleting something already gone succeeds (idempotent). Refuses (`ProviderError`
 *   category `conflict`) when the object holds data or children, unless `force`.
 * - `archive`/`restore`: idempotent; restore undoes archive exactly.
 * - `read`/`lookup`: return null when the object does not exist; never throw for "not found".
 */
export interface Provider<T extends ProvisionedType = ProvisionedType> {
  readonly type: T;
  /** Service bucket for rate limits (`s3`, `glue`, `clusters`, `jobs`, `unity-catalog`). */
  readonly service: string;

  /**
   * Plan-time check (Pulumi's term): validate `desired` against facts only the live platform knows
   * (e.g. the runtime versions and node types a Databricks workspace offers) and fill the platform
   * defaults the blueprint left open (the workspace's latest LTS runtime). Reads only; what it
   * reads is cached for the run. Resolves with the resource to plan with (the same object when
   * nothing changed). Throws DpnError kind `validation` (exit 3) naming the value and the valid
   * choices. Providers without it take `desired` as it is.
   */
  check?(desired: DesiredResource<T>, ctx: ProviderContext): Promise<DesiredResource<T>>;
  /** Find the object that would be this desired resource, by natural key (name; jobs: name + ownership). */
  lookup(desired: DesiredResource<T>, ctx: ProviderContext): Promise<RemoteObject | null>;
  /** Read by remote id. */
  read(remoteId: string, ctx: ProviderContext): Promise<RemoteObject | null>;
  /**
   * The quick refresh (`--refresh quick`): the object as `record` last saw it, with what one call
   * can read live — existence, ownership markers, archive status and tags — read live; the other
   * properties are `record.properties`. Null when the object is gone. The plan uses it only to
   * confirm that nothing changed: anything else is decided on a full `read`. Types whose full read
   * is already one call (or a share of a bulk list) lack it, and the plan reads them fully.
   */
  quickRead?(record: ResourceRecord, ctx: ProviderContext): Promise<RemoteObject | null>;
  create(desired: DesiredResource<T>, ctx: ProviderContext): Promise<RemoteObject>;
  /** Changes that `update` would apply to make `live` match `desired`. Pure. */
  diff(desired: DesiredResource<T>, live: RemoteObject): FieldChange[];
  /** Apply desired settings; `live` is the current object (its settings are the rollback image). */
  update(desired: DesiredResource<T>, live: RemoteObject, ctx: ProviderContext): Promise<RemoteObject>;
  /**
   * Put back settings captured earlier (rollback of an update, restore of previous settings).
   * `snapshot` is a RemoteObject previously returned by read/lookup.
   */
  revert(snapshot: RemoteObject, ctx: ProviderContext): Promise<RemoteObject>;
  delete(remote: RemoteObject, ctx: ProviderContext, options?: { force?: boolean }): Promise<void>;
  archive(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject>;
  restore(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject>;
  /** Stamp ownership on an existing object (import/adopt). */
  adopt(remote: RemoteObject, ownership: Ownership, ctx: ProviderContext): Promise<RemoteObject>;
  /**
   * The identity these credentials act as, spelt like `Provenance.createdBy` of objects it creates
   * (AWS account id; Databricks user name / service principal application id). Cached per run.
   * Undefined when the platform cannot say. Throws ProviderError like any read.
   */
  principal?(ctx: ProviderContext): Promise<string | undefined>;
  /**
   * The inventory (`dpn scan`): every object of this type the credentials can see, dpn's or not,
   * archived ones included. Strictly read-only; paginated to the end; bulk list calls, with one
   * call per object only where the list lacks what RemoteObject needs (e.g. S3 tags, UC tags);
   * rate-limited like every call. Properties carry at least `region` (AWS), `location` /
   * `storage_location` where the platform has one, and for jobs the clusters and tables its tasks
   * use. Throws ProviderError like any read.
   */
  list?(ctx: ProviderContext, opts?: ListOptions): Promise<RemoteObject[]>;
  /**
   * Rename `remote` in place to `newName` (its own name; the container stays), keeping its id,
   * settings, tags and markers (`dpn migrate`). Resolves with the object under its new name; a
   * renamed Unity Catalog container moves its children's full names with it. Renaming to the name
   * it has is a no-op. Throws ProviderError: `not_found` when `remote` no longer exists, `conflict`
   * when `newName` is taken, `invalid_input` when the platform refuses the name; with outcome
   * `not_applied` the name is unchanged, with `unknown` the object may carry either name (the
   * engine reads both before deciding). Types whose platform cannot rename in place lack it.
   */
  rename?(remote: RemoteObject, newName: string, ctx: ProviderContext): Promise<RemoteObject>;
}

/** Options of `Provider.list`. */
export interface ListOptions {
  /** Stop between pages (Ctrl-C); resolves with what was read or throws, never writes. */
  signal?: AbortSignal;
  /** After each page or object read: how many objects of this type have been read so far. */
  onProgress?: (read: number) => void;
  /**
   * Regional catalogs (Glue) are read in these regions besides the provider's default region,
   * which is always read. Global listings (S3's ListBuckets, Databricks) ignore it.
   */
  regions?: readonly string[];
}

/** Looks up the provider for a type; throws a DpnError when the target has none. */
export interface ProviderRegistry {
  readonly target: "sandbox" | "cloud";
  get<T extends ProvisionedType>(type: T): Provider<T>;
  /** Verify credentials etc. before any change; throws auth errors (exit 4). */
  preflight(types: ProvisionedType[]): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// State store
// ---------------------------------------------------------------------------------------------

export interface StackRecord {
  id: string;
  project: string;
  environment: string;
  createdAt: string;
}

export type ResourceStatus = "active" | "archived";

export interface ResourceRecord {
  stackId: string;
  address: string;
  type: ProvisionedType;
  name: string;
  fullName: string;
  remoteId: string;
  /** Last known settings (RemoteObject.properties) and tags. */
  properties: Record<string, unknown>;
  tags: Record<string, string>;
  status: ResourceStatus;
  /** Transaction that last wrote this row. */
  txId: string;
  createdAt: string;
  updatedAt: string;
}

export type TxKind =
  | "create"
  | "update"
  | "delete"
  | "archive"
  | "restore"
  | "import"
  | "recover"
  | "destroy"
  | "cleanup"
  | "migrate";
export type TxStatus =
  | "running"
  | "committed"
  | "rolled_back"
  | "rollback_failed"
  | "failed_kept" // --no-rollback: partial results kept on purpose
  | "interrupted"; // found unfinished by recovery, not yet resolved

export interface TransactionRecord {
  id: string;
  stackId: string;
  kind: TxKind;
  status: TxStatus;
  actor: string;
  command: string;
  blueprintHash?: string;
  target: string;
  pid: number;
  host: string;
  startedAt: string;
  finishedAt?: string;
  error?: Record<string, unknown>;
}

export type JournalAction = "create" | "update" | "delete" | "archive" | "restore" | "adopt" | "rename";
export type JournalPhase = "forward" | "compensate";
export type JournalStatus = "intent" | "done" | "failed" | "unknown" | "compensated" | "skipped";

/**
 * `before` of a forward journal entry: the rollback image. `remote` is the object before the step
 * (absent for creates); `row` the state row before the step (absent when there was none).
 */
export interface BeforeImage {
  remote?: RemoteObject;
  row?: ResourceRecord;
  /**
   * Creates: when the plan looked the natural key up and found nothing (ISO). The evidence the
   * claim rule (claim.ts) starts from.
   */
  absentAt?: string;
  /**
   * Renames: the other rows of the stack the step rewrites (a renamed container's children, whose
   * full names change), as they were; rollback puts them back with `row`.
   */
  rows?: ResourceRecord[];
}

/** `after` of a journal entry: the object the step produced. */
export interface AfterImage {
  remote: RemoteObject;
}

/**
 * One journal entry. Written with status `intent` (durably) before the remote call, then settled
 * to its outcome. `before` is the rollback image, `after` the result.
 */
export interface JournalEntry {
  id: number;
  txId: string;
  seq: number;
  phase: JournalPhase;
  action: JournalAction;
  address: string;
  type: ProvisionedType;
  name: string;
  /** Natural-key lookup input: the desired resource (for create) so recovery can look it up. */
  desired?: DesiredResource;
  remoteId?: string;
  before?: BeforeImage;
  after?: AfterImage;
  status: JournalStatus;
  error?: Record<string, unknown>;
  startedAt: string;
  finishedAt?: string;
}

/** A new journal entry: what the step is about to do. */
export type JournalIntent = Omit<
  JournalEntry,
  "id" | "seq" | "status" | "startedAt" | "finishedAt" | "error"
>;

/** The outcome of one journal entry. */
export interface JournalOutcome {
  id: number;
  status: Exclude<JournalStatus, "intent">;
  remoteId?: string;
  after?: AfterImage;
  error?: Record<string, unknown>;
}

/**
 * Everything one step settles, written atomically: journal outcomes, the state rows they change,
 * and the audit events that describe them.
 */
export interface StepSettlement {
  outcomes: JournalOutcome[];
  put?: ResourceRecord[];
  remove?: { stackId: string; address: string }[];
  audit?: AuditEvent[];
}

export interface AuditEvent {
  id?: number;
  at: string;
  actor: string;
  stackId?: string;
  txId?: string;
  command: string;
  event: string;
  address?: string;
  outcome?: string;
  blueprintHash?: string;
  details?: Record<string, unknown>;
}

export interface LockInfo {
  stackId: string;
  holderId: string;
  user: string;
  host: string;
  pid: number;
  since: string;
  expiresAt: string;
  /**
   * Fencing token: grows by one with every new holder of this stack's lock (a lease renewal or a
   * re-acquire by the same holder keeps it), never reused, so a later holder always has a larger one.
   */
  fencing: number;
}

/** Why a lock was taken over from its previous holder. */
export type LockTakeoverReason = "lease_expired" | "holder_dead";

/** Result of `tryLock`; `takenOver` names the stale holder that was replaced, if any. */
export type TryLockResult =
  | { acquired: true; lock: LockInfo; takenOver?: { holder: LockInfo; reason: LockTakeoverReason } }
  | { acquired: false; holder: LockInfo };

// The state port, by role. Every method is asynchronous, so that stores on a network (S3,
// PostgreSQL) implement the same interface as the embedded SQLite store. Failures reject with a
// DpnError kind `state` (exit 8).
//
// Durability: locks, transaction records, audit events written outside a step and journal
// intents are durable when their promise resolves — an intent is on disk before the remote call
// it announces, always. A step's settlement (`settleStep`) is atomic but may become durable
// together with the next durable write (group commit): it is never needed for correctness before
// then, because a crash before it leaves the intent, which recovery resolves by looking the
// object up. `finishTransaction` and `flush` make everything before them durable. Reads see every
// write made before them.

export interface StackStore {
  ensureStack(project: string, environment: string): Promise<StackRecord>;
  getStack(project: string, environment: string): Promise<StackRecord | undefined>;
  listStacks(): Promise<StackRecord[]>;
}

export interface ResourceStore {
  listResources(
    stackId: string,
    opts?: { status?: ResourceStatus; type?: ProvisionedType },
  ): Promise<ResourceRecord[]>;
  getResource(stackId: string, address: string): Promise<ResourceRecord | undefined>;
  /** Write a row outside a step (a state correction that changes nothing remote). */
  putResource(rec: ResourceRecord): Promise<void>;
  /**
   * Addresses of the stack protected by `lifecycle.prevent_destroy`, remembered apart from the
   * rows: protection outlives the resource's removal from the blueprint and its row.
   */
  protectedAddresses(stackId: string): Promise<Set<string>>;
  /** Set (`on`) or clear each address's protection, as applied by transaction `txId`. */
  setProtection(stackId: string, changes: { address: string; on: boolean }[], txId: string): Promise<void>;
  /** `--prune=delete` removals still to delete after their run committed (failed or not started). */
  pendingCleanups(stackId: string): Promise<PendingCleanup[]>;
  /** Record (`pending`) or clear (`done`) cleanups. */
  setCleanups(
    stackId: string,
    changes: { address: string; pending: boolean; error?: Record<string, unknown> }[],
    txId: string,
  ): Promise<void>;
}

/** A hard delete of `--prune=delete` that is still to do. */
export interface PendingCleanup {
  address: string;
  /** The run whose cleanup phase recorded it. */
  txId: string;
  /** Why it failed (code, message), absent when it did not start. */
  error?: Record<string, unknown>;
  at: string;
}

export interface TransactionStore {
  /**
   * Record a new transaction (status `running`) together with the plan `dpn recover --resume`
   * finishes, in one durable write.
   */
  beginTransaction(
    tx: Omit<TransactionRecord, "status" | "startedAt"> & { startedAt?: string },
    plan: StoredPlan,
  ): Promise<TransactionRecord>;
  /** Close a transaction; makes every write before it durable. */
  finishTransaction(txId: string, status: TxStatus, error?: Record<string, unknown>): Promise<void>;
  getTransaction(txId: string): Promise<TransactionRecord | undefined>;
  listTransactions(opts?: {
    stackId?: string;
    status?: TxStatus;
    limit?: number;
  }): Promise<TransactionRecord[]>;
  /** Transactions still `running`/`interrupted` for a stack. */
  unfinishedTransactions(stackId: string): Promise<TransactionRecord[]>;
  /** The plan stored with the transaction; undefined for transactions written before plans were. */
  loadPlan(txId: string): Promise<StoredPlan | undefined>;
}

export interface JournalStore {
  /** Record an intent; durable (with every write queued before it) when it resolves. */
  journalIntent(e: JournalIntent): Promise<JournalEntry>;
  /** Settle a step atomically (see the durability note above). */
  settleStep(s: StepSettlement): Promise<void>;
  journal(txId: string): Promise<JournalEntry[]>;
}

export interface AuditStore {
  audit(e: AuditEvent): Promise<void>;
  auditEvents(opts?: {
    since?: string;
    stackId?: string;
    txId?: string;
    limit?: number;
  }): Promise<AuditEvent[]>;
}

export interface LockStore {
  /**
   * Take the stack lock. Returns the lock when acquired, or the current holder when another live
   * holder has it. A holder whose lease expired (or whose pid is dead on this host) is replaced.
   */
  tryLock(
    stackId: string,
    holder: Omit<LockInfo, "stackId" | "since" | "expiresAt" | "fencing">,
    leaseMs: number,
  ): Promise<TryLockResult>;
  renewLock(stackId: string, holderId: string, leaseMs: number): Promise<boolean>;
  releaseLock(stackId: string, holderId: string): Promise<void>;
  getLock(stackId: string): Promise<LockInfo | undefined>;
  /**
   * Remove the lock whoever holds it; returns the removed lock, or undefined when there was none.
   * With `expected`, removes it only while it is still that lock (same holder id and fencing
   * token) and rejects with LOCK_CHANGED (exit 8) otherwise, so an unlock never frees a lock other
   * than the one the user was shown.
   */
  forceUnlock(
    stackId: string,
    expected?: { holderId: string; fencing: number },
  ): Promise<LockInfo | undefined>;
}

/**
 * Everything the state holds about one stack, as `dpn state migrate` copies it between backends
 * (JSON-serialisable). Lists are oldest first.
 */
export interface StackDump {
  stack: StackRecord;
  resources: ResourceRecord[];
  /** `lifecycle.prevent_destroy` as applied. */
  protections: { address: string; txId: string; since: string }[];
  cleanups: PendingCleanup[];
  /** Every transaction of the stack with its stored plan (when it has one) and its whole journal. */
  transactions: { record: TransactionRecord; plan?: StoredPlan; journal: JournalEntry[] }[];
  /** The stack's audit events (those whose `stackId` is the stack's). */
  audit: AuditEvent[];
}

/** One finding of `checkBackend`: a permission or setting the backend needs. */
export interface BackendCheck {
  /** Stable id, e.g. `bucket_exists`, `conditional_put`, `versioning`, `connect`, `schema`. */
  check: string;
  /** `error`: dpn cannot use the backend; `warning`: usable, but a guarantee is weaker. */
  status: "ok" | "error" | "warning";
  message: string;
  /** What to grant or change when the check fails (an IAM action, a SQL GRANT, …). */
  hint?: string;
}

/** What `dpn state info` shows about the backend itself. */
export interface BackendInfo {
  kind: "sqlite" | "s3" | "postgres";
  /** The state URL with credentials redacted. */
  location: string;
  /** The schema version of the backend's layout (SQLite/PostgreSQL migrations, S3 layout version). */
  schemaVersion: number;
  /** Set once `dpn state migrate` moved this state elsewhere: the target's redacted URL. */
  migratedTo?: string;
}

/**
 * Moving state between backends and describing the backend (`dpn state migrate | info | check`).
 * Writes made after `markMigrated` reject with STATE_MIGRATED (exit 8) naming the new backend;
 * reads keep working.
 */
export interface BackendStore {
  describe(): Promise<BackendInfo>;
  /**
   * Verify the permissions and settings the backend needs (creating and removing only a probe
   * object/row of its own); never throws for a failed check, only for an unreachable backend.
   */
  checkBackend(): Promise<BackendCheck[]>;
  /** The stack whole; rejects STACK_NOT_FOUND when the backend has no stack with that id. */
  exportStack(stackId: string): Promise<StackDump>;
  /** Audit events that belong to no stack, oldest first. */
  exportUnscopedAudit(): Promise<AuditEvent[]>;
  /**
   * Write a dump exactly as given (ids, times and statuses kept; journal entry and audit event
   * ids kept). Rejects STATE_STACK_EXISTS when the backend already has a stack with that id or
   * that project/environment, writing nothing.
   */
  importStack(dump: StackDump): Promise<void>;
  /** Append audit events that belong to no stack (ids kept). */
  importUnscopedAudit(events: AuditEvent[]): Promise<void>;
  /** Record that this state now lives at `to` (a redacted URL); see the interface comment. */
  markMigrated(to: string): Promise<void>;
}

/**
 * The whole state: every role, plus durability and closing.
 *
 * Fencing: the store remembers each lock it acquired (stack id → holder id and fencing token)
 * until it releases it. Every write for such a stack — transactions, journal, settlements,
 * rows, protections, cleanups, audit events carrying the stack id, renewals — is conditional on
 * the backend's lock still being that holder with that token at the moment of the write; when
 * it is not (the lease expired and another process took over), nothing is written and the
 * promise rejects with LOCK_LOST (exit 8); for a settlement queued by group commit, the call that
 * commits it (the next durable write, `flush`) rejects. A holder paused past its lease therefore
 * cannot write after a takeover, whichever backend holds the state.
 */
export interface StateStore
  extends StackStore,
    ResourceStore,
    TransactionStore,
    JournalStore,
    AuditStore,
    LockStore,
    BackendStore {
  /** Make every write made so far durable. */
  flush(): Promise<void>;
  /** Flush and close. */
  close(): Promise<void>;
}

/**
 * A transaction's plan as stored for `dpn recover --resume` (JSON-serialisable). Plans written by
 * 0.2.0 also carry an `ops` list, which nothing reads.
 */
export interface StoredPlan {
  version: 1;
  stackId: string;
  /**
   * Every desired resource of the run, no-ops included, so a resume can re-plan the whole set.
   * For a single-resource operation: its desired resource, when it has one (update, import).
   */
  desired: DesiredResource[];
  /**
   * `--prune`: the removals the run archives after every change succeeded, in their order
   * (dependents first); a resume archives those whose rows are still active.
   */
  prune?: { mode: "archive"; addresses: string[] };
  /** Set for a single-resource operation: the step a resume finishes (each is idempotent). */
  resource?: {
    action: "update" | "delete" | "archive" | "restore" | "adopt";
    address: string;
    /** delete: remove data-bearing objects too. */
    force?: boolean;
    /** adopt: the remote id given to import instead of a lookup by name. */
    remoteId?: string;
  };
  /**
   * Set for `dpn migrate`: the renames in their order (containers first), each with the object's
   * names before and after; a resume renames those still under their old name.
   */
  renames?: StoredRename[];
}

/** One rename of a migration as stored for a resume. */
export interface StoredRename {
  address: string;
  type: ProvisionedType;
  from: { name: string; fullName: string; remoteId: string };
  to: { name: string; fullName: string; remoteId: string };
}
