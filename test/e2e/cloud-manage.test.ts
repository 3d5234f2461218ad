/**
 * The management commands (read, update, delete, import, list, status) on `--target cloud`:
 * after a `dpn create` of the dev blueprint against moto + the Databricks fake, objects are
 * changed behind dpn's back (raw SDK against moto, the fake's own HTTP API and state), then every
 * claim the commands make is checked against moto / the fake / state.db, not against dpn itself.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DeleteTableCommand } from "@aws-sdk/client-glue";
import {
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import {
  awsInventory,
  type CliResult,
  cloudEnv,
  DEV_BLUEPRINT,
  dbxInventory,
  type Env,
  type FaultProxy,
  json,
  REGION,
  runCli,
  startFaultProxy,
  stateSummary,
  uniqueProject,
} from "../support/cloud-env.js";
import { rawGlue, rawS3 } from "../support/moto.js";

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON documents are checked field by field below
type Doc = Record<string, any>;
interface Drift {
  field: string;
  state: unknown;
  live: unknown;
}

describe("dpn read / update / delete / import / list / status on --target cloud", () => {
  const project = uniqueProject("cm");
  const landing = `${project}-landing-raw-dev-use1`;
  const bronze = `${project}-lake-bronze-dev-use1`;
  const silver = `${project}-lake-silver-dev-use1`;
  const glueDb = `${project}_sales_bronze_dev`;
  const catalog = `${project}_main_dev`;
  const addr = {
    landing: `aws_s3_bucket.${landing}`,
    bronze: `aws_s3_bucket.${bronze}`,
    silver: `aws_s3_bucket.${silver}`,
    glueTable: `aws_glue_table.${glueDb}.fact_orders`,
    cluster: `dbx_cluster.${project}-etl-shared-dev`,
    job: `dbx_job.${project}-batch-sales-load-daily-dev`,
    ucTable: `dbx_table.${catalog}.sales_bronze.fact_orders`,
  };
  const s3 = rawS3(REGION);
  let fake: DatabricksFake;
  let proxy: FaultProxy;
  let env: Env;
  /** Same DPN_HOME, but AWS goes through the fault proxy. */
  let proxiedEnv: Env;
  let home: string;
  let dir: string;

  const dpn = (args: string[], e: Env = env) => runCli(args, e);
  const ok = (r: CliResult) => expect(r.code, `exit ${r.code}\n${r.stdout}\n${r.stderr}`).toBe(0);
  const read = async (address: string): Promise<Doc> => {
    const r = await dpn(["read", "--resource-id", address, "--json"]);
    ok(r);
    return json<Doc>(r);
  };
  const params = (name: string, body: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(body));
    return file;
  };
  const fields = (d: Drift[]) => d.map((x) => x.field).sort();

  // ---- what moto and the fake say, independently of dpn
  const versioning = async (bucket: string) =>
    (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status ?? null;
  const lifecycleDays = async (bucket: string) => {
    try {
      const rules =
        (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
      return rules.flatMap((r) => r.Transitions ?? []).find((t) => t.StorageClass === "INTELLIGENT_TIERING")
        ?.Days;
    } catch (e) {
      if ((e as { name?: string }).name === "NoSuchLifecycleConfiguration") return undefined;
      throw e;
    }
  };
  const bucketTags = async (bucket: string): Promise<Record<string, string>> =>
    Object.fromEntries(
      ((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? []).map((t) => [
        t.Key ?? "",
        t.Value ?? "",
      ]),
    );
  const cluster = () => [...fake.state.clusters.values()][0]?.details;
  const job = () => [...fake.state.jobs.values()][0]?.settings;
  const stateRow = (address: string) => stateSummary(home).resources.find((r) => r.address === address);

  /** Call the fake's REST API the way another Databricks user would. */
  const dbxApi = async (method: string, path: string, body?: unknown): Promise<Doc> => {
    const res = await fetch(`${fake.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${fake.token}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as Doc;
  };

  beforeAll(async () => {
    fake = await startDatabricksFake();
    proxy = await startFaultProxy();
    ({ env, home, dir } = cloudEnv({ fake }));
    proxiedEnv = { ...env, AWS_ENDPOINT_URL: proxy.url };
    const r = await runCli(
      ["create", "--blueprint", DEV_BLUEPRINT, "--yes", "--override", `project=${project}`],
      env,
    );
    if (r.code !== 0) throw new Error(`create failed (${r.code}): ${r.stderr}`);
  }, 60_000);

  afterAll(async () => {
    s3.destroy();
    await proxy?.close();
    await fake?.close();
  });

  it("read --json shows the live settings of a bucket, a Glue table, a cluster and a UC table beside state", async () => {
    const b = await read(addr.landing);
    expect(b.in_sync).toBe(true);
    expect(b.drift).toEqual([]);
    expect(b.live).toMatchObject({ exists: true, archived: false });
    expect(b.live.ownership).toEqual({ stackId: `${project}/dev`, address: addr.landing });
    // what read calls live is what moto holds
    expect(b.live.properties.versioning).toBe(false);
    expect(await versioning(landing)).toBeNull();
    expect(b.live.properties.lifecycle_days).toBe(30);
    expect(await lifecycleDays(landing)).toBe(30);
    const tags = await bucketTags(landing);
    for (const [k, v] of Object.entries(b.live.tags)) expect(tags[k], k).toBe(v);
    expect(b.live.tags.Team).toBe("data-engineering");
    expect(b.state.properties).toEqual(b.live.properties);
    expect(b.state.tags).toEqual(b.live.tags);

    const t = await read(addr.glueTable);
    expect(t.in_sync).toBe(true);
    expect(t.live.properties.location).toBe(`s3://${landing}/${glueDb}/fact_orders/`);
    expect(t.live.properties.partition_keys).toEqual([{ name: "ingest_date", type: "date" }]);
    expect(t.state.properties).toEqual(t.live.properties);

    const c = await read(addr.cluster);
    expect(c.in_sync).toBe(true);
    expect(c.remote_id).toBe(cluster()?.cluster_id);
    expect(c.live.properties.autotermination_minutes).toBe(30);
    expect(c.live.properties.autoscale).toEqual({ min_workers: 1, max_workers: 4 });
    // the fake moves a new cluster PENDING → RUNNING on its first clusters/get (read's own call)
    expect(["PENDING", "RUNNING"]).toContain(c.live.status);

    const u = await read(addr.ucTable);
    expect(u.in_sync).toBe(true);
    expect(u.live.properties.partition_by).toEqual(["order_ts"]);
    expect(u.live.properties.columns).toHaveLength(6);
    expect(fake.state.tables.get(`${catalog}.sales_bronze.fact_orders`)?.properties?.dpn_stack).toBe(
      `${project}/dev`,
    );
  });

  it("read and status report drift field by field after changes behind dpn's back", async () => {
    // AWS: suspend versioning on a versioned bucket and change one user tag
    expect(await versioning(bronze)).toBe("Enabled");
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bronze, VersioningConfiguration: { Status: "Suspended" } }),
    );
    const tags = await bucketTags(bronze);
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: bronze,
        Tagging: {
          TagSet: Object.entries({ ...tags, Team: "someone-else" }).map(([Key, Value]) => ({ Key, Value })),
        },
      }),
    );
    // Databricks: another user edits the cluster through the REST API (clusters/edit is a full replace)
    const id = String(cluster()?.cluster_id);
    const live = (await dbxApi("GET", `/api/2.1/clusters/get?cluster_id=${id}`)) as Doc;
    await dbxApi("POST", "/api/2.1/clusters/edit", {
      cluster_id: id,
      cluster_name: live.cluster_name,
      spark_version: live.spark_version,
      node_type_id: live.node_type_id,
      autoscale: live.autoscale,
      custom_tags: live.custom_tags,
      data_security_mode: live.data_security_mode,
      autotermination_minutes: 120,
    });
    expect(cluster()?.autotermination_minutes).toBe(120);
    // Unity Catalog: someone sets a comment on the table (straight into the fake's state)
    const uc = fake.state.tables.get(`${catalog}.sales_bronze.fact_orders`);
    if (!uc) throw new Error("UC table missing from the fake");
    uc.comment = "edited in the UI";

    const b = await read(addr.bronze);
    expect(b.in_sync).toBe(false);
    expect(b.drift).toEqual(
      expect.arrayContaining([
        { field: "versioning", state: true, live: false },
        { field: "tags.Team", state: "data-engineering", live: "someone-else" },
      ]),
    );
    // nothing else drifted except versioning's raw status (Enabled → Suspended)
    expect(fields(b.drift)).toEqual(["tags.Team", "versioning", "versioning_status"]);
    expect(b.state.properties.versioning).toBe(true);

    const c = await read(addr.cluster);
    expect(c.drift).toEqual([{ field: "autotermination_minutes", state: 30, live: 120 }]);
    const u = await read(addr.ucTable);
    expect(u.drift).toEqual([{ field: "comment", state: null, live: "edited in the UI" }]);
    // an untouched resource stays in sync
    expect((await read(addr.landing)).in_sync).toBe(true);

    const st = await dpn(["status", "--json"]);
    ok(st);
    const doc = json<Doc>(st);
    expect(doc.target).toBe("cloud");
    expect(doc.drift.checked).toBe(true);
    const drifted = Object.fromEntries(
      (doc.drift.resources as { address: string; fields: Drift[] }[]).map((r) => [r.address, r.fields]),
    );
    expect(Object.keys(drifted).sort()).toEqual([addr.bronze, addr.cluster, addr.ucTable].sort());
    expect(doc.drift.count).toBe(3);
    expect(drifted[addr.bronze]).toEqual(b.drift);
    expect(drifted[addr.cluster]).toEqual(c.drift);
    expect(drifted[addr.ucTable]).toEqual(u.drift);
  }, 30_000);

  it("update --params changes a bucket's versioning, lifecycle_days and tags in moto and in state", async () => {
    const file = params("bucket.json", {
      versioning: true,
      lifecycle_days: 45,
      tags: { Owner: "sales@example.com" },
    });
    const r = await dpn(["update", "--resource-id", addr.landing, "--params", file, "--yes", "--json"]);
    ok(r);
    const doc = json<Doc>(r);
    expect(doc.outcome).toBe("committed");
    expect(doc.changes.map((c: { field: string }) => c.field).sort()).toEqual([
      "lifecycle_days",
      "tags",
      "versioning",
    ]);
    expect(await versioning(landing)).toBe("Enabled");
    expect(await lifecycleDays(landing)).toBe(45);
    const tags = await bucketTags(landing);
    expect(tags.Owner).toBe("sales@example.com");
    expect(tags.Team).toBe("data-engineering");
    expect(tags.dpn_stack).toBe(`${project}/dev`); // ownership markers survive a tag update
    const after = await read(addr.landing);
    expect(after.in_sync).toBe(true);
    expect(after.state.properties).toMatchObject({ versioning: true, lifecycle_days: 45 });
    expect(after.state.tags.Owner).toBe("sales@example.com");
    expect(stateRow(addr.landing)?.status).toBe("active");
  });

  it("a failed S3 call mid-update leaves the previous settings in moto (exit 5 not applied, exit 6 rolled back)", async () => {
    const file = params("bucket2.json", { lifecycle_days: 90, tags: { Owner: "ops@example.com" } });
    // the first call is refused (409, nothing applied): the provider's error, exit 5
    proxy.add({ method: "PUT", query: /(^|&)lifecycle(=|&|$)/, status: 409, errorType: "OperationAborted" });
    const r1 = await dpn(
      ["update", "--resource-id", addr.landing, "--params", file, "--yes", "--json"],
      proxiedEnv,
    );
    expect(r1.code, r1.stderr).toBe(5);
    expect(json<Doc>(r1).outcome).not.toBe("committed");
    expect(await lifecycleDays(landing)).toBe(45);
    expect((await bucketTags(landing)).Owner).toBe("sales@example.com");
    proxy.clear();

    // lifecycle is applied, then the tag call fails: dpn puts the lifecycle rule back
    let lifecycleWhenTagsFailed: number | undefined;
    proxy.add({
      method: "PUT",
      query: /(^|&)tagging(=|&|$)/,
      status: 409,
      errorType: "OperationAborted",
      waitFor: async () => {
        lifecycleWhenTagsFailed = await lifecycleDays(landing);
      },
    });
    const seen = proxy.log.length;
    const r2 = await dpn(
      ["update", "--resource-id", addr.landing, "--params", file, "--yes", "--json"],
      proxiedEnv,
    );
    expect(r2.code, r2.stderr).toBe(6);
    const doc = json<Doc>(r2);
    expect(doc.outcome).toBe("rolled_back");
    expect(doc.error.code).toBe("APPLY_ROLLED_BACK");
    expect(doc.operations.map((o: { phase: string; action: string }) => `${o.phase}:${o.action}`)).toEqual([
      "forward:update",
      "compensate:revert",
    ]);
    proxy.clear();
    // the first setting really was applied before the failure, then put back
    expect(lifecycleWhenTagsFailed).toBe(90);
    expect(
      proxy.log
        .slice(seen)
        .filter((l) => l.call.startsWith("PUT "))
        .map((l) => `${l.call} ${l.status}`),
    ).toEqual([`PUT /${landing}/ 200`, `PUT /${landing}/ 409`, `PUT /${landing}/ 200`]);
    expect(await lifecycleDays(landing)).toBe(45);
    expect((await bucketTags(landing)).Owner).toBe("sales@example.com");
    const after = await read(addr.landing);
    expect(after.in_sync).toBe(true);
    expect(after.state.properties.lifecycle_days).toBe(45);
    expect(after.state.tags.Owner).toBe("sales@example.com");
  }, 30_000);

  it("update --params changes a cluster in the fake; an injected job failure leaves the job as it was", async () => {
    const r = await dpn([
      "update",
      "--resource-id",
      addr.cluster,
      "--params",
      params("cluster.json", { autotermination_minutes: 60, tags: { Owner: "etl@example.com" } }),
      "--yes",
      "--json",
    ]);
    ok(r);
    expect(cluster()?.autotermination_minutes).toBe(60);
    expect(cluster()?.custom_tags?.Owner).toBe("etl@example.com");
    const c = await read(addr.cluster);
    expect(c.in_sync).toBe(true);
    expect(c.state.properties.autotermination_minutes).toBe(60);

    // the cluster edit lands, then the answer is a 500 (outcome unknown): dpn edits it back, exit 6
    fake.faults.add({
      route: "POST /api/2.1/clusters/edit",
      status: 500,
      afterHandler: true,
      body: { error_code: "INTERNAL_ERROR", message: "injected after the effect" },
    });
    const edits = fake.log.filter((l) => l.path === "/api/2.1/clusters/edit").length;
    const rc = await dpn([
      "update",
      "--resource-id",
      addr.cluster,
      "--params",
      params("cluster2.json", { autotermination_minutes: 90 }),
      "--yes",
      "--json",
    ]);
    fake.faults.clear();
    expect(rc.code, rc.stderr).toBe(6);
    expect(
      fake.log
        .filter((l) => l.path === "/api/2.1/clusters/edit" && l.status === 200)
        .slice(-1)
        .map((l) => (l.body as Doc).autotermination_minutes),
      "the compensating edit put 60 back",
    ).toEqual([60]);
    expect(fake.log.filter((l) => l.path === "/api/2.1/clusters/edit").length - edits).toBeGreaterThanOrEqual(
      2,
    );
    expect(cluster()?.autotermination_minutes).toBe(60);
    expect(cluster()?.custom_tags?.Owner).toBe("etl@example.com");
    expect((await read(addr.cluster)).in_sync).toBe(true);

    const before = structuredClone(job());
    expect(before?.max_concurrent_runs).not.toBe(3);
    const file = params("job.json", { max_concurrent_runs: 3 });
    const resetsBefore = fake.log.filter(
      (l) => l.method === "POST" && l.path === "/api/2.2/jobs/reset",
    ).length;
    // refused by the workspace before any effect: exit 5, nothing changed
    fake.faults.add({
      route: "POST /api/2.2/jobs/reset",
      status: 409,
      body: { error_code: "RESOURCE_CONFLICT", message: "injected" },
    });
    const r1 = await dpn(["update", "--resource-id", addr.job, "--params", file, "--yes", "--json"]);
    expect(r1.code, r1.stderr).toBe(5);
    expect(job()).toEqual(before);
    // applied, then a 500 (outcome unknown): dpn resets the job to its previous settings, exit 6
    fake.faults.add({
      route: "POST /api/2.2/jobs/reset",
      status: 500,
      afterHandler: true,
      body: { error_code: "INTERNAL_ERROR", message: "injected after the effect" },
    });
    const r2 = await dpn(["update", "--resource-id", addr.job, "--params", file, "--yes", "--json"]);
    expect(r2.code, r2.stderr).toBe(6);
    expect(json<Doc>(r2).outcome).toBe("rolled_back");
    fake.faults.clear();
    expect(
      fake.log.filter((l) => l.method === "POST" && l.path === "/api/2.2/jobs/reset").length,
      "one refused reset, one applied-then-failed reset, one compensating reset",
    ).toBe(resetsBefore + 3);
    expect(job()).toEqual(before);
    const j = await read(addr.job);
    expect(j.in_sync).toBe(true);
    expect(j.state.properties.max_concurrent_runs).toBe(before?.max_concurrent_runs);
  }, 40_000);

  it("delete refuses a bucket with dependents, removes a Glue table and an empty bucket, refuses data", async () => {
    // the landing bucket holds the fact_orders Glue table (bucket_ref + location)
    const dep = await dpn(["delete", "--resource-id", addr.landing, "--yes", "--json"]);
    expect(dep.code, dep.stderr).toBe(3);
    const err = json<Doc>(dep).error;
    expect(err.code).toBe("DELETE_HAS_DEPENDENTS");
    expect(err.details.dependents).toEqual([addr.glueTable]);
    expect(dep.stderr).toContain(addr.glueTable);
    expect((await awsInventory(project)).buckets).toContain(landing);
    expect(stateRow(addr.landing)?.status).toBe("active");

    const t = await dpn(["delete", "--resource-id", addr.glueTable, "--yes", "--json"]);
    ok(t);
    expect((await awsInventory(project)).tables).toEqual([`${project}_sales_silver_dev.dim_customers`]);
    expect(stateRow(addr.glueTable)).toBeUndefined();

    const b = await dpn(["delete", "--resource-id", addr.bronze, "--yes", "--json"]);
    ok(b);
    expect((await awsInventory(project)).buckets).toEqual([landing, silver].sort());
    expect(stateRow(addr.bronze)).toBeUndefined();

    // landing has no dependents left (its Glue table is gone), but it holds an object
    await s3.send(new PutObjectCommand({ Bucket: landing, Key: "orders/part-0001.parquet", Body: "x" }));
    const full = await dpn(["delete", "--resource-id", addr.landing, "--yes", "--json"]);
    expect(full.code, full.stderr).toBe(5);
    expect(json<Doc>(full).error.code).toBe("DELETE_NOT_EMPTY");
    expect((await awsInventory(project)).buckets).toContain(landing);
    expect(stateRow(addr.landing)?.status).toBe("active");
    expect(await versioning(landing)).toBe("Enabled"); // so the object has versions to erase

    // --force (no TTY, --yes) erases every object version and the bucket
    await s3.send(new PutObjectCommand({ Bucket: landing, Key: "orders/part-0001.parquet", Body: "y" }));
    const forced = await dpn(["delete", "--resource-id", addr.landing, "--force", "--yes", "--json"]);
    ok(forced);
    expect((await awsInventory(project)).buckets).toEqual([silver]);
    expect(stateRow(addr.landing)).toBeUndefined();
  }, 30_000);

  it("import adopts a bucket made with the raw SDK; a non-compliant name needs --allow-noncompliant", async () => {
    const good = `${project}-archive-raw-dev-use1`;
    await s3.send(new CreateBucketCommand({ Bucket: good }));
    await s3.send(
      new PutBucketTaggingCommand({ Bucket: good, Tagging: { TagSet: [{ Key: "Team", Value: "legacy" }] } }),
    );
    const imp = await dpn(["import", "--type", "aws_s3_bucket", "--resource-id", good, "--json"]);
    ok(imp);
    expect(json<Doc>(imp)).toMatchObject({
      address: `aws_s3_bucket.${good}`,
      compliant: true,
      outcome: "committed",
    });
    const tags = await bucketTags(good);
    expect(tags.Team).toBe("legacy");
    expect(tags.dpn_stack).toBe(`${project}/dev`);
    expect(tags.dpn_address).toBe(`aws_s3_bucket.${good}`);
    expect(stateRow(`aws_s3_bucket.${good}`)).toMatchObject({ status: "active", remote_id: good });
    expect((await read(`aws_s3_bucket.${good}`)).in_sync).toBe(true);

    // a reserved suffix: S3 itself refuses it today, moto does not (an old bucket, say)
    const bad = `${project}-legacy-s3alias`;
    await s3.send(new CreateBucketCommand({ Bucket: bad }));
    const refused = await dpn(["import", "--type", "aws_s3_bucket", "--resource-id", bad, "--json"]);
    expect(refused.code).toBe(3);
    const refusal = json<Doc>(refused).error;
    expect(refusal.code).toBe("NAME_NONCOMPLIANT");
    expect(refusal.problems.map((p: { code: string }) => p.code)).toContain("S3_RESERVED_SUFFIX");
    expect(Object.keys(await bucketTags(bad).catch(() => ({})))).not.toContain("dpn_stack");
    expect(stateRow(`aws_s3_bucket.${bad}`)).toBeUndefined();
    const forced = await dpn([
      "import",
      "--type",
      "aws_s3_bucket",
      "--resource-id",
      bad,
      "--allow-noncompliant",
      "--json",
    ]);
    ok(forced);
    expect(json<Doc>(forced).compliant).toBe(false);
    expect(stateRow(`aws_s3_bucket.${bad}`)).toMatchObject({ status: "active", remote_id: bad });
    expect((await bucketTags(bad)).dpn_stack).toBe(`${project}/dev`);
  }, 30_000);

  it("list --json and status --json agree with state.db, moto and the fake", async () => {
    const rows = stateSummary(home).resources;
    const l = await dpn(["list", "--json"]);
    ok(l);
    const listed = json<Doc>(l).resources as { address: string; remote_id: string; status: string }[];
    expect(listed.map((r) => [r.address, r.remote_id, r.status])).toEqual(
      rows.filter((r) => r.status === "active").map((r) => [r.address, r.remote_id, r.status]),
    );
    expect(json<Doc>(await dpn(["list", "--archived", "--json"])).total).toBe(0);

    const st = await dpn(["status", "--json"]);
    ok(st);
    const doc = json<Doc>(st);
    expect(doc.resources.total).toBe(rows.length);
    expect(doc.resources.active).toBe(rows.length);
    const byType: Record<string, number> = {};
    for (const r of rows) byType[r.type] = (byType[r.type] ?? 0) + 1;
    expect(
      Object.fromEntries(
        Object.entries(doc.resources.by_type as Record<string, { active: number }>).map(([k, v]) => [
          k,
          v.active,
        ]),
      ),
    ).toEqual(byType);
    expect(doc.lock).toBeNull();
    expect(doc.unfinished_transactions).toEqual([]);
    // of the three drifted resources, the bronze bucket is deleted and the cluster was updated by
    // dpn since: only the UC table comment is still reported
    expect(doc.drift.resources).toEqual([
      { address: addr.ucTable, fields: [{ field: "comment", state: null, live: "edited in the UI" }] },
    ]);

    // and state names exactly what exists remotely
    const aws = await awsInventory(project);
    expect(aws.buckets).toEqual(
      rows
        .filter((r) => r.type === "aws_s3_bucket")
        .map((r) => r.remote_id)
        .sort(),
    );
    expect(aws.tables).toEqual(
      rows
        .filter((r) => r.type === "aws_glue_table")
        .map((r) => r.remote_id)
        .sort(),
    );
    const dbx = dbxInventory(fake);
    expect(dbx.jobs).toHaveLength(rows.filter((r) => r.type === "dbx_job").length);
    expect(dbx.tables).toEqual(
      rows
        .filter((r) => r.type === "dbx_table")
        .map((r) => r.remote_id)
        .sort(),
    );
  }, 30_000);

  it("a resource deleted behind dpn's back reads as missing, and status counts it as drift", async () => {
    const silverDb = `${project}_sales_silver_dev`;
    const address = `aws_glue_table.${silverDb}.dim_customers`;
    const glue = rawGlue(REGION);
    try {
      await glue.send(new DeleteTableCommand({ DatabaseName: silverDb, Name: "dim_customers" }));
    } finally {
      glue.destroy();
    }
    const r = await read(address);
    expect(r.live).toEqual({ exists: false });
    expect(r.drift).toEqual([{ field: "exists", state: true, live: false }]);
    expect(r.state.status).toBe("active");
    const st = json<Doc>(await dpn(["status", "--json"]));
    expect((st.drift.resources as { address: string }[]).map((x) => x.address).sort()).toEqual(
      [address, addr.ucTable].sort(),
    );
    // read and status change nothing: the row is still there
    expect(stateRow(address)?.status).toBe("active");
  });
});
