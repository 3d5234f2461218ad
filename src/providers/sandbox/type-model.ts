/**
 * What the generic sandbox provider needs to know about one resource type: how the platform
 * stores it, where its tags and ownership markers live, which fields can change, and the
 * platform's rules on create and delete. One model per type, in ./models/.
 */
import type { ErrorCode } from "../../core/error-codes.js";
import { ProviderError, type ProviderErrorCategory, type RemoteOutcome } from "../../core/errors.js";
import type { DesiredResource, ProvisionedType } from "../../core/resources.js";
import type { ProviderContext } from "../../engine/ports.js";
import type { SandboxPlatform } from "./faults.js";
import type { SandboxStore, StoredObject } from "./sandbox-store.js";

/** A new object as a model builds it on create (before markers are stamped). */
export interface NewObject {
  remoteId: string;
  name: string;
  fullName: string;
  parentType: ProvisionedType | null;
  parentId: string | null;
  data: Record<string, unknown>;
}

/** Options of the sandbox that models read (timing of cluster state changes). */
export interface ModelOptions {
  /** Milliseconds a cluster stays PENDING/RESTARTING before the next access sees RUNNING. */
  clusterStartMs: number;
  now(): number;
}

export interface TypeModel<T extends ProvisionedType = ProvisionedType> {
  readonly type: T;
  readonly platform: SandboxPlatform;
  /** Noun used in messages ("Bucket", "Catalog"). */
  readonly noun: string;
  /** Property fields `update` can change (names are immutable, so never listed). */
  readonly changeable: readonly string[];
  /**
   * Property fields fixed at create (a bucket's region), each with the error code `update`
   * refuses a change with. `diff` reports them so a plan shows the conflict.
   */
  readonly immutable?: Readonly<Record<string, { code: ErrorCode; hint: string }>>;
  /** Normalise a remote id given by a caller (platforms that fold case fold it here). */
  normalizeId(remoteId: string): string;
  /** Candidates for `lookup` by natural key, best first (ownership filtering is done by the caller). */
  candidates(desired: DesiredResource<T>, store: SandboxStore, ctx: ProviderContext): StoredObject[];
  /** The platform's "not found" code and HTTP status for this type. */
  readonly notFoundCode: string;
  readonly notFoundStatus: number;
  /**
   * The error a lookup answers when the natural key is taken by another account (global
   * namespaces: S3, where a real HEAD on such a bucket answers 403). Without it such objects are
   * invisible to lookup.
   */
  foreignError?(o: StoredObject): Error;
  /**
   * Plan-time check against facts of the simulated platform (Provider.check): fill platform
   * defaults, refuse what the platform does not offer (DpnError kind validation). Pure.
   */
  check?(desired: DesiredResource<T>): DesiredResource<T>;
  /** Validate and build the object; throws ProviderError (not_applied) on platform refusals. */
  build(
    desired: DesiredResource<T>,
    ctx: ProviderContext,
    store: SandboxStore,
    opts: ModelOptions,
  ): NewObject;
  /** The map holding ownership/archive markers. */
  markerBag(data: Record<string, unknown>): Record<string, string>;
  /** The map holding user tags (may be the marker bag). */
  tagBag(data: Record<string, unknown>): Record<string, string>;
  /** Most entries the platform accepts in the tag bag (markers included), when it has a limit. */
  readonly maxTags?: number;
  /** Keys in the tag bag that are platform settings, not user tags. */
  readonly reservedTagKeys?: readonly string[];
  /** Platform settings in DesiredResource.properties vocabulary. */
  toProperties(o: StoredObject, store: SandboxStore): Record<string, unknown>;
  /** Desired properties in the comparison form of `toProperties` (pure). */
  desiredProperties(desired: DesiredResource<T>): Record<string, unknown>;
  /**
   * Live properties as `diff` should see them: lets a model hide differences that are not drift
   * (an archived job's schedule is paused on purpose).
   */
  liveForDiff?(
    live: Record<string, unknown>,
    desired: Record<string, unknown>,
    archived: boolean,
  ): Record<string, unknown>;
  /** Set one changeable field (property vocabulary value) on the platform record. */
  applyField(o: StoredObject, field: string, value: unknown, ctx: ProviderContext, store: SandboxStore): void;
  /** Platform state to report (clusters). */
  status?(o: StoredObject): string | undefined;
  /**
   * The platform reads this type's settings one call each, so its real provider has a quick read
   * (`Provider.quickRead`: existence, markers and tags live, settings from state); the sandbox
   * gives the same answer, so `--refresh quick` misses the same drift on both targets.
   */
  readonly quickRefresh?: boolean;
  /** Advance time-driven state (cluster PENDING→RUNNING); returns true when `o.data` changed. */
  refresh?(o: StoredObject, opts: ModelOptions): boolean;
  /** Throw when the object cannot be edited in its current state. */
  assertEditable?(o: StoredObject): void;
  /** Side effects of an edit (a running cluster restarts). */
  afterEdit?(o: StoredObject, opts: ModelOptions): void;
  /** Platform side of archive beyond the markers (terminate, deny-writes policy, pause). */
  onArchive?(o: StoredObject, opts: ModelOptions): void;
  /** Exact inverse of onArchive, called before the archive markers are removed. */
  onRestore?(o: StoredObject, opts: ModelOptions): void;
  /** Why this object cannot be deleted without force (children, data), or undefined. */
  notEmpty?(
    o: StoredObject,
    store: SandboxStore,
  ): { count: number; what: string; platformCode: string } | undefined;
  /** Remove what a forced delete takes with it (bucket objects; children are cascaded generically). */
  purge?(o: StoredObject, store: SandboxStore): void;
  /**
   * Rename in place (dpn migrate): set `o`'s id, names and platform record to `newName` and move
   * whatever the rename carries along (a UC container's children, through `store.rekey`); the
   * caller stores `o` itself. Throws the platform's refusals (name taken, invalid, state).
   * Types the platform cannot rename in place have none.
   */
  rename?(o: StoredObject, newName: string, store: SandboxStore, opts: ModelOptions): void;
  /** Child types removed by a forced delete. */
  readonly childTypes?: readonly ProvisionedType[];
}

export interface PlatformErrorOptions {
  platform: SandboxPlatform;
  platformCode: string;
  status: number;
  outcome?: RemoteOutcome;
  retryable?: boolean;
  hint?: string;
  details?: Record<string, unknown>;
}

/** Build a ProviderError carrying the platform's own error code in `details.platformCode`. */
export function platformError(
  category: ProviderErrorCategory,
  code: ErrorCode,
  message: string,
  o: PlatformErrorOptions,
): ProviderError {
  return new ProviderError(category, code, message, {
    outcome: o.outcome ?? "not_applied",
    retryable: o.retryable ?? false,
    ...(o.hint ? { hint: o.hint } : {}),
    details: { platform: o.platform, platformCode: o.platformCode, httpStatus: o.status, ...o.details },
  });
}

/** A JSON value with object keys sorted and undefined/null members dropped, for comparisons. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined && x !== null) out[k] = canonical(x);
    }
    return out;
  }
  return v;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a ?? null)) === JSON.stringify(canonical(b ?? null));
}

/** Copy of `o` without undefined members (so stored JSON and comparisons agree). */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Deep copy through JSON (records are JSON anyway). */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** A record member that is a string map, created when missing. */
export function stringMap(data: Record<string, unknown>, key: string): Record<string, string> {
  const v = data[key];
  if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, string>;
  const m: Record<string, string> = {};
  data[key] = m;
  return m;
}
