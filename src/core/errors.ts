/**
 * The one error family of dpn. Every user-facing failure is a DpnError with a stable
 * UPPER_SNAKE `code`, a message naming the offending value, an optional `hint` (the next step),
 * redacted `details`, and the `cause`. The CLI renders it once and exits with `exitCode`.
 */

import { codeEntry, type ErrorCode } from "./error-codes.js";

export type { ErrorCode } from "./error-codes.js";

/** Documented process exit codes (docs/exit-codes.md). */
export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  VALIDATION: 3,
  AUTH: 4,
  PROVIDER: 5,
  ROLLED_BACK: 6,
  ROLLBACK_INCOMPLETE: 7,
  STATE: 8,
  ABORTED: 9,
  CHANGES_PENDING: 10,
  PLAN_STALE: 11,
  CLEANUP_FAILED: 12,
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Error categories; each maps to one exit code. */
export type ErrorKind =
  | "internal"
  | "usage"
  | "validation"
  | "auth"
  | "provider"
  | "rolled_back"
  | "rollback_incomplete"
  | "state"
  | "aborted"
  | "stale"
  | "cleanup"
  | "interrupted";

const KIND_EXIT: Record<ErrorKind, ExitCodeValue> = {
  internal: ExitCode.INTERNAL,
  usage: ExitCode.USAGE,
  validation: ExitCode.VALIDATION,
  auth: ExitCode.AUTH,
  provider: ExitCode.PROVIDER,
  rolled_back: ExitCode.ROLLED_BACK,
  rollback_incomplete: ExitCode.ROLLBACK_INCOMPLETE,
  state: ExitCode.STATE,
  aborted: ExitCode.ABORTED,
  stale: ExitCode.PLAN_STALE,
  cleanup: ExitCode.CLEANUP_FAILED,
  interrupted: ExitCode.INTERRUPTED,
};

/** The exit code of an error kind. */
export const exitOfKind = (kind: ErrorKind): ExitCodeValue => KIND_EXIT[kind];

/** One located problem, used when several problems are reported at once (validation). */
export interface Problem {
  /** Stable UPPER_SNAKE code, e.g. `S3_RESERVED_PREFIX`. */
  code: string;
  message: string;
  /** JSON path (`$.resources.aws.s3_buckets[0].layer`) or a YAML path, when known. */
  path?: string;
  /** 1-based line and column in the source file, when known. */
  line?: number;
  column?: number;
  /** File the problem is in, when known. */
  file?: string;
  hint?: string;
  /** `official` (a platform limit) or `house` (a convention rule), for naming rules. */
  source?: string;
  /** Severity; warnings never fail a command. */
  severity?: "error" | "warning";
}

export interface DpnErrorOptions {
  hint?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
  problems?: Problem[];
}

export class DpnError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;
  readonly problems: Problem[];

  /**
   * `kind` is what the raising site means; a registered code's own kind wins, so a code has one
   * exit wherever it is raised (a test holds the raising sites to the registry).
   */
  constructor(kind: ErrorKind, code: ErrorCode, message: string, options: DpnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DpnError";
    this.kind = codeEntry(code)?.kind ?? kind;
    this.code = code;
    this.hint = options.hint;
    this.details = redact(options.details ?? {}) as Record<string, unknown>;
    this.problems = options.problems ?? [];
  }

  get exitCode(): ExitCodeValue {
    return KIND_EXIT[this.kind];
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      kind: this.kind,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(Object.keys(this.details).length ? { details: this.details } : {}),
      ...(this.problems.length ? { problems: this.problems } : {}),
      exit_code: this.exitCode,
    };
  }
}

export const usageError = (code: ErrorCode, message: string, o?: DpnErrorOptions) =>
  new DpnError("usage", code, message, o);
export const validationError = (code: ErrorCode, message: string, o?: DpnErrorOptions) =>
  new DpnError("validation", code, message, o);
export const stateError = (code: ErrorCode, message: string, o?: DpnErrorOptions) =>
  new DpnError("state", code, message, o);
export const internalError = (code: ErrorCode, message: string, o?: DpnErrorOptions) =>
  new DpnError("internal", code, message, o);

/**
 * Provider (remote API) failures. `outcome` says whether the remote effect may have happened:
 * `not_applied` (nothing changed remotely), `unknown` (the call may have taken effect: look it up
 * by natural key before assuming anything), `applied` is never used for errors.
 */
export type RemoteOutcome = "not_applied" | "unknown";

export type ProviderErrorCategory =
  | "auth"
  | "throttled"
  | "conflict"
  | "not_found"
  | "invalid_input"
  | "unavailable"
  | "timeout"
  | "internal";

/** The error kind (hence exit) of a provider failure's category. */
export const kindOfCategory = (category: ProviderErrorCategory): ErrorKind =>
  category === "auth" ? "auth" : category === "invalid_input" ? "validation" : "provider";

export class ProviderError extends DpnError {
  readonly category: ProviderErrorCategory;
  readonly outcome: RemoteOutcome;
  readonly retryable: boolean;

  constructor(
    category: ProviderErrorCategory,
    code: ErrorCode,
    message: string,
    options: DpnErrorOptions & { outcome?: RemoteOutcome; retryable?: boolean } = {},
  ) {
    super(kindOfCategory(category), code, message, options);
    this.name = "ProviderError";
    this.category = category;
    this.outcome = options.outcome ?? "not_applied";
    this.retryable = options.retryable ?? (category === "throttled" || category === "unavailable");
  }
}

export function isDpnError(e: unknown): e is DpnError {
  return e instanceof DpnError;
}

const SECRET_KEY =
  /(token|secret|password|authorization|credential|access[_-]?key|session[_-]?key|api[_-]?key)/i;

/**
 * Replace secret-looking values (by key name) with "***" in a JSON-like value, recursively at
 * any depth. Used for error details, audit events and anything persisted. Cycles become
 * "[cycle]"; an object shared by two branches is copied into both.
 */
/**
 * `text` with the password of every URL in it replaced by `***`
 * (`postgres://dpn:s3cret@db/dpn` → `postgres://dpn:***@db/dpn`), for command lines, messages and
 * anything stored.
 */
export function redactUrlPasswords(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/gi, "$1:***@");
}

/**
 * `JSON.stringify(redact(value))` without building the redacted copy first (a replacer applies the
 * same rules as `redact` while serialising): what the state stores. Input must be JSON-like (no
 * cycles); undefined at the top gives undefined.
 */
export function redactedJson(value: unknown): string | undefined {
  return JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    if (
      key !== "" &&
      !Array.isArray(this) &&
      SECRET_KEY.test(key) &&
      v !== undefined &&
      v !== null &&
      v !== ""
    )
      return "***";
    return typeof v === "string" ? redactUrlPasswords(v) : v;
  });
}

export function redact(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === "string") return redactUrlPasswords(value);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[cycle]";
  // `seen` holds the ancestors only: an object shared by two branches is not a cycle
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) out = value.map((v) => redact(v, seen));
  else {
    const obj: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const kept = SECRET_KEY.test(k) && v !== undefined && v !== null && v !== "" ? "***" : redact(v, seen);
      // an own "__proto__" key (JSON.parse makes them) stays a key: assigning it would set the
      // copy's prototype and drop it
      if (k === "__proto__")
        Object.defineProperty(obj, k, { value: kept, enumerable: true, writable: true, configurable: true });
      else obj[k] = kept;
    }
    out = obj;
  }
  seen.delete(value);
  return out;
}
