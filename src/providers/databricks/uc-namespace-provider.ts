/**
 * `dbx_catalog` and `dbx_schema`: Unity Catalog REST 2.1. Both keep user tags and dpn's
 * ownership/archive markers in the securable's `properties` map (the whole map is sent on every
 * PATCH; backend defaults `unity.catalog.managed.*` are carried over and never shown as tags).
 * Archive only adds markers — UC has no undrop for catalogs/schemas, so archive never deletes.
 */
import { ProviderError } from "../../core/errors.js";
import type { CatalogProps, DesiredResource, Ownership, SchemaProps } from "../../core/resources.js";
import type { FieldChange, Provider, ProviderContext, RemoteObject } from "../../engine/ports.js";
import { serviceOf } from "../../types/registry.js";
import { DatabricksCallError, isNotFoundError } from "./client.js";
import { type InventoryOptions, listCatalogs, listSchemas } from "./inventory.js";
import { archiveMarkers, isMarkerKey, ownedBy, ownershipMarkers, readMarkers } from "./markers.js";
import { principalOf } from "./principal.js";
import {
  compare,
  ignoreNotFound,
  orNull,
  type ProviderDeps,
  provenanceOf,
  replaceRequired,
  vanished,
  withProvenance,
} from "./provider-kit.js";
import { assertUcName } from "./sql-ddl.js";

export interface UcNamespaceWire {
  name: string;
  full_name?: string;
  catalog_name?: string;
  comment?: string;
  storage_root?: string;
  properties?: Record<string, string>;
  [k: string]: unknown;
}

const BACKEND_PREFIX = "unity.catalog.";

/** Split UC properties into user tags, backend defaults and markers. */
export function splitUcProperties(props: Record<string, string> | undefined) {
  const m = readMarkers(props);
  const tags: Record<string, string> = {};
  const backend: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.rest)) (k.startsWith(BACKEND_PREFIX) ? backend : tags)[k] = v;
  return { tags, backend, markers: m.markers, ownership: m.ownership, archived: m.archived };
}

/** Check user tags can live next to the markers. Throws `DBX_TAG_INVALID`. */
export function assertUcTags(tags: Record<string, string>, what: string): void {
  for (const k of Object.keys(tags)) {
    if (isMarkerKey(k) || k.startsWith(BACKEND_PREFIX) || k.startsWith("delta.")) {
      throw new ProviderError("invalid_input", "DBX_TAG_INVALID", `${what}: tag key "${k}" is reserved`, {
        hint: "dpn_* keys are dpn's markers; unity.catalog.* and delta.* are platform properties.",
      });
    }
  }
}

type NsType = "dbx_catalog" | "dbx_schema";

interface Kind<T extends NsType> {
  type: T;
  label: string;
  collection: "catalogs" | "schemas";
  createBody(d: DesiredResource<T>): Record<string, unknown>;
  fullName(d: DesiredResource<T>): string;
  settings(w: UcNamespaceWire): Record<string, unknown>;
  diffSettings(d: DesiredResource<T>, live: RemoteObject, changes: FieldChange[]): void;
  immutable(d: DesiredResource<T>, live: RemoteObject): string[];
}

class UcNamespaceProvider<T extends NsType> implements Provider<T> {
  constructor(
    private readonly deps: ProviderDeps,
    private readonly kind: Kind<T>,
  ) {}

  get type(): T {
    return this.kind.type;
  }

  get service(): string {
    return serviceOf(this.kind.type);
  }

  private path(fullName: string): string {
    return `/api/2.1/unity-catalog/${this.kind.collection}/${encodeURIComponent(fullName)}`;
  }

  private toRemote(w: UcNamespaceWire): RemoteObject {
    const s = splitUcProperties(w.properties);
    const full = w.full_name ?? w.name;
    return {
      type: this.kind.type,
      remoteId: full,
      name: w.name,
      fullName: full,
      properties: this.kind.settings(w),
      tags: s.tags,
      ownership: s.ownership,
      archived: s.archived,
      ...withProvenance(provenanceOf(w.created_at, w.created_by)),
    };
  }

  private get(fullName: string, signal?: AbortSignal): Promise<UcNamespaceWire> {
    return this.deps.client.request<UcNamespaceWire>("GET", this.path(fullName), { signal });
  }

  async read(remoteId: string, ctx: ProviderContext): Promise<RemoteObject | null> {
    const w = await orNull(this.get(remoteId, ctx.signal));
    return w ? this.toRemote(w) : null;
  }

  /** The inventory (inventory.ts): catalogs pages, or one schemas list per catalog. */
  list(ctx: ProviderContext, opts?: InventoryOptions): Promise<RemoteObject[]> {
    const all = this.kind.type === "dbx_catalog" ? listCatalogs : listSchemas;
    return all(this.deps.client, (w: UcNamespaceWire) => this.toRemote(w), ctx, opts);
  }

  /** SCIM Me `userName`, the spelling of UC `created_by` (principal.ts); cached per client. */
  principal(ctx: ProviderContext): Promise<string | undefined> {
    return principalOf(this.deps.client, ctx.signal);
  }

  lookup(desired: DesiredResource<T>, ctx: ProviderContext): Promise<RemoteObject | null> {
    // UC stores names lower-case; the full name is the natural key.
    return this.read(this.kind.fullName(desired).toLowerCase(), ctx);
  }

  async create(desired: DesiredResource<T>, ctx: ProviderContext): Promise<RemoteObject> {
    assertUcName(desired.name, this.kind.label);
    assertUcTags(desired.tags, `${this.kind.label} ${desired.name}`);
    const ownership: Ownership = { stackId: ctx.stackId, address: desired.address };
    const body = {
      ...this.kind.createBody(desired),
      properties: { ...desired.tags, ...ownershipMarkers(ownership) },
    };
    try {
      const w = await this.deps.client.request<UcNamespaceWire>(
        "POST",
        `/api/2.1/unity-catalog/${this.kind.collection}`,
        { body, signal: ctx.signal },
      );
      return this.toRemote(w);
    } catch (e) {
      // Already there: ours (an earlier create whose response was lost) is adopted, others are a conflict.
      if (
        e instanceof DatabricksCallError &&
        e.category === "conflict" &&
        /ALREADY_EXISTS/.test(e.api.errorCode + e.api.message)
      ) {
        const existing = await this.lookup(desired, ctx);
        if (existing && ownedBy(existing.ownership, ctx.stackId, desired.address)) return existing;
      }
      throw e;
    }
  }

  diff(desired: DesiredResource<T>, live: RemoteObject): FieldChange[] {
    const changes: FieldChange[] = [];
    this.kind.diffSettings(desired, live, changes);
    compare(changes, "tags", live.tags, desired.tags);
    return changes;
  }

  async update(desired: DesiredResource<T>, live: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    const fixed = this.kind.immutable(desired, live);
    if (fixed.length) throw replaceRequired(`${this.kind.label} ${live.fullName}`, fixed);
    assertUcTags(desired.tags, `${this.kind.label} ${desired.name}`);
    const comment = (desired.properties as { comment?: string }).comment;
    return this.patch(live.remoteId, ctx, (p) => ({
      comment: comment ?? "",
      properties: { ...p.backend, ...desired.tags, ...p.markers },
    }));
  }

  async revert(snapshot: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.patch(snapshot.remoteId, ctx, (p) => {
      const markers = { ...(snapshot.ownership ? ownershipMarkers(snapshot.ownership) : {}) };
      if (snapshot.archived)
        Object.assign(
          markers,
          pick(
            p.markers,
            Object.keys(p.markers).filter((k) => !(k in markers)),
          ),
        );
      return {
        comment: (snapshot.properties.comment as string | undefined) ?? "",
        properties: { ...p.backend, ...snapshot.tags, ...markers },
      };
    });
  }

  async delete(remote: RemoteObject, ctx: ProviderContext, options?: { force?: boolean }): Promise<void> {
    const del = (force: boolean) =>
      this.deps.client.request("DELETE", this.path(remote.remoteId), {
        query: force ? { force: true } : {},
        signal: ctx.signal,
      });
    try {
      await ignoreNotFound(del(options?.force === true));
    } catch (e) {
      if (!(e instanceof DatabricksCallError) || !/NOT_EMPTY/.test(e.api.errorCode) || options?.force)
        throw e;
      // A fresh catalog always holds the auto-created `default` schema; that is not user data.
      if (this.kind.collection === "catalogs" && (await this.onlyEmptyDefaultSchema(remote.remoteId, ctx))) {
        await ignoreNotFound(del(true));
        return;
      }
      throw new ProviderError(
        "conflict",
        "DBX_NOT_EMPTY",
        `${this.kind.label} ${remote.fullName} is not empty`,
        {
          hint: "Delete its children first, or use --force to drop everything inside it.",
          details: { full_name: remote.fullName },
          cause: e,
        },
      );
    }
  }

  private async onlyEmptyDefaultSchema(catalog: string, ctx: ProviderContext): Promise<boolean> {
    const schemas = await this.listAll<{ name: string }>("schemas", { catalog_name: catalog }, ctx);
    const user = schemas.filter((s) => s.name !== "information_schema");
    if (user.some((s) => s.name !== "default")) return false;
    const q = { catalog_name: catalog, schema_name: "default" };
    const [tables, volumes] = await Promise.all([
      this.listAll("tables", q, ctx),
      this.listAll("volumes", q, ctx),
    ]);
    return tables.length === 0 && volumes.length === 0;
  }

  private async listAll<I>(
    collection: string,
    query: Record<string, string>,
    ctx: ProviderContext,
  ): Promise<I[]> {
    const out: I[] = [];
    let token: string | undefined;
    do {
      const page = await this.deps.client.request<Record<string, unknown>>(
        "GET",
        `/api/2.1/unity-catalog/${collection}`,
        {
          query: { ...query, max_results: 0, page_token: token },
          signal: ctx.signal,
        },
      );
      out.push(...((page[collection] as I[] | undefined) ?? []));
      token = (page.next_page_token as string | undefined) || undefined;
    } while (token);
    return out;
  }

  async archive(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.patch(remote.remoteId, ctx, (p) =>
      p.archived ? null : { properties: { ...p.backend, ...p.tags, ...p.markers, ...archiveMarkers(ctx) } },
    );
  }

  async restore(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.patch(remote.remoteId, ctx, (p) => {
      if (!p.archived) return null;
      const m = readMarkers(p.markers);
      return {
        properties: { ...p.backend, ...p.tags, ...(m.ownership ? ownershipMarkers(m.ownership) : {}) },
      };
    });
  }

  async adopt(remote: RemoteObject, ownership: Ownership, ctx: ProviderContext): Promise<RemoteObject> {
    return this.patch(remote.remoteId, ctx, (p) =>
      ownedBy(p.ownership, ownership.stackId, ownership.address)
        ? null
        : { properties: { ...p.backend, ...p.tags, ...p.markers, ...ownershipMarkers(ownership) } },
    );
  }

  /**
   * Rename in place: PATCH `new_name` (databricks-sdk-go catalog.UpdateCatalog.NewName,
   * UpdateSchema.NewName); Unity Catalog moves everything inside to the new full name. Not
   * retried blindly (a resent rename finds the old name gone): an in-doubt failure is settled by
   * the engine reading both names.
   */
  async rename(remote: RemoteObject, newName: string, ctx: ProviderContext): Promise<RemoteObject> {
    assertUcName(newName, this.kind.label);
    if (newName.toLowerCase() === remote.name.toLowerCase()) return remote;
    try {
      const res = await this.deps.client.request<UcNamespaceWire>("PATCH", this.path(remote.remoteId), {
        body: { new_name: newName },
        signal: ctx.signal,
      });
      return this.toRemote(res);
    } catch (e) {
      if (isNotFoundError(e)) throw vanished(this.kind.label, remote.remoteId);
      throw e;
    }
  }

  /** GET, build a PATCH body from the fresh properties (null = nothing to do), send it. */
  private async patch(
    fullName: string,
    ctx: ProviderContext,
    build: (p: ReturnType<typeof splitUcProperties>) => Record<string, unknown> | null,
  ): Promise<RemoteObject> {
    const w = await orNull(this.get(fullName, ctx.signal));
    if (!w) throw vanished(this.kind.label, fullName);
    const body = build(splitUcProperties(w.properties));
    if (!body) return this.toRemote(w);
    try {
      const res = await this.deps.client.request<UcNamespaceWire>("PATCH", this.path(fullName), {
        body,
        idempotent: true,
        signal: ctx.signal,
      });
      return this.toRemote(res);
    } catch (e) {
      if (isNotFoundError(e)) throw vanished(this.kind.label, fullName);
      throw e;
    }
  }
}

function pick(o: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k] as string]));
}

/** `dbx_catalog` provider. */
export function catalogProvider(deps: ProviderDeps): Provider<"dbx_catalog"> {
  return new UcNamespaceProvider<"dbx_catalog">(deps, {
    type: "dbx_catalog",
    label: "Catalog",
    collection: "catalogs",
    createBody: (d) => {
      const p: CatalogProps = d.properties;
      return {
        name: d.name,
        ...(p.comment !== undefined ? { comment: p.comment } : {}),
        ...(p.storage_root ? { storage_root: p.storage_root } : {}),
      };
    },
    fullName: (d) => d.name,
    settings: (w) => ({
      ...(w.comment ? { comment: w.comment } : {}),
      ...(w.storage_root ? { storage_root: w.storage_root } : {}),
    }),
    diffSettings: (d, live, changes) => {
      compare(changes, "comment", live.properties.comment, d.properties.comment || undefined);
      if (d.properties.storage_root)
        compare(changes, "storage_root", live.properties.storage_root, d.properties.storage_root);
    },
    immutable: (d, live) =>
      d.properties.storage_root && d.properties.storage_root !== live.properties.storage_root
        ? ["storage_root"]
        : [],
  });
}

/** `dbx_schema` provider (remote id = `catalog.schema`). */
export function schemaProvider(deps: ProviderDeps): Provider<"dbx_schema"> {
  return new UcNamespaceProvider<"dbx_schema">(deps, {
    type: "dbx_schema",
    label: "Schema",
    collection: "schemas",
    createBody: (d) => {
      const p: SchemaProps = d.properties;
      assertUcName(p.catalog_name, "Catalog");
      return {
        name: d.name,
        catalog_name: p.catalog_name,
        ...(p.comment !== undefined ? { comment: p.comment } : {}),
      };
    },
    fullName: (d) => `${d.properties.catalog_name}.${d.name}`,
    settings: (w) => ({ catalog_name: w.catalog_name, ...(w.comment ? { comment: w.comment } : {}) }),
    diffSettings: (d, live, changes) => {
      compare(
        changes,
        "catalog_name",
        (live.properties.catalog_name as string | undefined)?.toLowerCase(),
        d.properties.catalog_name.toLowerCase(),
      );
      compare(changes, "comment", live.properties.comment, d.properties.comment || undefined);
    },
    immutable: (d, live) =>
      (live.properties.catalog_name as string | undefined)?.toLowerCase() !==
      d.properties.catalog_name.toLowerCase()
        ? ["catalog_name"]
        : [],
  });
}
