import { describe, expect, it } from "vitest";
import type { Plan, PlannedChange } from "../engine/plan.js";
import { planMarkdown } from "./plan-markdown.js";

const stack = { id: "dp/dev", project: "dp", environment: "dev", createdAt: "" };
const change = (kind: string, address: string, extra: Record<string, unknown> = {}) =>
  ({
    kind,
    address,
    type: address.split(".")[0],
    name: address,
    fullName: address,
    desired: { dependencies: [] },
    changes: [],
    ...extra,
  }) as unknown as PlannedChange;

function plan(creates: number): Plan {
  const changes = [
    change("update", "aws_s3_bucket.logs", {
      changes: [{ field: "tags", before: { Team: "a|b" }, after: { Team: "c" } }],
    }),
    ...Array.from({ length: creates }, (_, i) => change("create", `aws_s3_bucket.b${i}`)),
  ];
  return {
    stackId: "dp/dev",
    changes,
    removals: [
      {
        kind: "remove",
        address: "aws_glue_table.db.t",
        type: "aws_glue_table",
        name: "t",
        fullName: "db.t",
        record: {} as never,
        reason: "in state but not in the blueprint",
      },
    ],
    counts: { create: creates, update: 1, adopt: 0, noop: 0, remove: 1 },
  };
}

describe("planMarkdown", () => {
  it("puts the counts first, then removals and updates with before → after, then creates", () => {
    const text = planMarkdown(plan(2), stack, "cloud");
    const at = (s: string) => text.indexOf(s);
    expect(text.split("\n")[2]).toBe(
      "**2 to create, 1 to update, 0 to adopt, 1 to remove (not applied without --prune), 0 unchanged.**",
    );
    expect(at("#### Removals")).toBeLessThan(at("#### Updates"));
    expect(at("#### Updates")).toBeLessThan(at("#### Creates"));
    // a pipe inside a value is escaped so the table keeps its columns
    expect(text).toContain("tags.Team: a\\|b → c");
    expect(text).not.toContain("more operations not shown");
  });

  it("stays under the limit and says how many operations it left out", () => {
    const text = planMarkdown(plan(5000), stack, "cloud");
    expect(text.length).toBeLessThanOrEqual(60_000);
    const m = /_(\d+) more operations not shown/.exec(text);
    expect(m).not.toBeNull();
    const shown = text.split("\n").filter((l) => l.startsWith("| create")).length;
    expect(shown + Number(m?.[1])).toBe(5000);
  });
});
