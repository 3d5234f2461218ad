/**
 * Proof (issue 14) on the sandbox: the labelled estate of test/fixtures/scan/estate.json is seeded
 * as live objects (dpn-managed ones with dpn's markers, compliant ones made by hand, each kind of
 * noncompliance, wrong tags, look-alikes, other projects and environments), then `dpn scan` reads
 * it back: every object is classified as labelled (precision and recall 1.0), the scan writes
 * nothing (the sandbox file keeps its bytes), and every report format comes out whole.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type CliResult, describeResult, runCli, tempProject } from "../support/cli.js";
import {
  ESTATE,
  type Labelled,
  labelProblems,
  precisionRecall,
  seedSandboxEstate,
  statusIn,
} from "../support/scan-estate.js";

let dir = "";
const dpn = (args: string[]) => runCli(["scan", "--target", "sandbox", ...args], { cwd: dir, env: {} });
const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");
// biome-ignore lint/suspicious/noExplicitAny: the report is checked field by field below
const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, any>;

const FILTER = ["--project", "dataplatform", "--env", "prd"];
const CLUSTER = "dbx_cluster.dataplatform-etl-shared-prd";
/** Fixture objects the platform cannot hold (S3 refuses capitals and `_` in bucket names). */
const refused: Labelled[] = [];
const seeded: Labelled[] = [];

beforeAll(async () => {
  dir = tempProject();
  const r = await seedSandboxEstate(join(dir, ".dpn/sandbox.db"), CLUSTER);
  seeded.push(...r.seeded);
  refused.push(...r.refused);
}, 60_000);

describe("dpn scan on a seeded sandbox estate", () => {
  it("seeds every object but the one no bucket can be named", () => {
    expect(refused.map((l) => l.object.name)).toEqual(["DataPlatform_Legacy_raw_prd_use1"]);
    expect(seeded.length).toBe(ESTATE.objects.length - 1);
  });

  it("classifies every object as labelled (precision and recall 1.0), and writes nothing", async () => {
    const before = sha(join(dir, ".dpn/sandbox.db"));
    const r = await dpn([...FILTER, "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(sha(join(dir, ".dpn/sandbox.db"))).toBe(before);
    expect(existsSync(join(dir, ".dpn/state.db"))).toBe(false);
    const report = json(r);
    const statusOf = (o: Labelled["object"]) => statusIn(report, o);
    for (const pr of precisionRecall(seeded, statusOf))
      expect(pr).toEqual({ ...pr, precision: 1, recall: 1 });
    expect(report.summary.objects).toBe(seeded.length);
    expect(labelProblems(report, seeded)).toEqual([]);
  });

  it("renders the table, SARIF, JUnit and HTML, and --fail-under decides the exit code", async () => {
    const table = await dpn(FILTER);
    expect(table.code, describeResult(table)).toBe(0);
    expect(table.stdout).toMatch(/^Scanned \d+ objects/);
    expect(table.stdout).toContain("dataplatform-logs-raw-prod-use1");
    const sarif = await dpn([...FILTER, "--format", "sarif"]);
    const log = JSON.parse(sarif.stdout);
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0].results.length).toBeGreaterThan(5);
    const junit = await dpn([...FILTER, "--format", "junit"]);
    expect(junit.stdout).toMatch(/^<\?xml[\s\S]*<testsuites[\s\S]*<\/testsuites>\s*$/);
    const html = join(dir, "report.html");
    const withHtml = await dpn([...FILTER, "--html", html, "--fail-under", "99"]);
    expect(withHtml.code, describeResult(withHtml)).toBe(3);
    expect(withHtml.stderr).toMatch(/below --fail-under 99%/);
    expect(readFileSync(html, "utf8")).toMatch(/^<!doctype html>/i);
    const passing = await dpn([...FILTER, "--fail-under", "0", "--json"]);
    expect(passing.code).toBe(0);
  });

  it("filters by type and glob, and writes a migration plan", async () => {
    const buckets = json(await dpn([...FILTER, "--type", "aws_s3_bucket", "--exclude", "tmp-*", "--json"]));
    expect(new Set(buckets.objects.map((o: { type: string }) => o.type))).toEqual(new Set(["aws_s3_bucket"]));
    expect(buckets.objects.some((o: { name: string }) => o.name === "tmp-scratch-bucket")).toBe(false);
    const out = join(dir, "migration");
    const r = await dpn([...FILTER, "--plan-migration", out, "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    const plan = JSON.parse(readFileSync(join(out, "migration.json"), "utf8"));
    expect(plan.adopt.length).toBeGreaterThan(0);
    expect(readFileSync(join(out, "import.sh"), "utf8")).toContain("dpn import --type");
    const again = await dpn([...FILTER, "--plan-migration", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("MIGRATION_OUTPUT_EXISTS");
  });

  it("an unknown --type names the closest type", async () => {
    const r = await dpn(["--type", "aws_s3_buckt", "--json"]);
    expect(r.code).toBe(2);
    expect(json(r).error).toMatchObject({
      code: "TYPE_OPTION_INVALID",
      hint: expect.stringContaining('"aws_s3_bucket"'),
    });
  });
});
