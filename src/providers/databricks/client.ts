/**
 * Small typed REST client for one Databricks workspace on Node's fetch: auth header, JSON with
 * exact int64 ids, client-side rate limit, per-request timeout, retries for 429/503 (honouring
 * Retry-After) and network failures of requests that are safe to repeat. Every failure is a
 * ProviderError (or a DpnError kind `auth` from the credential source).
 */

import { remoteCallPoint } from "../../core/crash-points.js";
import type { ErrorCode } from "../../core/error-codes.js";
import { DpnError, ProviderError } from "../../core/errors.js";
import { sleep } from "../../core/sleep.js";
import type { TokenBucket } from "../../core/token-bucket.js";
import { type TokenSource, tokenSourceFor } from "./auth.js";
import type { DatabricksConfig } from "./config.js";
import {
  type DatabricksApiError,
  isNotFound,
  isRetryableResponse,
  parseErrorBody,
  toProviderError,
} from "./errors.js";
import { parseJsonWithInt64, stringifyJsonWithInt64 } from "./int64-json.js";
import { bucketForHost } from "./rate-limit.js";

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  /**
   * True when sending the request twice has the same effect as once (full replaces, deletes,
   * terminate). GET is always idempotent. Non-idempotent requests are never re-sent after they
   * may have reached the server; the error then carries outcome "unknown".
   */
  idempotent?: boolean;
  /** Stops retries and waits between attempts; never cancels an exchange in flight (see request). */
  signal?: AbortSignal;
}

/** One finished HTTP exchange, for debugging. Carries no headers and no bodies. */
export interface RequestLogEvent {
  method: HttpMethod;
  path: string;
  status: number | "network_error";
  attempt: number;
  durationMs: number;
}

export interface ClientOptions {
  fetch?: typeof fetch;
  /** Override the resolved token source (tests). */
  tokenSource?: TokenSource;
  /** Total time budget for retries of one call (default 300 s, like the Go SDK). */
  retryBudgetMs?: number;
  /** Upper bound of the computed backoff between attempts (default 10 s). */
  maxBackoffMs?: number;
  /** Rate limiter; default: the shared per-host bucket at `config.rateLimit`. */
  bucket?: TokenBucket;
  onRequest?: (e: RequestLogEvent) => void;
  userAgent?: string;
}

/** The subset of an API error kept for callers that branch on it (e.g. "does not exist"). */
export class DatabricksCallError extends ProviderError {
  constructor(
    readonly api: DatabricksApiError,
    base: ProviderError,
  ) {
    super(base.category, base.code, base.message, {
      outcome: base.outcome,
      retryable: base.retryable,
      hint: base.hint,
      details: base.details,
    });
    this.name = "DatabricksCallError";
  }
  get notFound(): boolean {
    return isNotFound(this.api);
  }
}

/** True when `e` is a Databricks "not found" in any of its spellings. */
export function isNotFoundError(e: unknown): boolean {
  return e instanceof DatabricksCallError && e.notFound;
}

const IDEMPOTENT_METHODS = new Set<HttpMethod>(["GET", "PUT", "DELETE"]);

export class DatabricksClient {
  readonly host: string;
  readonly warehouseId: string | undefined;
  private readonly tokens: TokenSource;
  private readonly fetchImpl: typeof fetch;
  private readonly bucket: TokenBucket;
  private readonly timeoutMs: number;
  private readonly retryBudgetMs: number;
  private readonly maxBackoffMs: number;
  private readonly userAgent: string;
  private readonly onRequest: ((e: RequestLogEvent) => void) | undefined;

  constructor(config: DatabricksConfig, opts: ClientOptions = {}) {
    this.host = config.host;
    this.warehouseId = config.warehouseId;
    this.fetchImpl = opts.fetch ?? fetch;
    this.tokens =
      opts.tokenSource ??
      tokenSourceFor(config.host, config.auth, { fetch: this.fetchImpl, timeoutMs: config.timeoutMs });
    this.bucket = opts.bucket ?? bucketForHost(config.host, config.rateLimit);
    this.timeoutMs = config.timeoutMs;
    this.retryBudgetMs = opts.retryBudgetMs ?? 300_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.userAgent = opts.userAgent ?? "dpn/0.2.0";
    this.onRequest = opts.onRequest;
  }

  /**
   * Call `method path`. Resolves with the parsed JSON body (`{}` when empty). Throws
   * `DatabricksCallError` (a ProviderError) for API errors, ProviderError `DBX_NETWORK` /
   * `DBX_OUTCOME_UNKNOWN` for transport failures, DpnError kind `auth` for credential failures.
   */
  async request<T>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    const idempotent = opts.idempotent ?? IDEMPOTENT_METHODS.has(method);
    const url = new URL(path, this.host);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const body =
      opts.body === undefined || method === "GET" || method === "DELETE"
        ? undefined
        : stringifyJsonWithInt64(opts.body);
    const call = { method, path: url.pathname };
    const callName = `${method} ${url.pathname}`;
    const started = Date.now();
    let refreshedAuth = false;

    // The caller's signal (Ctrl-C, a lost stack lock) only stops retries and the waits between
    // attempts. It never cancels an exchange in flight or a first attempt: a create we stopped
    // waiting for can still land on the server after we looked for it, and the rollback that
    // follows an interrupt runs with the same, already aborted, signal and must still reach
    // Databricks. Each exchange is bounded by the per-request timeout instead.
    const stopped = () => opts.signal?.aborted === true;
    for (let attempt = 1; ; attempt++) {
      await this.bucket.take();
      const authorization = await this.tokens.authorization();
      const authHeaders = this.tokens.extraHeaders ? await this.tokens.extraHeaders() : {};
      const t0 = performance.now();
      const signal = AbortSignal.timeout(this.timeoutMs);
      let res: Response;
      let text: string;
      try {
        res = await this.fetchImpl(url, {
          method,
          headers: {
            ...authHeaders,
            Authorization: authorization,
            Accept: "application/json",
            "User-Agent": this.userAgent,
            ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
          },
          ...(body !== undefined ? { body } : {}),
          signal,
        });
        text = await res.text();
      } catch (e) {
        this.log(method, call.path, "network_error", attempt, t0);
        // A crash point after every exchange, answered or not (crash-points.ts): the kill-point
        // tests need one between every pair of remote calls of a step.
        remoteCallPoint(callName);
        const unreachable = unreachableReason(e);
        if (unreachable) {
          // Nothing was sent. A refused connection or an unknown host is almost always the
          // configuration, not a blip: one quick second try, then a clear answer, instead of
          // minutes of backoff; the engine does not retry it again (retryable: false).
          if (
            attempt < UNREACHABLE_ATTEMPTS &&
            !stopped() &&
            (await pause(UNREACHABLE_PAUSE_MS, opts.signal))
          )
            continue;
          throw this.unreachableError(call, e, unreachable);
        }
        const notSent = connectionRefused(e);
        // a GET changes nothing, so an unanswered GET has no unknown outcome to look up
        const outcome = notSent || method === "GET" ? "not_applied" : "unknown";
        if (
          (idempotent || notSent) &&
          this.canRetry(started, attempt) &&
          !stopped() &&
          (await pause(this.backoff(attempt), opts.signal))
        ) {
          continue;
        }
        throw this.transportError(
          call,
          e,
          outcome === "unknown" ? "DBX_OUTCOME_UNKNOWN" : "DBX_NETWORK",
          outcome,
          true,
        );
      }
      this.log(method, call.path, res.status, attempt, t0);
      remoteCallPoint(callName);
      if (res.ok) {
        if (!text.trim()) return {} as T;
        try {
          return parseJsonWithInt64(text) as T;
        } catch (e) {
          throw new ProviderError(
            "internal",
            "DBX_BAD_RESPONSE",
            `Databricks ${method} ${call.path} returned invalid JSON`,
            {
              outcome: method === "GET" ? "not_applied" : "unknown",
              cause: e,
              details: call,
            },
          );
        }
      }
      const err = parseErrorBody(res.status, text, res.headers);
      if (res.status === 401 && this.tokens.refreshable && !refreshedAuth) {
        // An expired/revoked OAuth or AAD token: a 401 means nothing happened, so fetch a new one and resend.
        refreshedAuth = true;
        this.tokens.invalidate();
        continue;
      }
      if (isRetryableResponse(err)) {
        const wait = err.retryAfterMs ?? this.backoff(attempt);
        if (
          Date.now() - started + wait <= this.retryBudgetMs &&
          !stopped() &&
          (await pause(wait, opts.signal))
        ) {
          continue;
        }
      }
      // 4xx: the server refused, nothing changed. 5xx on a mutating call: it may have happened.
      const outcome =
        res.status >= 500 && method !== "GET" && !isRetryableResponse(err) ? "unknown" : "not_applied";
      throw new DatabricksCallError(err, toProviderError(err, call, outcome));
    }
  }

  private canRetry(started: number, attempt: number): boolean {
    return attempt < 6 && Date.now() - started + this.backoff(attempt) <= this.retryBudgetMs;
  }

  /** Linear backoff like the Go SDK (attempt × 1 s, capped) plus 50–750 ms jitter. */
  private backoff(attempt: number): number {
    return Math.min(attempt * 1000, this.maxBackoffMs) + 50 + Math.random() * 700;
  }

  private log(
    method: HttpMethod,
    path: string,
    status: number | "network_error",
    attempt: number,
    t0: number,
  ): void {
    this.onRequest?.({ method, path, status, attempt, durationMs: Math.round(performance.now() - t0) });
  }

  private unreachableError(
    call: { method: string; path: string },
    e: unknown,
    reason: string,
  ): ProviderError {
    return new ProviderError(
      "unavailable",
      "DBX_UNREACHABLE",
      `cannot reach ${this.host}: ${reason} (Databricks ${call.method} ${call.path} was not sent)`,
      {
        outcome: "not_applied",
        retryable: false,
        hint: `Check DATABRICKS_HOST (or the profile's host) and that this machine can reach ${this.host} (VPN, proxy, firewall); nothing was changed.`,
        details: { ...call, host: this.host, reason },
        cause: e,
      },
    );
  }

  private transportError(
    call: { method: string; path: string },
    e: unknown,
    code: ErrorCode,
    outcome: "unknown" | "not_applied",
    retryable: boolean,
  ): ProviderError {
    const timedOut = (e as Error)?.name === "TimeoutError";
    const msg = timedOut ? `timed out after ${this.timeoutMs} ms` : ((e as Error)?.message ?? String(e));
    return new ProviderError(
      timedOut ? "timeout" : "unavailable",
      code,
      `Databricks ${call.method} ${call.path}: ${msg}`,
      {
        outcome,
        retryable,
        hint:
          outcome === "unknown"
            ? "The request may have reached Databricks; look the object up before retrying."
            : `Check network access to ${this.host}.`,
        details: { ...call },
        cause: e,
      },
    );
  }
}

/** Attempts for a call whose connection is refused or whose host does not resolve. */
const UNREACHABLE_ATTEMPTS = 2;
const UNREACHABLE_PAUSE_MS = 300;

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "the host name does not resolve",
  EHOSTUNREACH: "no route to the host",
  ENETUNREACH: "the network is unreachable",
};

/** Why the request could not even be sent, for the failures that mean "wrong host or no route". */
function unreachableReason(e: unknown): string | undefined {
  const code = (e as { cause?: { code?: string } })?.cause?.code;
  return code && code in UNREACHABLE ? `${UNREACHABLE[code]} (${code})` : undefined;
}

function connectionRefused(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } })?.cause;
  return cause?.code === "ECONNREFUSED" || cause?.code === "ENOTFOUND" || cause?.code === "EAI_AGAIN";
}

/** Rethrow anything that is not a DpnError as an internal ProviderError. */
export function asProviderError(e: unknown, what: string): DpnError {
  if (e instanceof DpnError) return e;
  return new ProviderError("internal", "DBX_INTERNAL", `${what}: ${(e as Error)?.message ?? String(e)}`, {
    outcome: "unknown",
    cause: e,
  });
}

/** Wait `ms`; resolves false at once when `signal` is (or becomes) aborted, true otherwise. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return sleep(ms, signal).then(
    () => true,
    () => false,
  );
}
