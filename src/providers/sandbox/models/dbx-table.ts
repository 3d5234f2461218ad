/**
 * Simulated Unity Catalog table (what CREATE/ALTER TABLE through the SQL API would leave): needs
 * its schema, lower-cased `catalog.schema.table` ids, `TABLE_ALREADY_EXISTS`, markers in table
 * properties (TBLPROPERTIES), user tags as UC tags. Columns, comment and table_type can change
 * (ALTER TABLE); partitioning cannot. ALTER TABLE … RENAME TO renames it within its schema.
 */
import type { Column, UcTableProps } from "../../../core/resources.js";
import { compact, stringMap, type TypeModel } from "../type-model.js";
import {
  checkUcName,
  renameUc,
  requireSchema,
  setOptional,
  ucAlreadyExists,
  ucInvalid,
} from "./uc-common.js";

interface UcColumn {
  name: string;
  type_text: string;
  position: number;
  nullable: boolean;
  comment?: string;
}

const toUc = (cols: Column[] | undefined): UcColumn[] =>
  (cols ?? []).map((c, i) =>
    compact({ name: c.name, type_text: c.type, position: i, nullable: true, comment: c.comment }),
  );
const fromUc = (cols: UcColumn[] | undefined): Column[] =>
  (cols ?? []).map((c) => compact({ name: c.name, type: c.type_text, comment: c.comment }));
const normalize = (cols: Column[] | undefined): Column[] =>
  (cols ?? []).map((c) => compact({ name: c.name, type: c.type, comment: c.comment }));

export const dbxTableModel: TypeModel<"dbx_table"> = {
  type: "dbx_table",
  platform: "databricks",
  noun: "Table",
  notFoundCode: "TABLE_DOES_NOT_EXIST",
  notFoundStatus: 404,
  changeable: ["columns", "comment", "table_type"],
  normalizeId: (id) => id.toLowerCase(),
  candidates(desired, store) {
    const p = desired.properties;
    const o = store.get("dbx_table", `${p.catalog_name}.${p.schema_name}.${desired.name}`.toLowerCase());
    return o ? [o] : [];
  },
  build(desired, ctx, store, opts) {
    const p: UcTableProps = desired.properties;
    const catalog = p.catalog_name.toLowerCase();
    const schema = p.schema_name.toLowerCase();
    const name = desired.name.toLowerCase();
    checkUcName("Table", name);
    const fullName = `${catalog}.${schema}.${name}`;
    requireSchema(store, catalog, schema, `table ${fullName}`);
    if (store.get("dbx_table", fullName)) throw ucAlreadyExists("Table", fullName);
    const names = (p.columns ?? []).map((c) => c.name.toLowerCase());
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw ucInvalid(`Table ${fullName}: column '${dup}' is defined twice.`);
    for (const col of p.partition_by ?? []) {
      if (!names.includes(col.toLowerCase()))
        throw ucInvalid(`Table ${fullName}: partition column '${col}' is not a column of the table.`);
    }
    const data = compact({
      name,
      catalog_name: catalog,
      schema_name: schema,
      full_name: fullName,
      table_type: p.table_type,
      data_source_format: "DELTA",
      columns: toUc(p.columns),
      comment: p.comment,
      partition_by: p.partition_by ? [...p.partition_by] : undefined,
      owner: ctx.actor,
      created_at: opts.now(),
      properties: {},
      tags: {},
    });
    return {
      remoteId: fullName,
      name,
      fullName,
      parentType: "dbx_schema",
      parentId: `${catalog}.${schema}`,
      data,
    };
  },
  // ALTER TABLE … RENAME TO within the schema (test/fakes/databricks/SPEC.md, "Renames").
  rename: (o, newName, store) => renameUc(store, o, newName, "Table"),
  markerBag: (d) => stringMap(d, "properties"),
  tagBag: (d) => stringMap(d, "tags"),
  toProperties(o) {
    const d = o.data;
    return compact({
      catalog_name: d.catalog_name,
      schema_name: d.schema_name,
      columns: fromUc(d.columns as UcColumn[]),
      comment: d.comment,
      partition_by: d.partition_by,
      table_type: d.table_type,
    });
  },
  desiredProperties(desired) {
    const p = desired.properties;
    return compact({
      catalog_name: p.catalog_name.toLowerCase(),
      schema_name: p.schema_name.toLowerCase(),
      columns: normalize(p.columns),
      comment: p.comment,
      partition_by: p.partition_by,
      table_type: p.table_type,
    });
  },
  applyField(o, field, value) {
    if (field === "columns") o.data.columns = toUc(value as Column[]);
    else setOptional(o.data, field, value);
  },
};
