/**
 * `dpn status` and `dpn list` without a stack choice show every stack of the state (the README's
 * quick start leaves two: dev committed, stg rolled back), and `dpn status --detailed-exitcode`
 * exits 10 while a stack has unfinished work, 0 when every stack is clean.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type CliResult, describeResult, REPO_ROOT, runCli, tempProject } from "../support/cli.js";

const DEV = join(REPO_ROOT, "examples/blueprints/dev.json");
const STG = join(REPO_ROOT, "examples/blueprints/stg.json");
let dir: string;
const dpn = (args: string[], env: Record<string, string> = {}) =>
  runCli([...args], { cwd: dir, env: { DPN_TARGET: "sandbox", ...env } });
const json = (r: CliResult) => {
  expect(r.code, describeResult(r)).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  dir = tempProject("dpn-stacks-");
  expect((await dpn(["create", "--blueprint", DEV, "--yes"])).code).toBe(0);
  // the quick start's failing run: rolled back, its (empty) stack stays in the state
  expect((await dpn(["create", "--blueprint", STG, "--yes"], { DPN_SANDBOX_FAIL_AFTER: "5" })).code).toBe(6);
}, 60_000);

describe("commands over every stack", () => {
  it("status and list without a choice show both stacks; with a choice, the chosen one's document", async () => {
    const st = json(await dpn(["status", "--no-drift", "--json"]));
    expect(st.stacks.map((s: { stack: { id: string } }) => s.stack.id)).toEqual([
      "dataplatform/dev",
      "dataplatform/stg",
    ]);
    expect(st.stacks[0].resources.total).toBe(15);
    const text = await dpn(["status", "--no-drift"]);
    expect(text.code, describeResult(text)).toBe(0);
    expect(text.stdout).toMatch(/stack +dataplatform\/dev[\s\S]*stack +dataplatform\/stg/);

    const one = json(await dpn(["status", "--no-drift", "--json", "--blueprint", DEV]));
    expect(one.stack.id).toBe("dataplatform/dev");
    const ls = json(await dpn(["list", "--json"]));
    expect(ls.total).toBe(15);
    expect(ls.stacks.map((s: { total: number }) => s.total)).toEqual([15, 0]);
    expect(json(await dpn(["list", "--json", "--project", "dataplatform", "--env", "dev"])).total).toBe(15);
  });

  it("--detailed-exitcode: 0 when every stack is clean, 10 while one has an unfinished transaction", async () => {
    const clean = await dpn(["status", "--detailed-exitcode"]);
    expect(clean.code, describeResult(clean)).toBe(0);
    const killed = await dpn(["create", "--blueprint", STG, "--yes"], { DPN_CRASH_AT: "after-intent:3" });
    expect(killed.signal).toBe("SIGKILL");
    const pending = await dpn(["status", "--detailed-exitcode", "--no-drift"]);
    expect(pending.code, describeResult(pending)).toBe(10);
    expect(pending.stderr).toMatch(/unfinished transactions need `dpn recover`/);
    // without the flag status reports and exits 0
    expect((await dpn(["status", "--no-drift"])).code).toBe(0);
    expect((await dpn(["recover"])).code).toBe(0);
    expect((await dpn(["status", "--detailed-exitcode"])).code).toBe(0);
  });
});
