/**
 * Issue 12 item 1: removals are part of every plan. A resource the state holds for the stack but
 * the blueprint no longer has is a `remove` operation in the plan table, in --json (with the
 * reason) and in the counts, dependents first; --detailed-exitcode counts it as pending; nothing
 * applies it (no --prune yet), and a resource the blueprint's scope leaves out is not a removal.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openSandboxInventory } from "../../src/providers/sandbox/sandbox-provider.js";
import { devBlueprint, withoutSilverGlue } from "../support/blueprints.js";
import { type CliResult, describeResult, runCli, tempProject } from "../support/cli.js";
import { copyDpnDir, DEV_BLUEPRINT } from "./sandbox-invariants.js";

let dir = "";
const env = { DPN_TARGET: "sandbox" };
const dpn = (args: string[]) => runCli(args, { cwd: dir, env });
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON documents are checked field by field below
const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, any>;

const TABLE = "aws_glue_table.dataplatform_sales_silver_dev.dim_customers";
const DB = "aws_glue_database.dataplatform_sales_silver_dev";
let smaller = "";
let scoped = "";
/** `smaller` plus one new bucket: a pruning run that also creates. */
let grown = "";
const NEW_BUCKET = "aws_s3_bucket.dataplatform-exports-gold-dev-use1";

beforeAll(async () => {
  dir = tempProject();
  const r = await dpn(["create", "--blueprint", DEV_BLUEPRINT, "--yes"]);
  expect(r.code, describeResult(r)).toBe(0);
  const bp = devBlueprint();
  // take the silver Glue database and its table out of the blueprint
  withoutSilverGlue(bp);
  smaller = join(dir, "smaller.json");
  writeFileSync(smaller, JSON.stringify(bp, null, 2));
  // the same, but the blueprint speaks only for its Databricks resources
  scoped = join(dir, "scoped.json");
  writeFileSync(scoped, JSON.stringify({ ...bp, scope: { mode: "include", patterns: ["dbx_*"] } }, null, 2));
  bp.resources.aws.s3_buckets.push({ purpose: "exports", layer: "gold", lifecycle_days: 30 });
  grown = join(dir, "grown.json");
  writeFileSync(grown, JSON.stringify(bp, null, 2));
}, 60_000);

/** What state and the sandbox hold, independently of dpn's output: rows and objects with their flags. */
function estate(cwd: string) {
  const objects = openSandboxInventory(join(cwd, ".dpn/sandbox.db"))
    .map(
      (o) => `${o.type}:${o.fullName}:${o.archived ? "archived" : "active"}:${o.ownership?.address ?? "-"}`,
    )
    .sort();
  return { objects };
}

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

  it("--format markdown gives the summary first and the removals before anything else", async () => {
    const r = await dpn(["create", "--blueprint", smaller, "--dry-run", "--format", "markdown"]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(
      /^### dpn plan: dataplatform\/dev on sandbox\n\n\*\*0 to create, 0 to update, 0 to adopt, 2 to remove/,
    );
    expect(r.stdout).toContain(`| remove (kept) | \`aws_glue_table\` | \`${TABLE}\` |`);
    const applied = await dpn(["create", "--blueprint", smaller, "--yes", "--format", "markdown"]);
    expect(applied.code).toBe(2);
    expect(applied.stderr).toContain("--format markdown renders a plan: use it with --dry-run");
  });

  it("plan graph and --format mermaid draw the resources, the plan's coloured by action", async () => {
    const g = await dpn(["plan", "graph", "--blueprint", smaller]);
    expect(g.code, describeResult(g)).toBe(0);
    expect(g.stdout.split("\n")[0]).toBe("flowchart LR");
    expect(g.stdout).toContain("subgraph databricks[Databricks]");
    const dot = await dpn(["plan", "graph", smaller, "--format", "dot"]);
    expect(dot.stdout).toMatch(/^digraph dpn \{[\s\S]*\}\s*$/);
    const m = await dpn(["create", "--blueprint", smaller, "--dry-run", "--format", "mermaid"]);
    expect(m.code, describeResult(m)).toBe(0);
    expect(m.stdout).toMatch(/class n\d+,n\d+ remove/);
    expect(m.stdout).toMatch(/class (n\d+,?)+ noop/);
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
    // and --prune of the scoped blueprint leaves the Glue resources it does not speak for
    const pruned = await dpn(["create", "--blueprint", scoped, "--prune", "--yes", "--json"]);
    expect(pruned.code, describeResult(pruned)).toBe(0);
    const rows = json(await dpn(["list", "--json"])).resources.map((x: { address: string }) => x.address);
    expect(rows).toEqual(expect.arrayContaining([TABLE, DB]));
  });

  it("--prune --dry-run says what it would archive", async () => {
    const r = await dpn(["create", "--blueprint", grown, "--prune", "--dry-run", "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    const removes = json(r).operations.filter((o: { action: string }) => o.action === "remove");
    expect(removes.map((o: { applied: boolean }) => o.applied)).toEqual([true, true]);
    const text = await dpn(["create", "--blueprint", grown, "--prune", "--dry-run"]);
    expect(text.stdout).toContain(
      "1 to create, 0 to update, 0 to adopt, 13 unchanged, 2 to archive (--prune).",
    );
  });

  it.each([
    ["the create", "create:aws_s3_bucket:1"],
    ["the first archive", "archive:aws_glue_table:1"],
    ["the last archive", "archive:aws_glue_database:1"],
  ])("a failure at %s of a pruning run rolls everything back, archives included", async (_what, rule) => {
    const copy = tempProject();
    copyDpnDir(dir, copy);
    const before = estate(copy);
    const r = await runCli(["create", "--blueprint", grown, "--prune", "--yes", "--sandbox-fail-on", rule], {
      cwd: copy,
      env,
    });
    expect(r.code, describeResult(r)).toBe(6);
    expect(estate(copy)).toEqual(before);
    const rows = json(await runCli(["list", "--json"], { cwd: copy, env }));
    expect(rows.resources.map((x: { address: string }) => x.address)).toEqual(
      expect.arrayContaining([TABLE, DB]),
    );
    expect(rows.resources.map((x: { address: string }) => x.address)).not.toContain(NEW_BUCKET);
  });

  it("--prune archives the removals in the create's transaction; restore brings one back", async () => {
    const r = await dpn(["create", "--blueprint", grown, "--prune", "--yes", "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    const tx = json(r);
    expect(tx.outcome).toBe("committed");
    expect(
      tx.operations
        .filter((o: { action: string }) => o.action === "archive")
        .map((o: { address: string; status: string }) => `${o.address}:${o.status}`),
    ).toEqual([`${TABLE}:succeeded`, `${DB}:succeeded`]);
    const archived = json(await dpn(["list", "--archived", "--json"]));
    expect(archived.resources.map((x: { address: string }) => x.address).sort()).toEqual([DB, TABLE].sort());
    expect(estate(dir).objects).toEqual(
      expect.arrayContaining([
        `aws_glue_table:dataplatform_sales_silver_dev.dim_customers:archived:${TABLE}`,
      ]),
    );
    // archived is retired: the next plan has no removals
    const again = json(await dpn(["create", "--blueprint", grown, "--prune", "--dry-run", "--json"]));
    expect(again.counts.remove).toBe(0);
    const restored = await dpn(["restore", "--resource-id", DB, "--yes"]);
    expect(restored.code, describeResult(restored)).toBe(0);
    const after = json(await dpn(["create", "--blueprint", grown, "--dry-run", "--json"]));
    expect(after.counts.remove).toBe(1);
  });
});
