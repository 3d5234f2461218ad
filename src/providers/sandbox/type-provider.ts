/**
 * The one Provider implementation of the sandbox, driven by a per-type model. It owns what is
 * common to every type: fault injection and latency around each call, one SQLite transaction per
 * mutating call, ownership and archive markers, diff/update/revert over the model's changeable
 * fields, and idempotent delete with the not-empty refusal.
 */
import { DpnError, ProviderError } from "../../core/errors.js";
import {
  type DesiredResource,
  MARKER_KEYS,
  type Ownership,
  type ProvisionedType,
} from "../../core/resources.js";
import type {
  FieldChange,
  ListOptions,
  Provider,
  ProviderContext,
  RemoteObject,
  ResourceRecord,
} from "../../engine/ports.js";
import { lookupByName } from "../../types/records.js";
import { serviceOf } from "../../types/registry.js";
import { type FaultInjector, isMutating, type SandboxMethod } from "./faults.js";
import { type SandboxStore, type StoredObject, storageFailure } from "./sandbox-store.js";
import { type ModelOptions, platformError, sameValue, type TypeModel } from "./type-model.js";

/** Prefix of every key dpn writes into tags/properties; such keys are never user tags. */
const MARKER_PREFIX = "dpn_";
/** Archive markers and the memos archive keeps for an exact restore all start with this. */
const ARCHIVE_PREFIX = "dpn_archived_";

/** The user tags of a stored object (markers and platform-reserved keys excluded). */
export function userTags(model: TypeModel, o: StoredObject): Record<string, string> {
  const reserved = model.reservedTagKeys ?? [];
  return Object.fromEntries(
    Object.entries(model.tagBag(o.data))
      .filter(([k]) => !k.startsWith(MARKER_PREFIX) && !reserved.includes(k))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

function setUserTags(model: TypeModel, o: StoredObject, tags: Record<string, string>): void {
  const bag = model.tagBag(o.data);
  const reserved = model.reservedTagKeys ?? [];
  for (const k of Object.keys(bag)) if (!k.startsWith(MARKER_PREFIX) && !reserved.includes(k)) delete bag[k];
  for (const [k, v] of Object.entries(tags)) {
    if (k.startsWith(MARKER_PREFIX) || reserved.includes(k)) {
      throw platformError(
        "invalid_input",
        "REMOTE_INVALID_INPUT",
        `Tag key '${k}' is reserved on ${model.noun.toLowerCase()} ${o.fullName}.`,
        {
          platform: model.platform,
          platformCode:
            model.platform === "databricks"
              ? "INVALID_PARAMETER_VALUE"
              : model.platform === "s3"
                ? "InvalidTag"
                : "InvalidInputException",
          status: 400,
          details: { key: k },
        },
      );
    }
    bag[k] = String(v);
  }
}

export function ownershipOf(model: TypeModel, o: StoredObject): Ownership | null {
  const bag = model.markerBag(o.data);
  const stackId = bag[MARKER_KEYS.stack];
  const address = bag[MARKER_KEYS.address];
  return stackId && address ? { stackId, address } : null;
}

export function isArchived(model: TypeModel, o: StoredObject): boolean {
  return Boolean(model.markerBag(o.data)[MARKER_KEYS.archivedAt]);
}

/** The normalised view of a stored object that providers return. */
export function toRemote(model: TypeModel, o: StoredObject, store: SandboxStore): RemoteObject {
  const status = model.status?.(o);
  return {
    type: o.type,
    remoteId: o.remoteId,
    name: o.name,
    fullName: o.fullName,
    properties: model.toProperties(o, store),
    tags: userTags(model, o),
    ownership: ownershipOf(model, o),
    archived: isArchived(model, o),
    ...(status ? { status } : {}),
  };
}

/**
 * Fields (property vocabulary plus `tags`) on which `from` and `to` differ, restricted to
 * changeable ones, and to immutable ones when `withImmutable` (diff shows them; revert cannot).
 */
function changes(
  model: TypeModel,
  from: RemoteObject,
  toProps: Record<string, unknown>,
  toTags: Record<string, string>,
  withImmutable = false,
): FieldChange[] {
  const out: FieldChange[] = [];
  const fields = withImmutable
    ? [...Object.keys(model.immutable ?? {}), ...model.changeable]
    : model.changeable;
  for (const f of fields) {
    if (!sameValue(from.properties[f], toProps[f]))
      out.push({ field: f, before: from.properties[f], after: toProps[f] });
  }
  if (!sameValue(from.tags, toTags)) out.push({ field: "tags", before: from.tags, after: toTags });
  return out;
}

export class SandboxProvider<T extends ProvisionedType> implements Provider<T> {
  readonly type: T;
  readonly service: string;
  /** Only for models with a plan-time check (clusters): a pure read of the simulated platform. */
  readonly check?: (desired: DesiredResource<T>, ctx: ProviderContext) => Promise<DesiredResource<T>>;
  /** Only for models the platform can rename in place (Provider.rename). */
  readonly rename?: (remote: RemoteObject, newName: string, ctx: ProviderContext) => Promise<RemoteObject>;
  /** Only for models whose platform reads settings one call each (`quickRefresh`): like the real provider. */
  readonly quickRead?: (record: ResourceRecord, ctx: ProviderContext) => Promise<RemoteObject | null>;

  constructor(
    private readonly model: TypeModel<T>,
    private readonly store: SandboxStore,
    private readonly faults: FaultInjector,
    private readonly opts: ModelOptions,
  ) {
    this.type = model.type;
    this.service = serviceOf(model.type);
    const check = model.check?.bind(model);
    if (check) this.check = async (desired) => check(desired);
    const rename = model.rename?.bind(model);
    if (rename)
      this.rename = (remote, newName, ctx) =>
        this.call("rename", ctx, () =>
          this.store.tx(() => {
            const o = this.mustFetch(remote.remoteId, "rename");
            const was = o.remoteId;
            rename(o, newName, this.store, this.opts);
            this.store.rekey(o, was);
            return toRemote(this.model, o, this.store);
          }),
        );
    if (model.quickRefresh)
      // one read call that sees existence, markers and tags; the settings are the record's
      this.quickRead = (record, ctx) =>
        this.call("read", ctx, () =>
          this.store.tx(() => {
            const o = this.fetch(record.remoteId);
            return o ? { ...toRemote(this.model, o, this.store), properties: record.properties } : null;
          }),
        );
  }

  /** Wrap one call: faults and latency first, the effect, then the after-effect fault. */
  private async call<R>(
    method: SandboxMethod,
    ctx: ProviderContext | undefined,
    effect: () => R,
  ): Promise<R> {
    await this.faults.before(method, this.type, this.model.platform, ctx?.signal);
    let result: R;
    try {
      if (!this.store.isOpen) {
        throw new ProviderError(
          "internal",
          "SANDBOX_CLOSED",
          `The sandbox was closed before ${method}:${this.type}.`,
          { outcome: "not_applied" },
        );
      }
      if (this.store.readonly && isMutating(method)) {
        throw new ProviderError(
          "internal",
          "SANDBOX_READONLY",
          `The sandbox was opened read-only (dry run); ${method}:${this.type} was not applied.`,
          {
            outcome: "not_applied",
            retryable: false,
          },
        );
      }
      result = effect();
    } catch (e) {
      if (e instanceof DpnError) throw e;
      throw storageFailure(e, `${method}:${this.type}`);
    }
    this.faults.after(method, this.type);
    return result;
  }

  /** The platform's tag-count limit (markers count too), checked before anything is written. */
  private checkTags(o: StoredObject): void {
    const max = this.model.maxTags;
    const count = Object.keys(this.model.tagBag(o.data)).length;
    if (max !== undefined && count > max) {
      const p = this.model.platform;
      throw platformError(
        "invalid_input",
        "REMOTE_INVALID_INPUT",
        `${this.model.noun} ${o.fullName} would carry ${count} tags; the platform allows at most ${max} (dpn's markers included).`,
        {
          platform: p,
          platformCode:
            p === "s3" ? "InvalidTag" : p === "glue" ? "InvalidInputException" : "INVALID_PARAMETER_VALUE",
          status: 400,
          hint: "Remove some extra tags from the blueprint.",
          details: { count, max },
        },
      );
    }
  }

  private notFound(remoteId: string, method: string): ProviderError {
    const m = this.model;
    return platformError(
      "not_found",
      "REMOTE_NOT_FOUND",
      `${m.noun} ${remoteId} does not exist (${method}).`,
      {
        platform: m.platform,
        platformCode: m.notFoundCode,
        status: m.notFoundStatus,
        details: { remoteId, type: m.type },
      },
    );
  }

  /** Own-account object by id, with time-driven state advanced (and persisted when it moved). */
  private fetch(remoteId: string): StoredObject | undefined {
    const o = this.store.get(this.type, this.model.normalizeId(remoteId));
    if (o?.account !== "self") return undefined;
    if (this.model.refresh?.(o, this.opts) && !this.store.readonly) this.store.save(o);
    return o;
  }

  private mustFetch(remoteId: string, method: string): StoredObject {
    const o = this.fetch(remoteId);
    if (!o) throw this.notFound(remoteId, method);
    return o;
  }

  lookup(desired: DesiredResource<T>, ctx: ProviderContext): Promise<RemoteObject | null> {
    return this.call("lookup", ctx, () =>
      this.store.tx(() => {
        const all = this.model.candidates(desired, this.store, ctx);
        const taken = all.find((o) => o.account === "foreign");
        if (taken && this.model.foreignError) throw this.model.foreignError(taken);
        let found = all.filter((o) => o.account === "self");
        // names that are not a natural key (clusters, jobs) find only the object with our marker
        if (!lookupByName(this.type)) {
          found = found.filter((o) => {
            const own = ownershipOf(this.model, o);
            return own?.stackId === ctx.stackId && own.address === desired.address;
          });
        }
        const o = found[0];
        if (!o) return null;
        if (this.model.refresh?.(o, this.opts) && !this.store.readonly) this.store.save(o);
        return toRemote(this.model, o, this.store);
      }),
    );
  }

  /**
   * The inventory: every object of this type in our own account (AWS lists only the caller's
   * account; a workspace shows everything), archived ones included, as read() returns them. One
   * counted call per type; faults and latency apply as to any read.
   */
  list(ctx: ProviderContext, opts: ListOptions = {}): Promise<RemoteObject[]> {
    return this.call("list", ctx, () =>
      this.store.tx(() => {
        const out = this.store
          .ofType(this.type)
          .filter((o) => o.account === "self")
          .map((o) => toRemote(this.model, o, this.store));
        opts.onProgress?.(out.length);
        return out;
      }),
    );
  }

  read(remoteId: string, ctx: ProviderContext): Promise<RemoteObject | null> {
    return this.call("read", ctx, () =>
      this.store.tx(() => {
        const o = this.fetch(remoteId);
        return o ? toRemote(this.model, o, this.store) : null;
      }),
    );
  }

  create(desired: DesiredResource<T>, ctx: ProviderContext): Promise<RemoteObject> {
    return this.call("create", ctx, () =>
      this.store.tx(() => {
        const built = this.model.build(desired, ctx, this.store, this.opts);
        const o: StoredObject = { ...built, type: this.type, account: "self", seq: 0 };
        setUserTags(this.model, o, desired.tags);
        const bag = this.model.markerBag(o.data);
        bag[MARKER_KEYS.stack] = ctx.stackId;
        bag[MARKER_KEYS.address] = desired.address;
        this.checkTags(o);
        const saved = this.store.insert(o);
        return toRemote(this.model, saved, this.store);
      }),
    );
  }

  diff(desired: DesiredResource<T>, live: RemoteObject): FieldChange[] {
    const want = this.model.desiredProperties(desired);
    const seen = this.model.liveForDiff
      ? { ...live, properties: this.model.liveForDiff(live.properties, want, live.archived) }
      : live;
    return changes(this.model, seen, want, desired.tags, true);
  }

  update(desired: DesiredResource<T>, live: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.call("update", ctx, () =>
      this.store.tx(() => {
        const o = this.mustFetch(live.remoteId, "update");
        const todo = this.diff(desired, live);
        if (todo.length === 0) return toRemote(this.model, o, this.store);
        for (const c of todo) {
          const fixed = this.model.immutable?.[c.field];
          if (fixed) {
            throw new ProviderError(
              "invalid_input",
              fixed.code,
              `${this.model.noun} ${o.fullName} has ${c.field} ${JSON.stringify(c.before)}; it cannot change to ${JSON.stringify(c.after)}.`,
              { hint: fixed.hint, details: { [c.field]: c.before, [`wanted_${c.field}`]: c.after } },
            );
          }
        }
        this.model.assertEditable?.(o);
        for (const c of todo) {
          if (c.field === "tags") setUserTags(this.model, o, c.after as Record<string, string>);
          else this.model.applyField(o, c.field, c.after, ctx, this.store);
        }
        this.model.afterEdit?.(o, this.opts);
        this.checkTags(o);
        this.store.save(o);
        return toRemote(this.model, o, this.store);
      }),
    );
  }

  revert(snapshot: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.call("revert", ctx, () =>
      this.store.tx(() => {
        const o = this.mustFetch(snapshot.remoteId, "revert");
        const current = toRemote(this.model, o, this.store);
        const todo = changes(this.model, current, snapshot.properties, snapshot.tags);
        if (todo.length > 0) {
          this.model.assertEditable?.(o);
          for (const c of todo) {
            if (c.field === "tags") setUserTags(this.model, o, c.after as Record<string, string>);
            else this.model.applyField(o, c.field, c.after, ctx, this.store);
          }
          this.model.afterEdit?.(o, this.opts);
        }
        const bag = this.model.markerBag(o.data);
        if (snapshot.ownership) {
          bag[MARKER_KEYS.stack] = snapshot.ownership.stackId;
          bag[MARKER_KEYS.address] = snapshot.ownership.address;
        } else {
          delete bag[MARKER_KEYS.stack];
          delete bag[MARKER_KEYS.address];
        }
        if (snapshot.archived && !current.archived) this.archiveEffect(o, ctx);
        if (!snapshot.archived && current.archived) this.restoreEffect(o);
        this.checkTags(o);
        this.store.save(o);
        return toRemote(this.model, o, this.store);
      }),
    );
  }

  delete(remote: RemoteObject, ctx: ProviderContext, options: { force?: boolean } = {}): Promise<void> {
    return this.call("delete", ctx, () =>
      this.store.tx(() => {
        const o = this.fetch(remote.remoteId);
        if (!o) return;
        this.deleteTree(this.model, o, options.force === true);
      }),
    );
  }

  private deleteTree(model: TypeModel, o: StoredObject, force: boolean): void {
    const blocking = model.notEmpty?.(o, this.store);
    if (blocking && !force) {
      throw platformError(
        "conflict",
        "REMOTE_NOT_EMPTY",
        `${model.noun} ${o.fullName} is not empty: it holds ${blocking.count} ${blocking.what}; delete refused.`,
        {
          platform: model.platform,
          platformCode: blocking.platformCode,
          status: model.platform === "databricks" ? 400 : 409,
          hint: "Empty it first, or delete with force (destroys what it holds).",
          details: { remoteId: o.remoteId, count: blocking.count },
        },
      );
    }
    for (const childType of model.childTypes ?? []) {
      const childModel = this.modelOf(childType);
      for (const child of this.store.children(o.type, o.remoteId)) {
        if (child.type === childType) this.deleteTree(childModel, child, force);
      }
    }
    model.purge?.(o, this.store);
    this.store.remove(o.type, o.remoteId);
  }

  /** Models of child types, injected by the registry (a cascade crosses types). */
  modelOf: (type: ProvisionedType) => TypeModel = () => {
    throw new Error("modelOf not wired");
  };

  private archiveEffect(o: StoredObject, ctx: ProviderContext): void {
    // platform effect first: it may record memos that restore needs
    this.model.onArchive?.(o, this.opts);
    const bag = this.model.markerBag(o.data);
    bag[MARKER_KEYS.archivedAt] = new Date(this.opts.now()).toISOString();
    bag[MARKER_KEYS.archivedBy] = ctx.actor;
  }

  private restoreEffect(o: StoredObject): void {
    this.model.onRestore?.(o, this.opts);
    const bag = this.model.markerBag(o.data);
    for (const k of Object.keys(bag)) if (k.startsWith(ARCHIVE_PREFIX)) delete bag[k];
  }

  archive(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.call("archive", ctx, () =>
      this.store.tx(() => {
        const o = this.mustFetch(remote.remoteId, "archive");
        if (!isArchived(this.model, o)) {
          this.archiveEffect(o, ctx);
          this.checkTags(o);
          this.store.save(o);
        }
        return toRemote(this.model, o, this.store);
      }),
    );
  }

  restore(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.call("restore", ctx, () =>
      this.store.tx(() => {
        const o = this.mustFetch(remote.remoteId, "restore");
        if (isArchived(this.model, o)) {
          this.restoreEffect(o);
          this.checkTags(o);
          this.store.save(o);
        }
        return toRemote(this.model, o, this.store);
      }),
    );
  }

  adopt(remote: RemoteObject, ownership: Ownership, ctx: ProviderContext): Promise<RemoteObject> {
    return this.call("adopt", ctx, () =>
      this.store.tx(() => {
        const o = this.mustFetch(remote.remoteId, "adopt");
        const bag = this.model.markerBag(o.data);
        bag[MARKER_KEYS.stack] = ownership.stackId;
        bag[MARKER_KEYS.address] = ownership.address;
        this.checkTags(o);
        this.store.save(o);
        return toRemote(this.model, o, this.store);
      }),
    );
  }
}
