/**
 * The Databricks client's request budget: one token bucket per workspace host (the Go SDK's
 * 15 req/s, burst 15 default).
 */
import { TokenBucket } from "../../core/token-bucket.js";

export const DEFAULT_RATE_LIMIT = 15;

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
