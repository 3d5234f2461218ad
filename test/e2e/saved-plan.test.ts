/**
 * Issue 12 item 5: saved plans on the sandbox. `dpn create --dry-run --out plan.json` writes a
 * document valid against schemas/saved-plan.schema.json; `dpn create --plan plan.json` applies
 * exactly it, once; a change made meanwhile (outside dpn, or a new blueprint applied) gives
 * PLAN_STALE (exit 11) with nothing changed; an edited, truncated, foreign, other-target or
 * other-version file is a typed error naming the field.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { canonical } from "../../src/app/drift.js";
import { createSandboxRegistry, openSandboxInventory } from "../../src/providers/sandbox/sandbox-provider.js";
import { devBlueprint } from "../support/blueprints.js";
import { type CliResult, describeResult, REPO_ROOT, runCli, tempProject } from "../support/cli.js";
import { copyDpnDir, DEV_BLUEPRINT } from "./sandbox-invariants.js";

const env = { DPN_TARGET: "sandbox" };
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON documents are checked field by field below
const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, any>;
const NEW_BUCKET = "aws_s3_bucket.dataplatform-exports-gold-dev-use1";
let base = "";
let grown = "";

const estate = (dir: string) =>
  openSandboxInventory(join(dir, ".dpn/sandbox.db"))
    .map((o) => `${o.type}:${o.fullName}:${JSON.stringify(o.tags)}:${o.archived}`)
    .sort();

async function planIn(dir: string): Promise<string> {
  const file = join(dir, "plan.json");
  const r = await runCli(["create", "--blueprint", grown, "--dry-run", "--out", file], { cwd: dir, env });
  expect(r.code, describeResult(r)).toBe(0);
  return file;
}
function copy(): string {
  const d = tempProject();
  copyDpnDir(base, d);
  return d;
}
const apply = (dir: string, file: string, extra: string[] = []) =>
  runCli(["create", "--plan", file, "--yes", "--json", ...extra], { cwd: dir, env });

beforeAll(async () => {
  base = tempProject();
  const r = await runCli(["create", "--blueprint", DEV_BLUEPRINT, "--yes"], { cwd: base, env });
  expect(r.code, describeResult(r)).toBe(0);
  const bp = devBlueprint();
  bp.resources.aws.s3_buckets.push({ purpose: "exports", layer: "gold", lifecycle_days: 30 });
  bp.resources.aws.s3_buckets[0].lifecycle_days = 45;
  grown = join(base, "grown.json");
  writeFileSync(grown, JSON.stringify(bp, null, 2));
}, 60_000);

describe("saved plans", () => {
  it("the written plan is valid against the published schema and names every operation", async () => {
    const dir = copy();
    const file = await planIn(dir);
    const doc = JSON.parse(readFileSync(file, "utf8"));
    const require = createRequire(import.meta.url);
    const { Ajv2020 } = require("ajv/dist/2020.js");
    const schema = JSON.parse(readFileSync(join(REPO_ROOT, "schemas/saved-plan.schema.json"), "utf8"));
    const validate = new Ajv2020({ strict: false }).compile(schema);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.counts).toMatchObject({ create: 1, update: 1 });
    const update = doc.operations.find((o: { action: string }) => o.action === "update");
    expect(update.changes).toEqual([{ field: "lifecycle_days", before: 30, after: 45 }]);
  });

  it("applies exactly the plan, once", async () => {
    const dir = copy();
    const file = await planIn(dir);
    const r = await apply(dir, file);
    expect(r.code, describeResult(r)).toBe(0);
    const tx = json(r);
    expect(
      tx.operations
        .filter((o: { status: string }) => o.status === "succeeded")
        .map((o: { address: string }) => o.address)
        .sort(),
    ).toEqual([NEW_BUCKET, "aws_s3_bucket.dataplatform-landing-raw-dev-use1"].sort());
    const again = await apply(dir, file);
    expect(again.code).toBe(11);
    expect(json(again).error.code).toBe("PLAN_ALREADY_APPLIED");
  });

  it("a plan made with --prune=delete applies its deletes; --prune beside --plan is refused", async () => {
    const dir = copy();
    const smaller = join(dir, "smaller.json");
    const bp = devBlueprint();
    bp.resources.databricks.unity_catalog.catalogs[0].schemas[0].volumes = undefined;
    writeFileSync(smaller, JSON.stringify(bp));
    const file = join(dir, "prune.json");
    const made = await runCli(
      ["create", "--blueprint", smaller, "--dry-run", "--prune=delete", "--out", file],
      {
        cwd: dir,
        env,
      },
    );
    expect(made.code, describeResult(made)).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ prune: "delete", force: false });
    const added = await apply(dir, file, ["--prune"]);
    expect(added.code).toBe(2);
    expect(json(added).error.code).toBe("OPTIONS_CONFLICT");
    const r = await apply(dir, file);
    expect(r.code, describeResult(r)).toBe(0);
    expect(json(r).cleanup.deleted).toEqual(["dbx_volume.dataplatform_main_dev.sales_bronze.raw_landing"]);
    expect(estate(dir).some((o) => o.startsWith("dbx_volume:"))).toBe(false);
  });

  it("a change outside dpn between plan and apply: PLAN_STALE, nothing changed", async () => {
    const dir = copy();
    const file = await planIn(dir);
    const s = createSandboxRegistry({ dbPath: join(dir, ".dpn/sandbox.db") });
    const ctx = { stackId: "", txId: "outside", actor: "someone", resolveRef: () => undefined };
    try {
      const p = s.get("aws_s3_bucket");
      const live = await p.read("dataplatform-lake-bronze-dev-use1", ctx);
      if (!live) throw new Error("seed bucket missing");
      // someone retags the bucket behind dpn's back
      const desired = {
        type: "aws_s3_bucket" as const,
        address: "aws_s3_bucket.dataplatform-lake-bronze-dev-use1",
        name: live.name,
        fullName: live.fullName,
        properties: live.properties as never,
        tags: { ...live.tags, Owner: "someone-else" },
        dependencies: [],
        source: "outside",
      };
      await p.update(desired, live, ctx);
    } finally {
      await s.close();
    }
    const before = estate(dir);
    const r = await apply(dir, file);
    expect(r.code, describeResult(r)).toBe(11);
    expect(json(r).error).toMatchObject({ code: "PLAN_STALE" });
    expect(json(r).error.message).toContain(
      "aws_s3_bucket.dataplatform-lake-bronze-dev-use1 (live: changed)",
    );
    expect(estate(dir)).toEqual(before);
  });

  it("a resource deleted outside dpn between plan and apply: PLAN_STALE naming it", async () => {
    const dir = copy();
    const file = await planIn(dir);
    const s = createSandboxRegistry({ dbPath: join(dir, ".dpn/sandbox.db") });
    const ctx = { stackId: "", txId: "outside", actor: "someone", resolveRef: () => undefined };
    try {
      const p = s.get("dbx_volume");
      const live = await p.read("dataplatform_main_dev.sales_bronze.raw_landing", ctx);
      if (!live) throw new Error("seed volume missing");
      await p.delete(live, ctx);
    } finally {
      await s.close();
    }
    const r = await apply(dir, file);
    expect(r.code, describeResult(r)).toBe(11);
    expect(json(r).error.message).toContain(
      "dbx_volume.dataplatform_main_dev.sales_bronze.raw_landing (live: gone)",
    );
  });

  it("a new blueprint applied between plan and apply: PLAN_STALE", async () => {
    const dir = copy();
    const file = await planIn(dir);
    const other = join(dir, "other.json");
    const bp = devBlueprint();
    bp.resources.aws.s3_buckets[1].lifecycle_days = 61;
    writeFileSync(other, JSON.stringify(bp));
    expect((await runCli(["create", "--blueprint", other, "--yes"], { cwd: dir, env })).code).toBe(0);
    const r = await apply(dir, file);
    expect(r.code, describeResult(r)).toBe(11);
    expect(json(r).error.message).toMatch(/dataplatform-lake-bronze-dev-use1 \((live|state): changed\)/);
  });

  it("an edited, truncated, foreign, other-target or other-version file is refused, naming the field", async () => {
    const dir = copy();
    const file = await planIn(dir);
    const text = readFileSync(file, "utf8");
    const variant = (name: string, content: string) => {
      const f = join(dir, name);
      writeFileSync(f, content);
      return f;
    };
    const doc = JSON.parse(text);
    const resigned = (d: Record<string, unknown>) => {
      const { digest: _d, ...body } = d;
      return JSON.stringify({ ...body, digest: createHash("sha256").update(canonical(body)).digest("hex") });
    };
    const cases: [string, string, number, string, string][] = [
      [
        "edited.json",
        text.replace('"lifecycle_days": 45', '"lifecycle_days": 5'),
        3,
        "PLAN_INVALID",
        "digest",
      ],
      ["cut.json", text.slice(0, text.length / 2), 3, "PLAN_INVALID", "(document)"],
      ["foreign.json", JSON.stringify({ kind: "terraform-plan" }), 3, "PLAN_INVALID", "kind"],
      ["version.json", resigned({ ...doc, dpn_version: "0.1.0" }), 3, "PLAN_VERSION_MISMATCH", "dpn_version"],
    ];
    const before = estate(dir);
    for (const [name, content, code, error, field] of cases) {
      const r = await apply(dir, variant(name, content));
      expect(r.code, `${name}: ${describeResult(r)}`).toBe(code);
      expect(json(r).error, name).toMatchObject({ code: error, details: { field } });
    }
    const stg = join(REPO_ROOT, "examples/blueprints/stg.json");
    const stack = await runCli(["create", "--plan", file, "--blueprint", stg, "--yes", "--json"], {
      cwd: dir,
      env,
    });
    expect(stack.code).toBe(2);
    expect(json(stack).error.code).toBe("PLAN_STACK_MISMATCH");
    const target = await runCli(["create", "--plan", file, "--yes", "--json", "--target", "cloud"], {
      cwd: dir,
      env: {},
    });
    expect(target.code).toBe(2);
    expect(json(target).error).toMatchObject({ code: "PLAN_TARGET_MISMATCH", details: { field: "target" } });
    expect(estate(dir)).toEqual(before);
  });
});
