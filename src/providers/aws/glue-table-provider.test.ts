/**
 * Glue table provider against moto over real HTTP (unique database names per test, no global
 * reset), verified with a raw Glue client.
 */
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  GetTableCommand,
  GetTableVersionsCommand,
} from "@aws-sdk/client-glue";
import { afterAll, describe, expect, it } from "vitest";
import { motoEnv, rawGlue, testCtx, uniqueName } from "../../../test/support/moto.js";
import { ProviderError } from "../../core/errors.js";
import type { DesiredResource, GlueTableProps } from "../../core/resources.js";
import { AwsClients } from "./aws-clients.js";
import { createAwsProviders } from "./aws-providers.js";

const clients = new AwsClients({ env: motoEnv() });
const tp = createAwsProviders({ clients }).aws_glue_table;
const g = { "us-east-1": rawGlue("us-east-1"), "eu-west-1": rawGlue("eu-west-1") };
afterAll(() => {
  clients.destroy();
  for (const c of Object.values(g)) c.destroy();
});

async function newDatabase(region: "us-east-1" | "eu-west-1"): Promise<string> {
  const db = uniqueName("dpn_tdb", "_");
  await g[region].send(new CreateDatabaseCommand({ DatabaseInput: { Name: db } }));
  return db;
}

function desired(
  db: string,
  name: string,
  region: string,
  over: Partial<GlueTableProps> = {},
  tags: Record<string, string> = { team: "data" },
): DesiredResource<"aws_glue_table"> {
  return {
    type: "aws_glue_table",
    address: `aws_glue_table.${db}.${name}`,
    name,
    fullName: `${db}.${name}`,
    properties: {
      region,
      database: db,
      columns: [
        { name: "order_id", type: "bigint", comment: "primary key" },
        { name: "amount", type: "decimal(12,2)" },
      ],
      partition_keys: [{ name: "dt", type: "string" }],
      table_type: "fact",
      format: "parquet",
      location: `s3://dpn-bucket/${db}/${name}/`,
      description: "Orders",
      ...over,
    },
    tags,
    dependencies: [],
    source: "$.resources.aws.glue_tables[0]",
  };
}

async function rawTable(region: "us-east-1" | "eu-west-1", db: string, name: string) {
  return (await g[region].send(new GetTableCommand({ DatabaseName: db, Name: name }))).Table;
}

async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const e = await p.then(
    () => new Error("expected a ProviderError"),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProviderError);
  return e as ProviderError;
}

describe.each(["us-east-1", "eu-west-1"] as const)("Glue table lifecycle in %s", (region) => {
  it("creates a full external table, reads, updates, reverts, archives, restores and deletes it", async () => {
    const db = await newDatabase(region);
    const ctx = testCtx("stack-t", "bo@host");
    const d = desired(db, "fact_orders", region);
    const created = await tp.create(d, ctx);

    const t = await rawTable(region, db, "fact_orders");
    expect(t?.TableType).toBe("EXTERNAL_TABLE");
    expect(t?.Description).toBe("Orders");
    expect(t?.StorageDescriptor?.Columns).toEqual([
      { Name: "order_id", Type: "bigint", Comment: "primary key" },
      { Name: "amount", Type: "decimal(12,2)" },
    ]);
    expect(t?.PartitionKeys).toEqual([{ Name: "dt", Type: "string" }]);
    expect(t?.StorageDescriptor?.Location).toBe(`s3://dpn-bucket/${db}/fact_orders/`);
    expect(t?.StorageDescriptor?.InputFormat).toBe(
      "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    );
    expect(t?.StorageDescriptor?.OutputFormat).toBe(
      "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    );
    expect(t?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe(
      "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    );
    expect(t?.Parameters).toEqual({
      EXTERNAL: "TRUE",
      classification: "parquet",
      dpn_table_type: "fact",
      "dpn_tag.team": "data",
      dpn_stack: "stack-t",
      dpn_address: d.address,
    });
    expect(created).toMatchObject({
      remoteId: `${db}.fact_orders`,
      fullName: `${db}.fact_orders`,
      tags: { team: "data" },
      ownership: { stackId: "stack-t", address: d.address },
      archived: false,
    });
    expect(tp.diff(d, created)).toEqual([]);
    expect(await tp.read(`${db}.fact_orders`, ctx)).toEqual(created);

    const d2 = desired(db, "fact_orders", region, {
      columns: [
        { name: "order_id", type: "bigint", comment: "primary key" },
        { name: "amount", type: "decimal(12,2)" },
        { name: "currency", type: "string" },
      ],
      format: "csv",
      description: "Orders v2",
    });
    expect(tp.diff(d2, created).map((c) => c.field)).toEqual(["columns", "format", "description"]);
    const updated = await tp.update(d2, created, ctx);
    const t2 = await rawTable(region, db, "fact_orders");
    expect(t2?.StorageDescriptor?.Columns?.map((c) => c.Name)).toEqual(["order_id", "amount", "currency"]);
    expect(t2?.StorageDescriptor?.SerdeInfo).toEqual({
      SerializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
      Parameters: { "field.delim": ",", "serialization.format": "," },
    });
    expect(t2?.StorageDescriptor?.InputFormat).toBe("org.apache.hadoop.mapred.TextInputFormat");
    expect(t2?.Parameters?.classification).toBe("csv");
    expect(t2?.Parameters?.dpn_stack).toBe("stack-t");
    expect(tp.diff(d2, updated)).toEqual([]);

    const reverted = await tp.revert(created, ctx);
    expect(tp.diff(d, reverted)).toEqual([]);
    expect((await rawTable(region, db, "fact_orders"))?.Parameters).toEqual(t?.Parameters);

    const archived = await tp.archive(reverted, ctx);
    expect(archived.archived).toBe(true);
    expect((await rawTable(region, db, "fact_orders"))?.Parameters?.dpn_archived_by).toBe("bo@host");
    const restored = await tp.restore(archived, ctx);
    expect(restored.archived).toBe(false);
    expect((await rawTable(region, db, "fact_orders"))?.Parameters).toEqual(t?.Parameters);

    await tp.delete(restored, ctx);
    expect(await tp.lookup(d, ctx)).toBeNull();
    await tp.delete(restored, ctx); // idempotent
  });
});

describe("Glue table formats and refusals", () => {
  it.each([
    [
      "json",
      "org.openx.data.jsonserde.JsonSerDe",
      "org.apache.hadoop.mapred.TextInputFormat",
      { classification: "json" },
    ],
    [
      "delta",
      "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
      "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
      { classification: "delta", table_type: "DELTA" },
    ],
  ] as const)(
    "writes the %s SerDe, formats and parameters and reads the format back",
    async (format, serde, input, params) => {
      const db = await newDatabase("us-east-1");
      const d = desired(db, `t_${format}`, "us-east-1", { format });
      const created = await tp.create(d, testCtx("stack-f"));
      const t = await rawTable("us-east-1", db, `t_${format}`);
      expect(t?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe(serde);
      expect(t?.StorageDescriptor?.InputFormat).toBe(input);
      expect(t?.Parameters).toMatchObject(params);
      expect((created.properties as { format: string }).format).toBe(format);
      expect(tp.diff(d, created)).toEqual([]);
    },
  );

  it("pins moto: it ignores SkipArchive, every UpdateTable adds a table version (SkipArchive is checked in aws-transport.test.ts)", async () => {
    const db = await newDatabase("us-east-1");
    const ctx = testCtx("stack-v");
    const created = await tp.create(desired(db, "t", "us-east-1"), ctx);
    const versions = async () =>
      (await g["us-east-1"].send(new GetTableVersionsCommand({ DatabaseName: db, TableName: "t" })))
        .TableVersions?.length ?? 0;
    const v0 = await versions();
    await tp.archive(created, ctx); // sent with SkipArchive: true
    expect(await versions()).toBe(v0 + 1);
  });

  it("fails with not_found when the database is missing and with conflict for a foreign table", async () => {
    const e1 = await providerError(
      tp.create(desired(uniqueName("dpn_nodb", "_"), "t", "us-east-1"), testCtx("s")),
    );
    expect(e1.code).toBe("GLUE_DATABASE_NOT_FOUND");
    expect(e1.category).toBe("not_found");

    const db = await newDatabase("eu-west-1");
    await g["eu-west-1"].send(
      new CreateTableCommand({
        DatabaseName: db,
        TableInput: { Name: "theirs", Parameters: { owner: "x" } },
      }),
    );
    const e2 = await providerError(tp.create(desired(db, "theirs", "eu-west-1"), testCtx("s")));
    expect(e2.code).toBe("GLUE_TABLE_EXISTS_NOT_OURS");
    expect(e2.category).toBe("conflict");
    expect((await rawTable("eu-west-1", db, "theirs"))?.Parameters).toEqual({ owner: "x" });
  });
});
