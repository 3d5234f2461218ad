/**
 * What AWS Glue (and Athena, which reads the tables dpn creates) would refuse in a Glue database
 * or table entry, checked before any call. Limits and patterns come from botocore's Glue service
 * model (glue/2017-03-31/service-2.json, installed with moto) and the Athena User Guide:
 *
 * - `Column.Name` (NameString): 1–255 characters, one line. Athena: 1–255 bytes, and `_` is the
 *   only special character it supports in column names
 *   (https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html,
 *   https://repost.aws/knowledge-center/parse-exception-missing-eof-athena); names "should be in
 *   lower case" (a warning: Glue stores them as written, Athena folds them).
 * - `Column.Type` (ColumnTypeString): ≤131072 characters, one line; a Hive DDL type
 *   (data-types.ts). `TableInput.PartitionKeys`: "Only primitive types are supported".
 * - `Column.Comment` (CommentString): ≤255 characters, pattern
 *   `[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*` (one line: no control character
 *   but tab).
 * - `DatabaseInput.Description`, `TableInput.Description` (DescriptionString): ≤2048 characters,
 *   the same pattern plus `\r` and `\n`.
 */
import type { Problem } from "../core/errors.js";
import { measure } from "../naming/rules.js";
import { dialectLabel, parseDataType } from "./kit/data-types.js";
import type { PathSegment } from "./kit/json-path.js";
import { at, atCharacter, badCharacters, err, type Locator, suggestIdentifier, warn } from "./kit/located.js";
import type { EntryNode } from "./spec.js";

/** Characters outside Glue's single-line pattern: control characters but tab, U+FFFE, U+FFFF. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const NOT_SINGLE_LINE = /[\u0000-\u0008\u000A-\u001F\uFFFE\uFFFF]/;
/** Characters outside Glue's description pattern (which also allows \r and \n). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const NOT_DESCRIPTION = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ATHENA_NAME = /^[A-Za-z0-9_]+$/;

export const GLUE_COMMENT_MAX = 255;
export const GLUE_DESCRIPTION_MAX = 2048;
export const GLUE_NAME_MAX_BYTES = 255;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const rec = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function badOf(s: string, pattern: RegExp): string[] {
  const found = badCharacters(s, pattern);
  if (LONE_SURROGATE.test(s)) found.push("an unpaired surrogate");
  return found;
}

function checkDescription(node: EntryNode, source: Locator, what: string): Problem[] {
  const d = str(node.entry.description);
  if (d === undefined) return [];
  const segs = [...node.segments, "description"];
  const out: Problem[] = [];
  const len = measure(d, "chars");
  if (len > GLUE_DESCRIPTION_MAX)
    out.push(
      err({
        code: "GLUE_DESCRIPTION_TOO_LONG",
        message: `description of ${what} ${node.path} is ${len} characters; Glue allows at most ${GLUE_DESCRIPTION_MAX}`,
        ...at(source, segs),
        hint: `Shorten it by ${len - GLUE_DESCRIPTION_MAX} characters.`,
      }),
    );
  const bad = badOf(d, NOT_DESCRIPTION);
  if (bad.length)
    out.push(
      err({
        code: "GLUE_DESCRIPTION_INVALID_CHARACTER",
        message: `description of ${what} ${node.path} contains ${bad.join(", ")}, which Glue refuses (only tab, line breaks and printable characters)`,
        ...at(source, segs),
        hint: "Remove the control characters.",
      }),
    );
  return out;
}

function checkColumn(
  node: EntryNode,
  source: Locator,
  key: "columns" | "partition_keys",
  i: number,
  column: Record<string, unknown>,
): Problem[] {
  const out: Problem[] = [];
  const base: PathSegment[] = [...node.segments, key, i];
  const what = key === "columns" ? "column" : "partition key";
  const name = str(column.name);
  if (name) {
    const bytes = measure(name, "bytes");
    const bad = badOf(name, /[^A-Za-z0-9_]/);
    if (bytes > GLUE_NAME_MAX_BYTES || !ATHENA_NAME.test(name)) {
      const why = [
        bytes > GLUE_NAME_MAX_BYTES
          ? `is ${bytes} bytes: Glue and Athena allow 1–${GLUE_NAME_MAX_BYTES}`
          : "",
        bad.length
          ? `contains ${bad.join(", ")}: Athena supports only letters, digits and _ in column names`
          : "",
      ].filter(Boolean);
      out.push(
        err({
          code: "GLUE_COLUMN_NAME_INVALID",
          message: `${what} name ${JSON.stringify(name)} of Glue table ${node.path} ${why.join("; it also ")}`,
          ...at(source, [...base, "name"]),
          hint: `Use e.g. ${JSON.stringify(suggestIdentifier(name).slice(0, GLUE_NAME_MAX_BYTES))}.`,
        }),
      );
    } else if (name !== name.toLowerCase()) {
      out.push(
        warn({
          code: "GLUE_COLUMN_NAME_CASE",
          message: `${what} name ${JSON.stringify(name)} of Glue table ${node.path} is not lower case; Glue keeps it as written but Athena folds names to lower case`,
          ...at(source, [...base, "name"]),
          hint: `Use ${JSON.stringify(name.toLowerCase())}.`,
        }),
      );
    }
  }
  const type = str(column.type);
  if (type) {
    const parsed = parseDataType(type, "glue");
    const label = name ? `${what} ${JSON.stringify(name)}` : `${what} ${i}`;
    if (!parsed.ok) {
      out.push(
        err({
          code: "GLUE_COLUMN_TYPE_INVALID",
          message: `type ${JSON.stringify(type)} of ${label} of Glue table ${node.path} is not a valid ${dialectLabel("glue")} type: ${parsed.error.message} (character ${parsed.error.at + 1})`,
          ...atCharacter(source, [...base, "type"], parsed.error.at),
          hint: "Use Hive DDL types: string, bigint, int, double, boolean, date, timestamp, decimal(p,s), varchar(n), array<T>, map<K,V>, struct<name:T,...>.",
        }),
      );
    } else if (key === "partition_keys" && parsed.type.kind !== "primitive") {
      out.push(
        err({
          code: "GLUE_PARTITION_KEY_TYPE",
          message: `partition key ${JSON.stringify(name ?? i)} of Glue table ${node.path} has the ${parsed.type.kind} type ${JSON.stringify(type)}; Glue supports only primitive types as partition keys`,
          ...at(source, [...base, "type"]),
          hint: "Partition by a primitive column (string, date, int, …).",
        }),
      );
    }
  }
  const comment = str(column.comment);
  if (comment !== undefined) {
    const len = measure(comment, "chars");
    if (len > GLUE_COMMENT_MAX)
      out.push(
        err({
          code: "GLUE_COLUMN_COMMENT_TOO_LONG",
          message: `comment of ${what} ${JSON.stringify(name ?? i)} of Glue table ${node.path} is ${len} characters; Glue allows at most ${GLUE_COMMENT_MAX}`,
          ...at(source, [...base, "comment"]),
          hint: `Shorten it by ${len - GLUE_COMMENT_MAX} characters; the table description can hold up to ${GLUE_DESCRIPTION_MAX}.`,
        }),
      );
    const bad = badOf(comment, NOT_SINGLE_LINE);
    if (bad.length)
      out.push(
        err({
          code: "GLUE_COLUMN_COMMENT_INVALID_CHARACTER",
          message: `comment of ${what} ${JSON.stringify(name ?? i)} of Glue table ${node.path} contains ${bad.join(", ")}; Glue column comments are a single line (tab allowed)`,
          ...at(source, [...base, "comment"]),
          hint: "Put the comment on one line.",
        }),
      );
  }
  return out;
}

/** Every Glue problem of a Glue database entry (see the module comment). Never throws. */
export function checkGlueDatabaseEntry(node: EntryNode, source: Locator): Problem[] {
  return checkDescription(node, source, "Glue database");
}

/** Every Glue problem of a Glue table entry (see the module comment). Never throws. */
export function checkGlueTableEntry(node: EntryNode, source: Locator): Problem[] {
  const out = checkDescription(node, source, "Glue table");
  for (const key of ["columns", "partition_keys"] as const) {
    const list = node.entry[key];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      const column = rec(c);
      if (column) out.push(...checkColumn(node, source, key, i, column));
    });
  }
  return out;
}
