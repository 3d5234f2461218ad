/**
 * Helpers over the shapes the engine keeps in the journal (ports.ts `BeforeImage`/`AfterImage`)
 * and in state rows. Kept in one place because apply, rollback and recovery must agree on them
 * exactly (recovery reads what an earlier process wrote).
 */
import type { ProviderError } from "../core/errors.js";
import { isDpnError } from "../core/errors.js";
import type { RemoteObject, ResourceRecord, ResourceStatus } from "./ports.js";

/**
 * A detached copy of a value bound for the journal (JSON round trip): what was written is what a
 * later process reads back, whatever the caller does with its own object afterwards.
 */
export function snapshot<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
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
