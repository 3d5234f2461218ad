/**
 * Glue database provider against moto over real HTTP (unique names per test, no global reset),
 * verified with a raw Glue client.
 */
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  GetDatabaseCommand,
  GetTagsCommand,
} from "@aws-sdk/client-glue";
import { afterAll, describe, expect, it } from "vitest";
import { MOTO_ACCOUNT_ID, motoEnv, rawGlue, testCtx, uniqueName } from "../../../test/support/moto.js";
import { ProviderError } from "../../core/errors.js";
import type { DesiredResource } from "../../core/resources.js";
import { AwsClients } from "./aws-clients.js";
import { createAwsProviders } from "./aws-providers.js";

const clients = new AwsClients({ env: motoEnv() });
const dbp = createAwsProviders({ clients }).aws_glue_database;
afterAll(() => clients.destroy());

function desired(
  name: string,
  region: string,
  over: { description?: string; parameters?: Record<string, string> } = {},
  tags: Record<string, string> = { team: "data" },
): DesiredResource<"aws_glue_database"> {
  return {
    type: "aws_glue_database",
    address: `aws_glue_database.${name}`,
    name,
    fullName: name,
    properties: { region, description: "Sales bronze", parameters: { layer: "bronze" }, ...over },
    tags,
    dependencies: [],
    source: "$.resources.aws.glue_databases[0]",
  };
}

const arn = (region: string, name: string) => `arn:aws:glue:${region}:${MOTO_ACCOUNT_ID}:database/${name}`;

async function rawDb(region: string, name: string) {
  const g = rawGlue(region);
  try {
    const db = (await g.send(new GetDatabaseCommand({ Name: name }))).Database;
    const tags = (await g.send(new GetTagsCommand({ ResourceArn: arn(region, name) }))).Tags ?? {};
    return { db, tags };
  } finally {
    g.destroy();
  }
}

async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const e = await p.then(
    () => new Error("expected a ProviderError"),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProviderError);
  return e as ProviderError;
}

describe.each(["us-east-1", "eu-west-1"])("Glue database lifecycle in %s", (region) => {
  it("creates with description, parameters and tags, then reads, updates, reverts, archives, restores and deletes", async () => {
    const name = uniqueName("dpn_db", "_");
    const ctx = testCtx("stack-db", "ana@host");
    const d = desired(name, region);
    const created = await dbp.create(d, ctx);

    const r1 = await rawDb(region, name);
    expect(r1.db?.Description).toBe("Sales bronze");
    expect(r1.db?.Parameters).toEqual({ layer: "bronze", dpn_stack: "stack-db", dpn_address: d.address });
    expect(r1.tags).toEqual({ team: "data", dpn_stack: "stack-db", dpn_address: d.address });
    expect(created).toMatchObject({
      remoteId: name,
      tags: { team: "data" },
      ownership: { stackId: "stack-db", address: d.address },
      archived: false,
      properties: { region, description: "Sales bronze", parameters: { layer: "bronze" } },
    });
    expect(dbp.diff(d, created)).toEqual([]);
    expect(await dbp.lookup(d, ctx)).toEqual(created);
    expect(await dbp.read(name, ctx)).toEqual(created); // region remembered from the create

    const d2 = desired(
      name,
      region,
      { description: "Sales bronze v2", parameters: { layer: "bronze", pii: "no" } },
      { owner: "ana" },
    );
    expect(dbp.diff(d2, created).map((c) => c.field)).toEqual(["description", "parameters", "tags"]);
    const updated = await dbp.update(d2, created, ctx);
    const r2 = await rawDb(region, name);
    expect(r2.db?.Description).toBe("Sales bronze v2");
    expect(r2.db?.Parameters).toEqual({
      layer: "bronze",
      pii: "no",
      dpn_stack: "stack-db",
      dpn_address: d.address,
    });
    expect(r2.tags).toEqual({ owner: "ana", dpn_stack: "stack-db", dpn_address: d.address });
    expect(dbp.diff(d2, updated)).toEqual([]);

    const reverted = await dbp.revert(created, ctx);
    expect(dbp.diff(d, reverted)).toEqual([]);
    expect((await rawDb(region, name)).tags).toEqual(r1.tags);

    const archived = await dbp.archive(reverted, ctx);
    expect(archived.archived).toBe(true);
    const r3 = await rawDb(region, name);
    expect(r3.db?.Parameters?.dpn_archived_by).toBe("ana@host");
    expect(r3.tags.dpn_archived_by).toBe("ana@host");
    expect(r3.tags.dpn_archived_at).toBe(r3.db?.Parameters?.dpn_archived_at);
    const restored = await dbp.restore(archived, ctx);
    expect(restored.archived).toBe(false);
    const r4 = await rawDb(region, name);
    expect(r4.db?.Parameters).toEqual(r1.db?.Parameters);
    expect(r4.tags).toEqual(r1.tags);

    await dbp.delete(restored, ctx);
    expect(await dbp.lookup(d, ctx)).toBeNull();
    await dbp.delete(restored, ctx); // idempotent
  });
});

describe("Glue database refusals", () => {
  it("refuses to delete a database that holds tables unless forced", async () => {
    const name = uniqueName("dpn_dbt", "_");
    const ctx = testCtx("stack-dbt");
    const live = await dbp.create(desired(name, "us-east-1"), ctx);
    const g = rawGlue("us-east-1");
    await g.send(new CreateTableCommand({ DatabaseName: name, TableInput: { Name: "t1" } }));
    g.destroy();
    const e = await providerError(dbp.delete(live, ctx));
    expect(e.code).toBe("GLUE_DATABASE_NOT_EMPTY");
    expect(e.category).toBe("conflict");
    expect(e.message).toContain("t1");
    expect(await dbp.read(name, ctx)).not.toBeNull();
    await dbp.delete(live, ctx, { force: true });
    expect(await dbp.read(name, ctx)).toBeNull();
  });

  it("refuses a database created outside dpn and adopts one marked as ours", async () => {
    const foreign = uniqueName("dpn_dbf", "_");
    const g = rawGlue("eu-west-1");
    await g.send(new CreateDatabaseCommand({ DatabaseInput: { Name: foreign, Description: "theirs" } }));
    const e = await providerError(dbp.create(desired(foreign, "eu-west-1"), testCtx("stack-f")));
    expect(e.code).toBe("GLUE_DATABASE_EXISTS_NOT_OURS");
    expect(e.outcome).toBe("not_applied");
    expect((await rawDb("eu-west-1", foreign)).db?.Description).toBe("theirs");

    const ours = uniqueName("dpn_dbo", "_");
    const d = desired(ours, "eu-west-1");
    await g.send(
      new CreateDatabaseCommand({
        DatabaseInput: { Name: ours, Parameters: { dpn_stack: "stack-o", dpn_address: d.address } },
      }),
    );
    g.destroy();
    const adopted = await dbp.create(d, testCtx("stack-o"));
    expect(dbp.diff(d, adopted)).toEqual([]);
    expect((await rawDb("eu-west-1", ours)).tags).toEqual({
      team: "data",
      dpn_stack: "stack-o",
      dpn_address: d.address,
    });
  });
});
