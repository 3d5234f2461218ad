/**
 * Several dpn processes on one sandbox file: real child processes (the sandbox module bundled to
 * plain JS with rolldown, which vitest itself runs on), killed with SIGKILL or racing each other.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandboxRegistry, openSandboxInventory } from "./sandbox-provider.js";
import * as kit from "./sandbox-test-kit.js";

const CHILD = `
import { createSandboxRegistry } from "./sandbox.mjs";
const [mode, dbPath, who, count] = process.argv.slice(2);
const reg = createSandboxRegistry({ dbPath, faults: mode === "slow" ? { latencyMs: 20 } : {} });
const ctx = { stackId: "s-" + who, txId: "t", actor: who, resolveRef: () => undefined };
const catalog = (name) => ({ type: "dbx_catalog", address: "dbx_catalog." + name, name, fullName: name,
  properties: { comment: who }, tags: {}, dependencies: [], source: "$" });
const cluster = { type: "dbx_cluster", address: "dbx_cluster.c", name: "c", fullName: "c", tags: {}, dependencies: [], source: "$",
  properties: { spark_version: "16.4.x-scala2.12", node_type_id: "i3.xlarge", num_workers: 1, autotermination_minutes: 0,
    cluster_type: "job", data_security_mode: "SINGLE_USER" } };
if (mode === "jobs") {
  const c = await reg.get("dbx_cluster").create(cluster, ctx);
  const job = { type: "dbx_job", address: "dbx_job.j", name: "j", fullName: "j", tags: {}, dependencies: [], source: "$",
    properties: { cluster_ref: c.remoteId, tasks: [{ task_key: "a" }], max_concurrent_runs: 1 } };
  await Promise.all(Array.from({ length: Number(count) }, () => reg.get("dbx_job").create(job, ctx)));
} else {
  for (let i = 0; i < Number(count); i++) {
    await reg.get("dbx_catalog").create(catalog(who + "_" + i), ctx);
    process.stdout.write("done " + i + "\\n");
  }
}
await reg.close();
`;

describe("sandbox shared by several processes", () => {
  let t: ReturnType<typeof kit.tempSandbox>;
  let script: string;

  beforeAll(async () => {
    t = kit.tempSandbox();
    const { rolldown } = await import("rolldown");
    const bundle = await rolldown({
      input: join(import.meta.dirname, "sandbox-provider.ts"),
      external: ["better-sqlite3", /^node:/],
      platform: "node",
    });
    const out = await bundle.generate({ format: "esm" });
    const sqlite = pathToFileURL(createRequire(import.meta.url).resolve("better-sqlite3")).href;
    const code = (out.output[0]?.code ?? "").replace(
      /from "better-sqlite3"/g,
      `from ${JSON.stringify(sqlite)}`,
    );
    writeFileSync(join(t.dir, "sandbox.mjs"), code);
    script = join(t.dir, "child.mjs");
    writeFileSync(script, CHILD);
  });
  afterAll(() => t.cleanup());

  const child = (...args: string[]): ChildProcess =>
    spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const exit = (p: ChildProcess) =>
    new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
      let stderr = "";
      p.stderr?.on("data", (d) => {
        stderr += String(d);
      });
      p.on("exit", (code, signal) => resolve({ code, signal, stderr }));
    });

  it("every call that returned before a SIGKILL stays applied", async () => {
    const dbPath = join(t.dir, "killed.db");
    const p = child("slow", dbPath, "k", "200");
    const done = exit(p);
    const reported = await new Promise<number>((resolve) => {
      let last = -1;
      p.stdout?.on("data", (d: Buffer) => {
        for (const line of String(d).split("\n")) {
          const m = /^done (\d+)$/.exec(line);
          if (m) last = Number(m[1]);
        }
        if (last >= 4) {
          p.kill("SIGKILL");
          resolve(last);
        }
      });
    });
    expect((await done).signal).toBe("SIGKILL");
    const names = openSandboxInventory(dbPath).map((o) => o.name);
    for (let i = 0; i <= reported; i++) expect(names).toContain(`k_${i}`);
    // at most the one call in flight at the kill may have landed too, and nothing half-written
    expect(names.length === reported + 1 || names.length === reported + 2).toBe(true);
    // a restarted process carries on with the same file
    const reg = createSandboxRegistry({ dbPath });
    try {
      const e = await kit.rejection(reg.get("dbx_catalog").create(kit.catalog("k_0"), kit.ctx()));
      expect(e).toMatchObject({ category: "conflict" });
      await reg.get("dbx_catalog").create(kit.catalog("after_restart"), kit.ctx());
    } finally {
      await reg.close();
    }
  });

  it("two processes writing at once neither lose writes nor hand out the same id", async () => {
    const dbPath = join(t.dir, "shared.db");
    const runs = await Promise.all([
      exit(child("jobs", dbPath, "a", "25")),
      exit(child("jobs", dbPath, "b", "25")),
      exit(child("fast", dbPath, "c", "25")),
    ]);
    for (const r of runs) expect(r).toMatchObject({ code: 0, stderr: "" });
    const inv = openSandboxInventory(dbPath);
    const jobs = inv.filter((o) => o.type === "dbx_job");
    expect(jobs).toHaveLength(50);
    expect(new Set(jobs.map((j) => j.remoteId)).size).toBe(50);
    expect(inv.filter((o) => o.type === "dbx_cluster")).toHaveLength(2);
    expect(inv.filter((o) => o.type === "dbx_catalog")).toHaveLength(25);
  });
});
