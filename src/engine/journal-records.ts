/**
 * The shapes the engine keeps in journal `before`/`after` fields and the helpers that turn
 * remote objects into state rows. Kept in one place because apply, rollback and recovery must
 * agree on them exactly (recovery reads what an earlier process wrote).
 */
import type { ProviderError } from "../core/errors.js";
import { isDpnError } from "../core/errors.js";
import type { JournalEntry, RemoteObject, ResourceRecord, ResourceStatus } from "./ports.js";

/**
 * `before` of a forward entry: the rollback image. `remote` is the object before the step (absent
 * for creates); `row` is the state row before the step (absent when there was none).
 */
export interface BeforeImage {
  remote?: RemoteObject;
  row?: ResourceRecord;
  /**
   * Creates: when the plan looked the natural key up and found nothing (ISO). The evidence the
   * claim rule (claim.ts) starts from.
   */
  absentAt?: string;
}

/** `after` of a forward entry: what the step produced. */
export interface AfterImage {
  remote: RemoteObject;
}

export const toRecord = (v: BeforeImage | AfterImage): Record<string, unknown> =>
  JSON.parse(JSON.stringify(v));

export function beforeOf(e: JournalEntry): BeforeImage | undefined {
  return e.before as BeforeImage | undefined;
}

export function afterOf(e: JournalEntry): AfterImage | undefined {
  const a = e.after as Partial<AfterImage> | undefined;
  return a?.remote ? (a as AfterImage) : undefined;
}

/** True when the object carries our ownership marker for exactly this stack and address. */
export function isOurs(obj: RemoteObject, stackId: string, address: string): boolean {
  return obj.ownership?.stackId === stackId && obj.ownership.address === address;
}

/** A state row describing `obj` at `address`, keeping `createdAt` of the previous row. */
export function rowFromRemote(
  stackId: string,
  address: string,
  obj: RemoteObject,
  txId: string,
  prev?: ResourceRecord,
  status?: ResourceStatus,
): ResourceRecord {
  const now = new Date().toISOString();
  return {
    stackId,
    address,
    type: obj.type,
    name: obj.name,
    fullName: obj.fullName,
    remoteId: obj.remoteId,
    properties: obj.properties,
    tags: obj.tags,
    status: status ?? (obj.archived ? "archived" : "active"),
    txId,
    createdAt: prev?.createdAt ?? now,
    updatedAt: now,
  };
}

/** Serialisable error summary for journal/transaction records (DpnError.toJSON is already redacted). */
export function errorRecord(e: unknown): Record<string, unknown> {
  if (isDpnError(e)) {
    const pe = e as Partial<ProviderError>;
    return { ...e.toJSON(), ...(pe.category ? { category: pe.category, outcome: pe.outcome } : {}) };
  }
  return { code: "INTERNAL", message: e instanceof Error ? e.message : String(e) };
}
