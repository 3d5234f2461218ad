/**
 * Backoff for retryable provider errors (throttled / unavailable): full jitter,
 * `random() × min(base × 2^attempt, max)`, with a longer base for throttling as the AWS SDKs do.
 */
import { ProviderError } from "../core/errors.js";

export interface RetryPolicy {
  /** Total attempts including the first. */
  maxAttempts: number;
  baseMs: number;
  throttleBaseMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseMs: 100,
  throttleBaseMs: 500,
  maxDelayMs: 5_000,
};

/** True when the error says the same request may simply be sent again. */
export function isRetryable(e: unknown): boolean {
  return e instanceof ProviderError && e.retryable;
}

/** Delay before attempt `attempt + 1` (attempt is 1-based). */
export function backoffMs(
  policy: RetryPolicy,
  attempt: number,
  e: unknown,
  random: () => number = Math.random,
): number {
  const base =
    e instanceof ProviderError && e.category === "throttled" ? policy.throttleBaseMs : policy.baseMs;
  return Math.floor(random() * Math.min(base * 2 ** (attempt - 1), policy.maxDelayMs));
}
