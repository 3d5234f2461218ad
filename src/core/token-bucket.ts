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
