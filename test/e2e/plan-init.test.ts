/**
 * `dpn plan init` under a convention and from an installed package: the starter takes project,
 * environment, region and team from .dpn/naming-values.yaml (flags still win), and its `$schema`
 * is a path that resolves to the schema the running package ships.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DPN_BIN, describeResult, REPO_ROOT, runCli, tempProject } from "../support/cli.js";

function readBlueprint(file: string): {
  $schema: string;
  metadata: Record<string, string>;
} {
  return JSON.parse(readFileSync(file, "utf8"));
}

/** The schema file a blueprint's `$schema` points at, resolved as an editor does: from the blueprint's folder. */
function schemaTarget(file: string): string {
  return resolve(dirname(file), readBlueprint(file).$schema);
}

describe("dpn plan init", () => {
  it("takes project, environment, region and team from the convention it runs under", async () => {
    const cwd = tempProject();
    const config = await runCli(
      ["config", "init", "--project", "sales", "--team", "data", "--region", "eu-west-1"],
      { cwd },
    );
    expect(config.code, describeResult(config)).toBe(0);
    const init = await runCli(["plan", "init"], { cwd });
    expect(init.code, describeResult(init)).toBe(0);
    const { metadata } = readBlueprint(join(cwd, "blueprints/dev.json"));
    expect(metadata).toMatchObject({
      project: "sales",
      environment: "dev",
      region: "eu-west-1",
      team: "data",
    });

    const flags = await runCli(["plan", "init", "--env", "prd", "--region", "us-west-2"], { cwd });
    expect(flags.code, describeResult(flags)).toBe(0);
    expect(readBlueprint(join(cwd, "blueprints/prd.json")).metadata).toMatchObject({
      project: "sales",
      environment: "prd",
      region: "us-west-2",
      team: "data",
    });
  });

  it("without a convention needs --project, and writes nothing", async () => {
    const cwd = tempProject();
    const r = await runCli(["plan", "init", "--env", "dev"], { cwd });
    expect(r.code, describeResult(r)).toBe(2);
    expect(r.stderr).toContain("[OPTION_REQUIRED]");
    expect(r.stderr).toContain("--project");
    expect(existsSync(join(cwd, "blueprints"))).toBe(false);
  });

  it("writes a $schema that resolves to the running package's blueprint schema", async () => {
    const cwd = tempProject();
    const r = await runCli(["plan", "init", "--env", "dev", "--project", "p", "--output", "a/b/dev.json"], {
      cwd,
    });
    expect(r.code, describeResult(r)).toBe(0);
    const target = schemaTarget(join(cwd, "a/b/dev.json"));
    expect(target).toBe(join(dirname(dirname(dirname(DPN_BIN))), "schemas/blueprint.schema.json"));
    expect(readFileSync(target, "utf8")).toBe(
      readFileSync(join(REPO_ROOT, "schemas/blueprint.schema.json"), "utf8"),
    );
  });

  it("from a package installed under node_modules/ points into node_modules/", () => {
    // What the bin needs at run time, laid out as npm installs it; dependencies come from this checkout.
    const project = tempProject();
    const pkgDir = join(project, "node_modules/data-platform-naming");
    const built = dirname(dirname(DPN_BIN));
    mkdirSync(pkgDir, { recursive: true });
    for (const d of ["bin", "generated"])
      cpSync(join(built, d), join(pkgDir, "dist", d), { recursive: true });
    cpSync(join(REPO_ROOT, "schemas"), join(pkgDir, "schemas"), { recursive: true });
    cpSync(join(REPO_ROOT, "package.json"), join(pkgDir, "package.json"));
    symlinkSync(join(REPO_ROOT, "node_modules"), join(pkgDir, "node_modules"));

    const r = spawnSync(
      process.execPath,
      [join(pkgDir, "dist/bin/dpn.mjs"), "plan", "init", "--env", "dev", "--project", "p"],
      { cwd: project, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
    );
    expect(r.status, r.stderr).toBe(0);
    const file = join(project, "blueprints/dev.json");
    expect(readBlueprint(file).$schema).toBe(
      "../node_modules/data-platform-naming/schemas/blueprint.schema.json",
    );
    expect(existsSync(schemaTarget(file))).toBe(true);
  });
});
