import { describe, expect, it } from "vitest";
import { arrowText, diffRows, diffTable } from "./diff-table.js";

describe("diffRows", () => {
  it("a tags change tag by tag (a missing map is empty), a scalar as before → after", () => {
    const rows = diffRows([
      { field: "versioning", before: false, after: true },
      { field: "tags", before: { Owner: "a@x", Team: "t" }, after: { Owner: "b@x", Team: "t", New: "n" } },
      { field: "tags", before: undefined, after: { Only: "1" } },
    ]).map(arrowText);
    expect(rows).toEqual([
      "versioning: false → true",
      "tags.New: - → n",
      "tags.Owner: a@x → b@x",
      "tags.Only: - → 1",
    ]);
  });

  it("objects key by key and arrays item by item, three levels deep; deeper values whole", () => {
    const rows = diffRows([
      {
        field: "schedule",
        before: { quartz_cron_expression: "0 0 * * * ?", timezone_id: "UTC", pause_status: "UNPAUSED" },
        after: { quartz_cron_expression: "0 30 * * * ?", timezone_id: "UTC", pause_status: "UNPAUSED" },
      },
      {
        field: "tasks",
        before: [{ task_key: "a", spec: { notebook: { path: "/x" } } }],
        after: [
          { task_key: "a", spec: { notebook: { path: "/y" } } },
          { task_key: "b", spec: {} },
        ],
      },
    ]).map(arrowText);
    expect(rows).toEqual([
      "schedule.quartz_cron_expression: 0 0 * * * ? → 0 30 * * * ?",
      'tasks[0].spec.notebook: {"path":"/x"} → {"path":"/y"}',
      'tasks[1]: - → {"task_key":"b","spec":{}}',
    ]);
  });

  it("never shows a value under a secret-named key, at any depth, nor a secret-named field", () => {
    const rows = diffRows([
      {
        field: "spark_env_vars",
        before: { DB_PASSWORD: "hunter2", MODE: "a" },
        after: { DB_PASSWORD: "hunter3", MODE: "b" },
      },
      { field: "api_token", before: "dapi-old", after: "dapi-new" },
      {
        field: "conf",
        before: { nested: { x: 1 } },
        after: { nested: { x: 1 }, aws_secret_access_key: "AKIA" },
      },
      { field: "options", before: [1], after: [{ deep: { deeper: { token: "t0k" } } }] },
    ]).map(arrowText);
    expect(rows).toEqual([
      "spark_env_vars.DB_PASSWORD: *** → ***",
      "spark_env_vars.MODE: a → b",
      "api_token: *** → ***",
      "conf.aws_secret_access_key: - → ***",
      'options[0]: 1 → {"deep":{"deeper":{"token":"***"}}}',
    ]);
    expect(rows.join("\n")).not.toMatch(/hunter|dapi|AKIA|t0k/);
  });

  it("long values end in …; past perField rows the rest of a field are counted", () => {
    const long = "x".repeat(100);
    expect(
      arrowText(diffRows([{ field: "comment", before: "", after: long }], { max: 20 })[0] as never),
    ).toBe(`comment: "" → ${"x".repeat(19)}…`);
    const before = Object.fromEntries(
      Array.from({ length: 15 }, (_, i) => [`k${String(i).padStart(2, "0")}`, i]),
    );
    const after = Object.fromEntries(Object.keys(before).map((k) => [k, "changed"]));
    const rows = diffRows([{ field: "tags", before, after }], { perField: 5 }).map(arrowText);
    expect(rows).toEqual([
      "tags.k00: 0 → changed",
      "tags.k01: 1 → changed",
      "tags.k02: 2 → changed",
      "tags.k03: 3 → changed",
      "… 11 more differences in tags",
    ]);
  });
});

describe("diffTable", () => {
  it("FIELD / BEFORE / AFTER, one row per difference", () => {
    expect(
      diffTable([
        { field: "versioning", before: false, after: true },
        {
          field: "tags",
          before: { Owner: "data-platform@example.com" },
          after: { Owner: "sales@example.com" },
        },
      ]),
    ).toBe(
      [
        "FIELD       BEFORE                     AFTER",
        "versioning  false                      true",
        "tags.Owner  data-platform@example.com  sales@example.com",
      ].join("\n"),
    );
  });
});
