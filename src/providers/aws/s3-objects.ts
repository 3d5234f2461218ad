/**
 * The thin S3 object client the S3 state backend (src/state/s3-store.ts) runs on: GetObject with
 * its ETag, PutObject conditional on `If-None-Match: *` or `If-Match: <etag>`, DeleteObject
 * conditional on `If-Match`, one bounded ListObjectsV2 page, and the bucket probes of
 * `dpn state check`. Clients come from AwsClients, so credentials, profile, region, the
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL overrides (path-style against them), pacing and the SDK's
 * bounded standard retries are the AWS provider's own. The SDK stays inside providers/aws: the
 * store sees only the ObjectStore interface and DpnErrors.
 */
import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { type DpnError, stateError } from "../../core/errors.js";
import { AwsClients, type AwsEnv } from "./aws-clients.js";
import { awsErrorCode, httpStatusOf } from "./aws-errors.js";

/** An object's body (UTF-8) and the ETag S3 returned for it. */
export interface StoredObject {
  body: string;
  etag: string;
}

/** When a write applies: only if the key is absent, or only while its ETag is `ifMatch`. */
export type WriteCondition = { ifNoneMatch: true } | { ifMatch: string };

/**
 * The answer to a conditional write. `precondition`: S3 answered 412 PreconditionFailed (the key
 * exists / its ETag differs). `conflict`: 409 ConditionalRequestConflict (a concurrent write to
 * the key was in flight): either way the caller re-reads and decides.
 */
export type WriteResult = { ok: true; etag: string } | { ok: false; reason: "precondition" | "conflict" };

/** One page of a listing. */
export interface ListPage {
  keys: string[];
  /** Common prefixes when a delimiter was given. */
  prefixes: string[];
  /** The key to pass as `startAfter` for the next page, when there is one. */
  next?: string;
}

/**
 * Object operations on one bucket. Every method rejects with a DpnError kind `state` (exit 8):
 * STATE_PERMISSION_DENIED (403, naming the IAM action and the bucket), STATE_BUCKET_NOT_FOUND,
 * STATE_UNREACHABLE (endpoint or network down after the SDK's retries) or STATE_BACKEND_ERROR.
 */
export interface ObjectStore {
  readonly bucket: string;
  /** The object, or undefined when the key does not exist. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Write `body` under `key` if `cond` holds (unconditionally without one). */
  put(key: string, body: string, cond?: WriteCondition): Promise<WriteResult>;
  /** Delete `key`; with `ifMatch` only while its ETag is that one. A missing key is not an error. */
  delete(key: string, ifMatch?: string): Promise<WriteResult>;
  /** One page (at most `maxKeys`, S3 caps it at 1000) of keys under `prefix`, ascending. */
  list(
    prefix: string,
    opts?: { startAfter?: string; maxKeys?: number; delimiter?: string },
  ): Promise<ListPage>;
  /** HeadBucket: resolves when the bucket exists and these credentials may use it. */
  headBucket(): Promise<void>;
  /** GetBucketVersioning: `Enabled`, `Suspended`, or `Off` (never enabled). */
  versioning(): Promise<"Enabled" | "Suspended" | "Off">;
  /** HTTP requests sent so far (tests count them). */
  readonly requests: number;
  /** Close sockets. Never throws. */
  destroy(): void;
}

/** IAM action behind each SDK command, for the hint of a 403. */
const ACTION: Record<string, string> = {
  GetObject: "s3:GetObject",
  PutObject: "s3:PutObject",
  DeleteObject: "s3:DeleteObject",
  ListObjectsV2: "s3:ListBucket",
  HeadBucket: "s3:ListBucket",
  GetBucketVersioning: "s3:GetBucketVersioning",
};

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "TimeoutError",
  "RequestTimeout",
]);

/** True when an SDK error is a transport failure (no HTTP answer): a write's outcome is unknown. */
export function isTransportFailure(e: unknown): boolean {
  if (httpStatusOf(e) !== undefined && httpStatusOf(e) !== 0) return false;
  const err = e as { code?: string; name?: string; message?: string };
  return (
    UNREACHABLE.has(awsErrorCode(e)) ||
    UNREACHABLE.has(err.name ?? "") ||
    /socket hang up|ECONNRESET|ECONNREFUSED|timed? ?out/i.test(err.message ?? "")
  );
}

/**
 * The DpnError for a failed S3 call on `bucket`/`key`. The message names the operation, bucket
 * and key, never credentials (the SDK's messages carry none; we add only names).
 */
export function s3StateError(e: unknown, op: string, bucket: string, key?: string): DpnError {
  const code = awsErrorCode(e);
  const status = httpStatusOf(e);
  const where = key ? `s3://${bucket}/${key}` : `s3://${bucket}`;
  const details = { bucket, ...(key ? { key } : {}), operation: op, awsCode: code, status };
  if (status === 403 || code === "AccessDenied") {
    const action = ACTION[op] ?? `s3:${op}`;
    return stateError(
      "STATE_PERMISSION_DENIED",
      `S3 refused ${op} on ${where}: these credentials lack ${action} on bucket ${bucket}`,
      {
        hint: `Grant ${action} on arn:aws:s3:::${bucket}${ACTION[op] === "s3:ListBucket" || op === "GetBucketVersioning" ? "" : "/*"} (docs/state-s3.md lists the policy); run \`dpn state check\` to test every permission.`,
        details: { ...details, action },
        cause: e,
      },
    );
  }
  if (code === "NoSuchBucket" || (op === "HeadBucket" && status === 404)) {
    return stateError("STATE_BUCKET_NOT_FOUND", `The state bucket ${bucket} does not exist`, {
      hint: "Create it (with versioning on), or correct the s3:// state URL.",
      details,
      cause: e,
    });
  }
  if (isTransportFailure(e) || status === undefined) {
    return stateError("STATE_UNREACHABLE", `The S3 endpoint for ${where} did not answer ${op} (${code})`, {
      hint: "Check the network, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and the region; dpn retried the call already.",
      details,
      cause: e,
    });
  }
  return stateError("STATE_BACKEND_ERROR", `S3 ${op} on ${where} failed: ${code} (HTTP ${status})`, {
    hint: "Retry the command; if it persists, check the bucket's health and policies.",
    details,
    cause: e,
  });
}

/** Options of `openObjectStore`. */
export interface ObjectStoreOptions {
  bucket: string;
  env: AwsEnv;
  profile?: string;
  /** Per-request timeout (default 30 s): a write whose answer times out is re-read by the store. */
  requestTimeoutMs?: number;
}

class SdkObjectStore implements ObjectStore {
  readonly bucket: string;
  private count = 0;
  private readonly clients: AwsClients;
  private readonly s3: S3Client;

  constructor(o: ObjectStoreOptions) {
    this.bucket = o.bucket;
    this.clients = new AwsClients({
      env: o.env,
      ...(o.profile ? { profile: o.profile } : {}),
      ...(o.requestTimeoutMs ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
    });
    this.s3 = this.clients.s3(this.clients.defaultRegion);
    // Counted below the retry middleware, so every attempt is one request.
    this.s3.middlewareStack.add(
      (next) => (args) => {
        this.count++;
        return next(args);
      },
      { step: "finalizeRequest", name: "dpnStateRequestCount", priority: "low" },
    );
  }

  get requests(): number {
    return this.count;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = (await out.Body?.transformToString("utf8")) ?? "";
      return { body, etag: out.ETag ?? "" };
    } catch (e) {
      if (awsErrorCode(e) === "NoSuchKey" || (httpStatusOf(e) === 404 && awsErrorCode(e) !== "NoSuchBucket"))
        return undefined;
      throw s3StateError(e, "GetObject", this.bucket, key);
    }
  }

  async put(key: string, body: string, cond?: WriteCondition): Promise<WriteResult> {
    try {
      const out = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
          ...(cond && "ifNoneMatch" in cond ? { IfNoneMatch: "*" } : {}),
          ...(cond && "ifMatch" in cond ? { IfMatch: cond.ifMatch } : {}),
        }),
      );
      return { ok: true, etag: out.ETag ?? "" };
    } catch (e) {
      const refused = conditionRefusal(e, cond !== undefined);
      if (refused) return refused;
      throw s3StateError(e, "PutObject", this.bucket, key);
    }
  }

  async delete(key: string, ifMatch?: string): Promise<WriteResult> {
    try {
      await this.s3.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: key, ...(ifMatch ? { IfMatch: ifMatch } : {}) }),
      );
      return { ok: true, etag: "" };
    } catch (e) {
      const refused = conditionRefusal(e, ifMatch !== undefined);
      if (refused) return refused;
      throw s3StateError(e, "DeleteObject", this.bucket, key);
    }
  }

  async list(
    prefix: string,
    opts: { startAfter?: string; maxKeys?: number; delimiter?: string } = {},
  ): Promise<ListPage> {
    try {
      const out = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(opts.startAfter ? { StartAfter: opts.startAfter } : {}),
          ...(opts.maxKeys ? { MaxKeys: opts.maxKeys } : {}),
          ...(opts.delimiter ? { Delimiter: opts.delimiter } : {}),
        }),
      );
      const keys = (out.Contents ?? []).map((c) => c.Key ?? "").filter((k) => k !== "");
      const prefixes = (out.CommonPrefixes ?? []).map((p) => p.Prefix ?? "").filter((p) => p !== "");
      const last = [...keys, ...prefixes].sort().pop();
      return { keys, prefixes, ...(out.IsTruncated && last ? { next: last } : {}) };
    } catch (e) {
      throw s3StateError(e, "ListObjectsV2", this.bucket, prefix);
    }
  }

  async headBucket(): Promise<void> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      throw s3StateError(e, "HeadBucket", this.bucket);
    }
  }

  async versioning(): Promise<"Enabled" | "Suspended" | "Off"> {
    try {
      const out = await this.s3.send(new GetBucketVersioningCommand({ Bucket: this.bucket }));
      return out.Status === "Enabled" || out.Status === "Suspended" ? out.Status : "Off";
    } catch (e) {
      throw s3StateError(e, "GetBucketVersioning", this.bucket);
    }
  }

  destroy(): void {
    this.clients.destroy();
  }
}

/** 412 / 409 on a conditional write, as a result instead of an error. */
function conditionRefusal(e: unknown, conditional: boolean): WriteResult | undefined {
  if (!conditional) return undefined;
  const status = httpStatusOf(e);
  const code = awsErrorCode(e);
  if (status === 412 || code === "PreconditionFailed") return { ok: false, reason: "precondition" };
  if (status === 409 || code === "ConditionalRequestConflict") return { ok: false, reason: "conflict" };
  // moto (and S3 for If-Match on a key that is gone) answers 404 NoSuchKey: the ETag did not match.
  if (code === "NoSuchKey") return { ok: false, reason: "precondition" };
  return undefined;
}

/**
 * An ObjectStore on `bucket`, with the AWS provider's credential, region and endpoint resolution
 * (see AwsClients). Never sends a request itself; failures surface from the first call.
 */
export function openObjectStore(o: ObjectStoreOptions): ObjectStore {
  return new SdkObjectStore(o);
}
