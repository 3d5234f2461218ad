/**
 * Maps AWS SDK v3 errors (S3, Glue, STS, credential providers, Node network errors) onto dpn's
 * ProviderError categories, keeping the AWS error code, HTTP status and request id in details.
 */

import type { ErrorCode } from "../../core/error-codes.js";
import { ProviderError, type ProviderErrorCategory, type RemoteOutcome } from "../../core/errors.js";
import { awsProfiles } from "./aws-profiles.js";

export interface AwsCallContext {
  service: "s3" | "glue" | "sts";
  operation: string;
  /** What was being worked on, for the message (bucket name, `db.table`, …). */
  resource: string;
  /**
   * The call changes remote state. When such a call fails after the request may have reached AWS
   * (timeout, connection reset, 5xx), the outcome is `unknown` rather than `not_applied`.
   */
  mutating?: boolean;
  /** Credential check (preflight): every credential failure becomes code AWS_AUTH. */
  authCheck?: boolean;
  profile?: string | undefined;
  /** The environment the clients read (to find the shared files when a profile is missing). */
  env?: Record<string, string | undefined>;
}

const AUTH = new Set([
  "CredentialsProviderError",
  "TokenProviderError",
  "InvalidAccessKeyId",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidToken",
  "TokenRefreshRequired",
  "UnrecognizedClientException",
  "AccessDenied",
  "AccessDeniedException",
  "AllAccessDisabled",
  "AuthFailure",
  "MissingAuthenticationToken",
  "Forbidden",
]);
const THROTTLED = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
  "BandwidthLimitExceeded",
  "LimitExceededException",
  "ProvisionedThroughputExceededException",
]);
const CONFLICT = new Set([
  "BucketAlreadyExists",
  "BucketAlreadyOwnedByYou",
  "BucketNotEmpty",
  "OperationAborted",
  "AlreadyExistsException",
  "ConcurrentModificationException",
  "ConditionalRequestConflict",
  "PreconditionFailed",
  "ResourceNotReadyException",
]);
const NOT_FOUND = new Set([
  "NoSuchBucket",
  "NotFound",
  "EntityNotFoundException",
  "NoSuchKey",
  "NoSuchBucketPolicy",
  "NoSuchTagSet",
  "NoSuchLifecycleConfiguration",
  "NoSuchPublicAccessBlockConfiguration",
  "ServerSideEncryptionConfigurationNotFoundError",
]);
const TIMEOUT = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "OperationTimeoutException",
]);
/** Node errors raised before a request could reach the server: nothing can have happened. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
const NETWORK = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "UND_ERR_SOCKET", ...NOT_SENT]);

interface SdkLike {
  name?: string;
  code?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string; attempts?: number };
}

/** The AWS error code of an SDK error (`name`), or the Node error code for network failures. */
export function awsErrorCode(e: unknown): string {
  const err = (e ?? {}) as SdkLike;
  if (err.code && NETWORK.has(err.code)) return err.code;
  return err.name ?? "Error";
}

export function httpStatusOf(e: unknown): number | undefined {
  return ((e ?? {}) as SdkLike).$metadata?.httpStatusCode;
}

/** True when the SDK error means "this object (or sub-resource) does not exist". */
export function isNotFound(e: unknown): boolean {
  return NOT_FOUND.has(awsErrorCode(e)) || httpStatusOf(e) === 404;
}

/** True when the SDK error carries one of `codes`. */
export function hasAwsCode(e: unknown, ...codes: string[]): boolean {
  return codes.includes(awsErrorCode(e));
}

/** Throttling, or a connection failure before the request left: safe to retry even for a create. */
export function isSafeToRetry(e: unknown): boolean {
  const code = awsErrorCode(e);
  return THROTTLED.has(code) || NOT_SENT.has(code) || httpStatusOf(e) === 429;
}

/**
 * AWS asked us to slow down: a throttling code (S3 SlowDown, ThrottlingException, …), HTTP 429,
 * or HTTP 503 (S3 answers SlowDown as 503; other services use it for "reduce your rate" too).
 */
export function isThrottling(e: unknown): boolean {
  const status = httpStatusOf(e);
  return THROTTLED.has(awsErrorCode(e)) || status === 429 || status === 503;
}

function categorize(code: string, status: number | undefined): ProviderErrorCategory {
  if (AUTH.has(code) || status === 401 || status === 403) return "auth";
  if (THROTTLED.has(code) || status === 429) return "throttled";
  if (TIMEOUT.has(code)) return "timeout";
  if (CONFLICT.has(code) || status === 409 || status === 412) return "conflict";
  if (NOT_FOUND.has(code) || status === 404) return "not_found";
  if (NETWORK.has(code)) return "unavailable";
  if (status !== undefined && status >= 500) return "unavailable";
  if (status !== undefined && status >= 400) return "invalid_input";
  return "internal";
}

function upperSnake(s: string): string {
  return s
    .replace(/Exception$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toUpperCase();
}

function authHint(profile: string | undefined): string {
  const p = profile ? ` --profile ${profile}` : "";
  return (
    `Check the AWS credentials dpn uses (SDK default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ` +
    `AWS_PROFILE or --profile, ~/.aws/config and ~/.aws/credentials, SSO, role, instance metadata). ` +
    `For SSO run \`aws sso login${p}\`; verify with \`aws sts get-caller-identity${p}\`.`
  );
}

/**
 * AWS_PROFILE_NOT_FOUND (exit 4) when the selected profile is in neither shared file, naming it
 * and the profiles there are; undefined when it is defined (its credentials failed otherwise) or
 * no profile or environment is known.
 */
function profileNotFound(
  ctx: AwsCallContext,
  details: Record<string, unknown>,
  cause: unknown,
): ProviderError | undefined {
  const profile = ctx.profile;
  if (!profile || !ctx.env) return undefined;
  const { names, files } = awsProfiles(ctx.env);
  if (names.includes(profile)) return undefined;
  const create = `create it with \`aws configure --profile ${profile}\` (or \`aws configure sso --profile ${profile}\`)`;
  return new ProviderError(
    "auth",
    "AWS_PROFILE_NOT_FOUND",
    `AWS profile "${profile}" is not defined in ${files.config} or ${files.credentials}.`,
    {
      hint: names.length
        ? `Known profiles: ${names.join(", ")}. Choose one with --profile <name> (or AWS_PROFILE), or ${create}.`
        : `Those files define no profile: ${create}, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at your files.`,
      details: { ...details, profile, known_profiles: names, files },
      cause,
    },
  );
}

/**
 * Turn any error thrown by an AWS call into a ProviderError. Never throws itself.
 * - Credential failures → category `auth` (exit 4), code AWS_AUTH.
 * - Mutations that fail after the request may have been processed (timeouts, resets, 5xx) →
 *   outcome `unknown`; everything else → `not_applied`.
 */
export function toProviderError(e: unknown, ctx: AwsCallContext): ProviderError {
  if (e instanceof ProviderError) return e;
  const err = (e ?? {}) as SdkLike;
  const code = awsErrorCode(e);
  const status = err.$metadata?.httpStatusCode;
  const category = categorize(code, status);
  const requestId = err.$metadata?.requestId;
  const details: Record<string, unknown> = {
    service: ctx.service,
    operation: ctx.operation,
    resource: ctx.resource,
    aws_error_code: code,
    ...(status !== undefined ? { http_status: status } : {}),
    ...(requestId ? { request_id: requestId } : {}),
    ...(err.$metadata?.extendedRequestId ? { extended_request_id: err.$metadata.extendedRequestId } : {}),
    ...(err.$metadata?.attempts ? { attempts: err.$metadata.attempts } : {}),
  };
  const maybeProcessed =
    ctx.mutating === true &&
    !NOT_SENT.has(code) &&
    (category === "timeout" ||
      category === "unavailable" ||
      category === "internal" ||
      (status !== undefined && status >= 500));
  const outcome: RemoteOutcome = maybeProcessed ? "unknown" : "not_applied";
  const raw = err.message && err.message !== "UnknownError" ? err.message : code;

  if (category === "auth") {
    const missing = code === "CredentialsProviderError" || code === "TokenProviderError";
    const unknownProfile = missing ? profileNotFound(ctx, details, e) : undefined;
    if (unknownProfile) return unknownProfile;
    const message = missing
      ? `No usable AWS credentials were found for ${ctx.service} ${ctx.operation} (${raw}).`
      : `AWS rejected the credentials or denied ${ctx.service}:${ctx.operation} on ${ctx.resource}: ${code}: ${raw}`;
    // Preflight and credential-chain failures share one stable code; permission denials on a
    // single call keep a specific code so they can be told apart from "not logged in".
    const authCode =
      ctx.authCheck || missing || !code.startsWith("AccessDenied") ? "AWS_AUTH" : "AWS_ACCESS_DENIED";
    return new ProviderError("auth", authCode, message, {
      hint:
        authCode === "AWS_AUTH"
          ? authHint(ctx.profile)
          : `Grant the permission ${ctx.service}:${ctx.operation} to the caller, or use a profile that has it.`,
      details,
      cause: e,
      outcome,
    });
  }
  const message = `AWS ${ctx.service} ${ctx.operation} failed for ${ctx.resource}: ${code}: ${raw}`;
  const hint =
    outcome === "unknown"
      ? `The request may have taken effect; dpn looks ${ctx.resource} up again before deciding.`
      : category === "throttled"
        ? "AWS throttled the request after the SDK's retries; run again later or lower the concurrency."
        : undefined;
  return new ProviderError(category, `AWS_${upperSnake(code)}`, message, {
    ...(hint ? { hint } : {}),
    details,
    cause: e,
    outcome,
  });
}

/** Build a ProviderError without an SDK error (our own refusals). */
export function awsRefusal(
  category: ProviderErrorCategory,
  code: ErrorCode,
  message: string,
  hint: string,
  details: Record<string, unknown> = {},
  outcome: RemoteOutcome = "not_applied",
): ProviderError {
  return new ProviderError(category, code, message, { hint, details, outcome });
}

/**
 * Apply several dependent settings calls in order. A failure before any call took effect is
 * thrown as it is (nothing changed); after one or more took effect, the error's outcome is
 * "unknown" so the engine re-reads the object and restores its previous settings.
 * `noun` names the object in the hint ("bucket", "database").
 */
export async function runSettingSteps(
  steps: (() => Promise<void>)[],
  toError: (e: unknown) => ProviderError,
  noun: string,
): Promise<void> {
  let done = 0;
  for (const step of steps) {
    try {
      await step();
      done++;
    } catch (e) {
      const pe = toError(e);
      if (done === 0 || pe.outcome === "unknown") throw pe;
      throw new ProviderError(
        pe.category,
        pe.code,
        `${pe.message} (after ${done} of ${steps.length} settings were applied)`,
        {
          hint: `Some settings changed; dpn re-reads the ${noun} and restores the previous settings.`,
          details: pe.details,
          cause: e,
          outcome: "unknown",
        },
      );
    }
  }
}
