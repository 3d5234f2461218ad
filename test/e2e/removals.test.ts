/**
 * Issue 12 item 1: removals are part of every plan. A resource the state holds for the stack but
 * the blueprint no longer has is a `remove` operation in the plan table, in --json (with the
 * reason) and in the counts, dependents first; --detailed-exitcode counts it as pending; nothing
 * applies it (no --prune yet), and a resource the blueprint's scope leaves out is not a removal.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type CliResult, describeResult, runCli, tempProject } from "../support/cli.js";
import { DEV_BLUEPRINT } from "./sandbox-invariants.js";

let dir = "";
const env = { DPN_TARGET: "sandbox" };
const dpn = (args: string[]) => runCli(args, { cwd: dir, env });
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON documents are checked field by field below
const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, any>;

const TABLE = "aws_glue_table.dataplatform_sales_silver_dev.dim_customers";
const DB = "aws_glue_database.dataplatform_sales_silver_dev";
let smaller = "";
let scoped = "";

beforeAll(async () => {
  dir = tempProject();
  const r = await dpn(["create", "--blueprint", DEV_BLUEPRINT, "--yes"]);
  expect(r.code, describeResult(r)).toBe(0);
  const bp = JSON.parse(readFileSync(DEV_BLUEPRINT, "utf8"));
  bp.$schema = undefined;
  // take the silver Glue database and its table out of the blueprint
  bp.resources.aws.glue_databases = bp.resources.aws.glue_databases.filter(
    (d: { layer: string }) => d.layer !== "silver",
  );
  bp.resources.aws.glue_tables = bp.resources.aws.glue_tables.filter(
    (t: { database_ref: string }) => t.database_ref !== "sales-silver",
  );
  smaller = join(dir, "smaller.json");
  writeFileSync(smaller, JSON.stringify(bp, null, 2));
  // the same, but the blueprint speaks only for its Databricks resources
  scoped = join(dir, "scoped.json");
  writeFileSync(scoped, JSON.stringify({ ...bp, scope: { mode: "include", patterns: ["dbx_*"] } }, null, 2));
}, 60_000);

describe("removals in the plan", () => {
  it("--dry-run --json lists them as remove operations, dependents first, counted", async () => {
    const r = await dpn(["create", "--blueprint", smaller, "--dry-run", "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    const plan = json(r);
    expect(plan.counts).toMatchObject({ remove: 2, create: 0, update: 0, noop: 13 });
    const removes = plan.operations.filter((o: { action: string }) => o.action === "remove");
    expect(removes.map((o: { address: string }) => o.address)).toEqual([TABLE, DB]);
    expect(removes[0]).toMatchObject({ reason: "in state but not in the blueprint", applied: false });
  });

  it("the table shows them and says how to retire one; --detailed-exitcode counts them", async () => {
    const r = await dpn(["create", "--blueprint", smaller, "--dry-run", "--detailed-exitcode"]);
    expect(r.code, describeResult(r)).toBe(10);
    expect(r.stdout).toMatch(new RegExp(`remove\\s+aws_glue_table\\s+${TABLE.replaceAll(".", "\\.")}`));
    expect(r.stdout).toContain("13 unchanged, 2 in state but not in the blueprint (left as they are).");
    expect(r.stdout).toContain(`dpn delete --archive --resource-id ${TABLE}`);
  });

  it("an apply leaves them as they are and says so", async () => {
    const r = await dpn(["create", "--blueprint", smaller, "--yes"]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain("Nothing to do");
    expect(r.stderr).toContain(
      `2 resources are in state but not in the blueprint, left as they are: ${TABLE}, ${DB}`,
    );
    const listed = json(await dpn(["list", "--json"]));
    expect(listed.resources.map((x: { address: string }) => x.address)).toEqual(
      expect.arrayContaining([TABLE, DB]),
    );
  });

  it("a scope that leaves a type out leaves its resources out of the removals", async () => {
    const r = await dpn(["create", "--blueprint", scoped, "--dry-run", "--json", "--detailed-exitcode"]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(json(r).counts.remove).toBe(0);
  });
});
