import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limiter.js";

describe("RateLimiter", () => {
  it("lets a burst through, then spaces requests at the configured rate per service", async () => {
    const limiter = new RateLimiter({ s3: { perSecond: 50, burst: 2 } });
    const t0 = performance.now();
    const stamps: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, () => limiter.acquire("s3").then(() => stamps.push(performance.now() - t0))),
    );
    stamps.sort((a, b) => a - b);
    // burst of 2 immediately: well before the first 20 ms refill
    expect(stamps[1]).toBeLessThan(stamps[5]! - 40);
    // the remaining 4 need 4 refills at 20 ms each
    expect(stamps[5]).toBeGreaterThanOrEqual(70);
    // other services are not limited: 50 acquisitions need no refill time at all
    const t1 = performance.now();
    await Promise.all(Array.from({ length: 50 }, () => limiter.acquire("glue")));
    expect(performance.now() - t1).toBeLessThan(50 * 20);
  });
});
