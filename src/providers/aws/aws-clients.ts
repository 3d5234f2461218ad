/**
 * One place that builds AWS SDK v3 clients for dpn: credentials from the SDK default chain
 * (optionally a named profile), region per resource, endpoint overrides from the standard
 * AWS_ENDPOINT_URL* variables (path-style S3 when an endpoint is set), SDK retries for throttling
 * and transient errors, and a per-call timeout. Clients are cached per region.
 */
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { remoteCallPoint } from "../../core/crash-points.js";
import { toProviderError } from "./aws-errors.js";
import { profileEndpointUrl } from "./aws-profiles.js";
import { AwsPacer, awsCallRates, type PacedService, RATE_VARIABLE } from "./aws-rate.js";
import { GlueListings } from "./glue-listings.js";

/** Environment as a plain map (the CLI passes `process.env`). */
export type AwsEnv = Record<string, string | undefined>;

export interface AwsOptions {
  /** Named profile from ~/.aws/config (CLI `--profile`); falls back to AWS_PROFILE. */
  profile?: string;
  /**
   * Environment to read AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL*, AWS_MAX_ATTEMPTS and static
   * keys from. Defaults to `process.env`. The rest of the SDK credential chain (shared files, SSO,
   * container/instance metadata) always reads the real process environment, as the SDK does.
   */
  env?: AwsEnv;
  /** Region used when a call has no resource region (reads by id, STS). Default AWS_REGION, else us-east-1. */
  defaultRegion?: string;
  /** Total attempts for retryable failures (SDK standard retry). Default AWS_MAX_ATTEMPTS or 3. */
  maxAttempts?: number;
  /** Per-request timeout in ms (a timeout after sending makes a mutation's outcome unknown). Default 30 000. */
  requestTimeoutMs?: number;
}

/** Who the credentials belong to (STS GetCallerIdentity). */
export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
  /** `aws`, `aws-cn`, `aws-us-gov`, … taken from the caller ARN. */
  partition: string;
}

type Service = "s3" | "glue" | "sts";

/** AWS partition of a region, for ARNs built before STS has answered. */
export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  return "aws";
}

/**
 * The endpoint override for a service from the standard variables, as the SDK itself resolves
 * them (service-specific first, then global; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS disables both).
 * We resolve them ourselves so that an injected `env` is honoured and so that S3 can be switched
 * to path-style addressing, which the SDK does not do on its own.
 */
export function endpointFromEnv(env: AwsEnv, service: Service): string | undefined {
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "").toLowerCase() === "true") return undefined;
  const specific = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`];
  return specific || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * A crash point (test hook, core/crash-points.ts) after every HTTP attempt of `client`, answered
 * or failed, so the kill-point tests can stop a process between any two calls of a step. Added
 * in the deserialize step, below the SDK's retry middleware: each attempt is one point.
 */
function withCallPoints(client: S3Client | GlueClient | STSClient, service: Service): void {
  (client.middlewareStack as { add: (mw: unknown, o: Record<string, unknown>) => void }).add(
    (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const call = `${service}:${(context.commandName ?? "").replace(/Command$/, "")}`;
      try {
        const out = await next(args);
        remoteCallPoint(call);
        return out;
      } catch (e) {
        remoteCallPoint(call);
        throw e;
      }
    },
    { step: "deserialize", name: "dpnCrashPoints", priority: "low" },
  );
}

/**
 * Pace every HTTP attempt of `client` (below the SDK's retry middleware, so each retry waits for
 * its slot too) and lower the service's rate when AWS answers with throttling.
 */
function withPacing(client: S3Client | GlueClient, service: PacedService, pacer: AwsPacer): void {
  (client.middlewareStack as { add: (mw: unknown, o: Record<string, unknown>) => void }).add(
    (next: (a: unknown) => Promise<unknown>) => (args: unknown) => pacer.pace(service, () => next(args)),
    { step: "finalizeRequest", name: "dpnPacing", priority: "low" },
  );
}

/** Glue operations that only read: every other Glue call is a write. */
const GLUE_READ = /^(Get|List|Search|BatchGet)/;

/**
 * After every Glue write (answered or failed: a failed write may have taken effect), drop the
 * run's Glue listings, so a later look-up never answers from a listing older than our own write.
 */
function withListingInvalidation(client: GlueClient, listings: GlueListings): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const write = !GLUE_READ.test((context.commandName ?? "").replace(/Command$/, ""));
      try {
        return await next(args);
      } finally {
        if (write) listings.clear();
      }
    },
    { step: "initialize", name: "dpnGlueListingInvalidation" },
  );
}

/** Lazily built, per-region SDK clients plus a cached caller identity. */
export class AwsClients {
  readonly env: AwsEnv;
  readonly profile: string | undefined;
  readonly defaultRegion: string;
  readonly maxAttempts: number;
  private readonly requestTimeoutMs: number;
  private readonly cache = new Map<string, S3Client | GlueClient | STSClient>();
  private identity: Promise<CallerIdentity> | undefined;
  /** Adaptive per-service pacing of S3 and Glue calls (DPN_AWS_RATE_LIMITS, docs/aws.md). */
  readonly pacer: AwsPacer;
  /** The run's bulk Glue reads (GetDatabases / GetTables), shared by the Glue providers. */
  readonly glueListings = new GlueListings((region) => this.glue(region));

  constructor(opts: AwsOptions = {}) {
    this.env = opts.env ?? process.env;
    this.profile = opts.profile ?? (this.env.AWS_PROFILE || undefined);
    this.defaultRegion = opts.defaultRegion ?? (this.env.AWS_REGION || "us-east-1");
    const fromEnv = Number.parseInt(this.env.AWS_MAX_ATTEMPTS ?? "", 10);
    this.maxAttempts = opts.maxAttempts ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 3);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.pacer = new AwsPacer(awsCallRates(this.env[RATE_VARIABLE]));
  }

  /**
   * The endpoint override for `service`: the AWS_ENDPOINT_URL* variables, else the selected
   * profile's `endpoint_url` in the shared config file. The SDK reads the file only for
   * AWS_PROFILE, so without this `--aws-profile dev` would ignore an endpoint that
   * `AWS_PROFILE=dev` honours.
   */
  endpoint(service: Service): string | undefined {
    if ((this.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "").toLowerCase() === "true") return undefined;
    return endpointFromEnv(this.env, service) ?? profileEndpointUrl(this.env, this.profile, service);
  }

  /** Base config shared by every client; `attempts` 1 is used for calls that must not be retried blindly. */
  private base(region: string, service: Service, attempts: number) {
    const endpoint = this.endpoint(service);
    // Static keys from the injected env win unless a profile is selected: the same precedence
    // as the SDK's own env provider (which is skipped when AWS_PROFILE is set).
    const key = this.env.AWS_ACCESS_KEY_ID;
    const secret = this.env.AWS_SECRET_ACCESS_KEY;
    const credentials =
      !this.profile && key && secret
        ? {
            accessKeyId: key,
            secretAccessKey: secret,
            ...(this.env.AWS_SESSION_TOKEN ? { sessionToken: this.env.AWS_SESSION_TOKEN } : {}),
          }
        : undefined;
    return {
      region,
      maxAttempts: attempts,
      ...(this.profile ? { profile: this.profile } : {}),
      ...(credentials ? { credentials } : {}),
      ...(endpoint ? { endpoint } : {}),
      requestHandler: { requestTimeout: this.requestTimeoutMs, connectionTimeout: 5_000 },
    };
  }

  private get<C extends S3Client | GlueClient | STSClient>(key: string, make: () => C): C {
    let c = this.cache.get(key) as C | undefined;
    if (!c) {
      c = make();
      withCallPoints(c, key.split(":")[0] as Service);
      this.cache.set(key, c);
    }
    return c;
  }

  /** S3 client for `region`; `once` disables SDK retries (used for CreateBucket). */
  s3(region: string, once = false): S3Client {
    const attempts = once ? 1 : this.maxAttempts;
    return this.get(`s3:${region}:${attempts}`, () => {
      const endpoint = this.endpoint("s3");
      const c = new S3Client({
        ...this.base(region, "s3", attempts),
        forcePathStyle: endpoint !== undefined,
        // A bucket read through the wrong regional endpoint is followed to its own region.
        followRegionRedirects: true,
      });
      withPacing(c, "s3", this.pacer);
      return c;
    });
  }

  /** Glue client for `region`; `once` disables SDK retries (used for creates). */
  glue(region: string, once = false): GlueClient {
    const attempts = once ? 1 : this.maxAttempts;
    return this.get(`glue:${region}:${attempts}`, () => {
      const c = new GlueClient(this.base(region, "glue", attempts));
      withListingInvalidation(c, this.glueListings);
      withPacing(c, "glue", this.pacer);
      return c;
    });
  }

  sts(region: string = this.defaultRegion): STSClient {
    return this.get(`sts:${region}`, () => new STSClient(this.base(region, "sts", this.maxAttempts)));
  }

  /**
   * Caller identity (account id for Glue ARNs), fetched once.
   * Throws ProviderError category `auth` (code AWS_AUTH) when credentials are missing or rejected.
   */
  callerIdentity(region: string = this.defaultRegion): Promise<CallerIdentity> {
    if (!this.identity) {
      this.identity = (async () => {
        try {
          const out = await this.sts(region).send(new GetCallerIdentityCommand({}));
          const arn = out.Arn ?? "";
          return {
            account: out.Account ?? "",
            arn,
            userId: out.UserId ?? "",
            partition: arn.split(":")[1] || partitionOfRegion(region),
          };
        } catch (e) {
          throw toProviderError(e, {
            service: "sts",
            operation: "GetCallerIdentity",
            resource: "caller identity",
            authCheck: true,
            profile: this.profile,
            env: this.env,
          });
        }
      })();
      // A failed lookup is not cached: the next call tries again (e.g. after `aws sso login`).
      this.identity.catch(() => {
        this.identity = undefined;
      });
    }
    return this.identity;
  }

  private readonly regions = new Map<string, string>();

  /**
   * Remember where a regional object lives (Glue remote ids carry no region): `read(remoteId)`
   * uses the region seen in an earlier lookup/create of this run, else the default region.
   */
  rememberRegion(key: string, region: string): void {
    this.regions.set(key, region);
  }

  regionFor(key: string): string {
    return this.regions.get(key) ?? this.defaultRegion;
  }

  /** Close sockets of every client built so far. Never throws. */
  destroy(): void {
    for (const c of this.cache.values()) c.destroy();
    this.cache.clear();
  }
}
