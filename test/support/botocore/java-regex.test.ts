/**
 * The Java → JavaScript pattern translation: Java's meaning where the two dialects differ, whole-
 * value matching, refusal of constructs with no exact equivalent, and coverage of every pattern
 * in the s3, glue and sts models (the untranslatable list in BOTOCORE-ORACLE.md is this set).
 */
import { describe, expect, inject, it } from "vitest";
import { translateJavaPattern } from "./java-regex.js";
import { loadModels, SERVICES } from "./model.js";

function matcher(pattern: string): (s: string) => boolean {
  const t = translateJavaPattern(pattern);
  if (!t.ok) throw new Error(`${pattern}: ${t.reason}`);
  return (s) => t.regex.test(s);
}

describe("translateJavaPattern", () => {
  it("matches the whole value, as Matcher.matches() does", () => {
    const m = matcher("[\\w+=,.@-]+");
    expect(m("role.name@x")).toBe(true);
    expect(m("has space")).toBe(false);
    const one = matcher("[^\\r\\n]"); // Glue CsvColumnDelimiter: exactly one character
    expect(one(",")).toBe(true);
    expect(one(",,")).toBe(false);
    expect(one("\n")).toBe(false);
  });

  it("reads an escaped surrogate pair as one supplementary code point", () => {
    const m = matcher("[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*");
    expect(m("emoji 😀 and\ttab")).toBe(true);
    expect(m("line\nbreak")).toBe(false);
    expect(m("\u0007")).toBe(false);
    expect(m("\uFFFE")).toBe(false);
  });

  it("reads \\u with exactly four hex digits, as Java does (STS arnType)", () => {
    // Java parses \u10000-\u10FFFF as \u1000, then the range 0-\u10FF, then F, F
    const m = matcher(
      "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+",
    );
    expect(m("arn:aws:iam::123456789012:role/x")).toBe(true);
    expect(m("\u{1F600}")).toBe(false);
  });

  it("keeps \\s, \\S, \\w, \\d ASCII-only", () => {
    expect(matcher("\\s")("\u00A0")).toBe(false);
    expect(matcher("\\S+")("\u00A0")).toBe(true); // JS \S would refuse a no-break space
    expect(matcher("[\\S]*")("a\u2003b")).toBe(true);
    expect(matcher("[\\S]*")("a b")).toBe(false);
    expect(matcher("\\w+")("é")).toBe(false);
    expect(matcher("\\d")("٣")).toBe(false);
    expect(matcher("[\\s\\S]*")("any\nthing\u2028")).toBe(true);
  });

  it("gives '.' Java's line terminators (U+0085 included)", () => {
    const m = matcher(".*");
    expect(m("abc\u2003")).toBe(true);
    expect(m("a\u0085b")).toBe(false);
    expect(m("a\u2028b")).toBe(false);
    expect(m("a\rb")).toBe(false);
  });

  it("lets $ match before a final line terminator only where something consumes it", () => {
    expect(matcher("^abc$")("abc")).toBe(true);
    expect(matcher("^abc$")("abc\n")).toBe(false); // matches() must consume the terminator
    expect(matcher("abc$\\n")("abc\n")).toBe(true);
  });

  it("reads Java's escapes and class syntax", () => {
    expect(matcher("^[A-Z\\_]+$")("A_B")).toBe(true); // \_ is a quoted '_' in Java, invalid in JS u-mode
    expect(matcher("[\\w+=,.@\\:-]*")("a:b-c")).toBe(true);
    const dashAfterRange = matcher("[a-zA-Z0-9-_$#.]+"); // '-' after a range is a literal
    expect(dashAfterRange("a-b_c")).toBe(true);
    expect(dashAfterRange("a/b")).toBe(false);
    const plusToEquals = matcher("[a-zA-Z0-9+-=._./@]+"); // +-= is the range U+002B..U+003D
    expect(plusToEquals("<")).toBe(true);
    expect(plusToEquals(">")).toBe(false);
    expect(matcher("[\\w-x]+")("a-x")).toBe(true); // '-' after a class escape is a literal
    expect(matcher("\\Qa.b\\E")("a.b")).toBe(true);
    expect(matcher("\\Qa.b\\E")("axb")).toBe(false);
    expect(matcher("[\\p{L}\\p{N}\\p{P}]*")("Größe,42!")).toBe(true);
    expect(matcher("[\\p{L}\\p{N}\\p{P}]*")("a b")).toBe(false);
    expect(matcher("\\x41\\0101\\u0041")("AAA")).toBe(true);
    expect(matcher("^(?!(.*[.\\/\\\\]|aws:)).*$")("aws:x")).toBe(false);
    expect(matcher("^(?!(.*[.\\/\\\\]|aws:)).*$")("ok-name")).toBe(true);
  });

  it("refuses constructs it cannot translate exactly, with a reason", () => {
    for (const p of [
      "a*+",
      "(?>a)",
      "(?i)abc",
      "[a-z&&[^q]]",
      "[a[b]]",
      "\\bword",
      "\\p{Alpha}",
      "(a)\\1",
      "\\R",
    ]) {
      const t = translateJavaPattern(p);
      expect(t.ok, p).toBe(false);
      if (!t.ok) expect(t.reason).not.toBe("");
    }
  });

  it("translates every pattern of the s3, glue and sts models", () => {
    const models = loadModels(inject("botocoreDataDir"));
    const failed: string[] = [];
    let n = 0;
    for (const s of SERVICES) {
      for (const shape of Object.values(models[s].shapes)) {
        if (shape.pattern === undefined) continue;
        n++;
        const t = translateJavaPattern(shape.pattern);
        if (!t.ok) failed.push(`${s}: ${shape.pattern} (${t.reason})`);
      }
    }
    expect(n).toBeGreaterThan(100);
    // must equal the "unchecked patterns" list in test/support/BOTOCORE-ORACLE.md (empty today)
    expect(failed).toEqual([]);
  });
});
