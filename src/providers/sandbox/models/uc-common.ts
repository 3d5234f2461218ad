/**
 * Unity Catalog rules shared by catalogs, schemas, tables and volumes: names folded to lower
 * case, `<KIND>_ALREADY_EXISTS` on duplicates and `<KIND>_DOES_NOT_EXIST` for a missing parent.
 */
import type { ProviderError } from "../../../core/errors.js";
import type { SandboxStore, StoredObject } from "../sandbox-store.js";
import { platformError } from "../type-model.js";

export function ucAlreadyExists(
  kind: string,
  fullName: string,
  platformCode = `${kind.toUpperCase()}_ALREADY_EXISTS`,
): ProviderError {
  return platformError("conflict", "REMOTE_ALREADY_EXISTS", `${kind} '${fullName}' already exists.`, {
    platform: "databricks",
    platformCode,
    status: 409,
    details: { fullName },
  });
}

export function ucInvalid(message: string): ProviderError {
  return platformError("invalid_input", "REMOTE_INVALID_INPUT", message, {
    platform: "databricks",
    platformCode: "INVALID_PARAMETER_VALUE",
    status: 400,
  });
}

/** Validate a UC name part (lower-cased already). */
export function checkUcName(kind: string, name: string): void {
  if (!name || name.length > 255 || /[.\s/]/.test(name)) {
    throw ucInvalid(`${kind} name '${name}' is not valid: 1 to 255 characters, no '.', '/' or spaces.`);
  }
}

/** The catalog, or a `CATALOG_DOES_NOT_EXIST` error naming the child that needed it. */
export function requireCatalog(store: SandboxStore, catalog: string, child: string): StoredObject {
  const c = store.get("dbx_catalog", catalog);
  if (!c) {
    throw platformError(
      "not_found",
      "REMOTE_PARENT_NOT_FOUND",
      `Catalog '${catalog}' does not exist (needed by ${child}).`,
      {
        platform: "databricks",
        platformCode: "CATALOG_DOES_NOT_EXIST",
        status: 404,
        hint: "Create the catalog first.",
        details: { catalog, child },
      },
    );
  }
  return c;
}

/** The schema (and its catalog), or the `*_DOES_NOT_EXIST` error of the first missing level. */
export function requireSchema(
  store: SandboxStore,
  catalog: string,
  schema: string,
  child: string,
): StoredObject {
  requireCatalog(store, catalog, child);
  const s = store.get("dbx_schema", `${catalog}.${schema}`);
  if (!s) {
    throw platformError(
      "not_found",
      "REMOTE_PARENT_NOT_FOUND",
      `Schema '${catalog}.${schema}' does not exist (needed by ${child}).`,
      {
        platform: "databricks",
        platformCode: "SCHEMA_DOES_NOT_EXIST",
        status: 404,
        hint: "Create the schema first.",
        details: { schema: `${catalog}.${schema}`, child },
      },
    );
  }
  return s;
}

export function setOptional(d: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined || value === null) delete d[key];
  else d[key] = value;
}

/**
 * Rename a catalog, schema or volume in place as Unity Catalog's PATCH `new_name` does, or a
 * table as `ALTER TABLE … RENAME TO` does (same schema; test/fakes/databricks/SPEC.md): the name
 * is validated and lower-cased, refused with `<KIND>_ALREADY_EXISTS` (a table:
 * `TABLE_OR_VIEW_ALREADY_EXISTS`) when the new full name is taken (tables and volumes share a
 * schema's namespace), and every object inside a renamed catalog or schema moves to the new full
 * name. The object keeps its data, so a table's properties (markers) and tags move with it.
 */
export function renameUc(store: SandboxStore, o: StoredObject, newName: string, kind: string): void {
  const name = newName.toLowerCase();
  checkUcName(kind, name);
  if (name === o.name) return;
  const oldFull = o.fullName;
  const full = [...oldFull.split(".").slice(0, -1), name].join(".");
  const leaf = o.type === "dbx_volume" || o.type === "dbx_table";
  const rivals = leaf ? (["dbx_volume", "dbx_table"] as const) : [o.type];
  if (rivals.some((t) => store.get(t, full)))
    throw ucAlreadyExists(
      kind,
      full,
      o.type === "dbx_volume"
        ? "RESOURCE_ALREADY_EXISTS"
        : o.type === "dbx_table"
          ? "TABLE_OR_VIEW_ALREADY_EXISTS"
          : undefined,
    );
  o.remoteId = full;
  o.name = name;
  o.fullName = full;
  o.data.name = name;
  o.data.full_name = full;
  const under = `${oldFull}.`;
  const moved = (id: string) => `${full}.${id.slice(under.length)}`;
  for (const t of ["dbx_schema", "dbx_table", "dbx_volume"] as const) {
    for (const c of store.ofType(t)) {
      if (!c.remoteId.startsWith(under)) continue;
      const was = c.remoteId;
      c.remoteId = moved(was);
      c.fullName = moved(c.fullName);
      c.data.full_name = c.remoteId;
      if (o.type === "dbx_catalog") c.data.catalog_name = name;
      else c.data.schema_name = name;
      if (c.parentId === oldFull) c.parentId = full;
      else if (c.parentId?.startsWith(under)) c.parentId = moved(c.parentId);
      store.rekey(c, was);
    }
  }
}
