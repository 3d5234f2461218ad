/**
 * The fake's SQL front end: a tokenizer with Spark's literal rules (backslash escapes, adjacent
 * string literals concatenate, `--` and block comments) and a parser for the DDL subset dpn
 * emits. Anything else — including a second statement after `;` — is a syntax error, so an
 * injection that escaped its quoting shows up as a FAILED statement.
 */

/** A parsed column type, for the semantic checks the service makes (server.ts). */
export type TypeNode =
  | { kind: "primitive"; name: string }
  | { kind: "array"; element: TypeNode }
  | { kind: "map"; key: TypeNode; value: TypeNode }
  | { kind: "struct"; fields: { name: string; type: TypeNode }[] };

export type Stmt =
  | {
      kind: "create_table";
      ifNotExists: boolean;
      name: [string, string, string];
      columns: { name: string; type: string; node: TypeNode; nullable: boolean; comment?: string }[];
      using?: string;
      partitionBy: string[];
      comment?: string;
      properties: Record<string, string>;
    }
  | { kind: "drop_table"; ifExists: boolean; name: [string, string, string] }
  | { kind: "set_props"; name: [string, string, string]; properties: Record<string, string> }
  | { kind: "unset_props"; name: [string, string, string]; ifExists: boolean; keys: string[] }
  | { kind: "comment_table"; name: [string, string, string]; comment: string | null }
  /** `to`: the new name as written, 1 to 3 parts (an unqualified one stays in the table's schema). */
  | { kind: "rename_table"; name: [string, string, string]; to: string[] };

export class SqlError extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
    readonly sqlState: string,
  ) {
    super(`[${errorClass}] ${message}`);
  }
}

type Tok = { t: "word" | "ident" | "str" | "num" | "p"; v: string };

const syntax = (msg: string) => new SqlError("PARSE_SYNTAX_ERROR", `Syntax error ${msg}.`, "42601");

export function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "-" && sql[i + 1] === "-") {
      while (i < sql.length && sql[i] !== "\n") i++;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      if (end < 0) throw syntax("unclosed comment");
      i = end + 2;
    } else if (c === "`") {
      let v = "";
      i++;
      for (;;) {
        if (i >= sql.length) throw syntax("unclosed quoted identifier");
        if (sql[i] === "`") {
          if (sql[i + 1] === "`") {
            v += "`";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += sql[i++];
      }
      out.push({ t: "ident", v });
    } else if (c === "'" || c === '"') {
      let v = "";
      i++;
      for (;;) {
        if (i >= sql.length) throw syntax("unclosed string literal");
        const d = sql[i] as string;
        if (d === "\\") {
          const e = sql[i + 1] ?? "";
          if (e === "u") {
            v += String.fromCharCode(Number.parseInt(sql.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          v += e === "n" ? "\n" : e === "t" ? "\t" : e === "r" ? "\r" : e === "0" ? "\0" : e;
          i += 2;
          continue;
        }
        if (d === c) {
          i++;
          break;
        }
        v += d;
        i++;
      }
      const prev = out[out.length - 1];
      // Spark: adjacent string literals are concatenated ('a' 'b' = 'ab').
      if (prev?.t === "str") prev.v += v;
      else out.push({ t: "str", v });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i)) as RegExpExecArray;
      out.push({ t: "word", v: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(sql.slice(i)) as RegExpExecArray;
      out.push({ t: "num", v: m[0] });
      i += m[0].length;
    } else if ("(),.;<>:=".includes(c)) {
      out.push({ t: "p", v: c });
      i++;
    } else {
      throw syntax(`at or near '${c}'`);
    }
  }
  return out;
}

const PRIMITIVE: Record<string, string> = {
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

export function parseStatement(sql: string): Stmt {
  const toks = tokenize(sql);
  let pos = 0;
  const peek = (k = 0) => toks[pos + k];
  const next = (): Tok => {
    const t = toks[pos++];
    if (!t) throw syntax("at end of input");
    return t;
  };
  const isWord = (w: string, k = 0) => peek(k)?.t === "word" && peek(k)?.v.toUpperCase() === w;
  const word = (w: string) => {
    const t = next();
    if (t.t !== "word" || t.v.toUpperCase() !== w) throw syntax(`at or near '${t.v}': expected ${w}`);
  };
  const punct = (p: string) => {
    const t = next();
    if (t.t !== "p" || t.v !== p) throw syntax(`at or near '${t.v}': expected '${p}'`);
  };
  const isPunct = (p: string) => peek()?.t === "p" && peek()?.v === p;
  const ident = (): string => {
    const t = next();
    if (t.t !== "word" && t.t !== "ident") throw syntax(`at or near '${t.v}': expected identifier`);
    return t.v;
  };
  const str = (): string => {
    const t = next();
    if (t.t !== "str") throw syntax(`at or near '${t.v}': expected string literal`);
    return t.v;
  };
  const qname = (): [string, string, string] => {
    const a = ident();
    punct(".");
    const b = ident();
    punct(".");
    const c = ident();
    return [a, b, c];
  };
  const type = (depth: number): [string, TypeNode] => {
    if (depth > 40) throw syntax("type nested too deeply");
    const w = next();
    if (w.t !== "word") throw syntax(`at or near '${w.v}': expected a type`);
    const n = w.v.toLowerCase();
    const prim = (name: string): [string, TypeNode] => [name, { kind: "primitive", name }];
    if (PRIMITIVE[n]) return prim(PRIMITIVE[n] as string);
    if (n === "decimal" || n === "dec" || n === "numeric") {
      if (!isPunct("(")) return prim("decimal(10,0)");
      punct("(");
      const p = Number(next().v);
      let sc = 0;
      if (isPunct(",")) {
        punct(",");
        sc = Number(next().v);
      }
      punct(")");
      if (!(p >= 1 && p <= 38 && sc >= 0 && sc <= p))
        throw new SqlError("DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION", `decimal(${p},${sc})`, "22003");
      return prim(`decimal(${p},${sc})`);
    }
    if (n === "varchar" || n === "char") {
      punct("(");
      const len = next();
      if (len.t !== "num") throw syntax("expected length");
      punct(")");
      return prim(`${n}(${len.v})`);
    }
    if (n === "array") {
      punct("<");
      const [e, en] = type(depth + 1);
      punct(">");
      return [`array<${e}>`, { kind: "array", element: en }];
    }
    if (n === "map") {
      punct("<");
      const [k, kn] = type(depth + 1);
      punct(",");
      const [v, vn] = type(depth + 1);
      punct(">");
      return [`map<${k},${v}>`, { kind: "map", key: kn, value: vn }];
    }
    if (n === "struct") {
      punct("<");
      const fields: string[] = [];
      const nodes: { name: string; type: TypeNode }[] = [];
      while (!isPunct(">")) {
        if (fields.length) punct(",");
        const f = ident();
        punct(":");
        const [ft, fn] = type(depth + 1);
        let def = `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(f) ? f : `\`${f.replaceAll("`", "``")}\``}:${ft}`;
        if (isWord("NOT")) {
          word("NOT");
          word("NULL");
          def += " not null";
        }
        if (isWord("COMMENT")) {
          word("COMMENT");
          def += ` comment '${str().replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
        }
        fields.push(def);
        nodes.push({ name: f, type: fn });
      }
      punct(">");
      return [`struct<${fields.join(",")}>`, { kind: "struct", fields: nodes }];
    }
    throw new SqlError("UNSUPPORTED_DATATYPE", `Unsupported data type "${w.v}"`, "0A000");
  };
  const propList = (): Record<string, string> => {
    const props: Record<string, string> = {};
    punct("(");
    while (!isPunct(")")) {
      if (Object.keys(props).length) punct(",");
      const k = str();
      punct("=");
      props[k] = str();
    }
    punct(")");
    return props;
  };
  const end = () => {
    if (isPunct(";")) next();
    if (pos !== toks.length) throw syntax(`at or near '${peek()?.v}': extra input after the statement`);
  };

  let stmt: Stmt;
  if (isWord("CREATE")) {
    word("CREATE");
    word("TABLE");
    let ifNotExists = false;
    if (isWord("IF")) {
      word("IF");
      word("NOT");
      word("EXISTS");
      ifNotExists = true;
    }
    const name = qname();
    punct("(");
    const columns: { name: string; type: string; node: TypeNode; nullable: boolean; comment?: string }[] = [];
    while (!isPunct(")")) {
      if (columns.length) punct(",");
      const cn = ident();
      const [ct, node] = type(0);
      let nullable = true;
      let comment: string | undefined;
      if (isWord("NOT")) {
        word("NOT");
        word("NULL");
        nullable = false;
      }
      if (isWord("COMMENT")) {
        word("COMMENT");
        comment = str();
      }
      columns.push({ name: cn, type: ct, node, nullable, ...(comment !== undefined ? { comment } : {}) });
    }
    punct(")");
    const s: Extract<Stmt, { kind: "create_table" }> = {
      kind: "create_table",
      ifNotExists,
      name,
      columns,
      partitionBy: [],
      properties: {},
    };
    for (;;) {
      if (isWord("USING")) {
        word("USING");
        s.using = ident();
      } else if (isWord("PARTITIONED")) {
        word("PARTITIONED");
        word("BY");
        punct("(");
        while (!isPunct(")")) {
          if (s.partitionBy.length) punct(",");
          s.partitionBy.push(ident());
        }
        punct(")");
      } else if (isWord("COMMENT")) {
        word("COMMENT");
        s.comment = str();
      } else if (isWord("TBLPROPERTIES")) {
        word("TBLPROPERTIES");
        s.properties = propList();
      } else break;
    }
    stmt = s;
  } else if (isWord("DROP")) {
    word("DROP");
    word("TABLE");
    let ifExists = false;
    if (isWord("IF")) {
      word("IF");
      word("EXISTS");
      ifExists = true;
    }
    stmt = { kind: "drop_table", ifExists, name: qname() };
  } else if (isWord("ALTER")) {
    word("ALTER");
    word("TABLE");
    const name = qname();
    if (isWord("RENAME")) {
      word("RENAME");
      word("TO");
      const to = [ident()];
      while (isPunct(".")) {
        next();
        to.push(ident());
      }
      if (to.length > 3) throw syntax(`at or near '${to[3]}': a table name has at most 3 parts`);
      stmt = { kind: "rename_table", name, to };
    } else if (isWord("SET")) {
      word("SET");
      word("TBLPROPERTIES");
      stmt = { kind: "set_props", name, properties: propList() };
    } else {
      word("UNSET");
      word("TBLPROPERTIES");
      let ifExists = false;
      if (isWord("IF")) {
        word("IF");
        word("EXISTS");
        ifExists = true;
      }
      punct("(");
      const keys: string[] = [];
      while (!isPunct(")")) {
        if (keys.length) punct(",");
        keys.push(str());
      }
      punct(")");
      stmt = { kind: "unset_props", name, ifExists, keys };
    }
  } else if (isWord("COMMENT")) {
    word("COMMENT");
    word("ON");
    word("TABLE");
    const name = qname();
    word("IS");
    let comment: string | null;
    if (isWord("NULL")) {
      next();
      comment = null;
    } else comment = str();
    stmt = { kind: "comment_table", name, comment };
  } else {
    throw syntax(`at or near '${peek()?.v ?? "end of input"}'`);
  }
  end();
  return stmt;
}
