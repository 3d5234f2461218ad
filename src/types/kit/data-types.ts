/**
 * Column type expressions, parsed the way the engine that reads them would: Glue/Athena (Hive
 * DDL type names) for Glue tables, Spark SQL (Databricks) for Unity Catalog tables. One small
 * recursive-descent parser serves both because the two grammars have the same shape
 * (`name`, `name(n[, m])`, `array<T>`, `map<K, V>`, `struct<field: T, ...>`); what differs is the
 * vocabulary and the limits, which live in one table per dialect:
 *
 * - Glue/Athena — https://docs.aws.amazon.com/athena/latest/ug/data-types.html (DDL column):
 *   boolean, tinyint, smallint, int/integer, bigint, float, double, decimal[(p[,s])] (p ≤ 38),
 *   char[(n)] (1–255), varchar(n) (1–65535, Hive LanguageManual Types), string, binary, date,
 *   timestamp, array<T>, map<primitive, T>, struct<name:T, ...>. Field names: letters, digits, `_`
 *   (https://repost.aws/knowledge-center/parse-exception-missing-eof-athena).
 * - Spark SQL — https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-datatypes, limited
 *   to what dpn's table provider renders into DDL (src/providers/databricks/sql-ddl.ts
 *   `canonicalSparkType`), so that a type that validates is also one the provider sends.
 *
 * Pure; never throws: a bad type is returned as an error with the offset of the bad token.
 */

export type TypeDialect = "glue" | "spark";

export type DataType =
  | { kind: "primitive"; name: string; params: number[]; at: number }
  | { kind: "array"; element: DataType; at: number }
  | { kind: "map"; key: DataType; value: DataType; at: number }
  | { kind: "struct"; fields: StructField[]; at: number };

export interface StructField {
  name: string;
  type: DataType;
  /** Offset of the field name in the source. */
  at: number;
}

/** Why a type does not parse, and where: `at` is the 0-based offset of the bad token. */
export interface TypeSyntaxError {
  message: string;
  at: number;
}

export type ParsedType = { ok: true; type: DataType } | { ok: false; error: TypeSyntaxError };

interface Param {
  /** Parameters the type takes: none, optional, or required. */
  use: "optional" | "required";
  /** [min, max] of each parameter, in order; a later parameter's max may be "previous". */
  ranges: [number, number | "previous"][];
  /** Minimum number of parameters when present. */
  min: number;
}

interface DialectSpec {
  label: string;
  /** Types without parameters, by lower-case name. */
  simple: ReadonlySet<string>;
  /** Types with parameters (decimal, char, varchar), by lower-case name. */
  params: Readonly<Record<string, Param>>;
  /** Names of the other dialect (or common mistakes) → the advice to give. */
  advice: Readonly<Record<string, string>>;
  /** Struct field names: a bare identifier pattern; backticks allowed when `quoted`. */
  fieldName: RegExp;
  quotedFields: boolean;
  /** `NOT NULL` and `COMMENT '...'` after a struct field's type. */
  fieldModifiers: boolean;
  /** Map keys must be primitive. */
  primitiveMapKeys: boolean;
  maxLength: number;
}

const DECIMAL: Param = {
  use: "optional",
  min: 1,
  ranges: [
    [1, 38],
    [0, "previous"],
  ],
};

const DIALECTS: Record<TypeDialect, DialectSpec> = {
  glue: {
    label: "Glue/Athena",
    simple: new Set([
      "boolean",
      "tinyint",
      "smallint",
      "int",
      "integer",
      "bigint",
      "float",
      "double",
      "string",
      "binary",
      "date",
      "timestamp",
    ]),
    params: {
      decimal: DECIMAL,
      char: { use: "optional", min: 1, ranges: [[1, 255]] },
      varchar: { use: "required", min: 1, ranges: [[1, 65535]] },
    },
    advice: {
      long: 'use "bigint"',
      short: 'use "smallint"',
      byte: 'use "tinyint"',
      real: 'use "float" (REAL is a DML name)',
      text: 'use "string"',
      dec: 'use "decimal"',
      numeric: 'use "decimal"',
      timestamp_ntz: 'use "timestamp"',
      timestamp_ltz: 'use "timestamp"',
      variant: 'Athena has no VARIANT; use "string" (JSON text)',
      void: "Athena has no VOID type",
      uniontype: "Athena does not support UNIONTYPE",
      interval: "Athena DDL has no INTERVAL type",
      json: 'use "string"',
    },
    fieldName: /^[A-Za-z0-9_]+$/,
    quotedFields: false,
    fieldModifiers: false,
    primitiveMapKeys: true,
    // botocore glue/2017-03-31 service-2.json: ColumnTypeString max 131072.
    maxLength: 131072,
  },
  spark: {
    label: "Spark SQL",
    simple: new Set([
      "boolean",
      "tinyint",
      "byte",
      "smallint",
      "short",
      "int",
      "integer",
      "bigint",
      "long",
      "float",
      "real",
      "double",
      "date",
      "timestamp",
      "timestamp_ltz",
      "timestamp_ntz",
      "string",
      "binary",
      "variant",
      "void",
    ]),
    params: {
      decimal: DECIMAL,
      dec: DECIMAL,
      numeric: DECIMAL,
      // The engine documents no upper bound; 1,000,000 is the most the table provider renders.
      char: { use: "required", min: 1, ranges: [[1, 1_000_000]] },
      varchar: { use: "required", min: 1, ranges: [[1, 1_000_000]] },
    },
    advice: {
      text: 'use "string"',
      datetime: 'use "timestamp"',
      uniontype: "Spark SQL has no UNIONTYPE",
      interval: "Delta tables cannot store INTERVAL columns",
      null: 'VOID (NULL) columns are refused; use the real type, e.g. "string"',
      json: 'use "string" or "variant"',
    },
    fieldName: /^[A-Za-z_][A-Za-z0-9_]*$/,
    quotedFields: true,
    fieldModifiers: true,
    primitiveMapKeys: false,
    // The table provider refuses longer type text (sql-ddl.ts).
    maxLength: 4096,
  },
};

/** The dialect's name for messages ("Glue/Athena", "Spark SQL"). */
export function dialectLabel(d: TypeDialect): string {
  return DIALECTS[d].label;
}

type Tok =
  | { kind: "word" | "num" | "punct" | "ident" | "str"; text: string; at: number }
  | { kind: "end"; text: ""; at: number };

class Fail {
  constructor(readonly error: TypeSyntaxError) {}
}

const describe = (t: Tok) => (t.kind === "end" ? "the end of the type" : JSON.stringify(t.text));

function tokenize(src: string, spec: DialectSpec): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const fail = (message: string, at: number): never => {
    throw new Fail({ message, at });
  };
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      toks.push({ kind: "word", text: m[0], at: i });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+[A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      // A field name may start with a digit in Glue (`struct<1st:int>`); the parser decides.
      toks.push({ kind: /^[0-9]+$/.test(m[0]) ? "num" : "word", text: m[0], at: i });
      i += m[0].length;
    } else if ("<>(),:".includes(c)) {
      toks.push({ kind: "punct", text: c, at: i });
      i++;
    } else if (c === "`" && spec.quotedFields) {
      let j = i + 1;
      let name = "";
      for (;;) {
        if (j >= src.length) fail("unclosed backtick", i);
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
      toks.push({ kind: "ident", text: name, at: i });
      i = j + 1;
    } else if (c === "'" && spec.fieldModifiers) {
      let j = i + 1;
      let s = "";
      for (;;) {
        if (j >= src.length) fail("unclosed string", i);
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
      toks.push({ kind: "str", text: s, at: i });
      i = j + 1;
    } else {
      fail(`unexpected character ${JSON.stringify(c)}`, i);
    }
  }
  toks.push({ kind: "end", text: "", at: src.length });
  return toks;
}

/** Parsed types by dialect and text: a blueprint repeats a few column types thousands of times. */
const parsedCache: Record<TypeDialect, Map<string, ParsedType>> = { glue: new Map(), spark: new Map() };
const PARSED_CACHE_MAX = 4096;

/**
 * Parses a column type in the given dialect. Returns the type tree, or the first syntax error
 * with its offset; never throws. The result is shared between equal inputs: treat it as read-only.
 */
export function parseDataType(src: string, dialect: TypeDialect): ParsedType {
  const cache = parsedCache[dialect];
  const hit = cache.get(src);
  if (hit) return hit;
  const parsed = parseUncached(src, dialect);
  if (cache.size >= PARSED_CACHE_MAX) cache.clear();
  cache.set(src, parsed);
  return parsed;
}

function parseUncached(src: string, dialect: TypeDialect): ParsedType {
  const spec = DIALECTS[dialect];
  try {
    if (src.length > spec.maxLength)
      throw new Fail({ message: `longer than ${spec.maxLength} characters (${src.length})`, at: 0 });
    if (src.trim() === "") throw new Fail({ message: "empty", at: 0 });
    const toks = tokenize(src, spec);
    let pos = 0;
    const peek = () => toks[pos] as Tok;
    const next = () => toks[Math.min(pos++, toks.length - 1)] as Tok;
    const fail = (message: string, t: Tok): never => {
      throw new Fail({ message, at: t.at });
    };
    const isPunct = (text: string) => peek().kind === "punct" && peek().text === text;
    const expect = (text: string, after: string) => {
      const t = next();
      if (t.kind !== "punct" || t.text !== text) fail(`expected "${text}" ${after}, found ${describe(t)}`, t);
    };
    const isWord = (w: string) => peek().kind === "word" && peek().text.toLowerCase() === w;

    const parse = (depth: number): DataType => {
      const t = next();
      if (depth > 32) fail("nested more than 32 levels deep", t);
      if (t.kind !== "word") fail(`expected a type name, found ${describe(t)}`, t);
      const w = t.text.toLowerCase();
      if (spec.simple.has(w)) {
        if (isPunct("(")) fail(`${w} takes no parameters`, peek());
        return { kind: "primitive", name: w, params: [], at: t.at };
      }
      const param = spec.params[w];
      if (param) {
        const params: number[] = [];
        if (!isPunct("(")) {
          if (param.use === "required") fail(`${w} needs a length: ${w}(n)`, peek());
          return { kind: "primitive", name: w, params, at: t.at };
        }
        expect("(", `after ${w}`);
        for (let k = 0; ; k++) {
          const range = param.ranges[k];
          const n = next();
          if (!range) fail(`${w} takes at most ${param.ranges.length} parameter(s)`, n);
          if (n.kind !== "num") fail(`expected a number in ${w}(...), found ${describe(n)}`, n);
          const value = Number(n.text);
          const [lo, hiSpec] = range as [number, number | "previous"];
          const hi = hiSpec === "previous" ? (params[k - 1] as number) : hiSpec;
          if (value < lo || value > hi) {
            const what =
              w.startsWith("dec") || w === "numeric" ? (k === 0 ? "precision" : "scale") : "length";
            fail(
              `${w} ${what} ${value} is outside ${lo}–${hi}${hiSpec === "previous" ? " (the precision)" : ""}`,
              n,
            );
          }
          params.push(value);
          if (isPunct(",")) {
            next();
            continue;
          }
          break;
        }
        if (params.length < param.min) fail(`${w} needs ${param.min} parameter(s)`, peek());
        expect(")", `to close ${w}(...)`);
        return { kind: "primitive", name: w, params, at: t.at };
      }
      if (w === "array") {
        expect("<", "after array");
        const element = parse(depth + 1);
        expect(">", "to close array<...>");
        return { kind: "array", element, at: t.at };
      }
      if (w === "map") {
        expect("<", "after map");
        const key = parse(depth + 1);
        if (spec.primitiveMapKeys && key.kind !== "primitive")
          throw new Fail({ message: `map keys must be a primitive type, not ${key.kind}`, at: key.at });
        expect(",", "between the key and value types of map<K, V>");
        const value = parse(depth + 1);
        expect(">", "to close map<K, V>");
        return { kind: "map", key, value, at: t.at };
      }
      if (w === "struct") {
        expect("<", "after struct");
        const fields: StructField[] = [];
        while (!isPunct(">")) {
          if (fields.length) expect(",", "between struct fields");
          const n = next();
          const bare = (n.kind === "word" || n.kind === "num") && spec.fieldName.test(n.text);
          const name = n.text;
          if (n.kind !== "ident" && !bare)
            fail(
              n.kind === "end"
                ? 'expected a struct field name or ">"'
                : `expected a struct field name (${spec.quotedFields ? "an identifier, or any text in backticks" : "letters, digits and _"}), found ${describe(n)}`,
              n,
            );
          expect(":", `between struct field ${JSON.stringify(name)} and its type (write name:type)`);
          const type = parse(depth + 1);
          if (spec.fieldModifiers) {
            if (isWord("not")) {
              next();
              const nul = next();
              if (nul.kind !== "word" || nul.text.toLowerCase() !== "null")
                fail(`expected NULL after NOT, found ${describe(nul)}`, nul);
            }
            if (isWord("comment")) {
              next();
              const c = next();
              if (c.kind !== "str") fail(`expected a quoted comment after COMMENT, found ${describe(c)}`, c);
            }
          }
          fields.push({ name, type, at: n.at });
        }
        expect(">", "to close struct<...>");
        return { kind: "struct", fields, at: t.at };
      }
      const advice = spec.advice[w];
      return fail(`unknown type ${JSON.stringify(t.text)}${advice ? ` (${advice})` : ""}`, t);
    };
    const type = parse(0);
    const rest = peek();
    if (rest.kind !== "end") fail(`unexpected ${describe(rest)} after the type`, rest);
    return { ok: true, type };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.error };
    throw e;
  }
}

/** Every node of a type tree, depth first, with the struct field path that leads to it. */
export function* walkType(t: DataType, path: string[] = []): Generator<{ type: DataType; path: string[] }> {
  yield { type: t, path };
  if (t.kind === "array") yield* walkType(t.element, [...path, "element"]);
  else if (t.kind === "map") {
    yield* walkType(t.key, [...path, "key"]);
    yield* walkType(t.value, [...path, "value"]);
  } else if (t.kind === "struct") for (const f of t.fields) yield* walkType(f.type, [...path, f.name]);
}
