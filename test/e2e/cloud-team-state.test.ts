/**
 * Proof (issue 13) on the cloud target: machines (their own DPN_HOME and DPN_HOST) sharing one
 * PostgreSQL state and one cloud — moto for AWS, the Databricks fake — as the team-state proofs do
 * on the sandbox. The second machine sees the first's resources; five concurrent creates: one
 * proceeds, four exit 8 naming it; a SIGKILLed holder is taken over after its lease and `dpn
 * recover` from another machine leaves nothing of the run in either cloud.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import { describeResult } from "../support/cli.js";
import {
  awsInventory,
  type CliResult,
  cloudEnv,
  DEV_BLUEPRINT,
  dbxInventory,
  runCli,
  startCli,
  uniqueProject,
} from "../support/cloud-env.js";
import { createTestDatabase } from "../support/postgres.js";

const ok = (r: CliResult) => expect(r.code, describeResult(r)).toBe(0);

describe("team state on the cloud target (PostgreSQL state, moto + the Databricks fake)", () => {
  let fake: DatabricksFake;
  beforeAll(async () => {
    fake = await startDatabricksFake();
  });
  afterAll(async () => {
    await fake?.close();
  });

  /** A machine of a team sharing `state`: its own home and host name. */
  const machine = (state: string, name: string, extra: Record<string, string> = {}) =>
    cloudEnv({ fake, extra: { DPN_STATE: state, DPN_HOST: `${name}.example`, ...extra } }).env;
  const create = (project: string) => [
    "create",
    "--blueprint",
    DEV_BLUEPRINT,
    "--target",
    "cloud",
    "--yes",
    "--override",
    `project=${project}`,
  ];
  const addresses = async (env: Record<string, string | undefined>) => {
    const r = await runCli(["list", "--json"], env);
    ok(r);
    return (JSON.parse(r.stdout).resources as { address: string }[]).map((x) => x.address).sort();
  };

  it("a second machine sees the first's resources; five concurrent creates: one proceeds, four exit 8 naming it", async () => {
    const state = (await createTestDatabase(inject("postgresUrl"))).url;
    const project = uniqueProject("tm");
    const a = machine(state, "a");
    ok(await runCli(create(project), a));
    const b = machine(state, "b");
    const again = await runCli(create(project), b);
    ok(again);
    expect(again.stdout).toMatch(/Nothing to do/);
    expect(await addresses(b)).toEqual(await addresses(a));
    expect((await addresses(b)).length).toBe(15);

    const other = uniqueProject("tr");
    const envs = [1, 2, 3, 4, 5].map((i) => machine(state, `m${i}`));
    // The winner holds the lock for at least 4 s (its catalog create waits in the fake), so a
    // machine whose process starts late on a loaded CI box still meets the held lock: without
    // it the fifth run once started after the winner had finished and found nothing to do.
    fake.faults.add({ route: "POST /api/2.1/unity-catalog/catalogs", latencyMs: 4000 });
    const runs = envs.map((e) => startCli(create(other), e));
    const results = await Promise.all(runs.map((r) => r.result));
    fake.faults.clear();
    const won = results.map((r, i) => ({ r, i })).filter((x) => x.r.code === 0);
    const lost = results.filter((r) => r.code === 8);
    expect(won, results.map(describeResult).join("\n")).toHaveLength(1);
    expect(
      won[0]?.r.durationMs,
      "the winner held the lock through the fake's 4 s wait",
    ).toBeGreaterThanOrEqual(4000);
    expect(lost).toHaveLength(4);
    const winner = won[0] as { r: CliResult; i: number };
    for (const r of lost) {
      expect(r.stderr).toContain("STACK_LOCKED");
      expect(r.stderr).toContain(`m${winner.i + 1}.example (pid ${runs[winner.i]?.child.pid})`);
    }
    const inv = await awsInventory(other);
    expect(inv.buckets.length).toBeGreaterThan(0);
    expect(new Set(inv.buckets).size).toBe(inv.buckets.length);
  }, 180_000);

  it("SIGKILL of the holder: refused until the lease ends, then another machine takes over and recovers both clouds", async () => {
    const state = (await createTestDatabase(inject("postgresUrl"))).url;
    const project = uniqueProject("tk");
    const lease = { DPN_LOCK_LEASE: "2" };
    const a = machine(state, "a", lease);
    const b = machine(state, "b", lease);
    const run = startCli(create(project), a);
    expect(await run.waitForStderr(/ok\s+create/, 60_000), run.stderrSoFar()).toBe(true);
    run.kill("SIGKILL");
    await run.result;
    const ours = async () => {
      const aws = await awsInventory(project);
      const d = dbxInventory(fake);
      return [
        ...aws.buckets,
        ...aws.databases,
        ...aws.tables,
        ...d.jobs,
        ...d.catalogs,
        ...d.liveClusters,
      ].filter((n) => n.includes(project));
    };
    // the killed run had created something in the clouds
    expect((await ours()).length).toBeGreaterThan(0);
    const early = await runCli(create(project), b);
    expect(early.code, describeResult(early)).toBe(8);
    expect(early.stderr).toContain("a.example");
    await new Promise((r) => setTimeout(r, 2_500));
    const rec = await runCli(["recover", "--target", "cloud", "--yes"], b);
    ok(rec);
    expect(rec.stderr).toMatch(/took over the stack lock of \S+@a\.example .*lease expired/);
    // nothing of the killed run is left in either cloud, nor in the state
    expect(await ours()).toEqual([]);
    const dbx = dbxInventory(fake);
    for (const names of [dbx.schemas, dbx.tables, dbx.volumes])
      expect(names.filter((n) => n.includes(project))).toEqual([]);
    expect(await addresses(b)).toEqual([]);
    // and the next run from the other machine converges
    ok(await runCli(create(project), b));
    expect((await addresses(a)).length).toBe(15);
  }, 180_000);
});
