/**
 * Client-side token bucket (the Go SDK's 15 req/s, burst 15 default). Callers reserve a slot and
 * wait for it; reservations are handed out in call order, so a burst of 200 parallel calls is
 * spread evenly at `rate` per second after the initial burst.
 */

export const DEFAULT_RATE_LIMIT = 15;

export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param rate tokens per second (> 0)
   * @param burst bucket capacity (defaults to `rate`, at least 1)
   */
  constructor(
    readonly rate: number,
    readonly burst: number = Math.max(1, Math.floor(rate)),
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(rate > 0)) throw new RangeError(`rate must be > 0, got ${rate}`);
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Reserve one token; returns the milliseconds the caller must wait before using it. */
  reserve(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    this.tokens -= 1;
    // A negative balance is a queue of reservations; each waits until its token has accrued.
    return this.tokens >= 0 ? 0 : (-this.tokens / this.rate) * 1000;
  }

  /** Wait for one token. Rejects with the signal's reason when aborted while waiting. */
  async take(signal?: AbortSignal): Promise<void> {
    const wait = this.reserve();
    if (wait <= 0) return;
    await sleep(wait, signal);
  }
}

/** Sleep `ms`, rejecting when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const buckets = new Map<string, TokenBucket>();

/**
 * The process-wide bucket for a workspace host, so every client talking to the same host shares
 * one budget. A different rate for the same host gets its own bucket.
 */
export function bucketForHost(host: string, rate: number): TokenBucket {
  const key = `${host}|${rate}`;
  let b = buckets.get(key);
  if (!b) {
    b = new TokenBucket(rate);
    buckets.set(key, b);
  }
  return b;
}
