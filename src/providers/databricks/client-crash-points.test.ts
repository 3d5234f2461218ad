/**
 * The client reaches the `remote-call` crash point after every HTTP exchange made inside a
 * journaled step — each attempt, answered or failed — so the kill-point tests get a point between
 * every pair of remote calls. crash-points.ts reads DPN_CRASH_TRACE at module load, so the modules
 * are loaded afresh with the variable set.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  delete process.env.DPN_CRASH_TRACE;
  vi.resetModules();
});

describe("remote-call crash points", () => {
  it("one point per attempt inside a step (429 then 200, a dropped socket), none outside", async () => {
    const trace = join(mkdtempSync(join(tmpdir(), "dpn-trace-")), "trace.jsonl");
    process.env.DPN_CRASH_TRACE = trace;
    vi.resetModules();
    const { inStep } = await import("../../core/crash-points.js");
    const { fakeWithClient } = await import("../../../test/fakes/databricks/harness.js");
    const r = await fakeWithClient();
    fake = r.fake;
    const client = r.client;

    await client.request("GET", "/api/2.1/clusters/list"); // planning read: not a step
    r.fake.faults.rateLimitBurst("GET /api/2.1/clusters/list", 1, 0);
    r.fake.faults.add({ route: "POST /api/2.1/clusters/delete", destroySocket: true });
    await inStep({ address: "dbx_cluster.x", action: "delete", phase: "forward" }, async () => {
      await client.request("GET", "/api/2.1/clusters/list"); // 429, then 200: two exchanges
      await client
        .request("POST", "/api/2.1/clusters/delete", { body: { cluster_id: "nope" }, idempotent: true })
        .catch(() => undefined); // socket destroyed, then a retried 400
    });

    const lines = readFileSync(trace, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { label: string; n: number; call: string; step?: { address: string } });
    expect(lines.map((l) => l.call)).toEqual([
      "GET /api/2.1/clusters/list",
      "GET /api/2.1/clusters/list",
      "POST /api/2.1/clusters/delete",
      "POST /api/2.1/clusters/delete",
    ]);
    expect(lines.every((l) => l.label === "remote-call" && l.step?.address === "dbx_cluster.x")).toBe(true);
    expect(lines.map((l) => l.n)).toEqual([1, 2, 3, 4]);
  });
});
