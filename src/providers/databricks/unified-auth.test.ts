/**
 * Databricks unified auth: the auth types beside PAT and M2M, their choice (auth_type or the SDK's
 * default order), and their failures. The CLIs are fake executables on a temporary PATH; Azure AD,
 * IMDS, Google's token endpoint and the workspace are one loopback HTTP server.
 */
import { createVerify, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { emptyHome } from "../../../test/fakes/databricks/harness.js";
import { DpnError } from "../../core/errors.js";
import { type AuthRuntimeOptions, tokenSourceFor } from "./auth.js";
import { DatabricksClient } from "./client.js";
import { type DatabricksConfig, resolveDatabricksConfig } from "./config.js";

const AZURE_APP = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d";
const AZURE_MGMT = "https://management.core.windows.net/";

/** A `databricks` or `az` stand-in: a shell script, padded past 1 MiB (the SDK takes smaller files for the legacy Python CLI). */
function fakeTool(dir: string, name: string, body: string, pad = true): string {
  const p = join(dir, name);
  const padding = pad ? `\n# ${"x".repeat(1024 * 1024 + 16)}\n` : "\n";
  writeFileSync(p, `#!/bin/sh\necho "$@" >> "${p}.calls"\n${body}${padding}`, { mode: 0o755 });
  return p;
}
const calls = (p: string): string[] => {
  try {
    return readFileSync(`${p}.calls`, "utf8").trim().split("\n");
  } catch {
    return [];
  }
};
const binDir = () => mkdtempSync(join(tmpdir(), "dpn-auth-bin-"));

function databricksCli(dir: string, opts: { version?: string; fail?: string; token?: string } = {}): string {
  const expiry = new Date(Date.now() + 3_600_000).toISOString();
  return fakeTool(
    dir,
    "databricks",
    `case "$1" in
  version) echo "Databricks CLI ${opts.version ?? "v0.296.0"}";;
  auth) ${
    opts.fail
      ? `echo "${opts.fail}" >&2; exit 1`
      : `printf '{"access_token":"${opts.token ?? "u2m-token"}","token_type":"Bearer","expiry":"${expiry}"}'`
  };;
esac`,
  );
}

function azCli(dir: string, opts: { fail?: string; user?: string } = {}): string {
  return fakeTool(
    dir,
    "az",
    `case "$2" in
  show) ${opts.fail ? `echo "${opts.fail}" >&2; exit 1` : `printf '{"user":{"name":"${opts.user ?? "me@example.com"}","type":"user"}}'`};;
  get-access-token)
    case "$4" in
      ${AZURE_APP}) printf '{"accessToken":"az-inner","expiresOn":"2999-01-01 00:00:00.000000","tokenType":"Bearer"}';;
      *) printf '{"accessToken":"az-mgmt","expires_on":32503680000,"tokenType":"Bearer"}';;
    esac;;
esac`,
  );
}

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** One loopback server: the workspace (`/api/…`, `/aad/auth`), Azure AD, IMDS and Google's token endpoint. */
async function startCloud(opts: { googleKey?: KeyObject; aadRejects?: boolean } = {}) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push({ method: req.method ?? "", path: url.pathname, headers: req.headers, body });
      const json = (status: number, o: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(o));
      };
      if (url.pathname === "/aad/auth") {
        res.writeHead(302, {
          Location: "https://login.microsoftonline.com/tenant-from-host/oauth2/authorize",
        });
        return res.end();
      }
      if (url.pathname === "/api/2.0/clusters/list") return json(200, { clusters: [] });
      if (url.pathname === "/metadata/identity/oauth2/token") {
        if (req.headers.metadata !== "true") return json(400, { error: "bad_request" });
        const r = url.searchParams.get("resource");
        return json(200, {
          access_token: r === AZURE_APP ? "msi-inner" : "msi-mgmt",
          expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          token_type: "Bearer",
        });
      }
      const aad = /^\/aad\/([^/]+)\/oauth2\/token$/.exec(url.pathname);
      if (aad) {
        const f = new URLSearchParams(body);
        if (opts.aadRejects || f.get("client_secret") !== "az-s3cret")
          return json(401, {
            error: "invalid_client",
            error_description: "AADSTS7000215: Invalid client secret provided. Trace ID: 123",
          });
        return json(200, {
          access_token: f.get("resource") === AZURE_APP ? "sp-inner" : "sp-mgmt",
          expires_in: "3599",
          expires_on: String(Math.floor(Date.now() / 1000) + 3599),
        });
      }
      if (url.pathname === "/google/token" && opts.googleKey) {
        const assertion = new URLSearchParams(body).get("assertion") ?? "";
        const [h, c, sig] = assertion.split(".");
        const ok = createVerify("RSA-SHA256")
          .update(`${h}.${c}`)
          .verify(opts.googleKey, Buffer.from(sig ?? "", "base64url"));
        if (!ok) return json(400, { error: "invalid_grant", error_description: "Invalid JWT Signature." });
        const claims = JSON.parse(Buffer.from(c ?? "", "base64url").toString()) as Record<string, unknown>;
        if (claims.target_audience) {
          const payload = Buffer.from(
            JSON.stringify({ aud: claims.target_audience, exp: Math.floor(Date.now() / 1000) + 3600 }),
          ).toString("base64url");
          return json(200, { id_token: `eyJhbGciOiJSUzI1NiJ9.${payload}.sig` });
        }
        return json(200, { access_token: `gcp-access:${claims.scope}`, expires_in: 3599 });
      }
      json(404, { error_code: "ENDPOINT_NOT_FOUND", message: url.pathname });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return { url, seen, api: () => seen.filter((s) => s.path.startsWith("/api/")) };
}
let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

function client(
  config: DatabricksConfig,
  env: Record<string, string | undefined>,
  url: string,
  extra: AuthRuntimeOptions = {},
) {
  const tokenSource = tokenSourceFor(config.host, config.auth, {
    env,
    azureImdsUrl: `${url}/metadata`,
    azureAadEndpoint: `${url}/aad/`,
    ...extra,
  });
  return new DatabricksClient(config, { tokenSource, retryBudgetMs: 0 });
}

function thrown(f: () => unknown): DpnError {
  try {
    f();
  } catch (e) {
    if (e instanceof DpnError) return e;
    throw e;
  }
  throw new Error("did not throw");
}
async function rejected(p: Promise<unknown>): Promise<DpnError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DpnError) return e;
    throw e;
  }
  throw new Error("did not reject");
}

describe("databricks-cli (U2M from the CLI's token cache)", () => {
  it("runs `databricks auth token --host H --force-refresh` and sends its token; a named profile uses --profile", async () => {
    const cloud = await startCloud();
    const dir = binDir();
    const cli = databricksCli(dir);
    const env = { PATH: dir, DATABRICKS_HOST: cloud.url, DATABRICKS_AUTH_TYPE: "databricks-cli" };
    const config = resolveDatabricksConfig({ env, homeDir: emptyHome() });
    expect(config.auth).toEqual({ type: "databricks-cli", cliPath: cli });
    const c = client(config, env, cloud.url);
    await c.request("GET", "/api/2.0/clusters/list");
    await c.request("GET", "/api/2.0/clusters/list");
    expect(cloud.api().map((s) => s.headers.authorization)).toEqual(["Bearer u2m-token", "Bearer u2m-token"]);
    // one version probe, one token (cached until its expiry)
    expect(calls(cli)).toEqual(["version", `auth token --host ${cloud.url} --force-refresh`]);

    const home = emptyHome();
    writeFileSync(join(home, ".databrickscfg"), `[dev]\nhost = ${cloud.url}\nauth_type = databricks-cli\n`);
    const dir2 = binDir();
    const cli2 = databricksCli(dir2, { version: "v0.250.0" });
    const byProfile = resolveDatabricksConfig({
      env: { PATH: dir2 },
      options: { profile: "dev" },
      homeDir: home,
    });
    await client(byProfile, { PATH: dir2 }, cloud.url).request("GET", "/api/2.0/clusters/list");
    // 0.250 knows --profile but not --force-refresh
    expect(calls(cli2)).toEqual(["version", "auth token --profile dev"]);
  });

  it("an old or unknown CLI version gets the conservative flags (--host, no --force-refresh)", async () => {
    const cloud = await startCloud();
    const dir = binDir();
    const cli = databricksCli(dir, { version: "v0.200.0" });
    const env = { PATH: dir, DATABRICKS_CONFIG_PROFILE: "p", DATABRICKS_AUTH_TYPE: "databricks-cli" };
    const home = emptyHome();
    writeFileSync(join(home, ".databrickscfg"), `[p]\nhost = ${cloud.url}\n`);
    await client(resolveDatabricksConfig({ env, homeDir: home }), env, cloud.url).request(
      "GET",
      "/api/2.0/clusters/list",
    );
    expect(calls(cli)).toEqual(["version", `auth token --host ${cloud.url}`]);
  });

  it("missing, legacy or failing CLI: DBX_CLI_AUTH_FAILED with the `databricks auth login` hint", async () => {
    const cloud = await startCloud();
    const missing = thrown(() =>
      resolveDatabricksConfig({
        env: { PATH: binDir(), DATABRICKS_HOST: cloud.url, DATABRICKS_AUTH_TYPE: "databricks-cli" },
        homeDir: emptyHome(),
      }),
    );
    expect(missing).toMatchObject({ code: "DBX_CLI_AUTH_FAILED", exitCode: 4 });
    expect(missing.message).toMatch(
      /auth_type databricks-cli \(auth_type from env DATABRICKS_AUTH_TYPE\).*not on PATH/,
    );
    expect(missing.hint).toContain(`databricks auth login --host ${cloud.url}`);

    const legacyDir = binDir();
    fakeTool(legacyDir, "databricks", "echo legacy", false);
    const legacy = thrown(() =>
      resolveDatabricksConfig({
        env: { PATH: legacyDir, DATABRICKS_HOST: cloud.url, DATABRICKS_AUTH_TYPE: "databricks-cli" },
        homeDir: emptyHome(),
      }),
    );
    expect(legacy.message).toMatch(/legacy Python CLI/);

    const dir = binDir();
    databricksCli(dir, { fail: "Error: cache: databricks OAuth is not configured for this host" });
    const env = { PATH: dir, DATABRICKS_HOST: cloud.url, DATABRICKS_AUTH_TYPE: "databricks-cli" };
    const e = await rejected(
      client(resolveDatabricksConfig({ env, homeDir: emptyHome() }), env, cloud.url).request(
        "GET",
        "/api/2.0/clusters/list",
      ),
    );
    expect(e).toMatchObject({ code: "DBX_CLI_AUTH_FAILED", exitCode: 4 });
    expect(e.message).toMatch(
      /databricks auth token --host .* failed: Error: cache: databricks OAuth is not configured/,
    );
    expect(e.hint).toContain(`databricks auth login --host ${cloud.url}`);
    expect(cloud.api()).toHaveLength(0);
  });
});

describe("Azure", () => {
  it("azure-client-secret: AAD client credentials for the Databricks app and the management endpoint, both headers sent", async () => {
    const cloud = await startCloud();
    const env = {
      DATABRICKS_HOST: cloud.url,
      DATABRICKS_CLOUD: "azure",
      ARM_CLIENT_ID: "app-1",
      ARM_CLIENT_SECRET: "az-s3cret",
      ARM_TENANT_ID: "tenant-1",
      DATABRICKS_AZURE_RESOURCE_ID:
        "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/w",
    };
    const config = resolveDatabricksConfig({ env, homeDir: emptyHome() });
    expect(config.auth.type).toBe("azure-client-secret");
    await client(config, env, cloud.url).request("GET", "/api/2.0/clusters/list");
    const tokenCalls = cloud.seen.filter((s) => s.path === "/aad/tenant-1/oauth2/token");
    expect(tokenCalls.map((s) => new URLSearchParams(s.body).get("resource")).sort()).toEqual(
      [AZURE_APP, AZURE_MGMT].sort(),
    );
    expect(new URLSearchParams(tokenCalls[0]?.body).get("grant_type")).toBe("client_credentials");
    const [call] = cloud.api();
    expect(call?.headers.authorization).toBe("Bearer sp-inner");
    expect(call?.headers["x-databricks-azure-sp-management-token"]).toBe("sp-mgmt");
    expect(call?.headers["x-databricks-azure-workspace-resource-id"]).toBe(env.DATABRICKS_AZURE_RESOURCE_ID);
  });

  it("azure-client-secret rejected by AAD: DBX_AZURE_AUTH_FAILED with AAD's reason and no secret", async () => {
    const cloud = await startCloud({ aadRejects: true });
    const env = {
      DATABRICKS_HOST: cloud.url,
      DATABRICKS_AUTH_TYPE: "azure-client-secret",
      ARM_CLIENT_ID: "app-1",
      ARM_CLIENT_SECRET: "az-s3cret",
      ARM_TENANT_ID: "tenant-1",
    };
    const e = await rejected(
      client(resolveDatabricksConfig({ env, homeDir: emptyHome() }), env, cloud.url).request(
        "GET",
        "/api/2.0/clusters/list",
      ),
    );
    expect(e).toMatchObject({ code: "DBX_AZURE_AUTH_FAILED", exitCode: 4 });
    expect(e.message).toMatch(/HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided\)$/);
    expect(JSON.stringify([e.message, e.hint, e.toJSON()])).not.toContain("az-s3cret");
  });

  it("azure-msi: IMDS with Metadata: true and the user-assigned identity's client_id", async () => {
    const cloud = await startCloud();
    const env = {
      DATABRICKS_HOST: cloud.url,
      DATABRICKS_CLOUD: "azure",
      ARM_USE_MSI: "true",
      ARM_CLIENT_ID: "mi-1",
    };
    const config = resolveDatabricksConfig({ env, homeDir: emptyHome() });
    expect(config.auth).toMatchObject({ type: "azure-msi", clientId: "mi-1" });
    await client(config, env, cloud.url).request("GET", "/api/2.0/clusters/list");
    const imds = cloud.seen.filter((s) => s.path === "/metadata/identity/oauth2/token");
    expect(imds).toHaveLength(2);
    const [call] = cloud.api();
    expect(call?.headers.authorization).toBe("Bearer msi-inner");
    expect(call?.headers["x-databricks-azure-sp-management-token"]).toBe("msi-mgmt");
  });

  it("azure-cli: `az account get-access-token --resource <AzureDatabricks app>` with the tenant the host redirects to", async () => {
    const cloud = await startCloud();
    const dir = binDir();
    const az = azCli(dir);
    const env = { PATH: dir, DATABRICKS_HOST: cloud.url, DATABRICKS_AUTH_TYPE: "azure-cli" };
    await client(resolveDatabricksConfig({ env, homeDir: emptyHome() }), env, cloud.url).request(
      "GET",
      "/api/2.0/clusters/list",
    );
    expect(calls(az)).toContain(
      `account get-access-token --resource ${AZURE_APP} --output json --tenant tenant-from-host`,
    );
    expect(calls(az)).toContain(
      `account get-access-token --resource ${AZURE_MGMT} --output json --tenant tenant-from-host`,
    );
    const [call] = cloud.api();
    expect(call?.headers.authorization).toBe("Bearer az-inner");
    expect(call?.headers["x-databricks-azure-sp-management-token"]).toBe("az-mgmt");
  });

  it("explicit auth_type with a missing attribute names it, its variable, and where auth_type came from", () => {
    const home = emptyHome();
    writeFileSync(
      join(home, ".databrickscfg"),
      "[az]\nhost = https://adb-1.2.azuredatabricks.net\nauth_type = azure-client-secret\nazure_client_id = app\n",
    );
    const e = thrown(() =>
      resolveDatabricksConfig({
        env: { ARM_CLIENT_SECRET: "az-s3cret" },
        options: { profile: "az" },
        homeDir: home,
      }),
    );
    expect(e).toMatchObject({ code: "DBX_CREDENTIALS_MISSING", exitCode: 4 });
    expect(e.message).toBe(
      "auth_type azure-client-secret (auth_type from profile az) for https://adb-1.2.azuredatabricks.net needs azure_tenant_id",
    );
    expect(e.hint).toBe("Set ARM_TENANT_ID or azure_tenant_id in profile az.");
    expect(JSON.stringify(e.toJSON())).not.toContain("az-s3cret");
  });
});

describe("google-credentials", () => {
  it("signs JWT grants with the key: an ID token for the host in Authorization, the SA access token beside it", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const cloud = await startCloud({ googleKey: publicKey });
    const key = {
      type: "service_account",
      client_email: "sa@p.iam.gserviceaccount.com",
      private_key_id: "k1",
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      token_uri: `${cloud.url}/google/token`,
    };
    const keyFile = join(emptyHome(), "key.json");
    writeFileSync(keyFile, JSON.stringify(key));
    const env = { DATABRICKS_HOST: cloud.url, DATABRICKS_CLOUD: "gcp", GOOGLE_CREDENTIALS: keyFile };
    const config = resolveDatabricksConfig({ env, homeDir: emptyHome() });
    expect(config.auth.type).toBe("google-credentials");
    await client(config, env, cloud.url).request("GET", "/api/2.0/clusters/list");
    const [call] = cloud.api();
    const idToken = String(call?.headers.authorization).replace(/^Bearer /, "");
    expect(JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString()).aud).toBe(cloud.url);
    expect(call?.headers["x-databricks-gcp-sa-access-token"]).toBe(
      "gcp-access:https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/compute",
    );

    // JSON text instead of a path works too; a key Google cannot verify is DBX_GCP_AUTH_FAILED
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const bad = JSON.stringify({
      ...key,
      private_key: other.export({ type: "pkcs8", format: "pem" }).toString(),
    });
    const env2 = { ...env, GOOGLE_CREDENTIALS: bad };
    const e = await rejected(
      client(resolveDatabricksConfig({ env: env2, homeDir: emptyHome() }), env2, cloud.url).request(
        "GET",
        "/api/2.0/clusters/list",
      ),
    );
    expect(e).toMatchObject({ code: "DBX_GCP_AUTH_FAILED", exitCode: 4 });
    expect(e.message).toMatch(
      /Google refused the id_token request for sa@p.iam.gserviceaccount.com \(HTTP 400 invalid_grant/,
    );
    expect(JSON.stringify(e.toJSON())).not.toContain("PRIVATE KEY");
  });
});

describe("choosing a method without auth_type (the SDK's default order)", () => {
  it("a PAT wins over the CLI on PATH, which is never run", async () => {
    const dir = binDir();
    const cli = databricksCli(dir);
    const config = resolveDatabricksConfig({
      env: { PATH: dir, DATABRICKS_HOST: "https://h.cloud.databricks.com", DATABRICKS_TOKEN: "dapi" },
      homeDir: emptyHome(),
    });
    expect(config.auth).toEqual({ type: "pat", token: "dapi" });
    expect(calls(cli)).toEqual([]);
  });

  it("host only: the Databricks CLI; when it has no token the Azure CLI; when neither, every reason", async () => {
    const cloud = await startCloud();
    const dir = binDir();
    databricksCli(dir, { token: "from-cli" });
    const env = { PATH: dir, DATABRICKS_HOST: cloud.url };
    const cfg = resolveDatabricksConfig({ env, homeDir: emptyHome() });
    expect(cfg.auth).toMatchObject({ type: "default", candidates: [{ type: "databricks-cli" }] });
    await client(cfg, env, cloud.url).request("GET", "/api/2.0/clusters/list");
    expect(cloud.api()[0]?.headers.authorization).toBe("Bearer from-cli");

    const dir2 = binDir();
    databricksCli(dir2, { fail: "not logged in" });
    azCli(dir2);
    const env2 = { PATH: dir2, DATABRICKS_HOST: cloud.url, DATABRICKS_CLOUD: "azure" };
    const cfg2 = resolveDatabricksConfig({ env: env2, homeDir: emptyHome() });
    expect(cfg2.auth).toMatchObject({ candidates: [{ type: "databricks-cli" }, { type: "azure-cli" }] });
    await client(cfg2, env2, cloud.url).request("GET", "/api/2.0/clusters/list");
    expect(cloud.api()[1]?.headers.authorization).toBe("Bearer az-inner");

    const dir3 = binDir();
    databricksCli(dir3, { fail: "not logged in" });
    azCli(dir3, { fail: "Please run 'az login' to setup account." });
    const env3 = { PATH: dir3, DATABRICKS_HOST: cloud.url, DATABRICKS_CLOUD: "azure" };
    const e = await rejected(
      client(resolveDatabricksConfig({ env: env3, homeDir: emptyHome() }), env3, cloud.url).request(
        "GET",
        "/api/2.0/clusters/list",
      ),
    );
    expect(e).toMatchObject({ code: "DBX_CREDENTIALS_MISSING", exitCode: 4 });
    expect(e.message).toMatch(/databricks-cli: .*not logged in; azure-cli: .*az login/);
    expect(cloud.api()).toHaveLength(2);
  });

  it("the CLI comes before a configured Azure service principal, which is used when the CLI has no token", async () => {
    const cloud = await startCloud();
    const dir = binDir();
    databricksCli(dir, { fail: "not logged in" });
    const env = {
      PATH: dir,
      DATABRICKS_HOST: cloud.url,
      DATABRICKS_CLOUD: "azure",
      ARM_CLIENT_ID: "app-1",
      ARM_CLIENT_SECRET: "az-s3cret",
      ARM_TENANT_ID: "tenant-1",
    };
    const cfg = resolveDatabricksConfig({ env, homeDir: emptyHome() });
    expect(cfg.auth).toMatchObject({
      type: "default",
      candidates: [{ type: "databricks-cli" }, { type: "azure-client-secret" }],
    });
    await client(cfg, env, cloud.url).request("GET", "/api/2.0/clusters/list");
    expect(cloud.api()[0]?.headers.authorization).toBe("Bearer sp-inner");
  });

  it("two families without auth_type conflict; an unknown auth_type names its source; no secret in either", () => {
    const conflict = thrown(() =>
      resolveDatabricksConfig({
        env: {
          DATABRICKS_HOST: "https://h.cloud.databricks.com",
          DATABRICKS_TOKEN: "dapi-s3cret",
          ARM_CLIENT_SECRET: "az-s3cret",
        },
        homeDir: emptyHome(),
      }),
    );
    expect(conflict).toMatchObject({ code: "DBX_AUTH_CONFLICT", exitCode: 4 });
    expect(conflict.message).toBe("more than one authorization method configured: azure and pat");
    expect(conflict.hint).toContain(
      "token from env DATABRICKS_TOKEN, azure_client_secret from env ARM_CLIENT_SECRET",
    );
    const unknown = thrown(() =>
      resolveDatabricksConfig({
        env: {
          DATABRICKS_HOST: "https://h.cloud.databricks.com",
          DATABRICKS_TOKEN: "dapi-s3cret",
          DATABRICKS_AUTH_TYPE: "basic",
        },
        homeDir: emptyHome(),
      }),
    );
    expect(unknown).toMatchObject({ code: "DBX_AUTH_TYPE_UNSUPPORTED", exitCode: 4 });
    expect(unknown.message).toBe(
      'Auth type "basic" (auth_type from env DATABRICKS_AUTH_TYPE) is not supported',
    );
    expect(unknown.hint).toMatch(
      /pat, oauth-m2m, databricks-cli, azure-msi, azure-client-secret, azure-cli, google-credentials/,
    );
    for (const e of [conflict, unknown])
      expect(JSON.stringify([e.message, e.hint, e.toJSON()])).not.toMatch(/s3cret/);
  });
});
