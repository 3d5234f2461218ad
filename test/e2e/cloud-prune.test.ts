/**
 * `dpn create --prune` on --target cloud (issue 12, archive mode): the removals (a Glue table and
 * its database on moto, a Unity Catalog volume on the Databricks fake) are archived in the create's
 * transaction, dependents first; a failure at the last archive rolls the whole run back, the
 * archives already made included. Checked against moto's and the fake's own state.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetDatabaseCommand, GetTableCommand } from "@aws-sdk/client-glue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MARKER_KEYS } from "../../src/core/resources.js";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import { devBlueprint, withoutSilverGlue } from "../support/blueprints.js";
import {
  cloudEnv,
  DEV_BLUEPRINT,
  type Env,
  type FaultProxy,
  json,
  REGION,
  runCli,
  startFaultProxy,
  stateSummary,
  uniqueProject,
} from "../support/cloud-env.js";
import { rawGlue } from "../support/moto.js";

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON documents are checked field by field below
type Doc = Record<string, any>;

describe("dpn create --prune on --target cloud", () => {
  const project = uniqueProject("pr");
  const db = `${project}_sales_silver_dev`;
  const table = "dim_customers";
  const volume = `${project}_main_dev.sales_bronze.raw_landing`;
  const glue = rawGlue(REGION);
  let fake: DatabricksFake;
  let proxy: FaultProxy;
  let env: Env;
  let home: string;
  let smaller = "";
  const dpn = (args: string[], e: Env = env) => runCli([...args, "--override", `project=${project}`], e);

  /** dpn's archive marker as moto and the fake hold it, for the three removals. */
  const archived = async () => ({
    db: Boolean(
      (await glue.send(new GetDatabaseCommand({ Name: db }))).Database?.Parameters?.[MARKER_KEYS.archivedAt],
    ),
    table: Boolean(
      (await glue.send(new GetTableCommand({ DatabaseName: db, Name: table }))).Table?.Parameters?.[
        MARKER_KEYS.archivedAt
      ],
    ),
    volume: fake.state.tags.get(`volumes/${volume}`)?.has(MARKER_KEYS.archivedAt) === true,
  });
  const rows = () =>
    stateSummary(home)
      .resources.map((r) => `${r.address}:${r.status}`)
      .sort();

  beforeAll(async () => {
    fake = await startDatabricksFake();
    proxy = await startFaultProxy();
    let dir: string;
    ({ env, home, dir } = cloudEnv({ fake }));
    const r = await dpn(["create", "--blueprint", DEV_BLUEPRINT, "--yes"]);
    if (r.code !== 0) throw new Error(`create failed (${r.code}): ${r.stderr}`);
    const bp = devBlueprint();
    withoutSilverGlue(bp);
    bp.resources.databricks.unity_catalog.catalogs[0].schemas[0].volumes = undefined;
    smaller = join(dir, "smaller.json");
    writeFileSync(smaller, JSON.stringify(bp, null, 2));
  }, 90_000);

  afterAll(async () => {
    glue.destroy();
    await proxy?.close();
    await fake?.close();
  });

  it("plans the three removals, the database after its table", async () => {
    const plan = json<Doc>(await dpn(["create", "--blueprint", smaller, "--prune", "--dry-run", "--json"]));
    const order = plan.operations.filter((o: Doc) => o.action === "remove").map((o: Doc) => o.address);
    expect(order.sort()).toEqual(
      [`aws_glue_database.${db}`, `aws_glue_table.${db}.${table}`, `dbx_volume.${volume}`].sort(),
    );
    const removes = plan.operations.filter((o: Doc) => o.action === "remove").map((o: Doc) => o.address);
    expect(removes.indexOf(`aws_glue_table.${db}.${table}`)).toBeLessThan(
      removes.indexOf(`aws_glue_database.${db}`),
    );
  });

  it("a failure at the last archive (the database) rolls back the archives already made", async () => {
    const before = rows();
    // a refusal (nothing happened, not retried): the first UpdateDatabase of the run is the archive
    proxy.add({ target: "AWSGlue.UpdateDatabase", status: 400, errorType: "InvalidInputException" });
    const r = await dpn(["create", "--blueprint", smaller, "--prune", "--yes", "--json"], {
      ...env,
      AWS_ENDPOINT_URL_GLUE: proxy.url,
    });
    expect(r.code, r.stderr).toBe(6);
    const tx = json<Doc>(r);
    expect(tx.outcome).toBe("rolled_back");
    // the table and the volume were archived, then restored
    const archives = tx.operations.filter((o: Doc) => o.action === "archive" && o.status === "succeeded");
    expect(archives.map((o: Doc) => o.address).sort()).toEqual(
      [`aws_glue_table.${db}.${table}`, `dbx_volume.${volume}`].sort(),
    );
    expect(await archived()).toEqual({ db: false, table: false, volume: false });
    expect(rows()).toEqual(before);
  }, 90_000);

  it("without the failure the run commits with the three archived", async () => {
    const r = await dpn(["create", "--blueprint", smaller, "--prune", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await archived()).toEqual({ db: true, table: true, volume: true });
    expect(
      rows()
        .filter((x) => x.endsWith(":archived"))
        .sort(),
    ).toEqual(
      [
        `aws_glue_database.${db}:archived`,
        `aws_glue_table.${db}.${table}:archived`,
        `dbx_volume.${volume}:archived`,
      ].sort(),
    );
  }, 90_000);
});
