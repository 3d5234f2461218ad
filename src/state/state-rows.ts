/**
 * The rows of dpn's state tables as SQL returns them (snake_case columns, JSON and times as text)
 * and their mapping to the port's records. Shared by the SQLite and PostgreSQL stores, which keep
 * the same columns. Mappers throw STATE_CORRUPT (via fromJsonColumn) on a JSON column that does
 * not parse.
 */
import type { DesiredResource, ProvisionedType } from "../core/resources.js";
import type {
  AfterImage,
  AuditEvent,
  BeforeImage,
  JournalEntry,
  JournalStatus,
  LockInfo,
  PendingCleanup,
  ResourceRecord,
  ResourceStatus,
  StackRecord,
  TransactionRecord,
  TxStatus,
} from "../engine/ports.js";
import { fromJsonColumn } from "./json-column.js";

export interface StackRow {
  id: string;
  project: string;
  environment: string;
  created_at: string;
}
export interface ResourceRow {
  stack_id: string;
  address: string;
  type: string;
  name: string;
  full_name: string;
  remote_id: string;
  properties: string;
  tags: string;
  status: string;
  tx_id: string;
  created_at: string;
  updated_at: string;
}
export interface TransactionRow {
  id: string;
  stack_id: string;
  kind: string;
  status: string;
  actor: string;
  command: string;
  blueprint_hash: string | null;
  target: string;
  pid: number;
  host: string;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}
export interface JournalRow {
  id: number;
  tx_id: string;
  seq: number;
  phase: string;
  action: string;
  address: string;
  type: string;
  name: string;
  desired: string | null;
  remote_id: string | null;
  before: string | null;
  after: string | null;
  status: string;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}
export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  stack_id: string | null;
  tx_id: string | null;
  command: string;
  event: string;
  address: string | null;
  outcome: string | null;
  blueprint_hash: string | null;
  details: string | null;
}
export interface LockRow {
  stack_id: string;
  holder_id: string;
  user: string;
  host: string;
  pid: number;
  since: string;
  expires_at: string;
  fencing: number;
}

export const toStack = (r: StackRow): StackRecord => ({
  id: r.id,
  project: r.project,
  environment: r.environment,
  createdAt: r.created_at,
});

export const toResource = (r: ResourceRow): ResourceRecord => ({
  stackId: r.stack_id,
  address: r.address,
  // Types are not re-validated: a row is only ever written from a typed ResourceRecord.
  type: r.type as ProvisionedType,
  name: r.name,
  fullName: r.full_name,
  remoteId: r.remote_id,
  properties: fromJsonColumn<Record<string, unknown>>(r.properties, "resources.properties") ?? {},
  tags: fromJsonColumn<Record<string, string>>(r.tags, "resources.tags") ?? {},
  status: r.status as ResourceStatus,
  txId: r.tx_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function toTransaction(r: TransactionRow): TransactionRecord {
  const rec: TransactionRecord = {
    id: r.id,
    stackId: r.stack_id,
    kind: r.kind as TransactionRecord["kind"],
    status: r.status as TxStatus,
    actor: r.actor,
    command: r.command,
    target: r.target,
    pid: r.pid,
    host: r.host,
    startedAt: r.started_at,
  };
  if (r.blueprint_hash !== null) rec.blueprintHash = r.blueprint_hash;
  if (r.finished_at !== null) rec.finishedAt = r.finished_at;
  const error = fromJsonColumn<Record<string, unknown>>(r.error, "transactions.error");
  if (error !== undefined) rec.error = error;
  return rec;
}

export function toJournal(r: JournalRow): JournalEntry {
  const e: JournalEntry = {
    id: r.id,
    txId: r.tx_id,
    seq: r.seq,
    phase: r.phase as JournalEntry["phase"],
    action: r.action as JournalEntry["action"],
    address: r.address,
    type: r.type as ProvisionedType,
    name: r.name,
    status: r.status as JournalStatus,
    startedAt: r.started_at,
  };
  const desired = fromJsonColumn<DesiredResource>(r.desired, "journal.desired");
  if (desired !== undefined) e.desired = desired;
  if (r.remote_id !== null) e.remoteId = r.remote_id;
  const before = fromJsonColumn<BeforeImage>(r.before, "journal.before");
  if (before !== undefined) e.before = before;
  const after = fromJsonColumn<AfterImage>(r.after, "journal.after");
  if (after !== undefined) e.after = after;
  const error = fromJsonColumn<Record<string, unknown>>(r.error, "journal.error");
  if (error !== undefined) e.error = error;
  if (r.finished_at !== null) e.finishedAt = r.finished_at;
  return e;
}

export function toAudit(r: AuditRow): AuditEvent {
  const e: AuditEvent = { id: r.id, at: r.at, actor: r.actor, command: r.command, event: r.event };
  if (r.stack_id !== null) e.stackId = r.stack_id;
  if (r.tx_id !== null) e.txId = r.tx_id;
  if (r.address !== null) e.address = r.address;
  if (r.outcome !== null) e.outcome = r.outcome;
  if (r.blueprint_hash !== null) e.blueprintHash = r.blueprint_hash;
  const details = fromJsonColumn<Record<string, unknown>>(r.details, "audit_events.details");
  if (details !== undefined) e.details = details;
  return e;
}

export const toLock = (r: LockRow): LockInfo => ({
  stackId: r.stack_id,
  holderId: r.holder_id,
  user: r.user,
  host: r.host,
  pid: r.pid,
  since: r.since,
  expiresAt: r.expires_at,
  fencing: r.fencing,
});

/** A `cleanups` row as a pending cleanup. */
export function toCleanup(r: {
  address: string;
  tx_id: string;
  error: string | null;
  at: string;
}): PendingCleanup {
  const error = fromJsonColumn<Record<string, unknown>>(r.error, "cleanups.error");
  return { address: r.address, txId: r.tx_id, at: r.at, ...(error ? { error } : {}) };
}
