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
