/**
 * Proof of `dpn migrate` (issue 14 item 6) on the sandbox: the labelled scan estate plus a few
 * objects with derivable compliant names is seeded, `dpn scan --plan-migration` writes the plan,
 * and `dpn migrate --plan … --yes` renames them in place as one transaction: afterwards the scan
 * finds them compliant, and state, journal and audit say what happened. A failure injected at
 * each rename leaves every name as it was (exit 6), a SIGKILL at each kill point followed by
 * `dpn recover` does too, and `dpn recover --resume` finishes the migration.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import type { DesiredResource } from "../../src/core/resources.js";
import type { ProviderContext } from "../../src/engine/ports.js";
import { createSandboxRegistry } from "../../src/providers/sandbox/sandbox-provider.js";
import * as kit from "../../src/providers/sandbox/sandbox-test-kit.js";
import { type CliResult, describeResult, runCli, tempProject } from "../support/cli.js";
import { recoverHere } from "../support/recover-here.js";
import { seedSandboxEstate } from "../support/scan-estate.js";

const FILTER = ["--project", "dataplatform", "--env", "prd"];
const CLUSTER = "dbx_cluster.dataplatform-etl-shared-prd";
// biome-ignore lint/suspicious/noExplicitAny: JSON documents are checked field by field
type Json = Record<string, any>;
const json = (r: CliResult) => JSON.parse(r.stdout) as Json;

/** Objects with a derivable compliant name, beside the fixture's (whose one UC rename is a catalog). */
const EXTRA: DesiredResource[] = [
  kit.schema("dataplatform_analytics_production", "finance_silver_old"),
  kit.volume("dataplatform_analytics_production", "finance_gold", "landing-raw"),
  kit.ucTable("dataplatform_analytics_production", "finance_gold", "fact-orders"),
  kit.cluster("dataplatform-ml-shared-production"),
  kit.job("dataplatform-batch-orders-load-daily-production", CLUSTER),
];

let golden = "";

/** A folder with the seeded estate and its migration plan. */
function freshCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "dpn-migrate-"));
  cpSync(golden, dir, { recursive: true });
  return dir;
}

const dpn = (dir: string, args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: dir, env });
const migrate = (dir: string, extra: string[] = [], env: Record<string, string> = {}) =>
  dpn(dir, ["migrate", "--plan", "migration/migration.json", "--target", "sandbox", ...extra], env);

/** Every sandbox object as `type:full_name`, sorted. */
function names(dir: string): string[] {
  const db = new Database(join(dir, ".dpn/sandbox.db"), { readonly: true });
  try {
    return (
      db.prepare("SELECT type, full_name FROM sandbox_objects").all() as { type: string; full_name: string }[]
    )
      .map((r) => `${r.type}:${r.full_name}`)
      .sort();
  } finally {
    db.close();
  }
}

function stateRows(dir: string, sql: string): Json[] {
  const db = new Database(join(dir, ".dpn/state.db"), { readonly: true });
  try {
    return db.prepare(sql).all() as Json[];
  } finally {
    db.close();
  }
}

let plan: Json;
let before: string[] = [];

beforeAll(async () => {
  golden = tempProject();
  const tags = { Environment: "prd", Project: "dataplatform", Team: "data-eng", CostCenter: "CC-1001" };
  await seedSandboxEstate(
    join(golden, ".dpn/sandbox.db"),
    CLUSTER,
    EXTRA.map((d) => ({ ...d, tags })),
  );
  const r = await dpn(golden, [
    "scan",
    "--target",
    "sandbox",
    ...FILTER,
    "--plan-migration",
    "migration",
    "--json",
  ]);
  expect(r.code, describeResult(r)).toBe(0);
  plan = JSON.parse(readFileSync(join(golden, "migration/migration.json"), "utf8"));
  before = names(golden);
}, 120_000);

const RENAMED = [
  "dbx_catalog:dataplatform_analytics_production",
  "dbx_cluster:dataplatform-ml-shared-production",
  "dbx_job:dataplatform-batch-orders-load-daily-production",
  "dbx_schema:dataplatform_analytics_production.finance_silver_old",
  "dbx_table:dataplatform_analytics_production.finance_gold.fact-orders",
  "dbx_volume:dataplatform_analytics_production.finance_gold.landing-raw",
];

/** The sandbox's names after the committed migration (computed once by the happy path). */
let after: string[] = [];

/** Bytes of every file under .dpn/ (the dry-run proof). */
function dpnBytes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(dir, ".dpn")))
    out[f] = createHash("sha256")
      .update(readFileSync(join(dir, ".dpn", f)))
      .digest("hex");
  return out;
}

describe("dpn migrate on the sandbox", () => {
  it("the plan holds an in-place rename of a catalog, a schema, a table and a volume inside it, a cluster and a job", () => {
    const inPlace = plan.renames.filter((r: Json) => r.path === "rename_in_place").map((r: Json) => r.object);
    expect(inPlace.sort()).toEqual(RENAMED);
    expect(plan.renames.some((r: Json) => r.path === "copy_and_archive")).toBe(true);
  });

  it("--dry-run lists the renames and what it does not execute, and changes no byte under .dpn/", async () => {
    const dir = freshCopy();
    const bytes = dpnBytes(dir);
    const r = await migrate(dir, ["--dry-run", "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    const doc = json(r);
    expect(doc.dry_run).toBe(true);
    expect(doc.renames.map((x: Json) => x.object).sort()).toEqual(RENAMED);
    const notRun = doc.not_executed.map((x: Json) => `${x.path} ${x.object}`);
    expect(notRun).toEqual(
      expect.arrayContaining(["copy_and_archive aws_s3_bucket:dataplatform-logs-raw-prod-use1"]),
    );
    expect(doc.not_executed.every((x: Json) => /^not executed by migrate/.test(x.reason))).toBe(true);
    expect(dpnBytes(dir)).toEqual(bytes);
    expect(existsSync(join(dir, ".dpn/state.db"))).toBe(false);
    const table = await migrate(dir, ["--dry-run"]);
    expect(table.stdout).toContain("dataplatform_analytics_prd.finance_silver_gold");
    expect(table.stdout).toContain("Not executed by migrate");
    expect(dpnBytes(dir)).toEqual(bytes);
  });

  it("renames everything in one transaction; the scan then finds them compliant; audit and journal say so", async () => {
    const dir = freshCopy();
    const noYes = await migrate(dir);
    expect(noYes.code, describeResult(noYes)).toBe(9);
    expect(names(dir)).toEqual(before);
    const r = await migrate(dir, ["--yes", "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    const doc = json(r);
    expect(doc.outcome).toBe("committed");
    after = names(dir);
    for (const x of doc.renames) {
      expect(after).toContain(`${x.type}:${x.to.full_name}`);
      expect(after).not.toContain(`${x.type}:${x.from.full_name}`);
    }
    // the schema inside the renamed catalog moved with it, and so did the untouched ones
    expect(after).toContain("dbx_schema:dataplatform_analytics_prd.finance_gold");
    expect(after).toContain("dbx_table:dataplatform_analytics_prd.finance_gold.fact_ledger");
    // the table renamed with ALTER TABLE … RENAME TO, inside the renamed catalog
    expect(after).toContain("dbx_table:dataplatform_analytics_prd.finance_gold.fact_orders");
    const scan = json(await dpn(dir, ["scan", "--target", "sandbox", ...FILTER, "--json"]));
    for (const x of doc.renames) {
      const o = scan.objects.find((y: Json) => y.id === `${x.type}:${x.to.full_name}`);
      expect(o?.status, x.to.full_name).toBe("compliant");
    }
    const tx = stateRows(dir, "SELECT kind, status FROM transactions");
    expect(tx).toEqual([{ kind: "migrate", status: "committed" }]);
    const journal = stateRows(dir, "SELECT action, status FROM journal ORDER BY seq");
    expect(journal).toEqual(RENAMED.map(() => ({ action: "rename", status: "done" })));
    const audit = stateRows(dir, "SELECT event, address FROM audit_events WHERE event = 'op.succeeded'");
    expect(audit.map((a) => a.address).sort()).toEqual(RENAMED);
    // unmanaged objects get no state row (adopt them with the next plan's import.sh)
    expect(stateRows(dir, "SELECT * FROM resources")).toEqual([]);
    const shown = await dpn(dir, ["tx", "show", doc.transaction_id]);
    expect(shown.code, describeResult(shown)).toBe(0);
    expect(shown.stdout).toContain("rename");
    const status = await dpn(dir, ["status", "--target", "sandbox", "--no-drift"]);
    expect(status.code, describeResult(status)).toBe(0);
    const again = await migrate(dir, ["--yes"]);
    expect(again.code, describeResult(again)).toBe(11);
    expect(again.stderr).toMatch(/MIGRATE_PLAN_STALE/);
    expect(names(dir)).toEqual(after);
  });

  it("refuses a plan that breaks its schema, listing every problem, before anything", async () => {
    const dir = freshCopy();
    const bad = JSON.parse(readFileSync(join(dir, "migration/migration.json"), "utf8"));
    bad.renames[0].path = "teleport";
    delete bad.summary;
    writeFileSync(join(dir, "bad.json"), JSON.stringify(bad));
    const r = await dpn(dir, ["migrate", "--plan", "bad.json", "--target", "sandbox", "--yes", "--json"]);
    expect(r.code, describeResult(r)).toBe(3);
    const err = json(r).error;
    expect(err.code).toBe("MIGRATE_PLAN_INVALID");
    expect(err.details.problems.length).toBeGreaterThanOrEqual(2);
    const missing = await dpn(dir, ["migrate", "--plan", "nope.json", "--target", "sandbox", "--yes"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/MIGRATE_PLAN_UNREADABLE/);
    expect(names(dir)).toEqual(before);
  });

  it("refuses a stale plan (new name taken) before any change", async () => {
    const dir = freshCopy();
    const s = createSandboxRegistry({ dbPath: join(dir, ".dpn/sandbox.db") });
    s.seedExisting(kit.cluster("dataplatform-ml-shared-prd"));
    await s.close();
    const taken = names(dir);
    const r = await migrate(dir, ["--yes", "--json"]);
    expect(r.code, describeResult(r)).toBe(11);
    expect(json(r).error.code).toBe("MIGRATE_PLAN_STALE");
    expect(json(r).error.message).toContain("dataplatform-ml-shared-prd");
    expect(names(dir)).toEqual(taken);
  });

  it.each([0, 1, 2, 3, 4, 5])(
    "a failure injected at rename %i renames every completed one back (exit 6)",
    async (n) => {
      const dir = freshCopy();
      const r = await migrate(dir, ["--yes", "--json", "--sandbox-fail-after", String(n)]);
      expect(r.code, describeResult(r)).toBe(6);
      expect(json(r).error.code).toBe("APPLY_ROLLED_BACK");
      expect(names(dir)).toEqual(before);
      expect(stateRows(dir, "SELECT status FROM transactions")).toEqual([{ status: "rolled_back" }]);
    },
  );
});

describe("dpn migrate with rows of its stack, answers lost, and objects of other stacks", () => {
  const SCHEMA = "dataplatform_analytics_production.finance_gold";
  const importSchema = async (dir: string) => {
    const r = await dpn(dir, [
      "import",
      "--type",
      "dbx_schema",
      "--resource-id",
      SCHEMA,
      ...FILTER,
      "--target",
      "sandbox",
      "--allow-noncompliant",
      "--yes",
    ]);
    expect(r.code, describeResult(r)).toBe(0);
  };
  const schemaRow = (dir: string) =>
    stateRows(dir, "SELECT name, full_name, remote_id FROM resources WHERE type = 'dbx_schema'");

  it("a managed schema inside the renamed catalog: its row follows the rename, and a rollback puts it back", async () => {
    const dir = freshCopy();
    await importSchema(dir);
    const failed = await migrate(dir, ["--yes", "--json", "--sandbox-fail-on", "rename:dbx_schema:1"]);
    expect(failed.code, describeResult(failed)).toBe(6);
    expect(schemaRow(dir)).toEqual([{ name: "finance_gold", full_name: SCHEMA, remote_id: SCHEMA }]);
    expect(names(dir)).toEqual(before);
    const r = await migrate(dir, ["--yes", "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    const catalog = json(r).renames.find((x: Json) => x.type === "dbx_catalog");
    expect(catalog.moved_rows).toBe(1);
    const moved = "dataplatform_analytics_prd.finance_gold";
    expect(schemaRow(dir)).toEqual([{ name: "finance_gold", full_name: moved, remote_id: moved }]);
    const read = await dpn(dir, [
      "read",
      "--resource-id",
      `dbx_schema.${SCHEMA}`,
      "--target",
      "sandbox",
      "--json",
    ]);
    expect(read.code, describeResult(read)).toBe(0);
    expect(json(read).drift).toEqual([]);
  });

  it("an answer lost after a rename took effect is settled by reading the new name (commits)", async () => {
    const dir = freshCopy();
    const r = await migrate(dir, ["--yes", "--sandbox-fail-after-effect", "rename:dbx_job:1"]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(names(dir)).toEqual(after);
  });

  it("an answer lost while renaming back is settled by reading the old name (rolled back, exit 6)", async () => {
    const dir = freshCopy();
    const r = await migrate(dir, [
      "--yes",
      "--sandbox-fail-on",
      "rename:dbx_schema:1",
      "--sandbox-fail-after-effect",
      "rename:dbx_catalog:2",
    ]);
    expect(r.code, describeResult(r)).toBe(6);
    expect(names(dir)).toEqual(before);
  });

  it("refuses to rename an object another stack manages (exit 3), changing nothing", async () => {
    const dir = freshCopy();
    const s = createSandboxRegistry({ dbPath: join(dir, ".dpn/sandbox.db") });
    const ctx: ProviderContext = {
      stackId: "other/prd",
      txId: "seed",
      actor: "x",
      resolveRef: () => undefined,
    };
    const live = (await s.get("dbx_job").list?.(ctx))?.find(
      (o) => o.name === "dataplatform-batch-orders-load-daily-production",
    );
    expect(live).toBeDefined();
    await s
      .get("dbx_job")
      .adopt(live as NonNullable<typeof live>, { stackId: "other/prd", address: "dbx_job.x" }, ctx);
    await s.close();
    const r = await migrate(dir, ["--yes", "--json"]);
    expect(r.code, describeResult(r)).toBe(3);
    expect(json(r).error.code).toBe("MIGRATE_OWNED_ELSEWHERE");
    expect(names(dir)).toEqual(before);
  });
});

describe("SIGKILL during dpn migrate, then dpn recover", () => {
  it("rollback leaves every name as it was; --resume finishes the migration", async () => {
    expect(after.length, "the happy path ran first").toBeGreaterThan(0);
    const problems: string[] = [];
    const points = ["after-intent", "after-remote", "after-outcome"].flatMap((label) =>
      RENAMED.map((_, i) => `${label}:${i + 1}`),
    );
    for (const at of points) {
      const dir = freshCopy();
      const killed = await migrate(dir, ["--yes"], { DPN_CRASH_AT: at });
      if (killed.signal !== "SIGKILL") {
        problems.push(`${at}: expected SIGKILL, got ${describeResult(killed)}`);
        continue;
      }
      const resumeDir = freshCopy();
      cpSync(join(dir, ".dpn"), join(resumeDir, ".dpn"), { recursive: true });
      problems.push(...(await recoverHere(dir, { target: "sandbox" })).map((p) => `${at} ${p}`));
      if (JSON.stringify(names(dir)) !== JSON.stringify(before)) problems.push(`${at} recover: names differ`);
      problems.push(
        ...(await recoverHere(resumeDir, { target: "sandbox", resume: true })).map(
          (p) => `${at} resume: ${p}`,
        ),
      );
      if (JSON.stringify(names(resumeDir)) !== JSON.stringify(after))
        problems.push(`${at} resume: names differ`);
    }
    expect(problems).toEqual([]);
  }, 240_000);
});
