/**
 * Proof (issue 13): S3 failures injected under a real `dpn create` — 412 on a conditional write,
 * a 500 the SDK retries, a 500 that persists past the retries, a response lost after the write
 * happened (a loopback proxy in front of moto) — at each kind of state write: the lock, the
 * transaction record, the first and a middle journal write, the last one. Afterwards (with
 * `dpn recover` when the run left work unfinished) the state agrees with the cloud: every object
 * of the stack has its row and every row its object, and no transaction is left open.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSandboxInventory } from "../../src/providers/sandbox/sandbox-provider.js";
import { type CliResult, describeResult, runCli, tempProject } from "../support/cli.js";
import { motoEnv, rawS3, uniqueName } from "../support/moto.js";
import { type S3FaultProxy, type S3FaultRule, startS3FaultProxy } from "../support/s3-fault-proxy.js";
import { DEV_BLUEPRINT } from "./sandbox-invariants.js";

const STACK = "dataplatform/dev";
const CREATE = ["create", "--blueprint", DEV_BLUEPRINT, "--target", "sandbox", "--yes"];

let proxy: S3FaultProxy;
beforeAll(async () => {
  proxy = await startS3FaultProxy();
});
afterAll(async () => {
  await proxy?.close();
});

interface Case {
  name: string;
  rule: (logWrites: number) => S3FaultRule;
}

const LOG = /\/log\/\d+\.json$/;
const LOCK = /\/lock\.json$/;
const put = (path: RegExp, offset: number, action: S3FaultRule["action"], status?: number, times = 1) =>
  ({
    method: "PUT",
    path,
    offset,
    action,
    times,
    ...(status ? { status, code: status === 412 ? "PreconditionFailed" : "InternalError" } : {}),
  }) as S3FaultRule;

const CASES: Case[] = [
  { name: "lost response of the lock acquire", rule: () => put(LOCK, 0, "drop") },
  { name: "lost response of the transaction record", rule: () => put(LOG, 0, "drop") },
  { name: "lost response of the first intent", rule: () => put(LOG, 1, "drop") },
  { name: "lost response of a middle journal write", rule: (n) => put(LOG, Math.floor(n / 2), "drop") },
  { name: "lost response of the last state write", rule: (n) => put(LOG, n - 1, "drop") },
  { name: "412 on the first intent", rule: () => put(LOG, 1, "error", 412) },
  { name: "412 on a middle journal write", rule: (n) => put(LOG, Math.floor(n / 2), "error", 412) },
  { name: "500 (retried) on a middle journal write", rule: (n) => put(LOG, Math.floor(n / 2), "error", 500) },
  { name: "500 past the retries on the first intent", rule: () => put(LOG, 1, "error", 500, 10) },
  { name: "500 past the retries mid-run", rule: (n) => put(LOG, Math.floor(n / 2), "error", 500, 10) },
  { name: "500 past the retries on the last state write", rule: (n) => put(LOG, n - 1, "error", 500, 10) },
];

async function folder(): Promise<{ dir: string; sandbox: string; env: Record<string, string> }> {
  const bucket = uniqueName("dpn-faults");
  const s3 = rawS3("us-east-1");
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    s3.destroy();
  }
  const dir = tempProject();
  mkdirSync(join(dir, "cloud"));
  const sandbox = join(dir, "cloud", "sandbox.db");
  const env = Object.fromEntries(
    Object.entries(motoEnv({ AWS_ENDPOINT_URL: proxy.url })).filter((kv): kv is [string, string] =>
      Boolean(kv[1]),
    ),
  );
  return { dir, sandbox, env: { ...env, DPN_STATE: `s3://${bucket}/dpn`, DPN_SANDBOX_DB: sandbox } };
}

/** Rows of the stack against its objects in the sandbox; no transaction left open. */
async function agreement(f: {
  dir: string;
  sandbox: string;
  env: Record<string, string>;
}): Promise<string[]> {
  const list = await runCli(["list", "--json"], { cwd: f.dir, env: f.env });
  expect(list.code, describeResult(list)).toBe(0);
  const rows = (JSON.parse(list.stdout).resources as { address: string }[]).map((r) => r.address).sort();
  const objects = openSandboxInventory(f.sandbox)
    .filter((o) => o.ownership?.stackId === STACK)
    .map((o) => o.ownership?.address ?? "")
    .sort();
  const txs = await runCli(["tx", "list", "--json"], { cwd: f.dir, env: f.env });
  const open = (JSON.parse(txs.stdout).transactions as { id: string; status: string }[]).filter((t) =>
    ["running", "interrupted"].includes(t.status),
  );
  const problems: string[] = [];
  if (JSON.stringify(rows) !== JSON.stringify(objects))
    problems.push(`rows ${JSON.stringify(rows)} != objects ${JSON.stringify(objects)}`);
  for (const t of open) problems.push(`transaction ${t.id} is ${t.status}`);
  return problems;
}

describe("S3 state failures under dpn create leave the state consistent with the cloud", () => {
  let logWrites = 0;
  it("a clean run: how many log writes a create makes (the positions the cases aim at)", async () => {
    const f = await folder();
    proxy.clear();
    const r = await runCli(CREATE, { cwd: f.dir, env: f.env });
    expect(r.code, describeResult(r)).toBe(0);
    logWrites = proxy.log.filter((l) => l.call.startsWith("PUT") && /\/log\/\d+\.json/.test(l.call)).length;
    // 15 resources: the transaction record, the intents and settlements in group-committed waves, the finish
    expect(logWrites).toBeGreaterThan(6);
    expect(await agreement(f)).toEqual([]);
  }, 60_000);

  it.each(CASES)(
    "$name",
    async ({ rule }) => {
      expect(logWrites).toBeGreaterThan(0);
      const f = await folder();
      proxy.clear();
      proxy.add(rule(logWrites));
      const r: CliResult = await runCli(CREATE, { cwd: f.dir, env: f.env });
      const fired = proxy.fired();
      proxy.clear();
      expect(fired, describeResult(r)).toBeGreaterThanOrEqual(1);
      // a typed outcome, never a crash: done, rolled back, or a state error
      expect([0, 6, 7, 8], describeResult(r)).toContain(r.code);
      if (r.code !== 0) expect(r.stderr).toMatch(/error \[[A-Z_]+\]/);
      const rec = await runCli(["recover", "--target", "sandbox", "--yes"], { cwd: f.dir, env: f.env });
      expect(rec.code, describeResult(rec)).toBe(0);
      expect(await agreement(f)).toEqual([]);
      // and the next run converges
      const again = await runCli(CREATE, { cwd: f.dir, env: f.env });
      expect(again.code, describeResult(again)).toBe(0);
      expect(await agreement(f)).toEqual([]);
    },
    90_000,
  );
});
