/**
 * Issue 15 item 2 end to end: every mutating command takes --dry-run, and a dry run changes
 * nothing (the state and sandbox files keep their bytes) while making the checks the real command
 * makes first; plus the rest of the vocabulary: --blueprint on plan commands, --json beside
 * --format json, --environment as --env, and `list --target`.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type CliResult, describeResult, runCli, tempProject } from "../support/cli.js";
import { copyDpnDir, DEV_BLUEPRINT, STG_BLUEPRINT } from "./sandbox-invariants.js";

/** sha256 of every file under `.dpn/` (a WAL reader's `-shm` index and an empty `-wal` aside). */
function dpnFiles(dir: string): Record<string, string> {
  const empty = createHash("sha256").digest("hex");
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(dir, ".dpn")).sort()) {
    if (f.endsWith("-shm")) continue;
    const hash = createHash("sha256")
      .update(readFileSync(join(dir, ".dpn", f)))
      .digest("hex");
    if (f.endsWith("-wal") && hash === empty) continue;
    out[f] = hash;
  }
  return out;
}

const env = { DPN_TARGET: "sandbox" };
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON documents are checked field by field below
const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, any>;
const exits = (r: CliResult, code: number) => expect(r.code, describeResult(r)).toBe(code);

let dir = "";
const dpn = (args: string[], cwd = dir) => runCli(args, { cwd, env });

/** Run `args` and prove it left every file under .dpn/ as it was. */
async function unchanged(args: string[], cwd = dir): Promise<CliResult> {
  const before = dpnFiles(cwd);
  const r = await dpn(args, cwd);
  expect(dpnFiles(cwd), `${args.join(" ")} changed a file`).toEqual(before);
  return r;
}

let job = "";
beforeAll(async () => {
  dir = tempProject();
  exits(await dpn(["create", "--blueprint", DEV_BLUEPRINT, "--yes"]), 0);
  const listed = json(await dpn(["list", "--json"]));
  job = (listed.resources as { address: string; type: string }[]).find((r) => r.type === "dbx_job")
    ?.address as string;
  expect(job).toBeTruthy();
}, 60_000);

describe("dry runs change nothing", () => {
  it("delete --dry-run: what a delete or an archive would do", async () => {
    const del = await unchanged(["delete", "--resource-id", job, "--dry-run", "--json"]);
    exits(del, 0);
    expect(json(del)).toMatchObject({ dry_run: true, address: job, action: "delete", exists: true });
    const text = await unchanged(["delete", "--resource-id", job, "--dry-run"]);
    exits(text, 0);
    expect(text.stdout).toContain(`would delete ${job}`);
    expect(text.stderr).toContain("dry run: nothing was changed");
    const arch = await unchanged(["delete", "--resource-id", job, "--archive", "--dry-run", "--json"]);
    expect(json(arch)).toMatchObject({ dry_run: true, action: "archive" });
  });

  it("delete --dry-run makes the refusals a delete makes first (dependents: exit 3)", async () => {
    const listed = json(await dpn(["list", "--type", "dbx_catalog", "--json"]));
    const catalog = listed.resources[0].address as string;
    const r = await unchanged(["delete", "--resource-id", catalog, "--dry-run", "--json"]);
    exits(r, 3);
    expect(json(r).error.code).toBe("DELETE_HAS_DEPENDENTS");
  });

  it("restore --dry-run: nothing to restore, then what it would restore", async () => {
    const active = await unchanged(["restore", "--resource-id", job, "--dry-run", "--json"]);
    exits(active, 0);
    expect(json(active)).toEqual({ dry_run: true, address: job, outcome: "no_changes" });
    exits(await dpn(["delete", "--resource-id", job, "--archive", "--yes"]), 0);
    const would = await unchanged(["restore", "--resource-id", job, "--dry-run", "--yes", "--json"]);
    exits(would, 0);
    expect(json(would)).toEqual({ dry_run: true, address: job, action: "restore" });
    const restored = await dpn(["restore", "--resource-id", job, "--yes", "--json"]);
    exits(restored, 0);
    expect(json(restored)).toMatchObject({ action: "restore", outcome: "committed" });
  });
});

describe("after a killed create", () => {
  let crashed = "";
  beforeAll(async () => {
    crashed = tempProject();
    const r = await runCli(["create", "--blueprint", STG_BLUEPRINT, "--yes", "--parallelism", "1"], {
      cwd: crashed,
      env: { ...env, DPN_CRASH_AT: "after-outcome:3" },
    });
    expect(r.signal, describeResult(r)).toBe("SIGKILL");
  }, 60_000);

  it("recover --dry-run shows each journaled step and what rollback or resume would do", async () => {
    const back = await unchanged(["recover", "--dry-run", "--json"], crashed);
    exits(back, 0);
    const doc = json(back);
    expect(doc).toMatchObject({ dry_run: true, stack_id: "dataplatform/stg", mode: "rollback" });
    expect(doc.transactions).toHaveLength(1);
    const steps = doc.transactions[0].steps as { status: string; recovery: string }[];
    // killed after the third outcome was journaled: two creates done, the third in doubt
    expect(steps.map((s) => [s.status, s.recovery])).toEqual([
      ["done", "undo"],
      ["done", "undo"],
      ["intent", "look up by name; delete it if it is ours"],
    ]);
    expect(doc.transactions[0].planned_resources).toBeGreaterThan(3);
    const fwd = await unchanged(["recover", "--dry-run", "--resume", "--yes"], crashed);
    exits(fwd, 0);
    expect(fwd.stdout).toContain("dpn recover --resume would roll forward 1 unfinished transaction");
    expect(fwd.stdout).toMatch(/RECOVERY WOULD[\s\S]*keep/);
    expect(fwd.stdout).toMatch(/then the plan's \d+ resources not journaled yet/);
  });

  it("unlock --dry-run names the lock and releases nothing; recover then settles the stack", async () => {
    const dir2 = tempProject();
    copyDpnDir(crashed, dir2);
    const status = json(await dpn(["status", "--no-drift", "--json"], dir2));
    // the killed run's lock stays until its lease ends or a run sees its holder is gone
    const holder = status.lock.holder_id as string;
    const r = await unchanged(["unlock", holder, "--dry-run", "--json"], dir2);
    exits(r, 0);
    expect(json(r)).toMatchObject({ dry_run: true, released: false, lock: { holder_id: holder } });
    const none = await unchanged(["unlock", "no-such-holder", "--dry-run"], dir2);
    exits(none, 8);
    expect(none.stderr).toContain("LOCK_NOT_FOUND");
    exits(await dpn(["recover", "--yes"], dir2), 0);
    expect(json(await dpn(["recover", "--dry-run", "--json"], dir2))).toEqual({
      stack_id: "dataplatform/stg",
      recovered: [],
    });
  });
});

describe("the rest of the vocabulary", () => {
  it("plan validate and preview take --blueprint; the positional is its alias", async () => {
    const v = await dpn(["plan", "validate", "--blueprint", DEV_BLUEPRINT, "--json"]);
    exits(v, 0);
    expect(json(v)).toMatchObject({ valid: true, file: DEV_BLUEPRINT });
    exits(await dpn(["plan", "validate", DEV_BLUEPRINT, "--blueprint", DEV_BLUEPRINT]), 0);
    const both = await dpn(["plan", "validate", DEV_BLUEPRINT, "--blueprint", STG_BLUEPRINT, "--json"]);
    exits(both, 2);
    expect(json(both).error.code).toBe("OPTIONS_CONFLICT");
    const neither = await dpn(["plan", "preview", "--json"]);
    exits(neither, 2);
    expect(json(neither).error).toMatchObject({
      code: "OPTION_REQUIRED",
      hint: expect.stringContaining("--blueprint"),
    });
    const a = await dpn(["plan", "preview", "--blueprint", DEV_BLUEPRINT, "--json"]);
    const b = await dpn(["plan", "preview", DEV_BLUEPRINT, "--format", "json"]);
    exits(a, 0);
    expect(json(a)).toEqual(json(b));
  });

  it("--environment is --env for choosing a stack", async () => {
    const a = await dpn(["list", "--project", "dataplatform", "--environment", "dev", "--json"]);
    const b = await dpn(["list", "--project", "dataplatform", "--env", "dev", "--json"]);
    exits(a, 0);
    expect(json(a)).toEqual(json(b));
    const typo = await dpn(["list", "--project", "dataplatform", "--enviroment", "dev", "--json"]);
    exits(typo, 2);
    expect(json(typo).error.details.suggestion).toBe("--environment");
  });

  it("list --target keeps the rows last written on that target", async () => {
    const all = json(await dpn(["list", "--json"]));
    const sandbox = json(await dpn(["list", "--target", "sandbox", "--json"]));
    expect(sandbox.total).toBe(all.total);
    expect(sandbox.filter).toMatchObject({ target: "sandbox" });
    const cloud = await runCli(["list", "--target", "cloud"], { cwd: dir, env: {} });
    exits(cloud, 0);
    expect(cloud.stdout).toContain(
      `${all.total} resources last written on another target than cloud not shown`,
    );
  });
});
