/**
 * Ownership and archive markers as AWS tags / Glue parameters, and small helpers shared by the
 * AWS providers (sending a create without blind retries, comparing maps).
 */
import { MARKER_KEYS, type Ownership } from "../../core/resources.js";
import { isSafeToRetry } from "./aws-errors.js";

const MARKERS = new Set<string>(Object.values(MARKER_KEYS));

export function isMarkerKey(k: string): boolean {
  return MARKERS.has(k);
}

/** Tags/parameters that stamp ownership. */
export function ownershipMarkers(o: Ownership): Record<string, string> {
  return { [MARKER_KEYS.stack]: o.stackId, [MARKER_KEYS.address]: o.address };
}

export interface SplitMarkers {
  /** Everything that is not a dpn marker. */
  user: Record<string, string>;
  ownership: Ownership | null;
  archived: boolean;
  archivedAt?: string;
  archivedBy?: string;
}

/** Separate dpn markers from user tags/parameters. */
export function splitMarkers(all: Record<string, string>): SplitMarkers {
  const user: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (!isMarkerKey(k)) user[k] = v;
  const stackId = all[MARKER_KEYS.stack];
  const address = all[MARKER_KEYS.address];
  const archivedAt = all[MARKER_KEYS.archivedAt];
  const archivedBy = all[MARKER_KEYS.archivedBy];
  return {
    user,
    ownership: stackId && address ? { stackId, address } : null,
    archived: archivedAt !== undefined,
    ...(archivedAt !== undefined ? { archivedAt } : {}),
    ...(archivedBy !== undefined ? { archivedBy } : {}),
  };
}

/** Ours = stamped with this stack and this address (anything else is someone else's). */
export function isOurs(all: Record<string, string>, o: Ownership): boolean {
  return all[MARKER_KEYS.stack] === o.stackId && all[MARKER_KEYS.address] === o.address;
}

/** Archive markers with time and actor. */
export function archiveMarkers(actor: string, now: Date = new Date()): Record<string, string> {
  return { [MARKER_KEYS.archivedAt]: now.toISOString(), [MARKER_KEYS.archivedBy]: actor };
}

/** Same keys and values. */
export function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/**
 * Run a non-idempotent call on a client without SDK retries, retrying here only what is known
 * not to have been processed (throttling, connection refused). Anything else is rethrown as is,
 * so the caller can decide whether the outcome is unknown.
 */
export async function sendOnce<T>(
  call: () => Promise<T>,
  attempts: number,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (attempt >= attempts || !isSafeToRetry(e) || signal?.aborted) throw e;
      // Full jitter, 1 s base for throttling (the SDK's own figure), capped at 20 s.
      const delay = Math.random() * Math.min(1000 * 2 ** (attempt - 1), 20_000);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** An S3 `TagSet` (GetBucketTagging) as a key → value map; a tag without a value maps to "". */
export function tagSetMap(
  tagSet: readonly { Key?: string; Value?: string }[] | undefined,
): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of tagSet ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
  return tags;
}

export function stringMap(m: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m ?? {})) if (v !== undefined) out[k] = v;
  return out;
}
