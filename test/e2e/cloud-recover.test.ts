/**
 * Kill-and-recover on cloud resources: `dpn create` is SIGKILLed while a Glue CreateTable and a
 * Databricks CREATE TABLE statement are in flight (held by loopback proxies). The held calls are
 * then released and reach moto / the fake after the process died, exactly like a request that
 * was on the wire. `dpn recover` must find them by lookup and undo everything; `dpn recover
 * --resume` must finish the transaction instead.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import {
  awsInventory,
  type CliResult,
  cloudEnv,
  DEV_BLUEPRINT,
  dbxInventory,
  dbxIsEmpty,
  doneAddresses,
  type Env,
  journal,
  namesOf,
  preview,
  runCli,
  startCli,
  startFaultProxy,
  stateSummary,
  uniqueProject,
  waitUntil,
} from "../support/cloud-env.js";

interface Killed {
  fake: DatabricksFake;
  project: string;
  env: Env;
  home: string;
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

/**
 * Start `dpn create` with two creates per cloud held by the proxies. SIGKILL: kill it once
 * everything else is done and the holds are in flight, then release the holds and wait until the
 * calls reached the upstreams (so the "lost" creates really happened). SIGINT: interrupt it while
 * the holds are in flight, release them, and return the finished run.
 */
async function createAndKill(
  prefix: string,
  signal: "SIGKILL" | "SIGINT" = "SIGKILL",
): Promise<Killed & { result: CliResult }> {
  const fake = await startDatabricksFake();
  const glueProxy = await startFaultProxy();
  const dbxProxy = await startFaultProxy(fake.url);
  open.push(fake, glueProxy, dbxProxy);
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let held = 0;
  const hold = () => {
    held++;
    return gate;
  };
  // SIGKILL: hold the leaves (both table creates on each cloud), so 11 steps are done.
  // SIGINT: hold the parents (Glue databases, UC schemas), so that steps remain unstarted and the
  // interrupt has something to stop (an interrupt after the last step started lets it commit).
  const ints = signal === "SIGINT";
  if (ints) {
    glueProxy.add({ target: "AWSGlue.CreateDatabase", waitFor: hold, times: 2 });
    dbxProxy.add({
      method: "POST",
      path: /^\/api\/2\.1\/unity-catalog\/schemas\/?$/,
      waitFor: hold,
      times: 2,
    });
  } else {
    glueProxy.add({ target: "AWSGlue.CreateTable", waitFor: hold, times: 2 });
    dbxProxy.add({ method: "POST", path: /^\/api\/2\.0\/sql\/statements\/?$/, waitFor: hold, times: 2 });
  }
  const doneBeforeKill = ints ? 6 : 11;

  const project = uniqueProject(prefix);
  const { env, home } = cloudEnv({
    fake: { ...fake, url: dbxProxy.url },
    extra: { AWS_ENDPOINT_URL_GLUE: glueProxy.url },
  });
  const run = startCli(
    ["create", "--blueprint", DEV_BLUEPRINT, "--yes", "--override", `project=${project}`],
    env,
  );
  try {
    await waitUntil(
      () => held === 4 && doneAddresses(home).length === doneBeforeKill,
      `${doneBeforeKill} done + 4 held calls`,
      40_000,
    );
  } catch (e) {
    run.child.kill("SIGKILL");
    throw new Error(`${(e as Error).message}\n${run.stderrSoFar()}`);
  }
  if (signal === "SIGINT") {
    // Ctrl-C: the run must let the two held calls finish, then roll everything back itself
    run.child.kill("SIGINT");
    await waitUntil(
      () => /SIGINT: stopping after the calls in flight/.test(run.stderrSoFar()),
      "the interrupt notice",
    );
    await new Promise((r) => setTimeout(r, 300));
    release();
    const result = await run.result;
    // the released creates reached the upstreams (the CLI waited for their answers)
    expect(glueProxy.log.filter((l) => l.call === "AWSGlue.CreateDatabase").map((l) => l.status)).toEqual([
      200, 200,
    ]);
    return { fake, project, env, home, result };
  }
  run.child.kill("SIGKILL");
  const killed = await run.result;
  expect(killed.signal).toBe("SIGKILL");
  // the in-flight steps are journaled as intents: the state knows they may have happened
  const intents = journal(home).filter((j) => j.status === "intent");
  expect(intents.map((j) => j.type).sort()).toEqual([
    "aws_glue_table",
    "aws_glue_table",
    "dbx_table",
    "dbx_table",
  ]);
  expect(stateSummary(home).transactions.map((t) => t.status)).toEqual(["running"]);

  release();
  await waitUntil(
    () =>
      glueProxy.log.filter((l) => l.call === "AWSGlue.CreateTable").length === 2 &&
      fake.state.tables.size === 2,
    "the released creates to land",
  );
  // the creates landed after the process died: moto and the fake hold the whole stack now
  expect((await awsInventory(project)).tables).toHaveLength(2);
  // recover talks to the fake directly (the proxies played their part)
  const direct = cloudEnv({ fake, home });
  return { fake, project, env: direct.env, home, result: killed };
}

describe("kill -9 during a cloud create, then dpn recover", () => {
  it("dpn recover rolls everything back: nothing remains in moto or the fake, no state rows", async () => {
    const k = await createAndKill("kr");
    const r = await runCli(["recover"], k.env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/rolled back/);

    expect(await awsInventory(k.project)).toEqual({ buckets: [], databases: [], tables: [] });
    const dbx = dbxInventory(k.fake);
    expect(dbxIsEmpty(dbx), JSON.stringify(dbx)).toBe(true);
    const state = stateSummary(k.home);
    expect(state.resources).toEqual([]);
    expect(state.transactions.map((t) => t.status)).toEqual(["rolled_back"]);
    expect(state.locks).toBe(0);

    // the stack is usable again and a second recover has nothing to do
    const again = await runCli(["recover"], k.env);
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toMatch(/Nothing to recover/);
  }, 90_000);

  it("dpn recover --resume finishes the create: every previewed resource exists, next create is a no-op", async () => {
    const k = await createAndKill("kf");
    const planned = await preview(k.env, k.project);
    const r = await runCli(["recover", "--resume"], k.env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/resumed and committed/);

    const aws = await awsInventory(k.project);
    expect(aws.buckets).toEqual(namesOf(planned, "aws_s3_bucket"));
    expect(aws.databases).toEqual(namesOf(planned, "aws_glue_database"));
    expect(aws.tables).toEqual(namesOf(planned, "aws_glue_table"));
    const dbx = dbxInventory(k.fake);
    expect(dbx.clusters).toEqual(namesOf(planned, "dbx_cluster"));
    expect(dbx.jobs).toEqual(namesOf(planned, "dbx_job"));
    expect(dbx.catalogs).toEqual(namesOf(planned, "dbx_catalog"));
    expect(dbx.schemas).toEqual(namesOf(planned, "dbx_schema"));
    expect(dbx.tables).toEqual(namesOf(planned, "dbx_table"));
    expect(dbx.volumes).toEqual(namesOf(planned, "dbx_volume"));
    // no duplicate CREATE TABLE was sent for the tables that had landed
    expect(k.fake.state.statements.filter((s) => /^\s*CREATE TABLE/i.test(s))).toHaveLength(2);

    const state = stateSummary(k.home);
    expect(state.resources.map((x) => x.address).sort()).toEqual(planned.map((p) => p.address).sort());
    expect(state.transactions.map((t) => t.status)).toEqual(["committed"]);

    const next = await runCli(
      ["create", "--blueprint", DEV_BLUEPRINT, "--yes", "--override", `project=${k.project}`],
      k.env,
    );
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/Nothing to do/);
  }, 90_000);

  it("Ctrl-C (SIGINT) during a cloud create waits for the calls in flight, then rolls back both clouds (exit 130)", async () => {
    const k = await createAndKill("ki", "SIGINT");
    expect(k.result.code, k.result.stderr).toBe(130);
    // the four held creates were released after the interrupt and landed; the rollback removed them too
    expect(await awsInventory(k.project)).toEqual({ buckets: [], databases: [], tables: [] });
    const dbx = dbxInventory(k.fake);
    expect(dbxIsEmpty(dbx), JSON.stringify(dbx)).toBe(true);
    const state = stateSummary(k.home);
    expect(state.resources).toEqual([]);
    expect(state.transactions.map((t) => t.status)).toEqual(["rolled_back"]);
    expect(state.locks).toBe(0);
  }, 90_000);
});
