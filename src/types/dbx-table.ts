/**
 * `dbx_table`: a Unity Catalog table (managed Delta), listed in its schema's `tables`, named from
 * its entity; full name `<catalog>.<schema>.<table>`. Its tags are TBLPROPERTIES.
 */
import type { UcTableProps } from "../core/resources.js";
import { TYPE_TAGS } from "../naming/tags.js";
import {
  columnDefinition,
  commentField,
  lifecycleField,
  nameField,
  TABLE_TYPES,
  tagsField,
} from "./kit/blueprint-fragments.js";
import { duplicateColumns } from "./kit/common-rules.js";
import { asString, columnsOf } from "./kit/entry-values.js";
import { bucketOfLocation, fullNameIs, lower } from "./kit/row-matchers.js";
import { arr, definition, type Infer, obj, oneOfStrings, opt, ref, str } from "./kit/schema-builder.js";
import { updateComment } from "./kit/update-fragments.js";
import type { TypeSpec } from "./spec.js";
import { checkUcTableEntry } from "./uc-table-rules.js";

export const ucTableEntry = definition(
  "uc_table",
  obj(
    {
      entity: nameField("The entity the table holds; part of the name."),
      table_type: opt(oneOfStrings(TABLE_TYPES, { default: "fact" })),
      columns: opt(arr(ref(columnDefinition), { description: "Columns (Spark SQL types)." })),
      comment: commentField("table"),
      partition_by: opt(
        arr(str({ minLength: 1 }), {
          description:
            "Partition column names: columns of the table, not VARIANT, ARRAY, MAP or STRUCT, not all of them.",
        }),
      ),
      tags: tagsField,
      lifecycle: lifecycleField,
    },
    { description: "A Unity Catalog table." },
  ),
);
export type UcTableEntry = Infer<typeof ucTableEntry.schema>;

const tags = TYPE_TAGS.dbx_table;

export const dbxTable: TypeSpec<"dbx_table", "databricks"> = {
  type: "dbx_table",
  cloud: "databricks",
  noun: tags.noun,
  namingType: "dbx_table",
  naturalKey: { unique: true },
  blueprint: {
    placement: { parent: "dbx_schema", key: "tables" },
    entry: ucTableEntry,
    references: [],
    properties(e, ctx) {
      const props: UcTableProps = {
        catalog_name: ctx.parents[0] as string,
        schema_name: ctx.parents[1] as string,
        columns: columnsOf(e.columns),
        table_type: asString(e.table_type) ?? ctx.namingValue("table_type") ?? "fact",
      };
      if (typeof e.comment === "string") props.comment = e.comment;
      if (Array.isArray(e.partition_by))
        props.partition_by = e.partition_by.filter((c): c is string => typeof c === "string");
      return props;
    },
    check: (node, ctx) => [
      ...duplicateColumns(ctx.source, node.segments, [["columns", node.entry.columns]], `table ${node.path}`),
      ...checkUcTableEntry(node, ctx.source),
    ],
  },
  update: {
    settings: { comment: updateComment },
    immutable: {
      catalog_name: "a table cannot move to another catalog",
      schema_name: "a table cannot move to another schema",
      columns: "column changes need a table replacement on Databricks (ALTER TABLE is not applied by dpn)",
      partition_by: "partitioning is fixed at creation",
      table_type: "the table type is fixed at creation",
    },
    platformRenames: true,
  },
  tags,
  engine: { service: "unity-catalog", markerInCreate: true },
  manage: {
    desiredKeys: ["catalog_name", "schema_name", "columns", "comment", "partition_by", "table_type"],
    dependsOn: (row) => [
      ...fullNameIs(
        "dbx_schema",
        `${lower(row.properties.catalog_name)}.${lower(row.properties.schema_name)}`,
      ),
      ...bucketOfLocation(row.properties.storage_location),
    ],
    idProperties: (parts) => ({
      catalog_name: parts.length > 2 ? (parts[0] as string) : "",
      schema_name: parts.length > 2 ? (parts[1] as string) : "",
    }),
  },
};
