/**
 * Databricks error bodies → ProviderError. Accepts every shape in api-contracts.md §1.3:
 * `{error_code,message,details}`, legacy `{error}`, SCIM `{detail,status,scimType}`, plain text
 * `CODE: message`, gateway HTML `<pre>message</pre>` and empty bodies.
 */
import type { ErrorCode } from "../../core/error-codes.js";
import { ProviderError, type ProviderErrorCategory, type RemoteOutcome } from "../../core/errors.js";

/** A parsed Databricks API error. */
export interface DatabricksApiError {
  status: number;
  /** `error_code` (stringified when the old API sent an integer), or "" when none was given. */
  errorCode: string;
  message: string;
  /** From `Retry-After` or a `RetryInfo` detail, when present. */
  retryAfterMs?: number;
  requestId?: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Parse a `Retry-After` header (delta seconds or HTTP date) or `retry_delay` ("1.5s"). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  const secs = /^(\d+(?:\.\d+)?)s?$/.exec(v);
  if (secs?.[1]) return Math.round(Number(secs[1]) * 1000);
  const at = Date.parse(v);
  if (!Number.isNaN(at)) return Math.max(0, at - now);
  return undefined;
}

/** Parse an error response body of any known shape. Never throws. */
export function parseErrorBody(status: number, text: string, headers?: Headers): DatabricksApiError {
  const out: DatabricksApiError = { status, errorCode: "", message: "" };
  const body = text.trim();
  let parsed: unknown;
  if (body.startsWith("{")) {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  if (parsed && typeof parsed === "object") {
    const o = parsed as Record<string, unknown>;
    if (o.error_code !== undefined && o.error_code !== null) out.errorCode = String(o.error_code);
    if (typeof o.message === "string") out.message = o.message;
    else if (typeof o.error === "string")
      out.message = o.error; // API 1.2
    else if (typeof o.detail === "string") out.message = o.detail; // SCIM
    if (!out.errorCode && typeof o.scimType === "string") out.errorCode = o.scimType;
    if (Array.isArray(o.details)) {
      for (const d of o.details as Record<string, unknown>[]) {
        if (!d || typeof d !== "object") continue;
        if (typeof d.retry_delay === "string") out.retryAfterMs = parseRetryAfter(d.retry_delay);
        if (typeof d.request_id === "string") out.requestId = d.request_id;
      }
    }
  } else if (body) {
    const pre = /<pre>([\s\S]*?)<\/pre>/i.exec(body);
    if (pre?.[1] !== undefined) {
      out.message = pre[1].trim();
    } else if (!body.startsWith("<")) {
      const m = /^([A-Z][A-Z0-9_]+):\s*([\s\S]*)$/.exec(body);
      if (m?.[1] && m[2] !== undefined) {
        out.errorCode = m[1];
        out.message = m[2].trim();
      } else {
        out.message = body;
      }
    }
  }
  if (!out.message) out.message = STATUS_TEXT[status] ?? `HTTP ${status}`;
  const ra = parseRetryAfter(headers?.get("retry-after"));
  if (ra !== undefined) out.retryAfterMs = ra;
  const rid = headers?.get("x-request-id") ?? headers?.get("x-databricks-request-id");
  if (rid && !out.requestId) out.requestId = rid;
  return out;
}

/**
 * True for every "not found" spelling: 404, `*_DOES_NOT_EXIST`/`NOT_FOUND` codes, and the
 * 400 `INVALID_PARAMETER_VALUE` "... does not exist" of clusters/get and jobs/get.
 */
export function isNotFound(e: DatabricksApiError): boolean {
  if (e.status === 404) return true;
  if (/(^|_)DOES_NOT_EXIST$|^NOT_FOUND$/.test(e.errorCode)) return true;
  return e.status === 400 && e.errorCode === "INVALID_PARAMETER_VALUE" && /does not exist/i.test(e.message);
}

const TRANSIENT = [
  /UnknownWorkerEnvironmentException/,
  /does not have any associated worker environments/,
  /There is no worker environment with id/,
  /Unknown worker environment/,
  /ClusterNotReadyException/,
  /worker env .* not found/,
  /Timed out after /,
  /deadline exceeded/,
];

/** True when the server said the request was not processed and may be sent again. */
export function isRetryableResponse(e: DatabricksApiError): boolean {
  if (e.status === 429 || e.status === 503) return true;
  if (e.errorCode === "REQUEST_LIMIT_EXCEEDED" || e.errorCode === "TEMPORARILY_UNAVAILABLE") return true;
  return TRANSIENT.some((re) => re.test(e.message));
}

/** Map a parsed error to a ProviderError category. */
export function categoryOf(e: DatabricksApiError): ProviderErrorCategory {
  const c = e.errorCode;
  if (isNotFound(e)) return "not_found";
  if (e.status === 401 || e.status === 403 || c === "UNAUTHENTICATED" || c === "PERMISSION_DENIED")
    return "auth";
  if (e.status === 429 || c === "REQUEST_LIMIT_EXCEEDED" || c === "RESOURCE_EXHAUSTED") return "throttled";
  if (
    /ALREADY_EXISTS$|NOT_EMPTY$/.test(c) ||
    c === "ABORTED" ||
    c === "INVALID_STATE" ||
    c === "QUOTA_EXCEEDED"
  )
    return "conflict";
  if (e.status === 409) return "conflict";
  if (e.status === 504 || c === "DEADLINE_EXCEEDED") return "timeout";
  if (e.status === 502 || e.status === 503 || c === "TEMPORARILY_UNAVAILABLE") return "unavailable";
  if (e.status >= 400 && e.status < 500) return "invalid_input";
  return "internal";
}

const CODE_BY_CATEGORY: Record<ProviderErrorCategory, ErrorCode> = {
  auth: "DBX_AUTH",
  throttled: "DBX_THROTTLED",
  conflict: "DBX_CONFLICT",
  not_found: "DBX_NOT_FOUND",
  invalid_input: "DBX_INVALID_REQUEST",
  unavailable: "DBX_UNAVAILABLE",
  timeout: "DBX_TIMEOUT",
  internal: "DBX_INTERNAL",
};

const HINT_BY_CATEGORY: Partial<Record<ProviderErrorCategory, string>> = {
  auth: "Check DATABRICKS_TOKEN / DATABRICKS_CLIENT_ID+SECRET (or the profile) and the principal's permissions.",
  throttled: "Lower the request rate (DATABRICKS_RATE_LIMIT) or retry later.",
  unavailable: "Databricks is temporarily unavailable; retry later.",
  conflict: "The object already exists, is not empty, or is in a state that forbids this change.",
};

/**
 * Build the ProviderError for a failed call. `outcome` is the caller's knowledge of whether the
 * call may have taken effect (4xx never does; a 5xx on a mutating call may have).
 */
export function toProviderError(
  e: DatabricksApiError,
  call: { method: string; path: string },
  outcome: RemoteOutcome = "not_applied",
): ProviderError {
  const category = categoryOf(e);
  const what = e.errorCode ? `${e.errorCode}: ${e.message}` : e.message;
  return new ProviderError(
    category,
    CODE_BY_CATEGORY[category],
    `Databricks ${call.method} ${call.path} failed (HTTP ${e.status}) ${what}`,
    {
      outcome,
      hint: HINT_BY_CATEGORY[category],
      details: {
        status: e.status,
        error_code: e.errorCode || undefined,
        method: call.method,
        path: call.path,
        ...(e.requestId ? { request_id: e.requestId } : {}),
      },
    },
  );
}
