/**
 * `dpn destroy` (issue 12 item 3) on the sandbox: the dry run lists every resource dependents
 * first; `--archive` archives the whole stack in one transaction; a hard destroy deletes, stops at
 * a data-bearing object without --force (what was deleted stays deleted, the rest stays), and a
 * second run with --force finishes; the stack record stays and `dpn status` says destroyed.
 * Checked against the sandbox's own inventory.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSandboxRegistry, openSandboxInventory } from "../../src/providers/sandbox/sandbox-provider.js";
import { type CliResult, describeResult, runCli, tempProject } from "../support/cli.js";
import { DEV_BLUEPRINT } from "./sandbox-invariants.js";

const env = { DPN_TARGET: "sandbox" };
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON documents are checked field by field below
const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, any>;
const STACK = ["--project", "dataplatform", "--env", "dev"];

async function created(): Promise<string> {
  const dir = tempProject();
  const r = await runCli(["create", "--blueprint", DEV_BLUEPRINT, "--yes"], { cwd: dir, env });
  expect(r.code, describeResult(r)).toBe(0);
  return dir;
}
const ours = (dir: string) => openSandboxInventory(join(dir, ".dpn/sandbox.db")).filter((o) => o.ownership);

describe("dpn destroy", () => {
  it("--dry-run lists every resource, each before what it depends on, and changes nothing", async () => {
    const dir = await created();
    const r = await runCli(["destroy", ...STACK, "--dry-run", "--json"], { cwd: dir, env });
    expect(r.code, describeResult(r)).toBe(0);
    const order = json(r).operations.map((o: { address: string }) => o.address) as string[];
    expect(order).toHaveLength(15);
    const precedes = (a: string, b: string) =>
      expect(order.indexOf(a), `${a} before ${b}`).toBeLessThan(order.indexOf(b));
    precedes(
      "dbx_table.dataplatform_main_dev.sales_bronze.fact_orders",
      "dbx_schema.dataplatform_main_dev.sales_bronze",
    );
    precedes("dbx_schema.dataplatform_main_dev.sales_bronze", "dbx_catalog.dataplatform_main_dev");
    precedes("dbx_job.dataplatform-batch-sales-load-daily-dev", "dbx_cluster.dataplatform-etl-shared-dev");
    precedes(
      "aws_glue_table.dataplatform_sales_bronze_dev.fact_orders",
      "aws_glue_database.dataplatform_sales_bronze_dev",
    );
    expect(ours(dir).every((o) => !o.archived)).toBe(true);
    const refused = await runCli(["destroy", ...STACK], { cwd: dir, env });
    expect(refused.code).toBe(9);
    expect(ours(dir)).toHaveLength(15);
  });

  it("--archive archives the whole stack in one transaction; status says destroyed", async () => {
    const dir = await created();
    const r = await runCli(["destroy", ...STACK, "--archive", "--yes", "--json"], { cwd: dir, env });
    expect(r.code, describeResult(r)).toBe(0);
    expect(json(r).transactions).toHaveLength(1);
    expect(ours(dir).filter((o) => o.archived)).toHaveLength(15);
    const status = json(await runCli(["status", ...STACK, "--no-drift", "--json"], { cwd: dir, env }));
    expect(status.stack.destroyed).toBe(true);
    expect(status.resources).toMatchObject({ active: 0, archived: 15 });
    // restorable like any archive
    const back = await runCli(["restore", "--resource-id", "dbx_cluster.dataplatform-etl-shared-dev"], {
      cwd: dir,
      env,
    });
    expect(back.code, describeResult(back)).toBe(0);
  });

  it("a hard destroy stops at data without --force, keeps what it deleted, and --force finishes", async () => {
    const dir = await created();
    const bucket = "dataplatform-landing-raw-dev-use1";
    const s = createSandboxRegistry({ dbPath: join(dir, ".dpn/sandbox.db") });
    s.seedObject(bucket, "data/part-0000.parquet");
    await s.close();
    const first = await runCli(["destroy", ...STACK, "--yes", "--json"], { cwd: dir, env });
    expect(first.code, describeResult(first)).toBe(5);
    const doc = json(first);
    expect(doc.outcome).toBe("failed");
    const lastTx = doc.transactions[doc.transactions.length - 1];
    expect(lastTx.error.code).toBe("DELETE_NOT_EMPTY");
    expect(ours(dir).map((o) => o.name)).toContain(bucket);
    expect(ours(dir).length).toBe(15 - (doc.transactions.length - 1));
    const second = await runCli(["destroy", ...STACK, "--force", "--yes"], { cwd: dir, env });
    expect(second.code, describeResult(second)).toBe(0);
    expect(ours(dir)).toEqual([]);
    const status = json(await runCli(["status", ...STACK, "--no-drift", "--json"], { cwd: dir, env }));
    expect(status.stack.destroyed).toBe(true);
    expect(status.resources.total).toBe(0);
    const again = await runCli(["destroy", ...STACK, "--yes"], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Nothing to destroy");
  });
});
