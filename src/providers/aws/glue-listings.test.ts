/**
 * The run's bulk Glue reads (glue-listings.ts) against moto, counted by a loopback proxy: one
 * GetDatabases per region and one GetTables per database answer every look-up, a missing
 * database answers its tables' look-ups too, and any Glue write drops the listings.
 */
import { CreateDatabaseCommand, CreateTableCommand } from "@aws-sdk/client-glue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "../../../test/support/cloud-env.js";
import { motoEnv, rawGlue, testCtx, uniqueName } from "../../../test/support/moto.js";
import type { DesiredResource } from "../../core/resources.js";
import { AwsClients } from "./aws-clients.js";
import { createAwsProviders } from "./aws-providers.js";

const REGION = "us-east-1";
const glue = rawGlue(REGION);
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy();
});
afterAll(async () => {
  glue.destroy();
  await proxy.close();
});

function db(name: string): DesiredResource<"aws_glue_database"> {
  return {
    type: "aws_glue_database",
    address: `aws_glue_database.${name}`,
    name,
    fullName: name,
    properties: { region: REGION, parameters: {} },
    tags: {},
    dependencies: [],
    source: "$",
  };
}

function table(database: string, name: string): DesiredResource<"aws_glue_table"> {
  return {
    type: "aws_glue_table",
    address: `aws_glue_table.${database}.${name}`,
    name,
    fullName: `${database}.${name}`,
    properties: {
      region: REGION,
      database,
      columns: [{ name: "a", type: "int" }],
      partition_keys: [],
      table_type: "fact",
      format: "parquet",
    },
    tags: {},
    dependencies: [],
    source: "$",
  };
}

/** Glue targets the proxy saw since `from`, by action. */
function seen(from: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of proxy.log.slice(from)) out[c.call] = (out[c.call] ?? 0) + 1;
  return out;
}

describe("Glue bulk reads", () => {
  it("answers every database and table look-up of a run from one GetDatabases and one GetTables per database", async () => {
    const [d1, d2] = [uniqueName("dpn_ldb", "_"), uniqueName("dpn_ldb", "_")];
    for (const d of [d1, d2]) {
      await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: d } }));
      for (const t of ["t1", "t2"])
        await glue.send(
          new CreateTableCommand({
            DatabaseName: d,
            TableInput: { Name: t, StorageDescriptor: { Columns: [{ Name: "a", Type: "int" }] } },
          }),
        );
    }
    const clients = new AwsClients({ env: motoEnv({ AWS_ENDPOINT_URL: proxy.url }) });
    const p = createAwsProviders({ clients });
    const ctx = testCtx("stack-l");
    const from = proxy.log.length;
    const dbs = await Promise.all(
      [d1, d2, "dpn_ldb_missing"].map((d) => p.aws_glue_database.lookup(db(d), ctx)),
    );
    const tables = await Promise.all(
      [d1, d2].flatMap((d) => ["t1", "t2", "t3"].map((t) => p.aws_glue_table.lookup(table(d, t), ctx))),
    );
    // a table of a database that does not exist: one GetTables answers "absent"
    const orphans = await Promise.all(
      ["x", "y"].map((t) => p.aws_glue_table.lookup(table("dpn_ldb_none", t), ctx)),
    );
    expect(dbs.map((x) => x?.name ?? null)).toEqual([d1, d2, null]);
    expect(tables.map((x) => x?.name ?? null)).toEqual(["t1", "t2", null, "t1", "t2", null]);
    expect(orphans).toEqual([null, null]);
    expect(await p.aws_glue_table.read(`${d1}.t2`, ctx)).toMatchObject({ fullName: `${d1}.t2` });
    expect(seen(from)).toEqual({
      "AWSGlue.GetDatabases": 1,
      "AWSGlue.GetTags": 2, // one per existing database: Glue has no bulk tag read
      "AWSGlue.GetTables": 3,
      "POST /": 1, // STS GetCallerIdentity for the tag ARN's account, once per run
    });

    // our own write drops the listings: the next look-up lists again and sees the new table
    const before = proxy.log.length;
    await p.aws_glue_table.create(table(d1, "t3"), ctx);
    expect((await p.aws_glue_table.lookup(table(d1, "t3"), ctx))?.name).toBe("t3");
    expect(seen(before)).toEqual({ "AWSGlue.CreateTable": 1, "AWSGlue.GetTables": 1 });
    clients.destroy();
  });
});
