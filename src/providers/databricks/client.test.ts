import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, emptyHome, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import { type DatabricksFake, startDatabricksFake } from "../../../test/fakes/databricks/server.js";
import { type DpnError, ProviderError } from "../../core/errors.js";
import { TokenBucket } from "../../core/token-bucket.js";
import { DatabricksClient } from "./client.js";
import { resolveDatabricksConfig } from "./config.js";
import { isNotFound, parseErrorBody, toProviderError } from "./errors.js";
import { createDatabricksProviders, databricksClientFromEnv } from "./index.js";
import { parseJsonWithInt64, stringifyJsonWithInt64 } from "./int64-json.js";

let fakes: DatabricksFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
});
async function start(opts = {}) {
  const f = await startDatabricksFake(opts);
  fakes.push(f);
  return f;
}

describe("config resolution", () => {
  const cfgFile = (text: string) => {
    const home = emptyHome();
    writeFileSync(join(home, ".databrickscfg"), text);
    return home;
  };

  it("normalises hosts and keeps ports; rejects plain http without a port", () => {
    const r = resolveDatabricksConfig({
      env: { DATABRICKS_HOST: "dbc-1.cloud.databricks.com/", DATABRICKS_TOKEN: "t" },
      homeDir: emptyHome(),
    });
    expect(r.host).toBe("https://dbc-1.cloud.databricks.com");
    expect(r.rateLimit).toBe(15);
    expect(
      resolveDatabricksConfig({
        env: { DATABRICKS_HOST: "http://127.0.0.1:8123", DATABRICKS_TOKEN: "t" },
        homeDir: emptyHome(),
      }).host,
    ).toBe("http://127.0.0.1:8123");
    expect(() =>
      resolveDatabricksConfig({
        env: { DATABRICKS_HOST: "http://example.com", DATABRICKS_TOKEN: "t" },
        homeDir: emptyHome(),
      }),
    ).toThrow(/must use https/);
  });

  it("missing host / credentials are auth errors (exit 4) with a hint", () => {
    const e1 = (() => {
      try {
        resolveDatabricksConfig({ env: {}, homeDir: emptyHome() });
      } catch (e) {
        return e as DpnError;
      }
    })();
    expect(e1).toMatchObject({ code: "DBX_HOST_MISSING", exitCode: 4 });
    expect(e1?.hint).toMatch(/DATABRICKS_HOST/);
    expect(() =>
      resolveDatabricksConfig({ env: { DATABRICKS_HOST: "https://h" }, homeDir: emptyHome() }),
    ).toThrow(expect.objectContaining({ code: "DBX_CREDENTIALS_MISSING", exitCode: 4 }));
  });

  it("profile file fills only unset fields; explicit > env > file", () => {
    const home = cfgFile(
      "[DEFAULT]\nhost = https://default.example\ntoken = dapi-file\nwarehouse_id = wh-file\n\n[dev]\nhost = https://dev.example\ntoken = dapi-dev\nrate_limit = 7\n",
    );
    const a = resolveDatabricksConfig({ env: {}, homeDir: home });
    expect(a).toMatchObject({
      host: "https://default.example",
      auth: { type: "pat", token: "dapi-file" },
      warehouseId: "wh-file",
      profile: "DEFAULT",
    });
    const b = resolveDatabricksConfig({
      env: { DATABRICKS_CONFIG_PROFILE: "dev", DATABRICKS_HOST: "https://env.example" },
      homeDir: home,
    });
    expect(b).toMatchObject({
      host: "https://env.example",
      auth: { token: "dapi-dev" },
      rateLimit: 7,
      profile: "dev",
    });
    const c = resolveDatabricksConfig({
      env: { DATABRICKS_CONFIG_PROFILE: "dev", DATABRICKS_TOKEN: "dapi-env" },
      options: { profile: "DEFAULT", token: "dapi-opt" },
      homeDir: home,
    });
    expect(c).toMatchObject({ host: "https://default.example", auth: { token: "dapi-opt" } });
    expect(() => resolveDatabricksConfig({ env: {}, options: { profile: "nope" }, homeDir: home })).toThrow(
      expect.objectContaining({ code: "DBX_PROFILE_NOT_FOUND" }),
    );
    const other = join(emptyHome(), "cfg");
    writeFileSync(other, "[x]\nhost=https://x.example\ntoken=t\n");
    expect(
      resolveDatabricksConfig({
        env: { DATABRICKS_CONFIG_FILE: other, DATABRICKS_CONFIG_PROFILE: "x" },
        homeDir: home,
      }).host,
    ).toBe("https://x.example");
  });

  it("two auth methods → 'more than one authorization method configured', without secrets in the message", () => {
    const home = cfgFile("[DEFAULT]\nhost = https://h.example\nclient_id = cid\nclient_secret = s3cret\n");
    let err: DpnError | undefined;
    try {
      resolveDatabricksConfig({ env: { DATABRICKS_TOKEN: "dapi-secret-token" }, homeDir: home });
    } catch (e) {
      err = e as DpnError;
    }
    expect(err?.message).toMatch(/more than one authorization method configured/);
    expect(err?.exitCode).toBe(4);
    expect(err?.hint).toMatch(/token from env DATABRICKS_TOKEN, client_id from profile DEFAULT/);
    expect(JSON.stringify(err?.toJSON())).not.toMatch(/dapi-secret-token|s3cret/);
    // DATABRICKS_AUTH_TYPE picks one.
    expect(
      resolveDatabricksConfig({
        env: { DATABRICKS_TOKEN: "t", DATABRICKS_AUTH_TYPE: "oauth-m2m" },
        homeDir: home,
      }).auth.type,
    ).toBe("oauth-m2m");
  });
});

describe("auth over HTTP", () => {
  it("PAT: bearer header accepted; a wrong token is an auth ProviderError without the token", async () => {
    const f = await start();
    const ok = databricksClientFromEnv({
      env: { DATABRICKS_HOST: f.url, DATABRICKS_TOKEN: f.token },
      homeDir: emptyHome(),
    });
    expect(await ok.request("GET", "/api/2.1/unity-catalog/catalogs")).toEqual({ catalogs: [] });
    const bad = databricksClientFromEnv({
      env: { DATABRICKS_HOST: f.url, DATABRICKS_TOKEN: "dapi-wrong-secret" },
      homeDir: emptyHome(),
    });
    const err = (await bad
      .request("GET", "/api/2.1/unity-catalog/catalogs")
      .catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ category: "auth", exitCode: 4 });
    expect(JSON.stringify({ m: err.message, d: err.details, h: err.hint })).not.toContain(
      "dapi-wrong-secret",
    );
    expect(f.log.every((r) => !JSON.stringify(r).includes(f.token))).toBe(true);
  });

  it("OAuth M2M: discovery, Basic client auth, cached token, refresh before expiry", async () => {
    const f = await start({ oauthClients: { "sp-1": "sec:ret/+" }, oauthTokenTtlSec: 1 });
    const client = databricksClientFromEnv({
      env: { DATABRICKS_HOST: f.url, DATABRICKS_CLIENT_ID: "sp-1", DATABRICKS_CLIENT_SECRET: "sec:ret/+" },
      homeDir: emptyHome(),
    });
    await client.request("GET", "/api/2.1/unity-catalog/catalogs");
    await client.request("GET", "/api/2.1/unity-catalog/catalogs");
    expect(f.state.issuedTokens).toBe(1);
    expect(f.log.map((r) => r.path).slice(0, 2)).toEqual([
      "/oidc/.well-known/oauth-authorization-server",
      "/oidc/v1/token",
    ]);
    expect(f.log.find((r) => r.path === "/oidc/v1/token")?.auth).toBe("basic");
    await new Promise((r) => setTimeout(r, 1100));
    await client.request("GET", "/api/2.1/unity-catalog/catalogs");
    expect(f.state.issuedTokens).toBe(2);
    expect(f.log.filter((r) => r.status === 401)).toHaveLength(0);
  });

  it("OAuth M2M: a token that expired server-side is replaced after one 401", async () => {
    const f = await start({ oauthClients: { sp: "s" }, oauthTokenTtlSec: 3600 });
    const client = databricksClientFromEnv({
      env: { DATABRICKS_HOST: f.url, DATABRICKS_CLIENT_ID: "sp", DATABRICKS_CLIENT_SECRET: "s" },
      homeDir: emptyHome(),
    });
    await client.request("GET", "/api/2.1/unity-catalog/catalogs");
    f.faults.add({
      route: "GET /api/2.1/unity-catalog/catalogs",
      status: 401,
      body: { error_code: "UNAUTHENTICATED", message: "Token expired" },
    });
    await client.request("GET", "/api/2.1/unity-catalog/catalogs");
    expect(f.state.issuedTokens).toBe(2);
  });

  it("OAuth M2M: wrong secret → DpnError auth (exit 4)", async () => {
    const f = await start({ oauthClients: { sp: "right" } });
    const client = databricksClientFromEnv({
      env: { DATABRICKS_HOST: f.url, DATABRICKS_CLIENT_ID: "sp", DATABRICKS_CLIENT_SECRET: "wrong-secret" },
      homeDir: emptyHome(),
    });
    const err = (await client
      .request("GET", "/api/2.1/unity-catalog/catalogs")
      .catch((e: unknown) => e)) as DpnError;
    expect(err).toMatchObject({ code: "DBX_OAUTH_FAILED", exitCode: 4 });
    expect(err.message).not.toContain("wrong-secret");
  });

  it("profile file auth against the fake, selected by the profile option", async () => {
    const f = await start();
    const home = emptyHome();
    writeFileSync(
      join(home, ".databrickscfg"),
      `[DEFAULT]\nhost = https://unused.example\ntoken = nope\n\n[fake]\nhost = ${f.url}\ntoken = ${f.token}\n`,
    );
    const client = databricksClientFromEnv({ env: {}, profile: "fake", homeDir: home });
    expect(await client.request("GET", "/api/2.1/unity-catalog/catalogs")).toEqual({ catalogs: [] });
  });
});

describe("errors, retries and rate limit", () => {
  it("parses every error body shape and all not-found spellings", () => {
    expect(
      parseErrorBody(
        404,
        '{"error_code":"CATALOG_DOES_NOT_EXIST","message":"Catalog \'x\' does not exist."}',
      ),
    ).toMatchObject({ errorCode: "CATALOG_DOES_NOT_EXIST" });
    expect(parseErrorBody(400, '{"error":"legacy thing"}').message).toBe("legacy thing");
    expect(parseErrorBody(403, '{"detail":"no","status":"403","scimType":"invalidValue"}')).toMatchObject({
      message: "no",
      errorCode: "invalidValue",
    });
    expect(parseErrorBody(400, "INVALID_STATE: cluster busy")).toMatchObject({
      errorCode: "INVALID_STATE",
      message: "cluster busy",
    });
    expect(parseErrorBody(502, "<html><pre>bad gateway here</pre></html>").message).toBe("bad gateway here");
    expect(parseErrorBody(503, "").message).toBe("Service Unavailable");
    expect(parseErrorBody(400, '{"error_code":123,"message":"m"}').errorCode).toBe("123");
    expect(
      parseErrorBody(
        429,
        '{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retry_delay":"1.5s"}]}',
      ).retryAfterMs,
    ).toBe(1500);
    expect(
      isNotFound(
        parseErrorBody(400, '{"error_code":"INVALID_PARAMETER_VALUE","message":"Cluster 1 does not exist"}'),
      ),
    ).toBe(true);
    expect(
      isNotFound(parseErrorBody(400, '{"error_code":"INVALID_PARAMETER_VALUE","message":"bad value"}')),
    ).toBe(false);
    expect(isNotFound(parseErrorBody(404, '{"message":"Job 123 does not exist."}'))).toBe(true);
    const cats = [
      [409, "SCHEMA_ALREADY_EXISTS", "conflict"],
      [400, "SCHEMA_NOT_EMPTY", "conflict"],
      [429, "REQUEST_LIMIT_EXCEEDED", "throttled"],
      [403, "PERMISSION_DENIED", "auth"],
      [503, "TEMPORARILY_UNAVAILABLE", "unavailable"],
      [400, "INVALID_PARAMETER_VALUE", "invalid_input"],
      [500, "INTERNAL_ERROR", "internal"],
    ] as const;
    for (const [s, code, cat] of cats) {
      expect(
        toProviderError(parseErrorBody(s, JSON.stringify({ error_code: code, message: "m" })), {
          method: "GET",
          path: "/x",
        }).category,
      ).toBe(cat);
    }
  });

  it("int64 ids survive parse and stringify exactly, string contents untouched", () => {
    const text =
      '{"job_id": 9007199254740993, "settings": {"name": "{\\"job_id\\": 5}"}, "jobs":[{"job_id":18446744073709551615}]}';
    const v = parseJsonWithInt64(text) as {
      job_id: string;
      settings: { name: string };
      jobs: { job_id: string }[];
    };
    expect(v.job_id).toBe("9007199254740993");
    expect(v.jobs[0]?.job_id).toBe("18446744073709551615");
    expect(v.settings.name).toBe('{"job_id": 5}');
    expect(stringifyJsonWithInt64({ job_id: "9007199254740993", name: ',"job_id":"1"' })).toBe(
      '{"job_id":9007199254740993,"name":",\\"job_id\\":\\"1\\""}',
    );
  });

  it("429 with Retry-After waits as told and then succeeds; 503 is retried too", async () => {
    const { fake, client } = await fakeWithClient();
    fakes.push(fake);
    fake.faults.rateLimitBurst("GET /api/2.1/unity-catalog/catalogs", 2, 1);
    const t0 = performance.now();
    await client.request("GET", "/api/2.1/unity-catalog/catalogs");
    const calls = fake.log.filter((r) => r.path === "/api/2.1/unity-catalog/catalogs");
    expect(calls.map((r) => r.status)).toEqual([429, 429, 200]);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect((calls[2]?.at ?? 0) - (calls[1]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1900);
    // A create answered 503 was not processed: it is safe to resend.
    fake.faults.add({
      route: "POST /api/2.1/unity-catalog/catalogs",
      status: 503,
      headers: { "Retry-After": "0" },
      body: { error_code: "TEMPORARILY_UNAVAILABLE", message: "busy" },
    });
    await client.request("POST", "/api/2.1/unity-catalog/catalogs", { body: { name: "c" } });
    expect(fake.state.catalogs.has("c")).toBe(true);
  });

  it("a Retry-After beyond the retry budget fails fast as throttled", async () => {
    const { fake, client } = await fakeWithClient({}, { retryBudgetMs: 500 });
    fakes.push(fake);
    fake.faults.rateLimitBurst("GET /api/2.1/unity-catalog/catalogs", 1, 30);
    await expect(client.request("GET", "/api/2.1/unity-catalog/catalogs")).rejects.toMatchObject({
      category: "throttled",
      outcome: "not_applied",
    });
  });

  it("POST create: 500 after the effect, and a timeout, are outcome unknown and never resent", async () => {
    const { fake, client } = await fakeWithClient({}, {}, { timeoutMs: 300 });
    fakes.push(fake);
    fake.faults.add({ route: "POST /api/2.1/unity-catalog/catalogs", afterHandler: true, status: 500 });
    await expect(
      client.request("POST", "/api/2.1/unity-catalog/catalogs", { body: { name: "a" } }),
    ).rejects.toMatchObject({ outcome: "unknown" });
    expect(fake.state.catalogs.has("a")).toBe(true);
    fake.faults.add({ route: "POST /api/2.1/unity-catalog/catalogs", latencyMs: 1000 });
    await expect(
      client.request("POST", "/api/2.1/unity-catalog/catalogs", { body: { name: "b" } }),
    ).rejects.toMatchObject({ outcome: "unknown", category: "timeout" });
    expect(fake.log.filter((r) => r.method === "POST")).toHaveLength(2);
    // GETs are retried after a network failure.
    fake.faults.add({ route: "GET /api/2.1/unity-catalog/catalogs/a", destroySocket: true });
    expect(await client.request("GET", "/api/2.1/unity-catalog/catalogs/a")).toMatchObject({ name: "a" });
  });

  it("a refused connection is a fast, clear 'cannot reach <host>': not_applied, not retried by the engine", async () => {
    const f = await startDatabricksFake();
    const url = f.url;
    await f.close();
    // the default retry settings: the answer must come fast without tuning
    const client = new DatabricksClient(
      resolveDatabricksConfig({ env: { DATABRICKS_HOST: url, DATABRICKS_TOKEN: "t" }, homeDir: emptyHome() }),
      { bucket: new TokenBucket(1000) },
    );
    for (const method of ["GET", "POST"] as const) {
      const t0 = performance.now();
      const err = (await client
        .request(method, "/api/2.1/clusters/create", { body: {} })
        .catch((e: unknown) => e)) as Error;
      expect(performance.now() - t0).toBeLessThan(2_000);
      expect(err).toMatchObject({
        outcome: "not_applied",
        code: "DBX_UNREACHABLE",
        retryable: false,
        hint: expect.stringContaining("DATABRICKS_HOST"),
      });
      expect(err.message).toContain(`cannot reach ${new URL(url).origin}`);
      expect(err.message).toContain("connection refused (ECONNREFUSED)");
      expect(err.message).not.toMatch(/unknown/i);
    }
  });

  it("an unanswered GET is not an unknown outcome (a read changes nothing)", async () => {
    const { fake, client } = await fakeWithClient({}, { maxBackoffMs: 1, retryBudgetMs: 50 });
    fakes.push(fake);
    fake.faults.add({ route: "GET /api/2.1/unity-catalog/catalogs/a", destroySocket: true, times: 10 });
    await expect(client.request("GET", "/api/2.1/unity-catalog/catalogs/a")).rejects.toMatchObject({
      outcome: "not_applied",
      code: "DBX_NETWORK",
    });
  });

  it("rate limit holds under 200 parallel creates (measured from the request log)", async () => {
    const rate = 40;
    const { fake, client } = await fakeWithClient({}, { bucket: new TokenBucket(rate) });
    fakes.push(fake);
    const p = createDatabricksProviders(client);
    const props = {
      spark_version: "15.4.x-scala2.12",
      node_type_id: "i3.xlarge",
      num_workers: 1,
      autotermination_minutes: 20,
      cluster_type: "shared",
      data_security_mode: "USER_ISOLATION",
    } as const;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        p.dbx_cluster.create(desired("dbx_cluster", `c${i}`, props), ctx()),
      ),
    );
    const elapsed = (performance.now() - t0) / 1000;
    const times = fake.log.map((r) => r.at).sort((a, b) => a - b);
    expect(times).toHaveLength(200);
    expect(fake.state.clusters.size).toBe(200);
    // After the initial burst (= rate) the rest is spread at `rate` per second.
    expect(elapsed).toBeGreaterThanOrEqual((200 - rate) / rate - 0.1);
    let maxInWindow = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= 1000) j++;
      maxInWindow = Math.max(maxInWindow, i - j + 1);
    }
    // burst + one second of refill, plus slack for arrival jitter at the server
    expect(maxInWindow).toBeLessThanOrEqual(Math.ceil(2 * rate * 1.1));
    const steady = times.filter((t) => t - (times[0] as number) >= 1000);
    const steadyRate = steady.length / (((steady.at(-1) as number) - (steady[0] as number)) / 1000);
    expect(steadyRate).toBeLessThanOrEqual(rate * 1.1);
  });
});
