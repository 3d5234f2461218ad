/**
 * Token buckets on a fake clock: the fixed bucket's rate change, and the AIMD bucket's start at
 * the ceiling, halving on throttling (once per cooldown), floor, and linear recovery.
 */
import { describe, expect, it } from "vitest";
import { AdaptiveTokenBucket, TokenBucket } from "./token-bucket.js";

function clock() {
  let t = 0;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe("TokenBucket", () => {
  it("spreads reservations at the rate after the burst, and a rate change applies from then on", () => {
    const c = clock();
    const b = new TokenBucket(10, 2, c.now);
    expect([b.reserve(), b.reserve()]).toEqual([0, 0]);
    expect(b.reserve()).toBeCloseTo(100); // one token short at 10/s
    c.advance(100);
    b.setRate(2, 1);
    expect(b.reserve()).toBeCloseTo(500); // balance 0 → the next token takes 1/2 s
    expect(b.rate).toBe(2);
    expect(b.burst).toBe(1);
  });

  it("drain spends the balance so nothing bursts", () => {
    const c = clock();
    const b = new TokenBucket(4, 4, c.now);
    b.drain();
    expect(b.reserve()).toBeCloseTo(250);
  });
});

describe("AdaptiveTokenBucket (AIMD)", () => {
  it("starts at the ceiling with a burst of it: 100 slots at once, no wait", () => {
    const c = clock();
    const a = new AdaptiveTokenBucket({ max: 100 }, c.now);
    expect(a.rate).toBe(100);
    const waits = Array.from({ length: 100 }, () => a.take());
    expect(waits).toHaveLength(100);
  });

  it("halves on a throttling event, once per cooldown, down to the floor", () => {
    const c = clock();
    const a = new AdaptiveTokenBucket({ max: 80, min: 5, increasePerSecond: 0 }, c.now);
    a.throttled();
    expect(a.rate).toBe(40);
    a.throttled(); // same burst of refusals
    c.advance(999);
    a.throttled();
    expect(a.rate).toBe(40);
    expect(a.decreases).toBe(1);
    for (let i = 0; i < 5; i++) {
      c.advance(1000);
      a.throttled();
    }
    expect(a.rate).toBe(5); // 20, 10, 5, 5, 5
    expect(a.decreases).toBe(6);
  });

  it("recovers linearly while the service stops refusing, never above the ceiling", () => {
    const c = clock();
    const a = new AdaptiveTokenBucket({ max: 100 }, c.now); // +5/s by default
    a.throttled();
    expect(a.rate).toBe(50);
    c.advance(4000);
    expect(a.rate).toBe(70);
    c.advance(60_000);
    expect(a.rate).toBe(100);
  });

  it("paces requests at the lowered rate right after a refusal (no burst follows it)", async () => {
    const c = clock();
    const a = new AdaptiveTokenBucket({ max: 10, increasePerSecond: 0 }, c.now);
    a.throttled(); // 5/s, balance spent
    // each reservation's wait, read through the bucket's own arithmetic
    const bucket = (a as unknown as { bucket: TokenBucket }).bucket;
    expect(bucket.reserve()).toBeCloseTo(200);
    expect(bucket.reserve()).toBeCloseTo(400);
  });

  it("refuses a ceiling that is not > 0", () => {
    expect(() => new AdaptiveTokenBucket({ max: 0 })).toThrow(RangeError);
  });
});
