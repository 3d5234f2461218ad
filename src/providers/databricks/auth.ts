/**
 * Credential providers, one per auth type of the Databricks unified authentication (the
 * strategies of databricks-sdk-go config/auth_*.go): a PAT as is, OAuth M2M, the Databricks
 * CLI's U2M token cache, Azure (client secret, Azure CLI, managed identity) and a GCP service
 * account key; plus the default chain that tries candidates in the SDK's order. Tokens live only
 * in memory; they are never logged or put into error messages/details.
 */
import { execFile } from "node:child_process";
import { createSign } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { DpnError } from "../../core/errors.js";
import type { AzureEnvironment, DatabricksAuth, DatabricksAuthMethod } from "./config.js";

/** Supplies the `Authorization` header value (and, for some methods, more headers) for API calls. */
export interface TokenSource {
  readonly kind: DatabricksAuth["type"];
  /** True when a 401 may be a token that expired early, which a fresh one cures (resend once). */
  readonly refreshable: boolean;
  /** Header value (`Bearer …`). Throws DpnError kind `auth` when credentials are rejected. */
  authorization(signal?: AbortSignal): Promise<string>;
  /**
   * Headers besides Authorization that the method sends with every call: the Azure service
   * management token and workspace resource id, the GCP service account access token.
   */
  extraHeaders?(signal?: AbortSignal): Promise<Record<string, string>>;
  /** Forget a cached token (after a 401) so the next call fetches a fresh one. */
  invalidate(): void;
}

export class PatTokenSource implements TokenSource {
  readonly kind = "pat" as const;
  readonly refreshable = false;
  readonly #token: string;
  constructor(token: string) {
    this.#token = token;
  }
  async authorization(): Promise<string> {
    return `Bearer ${this.#token}`;
  }
  invalidate(): void {}
}

export interface M2mOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
}

/** What the token sources run and reach; tests point them at fakes. */
export interface AuthRuntimeOptions extends M2mOptions {
  /** Environment of the CLIs dpn runs (`databricks`, `az`); default process.env. */
  env?: Record<string, string | undefined>;
  /** Azure Instance Metadata Service prefix (default `http://169.254.169.254/metadata`). */
  azureImdsUrl?: string;
  /** Azure AD authority, replacing the workspace cloud's (tests). */
  azureAadEndpoint?: string;
}

/**
 * OAuth M2M token source. Discovery: `GET {host}/oidc/.well-known/oauth-authorization-server`
 * (falls back to `{host}/oidc/v1/token` when discovery is unavailable); token: `POST` form
 * `grant_type=client_credentials&scope=all-apis` with HTTP Basic client credentials.
 */
export class OAuthM2mTokenSource implements TokenSource {
  readonly kind = "oauth-m2m" as const;
  readonly refreshable = true;
  readonly #clientId: string;
  readonly #clientSecret: string;
  #cached: { value: string; refreshAt: number } | undefined;
  #inflight: Promise<string> | undefined;
  #tokenEndpoint: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly host: string,
    clientId: string,
    clientSecret: string,
    opts: M2mOptions = {},
  ) {
    this.#clientId = clientId;
    this.#clientSecret = clientSecret;
    this.fetchImpl = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    if (this.#cached && this.now() < this.#cached.refreshAt) return `Bearer ${this.#cached.value}`;
    // One refresh at a time: parallel callers share the same token request.
    this.#inflight ??= this.fetchToken(signal).finally(() => {
      this.#inflight = undefined;
    });
    return `Bearer ${await this.#inflight}`;
  }

  invalidate(): void {
    this.#cached = undefined;
  }

  private authFailure(message: string, cause?: unknown): DpnError {
    return new DpnError("auth", "DBX_OAUTH_FAILED", message, {
      hint: "Check DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET (service principal OAuth secret) and DATABRICKS_HOST.",
      details: { host: this.host },
      cause,
    });
  }

  private signal(signal?: AbortSignal): AbortSignal {
    const t = AbortSignal.timeout(this.timeoutMs);
    return signal ? AbortSignal.any([signal, t]) : t;
  }

  private async discover(signal?: AbortSignal): Promise<string> {
    if (this.#tokenEndpoint) return this.#tokenEndpoint;
    let endpoint = `${this.host}/oidc/v1/token`;
    try {
      const res = await this.fetchImpl(`${this.host}/oidc/.well-known/oauth-authorization-server`, {
        headers: { Accept: "application/json" },
        signal: this.signal(signal),
      });
      if (res.ok) {
        const doc = (await res.json()) as { token_endpoint?: unknown };
        if (typeof doc.token_endpoint === "string" && doc.token_endpoint) endpoint = doc.token_endpoint;
      } else {
        await res.body?.cancel();
      }
    } catch (e) {
      throw this.authFailure(`OAuth discovery at ${this.host} failed: ${(e as Error).message}`, e);
    }
    this.#tokenEndpoint = endpoint;
    return endpoint;
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const endpoint = await this.discover(signal);
    const basic = Buffer.from(
      `${encodeURIComponent(this.#clientId)}:${encodeURIComponent(this.#clientSecret)}`,
    ).toString("base64");
    let res: Response;
    try {
      res = await this.fetchImpl(endpoint, {
        method: "POST",
        headers: {
          Authorization: `Basic ${basic}`,
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json",
        },
        body: "grant_type=client_credentials&scope=all-apis",
        signal: this.signal(signal),
      });
    } catch (e) {
      throw this.authFailure(`OAuth token request to ${endpoint} failed: ${(e as Error).message}`, e);
    }
    const text = await res.text();
    if (!res.ok) {
      // The body of a token error is an OAuth error object; keep only its error code/description.
      let reason = `HTTP ${res.status}`;
      try {
        const o = JSON.parse(text) as { error?: string; error_description?: string };
        if (o.error) reason += ` ${o.error}${o.error_description ? `: ${o.error_description}` : ""}`;
      } catch {
        /* non-JSON body: status is enough */
      }
      throw this.authFailure(`OAuth token request for client "${this.#clientId}" was rejected (${reason})`);
    }
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch (e) {
      throw this.authFailure(`OAuth token endpoint ${endpoint} returned invalid JSON`, e);
    }
    if (typeof body.access_token !== "string" || !body.access_token) {
      throw this.authFailure(`OAuth token endpoint ${endpoint} returned no access_token`);
    }
    const lifetimeMs = (typeof body.expires_in === "number" ? body.expires_in : 3600) * 1000;
    // Refresh a little before expiry: 60 s for normal tokens, a quarter of the lifetime for short ones.
    const margin = Math.min(60_000, lifetimeMs / 4);
    this.#cached = { value: body.access_token, refreshAt: this.now() + lifetimeMs - margin };
    return body.access_token;
  }
}

interface Token {
  value: string;
  /** Epoch ms; undefined when the issuer did not say. */
  expiresAt?: number;
}

/**
 * One cached token with a fetcher: refreshed `earlyMs` before it expires (at most a quarter of its
 * remaining life), one fetch at a time.
 */
class CachedToken {
  #cached: { value: string; refreshAt: number } | undefined;
  #inflight: Promise<string> | undefined;
  constructor(
    private readonly fetchToken: (signal?: AbortSignal) => Promise<Token>,
    private readonly now: () => number,
    private readonly earlyMs = 60_000,
  ) {}
  async get(signal?: AbortSignal): Promise<string> {
    if (this.#cached && this.now() < this.#cached.refreshAt) return this.#cached.value;
    this.#inflight ??= this.fetchToken(signal)
      .then((t) => {
        const now = this.now();
        const left = (t.expiresAt ?? now + 3_600_000) - now;
        this.#cached = {
          value: t.value,
          refreshAt: now + left - Math.min(this.earlyMs, Math.max(0, left) / 4),
        };
        return t.value;
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }
  invalidate(): void {
    this.#cached = undefined;
  }
}

/** The outcome of running a CLI: its stdout, or why it did not succeed (stderr or the spawn error). */
function runTool(
  file: string,
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs: number,
): Promise<{ ok: true; stdout: string } | { ok: false; reason: string; notFound: boolean }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: env as NodeJS.ProcessEnv, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, stdout: String(stdout) });
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        const notFound = e.code === "ENOENT";
        const said = String(stderr).trim().split("\n").slice(-3).join(" ").slice(0, 400);
        const reason = notFound
          ? `${file} not found`
          : e.killed
            ? `no answer within ${timeoutMs} ms`
            : said || e.message;
        resolve({ ok: false, reason, notFound });
      },
    );
  });
}

/** Parse an expiry the way the SDKs accept it: RFC 3339 (with nanoseconds) or `YYYY-MM-DD HH:MM:SS[.f]` local time. */
function parseExpiry(raw: unknown): number | undefined {
  if (typeof raw !== "string" || !raw) return undefined;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? undefined : t;
}

// Flag support by CLI version (databricks-sdk-go config/cli_token_source.go).
const CLI_VERSION_FOR_PROFILE = [0, 207, 1];
const CLI_VERSION_FOR_FORCE_REFRESH = [0, 296, 0];

function versionAtLeast(v: number[] | undefined, min: number[]): boolean {
  if (!v) return false;
  for (let i = 0; i < 3; i++) {
    const a = v[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * OAuth U2M from the Databricks CLI's token cache (`auth_type = databricks-cli`), as the Go SDK
 * does it: `databricks version` picks the flags, then `databricks auth token --profile P` (CLI >=
 * 0.207.1 and a named profile) or `--host H`, plus `--force-refresh` on CLI >= 0.296.0; the
 * answer is `{"access_token", "token_type", "expiry"}`. Throws DpnError `DBX_CLI_AUTH_FAILED`
 * with the `databricks auth login` command to run.
 */
export class DatabricksCliTokenSource implements TokenSource {
  readonly kind = "databricks-cli" as const;
  readonly refreshable = true;
  readonly #token: CachedToken;
  #args: string[] | undefined;
  private readonly env: Record<string, string | undefined>;
  private readonly timeoutMs: number;

  constructor(
    private readonly host: string,
    private readonly method: Extract<DatabricksAuthMethod, { type: "databricks-cli" }>,
    opts: AuthRuntimeOptions = {},
  ) {
    this.env = opts.env ?? process.env;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.#token = new CachedToken(() => this.fetchToken(), opts.now ?? Date.now);
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    return `Bearer ${await this.#token.get(signal)}`;
  }
  invalidate(): void {
    this.#token.invalidate();
  }

  private loginHint(): string {
    return this.method.profile
      ? `Run \`databricks auth login --profile ${this.method.profile}\` (or \`databricks auth login --host ${this.host}\`), then retry.`
      : `Run \`databricks auth login --host ${this.host}\`, then retry.`;
  }

  private fail(message: string): DpnError {
    return new DpnError("auth", "DBX_CLI_AUTH_FAILED", message, {
      hint: this.loginHint(),
      details: { host: this.host, authType: "databricks-cli", cli: this.method.cliPath },
    });
  }

  private async args(): Promise<string[]> {
    if (this.#args) return this.#args;
    const v = await runTool(this.method.cliPath, ["version"], this.env, this.timeoutMs);
    const m = v.ok ? /v?(\d+)\.(\d+)\.(\d+)/.exec(v.stdout.replace(/^Databricks CLI /, "")) : null;
    // An unknown version gets the conservative flags (--host, no --force-refresh), like the SDK.
    const version = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
    const args =
      this.method.profile && versionAtLeast(version, CLI_VERSION_FOR_PROFILE)
        ? ["auth", "token", "--profile", this.method.profile]
        : ["auth", "token", "--host", this.host];
    if (versionAtLeast(version, CLI_VERSION_FOR_FORCE_REFRESH)) args.push("--force-refresh");
    this.#args = args;
    return args;
  }

  private async fetchToken(): Promise<Token> {
    const args = await this.args();
    const shown = `databricks ${args.join(" ")}`;
    const r = await runTool(this.method.cliPath, args, this.env, this.timeoutMs);
    if (!r.ok) throw this.fail(`\`${shown}\` failed: ${r.reason}`);
    let body: { access_token?: unknown; expiry?: unknown };
    try {
      body = JSON.parse(r.stdout) as typeof body;
    } catch {
      throw this.fail(`\`${shown}\` did not print a JSON token`);
    }
    if (typeof body.access_token !== "string" || !body.access_token)
      throw this.fail(`\`${shown}\` printed no access_token`);
    const expiresAt = parseExpiry(body.expiry);
    if (body.expiry !== undefined && expiresAt === undefined)
      throw this.fail(`\`${shown}\` printed an expiry that cannot be read`);
    return { value: body.access_token, ...(expiresAt !== undefined ? { expiresAt } : {}) };
  }
}

// Headers of the Azure service-to-service scheme (databricks-sdk-go config/auth_azure_cli.go).
const AZURE_SP_MANAGEMENT_TOKEN = "X-Databricks-Azure-SP-Management-Token";
const AZURE_WORKSPACE_RESOURCE_ID = "X-Databricks-Azure-Workspace-Resource-Id";
/** Azure Databricks rejects tokens that expire within 30 s; the SDK refreshes 40 s early. */
const AZURE_EARLY_MS = 40_000;

type AzureMethod = Extract<DatabricksAuthMethod, { type: "azure-msi" | "azure-client-secret" | "azure-cli" }>;

/**
 * Azure AD tokens for Azure Databricks: the inner token (resource = the AzureDatabricks
 * application) in Authorization, the service management token in
 * X-Databricks-Azure-SP-Management-Token (required for a service principal or managed identity,
 * optional for the Azure CLI), and the workspace resource id when configured.
 * - `azure-client-secret`: client credentials at `{authority}{tenant}/oauth2/token`
 *   (auth_azure_client_secret.go);
 * - `azure-msi`: `GET {IMDS}/identity/oauth2/token?api-version=2018-02-01&resource=…` with
 *   `Metadata: true` (auth_azure_msi.go);
 * - `azure-cli`: `az account get-access-token --resource … --output json` (auth_azure_cli.go).
 * Throws DpnError `DBX_AZURE_AUTH_FAILED` (`DBX_CLI_AUTH_FAILED` when `az` cannot run).
 */
export class AzureTokenSource implements TokenSource {
  readonly refreshable = true;
  readonly #inner: CachedToken;
  readonly #management: CachedToken;
  #tenant: Promise<string | undefined> | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly env: Record<string, string | undefined>;
  private readonly imds: string;
  private readonly azure: AzureEnvironment;
  private readonly aad: string;

  constructor(
    private readonly host: string,
    private readonly method: AzureMethod,
    opts: AuthRuntimeOptions = {},
  ) {
    this.fetchImpl = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.env = opts.env ?? process.env;
    this.imds = opts.azureImdsUrl ?? "http://169.254.169.254/metadata";
    this.azure = method.azure;
    this.aad = opts.azureAadEndpoint ?? method.azure.activeDirectoryEndpoint;
    const now = opts.now ?? Date.now;
    this.#inner = new CachedToken(() => this.token(this.azure.applicationId), now, AZURE_EARLY_MS);
    this.#management = new CachedToken(
      () => this.token(this.azure.serviceManagementEndpoint),
      now,
      AZURE_EARLY_MS,
    );
  }

  get kind(): AzureMethod["type"] {
    return this.method.type;
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    return `Bearer ${await this.#inner.get(signal)}`;
  }

  async extraHeaders(signal?: AbortSignal): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    if (this.method.resourceId) headers[AZURE_WORKSPACE_RESOURCE_ID] = this.method.resourceId;
    try {
      headers[AZURE_SP_MANAGEMENT_TOKEN] = await this.#management.get(signal);
    } catch (e) {
      // A user signed in to the Azure CLI may have no access to the management endpoint; the SDK
      // then sends the inner token alone. Service principals and identities need both.
      if (this.method.type !== "azure-cli") throw e;
    }
    return headers;
  }

  invalidate(): void {
    this.#inner.invalidate();
    this.#management.invalidate();
  }

  private fail(
    message: string,
    code: "DBX_AZURE_AUTH_FAILED" | "DBX_CLI_AUTH_FAILED" = "DBX_AZURE_AUTH_FAILED",
  ) {
    const hint = {
      "azure-client-secret":
        "Check ARM_CLIENT_ID / ARM_CLIENT_SECRET / ARM_TENANT_ID (azure_client_id, azure_client_secret, azure_tenant_id): the service principal's secret and its tenant.",
      "azure-msi":
        "azure_use_msi needs a managed identity on this VM (ARM_CLIENT_ID picks a user-assigned one) with access to the workspace.",
      "azure-cli": "Run `az login` (and `az account set` for the workspace's subscription), then retry.",
    }[this.method.type];
    return new DpnError("auth", code, message, {
      hint,
      details: { host: this.host, authType: this.method.type },
    });
  }

  private signal(): AbortSignal {
    return AbortSignal.timeout(
      this.method.type === "azure-msi" ? Math.min(this.timeoutMs, 10_000) : this.timeoutMs,
    );
  }

  private async token(resource: string): Promise<Token> {
    switch (this.method.type) {
      case "azure-client-secret":
        return this.clientSecretToken(this.method, resource);
      case "azure-msi":
        return this.msiToken(this.method, resource);
      case "azure-cli":
        return this.cliToken(this.method, resource);
    }
  }

  private async clientSecretToken(
    m: Extract<AzureMethod, { type: "azure-client-secret" }>,
    resource: string,
  ): Promise<Token> {
    const url = `${this.aad}${encodeURIComponent(m.tenantId)}/oauth2/token`;
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: m.clientId,
      client_secret: m.clientSecret,
      resource,
    });
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: body.toString(),
        signal: this.signal(),
      });
    } catch (e) {
      throw this.fail(`Azure AD token request to ${url} failed: ${(e as Error).message}`);
    }
    return this.readTokenResponse(
      res,
      `Azure AD token request for client "${m.clientId}" (tenant ${m.tenantId})`,
    );
  }

  private async msiToken(m: Extract<AzureMethod, { type: "azure-msi" }>, resource: string): Promise<Token> {
    const url = new URL(`${this.imds}/identity/oauth2/token`);
    url.searchParams.set("api-version", "2018-02-01");
    url.searchParams.set("resource", resource);
    if (m.clientId) url.searchParams.set("client_id", m.clientId);
    let res: Response;
    try {
      res = await this.fetchImpl(url, { headers: { Metadata: "true" }, signal: this.signal() });
    } catch (e) {
      throw this.fail(
        `Azure managed identity endpoint ${url.origin} did not answer: ${(e as Error).message}`,
      );
    }
    return this.readTokenResponse(res, "Azure managed identity token request");
  }

  private async readTokenResponse(res: Response, what: string): Promise<Token> {
    const text = await res.text();
    let o: {
      access_token?: unknown;
      expires_on?: unknown;
      expires_in?: unknown;
      error?: unknown;
      error_description?: unknown;
    };
    try {
      o = JSON.parse(text) as typeof o;
    } catch {
      o = {};
    }
    if (!res.ok) {
      // Keep AAD's error code and the description up to its trace id (azure.go mapAzureActiveDirectoryError).
      const desc = typeof o.error_description === "string" ? o.error_description.split(". Trace ID")[0] : "";
      const err = typeof o.error === "string" ? ` ${o.error}` : "";
      throw this.fail(`${what} was rejected (HTTP ${res.status}${err}${desc ? `: ${desc}` : ""})`);
    }
    if (typeof o.access_token !== "string" || !o.access_token)
      throw this.fail(`${what} returned no access_token`);
    const on = Number(o.expires_on);
    const inSec = Number(o.expires_in);
    const expiresAt =
      Number.isFinite(on) && on > 0
        ? on * 1000
        : Number.isFinite(inSec)
          ? Date.now() + inSec * 1000
          : undefined;
    return { value: o.access_token, ...(expiresAt !== undefined ? { expiresAt } : {}) };
  }

  /**
   * The tenant of an Azure workspace, read from where `{host}/aad/auth` redirects
   * (`https://login.microsoftonline.com/<tenant>/…`, config/azure.go loadAzureTenantId). Best
   * effort: without it `az` uses its default tenant.
   */
  private tenant(m: Extract<AzureMethod, { type: "azure-cli" }>): Promise<string | undefined> {
    if (m.tenantId) return Promise.resolve(m.tenantId);
    this.#tenant ??= (async () => {
      try {
        const res = await this.fetchImpl(`${this.host}/aad/auth`, {
          redirect: "manual",
          signal: this.signal(),
        });
        await res.body?.cancel();
        const location = res.headers.get("location");
        const seg = location ? new URL(location).pathname.split("/")[1] : undefined;
        return seg || undefined;
      } catch {
        return undefined;
      }
    })();
    return this.#tenant;
  }

  private async az(args: string[]): Promise<string> {
    const r = await runTool("az", args, this.env, this.timeoutMs);
    if (r.ok) return r.stdout;
    if (r.notFound) throw this.fail("the Azure CLI (`az`) is not on PATH", "DBX_CLI_AUTH_FAILED");
    throw this.fail(`\`az ${args.slice(0, 2).join(" ")}\` failed: ${r.reason}`, "DBX_CLI_AUTH_FAILED");
  }

  private async cliToken(m: Extract<AzureMethod, { type: "azure-cli" }>, resource: string): Promise<Token> {
    // A managed identity signed in to az must not pass --tenant (auth_azure_cli.go getTokenBytes).
    let account: { user?: { name?: string; type?: string } };
    try {
      account = JSON.parse(await this.az(["account", "show", "--output", "json"])) as typeof account;
    } catch (e) {
      if (e instanceof DpnError) throw e;
      throw this.fail("`az account show` did not print JSON", "DBX_CLI_AUTH_FAILED");
    }
    const user = account.user ?? {};
    const isMsi =
      user.type === "servicePrincipal" &&
      (user.name === "systemAssignedIdentity" || user.name === "userAssignedIdentity");
    const tenant = isMsi ? undefined : await this.tenant(m);
    const base = ["account", "get-access-token", "--resource", resource, "--output", "json"];
    const withTenant = tenant ? [...base, "--tenant", tenant] : base;
    const subscription = m.resourceId?.split("/")[2];
    let out: string | undefined;
    if (subscription && !m.tenantId) {
      // Fails when the caller may use the workspace but not its subscription; then without it.
      out = await this.az([...withTenant, "--subscription", subscription]).catch(() => undefined);
    }
    if (out === undefined) {
      try {
        out = await this.az(withTenant);
      } catch (e) {
        // A federated service principal has no tenant to pass: retry without it.
        if (!tenant || user.type !== "servicePrincipal") throw e;
        out = await this.az(base);
      }
    }
    let t: { accessToken?: unknown; expiresOn?: unknown; expires_on?: unknown };
    try {
      t = JSON.parse(out) as typeof t;
    } catch {
      throw this.fail("`az account get-access-token` did not print JSON", "DBX_CLI_AUTH_FAILED");
    }
    if (typeof t.accessToken !== "string" || !t.accessToken)
      throw this.fail("`az account get-access-token` printed no accessToken", "DBX_CLI_AUTH_FAILED");
    const epoch = Number(t.expires_on);
    const expiresAt = Number.isFinite(epoch) && epoch > 0 ? epoch * 1000 : parseExpiry(t.expiresOn);
    return { value: t.accessToken, ...(expiresAt !== undefined ? { expiresAt } : {}) };
  }
}

const GCP_SA_ACCESS_TOKEN = "X-Databricks-GCP-SA-Access-Token";
const GCP_SCOPES = "https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/compute";

interface ServiceAccountKey {
  type?: string;
  client_email?: string;
  private_key?: string;
  private_key_id?: string;
  token_uri?: string;
}

/**
 * `google-credentials`: a GCP service account key (a file path, else the JSON itself, as
 * auth_gcp_google_credentials.go readCredentials). Authorization carries a Google-signed ID token
 * whose audience is the workspace host; X-Databricks-GCP-SA-Access-Token carries an access token
 * for the cloud-platform and compute scopes, omitted when Google refuses it (the SDK's optional
 * secondary header). Both come from the RFC 7523 JWT bearer grant at the key's `token_uri`.
 * Throws DpnError `DBX_GCP_AUTH_FAILED`.
 */
export class GoogleCredentialsTokenSource implements TokenSource {
  readonly kind = "google-credentials" as const;
  readonly refreshable = true;
  readonly #id: CachedToken;
  readonly #access: CachedToken;
  #key: ServiceAccountKey | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly host: string,
    private readonly credentials: string,
    opts: AuthRuntimeOptions = {},
  ) {
    this.fetchImpl = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    this.#id = new CachedToken(() => this.grant({ target_audience: this.host }, "id_token"), this.now);
    this.#access = new CachedToken(() => this.grant({ scope: GCP_SCOPES }, "access_token"), this.now);
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    return `Bearer ${await this.#id.get(signal)}`;
  }
  async extraHeaders(signal?: AbortSignal): Promise<Record<string, string>> {
    try {
      return { [GCP_SA_ACCESS_TOKEN]: await this.#access.get(signal) };
    } catch {
      return {};
    }
  }
  invalidate(): void {
    this.#id.invalidate();
    this.#access.invalidate();
  }

  private fail(message: string): DpnError {
    return new DpnError("auth", "DBX_GCP_AUTH_FAILED", message, {
      hint: "GOOGLE_CREDENTIALS (google_credentials) must be a service account key file or its JSON, for a service account added to the workspace.",
      details: { host: this.host, authType: "google-credentials" },
    });
  }

  private key(): ServiceAccountKey {
    if (this.#key) return this.#key;
    const isFile = existsSync(this.credentials);
    let text: string;
    try {
      text = isFile ? readFileSync(this.credentials, "utf8") : this.credentials;
    } catch (e) {
      throw this.fail(`google_credentials file cannot be read: ${(e as Error).message}`);
    }
    let key: ServiceAccountKey;
    try {
      key = JSON.parse(text) as ServiceAccountKey;
    } catch {
      // Never echo the value: it may be the key itself.
      throw this.fail(
        `google_credentials is neither a readable file nor JSON${isFile ? "" : " (no such file)"}`,
      );
    }
    if (key.type !== "service_account" || !key.client_email || !key.private_key)
      throw this.fail(
        `google_credentials is a "${key.type ?? "?"}" credential; dpn needs a service_account key with client_email and private_key`,
      );
    this.#key = key;
    return key;
  }

  private async grant(claims: Record<string, string>, field: "id_token" | "access_token"): Promise<Token> {
    const key = this.key();
    const tokenUri = key.token_uri ?? "https://oauth2.googleapis.com/token";
    const iat = Math.floor(this.now() / 1000);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const unsigned = `${b64({ alg: "RS256", typ: "JWT", ...(key.private_key_id ? { kid: key.private_key_id } : {}) })}.${b64({ iss: key.client_email, aud: tokenUri, iat, exp: iat + 3600, ...claims })}`;
    let signature: string;
    try {
      signature = createSign("RSA-SHA256")
        .update(unsigned)
        .sign(key.private_key as string, "base64url");
    } catch {
      throw this.fail(`the private_key of ${key.client_email} cannot sign (not a PEM RSA key)`);
    }
    let res: Response;
    try {
      res = await this.fetchImpl(tokenUri, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({
          grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
          assertion: `${unsigned}.${signature}`,
        }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw this.fail(`Google token request to ${tokenUri} failed: ${(e as Error).message}`);
    }
    const text = await res.text();
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(text) as Record<string, unknown>;
    } catch {
      o = {};
    }
    if (!res.ok) {
      const reason =
        typeof o.error === "string"
          ? ` ${o.error}${typeof o.error_description === "string" ? `: ${o.error_description}` : ""}`
          : "";
      throw this.fail(
        `Google refused the ${field} request for ${key.client_email} (HTTP ${res.status}${reason})`,
      );
    }
    const value = o[field];
    if (typeof value !== "string" || !value)
      throw this.fail(`Google token endpoint ${tokenUri} returned no ${field}`);
    let expiresAt: number | undefined;
    if (field === "access_token" && typeof o.expires_in === "number")
      expiresAt = this.now() + o.expires_in * 1000;
    if (field === "id_token") {
      try {
        const exp = (
          JSON.parse(Buffer.from(value.split(".")[1] ?? "", "base64url").toString()) as { exp?: number }
        ).exp;
        if (typeof exp === "number") expiresAt = exp * 1000;
      } catch {
        /* an opaque token: the default lifetime applies */
      }
    }
    return { value, ...(expiresAt !== undefined ? { expiresAt } : {}) };
  }
}

/**
 * The default chain (databricks-sdk-go config/auth_default.go): candidates in the SDK's order,
 * tried at the first request. A CLI method that gives no token is skipped for the next; any other
 * method, once reached, is the one (its failure is the error). When none gives a token: DpnError
 * `DBX_CREDENTIALS_MISSING` naming each method tried and why it gave none.
 */
export class DefaultChainTokenSource implements TokenSource {
  readonly kind = "default" as const;
  readonly refreshable = true;
  #chosen: Promise<TokenSource> | undefined;

  constructor(
    private readonly host: string,
    private readonly candidates: DatabricksAuthMethod[],
    private readonly opts: AuthRuntimeOptions = {},
  ) {}

  /** The method the chain settled on (after the first request), for messages. */
  async chosen(signal?: AbortSignal): Promise<TokenSource> {
    this.#chosen ??= this.choose(signal).catch((e: unknown) => {
      this.#chosen = undefined;
      throw e;
    });
    return this.#chosen;
  }

  private async choose(signal?: AbortSignal): Promise<TokenSource> {
    const skipped: string[] = [];
    for (const m of this.candidates) {
      const ts = methodTokenSource(this.host, m, this.opts);
      const probe = m.type === "databricks-cli" || m.type === "azure-cli";
      if (!probe) return ts;
      try {
        await ts.authorization(signal);
        return ts;
      } catch (e) {
        if (!(e instanceof DpnError)) throw e;
        skipped.push(`${m.type}: ${e.message}`);
      }
    }
    throw new DpnError(
      "auth",
      "DBX_CREDENTIALS_MISSING",
      `No Databricks credentials worked for ${this.host} (${skipped.join("; ")})`,
      {
        hint: `Run \`databricks auth login --host ${this.host}\`, set DATABRICKS_TOKEN or DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET, or set DATABRICKS_AUTH_TYPE to the method you mean.`,
        details: { host: this.host, tried: this.candidates.map((c) => c.type) },
      },
    );
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    return (await this.chosen(signal)).authorization(signal);
  }
  async extraHeaders(signal?: AbortSignal): Promise<Record<string, string>> {
    const ts = await this.chosen(signal);
    return ts.extraHeaders ? ts.extraHeaders(signal) : {};
  }
  invalidate(): void {
    // Only the chosen method's token: the choice itself stands.
    void this.#chosen?.then(
      (ts) => ts.invalidate(),
      () => undefined,
    );
  }
}

function methodTokenSource(host: string, m: DatabricksAuthMethod, opts: AuthRuntimeOptions): TokenSource {
  switch (m.type) {
    case "pat":
      return new PatTokenSource(m.token);
    case "oauth-m2m":
      return new OAuthM2mTokenSource(host, m.clientId, m.clientSecret, opts);
    case "databricks-cli":
      return new DatabricksCliTokenSource(host, m, opts);
    case "azure-msi":
    case "azure-client-secret":
    case "azure-cli":
      return new AzureTokenSource(host, m, opts);
    case "google-credentials":
      return new GoogleCredentialsTokenSource(host, m.credentials, opts);
  }
}

/** Build the token source for resolved auth settings. Never throws (failures surface on the first call). */
export function tokenSourceFor(
  host: string,
  auth: DatabricksAuth,
  opts: AuthRuntimeOptions = {},
): TokenSource {
  return auth.type === "default"
    ? new DefaultChainTokenSource(host, auth.candidates, opts)
    : methodTokenSource(host, auth, opts);
}
