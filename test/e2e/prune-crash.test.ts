/**
 * Proof (issue 12, archive mode): a `dpn create --prune` SIGKILLed at any journal point is put
 * back by `dpn recover` (state and the sandbox exactly as before the run) or finished by
 * `dpn recover --resume` (exactly as an uninterrupted run leaves them). The run creates one bucket
 * and archives a Glue table and its database, one step at a time; every occurrence of every
 * label is tried, and n = steps + 1 proves the loop covered them all (that run is not killed).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openSandboxInventory } from "../../src/providers/sandbox/sandbox-provider.js";
import { openSqliteDb } from "../../src/state/sqlite-store.js";
import { devBlueprint, withoutSilverGlue } from "../support/blueprints.js";
import { describeResult, runCli, tempProject } from "../support/cli.js";
import { recoverHere } from "../support/recover-here.js";
import { copyDpnDir, DEV_BLUEPRINT, pool } from "./sandbox-invariants.js";

const env = { DPN_TARGET: "sandbox" };
const STEPS = 3;
let base = "";
let grown = "";
let before: ReturnType<typeof estate>;
let committed: ReturnType<typeof estate>;

/** State rows and sandbox objects with their status and owner: what a run may change. */
function estate(dir: string) {
  const objects = openSandboxInventory(join(dir, ".dpn/sandbox.db"))
    .map(
      (o) => `${o.type}:${o.fullName}:${o.archived ? "archived" : "active"}:${o.ownership?.address ?? "-"}`,
    )
    .sort();
  const store = openSqliteDb(join(dir, ".dpn/state.db"), { readonly: true });
  try {
    const stack = store.getStack("dataplatform", "dev");
    const rows = stack
      ? store
          .listResources(stack.id)
          .map((r) => `${r.address}:${r.status}`)
          .sort()
      : [];
    return { objects, rows };
  } finally {
    store.close();
  }
}

const prune = (dir: string, extra: Record<string, string> = {}) =>
  runCli(["create", "--blueprint", grown, "--prune", "--yes", "--parallelism", "1"], {
    cwd: dir,
    env: { ...env, ...extra },
  });

function copyOf(dir: string): string {
  const d = tempProject();
  copyDpnDir(dir, d);
  return d;
}

beforeAll(async () => {
  base = tempProject();
  const r = await runCli(["create", "--blueprint", DEV_BLUEPRINT, "--yes"], { cwd: base, env });
  expect(r.code, describeResult(r)).toBe(0);
  const bp = devBlueprint();
  withoutSilverGlue(bp);
  bp.resources.aws.s3_buckets.push({ purpose: "exports", layer: "gold", lifecycle_days: 30 });
  grown = join(base, "grown.json");
  writeFileSync(grown, JSON.stringify(bp, null, 2));
  before = estate(base);
  const done = copyOf(base);
  const ok = await prune(done);
  expect(ok.code, describeResult(ok)).toBe(0);
  committed = estate(done);
  expect(committed).not.toEqual(before);
}, 60_000);

async function killAndRecover(label: string, n: number): Promise<string[]> {
  const at = `${label}:${n}`;
  const dir = copyOf(base);
  const killed = await prune(dir, { DPN_CRASH_AT: at });
  if (n > STEPS) {
    if (killed.code !== 0) return [`${at}: expected an uncrashed run, got ${describeResult(killed)}`];
    return JSON.stringify(estate(dir)) === JSON.stringify(committed) ? [] : [`${at}: uncrashed run differs`];
  }
  if (killed.signal !== "SIGKILL") return [`${at}: expected SIGKILL, got ${describeResult(killed)}`];
  const problems: string[] = [];
  const resumeDir = copyOf(dir);
  problems.push(...(await recoverHere(dir, { target: "sandbox" })).map((p) => `${at} ${p}`));
  if (JSON.stringify(estate(dir)) !== JSON.stringify(before))
    problems.push(`${at} recover: ${JSON.stringify(estate(dir))} is not the estate before the run`);
  problems.push(
    ...(await recoverHere(resumeDir, { target: "sandbox", resume: true })).map((p) => `${at} resume: ${p}`),
  );
  if (JSON.stringify(estate(resumeDir)) !== JSON.stringify(committed))
    problems.push(`${at} resume: ${JSON.stringify(estate(resumeDir))} is not the committed estate`);
  return problems;
}

describe("SIGKILL at every journal point of a pruning run, then dpn recover", () => {
  it("rollback restores the estate before the run; resume gives the committed one", async () => {
    const points = ["after-intent", "after-remote", "after-outcome"].flatMap((label) =>
      Array.from({ length: STEPS + 1 }, (_, i) => [label, i + 1] as const),
    );
    const problems = (await pool(points, 2, ([label, n]) => killAndRecover(label, n))).flat();
    expect(problems).toEqual([]);
  }, 180_000);
});
