/**
 * The management commands (read, update, delete, restore, list, status, import) end to end: the
 * built CLI as a child process on the sandbox target, with objects changed behind dpn's back
 * through a second handle on the same sandbox.db.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { DesiredResource } from "../../src/core/resources.js";
import type { ProviderContext } from "../../src/engine/ports.js";
import { createSandboxRegistry, type SandboxRegistry } from "../../src/providers/sandbox/sandbox-provider.js";
import { type CliResult, describeResult, REPO_ROOT, runCli, tempProject } from "../support/cli.js";

const BLUEPRINT = join(REPO_ROOT, "examples/blueprints/dev.json");
const LANDING = "dataplatform-landing-raw-dev-use1";
const SILVER = "dataplatform-lake-silver-dev-use1";
const BRONZE = "dataplatform-lake-bronze-dev-use1";
const CLUSTER = "dbx_cluster.dataplatform-etl-shared-dev";

let dir: string;
const env = { DPN_TARGET: "sandbox" };
const dpn = (args: string[], extra: Record<string, string> = {}) =>
  runCli(args, { cwd: dir, env: { ...env, ...extra } });
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON documents are checked field by field below
const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, any>;
const ok = (r: CliResult) => expect(r.code, describeResult(r)).toBe(0);

/** A second handle on the sandbox: the "someone else" who changes things behind dpn's back. */
async function withSandbox<R>(fn: (s: SandboxRegistry, ctx: ProviderContext) => Promise<R> | R): Promise<R> {
  const s = createSandboxRegistry({ dbPath: join(dir, ".dpn/sandbox.db") });
  try {
    return await fn(s, {
      stackId: "",
      txId: "outside",
      actor: "someone@elsewhere",
      resolveRef: () => undefined,
    });
  } finally {
    await s.close();
  }
}

function params(name: string, body: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof body === "string" ? body : JSON.stringify(body, null, 2));
  return file;
}

function bucketDesired(name: string): DesiredResource<"aws_s3_bucket"> {
  return {
    type: "aws_s3_bucket",
    address: `aws_s3_bucket.${name}`,
    name,
    fullName: name,
    properties: {
      region: "us-east-1",
      versioning: false,
      lifecycle_days: 0,
      encryption: "AES256",
      block_public_access: true,
    },
    tags: { Team: "legacy" },
    dependencies: [],
    source: "seed",
  };
}

beforeAll(async () => {
  dir = tempProject("dpn-manage-");
  const r = await dpn(["create", "--blueprint", BLUEPRINT, "--yes"]);
  expect(r.code, describeResult(r)).toBe(0);
});

describe("dpn management commands on the sandbox", () => {
  it("runs the README workflow: plan → create → read → update → archive → restore → audit", async () => {
    ok(await dpn(["plan", "preview", BLUEPRINT]));
    const again = await dpn(["create", "--blueprint", BLUEPRINT, "--yes"]);
    ok(again);
    expect(again.stdout).toMatch(/Nothing to do: all 15 resources exist/);

    const read = await dpn(["read", "--resource-id", LANDING, "--type", "aws_s3_bucket"]);
    ok(read);
    expect(read.stdout).toMatch(/In sync: the live object matches the state/);
    expect(read.stdout).toMatch(/versioning\s+false\s+false/);

    const file = params("updates.json", { versioning: true, tags: { Owner: "sales@example.com" } });
    const upd = await dpn([
      "update",
      "--resource-id",
      LANDING,
      "--type",
      "aws_s3_bucket",
      "--params",
      file,
      "--yes",
    ]);
    ok(upd);
    expect(upd.stderr).toMatch(/versioning\s+false\s+true/);
    expect(upd.stderr).toMatch(/tags\.Owner\s+data-platform@example.com\s+sales@example.com/);
    expect(upd.stdout).toMatch(
      /Updated aws_s3_bucket\.dataplatform-landing-raw-dev-use1 \(versioning, tags\)/,
    );
    const after = json(await dpn(["read", "--resource-id", LANDING, "--type", "aws_s3_bucket", "--json"]));
    expect(after.live.properties.versioning).toBe(true);
    expect(after.state.properties.versioning).toBe(true);
    expect(after.state.tags.Owner).toBe("sales@example.com");
    expect(after.in_sync).toBe(true);
    // the same update again is a no-op
    const same = await dpn([
      "update",
      "--resource-id",
      LANDING,
      "--type",
      "aws_s3_bucket",
      "--params",
      file,
      "--yes",
    ]);
    ok(same);
    expect(same.stdout).toMatch(/No changes/);

    const arch = await dpn(["delete", "--resource-id", CLUSTER, "--archive", "--json"]);
    ok(arch);
    expect(json(arch).outcome).toBe("committed");
    const archived = json(await dpn(["list", "--archived", "--json"]));
    expect(archived.resources.map((r: { address: string }) => r.address)).toEqual([CLUSTER]);
    const live = json(await dpn(["read", "--resource-id", CLUSTER, "--json"]));
    expect(live.live).toMatchObject({ archived: true, status: "TERMINATED" });
    expect(live.state.status).toBe("archived");

    ok(await dpn(["restore", "--resource-id", CLUSTER]));
    const restored = json(await dpn(["read", "--resource-id", CLUSTER, "--json"]));
    expect(restored.live.archived).toBe(false);
    expect(restored.state.status).toBe("active");
    expect(json(await dpn(["list", "--archived", "--json"])).total).toBe(0);

    const audit = json(await dpn(["audit", "--json"]));
    const events = audit.events as { event: string; command: string; outcome?: string }[];
    for (const verb of ["update", "delete", "restore"]) {
      expect(
        events.some(
          (e) =>
            e.event === "tx.finished" && e.outcome === "committed" && e.command.startsWith(`dpn ${verb}`),
        ),
        verb,
      ).toBe(true);
    }
  });

  it("shows drift in read and status after an object was changed behind dpn's back", async () => {
    await withSandbox(async (s, ctx) => {
      const p = s.get("aws_s3_bucket");
      const live = await p.read(SILVER, ctx);
      expect(live).not.toBeNull();
      await p.revert(
        {
          ...live!,
          properties: { ...live!.properties, lifecycle_days: 7 },
          tags: { ...live!.tags, Hack: "x" },
        },
        ctx,
      );
    });
    const read = await dpn(["read", "--resource-id", SILVER, "--type", "aws_s3_bucket"]);
    ok(read);
    expect(read.stdout).toMatch(/lifecycle_days\s+\d+\s+7\s+DRIFT/);
    expect(read.stdout).toMatch(/tags\.Hack\s+-\s+x\s+DRIFT/);
    expect(read.stdout).toMatch(/Drift: 2 fields differ from the state \(lifecycle_days, tags\.Hack\)/);

    const st = json(await dpn(["status", "--json"]));
    expect(st.drift.count).toBe(1);
    expect(st.drift.resources[0].address).toBe(`aws_s3_bucket.${SILVER}`);
    expect(st.lock).toBeNull();
    expect(st.unfinished_transactions).toEqual([]);
    expect(st.resources.total).toBe(15);
    const noDrift = json(await dpn(["status", "--no-drift", "--json"]));
    expect(noDrift.drift).toEqual({ checked: false });
  });

  it("restores the previous settings when the update step fails", async () => {
    const file = params("lifecycle.json", { lifecycle_days: 90 });
    const before = json(await dpn(["read", "--resource-id", LANDING, "--json"]));
    // fails before the effect: nothing changed, the provider's error (exit 5)
    const r1 = await dpn(["update", "--resource-id", LANDING, "--params", file, "--yes"], {
      DPN_SANDBOX_FAIL_AFTER: "0",
    });
    expect(r1.code, describeResult(r1)).toBe(5);
    expect(r1.stderr).toMatch(/SANDBOX_INJECTED_FAILURE/);
    // fails after the effect (in doubt): the previous settings are put back (exit 6)
    const r2 = await dpn(["update", "--resource-id", LANDING, "--params", file, "--yes", "--json"], {
      DPN_SANDBOX_FAIL_AFTER_EFFECT: "update:aws_s3_bucket:1",
    });
    expect(r2.code, describeResult(r2)).toBe(6);
    const doc = json(r2);
    expect(doc.outcome).toBe("rolled_back");
    expect(doc.error.code).toBe("APPLY_ROLLED_BACK");
    expect(doc.operations.map((o: { action: string; phase: string }) => `${o.phase}:${o.action}`)).toEqual([
      "forward:update",
      "compensate:revert",
    ]);
    const after = json(await dpn(["read", "--resource-id", LANDING, "--json"]));
    expect(after.live.properties.lifecycle_days).toBe(before.live.properties.lifecycle_days);
    expect(after.state.properties).toEqual(before.state.properties);
    expect(after.in_sync).toBe(true);
  });

  it("refuses renames and invalid update files with located problems (exit 3)", async () => {
    const rename = await dpn([
      "update",
      "--resource-id",
      LANDING,
      "--type",
      "aws_s3_bucket",
      "--params",
      params("rename.json", { name: "other" }),
      "--yes",
    ]);
    expect(rename.code).toBe(3);
    expect(rename.stderr).toMatch(/UPDATE_RENAME_REFUSED/);
    expect(rename.stderr).toMatch(/cannot change on AWS/);
    const bad = params(
      "bad.json",
      '{\n  "versionin": true,\n  "region": "eu-west-1",\n  "encryption": "AES"\n}\n',
    );
    const r = await dpn([
      "update",
      "--resource-id",
      LANDING,
      "--type",
      "aws_s3_bucket",
      "--params",
      bad,
      "--json",
    ]);
    expect(r.code).toBe(3);
    const problems = json(r).error.problems as { code: string; line: number; column: number }[];
    expect(problems.map((p) => [p.code, p.line, p.column])).toEqual([
      ["UPDATE_UNKNOWN_KEY", 2, 3],
      ["UPDATE_FIELD_IMMUTABLE", 3, 3],
      ["UPDATE_INVALID_VALUE", 4, 17],
    ]);
    expect(r.stderr).toMatch(/Did you mean "versioning"\?/);
  });

  it("refuses to delete what others depend on, and data without --force", async () => {
    const dep = await dpn(["delete", "--resource-id", "dbx_catalog.dataplatform_main_dev", "--yes"]);
    expect(dep.code, describeResult(dep)).toBe(3);
    expect(dep.stderr).toMatch(/DELETE_HAS_DEPENDENTS/);
    expect(dep.stderr).toContain(
      "dbx_schema.dataplatform_main_dev.sales_bronze, dbx_schema.dataplatform_main_dev.sales_silver",
    );
    const db = await dpn([
      "delete",
      "--resource-id",
      "dataplatform_sales_bronze_dev",
      "--type",
      "aws_glue_database",
      "--yes",
    ]);
    expect(db.code).toBe(3);
    expect(db.stderr).toContain("aws_glue_table.dataplatform_sales_bronze_dev.fact_orders");

    // no TTY and no --yes: a hard delete is not confirmed
    const noYes = await dpn(["delete", "--resource-id", BRONZE, "--type", "aws_s3_bucket"]);
    expect(noYes.code).toBe(9);

    await withSandbox((s) => s.seedObject(BRONZE, "data/part-0001.parquet"));
    const full = await dpn(["delete", "--resource-id", BRONZE, "--type", "aws_s3_bucket", "--yes"]);
    expect(full.code, describeResult(full)).toBe(5);
    expect(full.stderr).toMatch(/DELETE_NOT_EMPTY/);
    expect(json(await dpn(["list", "--type", "aws_s3_bucket", "--json"])).total).toBe(3);
    const forced = await dpn([
      "delete",
      "--resource-id",
      BRONZE,
      "--type",
      "aws_s3_bucket",
      "--force",
      "--yes",
    ]);
    ok(forced);
    const names = (
      json(await dpn(["list", "--type", "aws_s3_bucket", "--json"])).resources as { name: string }[]
    ).map((r) => r.name);
    expect(names).not.toContain(BRONZE);
    expect(await withSandbox((s) => s.inventory().some((o) => o.name === BRONZE))).toBe(false);
  });

  it("imports a compliant object, and a non-compliant one only with --allow-noncompliant", async () => {
    const good = "dataplatform-archive-raw-dev-use1";
    await withSandbox((s) => {
      s.seedExisting(bucketDesired(good));
      s.seedExisting({
        type: "dbx_catalog",
        address: "dbx_catalog.sys_legacy",
        name: "sys_legacy",
        fullName: "sys_legacy",
        properties: { comment: "old" },
        tags: {},
        dependencies: [],
        source: "seed",
      });
    });
    // not in state yet: read says "not managed" and how to import
    const unmanaged = await dpn(["read", "--resource-id", good, "--type", "aws_s3_bucket"]);
    expect(unmanaged.code).toBe(3);
    expect(unmanaged.stderr).toMatch(/RESOURCE_NOT_MANAGED/);
    expect(unmanaged.stderr).toContain(`dpn import --type aws_s3_bucket --resource-id ${good}`);

    // a dry run makes every check and stamps nothing
    const preview = await dpn([
      "import",
      "--type",
      "aws_s3_bucket",
      "--resource-id",
      good,
      "--dry-run",
      "--json",
    ]);
    ok(preview);
    expect(json(preview)).toMatchObject({
      dry_run: true,
      action: "adopt",
      address: `aws_s3_bucket.${good}`,
      compliant: true,
    });
    expect((await withSandbox((s) => s.inventory().find((o) => o.name === good)))?.ownership).toBeFalsy();
    const imp = await dpn(["import", "--type", "aws_s3_bucket", "--resource-id", good, "--json"]);
    ok(imp);
    expect(json(imp)).toMatchObject({
      address: `aws_s3_bucket.${good}`,
      compliant: true,
      outcome: "committed",
    });
    const owned = await withSandbox((s) => s.inventory().find((o) => o.name === good));
    expect(owned?.ownership).toEqual({ stackId: "dataplatform/dev", address: `aws_s3_bucket.${good}` });
    const read = json(await dpn(["read", "--resource-id", good, "--json"]));
    expect(read.in_sync).toBe(true);
    expect(read.state.tags).toEqual({ Team: "legacy" });
    // and it can now be updated like anything dpn created
    ok(
      await dpn([
        "update",
        "--resource-id",
        good,
        "--params",
        params("v.json", { versioning: true }),
        "--yes",
      ]),
    );

    // valid for S3, but not a name this stack's convention produces (another environment)
    const offConvention = "dataplatform-archive-raw-prd-use1";
    await withSandbox((s) => s.seedExisting(bucketDesired(offConvention)));
    const shape = await dpn(["import", "--type", "aws_s3_bucket", "--resource-id", offConvention]);
    expect(shape.code).toBe(3);
    expect(shape.stderr).toMatch(/NAME_NOT_FROM_CONVENTION/);
    expect(shape.stderr).toContain("environment=dev");

    const refused = await dpn(["import", "--type", "dbx_catalog", "--resource-id", "sys_legacy"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/NAME_NONCOMPLIANT/);
    expect(refused.stderr).toMatch(/UC_RESERVED_CATALOG/);
    expect(refused.stderr).toMatch(/--allow-noncompliant/);
    const forced = await dpn([
      "import",
      "--type",
      "dbx_catalog",
      "--resource-id",
      "sys_legacy",
      "--allow-noncompliant",
      "--json",
    ]);
    ok(forced);
    const doc = json(forced);
    expect(doc.compliant).toBe(false);
    expect(doc.problems.map((p: { code: string }) => p.code)).toContain("UC_RESERVED_CATALOG");
    const events = json(await dpn(["audit", "--json"])).events as { event: string; address?: string }[];
    expect(
      events.some((e) => e.event === "import.noncompliant" && e.address === "dbx_catalog.sys_legacy"),
    ).toBe(true);

    const missing = await dpn([
      "import",
      "--type",
      "aws_s3_bucket",
      "--resource-id",
      "no-such-bucket-anywhere",
    ]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/RESOURCE_NOT_FOUND/);
  });

  it("names the closest resources for an unknown --resource-id (exit 3)", async () => {
    const r = await dpn(["read", "--resource-id", "fact_ordrs", "--json"]);
    expect(r.code).toBe(3);
    const err = json(r).error;
    expect(err.code).toBe("RESOURCE_NOT_FOUND");
    expect(err.details.closest).toEqual([
      "aws_glue_table.dataplatform_sales_bronze_dev.fact_orders",
      "dbx_table.dataplatform_main_dev.sales_bronze.fact_orders",
    ]);
    const amb = await dpn(["read", "--resource-id", "fact_orders"]);
    expect(amb.code).toBe(2);
    expect(amb.stderr).toMatch(/RESOURCE_AMBIGUOUS/);
    const typed = await dpn(["read", "--resource-id", "fact_orders", "--type", "dbx_table", "--json"]);
    ok(typed);
    expect(json(typed).address).toBe("dbx_table.dataplatform_main_dev.sales_bronze.fact_orders");
    const badType = await dpn(["list", "--type", "aws_s3_buckt"]);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/Did you mean "aws_s3_bucket"/);
  });

  it("documents every command with examples", async () => {
    for (const cmd of ["read", "update", "delete", "restore", "list", "status", "import"]) {
      const r = await dpn([cmd, "--help"]);
      ok(r);
      expect(r.stdout, cmd).toMatch(/\nExamples:\n/);
      expect(r.stdout, cmd).toContain(`$ dpn ${cmd} `);
    }
  });
});
