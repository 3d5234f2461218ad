/**
 * Provider for `aws_glue_table`: external tables with a full StorageDescriptor (columns,
 * partition keys, location, Hive formats and SerDe by format). Glue tables take no tags, so
 * ownership and archive markers, dpn's table type and user tags live in the table Parameters.
 * Failure semantics are those of the Provider contract in src/engine/ports.ts.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  GetTableCommand,
  type Column as GlueColumn,
  type Table,
  type TableInput,
  UpdateTableCommand,
} from "@aws-sdk/client-glue";
import type { Column, DesiredResource, Ownership } from "../../core/resources.js";
import { MARKER_KEYS } from "../../core/resources.js";
import type { FieldChange, Provider, ProviderContext, RemoteObject } from "../../engine/ports.js";
import { serviceOf } from "../../types/registry.js";
import type { AwsClients } from "./aws-clients.js";
import { type AwsCallContext, awsRefusal, hasAwsCode, toProviderError } from "./aws-errors.js";
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
import { detectFormat, FORMAT_PARAMETER_KEYS, FORMATS, type GlueFormat } from "./glue-formats.js";
import { type InventoryOptions, listGlueTables } from "./inventory.js";

/** Parameter holding dpn's logical table type (fact, dim, …); Glue's TableType stays EXTERNAL_TABLE. */
export const TABLE_TYPE_PARAM = "dpn_table_type";
/** Prefix of parameters that carry the resource's tags (Glue tables are not taggable). */
export const TAG_PARAM_PREFIX = "dpn_tag.";
/** Glue's own table types; any other table_type value is dpn's logical type. */
const GLUE_TABLE_TYPES = new Set(["EXTERNAL_TABLE", "MANAGED_TABLE", "VIRTUAL_VIEW", "GOVERNED"]);

/** What `read` puts into RemoteObject.properties. */
export interface LiveTableProps {
  region: string;
  database: string;
  columns: Column[];
  partition_keys: Column[];
  table_type: string;
  /** null when the table's SerDe/classification is none of parquet, delta, json, csv. */
  format: GlueFormat | null;
  location?: string;
  description?: string;
  /** Glue's TableType (EXTERNAL_TABLE for tables dpn creates). */
  glue_table_type?: string;
}

function splitId(remoteId: string): { database: string; table: string } {
  const i = remoteId.indexOf(".");
  return i < 0
    ? { database: "", table: remoteId }
    : { database: remoteId.slice(0, i), table: remoteId.slice(i + 1) };
}

function toGlueColumns(cols: Column[]): GlueColumn[] {
  return cols.map((c) => ({ Name: c.name, Type: c.type, ...(c.comment ? { Comment: c.comment } : {}) }));
}

function fromGlueColumns(cols: GlueColumn[] | undefined): Column[] {
  return (cols ?? []).map((c) => ({
    name: c.Name ?? "",
    type: c.Type ?? "",
    ...(c.Comment ? { comment: c.Comment } : {}),
  }));
}

/** The TableInput fields of an existing table (for read-modify-write; Glue updates replace it). */
function inputOf(t: Table): TableInput {
  const keys = [
    "Description",
    "Owner",
    "LastAccessTime",
    "LastAnalyzedTime",
    "Retention",
    "StorageDescriptor",
    "PartitionKeys",
    "ViewOriginalText",
    "ViewExpandedText",
    "TableType",
    "Parameters",
    "TargetTable",
  ] as const;
  const input: TableInput = { Name: t.Name ?? "" };
  for (const k of keys) if (t[k] !== undefined) (input as unknown as Record<string, unknown>)[k] = t[k];
  return input;
}

function tagParams(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${TAG_PARAM_PREFIX}${k}`, v]));
}

/** Parameters dpn does not manage (kept as they are across updates). */
function foreignParams(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).filter(
      ([k]) =>
        !isMarkerKey(k) &&
        !k.startsWith(TAG_PARAM_PREFIX) &&
        k !== TABLE_TYPE_PARAM &&
        !FORMAT_PARAMETER_KEYS.has(k),
    ),
  );
}

/** Glue table provider. Construct through createAwsProviders. */
export class GlueTableProvider implements Provider<"aws_glue_table"> {
  readonly type = "aws_glue_table" as const;
  readonly service = serviceOf("aws_glue_table");

  constructor(private readonly clients: AwsClients) {}

  private ctxOf(operation: string, id: string, mutating = false): AwsCallContext {
    return {
      service: "glue",
      operation,
      resource: `Glue table ${id}`,
      mutating,
      profile: this.clients.profile,
      env: this.clients.env,
    };
  }

  private async getTable(region: string, database: string, table: string): Promise<Table | null> {
    try {
      const out = await this.clients
        .glue(region)
        .send(new GetTableCommand({ DatabaseName: database, Name: table }));
      return out.Table ?? null;
    } catch (e) {
      if (hasAwsCode(e, "EntityNotFoundException")) return null;
      throw toProviderError(e, this.ctxOf("GetTable", `${database}.${table}`));
    }
  }

  private toRemote(region: string, database: string, t: Table | TableInput): RemoteObject {
    const name = t.Name ?? "";
    const params = stringMap(t.Parameters);
    const m = splitMarkers(params);
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(params))
      if (k.startsWith(TAG_PARAM_PREFIX)) tags[k.slice(TAG_PARAM_PREFIX.length)] = v;
    const sd = t.StorageDescriptor;
    const props: LiveTableProps = {
      region,
      database,
      columns: fromGlueColumns(sd?.Columns),
      partition_keys: fromGlueColumns(t.PartitionKeys),
      table_type: params[TABLE_TYPE_PARAM] ?? t.TableType ?? "",
      format: detectFormat(params, sd?.SerdeInfo?.SerializationLibrary),
      ...(sd?.Location ? { location: sd.Location } : {}),
      ...(t.Description ? { description: t.Description } : {}),
      ...(t.TableType ? { glue_table_type: t.TableType } : {}),
    };
    return {
      type: this.type,
      remoteId: `${database}.${name}`,
      name,
      fullName: `${database}.${name}`,
      properties: props as unknown as Record<string, unknown>,
      tags,
      ownership: m.ownership,
      archived: m.archived,
    };
  }

  /**
   * Read one table. `bulk`: take it from the run's GetTables listing of its database when that is
   * complete, or know it absent when the database is (glue-listings.ts); else one GetTable.
   */
  private async readIn(
    region: string,
    database: string,
    table: string,
    bulk = false,
  ): Promise<RemoteObject | null> {
    const listing = bulk ? await this.clients.glueListings.tablesIn(region, database) : "unknown";
    const t =
      listing === "absent"
        ? null
        : listing instanceof Map
          ? (listing.get(table) ?? null)
          : await this.getTable(region, database, table);
    if (!t) return null;
    this.clients.rememberRegion(`glue-table:${database}.${table}`, region);
    return this.toRemote(region, database, t);
  }

  lookup(desired: DesiredResource<"aws_glue_table">): Promise<RemoteObject | null> {
    return this.readIn(
      desired.properties.region,
      desired.properties.database.toLowerCase(),
      desired.name.toLowerCase(),
      true,
    );
  }

  /** Read `database.table` in the region remembered for it (else the default region). */
  read(remoteId: string): Promise<RemoteObject | null> {
    const { database, table } = splitId(remoteId);
    return this.readIn(this.clients.regionFor(`glue-table:${remoteId}`), database, table, true);
  }

  /** The inventory (inventory.ts): GetTables pages per database, converted as read() does. */
  list(_ctx: ProviderContext, opts?: InventoryOptions): Promise<RemoteObject[]> {
    return listGlueTables(this.clients, (r, d, t) => this.toRemote(r, d, t), opts);
  }

  private async mustRead(region: string, database: string, table: string): Promise<RemoteObject> {
    const o = await this.readIn(region, database, table);
    if (!o) {
      throw awsRefusal(
        "not_found",
        "GLUE_TABLE_VANISHED",
        `Glue table ${database}.${table} disappeared while dpn was working on it.`,
        "Someone deleted it concurrently; run the command again.",
        { database, table, region },
        "unknown",
      );
    }
    return o;
  }

  /**
   * The full TableInput for a set of properties. `keep` holds the parameters/formats of an existing
   * table that dpn does not manage; `extra` the markers and tag parameters.
   */
  private buildInput(
    name: string,
    p: Omit<LiveTableProps, "region" | "database" | "format"> & { format: GlueFormat | null },
    extra: Record<string, string>,
    keep?: Table,
  ): TableInput {
    const glueType = GLUE_TABLE_TYPES.has(p.table_type) ? p.table_type : "EXTERNAL_TABLE";
    const spec = p.format ? FORMATS[p.format] : null;
    const oldSd = keep?.StorageDescriptor;
    const oldParams = stringMap(keep?.Parameters);
    const formatParams = spec
      ? spec.tableParameters
      : Object.fromEntries(Object.entries(oldParams).filter(([k]) => FORMAT_PARAMETER_KEYS.has(k)));
    return {
      Name: name,
      ...(p.description ? { Description: p.description } : {}),
      ...(keep?.Owner ? { Owner: keep.Owner } : {}),
      ...(keep?.Retention !== undefined ? { Retention: keep.Retention } : {}),
      TableType: glueType,
      PartitionKeys: toGlueColumns(p.partition_keys),
      Parameters: {
        ...foreignParams(oldParams),
        ...(glueType === "EXTERNAL_TABLE" ? { EXTERNAL: "TRUE" } : {}),
        ...formatParams,
        ...(GLUE_TABLE_TYPES.has(p.table_type) ? {} : { [TABLE_TYPE_PARAM]: p.table_type }),
        ...extra,
      },
      StorageDescriptor: {
        ...(oldSd ?? {}),
        Columns: toGlueColumns(p.columns),
        ...(p.location ? { Location: p.location } : {}),
        InputFormat: spec?.inputFormat ?? oldSd?.InputFormat,
        OutputFormat: spec?.outputFormat ?? oldSd?.OutputFormat,
        SerdeInfo: spec
          ? { SerializationLibrary: spec.serializationLibrary, Parameters: { ...spec.serdeParameters } }
          : oldSd?.SerdeInfo,
        Compressed: oldSd?.Compressed ?? false,
        StoredAsSubDirectories: oldSd?.StoredAsSubDirectories ?? false,
      },
    };
  }

  /**
   * One CreateTable call with columns, partition keys, location, formats and Parameters
   * (classification, dpn table type, tags, ownership markers). A missing database → `not_found`;
   * an existing table is adopted only with our markers, otherwise `conflict`.
   */
  async create(desired: DesiredResource<"aws_glue_table">, ctx: ProviderContext): Promise<RemoteObject> {
    const p = desired.properties;
    const region = p.region;
    const database = p.database.toLowerCase();
    const name = desired.name.toLowerCase();
    const id = `${database}.${name}`;
    const own: Ownership = { stackId: ctx.stackId, address: desired.address };
    const input = this.buildInput(name, p, { ...tagParams(desired.tags), ...ownershipMarkers(own) });
    try {
      await sendOnce(
        () =>
          this.clients
            .glue(region, true)
            .send(new CreateTableCommand({ DatabaseName: database, TableInput: input })),
        this.clients.maxAttempts,
        ctx.signal,
      );
    } catch (e) {
      if (hasAwsCode(e, "EntityNotFoundException")) {
        throw awsRefusal(
          "not_found",
          "GLUE_DATABASE_NOT_FOUND",
          `Glue database ${database} does not exist in ${region}, so table ${name} cannot be created in it.`,
          "Create the database first (declare it in the blueprint's glue_databases).",
          { database, table: name, region },
        );
      }
      if (!hasAwsCode(e, "AlreadyExistsException"))
        throw toProviderError(e, this.ctxOf("CreateTable", id, true));
      const live = await this.mustRead(region, database, name);
      if (!live.ownership || !isOurs(ownershipMarkers(live.ownership), own)) {
        const whose = live.ownership
          ? `dpn stack ${live.ownership.stackId}, address ${live.ownership.address}`
          : "no dpn ownership markers";
        throw awsRefusal(
          "conflict",
          "GLUE_TABLE_EXISTS_NOT_OURS",
          `Glue table ${id} already exists in ${region} and is not this resource's (${whose}).`,
          "dpn only adopts tables marked with its own stack and address. Import it explicitly, or choose another name.",
          { database, table: name, region },
        );
      }
      return this.update(desired, live, ctx);
    }
    // The create's own input is the new state: no read-back (CreateTable answers nothing more).
    this.clients.rememberRegion(`glue-table:${id}`, region);
    return this.toRemote(region, database, input);
  }

  diff(desired: DesiredResource<"aws_glue_table">, live: RemoteObject): FieldChange[] {
    const p = desired.properties;
    const l = live.properties as unknown as LiveTableProps;
    const out: FieldChange[] = [];
    const cmp = (field: string, before: unknown, after: unknown) => {
      if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ field, before, after });
    };
    cmp("region", l.region, p.region);
    cmp("database", l.database, p.database.toLowerCase());
    cmp(
      "columns",
      l.columns,
      p.columns.map((c) => ({ name: c.name, type: c.type, ...(c.comment ? { comment: c.comment } : {}) })),
    );
    cmp(
      "partition_keys",
      l.partition_keys,
      p.partition_keys.map((c) => ({
        name: c.name,
        type: c.type,
        ...(c.comment ? { comment: c.comment } : {}),
      })),
    );
    cmp("table_type", l.table_type, p.table_type);
    cmp("format", l.format, p.format);
    cmp("location", l.location ?? null, p.location ?? null);
    cmp("description", l.description ?? null, p.description ?? null);
    if (!sameMap(desired.tags, live.tags))
      out.push({ field: "tags", before: live.tags, after: desired.tags });
    return out;
  }

  /** One UpdateTable; a new table version is kept only when the schema/storage changes. */
  private async putTable(
    region: string,
    database: string,
    name: string,
    input: TableInput,
    skipArchive: boolean,
  ): Promise<void> {
    try {
      await this.clients
        .glue(region)
        .send(
          new UpdateTableCommand({ DatabaseName: database, TableInput: input, SkipArchive: skipArchive }),
        );
    } catch (e) {
      throw toProviderError(e, this.ctxOf("UpdateTable", `${database}.${name}`, true));
    }
  }

  private async current(region: string, database: string, name: string): Promise<Table> {
    const t = await this.getTable(region, database, name);
    if (!t) {
      throw awsRefusal(
        "not_found",
        "GLUE_TABLE_NOT_FOUND",
        `Glue table ${database}.${name} does not exist in ${region}.`,
        "`dpn status` shows what state and the cloud disagree on; `dpn create --blueprint <file>` re-creates it.",
        { database, table: name, region },
      );
    }
    return t;
  }

  /** Apply the diff in one UpdateTable (all or nothing). Moving to another region/database is refused. */
  async update(
    desired: DesiredResource<"aws_glue_table">,
    live: RemoteObject,
    ctx: ProviderContext,
  ): Promise<RemoteObject> {
    const l = live.properties as unknown as LiveTableProps;
    const changes = new Set(this.diff(desired, live).map((c) => c.field));
    if (changes.has("region") || changes.has("database")) {
      throw awsRefusal(
        "invalid_input",
        "GLUE_TABLE_IMMUTABLE_LOCATION",
        `Glue table ${live.remoteId} cannot move to ${desired.properties.region}/${desired.properties.database}.`,
        "Glue has no table move or rename; create a new table instead.",
        { table: live.remoteId },
      );
    }
    if (changes.size === 0 && live.ownership) return live;
    const t = await this.current(l.region, l.database, live.name);
    const params = stringMap(t.Parameters);
    const own = live.ownership ?? { stackId: ctx.stackId, address: desired.address };
    const archive = Object.fromEntries(
      Object.entries(params).filter(([k]) => k === MARKER_KEYS.archivedAt || k === MARKER_KEYS.archivedBy),
    );
    const input = this.buildInput(
      live.name,
      desired.properties,
      { ...tagParams(desired.tags), ...archive, ...ownershipMarkers(own) },
      t,
    );
    const schemaChange = ["columns", "partition_keys", "format", "location"].some((f) => changes.has(f));
    await this.putTable(l.region, l.database, live.name, input, !schemaChange);
    return this.mustRead(l.region, l.database, live.name);
  }

  /** Put back the snapshot's definition, tags, ownership and archive state in one UpdateTable. */
  async revert(snapshot: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    const s = snapshot.properties as unknown as LiveTableProps;
    const t = await this.current(s.region, s.database, snapshot.name);
    const params = stringMap(t.Parameters);
    const archive = snapshot.archived
      ? params[MARKER_KEYS.archivedAt] !== undefined
        ? stringMap({
            [MARKER_KEYS.archivedAt]: params[MARKER_KEYS.archivedAt],
            [MARKER_KEYS.archivedBy]: params[MARKER_KEYS.archivedBy],
          })
        : archiveMarkers(ctx.actor)
      : {};
    const table_type =
      s.glue_table_type && s.table_type === s.glue_table_type ? s.glue_table_type : s.table_type;
    const input = this.buildInput(
      snapshot.name,
      { ...s, table_type },
      {
        ...tagParams(snapshot.tags),
        ...archive,
        ...(snapshot.ownership ? ownershipMarkers(snapshot.ownership) : {}),
      },
      t,
    );
    await this.putTable(s.region, s.database, snapshot.name, input, false);
    return this.mustRead(s.region, s.database, snapshot.name);
  }

  /** Drop the table definition (data in S3 is not touched). A missing table or database counts as deleted. */
  async delete(remote: RemoteObject, _ctx: ProviderContext): Promise<void> {
    const { database, table } = splitId(remote.remoteId);
    const region =
      (remote.properties.region as string | undefined) ??
      this.clients.regionFor(`glue-table:${remote.remoteId}`);
    try {
      await this.clients.glue(region).send(new DeleteTableCommand({ DatabaseName: database, Name: table }));
    } catch (e) {
      if (hasAwsCode(e, "EntityNotFoundException")) return;
      throw toProviderError(e, this.ctxOf("DeleteTable", remote.remoteId, true));
    }
  }

  private async setParams(
    remote: RemoteObject,
    change: (p: Record<string, string>) => Record<string, string>,
  ): Promise<RemoteObject> {
    const { database, table } = splitId(remote.remoteId);
    const region =
      (remote.properties.region as string | undefined) ??
      this.clients.regionFor(`glue-table:${remote.remoteId}`);
    const t = await this.current(region, database, table);
    const before = stringMap(t.Parameters);
    const after = change(before);
    if (!sameMap(before, after)) {
      // Marker-only changes do not need a new table version.
      await this.putTable(region, database, table, { ...inputOf(t), Parameters: after }, true);
    }
    return this.mustRead(region, database, table);
  }

  /** Archive markers (time, actor) in the table parameters. Idempotent. */
  archive(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.setParams(remote, (p) =>
      p[MARKER_KEYS.archivedAt] !== undefined ? p : { ...p, ...archiveMarkers(ctx.actor) },
    );
  }

  /** Remove exactly the archive markers. Idempotent. */
  restore(remote: RemoteObject, _ctx: ProviderContext): Promise<RemoteObject> {
    return this.setParams(remote, (p) => {
      const out = { ...p };
      delete out[MARKER_KEYS.archivedAt];
      delete out[MARKER_KEYS.archivedBy];
      return out;
    });
  }

  /** Stamp ownership markers into the table parameters. */
  adopt(remote: RemoteObject, ownership: Ownership, _ctx: ProviderContext): Promise<RemoteObject> {
    return this.setParams(remote, (p) => ({ ...p, ...ownershipMarkers(ownership) }));
  }
}
