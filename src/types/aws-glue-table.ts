/**
 * `aws_glue_table`: a Glue table, `resources.aws.glue_tables[]`, named from its entity, in the
 * database its `database_ref` names (full name `<database>.<table>`). Its data is at `location`,
 * or under the bucket its `bucket_ref` names: s3://<bucket>/<database>/<table>/.
 */
import type { GlueTableProps } from "../core/resources.js";
import { TYPE_TAGS } from "../naming/tags.js";
import { checkGlueTableEntry } from "./glue-rules.js";
import {
  columnDefinition,
  lifecycleField,
  nameField,
  TABLE_TYPES,
  tagsField,
} from "./kit/blueprint-fragments.js";
import { duplicateColumns } from "./kit/common-rules.js";
import { asString, columnsOf } from "./kit/entry-values.js";
import { at, err } from "./kit/located.js";
import { bucketOfLocation, fullNameIs, lower } from "./kit/row-matchers.js";
import { arr, definition, type Infer, obj, oneOfStrings, opt, ref, str } from "./kit/schema-builder.js";
import { nullable, updateColumn, updateString } from "./kit/update-fragments.js";
import type { TypeSpec } from "./spec.js";

export const TABLE_FORMATS = ["parquet", "delta", "json", "csv"] as const;

export const glueTableEntry = definition(
  "glue_table",
  obj(
    {
      database_ref: nameField('"<domain>-<layer>" of a glue_databases entry, or a generated database name.'),
      entity: nameField("The entity the table holds; part of the name."),
      columns: arr(ref(columnDefinition), { description: "Columns (Hive/Athena types)." }),
      table_type: opt(oneOfStrings(TABLE_TYPES, { default: "fact" })),
      partition_keys: opt(
        arr(ref(columnDefinition), { description: "Partition columns (primitive types only)." }),
      ),
      location: opt(str({ pattern: "^s3://[^/]+(/.*)?$", description: "s3:// location of the data." })),
      bucket_ref: opt(
        nameField(
          "The purpose of an s3_buckets entry; the location becomes s3://<bucket>/<database>/<table>/.",
        ),
      ),
      format: opt(oneOfStrings(TABLE_FORMATS, { default: "parquet", description: "Storage format." })),
      description: opt(str({ description: "Table description (at most 2048 characters)." })),
      tags: tagsField,
      lifecycle: lifecycleField,
    },
    { description: "A Glue table." },
  ),
);
export type GlueTableEntry = Infer<typeof glueTableEntry.schema>;

/** `db.table` → [db, table], split at the first dot. */
function splitFirst(fullName: string): [string, string] {
  const i = fullName.indexOf(".");
  return [fullName.slice(0, i), fullName.slice(i + 1)];
}

const tags = TYPE_TAGS.aws_glue_table;

export const awsGlueTable: TypeSpec<"aws_glue_table", "aws"> = {
  type: "aws_glue_table",
  cloud: "aws",
  noun: tags.noun,
  namingType: "aws_glue_table",
  naturalKey: { unique: true },
  blueprint: {
    placement: { group: ["aws", "glue_tables"] },
    entry: glueTableEntry,
    references: [
      { field: "database_ref", target: "aws_glue_database", kind: "glue database", qualifies: true },
      { field: "bucket_ref", target: "aws_s3_bucket", kind: "bucket" },
    ],
    properties(e, ctx) {
      const [dbName, tableName] = splitFirst(ctx.fullName);
      const format = asString(e.format);
      const props: GlueTableProps = {
        region: ctx.region,
        database: dbName,
        columns: columnsOf(e.columns),
        partition_keys: columnsOf(e.partition_keys),
        table_type: asString(e.table_type) ?? ctx.namingValue("table_type") ?? "fact",
        format: format === "delta" || format === "json" || format === "csv" ? format : "parquet",
      };
      if (typeof e.location === "string") props.location = e.location;
      else if (typeof e.bucket_ref === "string") {
        const bucket = ctx.refs.bucket_ref;
        if (!bucket) return undefined;
        props.location = `s3://${bucket.name}/${dbName}/${tableName}/`;
      }
      if (typeof e.description === "string") props.description = e.description;
      return props;
    },
    check(node, ctx) {
      const e = node.entry;
      const out = checkGlueTableEntry(node, ctx.source);
      if (e.location !== undefined && e.bucket_ref !== undefined) {
        out.push(
          err({
            code: "BLUEPRINT_LOCATION_CONFLICT",
            message: `Glue table ${node.path} has both location and bucket_ref`,
            ...at(ctx.source, [...node.segments, "location"]),
            hint: "Keep one: location (an explicit s3:// path) or bucket_ref (derives s3://<bucket>/<database>/<table>/).",
          }),
        );
      }
      out.push(
        ...duplicateColumns(
          ctx.source,
          node.segments,
          [
            ["columns", e.columns],
            ["partition_keys", e.partition_keys],
          ],
          `Glue table ${node.path}`,
        ),
      );
      return out;
    },
  },
  update: {
    settings: {
      description: nullable({ type: "string", maxLength: 2048, description: "Table description." }, "it"),
      columns: {
        type: "array",
        minItems: 1,
        items: updateColumn,
        description: "All columns (replaces the list).",
      },
      partition_keys: {
        type: "array",
        items: updateColumn,
        description: "All partition keys (replaces the list).",
      },
      table_type: updateString("Glue table type, e.g. EXTERNAL_TABLE."),
      format: { type: "string", enum: ["parquet", "delta", "json", "csv"], description: "Data format." },
      location: nullable(updateString("s3:// location of the data.", { pattern: "^s3://" }), "the location"),
    },
    immutable: {
      region: "a Glue table cannot move to another region",
      database: "Glue has no table move: the database is part of the table's identity",
    },
    platformRenames: false,
  },
  tags,
  engine: { service: "glue", markerInCreate: true },
  manage: {
    desiredKeys: [
      "region",
      "database",
      "columns",
      "partition_keys",
      "table_type",
      "format",
      "location",
      "description",
    ],
    dependsOn: (row) => [
      ...fullNameIs("aws_glue_database", lower(row.properties.database)),
      ...bucketOfLocation(row.properties.location),
    ],
    idProperties: (parts) => ({ database: parts.length > 1 ? (parts[0] as string) : "" }),
  },
};
