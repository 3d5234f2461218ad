/**
 * Planning: desired resources × state rows × live reads → a typed list of changes in execution
 * order. Planning only reads (state and remote); it never writes, so a dry run is a plan.
 */
import pLimit from "p-limit";
import { DpnError, type Problem } from "../core/errors.js";
import type { Reporter } from "../core/events.js";
import { orderByAddress } from "../core/graph.js";
import type { DesiredResource, ProvisionedType } from "../core/resources.js";
import { isOurs } from "./journal-records.js";
import type {
  FieldChange,
  ProviderContext,
  ProviderRegistry,
  RemoteObject,
  ResourceRecord,
  ResourceStore,
  StackRecord,
} from "./ports.js";
import type { RateLimiter } from "./rate-limiter.js";
import { ReadCache } from "./read-cache.js";

export type ChangeKind = "create" | "update" | "noop" | "adopt";

interface ChangeBase {
  address: string;
  type: ProvisionedType;
  name: string;
  fullName: string;
  desired: DesiredResource;
  /** Why this kind was chosen, for humans (e.g. "in state but missing remotely: will be re-created"). */
  reason?: string;
}

/**
 * One planned change, by kind. `live` is the object read during planning — the rollback image of
 * an update; `record` the state row when the resource is already in state; `changes` the field
 * differences (updates; adopts whose live settings drifted).
 */
export type PlannedChange =
  | (ChangeBase & {
      kind: "create";
      record?: ResourceRecord;
      /** When the natural-key lookup that found nothing was made (ISO), for the claim rule. */
      absentAt: string;
      changes: [];
    })
  | (ChangeBase & { kind: "update"; live: RemoteObject; record: ResourceRecord; changes: FieldChange[] })
  | (ChangeBase & { kind: "adopt"; live: RemoteObject; record?: ResourceRecord; changes: FieldChange[] })
  | (ChangeBase & { kind: "noop"; live: RemoteObject; record: ResourceRecord; changes: [] });

/**
 * A resource in state for this stack that the blueprint no longer has (within the blueprint's
 * scope). Part of every plan, so a plan shows the whole desired state; applying a plan does not
 * act on removals (the plan's `changes` are what a transaction runs).
 */
export interface PlannedRemoval {
  kind: "remove";
  address: string;
  type: ProvisionedType;
  name: string;
  fullName: string;
  record: ResourceRecord;
  reason: string;
  /** Resources the blueprint keeps that depend on it: it cannot go while they stay. */
  keptDependents?: string[];
}

/**
 * What a run does with its removals: `archive` them in its own transaction (`--prune`), or
 * `delete` them in a cleanup phase after it committed (`--prune=delete`).
 */
export type PruneMode = "archive" | "delete";

/** Why a resource is a removal, unless a caller (dpn destroy) says otherwise. */
export const REMOVAL_REASON = "in state but not in the blueprint";

/** The removal of the resource behind a state row. */
export function removalOf(
  record: ResourceRecord,
  reason = REMOVAL_REASON,
  keptDependents: string[] = [],
): PlannedRemoval {
  return {
    kind: "remove",
    address: record.address,
    type: record.type,
    name: record.name,
    fullName: record.fullName,
    record,
    reason,
    ...(keptDependents.length > 0 ? { keptDependents } : {}),
  };
}

export interface Plan {
  stackId: string;
  /** Every desired resource, in execution order (dependencies first; ties keep blueprint order). */
  changes: PlannedChange[];
  /** Resources in state but not in the blueprint, dependents first (set by the caller that knows the scope). */
  removals: PlannedRemoval[];
  counts: Record<ChangeKind | "remove", number>;
}

export interface PlanInput {
  desired: DesiredResource[];
  stack: StackRecord;
  store: ResourceStore;
  registry: ProviderRegistry;
  /** Context for provider reads; `txId` may be a placeholder such as "plan". */
  ctx?: Partial<ProviderContext>;
  /** Per-run read cache; pass the same one to apply so nothing is read twice. */
  cache?: ReadCache;
  /** Concurrent reads (default 10). */
  parallelism?: number;
  rateLimiter?: RateLimiter;
  reporter?: Reporter;
  /**
   * How resources in state are read (default `full`: every setting, so drift in any of them is
   * found and corrected). `quick`: a provider's `quickRead` first (S3: the tags alone), and the
   * full read only when that does not show the resource unchanged.
   */
  refresh?: RefreshMode;
}

/** How `planChanges` reads the resources state already has. */
export type RefreshMode = "full" | "quick";

/**
 * Compute the plan.
 *
 * Throws DpnError `RESOURCE_CONFLICT` (kind provider, exit 5) listing every conflict at once
 * (one Problem each) when an object exists remotely but is not ours (created outside dpn or by
 * another stack/address), or when a resource is archived (hint `dpn restore`). Provider read
 * errors propagate unchanged. Never writes to state or remote.
 */
export async function planChanges(input: PlanInput): Promise<Plan> {
  const started = Date.now();
  const { stack, store, registry } = input;
  const cache = input.cache ?? new ReadCache();
  const rows = new Map((await store.listResources(stack.id)).map((r) => [r.address, r]));
  const ctx: ProviderContext = {
    stackId: stack.id,
    txId: input.ctx?.txId ?? "plan",
    actor: input.ctx?.actor ?? "",
    resolveRef: input.ctx?.resolveRef ?? ((a) => rows.get(a)?.remoteId),
    ...(input.ctx?.signal ? { signal: input.ctx.signal } : {}),
  };
  const limit = pLimit(Math.max(1, input.parallelism ?? 10));
  const ordered = orderByAddress(await checkAll(input.desired, registry, ctx, limit));
  // Indexed by plan position so problems come out in plan order whatever the read timing.
  const problemAt: (Problem | undefined)[] = [];

  let done = 0;
  const progress = () =>
    input.reporter?.({
      event: "plan.progress",
      at: Date.now(),
      stackId: stack.id,
      done,
      total: ordered.length,
    });
  // 0 of N first: at high latency the first read can take seconds, and the display shows it waits
  progress();
  const changes = await Promise.all(
    ordered.map((d, i) =>
      limit(async (): Promise<PlannedChange | undefined> => {
        try {
          return await planOne(d, i);
        } finally {
          done++;
          progress();
        }
      }),
    ),
  );
  async function planOne(d: DesiredResource, i: number): Promise<PlannedChange | undefined> {
    const problems = {
      push: (p: Problem) => {
        problemAt[i] = p;
      },
    };
    const provider = registry.get(d.type);
    const base = { address: d.address, type: d.type, name: d.name, fullName: d.fullName, desired: d };
    const read = async (fn: () => Promise<RemoteObject | null>) => {
      await input.rateLimiter?.acquire(provider.service);
      return fn();
    };
    const row = rows.get(d.address);
    if (row?.status === "archived") {
      problems.push(archivedProblem(d));
      return undefined;
    }
    let live: RemoteObject | null;
    if (row && input.refresh === "quick" && provider.quickRead) {
      const quickRead = provider.quickRead.bind(provider);
      const seen = await read(() => quickRead(row, ctx));
      // only "unchanged" is decided on the quick read; anything else is read in full below
      if (
        seen &&
        seen.remoteId === row.remoteId &&
        isOurs(seen, stack.id, d.address) &&
        !seen.archived &&
        provider.diff(d, seen).length === 0
      )
        return { kind: "noop", ...base, live: seen, record: row, changes: [] };
    }
    if (row) {
      live = await read(() => cache.read(provider, row.remoteId, ctx));
      if (!live) {
        // Deleted outside dpn: a lookup tells us whether someone re-created it under another id.
        live = await read(() => cache.lookup(provider, d, ctx));
        // the answer "absent" is known now; our own create can only come later
        const absentAt = new Date().toISOString();
        if (!live)
          return {
            kind: "create",
            ...base,
            record: row,
            changes: [],
            reason: "in state but missing remotely: will be re-created",
            absentAt,
          };
      }
    } else {
      live = await read(() => cache.lookup(provider, d, ctx));
      const absentAt = new Date().toISOString();
      if (!live) return { kind: "create", ...base, changes: [], absentAt };
    }
    if (!isOurs(live, stack.id, d.address)) {
      problems.push(conflictProblem(d, live, stack.id));
      return undefined;
    }
    if (live.archived) {
      problems.push(archivedProblem(d));
      return undefined;
    }
    const diff = provider.diff(d, live);
    if (!row || row.remoteId !== live.remoteId) {
      return {
        kind: "adopt",
        ...base,
        live,
        ...(row ? { record: row } : {}),
        changes: diff,
        reason: "exists remotely with our ownership marker but not in state",
      };
    }
    return diff.length > 0
      ? { kind: "update", ...base, live, record: row, changes: diff }
      : { kind: "noop", ...base, live, record: row, changes: [] };
  }

  const problems = problemAt.filter((p): p is Problem => p !== undefined);
  if (problems.length > 0) {
    const first = problems[0] as Problem;
    throw new DpnError(
      "provider",
      "RESOURCE_CONFLICT",
      problems.length === 1
        ? first.message
        : `${problems.length} resources conflict with objects that already exist: ${problems.map((p) => p.path).join(", ")}`,
      {
        problems,
        hint: problems.length === 1 ? first.hint : "See each problem's hint; nothing was changed.",
        details: { addresses: problems.map((p) => p.path) },
      },
    );
  }
  const list = changes.filter((c): c is PlannedChange => c !== undefined);
  const counts: Record<ChangeKind | "remove", number> = {
    create: 0,
    update: 0,
    noop: 0,
    adopt: 0,
    remove: 0,
  };
  for (const c of list) counts[c.kind]++;
  input.reporter?.({
    event: "plan.ready",
    at: Date.now(),
    stackId: stack.id,
    counts,
    durationMs: Date.now() - started,
  });
  return { stackId: stack.id, changes: list, removals: [], counts };
}

/**
 * Run every provider's plan-time `check` (platform facts, platform defaults). Collects every
 * failure and throws one DpnError `PLAN_CHECK_FAILED` (kind validation, exit 3) listing them all,
 * each with its own code, value and hint; a non-validation failure (auth, network) propagates.
 */
async function checkAll(
  desired: DesiredResource[],
  registry: ProviderRegistry,
  ctx: ProviderContext,
  limit: ReturnType<typeof pLimit>,
): Promise<DesiredResource[]> {
  const problems: (Problem | undefined)[] = [];
  const checked = await Promise.all(
    desired.map((d, i) =>
      limit(async () => {
        const provider = registry.get(d.type);
        if (!provider.check) return d;
        try {
          return await provider.check(d, ctx);
        } catch (e) {
          if (!(e instanceof DpnError) || e.kind !== "validation") throw e;
          problems[i] = {
            code: e.code,
            path: d.address,
            message: e.message,
            ...(e.hint ? { hint: e.hint } : {}),
          };
          return d;
        }
      }),
    ),
  );
  const found = problems.filter((p): p is Problem => p !== undefined);
  if (found.length === 0) return checked;
  const first = found[0] as Problem;
  throw new DpnError(
    "validation",
    "PLAN_CHECK_FAILED",
    found.length === 1
      ? first.message
      : `${found.length} resources have settings the platform would refuse: ${found.map((p) => p.path).join(", ")}`,
    {
      problems: found,
      ...(found.length === 1 && first.hint
        ? { hint: first.hint }
        : { hint: "See each problem's hint; nothing was changed." }),
      details: { addresses: found.map((p) => p.path) },
    },
  );
}

function conflictProblem(d: DesiredResource, live: RemoteObject, stackId: string): Problem {
  const owner = live.ownership
    ? `it is owned by dpn stack ${live.ownership.stackId} at ${live.ownership.address}`
    : "it was created outside dpn";
  return {
    code: "RESOURCE_CONFLICT",
    path: d.address,
    message: `${d.type} ${live.fullName} (${d.address}) already exists and ${owner}`,
    hint: `dpn never takes over or deletes objects it did not create: rename it in the blueprint (${d.source}), remove the existing object, or run \`dpn import --type ${d.type} --resource-id ${d.fullName}\` to make stack ${stackId} own it.`,
  };
}

function archivedProblem(d: DesiredResource): Problem {
  return {
    code: "RESOURCE_ARCHIVED",
    path: d.address,
    message: `${d.type} ${d.fullName} (${d.address}) is archived; restore needed before it can be created or updated`,
    hint: `Run \`dpn restore --resource-id ${d.address}\` first.`,
  };
}

/** True when applying the plan would change something. */
export function hasChanges(plan: Plan): boolean {
  return plan.changes.some((c) => c.kind !== "noop");
}

/**
 * True when the live estate differs from the blueprint in any way: a change to apply, or a
 * resource in state the blueprint no longer has (`--detailed-exitcode` counts both).
 */
export function hasPendingChanges(plan: Plan): boolean {
  return hasChanges(plan) || plan.removals.length > 0;
}
