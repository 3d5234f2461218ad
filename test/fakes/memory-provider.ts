/**
 * In-memory fake cloud + Provider implementations for engine tests. Behaviour spec:
 * test/fakes/memory-provider.md. It follows the Provider failure semantics of
 * src/engine/ports.ts and lets tests inject a failure at any call.
 */
import { ProviderError, type ProviderErrorCategory } from "../../src/core/errors.js";
import type { DesiredResource, Ownership, ProvisionedType } from "../../src/core/resources.js";
import type {
  FieldChange,
  Provider,
  ProviderContext,
  ProviderRegistry,
  RemoteObject,
} from "../../src/engine/ports.js";
import { serviceOf } from "../../src/types/registry.js";

export type FakeMethod =
  | "lookup"
  | "read"
  | "create"
  | "update"
  | "revert"
  | "delete"
  | "archive"
  | "restore"
  | "adopt";

export interface Fault {
  method: FakeMethod;
  /** Fail the nth matching call (1-based). Omitted: the next matching call. */
  nth?: number;
  /** Only calls about this address (desired address or the object's dpn_address). */
  address?: string;
  /** "before" (default): nothing happens, error outcome not_applied. "after": the effect happens, then the error has outcome unknown. */
  when?: "before" | "after";
  /** Default "internal" (not retryable); "throttled"/"unavailable" are retryable. */
  category?: ProviderErrorCategory;
  /** How many consecutive matching calls fail from the nth on (default 1). */
  times?: number;
  /** Never settle instead of throwing (simulates the process dying mid-call). */
  hang?: boolean;
}

interface Stored extends RemoteObject {
  dependsOn: string[];
  holdsData: boolean;
}

export interface CallRecord {
  method: FakeMethod;
  type: ProvisionedType;
  address?: string;
  remoteId?: string;
  /** Did the call change the inventory. */
  mutated: boolean;
}

const clone = <T>(v: T): T => structuredClone(v);
/** Settings fixed at create, as on the platform (a bucket never moves region): update refuses them. */
const IMMUTABLE: Partial<Record<ProvisionedType, readonly string[]>> = { aws_s3_bucket: ["region"] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fake cloud: one inventory shared by the providers of all types. */
export class FakeCloud {
  readonly objects = new Map<string, Stored>();
  readonly calls: CallRecord[] = [];
  readonly faults: (Fault & { seen: number; fired: number })[] = [];
  latencyMs = 0;
  /** Per-method latency override. */
  latencyByMethod: Partial<Record<FakeMethod, number>> = {};
  inFlight = 0;
  maxInFlight = 0;
  private seq = 0;

  /** Register a fault; returns it so tests can inspect `fired`. */
  inject(f: Fault): Fault & { seen: number; fired: number } {
    const rec = { ...f, seen: 0, fired: 0 };
    this.faults.push(rec);
    return rec;
  }

  /** Put an object into the cloud directly (a foreign object when `ownership` is null). */
  seed(o: {
    type: ProvisionedType;
    name: string;
    fullName?: string;
    properties?: Record<string, unknown>;
    tags?: Record<string, string>;
    ownership?: Ownership | null;
    archived?: boolean;
    remoteId?: string;
  }): RemoteObject {
    const fullName = o.fullName ?? o.name;
    const obj: Stored = {
      type: o.type,
      remoteId: o.remoteId ?? this.newRemoteId(o.type, fullName),
      name: o.name,
      fullName,
      properties: clone(o.properties ?? {}),
      tags: clone(o.tags ?? {}),
      ownership: o.ownership ?? null,
      archived: o.archived ?? false,
      dependsOn: [],
      holdsData: false,
    };
    this.objects.set(obj.remoteId, obj);
    return this.view(obj);
  }

  /** Mark an object as holding data, so delete refuses without force. */
  putData(remoteId: string): void {
    const o = this.objects.get(remoteId);
    if (o) o.holdsData = true;
  }

  /** A canonical, order-independent copy of the inventory for equality checks. */
  inventory(): RemoteObject[] {
    return [...this.objects.values()]
      .map((o) => this.view(o))
      .sort((a, b) => a.remoteId.localeCompare(b.remoteId));
  }

  count(method: FakeMethod, address?: string): number {
    return this.calls.filter((c) => c.method === method && (address === undefined || c.address === address))
      .length;
  }

  /** The calls that changed the inventory, in order. */
  mutations(): CallRecord[] {
    return this.calls.filter((c) => c.mutated);
  }

  registry(
    target: "sandbox" | "cloud" = "sandbox",
  ): ProviderRegistry & { providers: Map<ProvisionedType, Provider> } {
    const providers = new Map<ProvisionedType, Provider>();
    const cloud = this;
    return {
      target,
      providers,
      get<T extends ProvisionedType>(type: T): Provider<T> {
        let p = providers.get(type);
        if (!p) {
          p = new MemoryProvider(cloud, type);
          providers.set(type, p);
        }
        return p as unknown as Provider<T>;
      },
      async preflight() {},
      async close() {},
    };
  }

  // --- internals used by MemoryProvider ---------------------------------------------------------

  newRemoteId(type: ProvisionedType, fullName: string): string {
    this.seq++;
    if (type === "dbx_cluster") return `cl-${String(this.seq).padStart(4, "0")}`;
    if (type === "dbx_job") return String(1000 + this.seq);
    return fullName;
  }

  view(o: Stored): RemoteObject {
    const { dependsOn: _d, holdsData: _h, ...rest } = o;
    return clone(rest);
  }

  /**
   * Wrap one provider call: latency, concurrency accounting, fault injection. `effect` performs
   * the change and returns the result plus whether it mutated.
   */
  async call<R>(
    method: FakeMethod,
    type: ProvisionedType,
    address: string | undefined,
    effect: () => { result: R; mutated: boolean; remoteId?: string },
  ): Promise<R> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const latency = this.latencyByMethod[method] ?? this.latencyMs;
      if (latency > 0) await sleep(latency);
      const fault = this.matchFault(method, address);
      if (fault && (fault.when ?? "before") === "before") {
        this.calls.push({ method, type, ...(address ? { address } : {}), mutated: false });
        if (fault.hang) return await new Promise<R>(() => {});
        throw new ProviderError(
          fault.category ?? "internal",
          "SANDBOX_INJECTED_FAILURE",
          `injected ${method} failure for ${address ?? type}`,
          { outcome: "not_applied" },
        );
      }
      const r = effect();
      this.calls.push({
        method,
        type,
        ...(address ? { address } : {}),
        ...(r.remoteId ? { remoteId: r.remoteId } : {}),
        mutated: r.mutated,
      });
      if (fault) {
        if (fault.hang) return await new Promise<R>(() => {});
        throw new ProviderError(
          fault.category ?? "internal",
          "SANDBOX_INJECTED_FAILURE",
          `injected ${method} failure after effect for ${address ?? type}`,
          { outcome: "unknown" },
        );
      }
      return r.result;
    } finally {
      this.inFlight--;
    }
  }

  private matchFault(method: FakeMethod, address: string | undefined) {
    for (const f of this.faults) {
      if (f.method !== method || (f.address !== undefined && f.address !== address)) continue;
      f.seen++;
      const times = f.times ?? 1;
      const fire = f.nth !== undefined ? f.seen >= f.nth && f.seen < f.nth + times : f.fired < times;
      if (fire) {
        f.fired++;
        return f;
      }
    }
    return undefined;
  }
}

/** One provider over the fake cloud. */
export class MemoryProvider<T extends ProvisionedType = ProvisionedType> implements Provider<T> {
  readonly service: string;
  constructor(
    private readonly cloud: FakeCloud,
    readonly type: T,
  ) {
    this.service = serviceOf(type);
  }

  private find(d: DesiredResource, ctx: ProviderContext): Stored | undefined {
    for (const o of this.cloud.objects.values()) {
      if (o.type !== d.type || o.fullName !== d.fullName) continue;
      // Jobs allow duplicate names: only our own job (by marker) is "the" object.
      if (
        d.type === "dbx_job" &&
        !(o.ownership?.stackId === ctx.stackId && o.ownership.address === d.address)
      )
        continue;
      return o;
    }
    return undefined;
  }

  private get(remoteId: string): Stored | undefined {
    const o = this.cloud.objects.get(remoteId);
    return o && o.type === this.type ? o : undefined;
  }

  lookup(desired: DesiredResource<T>, ctx: ProviderContext): Promise<RemoteObject | null> {
    return this.cloud.call("lookup", this.type, desired.address, () => {
      const o = this.find(desired, ctx);
      return { result: o ? this.cloud.view(o) : null, mutated: false };
    });
  }

  read(remoteId: string): Promise<RemoteObject | null> {
    const o = this.get(remoteId);
    return this.cloud.call("read", this.type, o?.ownership?.address, () => {
      const cur = this.get(remoteId);
      return { result: cur ? this.cloud.view(cur) : null, mutated: false, remoteId };
    });
  }

  create(desired: DesiredResource<T>, ctx: ProviderContext): Promise<RemoteObject> {
    return this.cloud.call("create", this.type, desired.address, () => {
      if (desired.type !== "dbx_job" && this.find(desired, ctx)) {
        throw new ProviderError("conflict", "REMOTE_ALREADY_EXISTS", `${desired.fullName} already exists`, {
          outcome: "not_applied",
        });
      }
      for (const dep of desired.dependencies) {
        const parent = [...this.cloud.objects.values()].find(
          (o) => o.ownership?.address === dep && o.ownership.stackId === ctx.stackId,
        );
        if (!parent)
          throw new ProviderError(
            "not_found",
            "REMOTE_PARENT_NOT_FOUND",
            `${desired.address} needs ${dep}, which does not exist`,
            { outcome: "not_applied" },
          );
      }
      const obj: Stored = {
        type: desired.type,
        remoteId: this.cloud.newRemoteId(desired.type, desired.fullName),
        name: desired.name,
        fullName: desired.fullName,
        properties: clone(desired.properties) as unknown as Record<string, unknown>,
        tags: clone(desired.tags),
        ownership: { stackId: ctx.stackId, address: desired.address },
        archived: false,
        dependsOn: [...desired.dependencies],
        holdsData: false,
      };
      this.cloud.objects.set(obj.remoteId, obj);
      return { result: this.cloud.view(obj), mutated: true, remoteId: obj.remoteId };
    });
  }

  diff(desired: DesiredResource<T>, live: RemoteObject): FieldChange[] {
    const out: FieldChange[] = [];
    const props = desired.properties as unknown as Record<string, unknown>;
    for (const k of Object.keys(props).sort()) {
      if (JSON.stringify(props[k]) !== JSON.stringify(live.properties[k]))
        out.push({ field: k, before: live.properties[k], after: props[k] });
    }
    if (JSON.stringify(sortKeys(desired.tags)) !== JSON.stringify(sortKeys(live.tags)))
      out.push({ field: "tags", before: live.tags, after: desired.tags });
    return out;
  }

  update(desired: DesiredResource<T>, live: RemoteObject): Promise<RemoteObject> {
    return this.cloud.call("update", this.type, desired.address, () => {
      const o = this.mustGet(live.remoteId);
      for (const field of IMMUTABLE[this.type] ?? []) {
        const want = (desired.properties as unknown as Record<string, unknown>)[field];
        if (want !== undefined && JSON.stringify(want) !== JSON.stringify(o.properties[field]))
          throw new ProviderError(
            "invalid_input",
            "REMOTE_INVALID_INPUT",
            `${field} of ${o.fullName} cannot change.`,
            {
              outcome: "not_applied",
            },
          );
      }
      o.properties = { ...o.properties, ...clone(desired.properties as unknown as Record<string, unknown>) };
      o.tags = clone(desired.tags);
      return { result: this.cloud.view(o), mutated: true, remoteId: o.remoteId };
    });
  }

  revert(snapshot: RemoteObject): Promise<RemoteObject> {
    return this.cloud.call(
      "revert",
      this.type,
      snapshot.ownership?.address ?? this.get(snapshot.remoteId)?.ownership?.address,
      () => {
        const o = this.mustGet(snapshot.remoteId);
        o.properties = clone(snapshot.properties);
        o.tags = clone(snapshot.tags);
        o.ownership = clone(snapshot.ownership);
        o.archived = snapshot.archived;
        return { result: this.cloud.view(o), mutated: true, remoteId: o.remoteId };
      },
    );
  }

  delete(remote: RemoteObject, _ctx: ProviderContext, options?: { force?: boolean }): Promise<void> {
    return this.cloud.call("delete", this.type, remote.ownership?.address, () => {
      const o = this.get(remote.remoteId);
      if (!o) return { result: undefined, mutated: false, remoteId: remote.remoteId };
      const children = [...this.cloud.objects.values()].filter(
        (c) => o.ownership && c.dependsOn.includes(o.ownership.address),
      );
      if (!options?.force && (o.holdsData || children.length > 0)) {
        throw new ProviderError(
          "conflict",
          "REMOTE_NOT_EMPTY",
          `${o.fullName} holds ${o.holdsData ? "data" : `children (${children.map((c) => c.fullName).join(", ")})`}`,
          { outcome: "not_applied" },
        );
      }
      this.cloud.objects.delete(o.remoteId);
      return { result: undefined, mutated: true, remoteId: o.remoteId };
    });
  }

  archive(remote: RemoteObject): Promise<RemoteObject> {
    return this.flag("archive", remote, true);
  }

  restore(remote: RemoteObject): Promise<RemoteObject> {
    return this.flag("restore", remote, false);
  }

  adopt(remote: RemoteObject, ownership: Ownership): Promise<RemoteObject> {
    return this.cloud.call("adopt", this.type, ownership.address, () => {
      const o = this.mustGet(remote.remoteId);
      o.ownership = clone(ownership);
      return { result: this.cloud.view(o), mutated: true, remoteId: o.remoteId };
    });
  }

  private flag(
    method: "archive" | "restore",
    remote: RemoteObject,
    archived: boolean,
  ): Promise<RemoteObject> {
    return this.cloud.call(method, this.type, remote.ownership?.address, () => {
      const o = this.mustGet(remote.remoteId);
      const mutated = o.archived !== archived;
      o.archived = archived;
      return { result: this.cloud.view(o), mutated, remoteId: o.remoteId };
    });
  }

  private mustGet(remoteId: string): Stored {
    const o = this.get(remoteId);
    if (!o)
      throw new ProviderError("not_found", "REMOTE_NOT_FOUND", `${this.type} ${remoteId} does not exist`, {
        outcome: "not_applied",
      });
    return o;
  }
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

// ---------------------------------------------------------------------------------------------
// Desired-resource builders for engine tests
// ---------------------------------------------------------------------------------------------

/** A desired resource with address `<type>.<fullName>`; properties are free-form for the fake. */
export function desired(
  type: ProvisionedType,
  fullName: string,
  opts: {
    deps?: DesiredResource[];
    properties?: Record<string, unknown>;
    tags?: Record<string, string>;
  } = {},
): DesiredResource {
  const name = fullName.split(".").pop() as string;
  return {
    type,
    address: `${type}.${fullName}`,
    name,
    fullName,
    properties: (opts.properties ?? { comment: "v1" }) as never,
    tags: opts.tags ?? { Environment: "dev", ManagedBy: "dpn" },
    dependencies: (opts.deps ?? []).map((d) => d.address),
    source: `$.resources.${type}`,
  };
}

/**
 * A realistic 20-resource blueprint graph, in blueprint order: 2 buckets, 2 Glue databases,
 * 4 Glue tables (→ database, → bucket), 1 cluster, 2 jobs (→ cluster), 1 catalog, 2 schemas,
 * 4 UC tables and 2 volumes (→ schema → catalog).
 */
export function graph20(): DesiredResource[] {
  const raw = desired("aws_s3_bucket", "dp-raw-dev");
  const cur = desired("aws_s3_bucket", "dp-curated-dev");
  const gdb1 = desired("aws_glue_database", "dp_sales_bronze_dev");
  const gdb2 = desired("aws_glue_database", "dp_sales_gold_dev");
  const gt = [
    desired("aws_glue_table", "dp_sales_bronze_dev.fact_orders", { deps: [gdb1, raw] }),
    desired("aws_glue_table", "dp_sales_bronze_dev.dim_customer", { deps: [gdb1, raw] }),
    desired("aws_glue_table", "dp_sales_gold_dev.fact_revenue", { deps: [gdb2, cur] }),
    desired("aws_glue_table", "dp_sales_gold_dev.dim_date", { deps: [gdb2] }),
  ];
  const cluster = desired("dbx_cluster", "dp-etl-shared-dev");
  const jobs = [
    desired("dbx_job", "dp-batch-ingest-dev", { deps: [cluster] }),
    desired("dbx_job", "dp-batch-publish-dev", { deps: [cluster] }),
  ];
  const cat = desired("dbx_catalog", "dp_main_dev");
  const s1 = desired("dbx_schema", "dp_main_dev.sales_bronze", { deps: [cat] });
  const s2 = desired("dbx_schema", "dp_main_dev.sales_gold", { deps: [cat] });
  const tables = [
    desired("dbx_table", "dp_main_dev.sales_bronze.fact_orders", { deps: [s1] }),
    desired("dbx_table", "dp_main_dev.sales_bronze.dim_customer", { deps: [s1] }),
    desired("dbx_table", "dp_main_dev.sales_gold.fact_revenue", { deps: [s2] }),
    desired("dbx_table", "dp_main_dev.sales_gold.dim_date", { deps: [s2] }),
  ];
  const vols = [
    desired("dbx_volume", "dp_main_dev.sales_bronze.landing", { deps: [s1] }),
    desired("dbx_volume", "dp_main_dev.sales_gold.exports", { deps: [s2] }),
  ];
  return [raw, cur, gdb1, gdb2, ...gt, cluster, ...jobs, cat, s1, s2, ...tables, ...vols];
}
