/**
 * Simulated Unity Catalog schema: needs its catalog (`CATALOG_DOES_NOT_EXIST`), lower-cased
 * `catalog.schema` ids, `SCHEMA_ALREADY_EXISTS`, markers in `properties`, delete of a schema
 * holding tables or volumes refused with `SCHEMA_NOT_EMPTY` unless forced (then it cascades).
 */
import type { SchemaProps } from "../../../core/resources.js";
import { compact, stringMap, type TypeModel } from "../type-model.js";
import { checkUcName, renameUc, requireCatalog, setOptional, ucAlreadyExists } from "./uc-common.js";

export const dbxSchemaModel: TypeModel<"dbx_schema"> = {
  type: "dbx_schema",
  platform: "databricks",
  noun: "Schema",
  notFoundCode: "SCHEMA_DOES_NOT_EXIST",
  notFoundStatus: 404,
  changeable: ["comment"],
  normalizeId: (id) => id.toLowerCase(),
  candidates(desired, store) {
    const o = store.get("dbx_schema", `${desired.properties.catalog_name}.${desired.name}`.toLowerCase());
    return o ? [o] : [];
  },
  build(desired, ctx, store, opts) {
    const p: SchemaProps = desired.properties;
    const catalog = p.catalog_name.toLowerCase();
    const name = desired.name.toLowerCase();
    checkUcName("Schema", name);
    const fullName = `${catalog}.${name}`;
    requireCatalog(store, catalog, `schema ${fullName}`);
    if (store.get("dbx_schema", fullName)) throw ucAlreadyExists("Schema", fullName);
    const data = compact({
      name,
      catalog_name: catalog,
      full_name: fullName,
      comment: p.comment,
      owner: ctx.actor,
      created_at: opts.now(),
      properties: {},
      tags: {},
    });
    return { remoteId: fullName, name, fullName, parentType: "dbx_catalog", parentId: catalog, data };
  },
  rename: (o, newName, store) => renameUc(store, o, newName, "Schema"),
  markerBag: (d) => stringMap(d, "properties"),
  tagBag: (d) => stringMap(d, "tags"),
  toProperties: (o) => compact({ catalog_name: o.data.catalog_name, comment: o.data.comment }),
  desiredProperties: (desired) =>
    compact({
      catalog_name: desired.properties.catalog_name.toLowerCase(),
      comment: desired.properties.comment,
    }),
  applyField(o, field, value) {
    if (field === "comment") setOptional(o.data, "comment", value);
  },
  notEmpty(o, store) {
    const count = store.children("dbx_schema", o.remoteId).length;
    return count > 0 ? { count, what: "tables or volumes", platformCode: "SCHEMA_NOT_EMPTY" } : undefined;
  },
  childTypes: ["dbx_table", "dbx_volume"],
};
