/**
 * Shared pieces of the Databricks providers: options, not-found handling, diff helpers.
 */
import { ProviderError } from "../../core/errors.js";
import type { FieldChange, Provenance } from "../../engine/ports.js";
import { type DatabricksClient, isNotFoundError } from "./client.js";

/** Behaviour switches for the Databricks providers. */
export interface DatabricksProviderOptions {
  /** SQL warehouse for table DDL (`DATABRICKS_WAREHOUSE_ID` / config `warehouse_id`). */
  warehouseId?: string;
  /** Wait for new clusters to reach RUNNING in `create` (default false). */
  waitForClusters?: boolean;
  /** Start the cluster again in `restore` (default false: restore only clears the marker). */
  startOnRestore?: boolean;
  /** How long to wait for a cluster state change (RUNNING, TERMINATED, editable); default 30 min. */
  clusterWaitMs?: number;
  /** First poll interval for cluster/statement waits (default 1 s; doubles up to 10 s). */
  pollMs?: number;
  /** Clock for age checks against platform timestamps (default Date.now; tests move it). */
  now?: () => number;
}

export interface ProviderDeps {
  client: DatabricksClient;
  opts: DatabricksProviderOptions;
}

/** Run a read; "not found" in any spelling becomes null, anything else is rethrown. */
export async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (isNotFoundError(e)) return null;
    throw e;
  }
}

/** Run a delete; "not found" means already gone (success). */
export async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (isNotFoundError(e)) return;
    throw e;
  }
}

/** Stable JSON for structural comparison (object keys sorted, undefined dropped). */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) => {
    if (val && typeof val === "object" && !Array.isArray(val)) {
      return Object.fromEntries(
        Object.keys(val as object)
          .sort()
          .filter((k) => (val as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, (val as Record<string, unknown>)[k]]),
      );
    }
    return val;
  });
}

/** Append a FieldChange when `before` and `after` differ structurally. */
export function compare(changes: FieldChange[], field: string, before: unknown, after: unknown): void {
  if (canonicalJson(before) !== canonicalJson(after)) changes.push({ field, before, after });
}

/** The error for a change Databricks cannot make in place. Thrown before anything is sent. */
export function replaceRequired(what: string, fields: string[]): ProviderError {
  return new ProviderError(
    "invalid_input",
    "DBX_REPLACE_REQUIRED",
    `${what}: ${fields.join(", ")} cannot be changed in place`,
    {
      hint: "Delete and recreate the resource (or rename it) to change these settings.",
    },
  );
}

/** Error for an object that disappeared between read and write. */
export function vanished(what: string, id: string): ProviderError {
  return new ProviderError("not_found", "DBX_NOT_FOUND", `${what} ${id} does not exist (any more)`, {
    hint: "Refresh state: the object was deleted outside dpn.",
  });
}

/**
 * Provenance from the creation facts Databricks reports (epoch ms + creator name); undefined when
 * it reports neither. `createdAt` is the platform's clock, as ISO-8601.
 */
export function provenanceOf(createdAtMs: unknown, createdBy: unknown): Provenance | undefined {
  const at =
    typeof createdAtMs === "number" && Number.isFinite(createdAtMs) && createdAtMs > 0
      ? new Date(createdAtMs).toISOString()
      : undefined;
  const by = typeof createdBy === "string" && createdBy ? createdBy : undefined;
  if (!at && !by) return undefined;
  return { ...(at ? { createdAt: at } : {}), ...(by ? { createdBy: by } : {}) };
}

/** `{ provenance }` when there is one, else nothing (for spreading into a RemoteObject). */
export function withProvenance(p: Provenance | undefined): { provenance?: Provenance } {
  return p ? { provenance: p } : {};
}
