/**
 * SQL text for Unity Catalog tables, built only from validated parts: identifiers are always
 * backtick-quoted (embedded backticks doubled), strings are escaped literals, and column types
 * are parsed with a Spark SQL type grammar and re-rendered from the parse tree — user text is
 * never pasted into a statement. Validation failures are ProviderError `invalid_input`
 * (nothing was sent).
 */
import type { ErrorCode } from "../../core/error-codes.js";
import { ProviderError } from "../../core/errors.js";
import type { Column } from "../../core/resources.js";

function invalid(code: ErrorCode, message: string, hint?: string): ProviderError {
  return new ProviderError("invalid_input", code, message, { hint });
}

/**
 * Check a Unity Catalog object name (catalog, schema, table, volume): 1–255 chars, none of
 * `.`, space, `/`, control characters or DEL. Throws `DBX_UC_NAME_INVALID`.
 */
export function assertUcName(name: string, what: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
  if (name.length < 1 || name.length > 255 || /[.\s/\u0000-\u001f\u007f]/.test(name)) {
    throw invalid(
      "DBX_UC_NAME_INVALID",
      `${what} name ${JSON.stringify(name)} is not a valid Unity Catalog name`,
      "Unity Catalog names are 1–255 characters without '.', spaces, '/' or control characters.",
    );
  }
}

/** Backtick-quote one identifier; embedded backticks are doubled. Rejects control characters. */
export function quoteIdent(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
  if (name.length === 0 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw invalid(
      "DBX_SQL_IDENTIFIER_INVALID",
      `Identifier ${JSON.stringify(name)} is empty or contains control characters`,
    );
  }
  return `\`${name.replaceAll("`", "``")}\``;
}

/** `catalog`.`schema`.`table` with each part quoted. */
export function qualifiedName(catalog: string, schema: string, table: string): string {
  return [catalog, schema, table].map(quoteIdent).join(".");
}

/** A Spark SQL string literal: backslashes and single quotes escaped, control chars as escapes. */
export function stringLiteral(s: string): string {
  let out = "'";
  for (const ch of s) {
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "\\'";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch.charCodeAt(0) < 0x20 || ch === "\u007f")
      out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}'`;
}

// ---------------------------------------------------------------------------------------------
// Spark SQL data type grammar
//   type      := primitive | decimal | varchar | array | map | struct
//   decimal   := (DECIMAL|DEC|NUMERIC) [ '(' p [',' s] ')' ]        1 ≤ p ≤ 38, 0 ≤ s ≤ p
//   varchar   := (VARCHAR|CHAR) '(' n ')'                          n ≥ 1
//   array     := ARRAY '<' type '>'
//   map       := MAP '<' type ',' type '>'
//   struct    := STRUCT '<' [field (',' field)*] '>'
//   field     := name ':' type [NOT NULL] [COMMENT 'string']
// ---------------------------------------------------------------------------------------------

const PRIMITIVES: Record<string, string> = {
  boolean: "boolean",
  tinyint: "tinyint",
  byte: "tinyint",
  smallint: "smallint",
  short: "smallint",
  int: "int",
  integer: "int",
  bigint: "bigint",
  long: "bigint",
  float: "float",
  real: "float",
  double: "double",
  date: "date",
  timestamp: "timestamp",
  timestamp_ltz: "timestamp",
  timestamp_ntz: "timestamp_ntz",
  string: "string",
  binary: "binary",
  variant: "variant",
  void: "void",
};

type Tok = { kind: "word" | "num" | "punct" | "ident" | "str"; text: string };

function tokenizeType(src: string, fail: () => never): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      toks.push({ kind: "word", text: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(src.slice(i)) as RegExpExecArray;
      toks.push({ kind: "num", text: m[0] });
      i += m[0].length;
    } else if ("<>(),:".includes(c)) {
      toks.push({ kind: "punct", text: c });
      i++;
    } else if (c === "`") {
      let j = i + 1;
      let name = "";
      for (;;) {
        if (j >= src.length) fail();
        if (src[j] === "`") {
          if (src[j + 1] === "`") {
            name += "`";
            j += 2;
            continue;
          }
          break;
        }
        name += src[j];
        j++;
      }
      toks.push({ kind: "ident", text: name });
      i = j + 1;
    } else if (c === "'") {
      let j = i + 1;
      let s = "";
      for (;;) {
        if (j >= src.length) fail();
        const d = src[j] as string;
        if (d === "\\") {
          s += src[j + 1] ?? "";
          j += 2;
          continue;
        }
        if (d === "'") break;
        s += d;
        j++;
      }
      toks.push({ kind: "str", text: s });
      i = j + 1;
    } else {
      fail();
    }
  }
  return toks;
}

/**
 * Parse a Spark SQL column type and return its canonical lower-case rendering (e.g.
 * `DECIMAL(10, 2)` → `decimal(10,2)`, `Struct<a: Int>` → `struct<a:int>`). Throws
 * `DBX_SQL_TYPE_INVALID` for anything outside the grammar.
 */
export function canonicalSparkType(src: string): string {
  const fail = (): never => {
    throw invalid(
      "DBX_SQL_TYPE_INVALID",
      `Column type ${JSON.stringify(src)} is not a valid Spark SQL type`,
      "Use e.g. string, bigint, decimal(10,2), varchar(20), array<string>, map<string,int>, struct<a:int,b:string>.",
    );
  };
  if (src.length > 4096) fail();
  const toks = tokenizeType(src, fail);
  let pos = 0;
  const peek = () => toks[pos];
  const next = () => toks[pos++] ?? fail();
  const expect = (text: string) => {
    const t = next();
    if (t.kind !== "punct" || t.text !== text) fail();
  };
  const isPunct = (text: string) => peek()?.kind === "punct" && peek()?.text === text;
  const num = (min: number, max: number) => {
    const t = next();
    if (t.kind !== "num") fail();
    const n = Number(t.text);
    if (n < min || n > max) fail();
    return n;
  };
  const parse = (depth: number): string => {
    if (depth > 32) fail();
    const t = next();
    if (t.kind !== "word") fail();
    const w = t.text.toLowerCase();
    const prim = PRIMITIVES[w];
    if (prim) return prim;
    if (w === "decimal" || w === "dec" || w === "numeric") {
      if (!isPunct("(")) return "decimal(10,0)";
      expect("(");
      const p = num(1, 38);
      let s = 0;
      if (isPunct(",")) {
        expect(",");
        s = num(0, p);
      }
      expect(")");
      return `decimal(${p},${s})`;
    }
    if (w === "varchar" || w === "char") {
      expect("(");
      const n = num(1, 1_000_000);
      expect(")");
      return `${w}(${n})`;
    }
    if (w === "array") {
      expect("<");
      const el = parse(depth + 1);
      expect(">");
      return `array<${el}>`;
    }
    if (w === "map") {
      expect("<");
      const k = parse(depth + 1);
      expect(",");
      const v = parse(depth + 1);
      expect(">");
      return `map<${k},${v}>`;
    }
    if (w === "struct") {
      expect("<");
      const fields: string[] = [];
      while (!isPunct(">")) {
        if (fields.length) expect(",");
        const nameTok = next();
        if (nameTok.kind !== "word" && nameTok.kind !== "ident") fail();
        expect(":");
        let field = `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(nameTok.text) ? nameTok.text : quoteIdent(nameTok.text)}:${parse(depth + 1)}`;
        if (peek()?.kind === "word" && peek()?.text.toLowerCase() === "not") {
          next();
          const n = next();
          if (n.kind !== "word" || n.text.toLowerCase() !== "null") fail();
          field += " not null";
        }
        if (peek()?.kind === "word" && peek()?.text.toLowerCase() === "comment") {
          next();
          const c = next();
          if (c.kind !== "str") fail();
          field += ` comment ${stringLiteral(c.text)}`;
        }
        fields.push(field);
      }
      expect(">");
      return `struct<${fields.join(",")}>`;
    }
    return fail();
  };
  const out = parse(0);
  if (pos !== toks.length) fail();
  return out;
}

export interface CreateTableSpec {
  catalog: string;
  schema: string;
  table: string;
  columns: Column[];
  comment?: string;
  partitionBy?: string[];
  properties: Record<string, string>;
}

function propertyList(props: Record<string, string>): string {
  return Object.entries(props)
    .map(([k, v]) => `${stringLiteral(k)} = ${stringLiteral(v)}`)
    .join(", ");
}

/**
 * `CREATE TABLE` for a managed Delta table. Throws ProviderError `invalid_input` for a bad name,
 * type, duplicate column, no columns, or a partition column that is not a column.
 */
export function buildCreateTable(spec: CreateTableSpec): string {
  assertUcName(spec.catalog, "Catalog");
  assertUcName(spec.schema, "Schema");
  assertUcName(spec.table, "Table");
  if (spec.columns.length === 0) throw invalid("DBX_TABLE_NO_COLUMNS", `Table ${spec.table} has no columns`);
  const seen = new Set<string>();
  const cols = spec.columns.map((c) => {
    const key = c.name.toLowerCase();
    if (seen.has(key))
      throw invalid(
        "DBX_TABLE_DUPLICATE_COLUMN",
        `Table ${spec.table} has column ${JSON.stringify(c.name)} twice`,
      );
    seen.add(key);
    let def = `${quoteIdent(c.name)} ${canonicalSparkType(c.type)}`;
    if (c.comment !== undefined) def += ` COMMENT ${stringLiteral(c.comment)}`;
    return def;
  });
  let sql = `CREATE TABLE ${qualifiedName(spec.catalog, spec.schema, spec.table)} (${cols.join(", ")}) USING DELTA`;
  if (spec.partitionBy?.length) {
    for (const p of spec.partitionBy) {
      if (!seen.has(p.toLowerCase()))
        throw invalid(
          "DBX_TABLE_PARTITION_INVALID",
          `Partition column ${JSON.stringify(p)} is not a column of ${spec.table}`,
        );
    }
    sql += ` PARTITIONED BY (${spec.partitionBy.map(quoteIdent).join(", ")})`;
  }
  if (spec.comment !== undefined) sql += ` COMMENT ${stringLiteral(spec.comment)}`;
  if (Object.keys(spec.properties).length) sql += ` TBLPROPERTIES (${propertyList(spec.properties)})`;
  return sql;
}

/** `ALTER TABLE … SET TBLPROPERTIES (…)`. */
export function buildSetProperties(full: [string, string, string], props: Record<string, string>): string {
  return `ALTER TABLE ${qualifiedName(...full)} SET TBLPROPERTIES (${propertyList(props)})`;
}

/** `ALTER TABLE … UNSET TBLPROPERTIES IF EXISTS (…)`. */
export function buildUnsetProperties(full: [string, string, string], keys: string[]): string {
  return `ALTER TABLE ${qualifiedName(...full)} UNSET TBLPROPERTIES IF EXISTS (${keys.map(stringLiteral).join(", ")})`;
}

/** `COMMENT ON TABLE … IS '…'` (NULL removes the comment). */
export function buildCommentOnTable(full: [string, string, string], comment: string | undefined): string {
  return `COMMENT ON TABLE ${qualifiedName(...full)} IS ${comment === undefined ? "NULL" : stringLiteral(comment)}`;
}

/**
 * `ALTER TABLE c.s.t RENAME TO c.s.new`. Databricks renames "within the same schema"
 * (docs.databricks.com/gcp/en/sql/language-manual/sql-ref-syntax-ddl-alter-table, RENAME TO), so
 * the target repeats the table's catalog and schema: qualified, it cannot resolve against a
 * session's current schema. Throws `DBX_UC_NAME_INVALID` for a name Unity Catalog refuses.
 */
export function buildRenameTable(full: [string, string, string], newName: string): string {
  assertUcName(newName, "Table");
  return `ALTER TABLE ${qualifiedName(...full)} RENAME TO ${qualifiedName(full[0], full[1], newName)}`;
}
