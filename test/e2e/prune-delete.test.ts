/**
 * `dpn create --prune=delete` (issue 12 item 2, delete mode) on the sandbox: the run's transaction
 * commits first, then a cleanup phase deletes the removals one journaled transaction at a time,
 * dependents first. A failure at the create rolls the run back and deletes nothing; a failure at a
 * delete keeps the committed part, lists the rest as pending cleanups (`dpn status`, exit 12), and
 * the next run finishes them; data-bearing objects need --force.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createSandboxRegistry, openSandboxInventory } from "../../src/providers/sandbox/sandbox-provider.js";
import { devBlueprint, withoutSilverGlue } from "../support/blueprints.js";
import { type CliResult, describeResult, runCli, tempProject } from "../support/cli.js";
import { copyDpnDir, DEV_BLUEPRINT } from "./sandbox-invariants.js";

const env = { DPN_TARGET: "sandbox" };
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON documents are checked field by field below
const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, any>;
const TABLE = "aws_glue_table.dataplatform_sales_silver_dev.dim_customers";
const DB = "aws_glue_database.dataplatform_sales_silver_dev";
const BUCKET = "aws_s3_bucket.dataplatform-lake-silver-dev-use1";
const NEW_BUCKET = "aws_s3_bucket.dataplatform-exports-gold-dev-use1";
let base = "";
let grown = "";

const ours = (dir: string) =>
  openSandboxInventory(join(dir, ".dpn/sandbox.db"))
    .filter((o) => o.ownership)
    .map((o) => o.ownership?.address as string)
    .sort();
const run = (dir: string, args: string[], extra: Record<string, string> = {}) =>
  runCli(args, { cwd: dir, env: { ...env, ...extra } });
const prune = (dir: string, more: string[] = []) =>
  run(dir, ["create", "--blueprint", grown, "--prune=delete", "--yes", "--json", ...more]);
const status = async (dir: string) => json(await run(dir, ["status", "--no-drift", "--json"]));
function copy(): string {
  const d = tempProject();
  copyDpnDir(base, d);
  return d;
}

beforeAll(async () => {
  base = tempProject();
  const r = await run(base, ["create", "--blueprint", DEV_BLUEPRINT, "--yes"]);
  expect(r.code, describeResult(r)).toBe(0);
  const bp = devBlueprint();
  withoutSilverGlue(bp);
  bp.resources.aws.s3_buckets = bp.resources.aws.s3_buckets.filter(
    (b: { layer: string }) => b.layer !== "silver",
  );
  bp.resources.aws.s3_buckets.push({ purpose: "exports", layer: "gold", lifecycle_days: 30 });
  grown = join(base, "grown.json");
  writeFileSync(grown, JSON.stringify(bp, null, 2));
}, 60_000);

describe("--prune=delete", () => {
  it("commits the run, then deletes the removals, dependents first", async () => {
    const dir = copy();
    const r = await prune(dir);
    expect(r.code, describeResult(r)).toBe(0);
    const doc = json(r);
    expect(doc.outcome).toBe("committed");
    expect(doc.cleanup.deleted[0]).toBe(TABLE);
    expect([...doc.cleanup.deleted].sort()).toEqual([BUCKET, DB, TABLE].sort());
    const after = ours(dir);
    expect(after).toContain(NEW_BUCKET);
    for (const a of [TABLE, DB, BUCKET]) expect(after).not.toContain(a);
    expect((await status(dir)).pending_cleanups).toEqual([]);
  });

  it("a failure at the create rolls the run back and deletes nothing", async () => {
    const dir = copy();
    const before = ours(dir);
    const r = await run(dir, [
      "create",
      "--blueprint",
      grown,
      "--prune=delete",
      "--yes",
      "--sandbox-fail-on",
      "create:aws_s3_bucket:1",
    ]);
    expect(r.code, describeResult(r)).toBe(6);
    expect(ours(dir)).toEqual(before);
    expect((await status(dir)).pending_cleanups).toEqual([]);
  });

  it.each([
    ["the first delete", "delete:aws_glue_table:1", 0],
    ["the last delete", "delete:aws_s3_bucket:1", 2],
  ])(
    "a failure at %s keeps the committed part and lists the rest as pending cleanups",
    async (_w, rule, deleted) => {
      const dir = copy();
      const r = await run(dir, [
        "create",
        "--blueprint",
        grown,
        "--prune=delete",
        "--yes",
        "--json",
        "--sandbox-fail-on",
        rule,
      ]);
      expect(r.code, describeResult(r)).toBe(12);
      const doc = json(r);
      expect(doc.outcome).toBe("committed");
      expect(doc.cleanup.deleted).toHaveLength(deleted);
      expect(ours(dir)).toContain(NEW_BUCKET);
      const pending = (await status(dir)).pending_cleanups.map((c: { address: string }) => c.address);
      expect(pending).toHaveLength(3 - deleted);
      const detailed = await run(dir, ["status", "--no-drift", "--detailed-exitcode"]);
      expect(detailed.code).toBe(10);
      const again = await prune(dir);
      expect(again.code, describeResult(again)).toBe(0);
      expect((await status(dir)).pending_cleanups).toEqual([]);
      for (const a of [TABLE, DB, BUCKET]) expect(ours(dir)).not.toContain(a);
    },
  );

  it("a bucket with data is refused without --force (exit 12, listed), deleted with it", async () => {
    const dir = copy();
    const s = createSandboxRegistry({ dbPath: join(dir, ".dpn/sandbox.db") });
    s.seedObject("dataplatform-lake-silver-dev-use1", "part-0.parquet");
    await s.close();
    const r = await prune(dir);
    expect(r.code, describeResult(r)).toBe(12);
    expect(json(r).cleanup.failed).toMatchObject({ address: BUCKET, error: { code: "DELETE_NOT_EMPTY" } });
    const listed = (await status(dir)).pending_cleanups;
    expect(listed).toEqual([
      expect.objectContaining({
        address: BUCKET,
        error: expect.objectContaining({ code: "DELETE_NOT_EMPTY" }),
      }),
    ]);
    const forced = await prune(dir, ["--force"]);
    expect(forced.code, describeResult(forced)).toBe(0);
    expect(ours(dir)).not.toContain(BUCKET);
  });
});
