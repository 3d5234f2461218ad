import { describe, expect, it } from "vitest";
import { parseDataType, type TypeDialect, walkType } from "./data-types.js";

const ok = (src: string, d: TypeDialect) => {
  const r = parseDataType(src, d);
  if (!r.ok) throw new Error(`${src}: ${r.error.message} at ${r.error.at}`);
  return r.type;
};
const bad = (src: string, d: TypeDialect) => {
  const r = parseDataType(src, d);
  if (r.ok) throw new Error(`${src} parsed`);
  return `${r.error.message} @${r.error.at}`;
};

describe("parseDataType: Glue/Athena (Hive DDL names)", () => {
  it.each([
    "string",
    "BIGINT",
    "int",
    "integer",
    "double",
    "boolean",
    "date",
    "timestamp",
    "binary",
    "decimal",
    "decimal(12,2)",
    "DECIMAL(38, 38)",
    "decimal(15)",
    "char",
    "char(10)",
    "varchar(65535)",
    "array<string>",
    "map<string,int>",
    "map<int, array<struct<a:int,b_2:string>>>",
    "struct<street:string, zip:int, 1st:boolean>",
  ])("accepts %s", (t) => {
    expect(() => ok(t, "glue")).not.toThrow();
  });

  it("reports the bad token and its position", () => {
    expect(bad("not a type <", "glue")).toBe('unknown type "not" @0');
    expect(bad("map<string,>", "glue")).toBe('expected a type name, found ">" @11');
    expect(bad("array<int", "glue")).toBe('expected ">" to close array<...>, found the end of the type @9');
    expect(bad("decimal(40,2)", "glue")).toBe("decimal precision 40 is outside 1–38 @8");
    expect(bad("decimal(5,6)", "glue")).toBe("decimal scale 6 is outside 0–5 (the precision) @10");
    expect(bad("char(256)", "glue")).toBe("char length 256 is outside 1–255 @5");
    expect(bad("varchar", "glue")).toBe("varchar needs a length: varchar(n) @7");
    expect(bad("varchar(65536)", "glue")).toBe("varchar length 65536 is outside 1–65535 @8");
    expect(bad("string(10)", "glue")).toBe("string takes no parameters @6");
    expect(bad("int int", "glue")).toBe('unexpected "int" after the type @4');
    expect(bad("", "glue")).toBe("empty @0");
  });

  it("refuses what Athena does not have, with advice", () => {
    expect(bad("long", "glue")).toBe('unknown type "long" (use "bigint") @0');
    expect(bad("variant", "glue")).toMatch(/Athena has no VARIANT/);
    expect(bad("timestamp_ntz", "glue")).toMatch(/use "timestamp"/);
    expect(bad("map<array<int>,string>", "glue")).toBe("map keys must be a primitive type, not array @4");
    expect(bad("struct<`a b`:int>", "glue")).toBe('unexpected character "`" @7');
    expect(bad("struct<a:int comment 'x'>", "glue")).toBe(`unexpected character "'" @21`);
    expect(bad("struct<a-b:int>", "glue")).toBe('unexpected character "-" @8');
    expect(bad("struct<a int>", "glue")).toMatch(/^expected ":" between struct field "a" and its type/);
    expect(bad("x".repeat(131073), "glue")).toBe("longer than 131072 characters (131073) @0");
  });
});

describe("parseDataType: Spark SQL (what the UC table provider renders)", () => {
  it.each([
    "STRING",
    "long",
    "TIMESTAMP_NTZ",
    "variant",
    "void",
    "decimal",
    "numeric(10,2)",
    "varchar(20)",
    "map<array<int>,string>",
    "struct<`a b`:int NOT NULL COMMENT 'x, y', c:array<string>>",
    "struct<>",
  ])("accepts %s", (t) => {
    expect(() => ok(t, "spark")).not.toThrow();
  });

  it("refuses what Spark or the provider refuse, at the bad token", () => {
    expect(bad("char", "spark")).toBe("char needs a length: char(n) @4");
    expect(bad("struct<a int>", "spark")).toMatch(
      /^expected ":" between struct field "a" and its type .* @9$/,
    );
    expect(bad("interval", "spark")).toBe(
      'unknown type "interval" (Delta tables cannot store INTERVAL columns) @0',
    );
    expect(bad("struct<a:int NOT>", "spark")).toBe('expected NULL after NOT, found ">" @16');
    expect(bad("array<>", "spark")).toBe('expected a type name, found ">" @6');
    expect(bad("struct<`open:int>", "spark")).toBe("unclosed backtick @7");
  });

  it("walks every node with its struct path", () => {
    const t = ok("struct<a:struct<>,b:map<string,array<void>>>", "spark");
    expect([...walkType(t)].map((n) => `${n.path.join(".")}=${n.type.kind}`)).toEqual([
      "=struct",
      "a=struct",
      "b=map",
      "b.key=primitive",
      "b.value=array",
      "b.value.element=primitive",
    ]);
  });
});
