/**
 * Proof (issue 13): `dpn state migrate` from the default SQLite state to every backend and back is
 * lossless — the same `tx list --json`, `audit --json` (plus the one `state.migrated` event) and
 * `list --json` before and after — it refuses a target that already holds the stack, and the
 * retired source refuses writes with a hint naming the new backend.
 */
import { describe, expect, it } from "vitest";
import { type CliResult, describeResult, runCli, tempProject } from "../support/cli.js";
import { sharedBackends } from "../support/state-backends.js";
import { DEV_BLUEPRINT, STG_BLUEPRINT } from "./sandbox-invariants.js";

const ok = (r: CliResult) => expect(r.code, describeResult(r)).toBe(0);

interface Seen {
  txs: unknown;
  audit: unknown[];
  list: unknown;
}

/** What the state shows through the CLI, with `--state` or the folder's default. */
async function seen(dir: string, env: Record<string, string> = {}): Promise<Seen> {
  const get = async (args: string[]) => {
    const r = await runCli([...args, "--json"], { cwd: dir, env });
    ok(r);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const audit = (await get(["audit", "--limit", "100000"])).events as { event: string }[];
  return {
    txs: (await get(["tx", "list", "--limit", "1000"])).transactions,
    audit: audit.filter((e) => e.event !== "state.migrated"),
    list: (await get(["list"])).resources,
  };
}

for (const backend of sharedBackends()) {
  describe(`dpn state migrate: sqlite → ${backend.name} → sqlite`, () => {
    it("is lossless both ways and retires each source", async () => {
      const { url, env: aws } = await backend.fresh();
      const dir = tempProject();
      // a history worth copying: two stacks, a failed and rolled-back run, an archive
      ok(
        await runCli(["create", "--blueprint", DEV_BLUEPRINT, "--target", "sandbox", "--yes"], {
          cwd: dir,
          env: aws,
        }),
      );
      const failed = await runCli(["create", "--blueprint", STG_BLUEPRINT, "--target", "sandbox", "--yes"], {
        cwd: dir,
        env: { ...aws, DPN_SANDBOX_FAIL_AFTER: "4" },
      });
      expect(failed.code, describeResult(failed)).toBe(6);
      ok(
        await runCli(
          [
            "delete",
            "--resource-id",
            "dataplatform-etl-shared-dev",
            "--type",
            "dbx_cluster",
            "--archive",
            "--yes",
            "--target",
            "sandbox",
          ],
          { cwd: dir, env: aws },
        ),
      );
      const before = await seen(dir, aws);
      expect((before.txs as unknown[]).length).toBeGreaterThanOrEqual(3);

      const dry = await runCli(["state", "migrate", "--to", url, "--dry-run", "--json"], {
        cwd: dir,
        env: aws,
      });
      ok(dry);
      expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true });
      const moved = await runCli(["state", "migrate", "--to", url, "--yes", "--json"], {
        cwd: dir,
        env: aws,
      });
      ok(moved);
      const m = JSON.parse(moved.stdout) as { stacks: { stack_id: string; sha256: string }[] };
      expect(m.stacks.map((s) => s.stack_id).sort()).toEqual(["dataplatform/dev", "dataplatform/stg"]);
      expect(await seen(dir, { ...aws, DPN_STATE: url })).toEqual(before);

      // the retired source refuses writes and names the new backend; reads still work
      const refused = await runCli(["create", "--blueprint", DEV_BLUEPRINT, "--target", "sandbox", "--yes"], {
        cwd: dir,
      });
      expect(refused.code, describeResult(refused)).toBe(8);
      expect(refused.stderr).toContain("STATE_MIGRATED");
      expect(refused.stderr).toContain(`--state ${url.replace(/:[^:@/]*@/, ":***@")}`);
      expect(await seen(dir, aws)).toEqual(before);

      // a target that already holds the stacks is refused before anything is written
      const again = await runCli(["state", "migrate", "--to", url, "--yes"], {
        cwd: dir,
        env: { ...aws, DPN_STATE: `sqlite:${dir}/.dpn/state.db` },
      });
      expect(again.code, describeResult(again)).toBe(8);
      expect(again.stderr).toMatch(/STATE_MIGRATED|STATE_STACK_EXISTS/);

      // and back to a new SQLite file
      const home = `sqlite:${dir}/back.db`;
      ok(
        await runCli(["state", "migrate", "--to", home, "--yes"], {
          cwd: dir,
          env: { ...aws, DPN_STATE: url },
        }),
      );
      expect(await seen(dir, { ...aws, DPN_STATE: home })).toEqual(before);
      // the state is usable there: restore the archived cluster, then nothing is left to do
      ok(
        await runCli(
          [
            "restore",
            "--resource-id",
            "dataplatform-etl-shared-dev",
            "--type",
            "dbx_cluster",
            "--target",
            "sandbox",
          ],
          { cwd: dir, env: { ...aws, DPN_STATE: home } },
        ),
      );
      const plan = await runCli(["create", "--blueprint", DEV_BLUEPRINT, "--target", "sandbox", "--yes"], {
        cwd: dir,
        env: { ...aws, DPN_STATE: home },
      });
      ok(plan);
      expect(plan.stdout).toMatch(/Nothing to do/);
    }, 180_000);

    it("refuses a target that already holds one of the stacks, copying nothing", async () => {
      const { url, env: aws } = await backend.fresh();
      const a = tempProject();
      const b = tempProject();
      ok(
        await runCli(["create", "--blueprint", DEV_BLUEPRINT, "--target", "sandbox", "--yes"], {
          cwd: a,
          env: aws,
        }),
      );
      ok(
        await runCli(["create", "--blueprint", DEV_BLUEPRINT, "--target", "sandbox", "--yes"], {
          cwd: b,
          env: aws,
        }),
      );
      ok(await runCli(["state", "migrate", "--to", url, "--yes"], { cwd: a, env: aws }));
      const r = await runCli(["state", "migrate", "--to", url, "--yes"], { cwd: b, env: aws });
      expect(r.code, describeResult(r)).toBe(8);
      expect(r.stderr).toContain("STATE_STACK_EXISTS");
      expect(r.stderr).toContain("dataplatform/dev");
      // b's state is still its own and writable
      ok(
        await runCli(["create", "--blueprint", DEV_BLUEPRINT, "--target", "sandbox", "--yes"], {
          cwd: b,
          env: aws,
        }),
      );
    }, 120_000);
  });
}
