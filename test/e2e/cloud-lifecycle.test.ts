/**
 * Issue 12 on --target cloud (moto + the Databricks fake), one stack through its whole life:
 * a protected resource survives delete, --prune and destroy; --prune=delete deletes the removals
 * after the commit; destroy --archive archives everything and one resource is restored; a hard
 * destroy with --force leaves nothing of the stack. Checked against moto's and the fake's state.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import { devBlueprint, withoutSilverGlue } from "../support/blueprints.js";
import {
  awsInventory,
  cloudEnv,
  DEV_BLUEPRINT,
  dbxInventory,
  dbxIsEmpty,
  type Env,
  type FaultProxy,
  json,
  runCli,
  startFaultProxy,
  stateSummary,
  uniqueProject,
} from "../support/cloud-env.js";

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON documents are checked field by field below
type Doc = Record<string, any>;

describe("the lifecycle of a stack on --target cloud", () => {
  const project = uniqueProject("lc");
  const db = `${project}_sales_silver_dev`;
  const DB = `aws_glue_database.${db}`;
  let fake: DatabricksFake;
  let env: Env;
  let home: string;
  let dir: string;
  const file = (name: string, edit: (bp: Doc) => void) => {
    const bp = devBlueprint();
    edit(bp);
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(bp, null, 2));
    return f;
  };
  let proxy: FaultProxy;
  const dpn = (args: string[], e: Env = env) => runCli([...args, "--override", `project=${project}`], e);
  const stackArgs = ["--project", project, "--env", "dev"];
  const plain = (args: string[]) => runCli(args, env);
  const code = (r: { code: number | null; stderr: string }, c: number) => expect(r.code, r.stderr).toBe(c);

  beforeAll(async () => {
    fake = await startDatabricksFake();
    proxy = await startFaultProxy();
    ({ env, home, dir } = cloudEnv({ fake }));
    const r = await dpn(["create", "--blueprint", DEV_BLUEPRINT, "--yes"]);
    if (r.code !== 0) throw new Error(`create failed (${r.code}): ${r.stderr}`);
  }, 90_000);

  afterAll(async () => {
    await proxy?.close();
    await fake?.close();
  });

  it("a protected resource survives delete, --prune and destroy", async () => {
    const guarded = file("guarded.json", (bp) => {
      bp.resources.aws.glue_databases.find((d: Doc) => d.layer === "silver").lifecycle = {
        prevent_destroy: true,
      };
    });
    code(await dpn(["create", "--blueprint", guarded, "--yes"]), 0);
    const without = file("without.json", (bp) => {
      withoutSilverGlue(bp);
    });
    for (const r of [
      await plain(["delete", "--resource-id", DB, "--archive", "--yes", "--json"]),
      await dpn(["create", "--blueprint", without, "--prune=delete", "--yes", "--json"]),
      await plain(["destroy", ...stackArgs, "--archive", "--yes", "--json"]),
    ]) {
      code(r, 3);
      expect(json<Doc>(r).error.code).toBe("RESOURCE_PROTECTED");
    }
    expect((await awsInventory(project)).databases).toContain(db);
    // the blueprint without the flag lifts it
    code(await dpn(["create", "--blueprint", DEV_BLUEPRINT, "--yes"]), 0);
  }, 90_000);

  it("--prune=delete deletes the removals after the commit", async () => {
    const without = file("without2.json", (bp) => {
      withoutSilverGlue(bp);
    });
    // first with Glue refusing the database's delete: the table goes, the database is listed
    proxy.add({ target: "AWSGlue.DeleteDatabase", status: 400, errorType: "InvalidInputException" });
    const failed = await dpn(["create", "--blueprint", without, "--prune=delete", "--yes", "--json"], {
      ...env,
      AWS_ENDPOINT_URL_GLUE: proxy.url,
    });
    code(failed, 12);
    expect(json<Doc>(failed).cleanup).toMatchObject({
      deleted: [`aws_glue_table.${db}.dim_customers`],
      failed: { address: DB },
    });
    expect((await awsInventory(project)).databases).toContain(db);
    const listed = json<Doc>(await plain(["status", ...stackArgs, "--no-drift", "--json"])).pending_cleanups;
    expect(listed.map((c: Doc) => c.address)).toEqual([DB]);
    // the next run retries it
    const r = await dpn(["create", "--blueprint", without, "--prune=delete", "--yes", "--json"]);
    code(r, 0);
    expect(json<Doc>(r).cleanup.deleted).toEqual([DB]);
    expect(json<Doc>(await plain(["status", ...stackArgs, "--no-drift", "--json"])).pending_cleanups).toEqual(
      [],
    );
    const aws = await awsInventory(project);
    expect(aws.databases).not.toContain(db);
    expect(aws.tables.filter((t) => t.startsWith(`${db}.`))).toEqual([]);
  }, 90_000);

  it("--prune with a blueprint that has no Databricks resources archives them all", async () => {
    const awsOnly = file("aws-only.json", (bp) => {
      bp.resources.databricks = undefined;
      withoutSilverGlue(bp);
    });
    const r = await dpn(["create", "--blueprint", awsOnly, "--prune", "--yes", "--json"]);
    code(r, 0);
    const archived = json<Doc>(r)
      .operations.filter((o: Doc) => o.action === "archive" && o.status === "succeeded")
      .map((o: Doc) => o.type);
    expect(new Set(archived)).toEqual(
      new Set(["dbx_cluster", "dbx_job", "dbx_catalog", "dbx_schema", "dbx_table", "dbx_volume"]),
    );
  }, 90_000);

  it("destroy --archive archives the whole stack; one resource is restored", async () => {
    const r = await plain(["destroy", ...stackArgs, "--archive", "--yes", "--json"]);
    code(r, 0);
    expect(stateSummary(home).resources.every((x) => x.status === "archived")).toBe(true);
    const dbx = dbxInventory(fake);
    expect(dbx.liveClusters).toEqual([]);
    const status = json<Doc>(await plain(["status", ...stackArgs, "--no-drift", "--json"]));
    expect(status.stack.destroyed).toBe(true);
    code(await plain(["restore", "--resource-id", `dbx_cluster.${project}-etl-shared-dev`, "--yes"]), 0);
  }, 90_000);

  it("a hard destroy with --force leaves nothing of the stack", async () => {
    const r = await plain(["destroy", ...stackArgs, "--force", "--yes", "--json"]);
    code(r, 0);
    expect(await awsInventory(project)).toEqual({ buckets: [], databases: [], tables: [] });
    const dbx = dbxInventory(fake);
    expect(dbxIsEmpty(dbx), JSON.stringify(dbx)).toBe(true);
    expect(stateSummary(home).resources).toEqual([]);
    const status = json<Doc>(await plain(["status", ...stackArgs, "--no-drift", "--json"]));
    expect(status.stack.destroyed).toBe(true);
  }, 120_000);
});
