/**
 * Adaptive pacing of AWS calls, per service: every HTTP attempt (retries included) waits for a
 * slot of its service's AIMD rate (core/token-bucket.ts), which starts at the configured ceiling,
 * halves when AWS answers "slow down" and climbs back while it does not. Configured with
 * DPN_AWS_RATE_LIMITS (docs/aws.md).
 */
import { DpnError } from "../../core/errors.js";
import { AdaptiveTokenBucket } from "../../core/token-bucket.js";
import { isThrottling } from "./aws-errors.js";

/** The services whose calls are paced (STS is called once per run). */
export type PacedService = "s3" | "glue";

/**
 * Starting (and highest) calls per second. No AWS document gives one control-plane figure for
 * S3 bucket configuration calls or Glue catalog calls (Glue lists per-API quotas in Service
 * Quotas), so these are starting points that the AIMD rule lowers on the first refusal.
 */
export const DEFAULT_AWS_CALL_RATES: Record<PacedService, number> = { s3: 100, glue: 50 };

/** The variable that overrides them: `s3=200,glue=20`; 0 turns pacing of that service off. */
export const RATE_VARIABLE = "DPN_AWS_RATE_LIMITS";

/**
 * Parse DPN_AWS_RATE_LIMITS (unset or empty: the defaults). Returns the ceiling per service, 0
 * meaning unpaced. Throws DpnError code AWS_RATE_LIMIT_INVALID (kind usage, exit 2) naming
 * the bad entry when a service is unknown or a rate is not a number ≥ 0.
 */
export function awsCallRates(raw: string | undefined): Record<PacedService, number> {
  const out = { ...DEFAULT_AWS_CALL_RATES };
  for (const entry of (raw ?? "").split(",")) {
    const text = entry.trim();
    if (text === "") continue;
    const m = /^([a-z0-9-]+)\s*=\s*(\d+(?:\.\d+)?)$/.exec(text);
    const service = m?.[1];
    if (!m || !service || !Object.hasOwn(DEFAULT_AWS_CALL_RATES, service)) {
      throw new DpnError(
        "usage",
        "AWS_RATE_LIMIT_INVALID",
        `${RATE_VARIABLE} entry ${JSON.stringify(text)} is not <service>=<calls per second>.`,
        {
          hint: `Use e.g. ${RATE_VARIABLE}=s3=100,glue=20 (services: ${Object.keys(DEFAULT_AWS_CALL_RATES).join(", ")}; 0 turns pacing off).`,
          details: { value: raw },
        },
      );
    }
    out[service as PacedService] = Number(m[2]);
  }
  return out;
}

/** One AIMD bucket per paced service; an unpaced service (rate 0) passes straight through. */
export class AwsPacer {
  private readonly buckets = new Map<PacedService, AdaptiveTokenBucket>();

  constructor(rates: Record<PacedService, number>, now?: () => number) {
    for (const [service, max] of Object.entries(rates) as [PacedService, number][])
      if (max > 0) this.buckets.set(service, new AdaptiveTokenBucket({ max }, now));
  }

  /** The bucket of `service`, when it is paced (for reports and tests). */
  bucket(service: PacedService): AdaptiveTokenBucket | undefined {
    return this.buckets.get(service);
  }

  /** Wait for a slot, send, and lower the rate when the answer is a throttling refusal. */
  async pace<T>(service: PacedService, send: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const b = this.buckets.get(service);
    if (!b) return send();
    await b.take(signal);
    try {
      return await send();
    } catch (e) {
      if (isThrottling(e)) b.throttled();
      throw e;
    }
  }
}
