/**
 * Fault injection for the Databricks fake, modelled on the Databricks CLI test server: a rule
 * matches `METHOD /path` (glob `*`), skips `offset` matches, fires `times` times, and either
 * answers instead of the handler or — with `afterHandler` — runs the real handler first (the
 * effect happens) and then answers with the fault ("error after the effect happened").
 */

export interface FaultRule {
  /** `METHOD /path` with `*` wildcards, e.g. `POST /api/2.1/clusters/create`, `* /api/2.2/jobs/*`. */
  route: string;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Skip this many matching calls before firing (fail the Nth call: offset N-1). */
  offset?: number;
  /** Fire this many times (default 1; Infinity for always). */
  times?: number;
  /** Run the real handler, then return the fault. */
  afterHandler?: boolean;
  /** Delay before answering (with or without a status). */
  latencyMs?: number;
  /** Destroy the socket instead of answering (network error at the client). */
  destroySocket?: boolean;
}

interface ActiveRule extends FaultRule {
  re: RegExp;
  seen: number;
  fired: number;
}

export class Faults {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    const glob = rule.route.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
    this.rules.push({ ...rule, re: new RegExp(`^${glob}$`), seen: 0, fired: 0 });
  }

  /** `count` 429 answers with `Retry-After: retryAfterSec` on a route. */
  rateLimitBurst(route: string, count: number, retryAfterSec: number): void {
    this.add({
      route,
      status: 429,
      times: count,
      headers: { "Retry-After": String(retryAfterSec) },
      body: {
        error_code: "REQUEST_LIMIT_EXCEEDED",
        message: "Too many requests. Please wait a moment and try again.",
      },
    });
  }

  clear(): void {
    this.rules = [];
  }

  /** The rule that fires for this call, if any (counts the match). */
  match(method: string, path: string): FaultRule | undefined {
    const key = `${method} ${path}`;
    for (const r of this.rules) {
      if (!r.re.test(key)) continue;
      r.seen++;
      if (r.seen <= (r.offset ?? 0)) continue;
      if (r.fired >= (r.times ?? 1)) continue;
      r.fired++;
      return r;
    }
    return undefined;
  }
}
