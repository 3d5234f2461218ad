/**
 * `dpn create --refresh quick` on the sandbox: what the quick refresh finds (a tag changed, a
 * bucket deleted behind dpn's back) and what only the full refresh finds (a bucket setting), the
 * same split as on AWS (test/e2e/cloud-aws-calls.test.ts pins it on moto with the request counts).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ProviderContext } from "../../src/engine/ports.js";
import { createSandboxRegistry, type SandboxRegistry } from "../../src/providers/sandbox/sandbox-provider.js";
import { type CliResult, describeResult, REPO_ROOT, runCli, tempProject } from "../support/cli.js";

const BLUEPRINT = join(REPO_ROOT, "examples/blueprints/dev.json");
const LANDING = "dataplatform-landing-raw-dev-use1";
const SILVER = "dataplatform-lake-silver-dev-use1";

let dir = "";
const dpn = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: dir, env: { DPN_TARGET: "sandbox", ...env } });
const counts = (r: CliResult) => {
  expect(r.code, describeResult(r)).toBe(0);
  return (JSON.parse(r.stdout) as { counts: Record<string, number> }).counts;
};
const plan = (extra: string[], env: Record<string, string> = {}) =>
  dpn(["create", "--blueprint", BLUEPRINT, "--dry-run", "--json", ...extra], env);

/** A second handle on the sandbox: someone changing things behind dpn's back. */
async function outside(fn: (s: SandboxRegistry, ctx: ProviderContext) => Promise<void>): Promise<void> {
  const s = createSandboxRegistry({ dbPath: join(dir, ".dpn/sandbox.db") });
  try {
    await fn(s, { stackId: "", txId: "outside", actor: "someone@elsewhere", resolveRef: () => undefined });
  } finally {
    await s.close();
  }
}

beforeAll(async () => {
  dir = tempProject();
  const r = await dpn(["create", "--blueprint", BLUEPRINT, "--yes"]);
  expect(r.code, describeResult(r)).toBe(0);
}, 60_000);

describe("dpn create --refresh quick", () => {
  it("agrees with the full refresh on an unchanged estate", async () => {
    const full = counts(await plan([]));
    expect(full).toMatchObject({ create: 0, update: 0 });
    expect(counts(await plan(["--refresh", "quick"]))).toEqual(full);
  });

  it("misses a changed bucket setting, which the full refresh finds and corrects", async () => {
    await outside(async (s, ctx) => {
      const p = s.get("aws_s3_bucket");
      const live = await p.read(SILVER, ctx);
      if (!live) throw new Error(`${SILVER} is missing`);
      await p.revert({ ...live, properties: { ...live.properties, lifecycle_days: 7 } }, ctx);
    });
    expect(counts(await plan(["--refresh", "quick"]))).toMatchObject({ update: 0 });
    expect(counts(await plan([]))).toMatchObject({ update: 1 });
    // DPN_REFRESH sets the mode too; the flag wins over it
    expect(counts(await plan([], { DPN_REFRESH: "quick" }))).toMatchObject({ update: 0 });
    expect(counts(await plan(["--refresh", "full"], { DPN_REFRESH: "quick" }))).toMatchObject({ update: 1 });
    // and 'refresh:' in .dpn/settings.yaml, under both
    const settings = join(dir, ".dpn/settings.yaml");
    writeFileSync(settings, "refresh: quick\n");
    try {
      expect(counts(await plan([]))).toMatchObject({ update: 0 });
      expect(counts(await plan([], { DPN_REFRESH: "full" }))).toMatchObject({ update: 1 });
      expect(counts(await plan(["--refresh", "full"]))).toMatchObject({ update: 1 });
      writeFileSync(settings, "refresh: sometimes\n");
      const bad = await plan([]);
      expect(bad.code, describeResult(bad)).toBe(2);
      expect(bad.stderr).toContain("SETTINGS_INVALID");
    } finally {
      rmSync(settings);
    }
    const fixed = await dpn(["create", "--blueprint", BLUEPRINT, "--yes"]);
    expect(fixed.code, describeResult(fixed)).toBe(0);
    expect(counts(await plan([]))).toMatchObject({ update: 0 });
  });

  it("finds a changed tag and a deleted bucket, and applies what it found", async () => {
    await outside(async (s, ctx) => {
      const p = s.get("aws_s3_bucket");
      const landing = await p.read(LANDING, ctx);
      if (!landing) throw new Error(`${LANDING} is missing`);
      await p.revert({ ...landing, tags: { ...landing.tags, Hack: "x" } }, ctx);
      const silver = await p.read(SILVER, ctx);
      if (!silver) throw new Error(`${SILVER} is missing`);
      await p.delete(silver, ctx, { force: true });
    });
    expect(counts(await plan(["--refresh", "quick"]))).toMatchObject({ create: 1, update: 1 });
    const applied = await dpn(["create", "--blueprint", BLUEPRINT, "--yes", "--refresh", "quick"]);
    expect(applied.code, describeResult(applied)).toBe(0);
    // the human output says where the bucket settings came from
    expect(applied.stderr).toContain("refresh: quick (bucket settings as state recorded them");
    expect(counts(await plan([]))).toMatchObject({ create: 0, update: 0 });
  });

  it("a saved plan records its refresh mode and is applied reading state the same way", async () => {
    // a setting drifts behind dpn's back: a quick plan does not see it, so it plans nothing
    await outside(async (s, ctx) => {
      const p = s.get("aws_s3_bucket");
      const live = await p.read(LANDING, ctx);
      if (!live) throw new Error(`${LANDING} is missing`);
      await p.revert(
        { ...live, properties: { ...live.properties, versioning: !live.properties.versioning } },
        ctx,
      );
    });
    const out = join(dir, "quick.plan.json");
    const made = await dpn([
      "create",
      "--blueprint",
      BLUEPRINT,
      "--dry-run",
      "--refresh",
      "quick",
      "--out",
      out,
    ]);
    expect(made.code, describeResult(made)).toBe(0);
    const doc = JSON.parse(readFileSync(out, "utf8")) as { refresh: string; counts: Record<string, number> };
    expect(doc.refresh).toBe("quick");
    expect(doc.counts).toMatchObject({ update: 0, create: 0 });
    // another mode for it is refused before anything is read or written
    const conflict = await dpn(["create", "--plan", out, "--yes", "--refresh", "full"]);
    expect(conflict.code, describeResult(conflict)).toBe(2);
    expect(conflict.stderr).toContain("OPTIONS_CONFLICT");
    // applied as planned (quick), it is not stale; a full plan would have shown the drift
    const applied = await dpn(["create", "--plan", out, "--yes"]);
    expect(applied.code, describeResult(applied)).toBe(0);
    expect(counts(await plan([]))).toMatchObject({ update: 1 });
  });

  it("refuses an unknown mode before anything is read", async () => {
    const r = await plan(["--refresh", "sometimes"]);
    expect(r.code, describeResult(r)).toBe(2);
    expect(r.stderr).toMatch(/--refresh/);
  });
});
