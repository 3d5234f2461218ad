import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DpnError } from "../core/errors.js";
import { formatPath, type PathSegment, parseJsonSource, parsePath } from "./json-source.js";

function syntaxError(text: string): DpnError {
  try {
    parseJsonSource(text, "bp.json");
  } catch (e) {
    return e as DpnError;
  }
  throw new Error("expected a syntax error");
}

describe("parseJsonSource", () => {
  it("returns the same value as JSON.parse", () => {
    const text = '{"a": [1, 2.5e3, -0, true, false, null, "x\\"y\\u00e9"], "b": {"__proto__": 1}}';
    const src = parseJsonSource(text, "bp.json");
    expect(src.value).toEqual(JSON.parse(text));
    expect(Object.keys((src.value as { b: object }).b)).toEqual(["__proto__"]);
    expect(src.problems).toEqual([]);
  });

  it.each([
    ['{\n  "a": 1,\n}', 3, 1, "another key after ',' (trailing commas are not allowed)", '"}"'],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, "',' or '}'", '"\\""'],
    [
      "{\n  'a': 1\n}",
      2,
      3,
      "a key in double quotes or '}'",
      "a single quote (JSON strings use double quotes)",
    ],
    ['{"a": "unterminated}', 1, 7, "a closing '\"' for the string that starts here", '"\\""'],
    ["[1, 2,]", 1, 7, "another value after ',' (trailing commas are not allowed)", '"]"'],
    ['{"a": tru}', 1, 7, "a value (object, array, string, number, true, false or null)", '"t"'],
    ['{"a": 1} x', 1, 10, "end of file after the top-level value", '"x"'],
    ["  \n ", 2, 2, "a JSON document (the file is empty)", "end of file"],
    ['{"a": 01}', 1, 8, "',' or '}'", '"1"'],
    ['{"a": "bad \\q escape"}', 1, 13, 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)', '"q"'],
  ])("reports %j at its line:column", (text, line, column, expected, found) => {
    const e = syntaxError(text);
    expect(e.code).toBe("BLUEPRINT_JSON_INVALID");
    expect(e.kind).toBe("validation");
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(`bp.json:${line}:${column}: invalid JSON: expected ${expected}, found ${found}`);
    expect(e.problems).toEqual([
      {
        code: "BLUEPRINT_JSON_INVALID",
        message: `invalid JSON: expected ${expected}, found ${found}`,
        file: "bp.json",
        line,
        column,
        severity: "error",
      },
    ]);
    expect(e.hint).toContain("no trailing commas");
  });

  it("tolerates a byte order mark and keeps columns of the visible text", () => {
    const src = parseJsonSource('\ufeff{"a": 1}', "bp.json");
    expect(src.value).toEqual({ a: 1 });
    expect(src.locate("$.a")).toEqual({ line: 1, column: 2 });
  });

  it("reports duplicate keys at the second key, and keeps the last value like JSON.parse", () => {
    const src = parseJsonSource('{\n  "a": 1,\n  "b": {"x": 1, "x": 2},\n  "a": 3\n}', "bp.json");
    expect(src.value).toEqual({ a: 3, b: { x: 2 } });
    expect(src.problems.map((p) => [p.code, p.line, p.column, p.message])).toEqual([
      [
        "BLUEPRINT_DUPLICATE_KEY",
        3,
        17,
        'key "x" appears twice in the same object; only the last one would be used',
      ],
      [
        "BLUEPRINT_DUPLICATE_KEY",
        4,
        3,
        'key "a" appears twice in the same object; only the last one would be used',
      ],
    ]);
  });

  it("finds duplicates in objects with many keys too", () => {
    const keys = Array.from({ length: 500 }, (_, i) => `"k${i}": ${i}`);
    const src = parseJsonSource(`{${keys.join(", ")}, "k3": 0, "k499": 1}`, "bp.json");
    expect(src.problems.map((p) => p.message)).toEqual([
      'key "k3" appears twice in the same object; only the last one would be used',
      'key "k499" appears twice in the same object; only the last one would be used',
    ]);
  });

  it("locates keys, values, array elements and missing paths", () => {
    const text = [
      "{",
      '  "resources": {',
      '    "list": [',
      '      {"k": "v"},',
      '      {"weird key": [10, 20]}',
      "    ]",
      "  }",
      "}",
    ].join("\n");
    const src = parseJsonSource(text, "bp.json");
    expect(src.locate("$")).toEqual({ line: 1, column: 1 });
    expect(src.locate("$.resources")).toEqual({ line: 2, column: 3 });
    expect(src.locateValue("$.resources")).toEqual({ line: 2, column: 16 });
    expect(src.locate("$.resources.list[0].k")).toEqual({ line: 4, column: 8 });
    expect(src.locateValue("$.resources.list[0].k")).toEqual({ line: 4, column: 13 });
    expect(src.locate('$.resources.list[1]["weird key"][1]')).toEqual({ line: 5, column: 26 });
    // A missing key is reported where its parent object starts.
    expect(src.locateValue("$.resources.list[0].missing")).toEqual({ line: 4, column: 7 });
    expect(src.locateValue("$.resources.list[7]")).toEqual({ line: 3, column: 5 });
  });

  it("skips escaped quotes and backslashes when indexing strings", () => {
    const src = parseJsonSource('{"a\\"b": "c\\\\", "d": "\\\\\\"", "e": 1}', "bp.json");
    expect(src.value).toEqual({ 'a"b': "c\\", d: '\\"', e: 1 });
    expect(src.locate("$.e")).toEqual({ line: 1, column: 30 });
    expect(src.locate('$["a\\"b"]')).toEqual({ line: 1, column: 2 });
  });
});

describe("formatPath / parsePath", () => {
  it("round-trips identifiers, indexes and quoted keys", () => {
    const segs = ["resources", "aws", "s3_buckets", 0, "tags", "Cost Center", 'a"b'];
    const path = formatPath(segs);
    expect(path).toBe('$.resources.aws.s3_buckets[0].tags["Cost Center"]["a\\"b"]');
    expect(parsePath(path)).toEqual(segs);
    expect(formatPath([])).toBe("$");
    expect(parsePath("resources")).toBeUndefined();
  });
});

describe("position index (property)", () => {
  function* paths(v: unknown, at: PathSegment[] = []): Generator<[PathSegment[], unknown]> {
    yield [at, v];
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) yield* paths(v[i], [...at, i]);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) yield* paths(x, [...at, k]);
  }

  it("points every path at the exact text of its value and key", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(0, 2, "\t"), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const lines = text.split("\n");
        const offset = (l: { line: number; column: number }) =>
          lines.slice(0, l.line - 1).reduce((n, x) => n + x.length + 1, 0) + l.column - 1;
        const src = parseJsonSource(text, "p.json");
        for (const [segs, v] of paths(JSON.parse(text))) {
          // Compare with the compact form of the value as it appears re-indented in the text.
          const expected = JSON.stringify(v, null, indent)
            .split("\n")
            .join(`\n${lines[src.locateValue(segs).line - 1]?.match(/^\s*/)?.[0] ?? ""}`);
          expect(text.startsWith(expected, offset(src.locateValue(segs)))).toBe(true);
          const last = segs[segs.length - 1];
          if (typeof last === "string") {
            expect(text.startsWith(JSON.stringify(last), offset(src.locate(segs)))).toBe(true);
            expect(src.locate(formatPath(segs))).toEqual(src.locate(segs));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
