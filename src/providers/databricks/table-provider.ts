/**
 * `dbx_table`: managed Delta tables. Created and altered with SQL through the Statement
 * Execution API (warehouse from options / DATABRICKS_WAREHOUSE_ID); read and deleted through
 * UC REST `/api/2.1/unity-catalog/tables`. User tags and dpn markers are TBLPROPERTIES.
 * `table_type` is dpn's logical table type (fact, dim, …, as in the blueprint), kept in the
 * `dpn_table_type` TBLPROPERTY like Glue's table parameter; the UC table is always MANAGED.
 * Column and partition changes are not made in place (DBX_REPLACE_REQUIRED). Renamed (`dpn
 * migrate`) with ALTER TABLE … RENAME TO.
 */
import { ProviderError } from "../../core/errors.js";
import type { Column, DesiredResource, Ownership } from "../../core/resources.js";
import type { FieldChange, Provider, ProviderContext, RemoteObject } from "../../engine/ports.js";
import { serviceOf } from "../../types/registry.js";
import { type InventoryOptions, listTables } from "./inventory.js";
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
import {
  buildCommentOnTable,
  buildCreateTable,
  buildRenameTable,
  buildSetProperties,
  buildUnsetProperties,
  canonicalSparkType,
} from "./sql-ddl.js";
import { executeStatement } from "./statements.js";
import { assertUcTags } from "./uc-namespace-provider.js";

export interface TableWire {
  name: string;
  catalog_name: string;
  schema_name: string;
  full_name: string;
  table_type?: string;
  comment?: string;
  properties?: Record<string, string>;
  created_at?: number;
  created_by?: string;
  columns?: {
    name: string;
    type_text?: string;
    comment?: string;
    position?: number;
    partition_index?: number;
  }[];
}

const PLATFORM_PROPERTY = /^(delta\.|unity\.catalog\.|spark\.|option\.|clustering)/;

/**
 * Table property keys Spark reserves for their own clauses (Apache Spark CatalogV2Util
 * TABLE_RESERVED_PROPERTIES; `TBLPROPERTIES ('owner' = …)` fails UNSUPPORTED_FEATURE.SET_TABLE_PROPERTY).
 * Tags are TBLPROPERTIES here, so such a tag is refused before any SQL is sent. Exact keys, as
 * Spark's parser matches them (`Owner` is fine).
 */
const RESERVED_TABLE_PROPERTIES = new Set([
  "comment",
  "location",
  "provider",
  "owner",
  "external",
  "is_managed_location",
]);

function assertTableTags(tags: Record<string, string>, what: string): void {
  assertUcTags(tags, what);
  for (const k of Object.keys(tags)) {
    if (RESERVED_TABLE_PROPERTIES.has(k)) {
      throw new ProviderError(
        "invalid_input",
        "DBX_TAG_INVALID",
        `${what}: tag key "${k}" is a reserved table property`,
        {
          hint: `Databricks reserves ${[...RESERVED_TABLE_PROPERTIES].join(", ")} as table property keys; use another key (e.g. "${k}_team").`,
          details: { key: k },
        },
      );
    }
  }
}

/** TBLPROPERTY holding dpn's logical table type (fact, dim, …); the UC table type stays MANAGED. */
export const TABLE_TYPE_PROPERTY = "dpn_table_type";
/** Unity Catalog's own table types; any other `table_type` value is dpn's logical type. */
const UC_TABLE_TYPES = new Set([
  "MANAGED",
  "EXTERNAL",
  "VIEW",
  "MATERIALIZED_VIEW",
  "STREAMING_TABLE",
  "FOREIGN",
]);

function isUcTableType(t: string): boolean {
  return UC_TABLE_TYPES.has(t.toUpperCase());
}

/** The TBLPROPERTY for a desired `table_type`: none for MANAGED (the UC default), else the logical type. */
function tableTypeProperty(tableType: string): Record<string, string> {
  return isUcTableType(tableType) ? {} : { [TABLE_TYPE_PROPERTY]: tableType };
}

/** `table_type` in comparable form: UC types upper-cased, logical types as written. */
function comparableTableType(t: string): string {
  return isUcTableType(t) ? t.toUpperCase() : t;
}

function toRemote(w: TableWire): RemoteObject {
  const m = readMarkers(w.properties);
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.rest))
    if (!PLATFORM_PROPERTY.test(k) && k !== TABLE_TYPE_PROPERTY) tags[k] = v;
  const logicalType = w.properties?.[TABLE_TYPE_PROPERTY];
  const cols = [...(w.columns ?? [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const partitions = cols
    .filter((c) => c.partition_index !== undefined && c.partition_index !== null)
    .sort((a, b) => (a.partition_index ?? 0) - (b.partition_index ?? 0))
    .map((c) => c.name);
  return {
    type: "dbx_table",
    remoteId: w.full_name,
    name: w.name,
    fullName: w.full_name,
    properties: {
      catalog_name: w.catalog_name,
      schema_name: w.schema_name,
      columns: cols.map((c) => ({
        name: c.name,
        type: c.type_text ?? "",
        ...(c.comment ? { comment: c.comment } : {}),
      })),
      ...(w.comment ? { comment: w.comment } : {}),
      ...(partitions.length ? { partition_by: partitions } : {}),
      table_type: logicalType ?? w.table_type ?? "MANAGED",
    },
    tags,
    ownership: m.ownership,
    archived: m.archived,
    ...withProvenance(provenanceOf(w.created_at, w.created_by)),
  };
}

function parts(fullName: string): [string, string, string] {
  // UC names cannot contain '.', so the split is unambiguous.
  const p = fullName.split(".");
  if (p.length !== 3)
    throw new ProviderError(
      "invalid_input",
      "DBX_TABLE_NAME_INVALID",
      `Table id ${JSON.stringify(fullName)} is not catalog.schema.table`,
    );
  return p as [string, string, string];
}

function comparableColumns(cols: Column[]): Column[] {
  return cols.map((c) => {
    let type = c.type;
    try {
      type = canonicalSparkType(c.type);
    } catch {
      /* an invalid type is reported by create/update; diff stays pure */
    }
    return { name: c.name.toLowerCase(), type, ...(c.comment ? { comment: c.comment } : {}) };
  });
}

export class TableProvider implements Provider<"dbx_table"> {
  readonly type = "dbx_table" as const;
  readonly service = serviceOf("dbx_table");
  constructor(private readonly deps: ProviderDeps) {}

  private get client() {
    return this.deps.client;
  }

  private warehouse(): string {
    const id = this.deps.opts.warehouseId ?? this.client.warehouseId;
    if (!id) {
      throw new ProviderError(
        "invalid_input",
        "DBX_WAREHOUSE_MISSING",
        "Creating or altering Unity Catalog tables needs a SQL warehouse",
        {
          hint: "Set DATABRICKS_WAREHOUSE_ID or warehouse_id in the Databricks profile.",
        },
      );
    }
    return id;
  }

  private sql(statement: string, ctx: ProviderContext) {
    return executeStatement(this.client, this.warehouse(), statement, {
      signal: ctx.signal,
      pollMs: this.deps.opts.pollMs ?? 250,
    });
  }

  private get(fullName: string, signal?: AbortSignal): Promise<TableWire> {
    return this.client.request<TableWire>(
      "GET",
      `/api/2.1/unity-catalog/tables/${encodeURIComponent(fullName)}`,
      { signal },
    );
  }

  /** The inventory (inventory.ts): one tables list per schema, converted as read() does. */
  list(ctx: ProviderContext, opts?: InventoryOptions): Promise<RemoteObject[]> {
    return listTables(this.client, toRemote, ctx, opts);
  }

  async read(remoteId: string, ctx: ProviderContext): Promise<RemoteObject | null> {
    const w = await orNull(this.get(remoteId, ctx.signal));
    return w ? toRemote(w) : null;
  }

  /** SCIM Me `userName`, the spelling of UC `created_by` (principal.ts); cached per client. */
  principal(ctx: ProviderContext): Promise<string | undefined> {
    return principalOf(this.client, ctx.signal);
  }

  lookup(desired: DesiredResource<"dbx_table">, ctx: ProviderContext): Promise<RemoteObject | null> {
    const p = desired.properties;
    return this.read(`${p.catalog_name}.${p.schema_name}.${desired.name}`.toLowerCase(), ctx);
  }

  async create(desired: DesiredResource<"dbx_table">, ctx: ProviderContext): Promise<RemoteObject> {
    const p = desired.properties;
    if (isUcTableType(p.table_type) && p.table_type.toUpperCase() !== "MANAGED") {
      throw new ProviderError(
        "invalid_input",
        "DBX_TABLE_TYPE_UNSUPPORTED",
        `Table ${desired.name}: table_type ${JSON.stringify(p.table_type)} is not supported`,
        {
          hint: "dpn creates managed Delta tables: use a logical table type (fact, dim, …) or MANAGED.",
        },
      );
    }
    assertTableTags(desired.tags, `Table ${desired.name}`);
    const ownership: Ownership = { stackId: ctx.stackId, address: desired.address };
    const statement = buildCreateTable({
      catalog: p.catalog_name,
      schema: p.schema_name,
      table: desired.name,
      columns: p.columns,
      ...(p.comment !== undefined ? { comment: p.comment } : {}),
      ...(p.partition_by ? { partitionBy: p.partition_by } : {}),
      properties: { ...desired.tags, ...tableTypeProperty(p.table_type), ...ownershipMarkers(ownership) },
    });
    try {
      await this.sql(statement, ctx);
    } catch (e) {
      if (e instanceof ProviderError && e.category === "conflict") {
        const existing = await this.lookup(desired, ctx);
        if (existing && ownedBy(existing.ownership, ctx.stackId, desired.address)) return existing;
      }
      throw e;
    }
    const created = await this.lookup(desired, ctx);
    if (!created) {
      throw new ProviderError(
        "internal",
        "DBX_TABLE_NOT_VISIBLE",
        `Table ${desired.fullName} was created but cannot be read back`,
        { outcome: "unknown" },
      );
    }
    return created;
  }

  diff(desired: DesiredResource<"dbx_table">, live: RemoteObject): FieldChange[] {
    const changes: FieldChange[] = [];
    const p = desired.properties;
    compare(
      changes,
      "columns",
      comparableColumns((live.properties.columns as Column[]) ?? []),
      comparableColumns(p.columns),
    );
    compare(
      changes,
      "partition_by",
      ((live.properties.partition_by as string[]) ?? []).map((x) => x.toLowerCase()),
      (p.partition_by ?? []).map((x) => x.toLowerCase()),
    );
    compare(
      changes,
      "table_type",
      comparableTableType(String(live.properties.table_type)),
      comparableTableType(p.table_type),
    );
    compare(changes, "comment", live.properties.comment, p.comment || undefined);
    compare(changes, "tags", live.tags, desired.tags);
    return changes;
  }

  async update(
    desired: DesiredResource<"dbx_table">,
    live: RemoteObject,
    ctx: ProviderContext,
  ): Promise<RemoteObject> {
    const p = desired.properties;
    // The logical type is a property and can change; a UC table type other than MANAGED cannot.
    const fixed = this.diff(desired, live)
      .map((c) => c.field)
      .filter(
        (f) =>
          f === "columns" ||
          f === "partition_by" ||
          (f === "table_type" && isUcTableType(p.table_type) && p.table_type.toUpperCase() !== "MANAGED"),
      );
    if (fixed.length) throw replaceRequired(`Table ${live.fullName}`, fixed);
    assertTableTags(desired.tags, `Table ${desired.name}`);
    return this.converge(live.remoteId, ctx, p.comment, p.table_type, (m) => ({
      ...desired.tags,
      ...m.markers,
    }));
  }

  async revert(snapshot: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    const comment = snapshot.properties.comment as string | undefined;
    const tableType = String(snapshot.properties.table_type ?? "MANAGED");
    return this.converge(snapshot.remoteId, ctx, comment, tableType, (m) => {
      const keep = snapshot.archived
        ? m.markers
        : snapshot.ownership
          ? ownershipMarkers(snapshot.ownership)
          : {};
      return { ...snapshot.tags, ...keep };
    });
  }

  async delete(remote: RemoteObject, ctx: ProviderContext): Promise<void> {
    await ignoreNotFound(
      this.client.request("DELETE", `/api/2.1/unity-catalog/tables/${encodeURIComponent(remote.remoteId)}`, {
        signal: ctx.signal,
      }),
    );
  }

  async archive(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.converge(remote.remoteId, ctx, null, null, (m, tags) =>
      m.archived ? null : { ...tags, ...m.markers, ...archiveMarkers(ctx) },
    );
  }

  async restore(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    return this.converge(remote.remoteId, ctx, null, null, (m, tags) =>
      m.archived ? { ...tags, ...(m.ownership ? ownershipMarkers(m.ownership) : {}) } : null,
    );
  }

  async adopt(remote: RemoteObject, ownership: Ownership, ctx: ProviderContext): Promise<RemoteObject> {
    return this.converge(remote.remoteId, ctx, null, null, (m, tags) =>
      ownedBy(m.ownership, ownership.stackId, ownership.address)
        ? null
        : { ...tags, ...m.markers, ...ownershipMarkers(ownership) },
    );
  }

  /**
   * Rename in place with `ALTER TABLE … RENAME TO` on the warehouse (the tables REST API cannot:
   * `UpdateTableRequest` carries only `owner`). The table stays in its schema and keeps its id,
   * columns, storage and TBLPROPERTIES, so tags and markers move with it; it is read back under
   * the new name. Not retried blindly (a resent rename finds the old name gone): an HTTP failure
   * of the statement call is in doubt and settled by the engine reading both names; a FAILED
   * statement changed nothing (`TABLE_OR_VIEW_ALREADY_EXISTS` → conflict, a vanished table →
   * not_found). Throws DBX_WAREHOUSE_MISSING without a warehouse, before any call.
   */
  async rename(remote: RemoteObject, newName: string, ctx: ProviderContext): Promise<RemoteObject> {
    const full = parts(remote.remoteId);
    const statement = buildRenameTable(full, newName);
    if (newName.toLowerCase() === remote.name.toLowerCase()) return remote;
    try {
      await this.sql(statement, ctx);
    } catch (e) {
      if (e instanceof ProviderError && e.category === "not_found") throw vanished("Table", remote.remoteId);
      throw e;
    }
    const renamed = await this.read(`${full[0]}.${full[1]}.${newName}`.toLowerCase(), ctx);
    if (!renamed) {
      throw new ProviderError(
        "internal",
        "DBX_TABLE_NOT_VISIBLE",
        `Table ${remote.fullName} was renamed to ${newName} but cannot be read back`,
        { outcome: "unknown" },
      );
    }
    return renamed;
  }

  /**
   * Make the table's user properties + markers equal `want(...)` (null = unchanged), the
   * comment equal `comment` and the logical table type equal `tableType` (null = leave either
   * as it is), with SET/UNSET TBLPROPERTIES and COMMENT ON.
   */
  private async converge(
    fullName: string,
    ctx: ProviderContext,
    comment: string | undefined | null,
    tableType: string | null,
    want: (
      m: ReturnType<typeof readMarkers>,
      userTags: Record<string, string>,
    ) => Record<string, string> | null,
  ): Promise<RemoteObject> {
    const w = await orNull(this.get(fullName, ctx.signal));
    if (!w) throw vanished("Table", fullName);
    const current = toRemote(w);
    const m = readMarkers(w.properties);
    const currentType = w.properties?.[TABLE_TYPE_PROPERTY];
    const typeProp: Record<string, string> =
      currentType !== undefined ? { [TABLE_TYPE_PROPERTY]: currentType } : {};
    const have: Record<string, string> = { ...current.tags, ...m.markers, ...typeProp };
    const wanted = want(m, current.tags);
    const wantType = tableType === null ? typeProp : tableTypeProperty(tableType);
    const target = wanted || !sameTypeProp(typeProp, wantType) ? { ...(wanted ?? have), ...wantType } : null;
    const name = parts(w.full_name);
    let changed = false;
    if (target) {
      const set = Object.fromEntries(Object.entries(target).filter(([k, v]) => have[k] !== v));
      const unset = Object.keys(have).filter((k) => !(k in target));
      if (Object.keys(set).length) await this.sql(buildSetProperties(name, set), ctx);
      if (unset.length) await this.sql(buildUnsetProperties(name, unset), ctx);
      changed = Object.keys(set).length > 0 || unset.length > 0;
    }
    if (comment !== null && (w.comment ?? "") !== (comment ?? "")) {
      await this.sql(buildCommentOnTable(name, comment || undefined), ctx);
      changed = true;
    }
    if (!changed) return current;
    return (await this.read(w.full_name, ctx)) ?? current;
  }
}

function sameTypeProp(a: Record<string, string>, b: Record<string, string>): boolean {
  return a[TABLE_TYPE_PROPERTY] === b[TABLE_TYPE_PROPERTY];
}
