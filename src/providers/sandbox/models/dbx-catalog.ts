/**
 * Simulated Unity Catalog catalog: lower-cased names, `CATALOG_ALREADY_EXISTS`, ownership and
 * archive markers in `properties` (as dpn does on Databricks), user tags as UC tags, delete of a
 * catalog holding schemas refused with `CATALOG_NOT_EMPTY` unless forced (then it cascades).
 */
import type { CatalogProps } from "../../../core/resources.js";
import { compact, stringMap, type TypeModel } from "../type-model.js";
import { checkUcName, renameUc, setOptional, ucAlreadyExists } from "./uc-common.js";

export const dbxCatalogModel: TypeModel<"dbx_catalog"> = {
  type: "dbx_catalog",
  platform: "databricks",
  noun: "Catalog",
  notFoundCode: "CATALOG_DOES_NOT_EXIST",
  notFoundStatus: 404,
  // storage_root cannot be changed after creation (UpdateCatalog has no such field)
  changeable: ["comment"],
  normalizeId: (id) => id.toLowerCase(),
  candidates(desired, store) {
    const o = store.get("dbx_catalog", desired.name.toLowerCase());
    return o ? [o] : [];
  },
  build(desired, ctx, store, opts) {
    const p: CatalogProps = desired.properties;
    const name = desired.name.toLowerCase();
    checkUcName("Catalog", name);
    if (store.get("dbx_catalog", name)) throw ucAlreadyExists("Catalog", name);
    const data = compact({
      name,
      full_name: name,
      comment: p.comment,
      storage_root: p.storage_root,
      catalog_type: "MANAGED_CATALOG",
      owner: ctx.actor,
      metastore_id: "sandbox-metastore",
      created_at: opts.now(),
      properties: {},
      tags: {},
    });
    return { remoteId: name, name, fullName: name, parentType: null, parentId: null, data };
  },
  rename: (o, newName, store) => renameUc(store, o, newName, "Catalog"),
  markerBag: (d) => stringMap(d, "properties"),
  tagBag: (d) => stringMap(d, "tags"),
  toProperties: (o) => compact({ comment: o.data.comment, storage_root: o.data.storage_root }),
  desiredProperties: (desired) =>
    compact({ comment: desired.properties.comment, storage_root: desired.properties.storage_root }),
  applyField(o, field, value) {
    if (field === "comment") setOptional(o.data, "comment", value);
  },
  notEmpty(o, store) {
    const count = store.children("dbx_catalog", o.remoteId).length;
    return count > 0 ? { count, what: "schemas", platformCode: "CATALOG_NOT_EMPTY" } : undefined;
  },
  childTypes: ["dbx_schema"],
};
