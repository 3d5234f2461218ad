/**
 * Proof (crash consistency of `dpn migrate` on the cloud target, the Databricks fake): the
 * migration of test/support/migrate-cloud-estate.ts (a catalog, a schema, a table and a volume
 * inside it, a cluster and a job: PATCH new_name, ALTER TABLE … RENAME TO, clusters/edit,
 * jobs/update) is SIGKILLed at each rename's `after-intent`, `after-remote` and `after-outcome`
 * point, then `dpn recover` puts every name back as it was (all 18 points), or `dpn recover
 * --resume` finishes the migration, every name being the committed run's (at each rename's
 * after-remote, the first after-intent and the last after-outcome: 8 points, to stay near 40 s). After each recovery no transaction is left
 * unfinished and the table still carries its properties (dpn's markers and tags move with it).
 *
 * The killed run is a real CLI process; the recovery runs in this process through `recoverStack`
 * (test/support/recover-here.ts, the code `dpn recover` calls). Between cases the fake's resources
 * are put back to the seeded estate and each case gets a state folder of its own.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import { describeResult, REPO_ROOT } from "../support/cli.js";
import { cloudEnv } from "../support/cloud-env.js";
import { cli, describePoint, type KillRun, type TracePoint, traced } from "../support/kill-points.js";
import { fakeNames, restore, seedAndPlan, snapshot } from "../support/migrate-cloud-estate.js";
import { recoverHere } from "../support/recover-here.js";

let fake: DatabricksFake;
let plan = "";
let seeded: ReturnType<typeof snapshot>;
let before: string[] = [];

beforeAll(async () => {
  fake = await startDatabricksFake({ clusterGetsUntilRunning: 0 });
  plan = join(await seedAndPlan(cloudEnv({ fake }).env), "migration.json");
  seeded = snapshot(fake);
  before = fakeNames(fake);
}, 120_000);

afterAll(async () => {
  await fake?.close();
});

const ARGS = () => ["migrate", "--plan", plan, "--target", "cloud", "--yes"];

/** A fresh state folder over the fake as seeded. */
function freshRun(): KillRun {
  restore(fake, seeded);
  const ce = cloudEnv({ fake });
  return { project: "dataplatform", env: ce.env, home: ce.home, file: "" };
}

/** The table's TBLPROPERTIES without Delta's own, whatever its name now. */
function tableProperties(): Record<string, string>[] {
  return [...fake.state.tables.values()].map((t) =>
    Object.fromEntries(Object.entries(t.properties ?? {}).filter(([k]) => !k.startsWith("delta."))),
  );
}

describe("SIGKILL during dpn migrate on the cloud target, then dpn recover", () => {
  it("rollback puts every name back; --resume finishes the migration", async () => {
    const props = tableProperties();
    const run = freshRun();
    const { result, points } = await traced(ARGS(), run, "migrate");
    expect(result.code, describeResult(result)).toBe(0);
    const after = fakeNames(fake);
    expect(after).not.toEqual(before);
    const renames = JSON.parse(readFileSync(plan, "utf8")).renames.filter(
      (r: { path: string }) => r.path === "rename_in_place",
    ).length;
    const kills = points.filter((p) => ["after-intent", "after-remote", "after-outcome"].includes(p.label));
    // one of each per rename, each inside its rename step
    expect(kills).toHaveLength(3 * renames);
    expect(kills.every((p) => p.step?.action === "rename" && p.step.phase === "forward")).toBe(true);
    const problems: string[] = [];
    const kill = async (p: TracePoint, mode: "rollback" | "resume") => {
      const what = `killed at ${p.label}:${p.n} (${describePoint(p)} ${p.step?.address}), ${mode}`;
      const r = freshRun();
      const killed = await cli(ARGS(), { ...r.env, DPN_CRASH_AT: `${p.label}:${p.n}` });
      if (killed.signal !== "SIGKILL") return problems.push(`${what}: got ${describeResult(killed)}`);
      problems.push(
        ...(await recoverHere(REPO_ROOT, { target: "cloud", resume: mode === "resume" }, r.env)).map(
          (x) => `${what}: ${x}`,
        ),
      );
      const want = mode === "rollback" ? before : after;
      if (JSON.stringify(fakeNames(fake)) !== JSON.stringify(want))
        problems.push(`${what}: names ${JSON.stringify(fakeNames(fake).filter((n) => !want.includes(n)))}`);
      if (JSON.stringify(tableProperties()) !== JSON.stringify(props))
        problems.push(`${what}: the table's properties changed`);
    };
    // Rollback at every point; resume where it has something to decide (kept under 40 s: a
    // kill costs a CLI run of ~1.4 s): at each rename's after-remote (renamed, not recorded:
    // resume must see the new name and record it), before the first rename, after the last.
    const resumeAt = (p: TracePoint) =>
      p.label === "after-remote" ||
      (p.label === "after-intent" && p.n === 1) ||
      (p.label === "after-outcome" && p.n === renames);
    for (const p of kills) {
      await kill(p, "rollback");
      if (resumeAt(p)) await kill(p, "resume");
    }
    expect(problems).toEqual([]);
  }, 180_000);
});
