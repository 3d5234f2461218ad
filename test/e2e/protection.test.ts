/**
 * Issue 12 item 4: `"lifecycle": {"prevent_destroy": true}` on a blueprint resource makes dpn
 * delete (archive too), create --prune and dpn destroy refuse it with exit 3 and nothing changed;
 * the state remembers the protection when the resource leaves the blueprint, and applying a
 * blueprint that has it without the flag lifts it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { devBlueprint, withoutSilverGlue } from "../support/blueprints.js";
import { type CliResult, describeResult, runCli, tempProject } from "../support/cli.js";
import { DEV_BLUEPRINT } from "./sandbox-invariants.js";

const env = { DPN_TARGET: "sandbox" };
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON documents are checked field by field below
const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, any>;
const DB = "aws_glue_database.dataplatform_sales_silver_dev";
const TABLE = "aws_glue_table.dataplatform_sales_silver_dev.dim_customers";
let dir = "";
let guarded = "";
let without = "";
const dpn = (args: string[]) => runCli(args, { cwd: dir, env });
const refusedFor = (r: CliResult, address: string) => {
  expect(r.code, describeResult(r)).toBe(3);
  expect(json(r).error).toMatchObject({ code: "RESOURCE_PROTECTED", details: { addresses: [address] } });
};

beforeAll(async () => {
  dir = tempProject();
  const bp = devBlueprint();
  const silver = bp.resources.aws.glue_databases.find((d: { layer: string }) => d.layer === "silver");
  silver.lifecycle = { prevent_destroy: true };
  guarded = join(dir, "guarded.json");
  writeFileSync(guarded, JSON.stringify(bp, null, 2));
  withoutSilverGlue(bp);
  without = join(dir, "without.json");
  writeFileSync(without, JSON.stringify(bp, null, 2));
  const r = await dpn(["create", "--blueprint", guarded, "--yes"]);
  expect(r.code, describeResult(r)).toBe(0);
}, 60_000);

describe("lifecycle.prevent_destroy", () => {
  it("is part of the blueprint schema, checked with line:column", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(
      bad,
      readFileSync(guarded, "utf8").replace('"prevent_destroy": true', '"prevent_destroy": "yes"'),
    );
    const r = await dpn(["plan", "validate", "--blueprint", bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/bad\.json:\d+:\d+/);
    expect(r.stderr).toContain("prevent_destroy");
  });

  it("dpn delete and delete --archive refuse it, with nothing changed", async () => {
    refusedFor(await dpn(["delete", "--resource-id", DB, "--archive", "--yes", "--json"]), DB);
    refusedFor(await dpn(["delete", "--resource-id", DB, "--dry-run", "--json"]), DB);
    const listed = json(await dpn(["list", "--json"]));
    expect(listed.resources.map((x: { address: string }) => x.address)).toContain(DB);
  });

  it("dpn destroy refuses the stack while it holds a protected resource", async () => {
    refusedFor(
      await dpn(["destroy", "--project", "dataplatform", "--env", "dev", "--archive", "--yes", "--json"]),
      DB,
    );
  });

  it("the state remembers it when the resource leaves the blueprint: --prune refuses", async () => {
    refusedFor(await dpn(["create", "--blueprint", without, "--prune", "--yes", "--json"]), DB);
    refusedFor(await dpn(["create", "--blueprint", without, "--prune", "--dry-run", "--json"]), DB);
    // without --prune the plan still lists it as a removal, left as it is
    const plan = json(await dpn(["create", "--blueprint", without, "--dry-run", "--json"]));
    expect(plan.counts.remove).toBe(2);
  });

  it("applying the blueprint without the flag lifts it", async () => {
    const r = await dpn(["create", "--blueprint", DEV_BLUEPRINT, "--yes"]);
    expect(r.code, describeResult(r)).toBe(0);
    const archived = await dpn(["delete", "--resource-id", TABLE, "--archive", "--yes"]);
    expect(archived.code, describeResult(archived)).toBe(0);
    const db = await dpn(["delete", "--resource-id", DB, "--archive", "--yes"]);
    expect(db.code, describeResult(db)).toBe(0);
  });
});
