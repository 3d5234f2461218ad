import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DpnError, ExitCode, redact, redactedJson, redactUrlPasswords } from "./errors.js";

describe("DpnError", () => {
  it("maps kinds to documented exit codes and redacts secrets in details", () => {
    const e = new DpnError("validation", "INVALID_PROJECT", "bad value 'q'", {
      details: { token: "abc", n: 1 },
    });
    expect(e.exitCode).toBe(ExitCode.VALIDATION);
    expect(e.details).toEqual({ token: "***", n: 1 });
    expect(redact({ nested: { client_secret: "s", ok: "v" } })).toEqual({
      nested: { client_secret: "***", ok: "v" },
    });
  });
});

describe("redact", () => {
  it("redacts secrets at any depth and survives cycles", () => {
    let deep: Record<string, unknown> = { api_key: "k" };
    for (let i = 0; i < 20; i++) deep = { level: deep };
    const out = JSON.stringify(redact(deep));
    expect(out).not.toContain('"k"');
    expect(out).toContain("***");
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ a: 1, self: "[cycle]" });
    const shared = { name: "x" };
    expect(redact({ one: shared, two: [shared] })).toEqual({ one: { name: "x" }, two: [{ name: "x" }] });
  });

  it("hides the password of every URL in a string, wherever the string is", () => {
    const line = "dpn create --state postgres://dpn:s3cr3t@db:5432/x --to=s3://b/p --x https://u:p%40ss@h/";
    expect(redactUrlPasswords(line)).toBe(
      "dpn create --state postgres://dpn:***@db:5432/x --to=s3://b/p --x https://u:***@h/",
    );
    expect(redact({ url: "postgresql://a:b@h/d", list: ["mysql://r:t@h"] })).toEqual({
      url: "postgresql://a:***@h/d",
      list: ["mysql://r:***@h"],
    });
    expect(redactUrlPasswords("postgres://h/db and user@host")).toBe("postgres://h/db and user@host");
  });

  it("redactedJson is JSON.stringify(redact(v)) for any JSON value, secret keys and URLs included", () => {
    const key = fc.oneof(
      fc.string(),
      fc.constantFrom("password", "api_key", "Token", "sessionKey", "region"),
    );
    const leaf = fc.oneof(
      fc.string(),
      fc.constantFrom("postgres://u:pw@h/db", "s3://b/p", ""),
      // URL passwords with characters JSON escapes (quotes, backslashes, control characters)
      fc
        .tuple(fc.string(), fc.string({ unit: fc.constantFrom('"', "\\", "\u0001", "\n", "x", "@", "/") }))
        .map(([a, b]) => `see https://u${a}:p${b}@host/x`),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    );
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object")),
      array: fc.array(tie("value"), { maxLength: 4 }),
      object: fc.dictionary(key, tie("value"), { maxKeys: 4 }),
    })).value;
    fc.assert(
      fc.property(json, (v) => {
        expect(redactedJson(v)).toBe(JSON.stringify(redact(v)));
      }),
      // [{__proto__: {}}] is the case fast-check found (seed -405980118): redact dropped the key
      {
        numRuns: 2000,
        examples: [[JSON.parse('{"__proto__":{}}')], [JSON.parse('{"__proto__":{"token":"s"}}')]],
      },
    );
  });
});
