/**
 * Credential providers: a PAT as is, or OAuth machine-to-machine (client credentials) with OIDC
 * discovery and a cached token refreshed shortly before it expires. Tokens live only in memory;
 * they are never logged or put into error messages/details.
 */
import { DpnError } from "../../core/errors.js";
import type { DatabricksAuth } from "./config.js";

/** Supplies the `Authorization` header value for API calls. */
export interface TokenSource {
  readonly kind: DatabricksAuth["type"];
  /** Header value (`Bearer …`). Throws DpnError kind `auth` when credentials are rejected. */
  authorization(signal?: AbortSignal): Promise<string>;
  /** Forget a cached token (after a 401) so the next call fetches a fresh one. */
  invalidate(): void;
}

export class PatTokenSource implements TokenSource {
  readonly kind = "pat" as const;
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

/**
 * OAuth M2M token source. Discovery: `GET {host}/oidc/.well-known/oauth-authorization-server`
 * (falls back to `{host}/oidc/v1/token` when discovery is unavailable); token: `POST` form
 * `grant_type=client_credentials&scope=all-apis` with HTTP Basic client credentials.
 */
export class OAuthM2mTokenSource implements TokenSource {
  readonly kind = "oauth-m2m" as const;
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

/** Build the token source for resolved auth settings. */
export function tokenSourceFor(host: string, auth: DatabricksAuth, opts: M2mOptions = {}): TokenSource {
  return auth.type === "pat"
    ? new PatTokenSource(auth.token)
    : new OAuthM2mTokenSource(host, auth.clientId, auth.clientSecret, opts);
}
