/**
 * The AWS inventory (inventory.ts) against moto, each test in an AWS account of its own, behind a
 * proxy that logs every request by operation and pages ListBuckets / GetDatabases / GetTables as
 * botocore's models document them (test/support/aws-inventory-proxy.ts): every object listed with
 * its tags and ownership, and the exact requests per page and per object.
 */
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  GlueClient,
  TagResourceCommand,
} from "@aws-sdk/client-glue";
import { CreateBucketCommand, PutBucketTaggingCommand, S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import {
  type InventoryProxy,
  startInventoryProxy,
  tally,
} from "../../../test/support/aws-inventory-proxy.js";
import { motoEnv, testCtx, uniqueName } from "../../../test/support/moto.js";
import type { RemoteObject } from "../../engine/ports.js";
import { AwsClients } from "./aws-clients.js";
import { createAwsProviders } from "./aws-providers.js";
import { listGlueDatabases, listGlueTables, listS3Buckets, regionOfLocation } from "./inventory.js";

const ctx = testCtx("stack-inv");
const READ_ONLY = /^(s3|glue|sts):(List|Get|Head)/;

let proxy: InventoryProxy | undefined;
let clients: AwsClients | undefined;
const raws: { destroy(): void }[] = [];
afterEach(async () => {
  clients?.destroy();
  for (const r of raws.splice(0)) r.destroy();
  await proxy?.close();
  proxy = undefined;
  clients = undefined;
});

async function setup(paging: boolean) {
  proxy = await startInventoryProxy({ paging });
  clients = new AwsClients({ env: motoEnv({ AWS_ENDPOINT_URL: proxy.url }) });
  const creds = { accessKeyId: "testing", secretAccessKey: "testing" };
  const s3 = (region: string) => {
    const c = new S3Client({ region, endpoint: proxy?.url, forcePathStyle: true, credentials: creds });
    raws.push(c);
    return c;
  };
  const glue = new GlueClient({ region: "us-east-1", endpoint: proxy.url, credentials: creds });
  raws.push(glue);
  return { proxy, clients, s3, glue, providers: createAwsProviders({ clients }) };
}

const marks = (address: string, archived = false) => ({
  dpn_stack: "stack-inv",
  dpn_address: address,
  ...(archived ? { dpn_archived_at: "2026-01-02T03:04:05.000Z", dpn_archived_by: "ana@host" } : {}),
});

/** Five buckets: two of ours (one archived), one of another stack, two untagged; two regions. */
async function seedBuckets(s3: (region: string) => S3Client): Promise<(id: string) => string> {
  const prefix = uniqueName("inv");
  const n = (id: string) => `${prefix}-${id}`;
  const specs: [string, string, Record<string, string> | null][] = [
    ["a", "us-east-1", { team: "data", ...marks("aws_s3_bucket.a") }],
    ["b", "eu-west-1", { ...marks("aws_s3_bucket.b", true) }],
    ["c", "us-east-1", { dpn_stack: "other-stack", dpn_address: "aws_s3_bucket.x", owner: "ops" }],
    ["d", "eu-west-1", null],
    ["e", "us-east-1", null],
  ];
  for (const [id, region, tags] of specs) {
    const name = n(id);
    await s3(region).send(
      new CreateBucketCommand({
        Bucket: name,
        ...(region === "us-east-1"
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
      }),
    );
    if (tags)
      await s3(region).send(
        new PutBucketTaggingCommand({
          Bucket: name,
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      );
  }
  return n;
}

function byId(list: RemoteObject[]): Record<string, RemoteObject> {
  return Object.fromEntries(list.map((o) => [o.remoteId, o]));
}

describe("S3 bucket inventory", () => {
  it("pages ListBuckets (MaxBuckets + ContinuationToken), takes BucketRegion, reads tags once per bucket", async () => {
    const { proxy, clients, s3 } = await setup(true);
    const n = await seedBuckets(s3);
    proxy.log.length = 0;
    const progress: number[] = [];
    const list = await listS3Buckets(clients, { onProgress: (n) => progress.push(n) }, { buckets: 2 });

    const got = Object.fromEntries(list.map((o) => [o.remoteId.slice(n("").length), o]));
    expect(Object.keys(got).sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(list.every((o) => o.remoteId.startsWith(n("")))).toBe(true);
    expect(got.a).toMatchObject({
      type: "aws_s3_bucket",
      name: n("a"),
      fullName: n("a"),
      properties: { region: "us-east-1" },
      tags: { team: "data" },
      ownership: { stackId: "stack-inv", address: "aws_s3_bucket.a" },
      archived: false,
    });
    expect(got.a?.provenance).toBeUndefined();
    expect(got.b).toMatchObject({
      properties: { region: "eu-west-1" },
      tags: {},
      ownership: { stackId: "stack-inv", address: "aws_s3_bucket.b" },
      archived: true,
    });
    expect(got.c).toMatchObject({
      tags: { owner: "ops" },
      ownership: { stackId: "other-stack", address: "aws_s3_bucket.x" },
    });
    for (const id of ["d", "e"]) {
      expect(got[id]).toMatchObject({ tags: {}, ownership: null, archived: false });
      // as read(): an unmarked bucket carries its creation facts, made by the listing account
      expect(got[id]?.provenance?.createdBy).toBe(proxy.account);
      expect(got[id]?.provenance?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    expect(got.d?.properties).toEqual({ region: "eu-west-1" });

    // 3 pages of 2, one GetBucketTagging per bucket, STS once for the unmarked buckets' provenance
    expect(tally(proxy.log)).toEqual({
      "s3:ListBuckets": 3,
      "s3:GetBucketTagging": 5,
      "sts:GetCallerIdentity": 1,
    });
    expect(proxy.log.every((l) => READ_ONLY.test(l.op))).toBe(true);
    expect(progress.at(-1)).toBe(5);

    // the same markers and tags as read() sees
    const { aws_s3_bucket: p } = createAwsProviders({ clients });
    for (const o of list) {
      const r = await p.read(o.remoteId, ctx);
      expect({
        tags: o.tags,
        ownership: o.ownership,
        archived: o.archived,
        region: o.properties.region,
      }).toEqual({
        tags: r?.tags,
        ownership: r?.ownership,
        archived: r?.archived,
        region: r?.properties.region,
      });
    }
  });

  it("asks GetBucketLocation only for a bucket listed without BucketRegion (moto's own ListBuckets)", async () => {
    const { proxy, s3, providers } = await setup(false);
    const n = await seedBuckets(s3);
    proxy.log.length = 0;
    const list = await providers.aws_s3_bucket.list?.(ctx);
    expect(list?.map((o) => [o.remoteId.slice(n("").length), o.properties.region]).sort()).toEqual([
      ["a", "us-east-1"],
      ["b", "eu-west-1"],
      ["c", "us-east-1"],
      ["d", "eu-west-1"],
      ["e", "us-east-1"],
    ]);
    expect(tally(proxy.log)).toEqual({
      "s3:ListBuckets": 1,
      "s3:GetBucketLocation": 5,
      "s3:GetBucketTagging": 5,
      "sts:GetCallerIdentity": 1,
    });
    expect(proxy.log.every((l) => READ_ONLY.test(l.op))).toBe(true);
  });

  it("maps LocationConstraint as S3 documents it (empty = us-east-1, EU = eu-west-1)", () => {
    expect(regionOfLocation(undefined)).toBe("us-east-1");
    expect(regionOfLocation("")).toBe("us-east-1");
    expect(regionOfLocation("EU")).toBe("eu-west-1");
    expect(regionOfLocation("ap-south-1")).toBe("ap-south-1");
  });
});

/** Five databases: two of ours (one archived), one of another stack (tags only), two untagged. */
async function seedDatabases(glue: GlueClient, account: string): Promise<void> {
  const specs: [string, Record<string, string>, Record<string, string>][] = [
    [
      "inv_a",
      { layer: "bronze", ...marks("aws_glue_database.a") },
      { team: "data", ...marks("aws_glue_database.a") },
    ],
    ["inv_b", marks("aws_glue_database.b", true), marks("aws_glue_database.b", true)],
    ["inv_c", {}, { dpn_stack: "other-stack", dpn_address: "aws_glue_database.x" }],
    ["inv_d", {}, {}],
    ["inv_e", { foo: "bar" }, {}],
  ];
  for (const [name, params, tags] of specs) {
    await glue.send(
      new CreateDatabaseCommand({
        DatabaseInput: { Name: name, Description: `db ${name}`, Parameters: params },
      }),
    );
    if (Object.keys(tags).length)
      await glue.send(
        new TagResourceCommand({
          ResourceArn: `arn:aws:glue:us-east-1:${account}:database/${name}`,
          TagsToAdd: tags,
        }),
      );
  }
}

describe("Glue database inventory", () => {
  it("pages GetDatabases (MaxResults + NextToken) and reads tags once per database, as read() does", async () => {
    const { proxy, clients, glue, providers } = await setup(true);
    await seedDatabases(glue, proxy.account);
    proxy.log.length = 0;
    const p = providers.aws_glue_database;
    const list = await listGlueDatabases(
      clients,
      (r, n, db, t) => ({ ...toDb(p, r, n, db, t) }),
      {},
      { glue: 2 },
    );
    const got = byId(list);
    expect(Object.keys(got).sort()).toEqual(["inv_a", "inv_b", "inv_c", "inv_d", "inv_e"]);
    expect(got.inv_a).toMatchObject({
      properties: { region: "us-east-1", description: "db inv_a", parameters: { layer: "bronze" } },
      tags: { team: "data" },
      ownership: { stackId: "stack-inv", address: "aws_glue_database.a" },
      archived: false,
    });
    expect(got.inv_b).toMatchObject({ archived: true, ownership: { address: "aws_glue_database.b" } });
    expect(got.inv_c).toMatchObject({ tags: {}, ownership: { stackId: "other-stack" } });
    expect(got.inv_d).toMatchObject({ tags: {}, ownership: null, archived: false });
    expect(got.inv_e?.properties).toEqual({
      region: "us-east-1",
      description: "db inv_e",
      parameters: { foo: "bar" },
    });
    expect(tally(proxy.log)).toEqual({
      "glue:GetDatabases": 3,
      "glue:GetTags": 5,
      "sts:GetCallerIdentity": 1,
    });
    expect(proxy.log.every((l) => READ_ONLY.test(l.op))).toBe(true);
    // exactly what read() returns
    for (const o of list) expect(o).toEqual(await p.read(o.remoteId, ctx));
  });

  it("is wired as the provider's list", async () => {
    const { proxy, glue, providers } = await setup(true);
    await seedDatabases(glue, proxy.account);
    proxy.log.length = 0;
    const list = (await providers.aws_glue_database.list?.(ctx)) ?? [];
    expect(list.map((o) => o.remoteId).sort()).toEqual(["inv_a", "inv_b", "inv_c", "inv_d", "inv_e"]);
    // one page of 100
    expect(tally(proxy.log)).toEqual({
      "glue:GetDatabases": 1,
      "glue:GetTags": 5,
      "sts:GetCallerIdentity": 1,
    });
  });
});

describe("Glue in several regions", () => {
  it("reads the default region and every region of ListOptions.regions, each object with its region", async () => {
    const { proxy, clients, providers } = await setup(true);
    const creds = { accessKeyId: "testing", secretAccessKey: "testing" };
    for (const [region, db] of [
      ["us-east-1", "inv_use1"],
      ["eu-west-1", "inv_euw1"],
      ["eu-west-1", "inv_euw1b"],
      ["ap-southeast-2", "inv_aps2"],
    ] as const) {
      const g = new GlueClient({ region, endpoint: proxy.url, credentials: creds });
      raws.push(g);
      await g.send(new CreateDatabaseCommand({ DatabaseInput: { Name: db } }));
      await g.send(
        new CreateTableCommand({ DatabaseName: db, TableInput: { Name: "t", TableType: "EXTERNAL_TABLE" } }),
      );
    }
    proxy.log.length = 0;
    // duplicates and the default region itself are read once; ap-southeast-2 is not asked for
    const regions = ["eu-west-1", "us-east-1", "eu-west-1", "sa-east-1"];
    const dbs = (await providers.aws_glue_database.list?.(ctx, { regions })) ?? [];
    expect(dbs.map((o) => `${o.properties.region}:${o.remoteId}`).sort()).toEqual([
      "eu-west-1:inv_euw1",
      "eu-west-1:inv_euw1b",
      "us-east-1:inv_use1",
    ]);
    expect(tally(proxy.log.map((l) => ({ ...l, op: `${l.op} ${l.region}` })))).toEqual({
      "glue:GetDatabases us-east-1": 1,
      "glue:GetDatabases eu-west-1": 1,
      "glue:GetDatabases sa-east-1": 1,
      "glue:GetTags us-east-1": 1,
      "glue:GetTags eu-west-1": 2,
      "sts:GetCallerIdentity us-east-1": 1,
    });
    // read() finds each in the region it was listed in
    for (const o of dbs) expect(await providers.aws_glue_database.read(o.remoteId, ctx)).toEqual(o);
    proxy.log.length = 0;
    const tables = (await providers.aws_glue_table.list?.(ctx, { regions })) ?? [];
    expect(tables.map((o) => `${o.properties.region}:${o.remoteId}`).sort()).toEqual([
      "eu-west-1:inv_euw1.t",
      "eu-west-1:inv_euw1b.t",
      "us-east-1:inv_use1.t",
    ]);
    expect(tally(proxy.log)).toEqual({ "glue:GetDatabases": 3, "glue:GetTables": 3 });
    expect(proxy.log.every((l) => READ_ONLY.test(l.op))).toBe(true);
    expect(clients.defaultRegion).toBe("us-east-1");
  });
});

/** The database provider's own conversion, reached through its list wiring. */
function toDb(
  p: ReturnType<typeof createAwsProviders>["aws_glue_database"],
  region: string,
  name: string,
  db: unknown,
  tags: Record<string, string>,
): RemoteObject {
  return (p as unknown as { toRemote(...a: unknown[]): RemoteObject }).toRemote(region, name, db, tags);
}

describe("Glue table inventory", () => {
  it("pages GetTables per database, no per-table call; tags and markers from the parameters", async () => {
    const { proxy, clients, glue, providers } = await setup(true);
    for (const db of ["inv_x", "inv_y", "inv_z"])
      await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: db } }));
    const table = (name: string, params: Record<string, string>) => ({
      Name: name,
      TableType: "EXTERNAL_TABLE",
      Parameters: params,
      StorageDescriptor: {
        Columns: [{ Name: "id", Type: "bigint" }],
        Location: `s3://inv-bucket/${name}/`,
        SerdeInfo: { SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
      },
    });
    const xTables: [string, Record<string, string>][] = [
      ["t1", { "dpn_tag.team": "data", dpn_table_type: "fact", ...marks("aws_glue_table.t1") }],
      ["t2", marks("aws_glue_table.t2", true)],
      ["t3", { dpn_stack: "other-stack", dpn_address: "aws_glue_table.x" }],
      ["t4", {}],
      ["t5", { classification: "parquet" }],
    ];
    for (const [name, params] of xTables)
      await glue.send(new CreateTableCommand({ DatabaseName: "inv_x", TableInput: table(name, params) }));
    await glue.send(new CreateTableCommand({ DatabaseName: "inv_y", TableInput: table("u1", {}) }));
    proxy.log.length = 0;

    const p = providers.aws_glue_table;
    const list = await listGlueTables(
      clients,
      (r, d, t) => (p as unknown as { toRemote(...a: unknown[]): RemoteObject }).toRemote(r, d, t),
      {},
      { glue: 2 },
    );
    const got = byId(list);
    expect(Object.keys(got).sort()).toEqual([
      "inv_x.t1",
      "inv_x.t2",
      "inv_x.t3",
      "inv_x.t4",
      "inv_x.t5",
      "inv_y.u1",
    ]);
    expect(got["inv_x.t1"]).toMatchObject({
      name: "t1",
      fullName: "inv_x.t1",
      properties: {
        region: "us-east-1",
        database: "inv_x",
        table_type: "fact",
        location: "s3://inv-bucket/t1/",
      },
      tags: { team: "data" },
      ownership: { stackId: "stack-inv", address: "aws_glue_table.t1" },
      archived: false,
    });
    expect(got["inv_x.t2"]).toMatchObject({ archived: true, ownership: { address: "aws_glue_table.t2" } });
    expect(got["inv_x.t3"]).toMatchObject({ ownership: { stackId: "other-stack" }, tags: {} });
    expect(got["inv_x.t4"]).toMatchObject({ ownership: null, archived: false, tags: {} });
    // GetDatabases: 2 pages of 2 (3 databases); GetTables: inv_x 3 pages, inv_y 1, inv_z 1 (empty)
    expect(tally(proxy.log)).toEqual({ "glue:GetDatabases": 2, "glue:GetTables": 5 });
    expect(proxy.log.every((l) => READ_ONLY.test(l.op))).toBe(true);
    for (const o of list) expect(o).toEqual(await p.read(o.remoteId, ctx));

    proxy.log.length = 0;
    expect(((await p.list?.(ctx)) ?? []).length).toBe(6);
    expect(tally(proxy.log)).toEqual({ "glue:GetDatabases": 1, "glue:GetTables": 3 });
  });
});
