/**
 * Saved plans: `dpn create --dry-run --out plan.json` writes the plan as a document a reviewer
 * approves; `dpn create --plan plan.json` applies exactly that plan or refuses with PLAN_STALE
 * (exit 11), having changed nothing. The document (schemas/saved-plan.schema.json) holds every
 * operation with its before/after settings, the desired resources the apply runs, the blueprint and
 * convention hashes, the dpn version, the target and the stack, and a fingerprint of every live
 * object and state row the plan was computed from; a digest over all of it detects an edited file.
 * It holds no credentials: desired resources and fingerprints only.
 */
import { createHash, randomUUID } from "node:crypto";
import type { ResolvedBlueprint } from "../blueprint/resolve.js";
import type { ScopeSpec } from "../blueprint/scope.js";
import { DpnError } from "../core/errors.js";
import type { DesiredResource } from "../core/resources.js";
import type { Plan, PruneMode, RefreshMode } from "../engine/plan.js";
import type { RemoteObject, ResourceRecord, StackRecord } from "../engine/ports.js";
import type { Target } from "./context.js";
import { canonical } from "./drift.js";

export const SAVED_PLAN_KIND = "dpn.saved-plan";

export interface SavedPlan {
  kind: typeof SAVED_PLAN_KIND;
  version: 1;
  plan_id: string;
  created_at: string;
  dpn_version: string;
  target: Target;
  stack: { id: string; project: string; environment: string };
  blueprint: { file: string; sha256: string };
  /** The blueprint's metadata (naming values: project, environment, region, team, …) and scope. */
  metadata: Record<string, string>;
  scope?: ScopeSpec;
  convention_sha256: string;
  /** What the apply does with the removals (null: they stay), and whether deletes take what they hold. */
  prune: PruneMode | null;
  force: boolean;
  /** How the plan read what state has (`--refresh`); the apply reads it the same way. Absent: full. */
  refresh?: RefreshMode;
  counts: Plan["counts"];
  /** What the plan does, in order: the review copy (removals last, dependents first). */
  operations: {
    action: string;
    type: string;
    address: string;
    changes: { field: string; before: unknown; after: unknown }[];
  }[];
  /** The desired resources the apply runs (the blueprint as resolved when the plan was made). */
  resources: DesiredResource[];
  /** sha256 of each live object the plan read (null: absent) and each state row of the stack. */
  fingerprints: { live: Record<string, string | null>; state: Record<string, string> };
  /** sha256 over the canonical document without this field. */
  digest: string;
}

const sha = (v: unknown) => createHash("sha256").update(canonical(v)).digest("hex");

/** What identifies a live object's state: id, settings, tags, marker, archive flag. */
export function liveFingerprint(o: RemoteObject | null | undefined): string | null {
  if (!o) return null;
  return sha({
    remoteId: o.remoteId,
    properties: o.properties,
    tags: o.tags,
    ownership: o.ownership,
    archived: o.archived,
  });
}

/** What identifies a state row: everything but the update time. */
export function rowFingerprint(r: ResourceRecord): string {
  return sha({
    remoteId: r.remoteId,
    properties: r.properties,
    tags: r.tags,
    status: r.status,
    txId: r.txId,
    name: r.name,
  });
}

/** The fingerprints of a plan and the state rows it was computed against. */
export function fingerprintsOf(plan: Plan, rows: readonly ResourceRecord[]): SavedPlan["fingerprints"] {
  const live: Record<string, string | null> = {};
  for (const c of plan.changes) live[c.address] = c.kind === "create" ? null : liveFingerprint(c.live);
  const state: Record<string, string> = {};
  for (const r of rows) state[r.address] = rowFingerprint(r);
  return { live, state };
}

export function savedPlanOf(o: {
  plan: Plan;
  rows: readonly ResourceRecord[];
  stack: StackRecord;
  target: Target;
  prune: PruneMode | undefined;
  force: boolean;
  refresh: RefreshMode;
  resolved: Pick<ResolvedBlueprint, "resources" | "metadata" | "scope">;
  blueprint: { file: string; sha256: string };
  conventionSha256: string;
  dpnVersion: string;
}): SavedPlan {
  const { plan } = o;
  const body: Omit<SavedPlan, "digest"> = {
    kind: SAVED_PLAN_KIND,
    version: 1,
    plan_id: randomUUID(),
    created_at: new Date().toISOString(),
    dpn_version: o.dpnVersion,
    target: o.target,
    stack: { id: o.stack.id, project: o.stack.project, environment: o.stack.environment },
    blueprint: o.blueprint,
    metadata: { ...o.resolved.metadata },
    ...(o.resolved.scope ? { scope: o.resolved.scope } : {}),
    convention_sha256: o.conventionSha256,
    prune: o.prune ?? null,
    force: o.force,
    refresh: o.refresh,
    counts: plan.counts,
    operations: [
      ...plan.changes.map((c) => ({
        action: c.kind,
        type: c.type,
        address: c.address,
        changes: c.changes.map((x) => ({ field: x.field, before: x.before, after: x.after })),
      })),
      ...plan.removals.map((r) => ({
        action: o.prune ?? "remove",
        type: r.type,
        address: r.address,
        changes: [],
      })),
    ],
    resources: o.resolved.resources,
    fingerprints: fingerprintsOf(plan, o.rows),
  };
  return { ...body, digest: sha(body) };
}

const invalid = (message: string, field: string, hint: string) =>
  new DpnError("validation", "PLAN_INVALID", message, { hint, details: { field } });

/**
 * Check a parsed plan file before anything is read or changed: its kind and version, its digest
 * (an edited or truncated document fails here), the dpn version that made it, and the target.
 */
export function checkSavedPlan(
  doc: unknown,
  file: string,
  o: { dpnVersion: string; target: Target },
): SavedPlan {
  const d = doc as Partial<SavedPlan> | null;
  if (!d || typeof d !== "object" || d.kind !== SAVED_PLAN_KIND)
    throw invalid(
      `${file} is not a dpn saved plan (kind is not "${SAVED_PLAN_KIND}")`,
      "kind",
      "Write one with `dpn create --blueprint F --dry-run --out plan.json`.",
    );
  if (d.version !== 1)
    throw invalid(
      `${file} has plan format version ${String(d.version)}; this dpn reads version 1`,
      "version",
      "Make the plan again with this dpn.",
    );
  const { digest, ...body } = d as SavedPlan;
  if (typeof digest !== "string" || sha(body) !== digest)
    throw invalid(
      `${file} was changed after it was written (its digest does not match its content)`,
      "digest",
      "A saved plan applies only as it was reviewed: make it again with dpn create --dry-run --out.",
    );
  if (d.dpn_version !== o.dpnVersion)
    throw new DpnError(
      "validation",
      "PLAN_VERSION_MISMATCH",
      `${file} was made by dpn ${String(d.dpn_version)}; this is dpn ${o.dpnVersion}`,
      {
        hint: "Make the plan again with this dpn version (or apply it with the one that made it).",
        details: { field: "dpn_version", plan: d.dpn_version, running: o.dpnVersion },
      },
    );
  if (d.target !== o.target)
    throw new DpnError(
      "usage",
      "PLAN_TARGET_MISMATCH",
      `${file} was made for --target ${String(d.target)}, not ${o.target}`,
      {
        hint: `Apply it with --target ${String(d.target)}.`,
        details: { field: "target", plan: d.target, given: o.target },
      },
    );
  return d as SavedPlan;
}

/**
 * PLAN_STALE (exit 11) naming every live object and state row that differs from the saved
 * fingerprints; nothing has been changed when it is thrown.
 */
export function assertFresh(saved: SavedPlan, now: SavedPlan["fingerprints"], file: string): void {
  const changed: string[] = [];
  const keys = (a: object, b: object) => [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const k of keys(saved.fingerprints.live, now.live))
    if ((saved.fingerprints.live[k] ?? null) !== (now.live[k] ?? null))
      changed.push(
        `${k} (live: ${saved.fingerprints.live[k] === null ? "created meanwhile" : now.live[k] === null || now.live[k] === undefined ? "gone" : "changed"})`,
      );
  for (const k of keys(saved.fingerprints.state, now.state))
    if (saved.fingerprints.state[k] !== now.state[k])
      changed.push(
        `${k} (state: ${saved.fingerprints.state[k] === undefined ? "added" : now.state[k] === undefined ? "removed" : "changed"})`,
      );
  if (changed.length === 0) return;
  throw new DpnError(
    "stale",
    "PLAN_STALE",
    `${file} is stale: ${changed.length} object${changed.length === 1 ? "" : "s"} changed since it was made: ${changed.join(", ")}`,
    {
      hint: "Nothing was changed. Make a new plan (dpn create --dry-run --out) and review it again.",
      details: { changed },
    },
  );
}

/** The resolved blueprint a saved plan stands for: what `createStack` needs to apply it. */
export function resolvedOf(saved: SavedPlan, file: string): ResolvedBlueprint {
  return {
    file,
    metadata: saved.metadata,
    stackKey: { project: saved.stack.project, environment: saved.stack.environment },
    resources: saved.resources,
    executionOrder: saved.resources.map((r) => r.address),
    problems: [],
    ...(saved.scope ? { scope: saved.scope } : {}),
  };
}
