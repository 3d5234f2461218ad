/**
 * Archive/restore round trip on cloud resources with the management commands
 * `dpn delete --archive` and `dpn restore` (`--target cloud`): archive keeps every object, marks it
 * (and applies the platform's soft-delete effect: S3 deny-writes statement, cluster terminated,
 * job schedule paused), and restore undoes exactly that — the remote objects read back as before.
 */
import { GetTableCommand } from "@aws-sdk/client-glue";
import { GetBucketPolicyCommand, GetBucketTaggingCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import {
  awsInventory,
  cloudEnv,
  DEV_BLUEPRINT,
  type Env,
  json,
  REGION,
  runCli,
  stateSummary,
  uniqueProject,
} from "../support/cloud-env.js";
import { MOTO_ACCOUNT_ID, rawGlue, rawS3 } from "../support/moto.js";

describe("dpn delete --archive / dpn restore on cloud resources", () => {
  let fake: DatabricksFake;
  let env: Env;
  let home: string;
  const project = uniqueProject("ar");
  const s3 = rawS3(REGION);
  const glue = rawGlue(REGION);
  const bucket = `${project}-landing-raw-dev-use1`;
  const glueDb = `${project}_sales_bronze_dev`;
  const catalog = `${project}_main_dev`;
  const addr = {
    bucket: `aws_s3_bucket.${bucket}`,
    glueTable: `aws_glue_table.${glueDb}.fact_orders`,
    cluster: `dbx_cluster.${project}-etl-shared-dev`,
    job: `dbx_job.${project}-batch-sales-load-daily-dev`,
    table: `dbx_table.${catalog}.sales_bronze.fact_orders`,
    volume: `dbx_volume.${catalog}.sales_bronze.raw_landing`,
  };
  // A statement someone else put on the bucket: archive must keep it, restore must leave it exactly.
  const foreignPolicy = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "TeamReadAccess",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${bucket}/*`,
      },
    ],
  };

  const bucketTags = async () =>
    Object.fromEntries(
      ((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? []).map((t) => [
        t.Key,
        t.Value,
      ]),
    );
  const bucketPolicy = async () =>
    JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? "{}") as {
      Statement: { Sid?: string; Effect: string; Action: string | string[] }[];
    };
  const glueParams = async () =>
    (await glue.send(new GetTableCommand({ DatabaseName: glueDb, Name: "fact_orders" }))).Table?.Parameters ??
    {};
  const cluster = () => [...fake.state.clusters.values()][0]?.details;
  const job = () => [...fake.state.jobs.values()][0]?.settings;
  const ucTable = () => fake.state.tables.get(`${catalog}.sales_bronze.fact_orders`);
  const volumeTags = () =>
    Object.fromEntries(fake.state.tags.get(`volumes/${catalog}.sales_bronze.raw_landing`) ?? []);

  /** Everything the round trip may touch, as read from moto and the fake. */
  const snapshot = async () => ({
    bucketTags: await bucketTags(),
    bucketPolicy: await bucketPolicy(),
    glueParams: await glueParams(),
    clusterTags: { ...cluster()?.custom_tags },
    jobTags: { ...job()?.tags },
    jobSchedule: { ...job()?.schedule },
    tableProps: { ...ucTable()?.properties },
    volumeTags: volumeTags(),
  });

  beforeAll(async () => {
    fake = await startDatabricksFake();
    ({ env, home } = cloudEnv({ fake }));
    const r = await runCli(
      ["create", "--blueprint", DEV_BLUEPRINT, "--yes", "--override", `project=${project}`],
      env,
    );
    if (r.code !== 0) throw new Error(`create failed (${r.code}): ${r.stderr}`);
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(foreignPolicy) }));
  }, 60_000);

  afterAll(async () => {
    s3.destroy();
    glue.destroy();
    await fake?.close();
  });

  it("archives six resources across both clouds, then restores each exactly", async () => {
    const before = await snapshot();
    expect(before.jobSchedule.pause_status).toBe("UNPAUSED");
    expect(before.tableProps.dpn_stack).toBe(`${project}/dev`);
    expect(Object.keys(before.volumeTags).length).toBeGreaterThan(0);
    expect(before.bucketPolicy.Statement).toHaveLength(1);

    for (const address of Object.values(addr)) {
      const r = await runCli(["delete", "--resource-id", address, "--archive", "--yes", "--json"], env);
      expect(r.code, `${address}: ${r.stderr}`).toBe(0);
      const doc = json<{ action: string; outcome: string }>(r);
      expect(doc).toMatchObject({ action: "archive", outcome: "committed" });
    }

    // --- archived: everything still exists, marked, with the soft-delete effects
    expect((await awsInventory(project)).buckets).toContain(bucket);
    const tags = await bucketTags();
    expect(tags.dpn_archived_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(tags.dpn_archived_by).toBeTruthy();
    const policy = await bucketPolicy();
    expect(policy.Statement.map((s) => s.Sid).sort()).toEqual(["DpnArchivedDenyWrites", "TeamReadAccess"]);
    const deny = policy.Statement.find((s) => s.Sid === "DpnArchivedDenyWrites");
    expect(deny?.Effect).toBe("Deny");
    expect(deny?.Action).toEqual(expect.arrayContaining(["s3:PutObject", "s3:DeleteObject"]));

    expect((await glueParams()).dpn_archived_at).toBeTruthy();
    expect(cluster()?.state).toBe("TERMINATED");
    expect(cluster()?.custom_tags?.dpn_archived_at).toBeTruthy();
    expect(job()?.schedule?.pause_status).toBe("PAUSED");
    expect(job()?.tags?.dpn_archived_at).toBeTruthy();
    expect(ucTable()?.properties?.dpn_archived_at).toBeTruthy();
    expect(Object.keys(volumeTags()).some((k) => k.includes("archived"))).toBe(true);

    const archived = await runCli(["list", "--archived", "--json"], env);
    expect(archived.code, archived.stderr).toBe(0);
    expect(
      json<{ resources: { address: string }[] }>(archived)
        .resources.map((x) => x.address)
        .sort(),
    ).toEqual(Object.values(addr).sort());
    expect(
      stateSummary(home)
        .resources.filter((x) => x.status === "archived")
        .map((x) => x.address)
        .sort(),
    ).toEqual(Object.values(addr).sort());

    // --- restore each: the objects read back exactly as before the archive
    for (const address of Object.values(addr)) {
      const r = await runCli(["restore", "--resource-id", address, "--json"], env);
      expect(r.code, `${address}: ${r.stderr}`).toBe(0);
      expect(json<{ action: string; outcome: string }>(r)).toMatchObject({
        action: "restore",
        outcome: "committed",
      });
    }
    expect(await snapshot()).toEqual(before);
    // the cluster stays terminated after restore (it is started only with startOnRestore)
    expect(cluster()?.state).toBe("TERMINATED");
    expect(stateSummary(home).resources.every((x) => x.status === "active")).toBe(true);
    const none = await runCli(["list", "--archived", "--json"], env);
    expect(json<{ resources: unknown[] }>(none).resources).toEqual([]);
  }, 120_000);

  it("after the round trip the stack matches the blueprint again: create has nothing to do", async () => {
    const r = await runCli(
      ["create", "--blueprint", DEV_BLUEPRINT, "--yes", "--override", `project=${project}`],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Nothing to do: all 15 resources exist and match the blueprint/);
  }, 60_000);
});
