/**
 * Cluster `custom_tags` and job `tags` are copied onto the cloud instances, so Databricks holds them
 * to its AWS tag rules. The official normaliser (databricks/cli `libs/tags/aws.go` + `tag.go`):
 * key 1–127 bytes, value ≤ 255 bytes, Latin-1 only, and both must match `^[\d \w\+\-=\.:\/@]*$`
 * — in Go's RE2 `\d` and `\w` are ASCII, so the accepted set is `0-9 A-Z a-z _ space + - = . : / @`.
 * (`_` is valid: it is the very character the normaliser maps bad characters *to*.) naming/tags.ts
 * checks blueprint tags against the same set (`DBX_BAD`), so user tags are sent exactly as written
 * and refused here (`DBX_TAG_INVALID`, nothing sent) if they ever carry anything else. dpn's own
 * informational marker value `dpn_archived_by` (the actor, `user@host`) is normalised the way the
 * official normaliser does it (marks stripped, other characters → `_`), never refused.
 *
 * dpn 0.2.0 wrote every character outside `A-Za-z0-9 space + - . : / @` as `=HH` per UTF-8 byte
 * (`dpn_stack` → `dpn=5Fstack`, `cost_center` → `cost=5Fcenter`). Objects carrying that spelling
 * (recognised by an escaped marker key) are decoded on read, so they stay recognised as dpn's;
 * every write rebuilds the whole tag map, so the next write stores the new spelling only.
 */
import { ProviderError } from "../../core/errors.js";
import { MARKER_KEYS, type Ownership } from "../../core/resources.js";
import { TYPE_TAGS } from "../../naming/tags.js";

/** The official validator's pattern, as RE2 reads it (ASCII classes). */
const VALID = /^[0-9A-Za-z_ +\-=.:/@]*$/;
const KEY_MAX_BYTES = 127;
const VALUE_MAX_BYTES = 255;

/** True when `s` passes the official validator as a key (`key`) or value. */
export function isValidComputeTag(s: string, key: boolean): boolean {
  const bytes = Buffer.byteLength(s, "utf8");
  if (key && bytes < 1) return false;
  return bytes <= (key ? KEY_MAX_BYTES : VALUE_MAX_BYTES) && VALID.test(s);
}

/**
 * The official normaliser for a value dpn writes for information only: combining marks removed
 * after decomposition, every character outside the valid set replaced by `_`, cut to the limit.
 */
export function normalizeComputeTagValue(s: string): string {
  const out = s
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^0-9A-Za-z_ +\-=.:/@]/gu, "_");
  return out.slice(0, VALUE_MAX_BYTES);
}

// ---------------------------------------------------------------------------------------------
// dpn 0.2.0's spelling, read-only
// ---------------------------------------------------------------------------------------------

const LEGACY_SAFE = /^[A-Za-z0-9 +\-.:/@]$/;

function legacyEncode(s: string): string {
  let out = "";
  for (const ch of s) {
    if (LEGACY_SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of Buffer.from(ch, "utf8")) out += `=${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Decode dpn 0.2.0's `=HH` spelling. Text that is not exactly such an encoding is returned as is. */
export function decodeLegacyComputeTag(s: string): string {
  if (!s.includes("=")) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; ) {
    const m = /^=([0-9A-F]{2})/.exec(s.slice(i, i + 3));
    if (m?.[1]) {
      bytes.push(Number.parseInt(m[1], 16));
      i += 3;
    } else {
      const code = s.charCodeAt(i);
      if (code > 0x7f) return s;
      bytes.push(code);
      i += 1;
    }
  }
  const decoded = Buffer.from(bytes).toString("utf8");
  return legacyEncode(decoded) === s ? decoded : s;
}

/** Tags Databricks sets itself (usage-detail-tags docs); custom tags must not use these keys. */
const RESERVED_KEYS = new Set(["name", "vendor", "clusterid", "clustername", "creator", "runname", "jobid"]);

/**
 * Marker keys written with every dpn cluster/job (user tags + these must fit the limit): stack,
 * address, archived_at, archived_by, prev pause/pin state — the markers of their tag budget
 * (naming/tags.ts TYPE_TAGS), so the provider refuses exactly what the plan-time budget refuses.
 */
export const COMPUTE_MARKER_COUNT = Math.max(
  TYPE_TAGS.dbx_cluster.markers.length,
  TYPE_TAGS.dbx_job.markers.length,
);

/** Extra marker for jobs: the schedule pause status before archive, so restore undoes it exactly. */
export const PREV_PAUSE_KEY = "dpn_prev_pause";
/** Extra marker for clusters: whether the cluster was pinned before archive pinned it. */
export const PREV_PIN_KEY = "dpn_prev_pin";

const ALL_MARKERS = new Set<string>([...Object.values(MARKER_KEYS), PREV_PAUSE_KEY, PREV_PIN_KEY]);
/** How dpn 0.2.0 spelt the marker keys; any of them on an object means the whole map is escaped. */
const LEGACY_MARKER_KEYS = new Set([...ALL_MARKERS].map(legacyEncode));

function invalid(what: string, message: string, hint: string, details?: Record<string, unknown>) {
  return new ProviderError("invalid_input", "DBX_TAG_INVALID", `${what}: ${message}`, {
    hint,
    ...(details ? { details } : {}),
  });
}

/**
 * Build platform tags from user tags plus markers. Throws ProviderError `invalid_input`
 * (`DBX_TAG_INVALID`, nothing was sent) when a tag uses a reserved key, breaks the official
 * charset or length rules, or when there are more than `limit` tags including the markers dpn may
 * add later (archive markers).
 */
export function buildComputeTags(
  userTags: Record<string, string>,
  markers: Record<string, string>,
  limit: number,
  what: string,
): Record<string, string> {
  const user = Object.entries(userTags);
  if (user.length + COMPUTE_MARKER_COUNT > limit) {
    throw invalid(
      what,
      `${user.length} tags; at most ${limit - COMPUTE_MARKER_COUNT} are allowed (${limit} minus ${COMPUTE_MARKER_COUNT} dpn markers)`,
      "Remove some tags from the blueprint.",
      { count: user.length, limit },
    );
  }
  const out: Record<string, string> = {};
  for (const [k, v] of user) {
    if (RESERVED_KEYS.has(k.toLowerCase()) || ALL_MARKERS.has(k)) {
      throw invalid(
        what,
        `tag key "${k}" is reserved by Databricks or dpn`,
        "Databricks owns Name, Vendor, ClusterId, ClusterName, Creator, RunName, JobId; dpn owns dpn_* markers.",
        { key: k },
      );
    }
    if (!isValidComputeTag(k, true) || !isValidComputeTag(v, false)) {
      throw invalid(
        what,
        `tag ${JSON.stringify(k)}=${JSON.stringify(v)} is not a valid Databricks cluster/job tag`,
        "Keys 1–127 and values up to 255 characters of letters A–Z, digits, space and _ + - = . : / @ (Databricks' AWS tag rules).",
        { key: k, value: v },
      );
    }
    out[k] = v;
  }
  for (const [k, v] of Object.entries(markers)) {
    const value = k === MARKER_KEYS.archivedBy ? normalizeComputeTagValue(v) : v;
    if (!isValidComputeTag(value, false)) {
      throw invalid(
        what,
        `dpn marker ${k}=${JSON.stringify(v)} cannot be stored as a Databricks cluster/job tag`,
        "Stack ids and addresses are built from valid names; report this as a dpn bug.",
        { key: k, value: v },
      );
    }
    out[k] = value;
  }
  return out;
}

/**
 * Split platform tags into user tags, markers, ownership and archive state. Reads both dpn's
 * spelling and dpn 0.2.0's escaped one (`legacy` is then true); when both spellings of a key are
 * present, the plain one wins.
 */
export function splitComputeTags(raw: Record<string, string> | undefined): {
  tags: Record<string, string>;
  markers: Record<string, string>;
  ownership: Ownership | null;
  archived: boolean;
  legacy: boolean;
} {
  const entries = Object.entries(raw ?? {});
  const legacy = entries.some(([k]) => LEGACY_MARKER_KEYS.has(k));
  const decoded = new Map<string, string>();
  for (const [rk, rv] of entries) {
    const k = legacy ? decodeLegacyComputeTag(rk) : rk;
    if (k !== rk && raw && Object.hasOwn(raw, k)) continue;
    decoded.set(k, legacy ? decodeLegacyComputeTag(rv) : rv);
  }
  const tags: Record<string, string> = {};
  const markers: Record<string, string> = {};
  for (const [k, v] of decoded) {
    if (ALL_MARKERS.has(k)) markers[k] = v;
    else tags[k] = v;
  }
  const stack = markers[MARKER_KEYS.stack];
  const address = markers[MARKER_KEYS.address];
  return {
    tags,
    markers,
    ownership: stack && address ? { stackId: stack, address } : null,
    archived: markers[MARKER_KEYS.archivedAt] !== undefined,
    legacy,
  };
}
