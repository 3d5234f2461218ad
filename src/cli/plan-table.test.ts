import { describe, expect, it } from "vitest";
import type { Plan, PlannedChange } from "../engine/plan.js";
import { planJson, planTable } from "./plan-table.js";

const change = (c: Partial<PlannedChange> & Pick<PlannedChange, "kind" | "address">): PlannedChange =>
  ({
    type: "aws_s3_bucket",
    name: c.address.split(".")[1],
    fullName: c.address.split(".")[1],
    desired: { dependencies: [] },
    changes: [],
    ...c,
  }) as unknown as PlannedChange;

const plan: Plan = {
  stackId: "dp/dev",
  counts: { create: 1, update: 1, noop: 1, adopt: 0, remove: 0 },
  removals: [],
  changes: [
    change({
      kind: "create",
      address: "aws_s3_bucket.new",
      reason: "in state but missing remotely: will be re-created",
    }),
    change({
      kind: "update",
      address: "aws_s3_bucket.raw",
      changes: [
        { field: "versioning", before: false, after: true },
        {
          field: "tags",
          before: { Owner: "a@example.com", Key: "k" },
          after: { Owner: "b@example.com", api_key: "s3cr3t" },
        },
      ],
    }),
    change({ kind: "noop", address: "aws_s3_bucket.same" }),
  ],
};

describe("planTable", () => {
  it("an update lists each difference as field: before → after, one per line under its row", () => {
    expect(planTable(plan)).toBe(
      [
        "#  ACTION  TYPE           ADDRESS             DETAIL",
        "1  create  aws_s3_bucket  aws_s3_bucket.new   in state but missing remotely: will be re-created",
        "2  update  aws_s3_bucket  aws_s3_bucket.raw   versioning: false → true",
        "                                              tags.Key: k → -",
        "                                              tags.Owner: a@example.com → b@example.com",
        "                                              tags.api_key: - → ***",
        "3  noop    aws_s3_bucket  aws_s3_bucket.same",
        "",
        "Plan: 1 to create, 1 to update, 0 to adopt, 1 unchanged.",
      ].join("\n"),
    );
  });

  it("the --json plan document carries the changes with their before and after values, unchanged", () => {
    const doc = planJson(
      plan,
      { id: "dp/dev", project: "dp", environment: "dev", createdAt: "" },
      "sandbox",
      true,
    );
    expect(doc.operations.map((o) => o.changes)).toEqual(plan.changes.map((c) => c.changes));
    expect(doc.operations[1]).toEqual({
      action: "update",
      type: "aws_s3_bucket",
      address: "aws_s3_bucket.raw",
      name: "raw",
      full_name: "raw",
      dependencies: [],
      changes: plan.changes[1]?.changes,
    });
  });
});
