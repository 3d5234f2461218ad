/**
 * Per-service token buckets, so a wide plan does not trip the platforms' request quotas
 * (each bucket refills at `perSecond` and holds at most `burst` tokens). Waiting is FIFO per
 * service so no caller starves.
 */

import { TokenBucket } from "../core/token-bucket.js";
import { defaultServiceRates } from "../types/services.js";

export interface RateLimit {
  /** Sustained requests per second. */
  perSecond: number;
  /** Requests allowed back to back before the rate applies; defaults to `perSecond`. */
  burst?: number;
}

export type RateLimits = Record<string, RateLimit>;

/**
 * Defaults per target. Cloud figures (per service, src/types/services.ts) stay under the documented per-account quotas of S3/Glue
 * control-plane calls and the Databricks per-workspace limits. The sandbox is local, so limiting
 * it would only distort benchmarks: no limits there.
 */
export function defaultRateLimits(target: "sandbox" | "cloud" | string): RateLimits {
  if (target === "sandbox") return {};
  return defaultServiceRates();
}

/** Token-bucket limiter; services without a configured limit pass straight through. */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(limits: RateLimits = {}, now: () => number = () => performance.now()) {
    for (const [service, l] of Object.entries(limits)) {
      if (!(l.perSecond > 0)) continue; // 0 or negative means "unlimited" rather than "never"
      this.buckets.set(service, new TokenBucket(l.perSecond, Math.max(1, l.burst ?? l.perSecond), now));
    }
  }

  /** Resolves when one request to `service` may be sent (FIFO per service). Never rejects. */
  acquire(service: string): Promise<void> {
    return this.buckets.get(service)?.take() ?? Promise.resolve();
  }
}
