/**
 * The caller's AbortSignal (Ctrl-C, a lost stack lock) stops retries only: it never cancels an
 * exchange in flight (a create could still land after we gave up on it) and never blocks a first
 * attempt (the rollback after an interrupt runs with the already aborted signal).
 */
import { afterEach, describe, expect, it } from "vitest";
import { fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import { ProviderError } from "../../core/errors.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("DatabricksClient and the caller's abort signal", () => {
  it("sends the first attempt even when the signal is already aborted (rollback after Ctrl-C)", async () => {
    const r = await fakeWithClient();
    fake = r.fake;
    const c = new AbortController();
    c.abort(new Error("received SIGINT"));
    await r.client.request("POST", "/api/2.1/unity-catalog/catalogs", {
      body: { name: "c1" },
      signal: c.signal,
    });
    expect(fake.state.catalogs.has("c1")).toBe(true);
    await r.client.request("DELETE", "/api/2.1/unity-catalog/catalogs/c1", {
      query: { force: true },
      signal: c.signal,
    });
    expect(fake.state.catalogs.has("c1")).toBe(false);
  });

  it("does not cancel an exchange in flight when the signal aborts: the create's answer is awaited", async () => {
    const r = await fakeWithClient();
    fake = r.fake;
    fake.faults.add({ route: "POST /api/2.1/unity-catalog/catalogs", latencyMs: 300 });
    const c = new AbortController();
    setTimeout(() => c.abort(new Error("received SIGINT")), 50);
    const created = await r.client.request<{ name: string }>("POST", "/api/2.1/unity-catalog/catalogs", {
      body: { name: "c2" },
      signal: c.signal,
    });
    expect(c.signal.aborted).toBe(true);
    expect(created.name).toBe("c2");
  });

  it("stops retrying once the signal is aborted and throws the last API error", async () => {
    const r = await fakeWithClient();
    fake = r.fake;
    fake.faults.add({
      route: "GET /api/2.1/unity-catalog/catalogs",
      status: 503,
      times: 5,
      body: { error_code: "TEMPORARILY_UNAVAILABLE", message: "try later" },
    });
    const c = new AbortController();
    c.abort(new Error("received SIGINT"));
    const err = await r.client
      .request("GET", "/api/2.1/unity-catalog/catalogs", { signal: c.signal })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toMatch(/TEMPORARILY_UNAVAILABLE|try later|503/);
    expect(fake.log.filter((l) => l.path === "/api/2.1/unity-catalog/catalogs")).toHaveLength(1);
  });
});
