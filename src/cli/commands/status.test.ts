/**
 * `dpn status --detailed-exitcode` on the sandbox: 0 on a clean stack, 10 (changes pending) when
 * a resource drifted or a transaction is unfinished; without the flag always 0.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createStack } from "../../app/create-stack.js";
import { loadResolvedBlueprint } from "../../blueprint/validate.js";
import { appContext } from "../../compose/compose.js";
import { loadConvention } from "../../config/load-convention.js";
import { ExitCode } from "../../core/errors.js";
import { SandboxStore } from "../../providers/sandbox/sandbox-store.js";
import type { CliContext } from "../context.js";
import { Output } from "../output.js";
import { statusCommand } from "./status.js";

const BLUEPRINT = join(import.meta.dirname, "../../../examples/blueprints/dev.json");

function cliContext(home: string): { ctx: CliContext; stdout: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  const ctx: CliContext = {
    out: new Output({
      color: false,
      quiet: true,
      verbose: false,
      json: true,
      stdout: out,
      stderr: new PassThrough(),
    }),
    env: { DPN_HOME: home },
    cwd: home,
    interactive: false,
    stderrTTY: false,
    debug: false,
    commandLine: "dpn status",
  };
  return { ctx, stdout: () => Buffer.concat(chunks).toString("utf8") };
}

async function createdStack(): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), "dpn-status-"));
  const app = appContext({ cwd: home, env: { DPN_HOME: home } }, { confirm: async () => {} });
  const resolved = loadResolvedBlueprint(BLUEPRINT, loadConvention({ cwd: home }));
  const r = await createStack(app, { resolved, target: "sandbox" });
  expect(r.kind).toBe("applied");
  return home;
}

const status = async (home: string, o: { detailedExitcode?: boolean; drift?: boolean } = {}) => {
  const { ctx, stdout } = cliContext(home);
  const code = await statusCommand(ctx, { target: "sandbox", drift: o.drift ?? true, ...o, json: true });
  return {
    code,
    doc: JSON.parse(stdout()) as { drift: { count?: number }; unfinished_transactions: unknown[] },
  };
};

describe("dpn status --detailed-exitcode", () => {
  it("exits 0 on a clean stack and 10 once a resource drifted; 0 without the flag", async () => {
    const home = await createdStack();
    expect((await status(home, { detailedExitcode: true })).code).toBe(ExitCode.OK);

    // delete a bucket behind dpn's back: status counts it as drift
    const sandbox = SandboxStore.open(join(home, "sandbox.db"));
    const bucket = sandbox.ofType("aws_s3_bucket")[0];
    if (!bucket) throw new Error("the dev blueprint created no bucket");
    sandbox.remove("aws_s3_bucket", bucket.remoteId);
    sandbox.close();

    const drifted = await status(home, { detailedExitcode: true });
    expect(drifted.doc.drift.count).toBe(1);
    expect(drifted.code).toBe(ExitCode.CHANGES_PENDING);
    expect((await status(home)).code).toBe(ExitCode.OK);
    // --no-drift does not look, so it cannot see the drift
    expect((await status(home, { detailedExitcode: true, drift: false })).code).toBe(ExitCode.OK);
  });

  it("exits 10 while a transaction is unfinished, even with --no-drift", async () => {
    const home = await createdStack();
    const app = appContext({ cwd: home, env: { DPN_HOME: home } });
    const store = await app.openState({ readonly: false });
    const [stack] = await store.listStacks();
    if (!stack) throw new Error("no stack");
    await store.beginTransaction(
      {
        id: "tx_unfinished",
        stackId: stack.id,
        kind: "create",
        target: "sandbox",
        actor: "test",
        command: "status.test",
        pid: process.pid,
        host: "test",
      },
      { version: 1, stackId: stack.id, desired: [] },
    );
    await store.close();

    const r = await status(home, { detailedExitcode: true, drift: false });
    expect(r.doc.unfinished_transactions).toHaveLength(1);
    expect(r.code).toBe(ExitCode.CHANGES_PENDING);
    expect((await status(home, { drift: false })).code).toBe(ExitCode.OK);
  });
});
