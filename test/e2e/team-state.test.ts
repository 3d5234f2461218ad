/**
 * Proof (issue 13): several working folders — "machines" — sharing one state backend and one
 * simulated cloud (DPN_SANDBOX_DB), on every backend. The second machine sees the first's
 * resources; five concurrent creates: one proceeds, four exit 8 naming it; a SIGKILLed holder's
 * lock is taken over after its lease and `dpn recover` rolls its work back; a holder stopped
 * (SIGSTOP) past its lease and resumed after a takeover writes nothing and exits with LOCK_LOST.
 *
 * Each machine has its own DPN_HOST, so lock takeover goes by the lease, as between two real
 * hosts (on one host a dead pid is taken over at once).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSandboxRegistry, openSandboxInventory } from "../../src/providers/sandbox/sandbox-provider.js";
import { type CliResult, describeResult, runCli, spawnCli, tempProject } from "../support/cli.js";
import { type SharedBackend, sharedBackends } from "../support/state-backends.js";
import { DEV_BLUEPRINT } from "./sandbox-invariants.js";

const STACK = "dataplatform/dev";
const CREATE = ["create", "--blueprint", DEV_BLUEPRINT, "--target", "sandbox", "--yes"];

interface Team {
  sandbox: string;
  state: string;
  /** A new working folder on its own "host". */
  machine(name: string): { dir: string; env: Record<string, string> };
}

async function team(backend: SharedBackend): Promise<Team> {
  const root = tempProject("dpn-team-");
  const shared = await backend.fresh();
  const state = shared.url;
  const sandbox = join(root, "cloud", "sandbox.db");
  mkdirSync(join(root, "cloud"));
  return {
    sandbox,
    state,
    machine(name) {
      const dir = join(root, name);
      mkdirSync(dir);
      return {
        dir,
        env: { ...shared.env, DPN_STATE: state, DPN_SANDBOX_DB: sandbox, DPN_HOST: `${name}.example` },
      };
    },
  };
}

const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, unknown>;
const ok = (r: CliResult) => expect(r.code, describeResult(r)).toBe(0);

/** Objects of our stack in the shared sandbox, by address. */
function ours(t: Team): string[] {
  return openSandboxInventory(t.sandbox)
    .filter((o) => o.ownership?.stackId === STACK)
    .map((o) => o.ownership?.address ?? "")
    .sort();
}

async function rows(m: { dir: string; env: Record<string, string> }): Promise<string[]> {
  const r = await runCli(["list", "--json"], { cwd: m.dir, env: m.env });
  ok(r);
  return (json(r).resources as { address: string }[]).map((x) => x.address).sort();
}

for (const backend of sharedBackends()) {
  describe(`team state on ${backend.name}`, () => {
    it("a second machine sees the first's resources: nothing to do, the same list", async () => {
      const t = await team(backend);
      const a = t.machine("a");
      const b = t.machine("b");
      ok(await runCli(CREATE, { cwd: a.dir, env: a.env }));
      const again = await runCli(CREATE, { cwd: b.dir, env: b.env });
      ok(again);
      expect(again.stdout).toMatch(/Nothing to do/);
      expect(again.stderr).not.toMatch(/adopt/i);
      // the AWS SDK's notice about its future Node 22 requirement is not dpn's output (src/cli/main.ts)
      expect(again.stderr).not.toContain("NodeVersionSupportWarning");
      expect(await rows(b)).toEqual(await rows(a));
      expect(await rows(b)).toEqual(ours(t));
      const txs = await runCli(["tx", "list", "--json"], { cwd: b.dir, env: b.env });
      expect((json(txs).transactions as unknown[]).length).toBe(1);
    }, 90_000);

    it("five concurrent creates from five machines: exactly one proceeds, four exit 8 naming it", async () => {
      const t = await team(backend);
      const machines = ["m1", "m2", "m3", "m4", "m5"].map((n) => t.machine(n));
      // The state and sandbox exist beforehand: the race is for the stack lock, not for creating
      // a brand-new file at the same instant.
      ok(await runCli(["state", "check"], { cwd: machines[0]?.dir ?? "", env: machines[0]?.env ?? {} }));
      await createSandboxRegistry({ dbPath: t.sandbox }).close();
      const runs = machines.map((m) =>
        spawnCli(CREATE, { cwd: m.dir, env: { ...m.env, DPN_SANDBOX_LATENCY_MS: "120" } }),
      );
      const results = await Promise.all(runs.map((r) => r.result));
      const won = results.map((r, i) => ({ r, i })).filter((x) => x.r.code === 0);
      const lost = results.filter((r) => r.code === 8);
      expect(won, results.map(describeResult).join("\n")).toHaveLength(1);
      expect(lost).toHaveLength(4);
      const winner = won[0] as { r: CliResult; i: number };
      const pid = runs[winner.i]?.child.pid;
      for (const r of lost) {
        expect(r.stderr).toContain("STACK_LOCKED");
        expect(r.stderr).toContain(`m${winner.i + 1}.example (pid ${pid})`);
      }
      expect(await rows(machines[1] as (typeof machines)[number])).toEqual(ours(t));
      const txs = await runCli(["tx", "list", "--json"], {
        cwd: machines[2]?.dir ?? "",
        env: machines[2]?.env ?? {},
      });
      expect((json(txs).transactions as { status: string }[]).map((x) => x.status)).toEqual(["committed"]);
    }, 120_000);

    it("SIGKILL of the holder: another machine is refused until the lease ends, then takes over and recovers", async () => {
      const t = await team(backend);
      const a = t.machine("a");
      const b = t.machine("b");
      const lease = { DPN_LOCK_LEASE: "2" };
      const run = spawnCli(CREATE, {
        cwd: a.dir,
        env: { ...a.env, ...lease, DPN_SANDBOX_LATENCY_MS: "250" },
      });
      expect(await run.waitForStderr(/ok\s+create/, 60_000), run.stderrSoFar()).toBe(true);
      run.kill("SIGKILL");
      await run.result;
      expect(ours(t).length).toBeGreaterThan(0);
      const early = await runCli(CREATE, { cwd: b.dir, env: { ...b.env, ...lease } });
      expect(early.code, describeResult(early)).toBe(8);
      expect(early.stderr).toContain("STACK_LOCKED");
      expect(early.stderr).toContain("a.example");
      await new Promise((r) => setTimeout(r, 2_500));
      const rec = await runCli(["recover", "--target", "sandbox", "--yes"], {
        cwd: b.dir,
        env: { ...b.env, ...lease },
      });
      ok(rec);
      expect(rec.stderr).toMatch(/took over the stack lock of \S+@a\.example pid \d+ .*lease expired/);
      expect(ours(t)).toEqual([]);
      expect(await rows(b)).toEqual([]);
      const txs = await runCli(["tx", "list", "--json"], { cwd: b.dir, env: b.env });
      expect((json(txs).transactions as { status: string }[]).map((x) => x.status)).toEqual(["rolled_back"]);
      ok(await runCli(CREATE, { cwd: b.dir, env: b.env }));
      expect(await rows(a)).toEqual(ours(t));
    }, 120_000);

    it("SIGSTOP past the lease, takeover, SIGCONT: the resumed holder writes nothing and exits LOCK_LOST", async () => {
      const t = await team(backend);
      const a = t.machine("a");
      const b = t.machine("b");
      const lease = { DPN_LOCK_LEASE: "2" };
      const run = spawnCli(CREATE, {
        cwd: a.dir,
        env: { ...a.env, ...lease, DPN_SANDBOX_LATENCY_MS: "250" },
      });
      expect(await run.waitForStderr(/ok\s+create/, 60_000), run.stderrSoFar()).toBe(true);
      // Stop it between writes, in the middle of its next 250 ms remote calls: on SQLite a process
      // stopped inside a write transaction holds the file's write lock, and nobody can write until
      // it resumes (docs/state.md) — that case is SQLite's, not the lock protocol's.
      await new Promise((r) => setTimeout(r, 100));
      run.kill("SIGSTOP");
      const snapshot = async () => ({
        txs: (await runCli(["tx", "list", "--json"], { cwd: b.dir, env: b.env })).stdout,
        list: await rows(b),
        audit: (await runCli(["audit", "--json"], { cwd: b.dir, env: b.env })).stdout,
      });
      let before: Awaited<ReturnType<typeof snapshot>>;
      try {
        await new Promise((r) => setTimeout(r, 2_800));
        const rec = await runCli(["recover", "--target", "sandbox", "--yes"], {
          cwd: b.dir,
          env: { ...b.env, ...lease },
        });
        ok(rec);
        expect(rec.stderr).toMatch(/took over the stack lock of \S+@a\.example/);
        // the state as the new holder left it, taken while the old one is still stopped
        before = await snapshot();
      } finally {
        run.kill("SIGCONT");
      }
      const r = await run.result;
      expect(r.code, describeResult(r)).toBe(8);
      expect(r.stderr).toContain("LOCK_LOST");
      // the resumed holder wrote nothing to the state
      expect(await snapshot()).toEqual(before);
      expect(before.list).toEqual([]);
      // the next run converges, whatever the resumed holder's in-flight call left in the cloud
      ok(await runCli(CREATE, { cwd: b.dir, env: b.env }));
      expect(await rows(b)).toEqual(ours(t));
    }, 120_000);
  });
}
