/**
 * The services provider calls are counted against: one token bucket per service when rate
 * limiting (engine/rate-limiter.ts) and one label in reports. Each type spec names its service;
 * a service lists its cloud and its default rate. Cloud figures stay under the documented
 * per-account quotas of S3/Glue control-plane calls and the Databricks per-workspace limits.
 */
import type { Cloud } from "./spec.js";

/** A service's default rate: sustained requests per second (burst defaults to the same). */
export interface ServiceRate {
  perSecond: number;
  burst?: number;
}

export const SERVICES = {
  // AWS steps start high: each HTTP call of a step is paced, adaptively, by the AWS transport
  // (providers/aws/aws-rate.ts, DPN_AWS_RATE_LIMITS), which backs off when AWS throttles.
  s3: { cloud: "aws", rate: { perSecond: 200 } },
  glue: { cloud: "aws", rate: { perSecond: 200 } },
  clusters: { cloud: "databricks", rate: { perSecond: 10 } },
  jobs: { cloud: "databricks", rate: { perSecond: 20 } },
  "unity-catalog": { cloud: "databricks", rate: { perSecond: 20 } },
} as const satisfies Record<string, { cloud: Cloud; rate: ServiceRate }>;

export type ServiceName = keyof typeof SERVICES;

/**
 * The default rate of every service, for a cloud target (the sandbox is local and is not
 * limited). A fresh object each call. Never throws.
 */
export function defaultServiceRates(): Record<ServiceName, ServiceRate> {
  const out = {} as Record<ServiceName, ServiceRate>;
  for (const [name, s] of Object.entries(SERVICES) as [ServiceName, (typeof SERVICES)[ServiceName]][])
    out[name] = { ...s.rate };
  return out;
}
