/**
 * Per-service token buckets, so a wide plan does not trip the platforms' request quotas
 * (each bucket refills at `perSecond` and holds at most `burst` tokens). Waiting is FIFO per
 * service so no caller starves.
 */

export interface RateLimit {
  /** Sustained requests per second. */
  perSecond: number;
  /** Requests allowed back to back before the rate applies; defaults to `perSecond`. */
  burst?: number;
}

export type RateLimits = Record<string, RateLimit>;

/**
 * Defaults per target. Cloud figures stay under the documented per-account quotas of S3/Glue
 * control-plane calls and the Databricks per-workspace limits. The sandbox is local, so limiting
 * it would only distort benchmarks: no limits there.
 */
export function defaultRateLimits(target: "sandbox" | "cloud" | string): RateLimits {
  if (target === "sandbox") return {};
  return {
    s3: { perSecond: 20 },
    glue: { perSecond: 20 },
    clusters: { perSecond: 10 },
    jobs: { perSecond: 20 },
    "unity-catalog": { perSecond: 20 },
  };
}

interface Bucket {
  tokens: number;
  last: number;
  limit: Required<RateLimit>;
  queue: (() => void)[];
  timer: NodeJS.Timeout | undefined;
}

/** Token-bucket limiter; services without a configured limit pass straight through. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    limits: RateLimits = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    for (const [service, l] of Object.entries(limits)) {
      if (!(l.perSecond > 0)) continue; // 0 or negative means "unlimited" rather than "never"
      const burst = Math.max(1, l.burst ?? l.perSecond);
      this.buckets.set(service, {
        tokens: burst,
        last: this.now(),
        limit: { perSecond: l.perSecond, burst },
        queue: [],
        timer: undefined,
      });
    }
  }

  /** Resolves when one request to `service` may be sent. Never rejects. */
  acquire(service: string): Promise<void> {
    const b = this.buckets.get(service);
    if (!b) return Promise.resolve();
    this.refill(b);
    if (b.queue.length === 0 && b.tokens >= 1) {
      b.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      b.queue.push(resolve);
      this.schedule(b);
    });
  }

  private refill(b: Bucket): void {
    const t = this.now();
    b.tokens = Math.min(b.limit.burst, b.tokens + ((t - b.last) / 1000) * b.limit.perSecond);
    b.last = t;
  }

  private schedule(b: Bucket): void {
    if (b.timer) return;
    const wait = Math.max(1, Math.ceil(((1 - b.tokens) / b.limit.perSecond) * 1000));
    b.timer = setTimeout(() => {
      b.timer = undefined;
      this.refill(b);
      while (b.queue.length > 0 && b.tokens >= 1) {
        b.tokens -= 1;
        b.queue.shift()?.();
      }
      if (b.queue.length > 0) this.schedule(b);
    }, wait);
  }
}
