/**
 * Provider for `aws_glue_database`: description, parameters and tags, with ownership markers in
 * both the database parameters and its tags (TagResource on
 * arn:<partition>:glue:<region>:<account>:database/<name>). Archive = parameter + tag markers.
 * Failure semantics are those of the Provider contract in src/engine/ports.ts.
 */
import {
  CreateDatabaseCommand,
  type Database,
  type DatabaseInput,
  DeleteDatabaseCommand,
  GetDatabaseCommand,
  GetTablesCommand,
  GetTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDatabaseCommand,
} from "@aws-sdk/client-glue";
import { type DesiredResource, MARKER_KEYS, type Ownership } from "../../core/resources.js";
import type { FieldChange, Provider, ProviderContext, RemoteObject } from "../../engine/ports.js";
import { serviceOf } from "../../types/registry.js";
import type { AwsClients } from "./aws-clients.js";
import {
  type AwsCallContext,
  awsRefusal,
  hasAwsCode,
  runSettingSteps,
  toProviderError,
} from "./aws-errors.js";
import {
  archiveMarkers,
  isMarkerKey,
  isOurs,
  ownershipMarkers,
  sameMap,
  sendOnce,
  splitMarkers,
  stringMap,
} from "./aws-markers.js";
import { type InventoryOptions, listGlueDatabases } from "./inventory.js";

/** What `read` puts into RemoteObject.properties. */
export interface LiveDatabaseProps {
  region: string;
  description?: string;
  /** User parameters (dpn markers excluded). */
  parameters: Record<string, string>;
  location_uri?: string;
}

function onlyMarkers(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => isMarkerKey(k)));
}

/** Glue database provider. Construct through createAwsProviders. */
export class GlueDatabaseProvider implements Provider<"aws_glue_database"> {
  readonly type = "aws_glue_database" as const;
  readonly service = serviceOf("aws_glue_database");

  constructor(private readonly clients: AwsClients) {}

  private ctxOf(operation: string, name: string, mutating = false): AwsCallContext {
    return {
      service: "glue",
      operation,
      resource: `Glue database ${name}`,
      mutating,
      profile: this.clients.profile,
      env: this.clients.env,
    };
  }

  private async call<T>(op: string, name: string, mutating: boolean, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toProviderError(e, this.ctxOf(op, name, mutating));
    }
  }

  /** ARN for tagging; needs the account id (STS, cached). */
  async arn(region: string, name: string): Promise<string> {
    const id = await this.clients.callerIdentity(region);
    return `arn:${id.partition}:glue:${region}:${id.account}:database/${name}`;
  }

  private async getDatabase(region: string, name: string): Promise<Database | null> {
    try {
      const out = await this.clients.glue(region).send(new GetDatabaseCommand({ Name: name }));
      return out.Database ?? null;
    } catch (e) {
      if (hasAwsCode(e, "EntityNotFoundException")) return null;
      throw toProviderError(e, this.ctxOf("GetDatabase", name));
    }
  }

  private async getTags(region: string, name: string): Promise<Record<string, string>> {
    const arn = await this.arn(region, name);
    try {
      const out = await this.clients.glue(region).send(new GetTagsCommand({ ResourceArn: arn }));
      return stringMap(out.Tags);
    } catch (e) {
      if (hasAwsCode(e, "EntityNotFoundException")) return {};
      throw toProviderError(e, this.ctxOf("GetTags", name));
    }
  }

  /**
   * Read a database and its tags. `bulk`: take the database from the run's GetDatabases listing
   * when that is complete (glue-listings.ts), else one GetDatabase. Internal reads after our own
   * writes pass `bulk` false (a write drops the listings anyway).
   */
  private async readIn(region: string, name: string, bulk = false): Promise<RemoteObject | null> {
    const listing = bulk ? await this.clients.glueListings.databasesIn(region) : "unknown";
    const db = listing instanceof Map ? (listing.get(name) ?? null) : await this.getDatabase(region, name);
    if (!db) return null;
    this.clients.rememberRegion(`glue:${name}`, region);
    return this.toRemote(region, name, db, await this.getTags(region, name));
  }

  /** The RemoteObject of a database (read, or the input of our own create) and its tags. */
  private toRemote(
    region: string,
    name: string,
    db: Database | DatabaseInput,
    tags: Record<string, string>,
  ): RemoteObject {
    const params = stringMap(db.Parameters);
    const fromParams = splitMarkers(params);
    const fromTags = splitMarkers(tags);
    const props: LiveDatabaseProps = {
      region,
      ...(db.Description ? { description: db.Description } : {}),
      parameters: fromParams.user,
      ...(db.LocationUri ? { location_uri: db.LocationUri } : {}),
    };
    return {
      type: this.type,
      remoteId: name,
      name,
      fullName: name,
      properties: props as unknown as Record<string, unknown>,
      tags: fromTags.user,
      // Parameters are authoritative (they travel with the database); tags are the fallback.
      ownership: fromParams.ownership ?? fromTags.ownership,
      archived: fromParams.archived || fromTags.archived,
    };
  }

  lookup(desired: DesiredResource<"aws_glue_database">): Promise<RemoteObject | null> {
    return this.readIn(desired.properties.region, desired.name.toLowerCase(), true);
  }

  /** Read by name in the region remembered for it (else the default region). */
  read(remoteId: string): Promise<RemoteObject | null> {
    return this.readIn(this.clients.regionFor(`glue:${remoteId}`), remoteId, true);
  }

  /** The inventory (inventory.ts): GetDatabases pages, GetTags per database, converted as read() does. */
  list(_ctx: ProviderContext, opts?: InventoryOptions): Promise<RemoteObject[]> {
    return listGlueDatabases(this.clients, (r, n, db, tags) => this.toRemote(r, n, db, tags), opts);
  }

  private async mustRead(region: string, name: string): Promise<RemoteObject> {
    const o = await this.readIn(region, name);
    if (!o) {
      throw awsRefusal(
        "not_found",
        "GLUE_DATABASE_VANISHED",
        `Glue database ${name} disappeared while dpn was working on it.`,
        "Someone deleted it concurrently; run the command again.",
        { database: name, region },
        "unknown",
      );
    }
    return o;
  }

  /**
   * One CreateDatabase call carrying description, parameters and tags (both with ownership
   * markers), so there is no half-created state. An existing database is adopted only when its
   * markers name this stack and address; otherwise `conflict` and nothing is touched.
   */
  async create(desired: DesiredResource<"aws_glue_database">, ctx: ProviderContext): Promise<RemoteObject> {
    const p = desired.properties;
    const region = p.region;
    const name = desired.name.toLowerCase();
    const own: Ownership = { stackId: ctx.stackId, address: desired.address };
    const markers = ownershipMarkers(own);
    const input: DatabaseInput = {
      Name: name,
      ...(p.description ? { Description: p.description } : {}),
      Parameters: { ...p.parameters, ...markers },
    };
    const tags = { ...desired.tags, ...markers };
    try {
      await sendOnce(
        () =>
          this.clients
            .glue(region, true)
            .send(new CreateDatabaseCommand({ DatabaseInput: input, Tags: tags })),
        this.clients.maxAttempts,
        ctx.signal,
      );
    } catch (e) {
      if (!hasAwsCode(e, "AlreadyExistsException"))
        throw toProviderError(e, this.ctxOf("CreateDatabase", name, true));
      const live = await this.mustRead(region, name);
      const all = { ...(live.ownership ? ownershipMarkers(live.ownership) : {}) };
      if (!isOurs(all, own)) {
        const whose = live.ownership
          ? `dpn stack ${live.ownership.stackId}, address ${live.ownership.address}`
          : "no dpn ownership markers";
        throw awsRefusal(
          "conflict",
          "GLUE_DATABASE_EXISTS_NOT_OURS",
          `Glue database ${name} already exists in ${region} and is not this resource's (${whose}).`,
          "dpn only adopts databases marked with its own stack and address. Import it explicitly, or choose another name.",
          { database: name, region },
        );
      }
      return this.update(desired, live, ctx);
    }
    // The create's own input is the new state: no read-back.
    this.clients.rememberRegion(`glue:${name}`, region);
    return this.toRemote(region, name, input, tags);
  }

  diff(desired: DesiredResource<"aws_glue_database">, live: RemoteObject): FieldChange[] {
    const p = desired.properties;
    const l = live.properties as unknown as LiveDatabaseProps;
    const out: FieldChange[] = [];
    if (p.region !== l.region) out.push({ field: "region", before: l.region, after: p.region });
    if ((p.description ?? "") !== (l.description ?? ""))
      out.push({ field: "description", before: l.description ?? null, after: p.description ?? null });
    if (!sameMap(p.parameters, l.parameters))
      out.push({ field: "parameters", before: l.parameters, after: p.parameters });
    if (!sameMap(desired.tags, live.tags))
      out.push({ field: "tags", before: live.tags, after: desired.tags });
    return out;
  }

  /** Read-modify-write of the full DatabaseInput (Glue updates replace it), keeping other fields. */
  private async putDatabase(
    region: string,
    name: string,
    change: (input: DatabaseInput) => DatabaseInput,
  ): Promise<void> {
    const db = await this.getDatabase(region, name);
    if (!db) {
      throw awsRefusal(
        "not_found",
        "GLUE_DATABASE_NOT_FOUND",
        `Glue database ${name} does not exist in ${region}.`,
        "`dpn status` shows what state and the cloud disagree on; `dpn create --blueprint <file>` re-creates it.",
        { database: name, region },
      );
    }
    const input: DatabaseInput = {
      Name: name,
      ...(db.Description !== undefined ? { Description: db.Description } : {}),
      ...(db.LocationUri !== undefined ? { LocationUri: db.LocationUri } : {}),
      ...(db.Parameters !== undefined ? { Parameters: db.Parameters } : {}),
      ...(db.CreateTableDefaultPermissions !== undefined
        ? { CreateTableDefaultPermissions: db.CreateTableDefaultPermissions }
        : {}),
      ...(db.TargetDatabase !== undefined ? { TargetDatabase: db.TargetDatabase } : {}),
      ...(db.FederatedDatabase !== undefined ? { FederatedDatabase: db.FederatedDatabase } : {}),
    };
    await this.call("UpdateDatabase", name, true, () =>
      this.clients.glue(region).send(new UpdateDatabaseCommand({ Name: name, DatabaseInput: change(input) })),
    );
  }

  /** Make the tag set equal `target` (adds/changes, then removals). */
  private async setTags(region: string, name: string, target: Record<string, string>): Promise<void> {
    const current = await this.getTags(region, name);
    const arn = await this.arn(region, name);
    const toAdd = Object.fromEntries(Object.entries(target).filter(([k, v]) => current[k] !== v));
    const toRemove = Object.keys(current).filter((k) => !Object.hasOwn(target, k));
    const glue = this.clients.glue(region);
    if (Object.keys(toAdd).length)
      await this.call("TagResource", name, true, () =>
        glue.send(new TagResourceCommand({ ResourceArn: arn, TagsToAdd: toAdd })),
      );
    if (toRemove.length)
      await this.call("UntagResource", name, true, () =>
        glue.send(new UntagResourceCommand({ ResourceArn: arn, TagsToRemove: toRemove })),
      );
  }

  private runSteps(name: string, steps: (() => Promise<void>)[]): Promise<void> {
    return runSettingSteps(steps, (e) => toProviderError(e, this.ctxOf("update", name, true)), "database");
  }

  /** Apply description/parameters (one UpdateDatabase) and tags; region changes are refused. */
  async update(
    desired: DesiredResource<"aws_glue_database">,
    live: RemoteObject,
    ctx: ProviderContext,
  ): Promise<RemoteObject> {
    const name = live.remoteId;
    const l = live.properties as unknown as LiveDatabaseProps;
    const fields = new Set(this.diff(desired, live).map((c) => c.field));
    if (fields.has("region")) {
      throw awsRefusal(
        "invalid_input",
        "GLUE_REGION_IMMUTABLE",
        `Glue database ${name} is in ${l.region}; it cannot move to ${desired.properties.region}.`,
        "Keep the region in the blueprint, or create a new database.",
        { database: name },
      );
    }
    const own = live.ownership ?? { stackId: ctx.stackId, address: desired.address };
    const steps: (() => Promise<void>)[] = [];
    if (fields.has("description") || fields.has("parameters") || !live.ownership) {
      steps.push(() =>
        this.putDatabase(l.region, name, (input) => {
          const { Description: _d, ...rest } = input;
          return {
            ...rest,
            ...(desired.properties.description ? { Description: desired.properties.description } : {}),
            Parameters: {
              ...desired.properties.parameters,
              ...onlyMarkers(stringMap(input.Parameters)),
              ...ownershipMarkers(own),
            },
          };
        }),
      );
    }
    if (fields.has("tags") || !live.ownership) {
      steps.push(async () => {
        const current = await this.getTags(l.region, name);
        await this.setTags(l.region, name, {
          ...desired.tags,
          ...onlyMarkers(current),
          ...ownershipMarkers(own),
        });
      });
    }
    await this.runSteps(name, steps);
    return this.mustRead(l.region, name);
  }

  /** Put back description, parameters, tags, ownership and archive state of `snapshot`. */
  async revert(snapshot: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    const s = snapshot.properties as unknown as LiveDatabaseProps;
    const name = snapshot.remoteId;
    const live = await this.readIn(s.region, name);
    if (!live) {
      throw awsRefusal(
        "not_found",
        "GLUE_DATABASE_NOT_FOUND",
        `Glue database ${name} no longer exists; its settings cannot be restored.`,
        "Run `dpn create --blueprint <file>` to re-create it.",
        { database: name },
      );
    }
    const own = snapshot.ownership ? ownershipMarkers(snapshot.ownership) : {};
    const keepArchive = (m: Record<string, string>) =>
      snapshot.archived
        ? stringMap({
            [MARKER_KEYS.archivedAt]: m[MARKER_KEYS.archivedAt],
            [MARKER_KEYS.archivedBy]: m[MARKER_KEYS.archivedBy],
          })
        : {};
    await this.runSteps(name, [
      () =>
        this.putDatabase(s.region, name, (input) => {
          const { Description: _d, ...rest } = input;
          return {
            ...rest,
            ...(s.description ? { Description: s.description } : {}),
            Parameters: { ...s.parameters, ...own, ...keepArchive(stringMap(input.Parameters)) },
          };
        }),
      async () => {
        const current = await this.getTags(s.region, name);
        await this.setTags(s.region, name, { ...snapshot.tags, ...own, ...keepArchive(current) });
      },
    ]);
    const after = await this.mustRead(s.region, name);
    if (snapshot.archived && !after.archived) return this.archive(after, ctx);
    return after;
  }

  /**
   * Refuse (`conflict`, GLUE_DATABASE_NOT_EMPTY) while the database holds tables, unless `force`
   * (Glue then drops the tables with it). Deleting a missing database succeeds.
   */
  async delete(
    remote: RemoteObject,
    _ctx: ProviderContext,
    options: { force?: boolean } = {},
  ): Promise<void> {
    const name = remote.remoteId;
    const region = (remote.properties.region as string | undefined) ?? this.clients.regionFor(`glue:${name}`);
    const glue = this.clients.glue(region);
    if (!options.force) {
      let tables: string[] = [];
      try {
        const out = await glue.send(new GetTablesCommand({ DatabaseName: name, MaxResults: 10 }));
        tables = (out.TableList ?? []).map((t) => t.Name ?? "?");
      } catch (e) {
        if (hasAwsCode(e, "EntityNotFoundException")) return;
        throw toProviderError(e, this.ctxOf("GetTables", name));
      }
      if (tables.length > 0) {
        throw awsRefusal(
          "conflict",
          "GLUE_DATABASE_NOT_EMPTY",
          `Glue database ${name} still holds tables (${tables.join(", ")}${tables.length >= 10 ? ", …" : ""}).`,
          "Delete or archive its tables first, or delete with the force option (Glue then drops every table of the database).",
          { database: name, region, tables },
        );
      }
    }
    try {
      await glue.send(new DeleteDatabaseCommand({ Name: name }));
    } catch (e) {
      if (hasAwsCode(e, "EntityNotFoundException")) return;
      throw toProviderError(e, this.ctxOf("DeleteDatabase", name, true));
    }
  }

  /** Archive markers (time, actor) as parameters and tags; the catalog entry stays usable. Idempotent. */
  async archive(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.setArchive(remote, archiveMarkers(ctx.actor));
  }

  /** Remove exactly the archive markers. Idempotent. */
  async restore(remote: RemoteObject, _ctx: ProviderContext): Promise<RemoteObject> {
    return this.setArchive(remote, null);
  }

  private async setArchive(
    remote: RemoteObject,
    markers: Record<string, string> | null,
  ): Promise<RemoteObject> {
    const name = remote.remoteId;
    const region = (remote.properties.region as string | undefined) ?? this.clients.regionFor(`glue:${name}`);
    const apply = (m: Record<string, string>): Record<string, string> => {
      const out = { ...m };
      if (markers === null) {
        delete out[MARKER_KEYS.archivedAt];
        delete out[MARKER_KEYS.archivedBy];
        return out;
      }
      // Keep the first archive time when archiving twice.
      return out[MARKER_KEYS.archivedAt] !== undefined ? out : { ...out, ...markers };
    };
    await this.runSteps(name, [
      () =>
        this.putDatabase(region, name, (input) => ({
          ...input,
          Parameters: apply(stringMap(input.Parameters)),
        })),
      async () => this.setTags(region, name, apply(await this.getTags(region, name))),
    ]);
    return this.mustRead(region, name);
  }

  /** Stamp ownership markers (parameters and tags) on an existing database. */
  async adopt(remote: RemoteObject, ownership: Ownership, _ctx: ProviderContext): Promise<RemoteObject> {
    const name = remote.remoteId;
    const region = (remote.properties.region as string | undefined) ?? this.clients.regionFor(`glue:${name}`);
    const markers = ownershipMarkers(ownership);
    await this.runSteps(name, [
      () =>
        this.putDatabase(region, name, (input) => ({
          ...input,
          Parameters: { ...stringMap(input.Parameters), ...markers },
        })),
      async () => this.setTags(region, name, { ...(await this.getTags(region, name)), ...markers }),
    ]);
    return this.mustRead(region, name);
  }
}
