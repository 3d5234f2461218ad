/**
 * Cluster `custom_tags` and job `tags` are copied onto cloud instances, so they follow the
 * Databricks AWS tag normaliser: keys ≤ 127, values ≤ 255, Latin-1 letters, digits, space and
 * `+ - = . : / @` only (naming-rules.md Part 3 C4). `_` is not in that set, so dpn encodes tags
 * reversibly: every other character becomes `=HH` per UTF-8 byte (and `=` itself `=3D`).
 * `dpn_stack` is stored as `dpn=5Fstack`; reading decodes it back, so tags round-trip exactly.
 */
import { ProviderError } from "../../core/errors.js";
import { MARKER_KEYS, type Ownership } from "../../core/resources.js";

const SAFE = /^[A-Za-z0-9 +\-.:/@]$/;

/** Encode a tag key or value into the cluster-tag charset. Pure and reversible. */
export function encodeComputeTag(s: string): string {
  let out = "";
  for (const ch of s) {
    if (SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of Buffer.from(ch, "utf8")) out += `=${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Decode `encodeComputeTag`. Text that is not a valid encoding is returned unchanged. */
export function decodeComputeTag(s: string): string {
  if (!s.includes("=")) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; ) {
    const m = /^=([0-9A-F]{2})/.exec(s.slice(i, i + 3));
    if (m?.[1]) {
      bytes.push(Number.parseInt(m[1], 16));
      i += 3;
    } else {
      // Not our encoding (a tag set by someone else): keep the raw text.
      const code = s.charCodeAt(i);
      if (code > 0x7f) return s;
      bytes.push(code);
      i += 1;
    }
  }
  const decoded = Buffer.from(bytes).toString("utf8");
  return encodeComputeTag(decoded) === s ? decoded : s;
}

/** Tags Databricks sets itself; custom tags must not use these keys. */
const RESERVED_KEYS = new Set(["name", "vendor", "clusterid", "clustername", "creator", "runname", "jobid"]);

/** Marker keys written with every dpn cluster/job (user tags + these must fit the limit). */
export const COMPUTE_MARKER_COUNT = 5; // stack, address, archived_at, archived_by, prev pause state

/** Extra marker for jobs: the schedule pause status before archive, so restore undoes it exactly. */
export const PREV_PAUSE_KEY = "dpn_prev_pause";

const ALL_MARKERS = new Set<string>([...Object.values(MARKER_KEYS), PREV_PAUSE_KEY]);

/**
 * Build encoded platform tags from user tags plus markers. Throws ProviderError `invalid_input`
 * (`DBX_TAG_INVALID`) when a tag uses a reserved key, is too long once encoded, or when there
 * are more than `limit` tags including the markers dpn may add later (archive markers).
 */
export function buildComputeTags(
  userTags: Record<string, string>,
  markers: Record<string, string>,
  limit: number,
  what: string,
): Record<string, string> {
  const user = Object.entries(userTags);
  if (user.length + COMPUTE_MARKER_COUNT > limit) {
    throw new ProviderError(
      "invalid_input",
      "DBX_TAG_INVALID",
      `${what} has ${user.length} tags; at most ${limit - COMPUTE_MARKER_COUNT} are allowed (${limit} minus ${COMPUTE_MARKER_COUNT} dpn markers)`,
      {
        hint: "Remove some tags from the blueprint.",
      },
    );
  }
  const out: Record<string, string> = {};
  for (const [k] of user) {
    if (RESERVED_KEYS.has(k.toLowerCase()) || ALL_MARKERS.has(k)) {
      throw new ProviderError(
        "invalid_input",
        "DBX_TAG_INVALID",
        `${what}: tag key "${k}" is reserved by Databricks or dpn`,
        {
          hint: "Databricks owns Name, Vendor, ClusterId, ClusterName, Creator, RunName, JobId; dpn owns dpn_* markers.",
        },
      );
    }
  }
  for (const [k, v] of [...user, ...Object.entries(markers)]) {
    const ek = encodeComputeTag(k);
    const ev = encodeComputeTag(v);
    if (ek.length < 1 || ek.length > 127 || ev.length > 255) {
      throw new ProviderError(
        "invalid_input",
        "DBX_TAG_INVALID",
        `${what}: tag "${k}" is too long for a Databricks cluster tag (key ≤ 127, value ≤ 255 after encoding)`,
        {
          hint: "Shorten the tag key or value.",
        },
      );
    }
    out[ek] = ev;
  }
  return out;
}

/** Split platform tags into user tags, ownership, and archive state (decoding everything). */
export function splitComputeTags(raw: Record<string, string> | undefined): {
  tags: Record<string, string>;
  markers: Record<string, string>;
  ownership: Ownership | null;
  archived: boolean;
} {
  const tags: Record<string, string> = {};
  const markers: Record<string, string> = {};
  for (const [ek, ev] of Object.entries(raw ?? {})) {
    const k = decodeComputeTag(ek);
    const v = decodeComputeTag(ev);
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
  };
}
