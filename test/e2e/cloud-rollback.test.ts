/**
 * Cross-cloud all-or-nothing: a failure on one cloud after the other cloud's resources were
 * created rolls back both (exit 6, APPLY_ROLLED_BACK): moto and the Databricks fake end as they
 * were and the state holds no resource of the stack.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import {
  awsInventory,
  cloudEnv,
  DEV_BLUEPRINT,
  dbxInventory,
  dbxIsEmpty,
  doneAddresses,
  type FaultProxy,
  json,
  runCli,
  startFaultProxy,
  stateSummary,
  uniqueProject,
  waitUntil,
} from "../support/cloud-env.js";

interface TxOp {
  address: string;
  type: string;
  action: string;
  phase: string;
  status: string;
}
interface TxDoc {
  outcome: string;
  operations: TxOp[];
  error?: {
    code: string;
    exit_code: number;
    message: string;
    details?: { failures?: { address: string }[] };
  };
}

const isAws = (o: TxOp) => o.type.startsWith("aws_");

/** Addresses with a succeeded forward create, and addresses whose compensation succeeded. */
function createdAndUndone(doc: TxDoc, pick: (o: TxOp) => boolean): { created: string[]; undone: string[] } {
  const ops = doc.operations.filter(pick);
  const created = ops.filter((o) => o.phase === "forward" && o.status === "succeeded").map((o) => o.address);
  const undone = ops
    .filter((o) => o.phase === "compensate" && o.status === "succeeded" && o.action === "delete")
    .map((o) => o.address);
  return { created: created.sort(), undone: undone.sort() };
}

describe("cross-cloud rollback (--target cloud)", () => {
  let fake: DatabricksFake | undefined;
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await fake?.close();
    await proxy?.close();
    fake = undefined;
    proxy = undefined;
  });

  it("a Databricks failure after the AWS side succeeded rolls back both clouds (exit 6)", async () => {
    fake = await startDatabricksFake();
    proxy = await startFaultProxy(fake.url);
    const project = uniqueProject("rbd");
    const { env, home } = cloudEnv({ fake: { ...fake, url: proxy.url } });
    // The volume create is held until the journal shows all 7 AWS creates done, then refused.
    proxy.add({
      method: "POST",
      path: /\/unity-catalog\/volumes$/,
      waitFor: () =>
        waitUntil(() => doneAddresses(home, (j) => j.type.startsWith("aws_")).length === 7, "AWS side"),
      status: 403,
      body: { error_code: "PERMISSION_DENIED", message: "User does not have CREATE VOLUME on Schema" },
    });
    const r = await runCli(
      ["create", "--blueprint", DEV_BLUEPRINT, "--yes", "--json", "--override", `project=${project}`],
      env,
    );
    expect(r.code, r.stderr).toBe(6);
    const doc = json<TxDoc>(r);
    expect(doc.outcome).toBe("rolled_back");
    expect(doc.error?.code).toBe("APPLY_ROLLED_BACK");
    expect(doc.error?.details?.failures?.map((f) => f.address)).toEqual([
      `dbx_volume.${project}_main_dev.sales_bronze.raw_landing`,
    ]);
    // every AWS resource had been created before the failure (7 of them), and each was undone
    const aws = createdAndUndone(doc, isAws);
    expect(aws.created).toHaveLength(7);
    expect(aws.undone).toEqual(aws.created);
    // and the Databricks objects created before the failure were undone too
    const dbxSide = createdAndUndone(doc, (o) => !isAws(o));
    expect(dbxSide.created.length).toBeGreaterThan(0);
    expect(dbxSide.undone).toEqual(dbxSide.created);

    expect(await awsInventory(project)).toEqual({ buckets: [], databases: [], tables: [] });
    const dbx = dbxInventory(fake as DatabricksFake);
    expect(dbxIsEmpty(dbx), JSON.stringify(dbx)).toBe(true);
    expect(stateSummary(home).resources).toEqual([]);
    expect(stateSummary(home).transactions.map((t) => t.status)).toEqual(["rolled_back"]);
  }, 60_000);

  it("an AWS failure (Glue CreateTable 500) after Databricks objects were created rolls back both", async () => {
    fake = await startDatabricksFake();
    proxy = await startFaultProxy();
    const project = uniqueProject("rba");
    const { env, home } = cloudEnv({ fake, extra: { AWS_ENDPOINT_URL_GLUE: proxy.url } });
    // Every Glue CreateTable is held until all 8 Databricks creates are done, then answered
    // with InternalServiceException (not forwarded: moto never sees it).
    proxy.add({
      target: "AWSGlue.CreateTable",
      waitFor: () =>
        waitUntil(
          () => doneAddresses(home, (j) => j.type.startsWith("dbx_")).length === 8,
          "Databricks side",
        ),
      status: 500,
      times: Number.POSITIVE_INFINITY,
    });
    const r = await runCli(
      ["create", "--blueprint", DEV_BLUEPRINT, "--yes", "--json", "--override", `project=${project}`],
      env,
    );
    expect(r.code, r.stderr).toBe(6);
    const doc = json<TxDoc>(r);
    expect(doc.outcome).toBe("rolled_back");
    expect(doc.error?.code).toBe("APPLY_ROLLED_BACK");
    const failed = doc.error?.details?.failures?.map((f) => f.address) ?? [];
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((a) => a.startsWith("aws_glue_table."))).toBe(true);
    // all Databricks objects were created before the failure, and each was undone
    const dbxSide = createdAndUndone(doc, (o) => !isAws(o));
    expect(dbxSide.created).toHaveLength(8);
    expect(dbxSide.undone).toEqual(dbxSide.created);
    const aws = createdAndUndone(doc, isAws);
    expect(aws.created.length).toBeGreaterThan(0);
    expect(aws.undone).toEqual(aws.created);
    expect(proxy?.log.some((l) => l.call === "AWSGlue.CreateTable" && l.status === 500)).toBe(true);

    expect(await awsInventory(project)).toEqual({ buckets: [], databases: [], tables: [] });
    const dbx = dbxInventory(fake as DatabricksFake);
    expect(dbxIsEmpty(dbx), JSON.stringify(dbx)).toBe(true);
    expect(stateSummary(home).resources).toEqual([]);
    expect(stateSummary(home).transactions.map((t) => t.status)).toEqual(["rolled_back"]);
  }, 60_000);

  it("a lost Glue CreateTable response (applied, then 500) is settled by lookup: commits, no duplicate", async () => {
    fake = await startDatabricksFake();
    proxy = await startFaultProxy();
    proxy.add({
      target: "AWSGlue.CreateTable",
      status: 500,
      afterForward: true,
      times: Number.POSITIVE_INFINITY,
    });
    const project = uniqueProject("rbl");
    const { env, home } = cloudEnv({ fake, extra: { AWS_ENDPOINT_URL_GLUE: proxy.url } });
    const r = await runCli(
      ["create", "--blueprint", DEV_BLUEPRINT, "--yes", "--json", "--override", `project=${project}`],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(json<TxDoc>(r).outcome).toBe("committed");
    expect(proxy.log.filter((l) => l.call === "AWSGlue.CreateTable").map((l) => l.status)).toEqual([
      500, 500,
    ]);
    expect((await awsInventory(project)).tables).toEqual([
      `${project}_sales_bronze_dev.fact_orders`,
      `${project}_sales_silver_dev.dim_customers`,
    ]);
    expect(stateSummary(home).resources).toHaveLength(15);
  }, 60_000);

  it("lost Databricks create responses (cluster, job, catalog: applied, then 500) settle by lookup: no duplicates", async () => {
    fake = await startDatabricksFake();
    const error = { error_code: "INTERNAL_ERROR", message: "injected after the effect" };
    for (const route of [
      "POST /api/*/clusters/create",
      "POST /api/*/jobs/create",
      "POST /api/2.1/unity-catalog/catalogs",
    ]) {
      fake.faults.add({ route, afterHandler: true, status: 500, body: error });
    }
    const project = uniqueProject("rbx");
    const { env, home } = cloudEnv({ fake });
    const r = await runCli(
      ["create", "--blueprint", DEV_BLUEPRINT, "--yes", "--json", "--override", `project=${project}`],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(json<TxDoc>(r).outcome).toBe("committed");
    // each create was answered 500 exactly once and never resent blindly
    for (const re of [/\/clusters\/create$/, /\/jobs\/create$/, /\/unity-catalog\/catalogs$/]) {
      expect(fake.log.filter((l) => l.method === "POST" && re.test(l.path)).map((l) => l.status)).toEqual([
        500,
      ]);
    }
    const dbx = dbxInventory(fake);
    expect(dbx.clusters).toEqual([`${project}-etl-shared-dev`]);
    expect(dbx.jobs).toEqual([`${project}-batch-sales-load-daily-dev`]);
    expect(dbx.catalogs).toEqual([`${project}_main_dev`]);
    expect(stateSummary(home).resources).toHaveLength(15);
  }, 60_000);

  it("a failing S3 bucket setting mid-run removes the half-configured bucket and rolls back both clouds", async () => {
    fake = await startDatabricksFake();
    proxy = await startFaultProxy();
    // the second PutBucketLifecycleConfiguration is denied (a role without s3:PutLifecycleConfiguration)
    proxy.add({
      method: "PUT",
      path: /^\/[^/]+\/?$/,
      query: /^lifecycle/,
      offset: 1,
      status: 403,
      errorType: "AccessDenied",
    });
    const project = uniqueProject("rbs");
    const { env, home } = cloudEnv({ fake, extra: { AWS_ENDPOINT_URL_S3: proxy.url } });
    const r = await runCli(
      ["create", "--blueprint", DEV_BLUEPRINT, "--yes", "--json", "--override", `project=${project}`],
      env,
    );
    expect(r.code, r.stderr).toBe(6);
    const doc = json<TxDoc>(r);
    expect(doc.outcome).toBe("rolled_back");
    const failed = doc.error?.details?.failures?.map((f) => f.address) ?? [];
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^aws_s3_bucket\./);
    expect(proxy.log.filter((l) => l.status === 403)).toHaveLength(1);
    expect(doc.error?.message).toMatch(/AccessDenied/);
    expect(await awsInventory(project)).toEqual({ buckets: [], databases: [], tables: [] });
    expect(dbxIsEmpty(dbxInventory(fake))).toBe(true);
    expect(stateSummary(home).resources).toEqual([]);
  }, 60_000);
});
