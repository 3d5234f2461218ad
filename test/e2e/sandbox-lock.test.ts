/**
 * Proof (issue 3): two `dpn create` on one stack at the same time — exactly one proceeds; the other
 * exits 8 with STACK_LOCKED naming the holder (user, host, pid, since); with `--lock-timeout` the
 * second waits for the first and then finds nothing to do.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { currentActor } from "../../src/core/ids.js";
import { createSandboxRegistry } from "../../src/providers/sandbox/sandbox-provider.js";
import { openSqliteDb } from "../../src/state/sqlite-store.js";
import { describeResult, spawnCli, tempProject } from "../support/cli.js";
import {
  addressesOf,
  blueprintAddresses,
  consistencyProblems,
  readStack,
  STG_BLUEPRINT,
} from "./sandbox-invariants.js";

const STACK = "dataplatform/stg";
const CREATE = ["create", "--blueprint", STG_BLUEPRINT, "--target", "sandbox", "--yes"];
// Slow enough that the runs overlap by far (the apply alone takes about 6 rounds of latency).
const SLOW = { DPN_SANDBOX_LATENCY_MS: "150" };

describe("two concurrent dpn create on one stack", () => {
  it("exactly one proceeds; the other exits 8 with STACK_LOCKED naming the holder", async () => {
    const dir = tempProject();
    // Both files exist beforehand: this test is about the stack lock, not about two processes
    // creating a brand-new sandbox file at the same instant (a separate race, reported).
    await createSandboxRegistry({ dbPath: join(dir, ".dpn", "sandbox.db") }).close();
    openSqliteDb(join(dir, ".dpn", "state.db")).close();
    const a = spawnCli(CREATE, { cwd: dir, env: SLOW });
    const b = spawnCli(CREATE, { cwd: dir, env: SLOW });
    const [ra, rb] = await Promise.all([a.result, b.result]);
    const results = [
      { r: ra, pid: a.child.pid },
      { r: rb, pid: b.child.pid },
    ];
    const winners = results.filter((x) => x.r.code === 0);
    const losers = results.filter((x) => x.r.code === 8);
    expect(winners, `${describeResult(ra)}\n${describeResult(rb)}`).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const winner = winners[0] as (typeof results)[number];
    const loser = losers[0] as (typeof results)[number];
    expect(winner.r.stderr).toMatch(/committed/);
    expect(loser.r.stderr).toContain("STACK_LOCKED");
    // The holder is named: user, host, pid of the winning process, and since when.
    const line = loser.r.stderr.split("\n").find((l) => l.includes("STACK_LOCKED")) ?? "";
    expect(line).toContain(currentActor()); // user@host
    expect(line).toContain(`pid ${winner.pid}`);
    expect(line).toMatch(/since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    // The loser did nothing: one transaction, the full stack once.
    const v = readStack(dir, STACK);
    expect(consistencyProblems(v)).toEqual([]);
    expect(v.transactions).toHaveLength(1);
    expect(addressesOf(v.ours)).toEqual(await blueprintAddresses(STG_BLUEPRINT, tempProject()));
  }, 60_000);

  it("with --lock-timeout the second waits for the first, then finds nothing to do", async () => {
    const dir = tempProject();
    // Two steps at a time: the first run holds the lock for about two seconds.
    const a = spawnCli([...CREATE, "--parallelism", "2"], { cwd: dir, env: SLOW });
    // Start the second only once the first holds the lock and is applying.
    expect(await a.waitForStderr(/transaction tx_/), a.stderrSoFar()).toBe(true);
    const b = spawnCli([...CREATE, "--lock-timeout", "60"], { cwd: dir, env: SLOW });
    const [ra, rb] = await Promise.all([a.result, b.result]);
    expect(ra.code, describeResult(ra)).toBe(0);
    expect(rb.code, describeResult(rb)).toBe(0);
    expect(rb.stdout).toMatch(/Nothing to do/);
    expect(rb.stderr).not.toContain("STACK_LOCKED");
    // It really waited, for the first run.
    expect(rb.stderr).toContain(`waiting for the stack lock held by ${currentActor()} pid ${a.child.pid}`);
    const v = readStack(dir, STACK);
    expect(consistencyProblems(v)).toEqual([]);
    expect(v.transactions.map((t) => t.status)).toEqual(["committed"]);
    expect(v.ours.length).toBeGreaterThanOrEqual(20);
  }, 60_000);
});
