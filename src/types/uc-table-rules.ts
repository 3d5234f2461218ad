/**
 * What the Databricks engine would refuse in the CREATE TABLE dpn sends for a Unity Catalog
 * table (a managed Delta table without column mapping), checked before any call:
 *
 * - no columns: Delta refuses a managed table without a schema
 *   (DELTA_INVALID_MANAGED_TABLE_SYNTAX_NO_SCHEMA, delta-io/delta DeltaErrors.scala);
 * - column and struct field names with any of ` ,;{}()\n\t=` need column mapping
 *   (https://docs.databricks.com/aws/en/delta/column-mapping, "Supported characters in column
 *   names"); control characters are refused by the table provider's identifier quoting;
 * - types: Spark SQL types (data-types.ts); VOID is refused (Delta before Databricks Runtime 18.2
 *   has no VOID columns, and never inside ARRAY or MAP:
 *   https://docs.databricks.com/aws/en/sql/language-manual/data-types/null-type); empty
 *   `struct<>` at any depth is refused ("Datasource does not support writing empty or nested
 *   empty schemas", apache/spark DataSource.validateSchema);
 * - PARTITIONED BY: columns of the table, no duplicates, not all of them
 *   (https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-partition; apache/spark
 *   PartitioningUtils.validatePartitionColumn), and only atomic types — not ARRAY, MAP, STRUCT
 *   (PartitioningUtils.canPartitionOn) nor VARIANT
 *   (https://docs.databricks.com/aws/en/delta/variant, "Limitations").
 *
 * Reserved TBLPROPERTIES keys among the table's tags are checked with the tags (naming/tags.ts).
 */
import { didYouMean } from "../core/did-you-mean.js";
import type { Problem } from "../core/errors.js";
import { type DataType, dialectLabel, parseDataType, walkType } from "./kit/data-types.js";
import type { PathSegment } from "./kit/json-path.js";
import { at, atCharacter, badCharacters, err, type Locator, suggestIdentifier } from "./kit/located.js";
import type { EntryNode } from "./spec.js";

/** Characters Delta allows in column names only with column mapping, plus control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const NEEDS_COLUMN_MAPPING = /[ ,;{}()\n\t=\u0000-\u001F\u007F]/;
const MAPPING_CHARS = "space , ; { } ( ) = newline tab";

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const rec = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Every engine problem of a UC table entry (see the module comment). Never throws. */
export function checkUcTableEntry(node: EntryNode, source: Locator): Problem[] {
  const out: Problem[] = [];
  const e = node.entry;
  const columns = Array.isArray(e.columns) ? e.columns : [];
  if (columns.length === 0) {
    out.push(
      err({
        code: "UC_TABLE_NO_COLUMNS",
        message: `table ${node.path} has no columns; Delta refuses a managed table without a schema`,
        ...at(source, e.columns !== undefined ? [...node.segments, "columns"] : node.segments),
        hint: 'Add "columns": [{"name": ..., "type": ...}, ...].',
      }),
    );
  }
  const typeOf = new Map<string, { type: DataType; text: string }>();
  const names: string[] = [];
  columns.forEach((c, i) => {
    const column = rec(c);
    if (!column) return;
    const base: PathSegment[] = [...node.segments, "columns", i];
    const name = str(column.name);
    if (name) {
      names.push(name);
      const bad = badCharacters(name, NEEDS_COLUMN_MAPPING);
      if (bad.length)
        out.push(
          err({
            code: "UC_COLUMN_NAME_INVALID",
            message: `column name ${JSON.stringify(name)} of table ${node.path} contains ${bad.join(", ")}; Delta allows ${MAPPING_CHARS} in column names only with column mapping, which dpn does not enable`,
            ...at(source, [...base, "name"]),
            hint: `Rename the column, e.g. ${JSON.stringify(suggestIdentifier(name))}.`,
          }),
        );
    }
    const text = str(column.type);
    if (!text) return;
    const label = name ? `column ${JSON.stringify(name)}` : `column ${i}`;
    const parsed = parseDataType(text, "spark");
    if (!parsed.ok) {
      out.push(
        err({
          code: "UC_COLUMN_TYPE_INVALID",
          message: `type ${JSON.stringify(text)} of ${label} of table ${node.path} is not a valid ${dialectLabel("spark")} type: ${parsed.error.message} (character ${parsed.error.at + 1})`,
          ...atCharacter(source, [...base, "type"], parsed.error.at),
          hint: "Use e.g. STRING, BIGINT, INT, DOUBLE, BOOLEAN, DATE, TIMESTAMP, DECIMAL(p,s), ARRAY<T>, MAP<K,V>, STRUCT<name:T,...>.",
        }),
      );
      return;
    }
    if (name) typeOf.set(name.toLowerCase(), { type: parsed.type, text });
    for (const { type, path } of walkType(parsed.type)) {
      const where = path.length ? ` (at ${path.join(".")})` : "";
      if (type.kind === "primitive" && type.name === "void") {
        out.push(
          err({
            code: "UC_COLUMN_TYPE_VOID",
            message: `${label} of table ${node.path} has the VOID type${where}; Delta tables refuse VOID columns (and VOID inside ARRAY or MAP)`,
            ...atCharacter(source, [...base, "type"], type.at),
            hint: "Give the column its real type, e.g. STRING.",
          }),
        );
      }
      if (type.kind === "struct") {
        if (type.fields.length === 0)
          out.push(
            err({
              code: "UC_COLUMN_TYPE_EMPTY_STRUCT",
              message: `${label} of table ${node.path} has an empty STRUCT<>${where}; Delta cannot write empty or nested empty schemas`,
              ...atCharacter(source, [...base, "type"], type.at),
              hint: "Give the struct at least one field, or drop it.",
            }),
          );
        for (const f of type.fields) {
          const bad = badCharacters(f.name, NEEDS_COLUMN_MAPPING);
          if (bad.length)
            out.push(
              err({
                code: "UC_COLUMN_NAME_INVALID",
                message: `struct field ${JSON.stringify(f.name)} in the type of ${label} of table ${node.path} contains ${bad.join(", ")}; Delta allows ${MAPPING_CHARS} in field names only with column mapping, which dpn does not enable`,
                ...atCharacter(source, [...base, "type"], f.at),
                hint: `Rename the field, e.g. ${JSON.stringify(suggestIdentifier(f.name))}.`,
              }),
            );
        }
      }
    }
  });

  if (!Array.isArray(e.partition_by)) return out;
  const seen = new Map<string, number>();
  let valid = 0;
  e.partition_by.forEach((p, j) => {
    if (typeof p !== "string") return;
    const segs = [...node.segments, "partition_by", j];
    const key = p.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      out.push(
        err({
          code: "UC_PARTITION_DUPLICATE",
          message: `partition_by ${JSON.stringify(p)} of ${node.path} is listed twice (partition_by[${first}] and partition_by[${j}])`,
          ...at(source, segs),
          hint: "List each partition column once.",
        }),
      );
      return;
    }
    seen.set(key, j);
    if (!names.some((n) => n.toLowerCase() === key)) {
      const s = didYouMean(p, names);
      out.push(
        err({
          code: "BLUEPRINT_UNKNOWN_PARTITION_COLUMN",
          message: `partition_by ${JSON.stringify(p)} of ${node.path} is not one of its columns`,
          ...at(source, segs),
          hint: names.length
            ? `${s ? `${s} ` : ""}Columns: ${names.join(", ")}.`
            : "The table declares no columns.",
        }),
      );
      return;
    }
    valid++;
    const t = typeOf.get(key);
    if (!t) return;
    const refused =
      t.type.kind !== "primitive"
        ? t.type.kind.toUpperCase()
        : t.type.name === "variant"
          ? "VARIANT"
          : undefined;
    if (refused)
      out.push(
        err({
          code: "UC_PARTITION_COLUMN_TYPE",
          message: `partition_by ${JSON.stringify(p)} of ${node.path} is a ${refused} column (${t.text}); tables cannot be partitioned by ARRAY, MAP, STRUCT or VARIANT columns`,
          ...at(source, segs),
          hint: "Partition by a column of an atomic type (STRING, DATE, INT, …).",
        }),
      );
  });
  if (valid > 0 && valid === names.length && names.length === new Set(names.map((n) => n.toLowerCase())).size)
    out.push(
      err({
        code: "UC_PARTITION_ALL_COLUMNS",
        message: `partition_by of ${node.path} lists all ${names.length} of its columns; the engine refuses a table partitioned by every column`,
        ...at(source, [...node.segments, "partition_by"]),
        hint: "Keep at least one column out of partition_by.",
      }),
    );
  return out;
}
