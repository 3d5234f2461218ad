/**
 * `dbx_volume`: Unity Catalog volumes (REST 2.1). Volumes have no properties, so user tags and
 * dpn's markers are UC entity tag assignments (entity type `volumes`). UC tag keys may not
 * contain `. , - = / :`; such characters (and `~`) are stored as `~HH` and decoded on read.
 */
import { ProviderError } from "../../core/errors.js";
import { type DesiredResource, MARKER_KEYS, type Ownership } from "../../core/resources.js";
import type { FieldChange, Provider, ProviderContext, RemoteObject } from "../../engine/ports.js";
import { serviceOf } from "../../types/registry.js";
import { DatabricksCallError, isNotFoundError } from "./client.js";
import { type InventoryOptions, listVolumes } from "./inventory.js";
import { archiveMarkers, ownedBy, ownershipMarkers, readMarkers } from "./markers.js";
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
import { assertUcTags } from "./uc-namespace-provider.js";

export interface VolumeWire {
  name: string;
  catalog_name: string;
  schema_name: string;
  full_name: string;
  volume_type?: string;
  storage_location?: string;
  comment?: string;
  created_at?: number;
  created_by?: string;
}

interface TagAssignmentWire {
  entity_type?: string;
  entity_name?: string;
  tag_key: string;
  tag_value?: string;
}

/** Encode a UC tag key (`. , - = / :` and `~` become `~HH`). */
export function encodeUcTagKey(k: string): string {
  return k.replace(/[.,\-=/:~]/g, (c) => `~${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

export function decodeUcTagKey(k: string): string {
  return k.replace(/~([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

const BASE = "/api/2.1/unity-catalog";

export class VolumeProvider implements Provider<"dbx_volume"> {
  readonly type = "dbx_volume" as const;
  readonly service = serviceOf("dbx_volume");
  constructor(private readonly deps: ProviderDeps) {}

  private get client() {
    return this.deps.client;
  }

  private tagsPath(fullName: string, key?: string): string {
    return `${BASE}/entity-tag-assignments/volumes/${encodeURIComponent(fullName)}/tags${key === undefined ? "" : `/${encodeURIComponent(key)}`}`;
  }

  private async readTags(fullName: string, ctx: ProviderContext): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    let token: string | undefined;
    do {
      const page = await this.client.request<{
        tag_assignments?: TagAssignmentWire[];
        next_page_token?: string;
      }>("GET", this.tagsPath(fullName), {
        query: { max_results: 100, page_token: token },
        signal: ctx.signal,
      });
      for (const t of page.tag_assignments ?? []) out[decodeUcTagKey(t.tag_key)] = t.tag_value ?? "";
      token = page.next_page_token || undefined;
    } while (token);
    return out;
  }

  /**
   * Make the volume's tag assignments equal `want` (decoded keys): create, patch, delete.
   * Wire shape (databricks-sdk-go service/catalog/impl.go `entityTagAssignmentsImpl`): create is
   * `POST …/entity-tag-assignments` with the EntityTagAssignment itself as the body
   * (`request.TagAssignment`); update is `PATCH …/{entity_type}/{entity_name}/tags/{tag_key}`
   * with the assignment as the body and `update_mask=tag_value` in the query; entity_type is the
   * plural `volumes` (allowed: catalogs, schemas, tables, columns, volumes — SDK type docs).
   */
  private async writeTags(
    fullName: string,
    have: Record<string, string>,
    want: Record<string, string>,
    ctx: ProviderContext,
  ): Promise<void> {
    for (const [k, v] of Object.entries(want)) {
      if (have[k] === v) continue;
      const assignment: TagAssignmentWire = {
        entity_type: "volumes",
        entity_name: fullName,
        tag_key: encodeUcTagKey(k),
        tag_value: v,
      };
      const patch = () =>
        this.client.request("PATCH", this.tagsPath(fullName, encodeUcTagKey(k)), {
          query: { update_mask: "tag_value" },
          body: assignment,
          idempotent: true,
          signal: ctx.signal,
        });
      if (k in have) {
        await patch();
        continue;
      }
      try {
        await this.client.request("POST", `${BASE}/entity-tag-assignments`, {
          body: assignment,
          idempotent: true,
          signal: ctx.signal,
        });
      } catch (e) {
        // A resend after a lost answer finds the assignment there already: set its value instead.
        if (!(e instanceof DatabricksCallError && e.category === "conflict")) throw e;
        await patch();
      }
    }
    for (const k of Object.keys(have)) {
      if (!(k in want))
        await ignoreNotFound(
          this.client.request("DELETE", this.tagsPath(fullName, encodeUcTagKey(k)), { signal: ctx.signal }),
        );
    }
  }

  private toRemote(w: VolumeWire, rawTags: Record<string, string>): RemoteObject {
    const m = readMarkers(rawTags);
    return {
      type: "dbx_volume",
      remoteId: w.full_name,
      name: w.name,
      fullName: w.full_name,
      properties: {
        catalog_name: w.catalog_name,
        schema_name: w.schema_name,
        volume_type: w.volume_type,
        ...(w.volume_type === "EXTERNAL" && w.storage_location
          ? { storage_location: w.storage_location }
          : {}),
        ...(w.comment ? { comment: w.comment } : {}),
      },
      tags: m.rest,
      ownership: m.ownership,
      archived: m.archived,
      ...withProvenance(provenanceOf(w.created_at, w.created_by)),
    };
  }

  /** SCIM Me `userName`, the spelling of UC `created_by` (principal.ts); cached per client. */
  principal(ctx: ProviderContext): Promise<string | undefined> {
    return principalOf(this.client, ctx.signal);
  }

  /** The inventory (inventory.ts): one volumes list per schema, one tag list per volume. */
  list(ctx: ProviderContext, opts?: InventoryOptions): Promise<RemoteObject[]> {
    return listVolumes(
      this.client,
      (w: VolumeWire, t) => this.toRemote(w, t),
      (n) => this.readTags(n, ctx),
      ctx,
      opts,
    );
  }

  async read(remoteId: string, ctx: ProviderContext): Promise<RemoteObject | null> {
    const w = await orNull(
      this.client.request<VolumeWire>("GET", `${BASE}/volumes/${encodeURIComponent(remoteId)}`, {
        signal: ctx.signal,
      }),
    );
    if (!w) return null;
    const tags = await orNull(this.readTags(w.full_name, ctx));
    return tags === null ? null : this.toRemote(w, tags);
  }

  lookup(desired: DesiredResource<"dbx_volume">, ctx: ProviderContext): Promise<RemoteObject | null> {
    const p = desired.properties;
    return this.read(`${p.catalog_name}.${p.schema_name}.${desired.name}`.toLowerCase(), ctx);
  }

  async create(desired: DesiredResource<"dbx_volume">, ctx: ProviderContext): Promise<RemoteObject> {
    const p = desired.properties;
    assertUcName(desired.name, "Volume");
    assertUcTags(desired.tags, `Volume ${desired.name}`);
    if (p.volume_type === "EXTERNAL" && !p.storage_location) {
      throw new ProviderError(
        "invalid_input",
        "DBX_VOLUME_LOCATION_MISSING",
        `External volume ${desired.name} needs a storage_location`,
      );
    }
    const body = {
      catalog_name: p.catalog_name,
      schema_name: p.schema_name,
      name: desired.name,
      volume_type: p.volume_type,
      ...(p.volume_type === "EXTERNAL" ? { storage_location: p.storage_location } : {}),
      ...(p.comment !== undefined ? { comment: p.comment } : {}),
    };
    const ownership: Ownership = { stackId: ctx.stackId, address: desired.address };
    let w: VolumeWire;
    try {
      w = await this.client.request<VolumeWire>("POST", `${BASE}/volumes`, { body, signal: ctx.signal });
    } catch (e) {
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
    const want = { ...desired.tags, ...ownershipMarkers(ownership) };
    try {
      await this.writeTags(w.full_name, {}, want, ctx);
    } catch (e) {
      // Without its ownership tags the volume would look foreign; take it back out so the
      // create is all-or-nothing. If that fails too the outcome is unknown.
      try {
        await ignoreNotFound(
          this.client.request("DELETE", `${BASE}/volumes/${encodeURIComponent(w.full_name)}`, {
            signal: ctx.signal,
          }),
        );
      } catch {
        throw new ProviderError(
          "internal",
          "DBX_VOLUME_TAGGING_FAILED",
          `Volume ${w.full_name} was created but could not be tagged or removed`,
          {
            outcome: "unknown",
            cause: e,
            hint: `Delete volume ${w.full_name} by hand or re-run to adopt it.`,
          },
        );
      }
      throw e;
    }
    return this.toRemote(w, want);
  }

  diff(desired: DesiredResource<"dbx_volume">, live: RemoteObject): FieldChange[] {
    const changes: FieldChange[] = [];
    const p = desired.properties;
    compare(changes, "volume_type", live.properties.volume_type, p.volume_type);
    if (p.volume_type === "EXTERNAL")
      compare(changes, "storage_location", live.properties.storage_location, p.storage_location);
    compare(changes, "comment", live.properties.comment, p.comment || undefined);
    compare(changes, "tags", live.tags, desired.tags);
    return changes;
  }

  async update(
    desired: DesiredResource<"dbx_volume">,
    live: RemoteObject,
    ctx: ProviderContext,
  ): Promise<RemoteObject> {
    const p = desired.properties;
    const fixed: string[] = [];
    if (live.properties.volume_type !== p.volume_type) fixed.push("volume_type");
    if (p.volume_type === "EXTERNAL" && live.properties.storage_location !== p.storage_location)
      fixed.push("storage_location");
    if (fixed.length) throw replaceRequired(`Volume ${live.fullName}`, fixed);
    assertUcTags(desired.tags, `Volume ${desired.name}`);
    return this.apply(live.remoteId, ctx, p.comment, (m) => ({ ...desired.tags, ...m.markers }));
  }

  async revert(snapshot: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.apply(snapshot.remoteId, ctx, snapshot.properties.comment as string | undefined, (m) => {
      const keep = snapshot.archived
        ? m.markers
        : readMarkers(snapshot.ownership ? ownershipMarkers(snapshot.ownership) : {}).markers;
      return { ...snapshot.tags, ...keep };
    });
  }

  async delete(remote: RemoteObject, ctx: ProviderContext): Promise<void> {
    await ignoreNotFound(
      this.client.request("DELETE", `${BASE}/volumes/${encodeURIComponent(remote.remoteId)}`, {
        signal: ctx.signal,
      }),
    );
  }

  /**
   * Archive = the two archive marker tags, one tag assignment each. An earlier archive that
   * stopped between them left one: it is completed (keeping the first marker's time), so the
   * archive is idempotent from any prefix of its calls.
   */
  async archive(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.apply(
      remote.remoteId,
      ctx,
      undefined,
      (m, tags) => {
        const at = m.markers[MARKER_KEYS.archivedAt];
        if (at !== undefined && m.markers[MARKER_KEYS.archivedBy] !== undefined) return null;
        return {
          ...tags,
          ...archiveMarkers(ctx),
          ...(at !== undefined ? { [MARKER_KEYS.archivedAt]: at } : {}),
        };
      },
      false,
    );
  }

  /** Restore = remove both archive markers; also when an interrupted restore removed only one. */
  async restore(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.apply(
      remote.remoteId,
      ctx,
      undefined,
      (m) =>
        m.markers[MARKER_KEYS.archivedAt] !== undefined || m.markers[MARKER_KEYS.archivedBy] !== undefined
          ? { ...m.rest, ...(m.ownership ? ownershipMarkers(m.ownership) : {}) }
          : null,
      false,
    );
  }

  async adopt(remote: RemoteObject, ownership: Ownership, ctx: ProviderContext): Promise<RemoteObject> {
    return this.apply(
      remote.remoteId,
      ctx,
      undefined,
      (_m, tags) => ({ ...tags, ...ownershipMarkers(ownership) }),
      false,
    );
  }

  /**
   * Rename in place: PATCH `new_name` (databricks-sdk-go catalog.UpdateVolumeRequestContent.NewName;
   * the schema stays). Tags follow the volume; they are read back under the new name.
   */
  async rename(remote: RemoteObject, newName: string, ctx: ProviderContext): Promise<RemoteObject> {
    assertUcName(newName, "Volume");
    if (newName.toLowerCase() === remote.name.toLowerCase()) return remote;
    let w: VolumeWire;
    try {
      w = await this.client.request<VolumeWire>(
        "PATCH",
        `${BASE}/volumes/${encodeURIComponent(remote.remoteId)}`,
        {
          body: { new_name: newName },
          signal: ctx.signal,
        },
      );
    } catch (e) {
      if (isNotFoundError(e)) throw vanished("Volume", remote.remoteId);
      throw e;
    }
    return this.toRemote(w, await this.readTags(w.full_name, ctx));
  }

  /** Read volume + tags, optionally PATCH the comment, converge tags to `want(...)`. */
  private async apply(
    fullName: string,
    ctx: ProviderContext,
    comment: string | undefined,
    want: (
      m: ReturnType<typeof readMarkers>,
      rawTags: Record<string, string>,
    ) => Record<string, string> | null,
    setComment = true,
  ): Promise<RemoteObject> {
    let w = await orNull(
      this.client.request<VolumeWire>("GET", `${BASE}/volumes/${encodeURIComponent(fullName)}`, {
        signal: ctx.signal,
      }),
    );
    if (!w) throw vanished("Volume", fullName);
    const have = await this.readTags(fullName, ctx);
    const target = want(readMarkers(have), have);
    if (setComment && (w.comment ?? "") !== (comment ?? "")) {
      w = await this.client.request<VolumeWire>("PATCH", `${BASE}/volumes/${encodeURIComponent(fullName)}`, {
        body: { comment: comment ?? "" },
        idempotent: true,
        signal: ctx.signal,
      });
    }
    if (target === null) return this.toRemote(w, have);
    await this.writeTags(fullName, have, target, ctx);
    return this.toRemote(w, target);
  }
}
