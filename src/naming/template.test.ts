import { describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import { normaliseValue } from "./normalise.js";
import { parseTemplate, templateIssues } from "./template.js";

describe("parseTemplate", () => {
  it("parses placeholders, optional segments and literals", () => {
    const t = parseTemplate("/{project}{-schedule?}{_x?}{.y?}{z?}-lit");
    expect(t.variables).toEqual(["project", "schedule", "x", "y", "z"]);
    expect(t.required).toEqual(["project"]);
    expect(t.segments).toEqual([
      { kind: "literal", text: "/" },
      { kind: "var", name: "project", optional: false, prefix: "" },
      { kind: "var", name: "schedule", optional: true, prefix: "-" },
      { kind: "var", name: "x", optional: true, prefix: "_" },
      { kind: "var", name: "y", optional: true, prefix: "." },
      { kind: "var", name: "z", optional: true, prefix: "" },
      { kind: "literal", text: "-lit" },
    ]);
    expect(parseTemplate("{_private}").variables).toEqual(["_private"]);
  });

  it.each(["{project", "project}", "{a{b}}", "{}", "{a-b}", "{-?}"])("rejects %s", (bad) => {
    expect(templateIssues(bad).length).toBeGreaterThan(0);
    expect(() => parseTemplate(bad)).toThrow(DpnError);
  });
});

describe("normaliseValue", () => {
  it.each([
    ["kebab", "Sales Team", "sales-team"],
    ["kebab", "ml_ops", "ml-ops"],
    ["kebab", "a _-b", "a-b"],
    ["kebab", "_edge_", "edge"],
    ["kebab", "xn--abc", "xn--abc"],
    ["snake", "data-platform", "data_platform"],
    ["snake", "Fact ENTITY", "fact_entity"],
    ["snake", "a--b", "a_b"],
    ["snake", "keep__this", "keep__this"],
    ["none", "As Is_-", "As Is_-"],
  ] as const)("%s(%j) = %j", (style, input, expected) => {
    expect(normaliseValue(input, style)).toBe(expected);
  });
});
