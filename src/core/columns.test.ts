import { describe, expect, it } from "vitest";
import { columnWidths } from "./columns.js";

describe("columnWidths", () => {
  it("is the longest of the header and each column's cells; missing cells count as empty", () => {
    expect(columnWidths(["#", "NAME"], [["1", "a"], ["10", "abcdef"], ["2"]])).toEqual([2, 6]);
  });

  it("takes 200k rows (a Math.max spread of that many throws RangeError)", () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [String(i), "x"]);
    expect(() => Math.max(...rows.map((r) => (r[0] as string).length))).toThrow(RangeError);
    expect(columnWidths(["#", "N"], rows)).toEqual([6, 1]);
  });
});
