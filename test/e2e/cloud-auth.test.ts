/**
 * Credential errors on `--target cloud` stop `dpn create` with exit 4 before any change: nothing
 * is created in moto or in the Databricks fake, and the state records no transaction.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import {
  awsInventory,
  type CliResult,
  cloudEnv,
  DEV_BLUEPRINT,
  dbxInventory,
  dbxIsEmpty,
  type Env,
  json,
  REPO_ROOT,
  runCli,
  stateSummary,
  uniqueProject,
} from "../support/cloud-env.js";

interface ErrorDoc {
  error: { code: string; kind: string; exit_code: number; message: string; hint?: string };
}

describe("credential errors on --target cloud (exit 4, nothing changed)", () => {
  let fake: DatabricksFake;
  beforeAll(async () => {
    fake = await startDatabricksFake();
  });
  afterAll(async () => {
    await fake.close();
  });

  const create = (env: Env, project: string, extra: string[] = []): Promise<CliResult> =>
    runCli(
      [
        "create",
        "--blueprint",
        DEV_BLUEPRINT,
        "--yes",
        "--json",
        "--override",
        `project=${project}`,
        ...extra,
      ],
      env,
    );

  async function expectNothingChanged(project: string, home: string): Promise<void> {
    expect(await awsInventory(project)).toEqual({ buckets: [], databases: [], tables: [] });
    const dbx = dbxInventory(fake);
    expect(dbxIsEmpty(dbx), JSON.stringify(dbx)).toBe(true);
    expect(fake.log.filter((l) => l.method !== "GET")).toEqual([]);
    const state = stateSummary(home);
    expect(state.resources).toEqual([]);
    expect(state.transactions).toEqual([]);
  }

  it("no AWS credentials anywhere → AWS_AUTH, exit 4, with a hint", async () => {
    const project = uniqueProject("nocred");
    const { env, home } = cloudEnv({
      fake,
      extra: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
    });
    const r = await create(env, project);
    expect(r.code, r.stderr).toBe(4);
    const doc = json<ErrorDoc>(r);
    expect(doc.error.code).toBe("AWS_AUTH");
    expect(doc.error.exit_code).toBe(4);
    expect(doc.error.hint).toMatch(/AWS_ACCESS_KEY_ID|--profile/);
    expect(r.stderr).toMatch(/AWS_AUTH/);
    await expectNothingChanged(project, home);
  });

  it("a wrong Databricks token → exit 4 before any change on either cloud", async () => {
    const project = uniqueProject("badtok");
    const { env, home } = cloudEnv({ fake, extra: { DATABRICKS_TOKEN: "dapi-not-the-right-token" } });
    fake.log.length = 0;
    const r = await create(env, project);
    expect(r.code, r.stderr).toBe(4);
    const doc = json<ErrorDoc>(r);
    expect(doc.error.kind).toBe("auth");
    expect(doc.error.code).toBe("DBX_AUTH");
    // the fake answered 401 to the preflight read, and nothing else was attempted
    expect(fake.log.length).toBeGreaterThan(0);
    expect(fake.log.every((l) => l.status === 401 && l.method === "GET")).toBe(true);
    // the token never appears in the output
    expect(r.stdout + r.stderr).not.toContain("dapi-not-the-right-token");
    await expectNothingChanged(project, home);
  });

  it("missing DATABRICKS_HOST → exit 4 with a hint naming DATABRICKS_HOST", async () => {
    const project = uniqueProject("nohost");
    const { env, home } = cloudEnv({ fake, extra: { DATABRICKS_HOST: undefined } });
    fake.log.length = 0;
    const r = await create(env, project);
    expect(r.code, r.stderr).toBe(4);
    const doc = json<ErrorDoc>(r);
    expect(doc.error.kind).toBe("auth");
    expect(doc.error.code).toBe("DBX_HOST_MISSING");
    expect(doc.error.hint).toMatch(/DATABRICKS_HOST/);
    expect(fake.log).toEqual([]);
    await expectNothingChanged(project, home);
  });

  it("an AWS-only blueprint needs no Databricks settings at all", async () => {
    const project = uniqueProject("awsonly");
    const { env, home, dir } = cloudEnv({ extra: {} }); // no DATABRICKS_* at all
    const bp = JSON.parse(readFileSync(join(REPO_ROOT, DEV_BLUEPRINT), "utf8"));
    delete bp.resources.databricks;
    bp.resources.aws.s3_buckets = bp.resources.aws.s3_buckets.slice(0, 1);
    bp.resources.aws.glue_databases = [];
    bp.resources.aws.glue_tables = [];
    bp.$schema = undefined;
    const file = join(dir, "aws-only.json");
    writeFileSync(file, JSON.stringify(bp));
    const r = await runCli(
      ["create", "--blueprint", file, "--yes", "--json", "--override", `project=${project}`],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect((await awsInventory(project)).buckets).toEqual([`${project}-landing-raw-dev-use1`]);
    expect(stateSummary(home).resources).toHaveLength(1);
  });
});
