/**
 * The foundation commands through the built binary: config, name, plan init/validate/preview,
 * global flags, and the bad-input contract (typed error, code, offending value, hint, exit code,
 * no stack trace, nothing written).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runCli, tempProject } from "../support/cli.js";

const example = (env: string) => join(REPO_ROOT, "examples/blueprints", `${env}.json`);

describe("dpn plan in an empty folder (no .dpn/)", () => {
  it("init → validate → preview works with no other set-up", async () => {
    const cwd = tempProject();
    const init = await runCli(
      ["plan", "init", "--env", "prd", "--project", "platform", "--output", "prod.json"],
      { cwd },
    );
    expect(init.code, init.stderr).toBe(0);
    expect(existsSync(join(cwd, "prod.json"))).toBe(true);
    expect(existsSync(join(cwd, ".dpn"))).toBe(false);

    const validate = await runCli(["plan", "validate", "prod.json"], { cwd });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/prod\.json: valid \(\d+ resources\)/);

    const table = await runCli(["plan", "preview", "prod.json"], { cwd });
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("platform-landing-raw-prd-use1");

    const json = await runCli(["plan", "preview", "prod.json", "--format", "json"], { cwd });
    const doc = JSON.parse(json.stdout);
    expect(Object.keys(doc)).toEqual(["metadata", "total_resources", "resources", "execution_order"]);
    expect(doc.total_resources).toBe(doc.resources.length);
    expect(doc.execution_order).toEqual(doc.resources.map((r: { address: string }) => r.address));
    const types = new Set(doc.resources.map((r: { type: string }) => r.type));
    expect(types.size).toBe(9);
    for (const r of doc.resources) {
      expect(Object.keys(r)).toEqual(["type", "address", "name", "full_name", "dependencies", "tags"]);
      // every dependency comes earlier in execution order
      for (const d of r.dependencies)
        expect(doc.execution_order.indexOf(d)).toBeLessThan(doc.execution_order.indexOf(r.address));
    }
    const ucTable = doc.resources.find((r: { type: string }) => r.type === "dbx_table");
    expect(ucTable.full_name.split(".")).toHaveLength(3);
    const glueTable = doc.resources.find((r: { type: string }) => r.type === "aws_glue_table");
    expect(glueTable.full_name).toBe(`${glueTable.address.split(".")[1]}.${glueTable.name}`);
  });

  it("refuses to overwrite without --force and writes nothing", async () => {
    const cwd = tempProject();
    writeFileSync(join(cwd, "prod.json"), "keep me");
    const r = await runCli(
      ["plan", "init", "--env", "prd", "--project", "platform", "--output", "prod.json"],
      { cwd },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("[FILE_EXISTS]");
    expect(r.stderr).toContain("--force");
    expect(readFileSync(join(cwd, "prod.json"), "utf8")).toBe("keep me");
    const forced = await runCli(
      ["plan", "init", "--env", "prd", "--project", "platform", "--output", "prod.json", "--force"],
      { cwd },
    );
    expect(forced.code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, "prod.json"), "utf8")).metadata.project).toBe("platform");
  });

  it("preview with --override changes the environment everywhere", async () => {
    const r = await runCli(
      ["plan", "preview", example("dev"), "--format", "json", "--override", "environment=stg"],
      {
        cwd: tempProject(),
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const names: string[] = JSON.parse(r.stdout).resources.map((x: { name: string }) => x.name);
    expect(names.some((n) => n.includes("-stg-") || n.endsWith("_stg"))).toBe(true);
    expect(names.some((n) => n.includes("-dev-") || n.endsWith("_dev"))).toBe(false);
  });
});

describe("examples", () => {
  it.each(["dev", "stg", "prd"])("examples/blueprints/%s.json validates", async (env) => {
    const r = await runCli(["plan", "validate", example(env), "--json"], { cwd: tempProject() });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).valid).toBe(true);
  });

  it("prd has at least 40 resources across all nine provisioned types", async () => {
    const r = await runCli(["plan", "preview", example("prd"), "--format", "json"], { cwd: tempProject() });
    const doc = JSON.parse(r.stdout);
    expect(doc.total_resources).toBeGreaterThanOrEqual(40);
    expect(new Set(doc.resources.map((x: { type: string }) => x.type)).size).toBe(9);
  });

  it("examples/configs load with `dpn config validate`", async () => {
    const cwd = tempProject();
    const r = await runCli(
      [
        "config",
        "validate",
        "--values-config",
        join(REPO_ROOT, "examples/configs/naming-values.yaml"),
        "--patterns-config",
        join(REPO_ROOT, "examples/configs/naming-patterns.yaml"),
      ],
      { cwd },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("convention valid");
  });
});

describe("dpn name", () => {
  it("prints the naming-rules examples exactly", async () => {
    const cwd = tempProject();
    const base = ["--set", "project=dataplatform", "--set", "environment=prd", "--set", "region=us-east-1"];
    const cases: [string, string[], string][] = [
      ["aws_s3_bucket", ["purpose=raw", "layer=raw"], "dataplatform-raw-raw-prd-use1"],
      ["aws_glue_database", ["domain=finance", "layer=gold"], "dataplatform_finance_gold_prd"],
      ["dbx_cluster", ["workload=etl", "cluster_type=shared"], "dataplatform-etl-shared-prd"],
      [
        "dbx_job",
        ["job_type=batch", "purpose=customer-load", "schedule=daily"],
        "dataplatform-batch-customer-load-daily-prd",
      ],
      ["dbx_catalog", ["catalog_type=main"], "dataplatform_main_prd"],
      ["dbx_schema", ["domain=finance", "layer=gold"], "finance_gold"],
      ["dbx_table", ["entity=customers", "table_type=dim"], "dim_customers"],
    ];
    for (const [type, sets, expected] of cases) {
      const r = await runCli(["name", type, ...base, ...sets.flatMap((s) => ["--set", s])], { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(expected);
    }
  });

  it("--explain shows template, values with their layers and the rules checked", async () => {
    const r = await runCli(
      [
        "name",
        "dbx_catalog",
        "--set",
        "project=data-platform",
        "--set",
        "catalog_type=main",
        "--set",
        "environment=dev",
        "--explain",
      ],
      { cwd: tempProject() },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("data_platform_main_dev");
    expect(r.stdout).toContain("{project}_{catalog_type}_{environment}");
    expect(r.stdout).toMatch(/project\s+= "data_platform"/);
    expect(r.stdout).toContain("rules checked");
  });
});

describe("config init", () => {
  it("with flags never prompts, writes both files, refuses to overwrite without --force", async () => {
    const cwd = tempProject();
    const args = [
      "config",
      "init",
      "--project",
      "sales",
      "--environment",
      "dev",
      "--region",
      "eu-west-1",
      "--team",
      "t1",
    ];
    const r = await runCli(args, { cwd });
    expect(r.code, r.stderr).toBe(0);
    const values = readFileSync(join(cwd, ".dpn/naming-values.yaml"), "utf8");
    expect(values).toContain("project: sales");
    expect(values).toContain("region: eu-west-1");
    const again = await runCli(args, { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("[FILE_EXISTS]");
    const name = await runCli(["name", "aws_s3_bucket", "--set", "purpose=raw", "--set", "layer=raw"], {
      cwd,
    });
    expect(name.stdout.trim()).toBe("sales-raw-raw-dev-euw1");
    const show = await runCli(["config", "show", "--resource-type", "aws_s3_bucket", "--json"], { cwd });
    expect(JSON.parse(show.stdout).pattern.template).toBe(
      "{project}-{purpose}-{layer}-{environment}-{region_short}",
    );
  });

  it("an unknown region is rejected before anything is written", async () => {
    const cwd = tempProject();
    const r = await runCli(["config", "init", "--project", "sales", "--region", "mars-east-1"], { cwd });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("[UNKNOWN_REGION]");
    expect(existsSync(join(cwd, ".dpn"))).toBe(false);
  });
});

describe("bad input: typed error, offending value, hint, documented exit code, no stack trace", () => {
  const cases: {
    name: string;
    args: (cwd: string) => string[];
    setup?: (cwd: string) => void;
    code: number;
    expect: RegExp[];
  }[] = [
    {
      name: "malformed blueprint JSON, with line:column",
      setup: (cwd) => writeFileSync(join(cwd, "bp.json"), '{\n  "version": "1.0",\n  "metadata": {,\n}'),
      args: () => ["plan", "validate", "bp.json"],
      code: 3,
      expect: [/\[BLUEPRINT_JSON_INVALID\]/, /bp\.json:3:\d+/],
    },
    {
      name: "malformed YAML, with line:column",
      setup: (cwd) => {
        mkdirSync(join(cwd, ".dpn"));
        writeFileSync(join(cwd, ".dpn/naming-values.yaml"), "defaults:\n  project: [\n");
      },
      args: () => ["config", "validate"],
      code: 3,
      expect: [/\[CONFIG_INVALID\]/, /naming-values\.yaml:\d+:\d+/],
    },
    {
      name: "unknown blueprint key, with did-you-mean",
      setup: (cwd) => {
        const bp = JSON.parse(readFileSync(example("dev"), "utf8"));
        bp.resources.aws.s3_buckets[0].versoning = false;
        writeFileSync(join(cwd, "bp.json"), JSON.stringify(bp, null, 2));
      },
      args: () => ["plan", "validate", "bp.json"],
      code: 3,
      expect: [/\[BLUEPRINT_INVALID\]/, /versoning/, /[Dd]id you mean "versioning"/, /bp\.json:\d+:\d+/],
    },
    {
      name: "--override without =",
      args: () => ["plan", "preview", example("dev"), "--override", "environment"],
      code: 3,
      expect: [/\[OVERRIDE_INVALID\]/, /'environment'/, /hint:/],
    },
    {
      name: "unknown resource type",
      args: () => ["name", "aws_s3_bukcet", "--set", "project=p"],
      code: 3,
      expect: [/\[UNKNOWN_RESOURCE_TYPE\]/, /aws_s3_bukcet/, /aws_s3_bucket/],
    },
    {
      name: "region with no code",
      args: () => [
        "name",
        "aws_s3_bucket",
        "--set",
        "project=p",
        "--set",
        "purpose=r",
        "--set",
        "layer=raw",
        "--set",
        "environment=dev",
        "--set",
        "region=xx-nowhere-9",
      ],
      code: 3,
      expect: [/\[UNKNOWN_REGION\]/, /xx-nowhere-9/, /region_mapping/],
    },
    {
      name: "name over its limit",
      args: () => [
        "name",
        "aws_s3_bucket",
        "--set",
        "project=p",
        "--set",
        `purpose=${"x".repeat(70)}`,
        "--set",
        "layer=raw",
        "--set",
        "environment=dev",
        "--set",
        "region=us-east-1",
      ],
      code: 3,
      expect: [/\[NAME_TOO_LONG\]/, /limit is 63/, /truncate: hash/],
    },
    {
      name: "reserved S3 prefix",
      args: () => [
        "name",
        "aws_s3_bucket",
        "--set",
        "project=xn--p",
        "--set",
        "purpose=r",
        "--set",
        "layer=raw",
        "--set",
        "environment=dev",
        "--set",
        "region=us-east-1",
      ],
      code: 3,
      expect: [/\[NAME_INVALID\]/, /S3_RESERVED_PREFIX/],
    },
    {
      name: "reserved Unity Catalog schema",
      args: () => ["name", "dbx_schema", "--set", "domain=information", "--set", "layer=schema"],
      code: 3,
      expect: [/\[NAME_INVALID\]/, /information_schema/],
    },
    {
      name: "unknown command option (usage)",
      args: () => ["plan", "preview", example("dev"), "--formt", "json"],
      code: 2,
      expect: [/unknown option/],
    },
    {
      name: "missing blueprint file (usage)",
      args: () => ["plan", "preview", "nope.json"],
      code: 2,
      expect: [/\[BLUEPRINT_NOT_FOUND\]/, /nope\.json/],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const cwd = tempProject();
      c.setup?.(cwd);
      const before = readdirSync(cwd).sort();
      const r = await runCli(c.args(cwd), { cwd });
      expect(r.code, r.stderr).toBe(c.code);
      for (const re of c.expect) expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
      expect(r.stdout).toBe("");
      expect(readdirSync(cwd).sort()).toEqual(before); // nothing written
    });
  }

  it("DPN_DEBUG=1 adds the stack trace", async () => {
    const r = await runCli(["name", "aws_s3_bukcet"], { cwd: tempProject(), env: { DPN_DEBUG: "1" } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it("--json failures print one error document on stdout", async () => {
    const r = await runCli(["plan", "validate", "nope.json", "--json"], { cwd: tempProject() });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error).toMatchObject({ code: "BLUEPRINT_NOT_FOUND", kind: "usage", exit_code: 2 });
  });
});

describe("global flags", () => {
  it("--version prints the package version, the Node version and the platform on one line", async () => {
    const r = await runCli(["--version"], { cwd: tempProject() });
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `dpn ${pkg.version} (node ${process.version}, ${process.platform}-${process.arch})\n`,
    );
  });

  it("every command has --help with examples", async () => {
    for (const cmd of [
      ["config", "init"],
      ["plan", "preview"],
      ["name"],
      ["create"],
      ["recover"],
      ["audit"],
      ["tx", "list"],
    ]) {
      const r = await runCli([...cmd, "--help"], { cwd: tempProject() });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Examples:");
    }
  });

  it("--quiet drops informational lines; output carries no colour codes off a TTY", async () => {
    const cwd = tempProject();
    const r = await runCli(["--quiet", "plan", "init", "--env", "dev", "--project", "q"], {
      cwd,
      env: { NO_COLOR: undefined },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toContain("\u001b[");
  });
});
