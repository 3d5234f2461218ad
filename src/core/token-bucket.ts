/**
 * Token bucket: `rate` tokens per second, holding at most `burst`. Callers reserve a token and
 * wait for it; reservations are handed out in call order (a negative balance is a queue), so a
 * burst of parallel callers is spread evenly at `rate` per second after the initial burst. Used
 * for client-side request limits (engine per service, Databricks client per host).
 */
import { sleep } from "./sleep.js";

export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param rate tokens per second (> 0)
   * @param burst bucket capacity (defaults to `rate`, at least 1)
   */
  constructor(
    private _rate: number,
    private _burst: number = Math.max(1, Math.floor(_rate)),
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(_rate > 0)) throw new RangeError(`rate must be > 0, got ${_rate}`);
    this.tokens = this._burst;
    this.last = this.now();
  }

  /** Tokens per second now. */
  get rate(): number {
    return this._rate;
  }

  /** Capacity now. */
  get burst(): number {
    return this._burst;
  }

  /**
   * Change the rate (and capacity) from now on: tokens accrued so far count at the old rate, a
   * balance above the new capacity is cut to it, and a queue of reservations (negative balance)
   * is kept. Throws RangeError for a rate that is not > 0.
   */
  setRate(rate: number, burst: number = Math.max(1, Math.floor(rate))): void {
    if (!(rate > 0)) throw new RangeError(`rate must be > 0, got ${rate}`);
    this.refill();
    this._rate = rate;
    this._burst = Math.max(1, burst);
    this.tokens = Math.min(this.tokens, this._burst);
  }

  /** Spend what is left of the current balance (after a throttling answer: no burst follows it). */
  drain(): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this._burst, this.tokens + ((t - this.last) / 1000) * this._rate);
    this.last = t;
  }

  /** Reserve one token; returns the milliseconds the caller must wait before using it. */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    // A negative balance is a queue of reservations; each waits until its token has accrued.
    return this.tokens >= 0 ? 0 : (-this.tokens / this._rate) * 1000;
  }

  /** Wait for one token. Rejects with the signal's reason when aborted while waiting. */
  async take(signal?: AbortSignal): Promise<void> {
    const wait = this.reserve();
    if (wait <= 0) return;
    await sleep(wait, signal);
  }
}

/** Settings of an AdaptiveTokenBucket. */
export interface AdaptiveRateOptions {
  /** Start and ceiling, requests per second (> 0). */
  max: number;
  /** Floor the rate never drops below (default 1/s, or `max` when that is lower). */
  min?: number;
  /** Additive increase: requests per second gained per second without throttling (default max/20). */
  increasePerSecond?: number;
  /**
   * Throttling answers within this many ms of a decrease count as the same event (default
   * 1000): a burst of parallel requests all refused at once halves the rate once, not per answer.
   */
  cooldownMs?: number;
}

/**
 * AIMD rate (additive increase, multiplicative decrease, as TCP congestion control): starts at
 * `max`, halves on each throttling event (down to `min`), and climbs back by `increasePerSecond`
 * per second while the service stops refusing, up to `max`. The capacity follows the rate, and a
 * decrease also spends the current balance, so no burst follows a refusal.
 */
export class AdaptiveTokenBucket {
  private readonly bucket: TokenBucket;
  private readonly min: number;
  private readonly step: number;
  private readonly cooldownMs: number;
  /** The rate set at `since`; the live rate adds the increase since then. */
  private base: number;
  private since: number;
  private lastDecrease = Number.NEGATIVE_INFINITY;
  /** Throttling events that lowered the rate (for reports and tests). */
  decreases = 0;

  constructor(
    readonly options: AdaptiveRateOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(options.max > 0)) throw new RangeError(`max must be > 0, got ${options.max}`);
    this.min = Math.min(options.max, options.min ?? 1);
    this.step = options.increasePerSecond ?? options.max / 20;
    this.cooldownMs = options.cooldownMs ?? 1000;
    this.base = options.max;
    this.since = now();
    this.bucket = new TokenBucket(options.max, Math.max(1, Math.floor(options.max)), now);
  }

  /** The rate in force now (requests per second). */
  get rate(): number {
    const t = this.now();
    return Math.min(this.options.max, this.base + ((t - this.since) / 1000) * this.step);
  }

  /** Wait for one request slot. Rejects with the signal's reason when aborted while waiting. */
  take(signal?: AbortSignal): Promise<void> {
    this.sync();
    return this.bucket.take(signal);
  }

  /** The service answered "slow down" (429, 503, SlowDown, ThrottlingException, …). */
  throttled(): void {
    const t = this.now();
    if (t - this.lastDecrease < this.cooldownMs) return;
    this.lastDecrease = t;
    this.decreases++;
    this.base = Math.max(this.min, this.rate / 2);
    this.since = t;
    this.bucket.setRate(this.base, Math.max(1, Math.floor(this.base)));
    this.bucket.drain();
  }

  /** Move the bucket to the rate in force (recovery is computed lazily, on use). */
  private sync(): void {
    const r = this.rate;
    if (r !== this.bucket.rate) this.bucket.setRate(r, Math.max(1, Math.floor(r)));
  }
}
