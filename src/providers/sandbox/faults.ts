/**
 * Fault injection and latency for the sandbox: the knobs that let engine and CLI tests (and
 * curious newcomers) see how dpn behaves when a cloud is slow, throttles, fails, or fails after
 * the effect already happened. Configured by an options object; `sandboxOptionsFromEnv` reads the
 * documented `DPN_SANDBOX_*` variables (the CLI calls it; the core never reads the environment).
 */

import { DpnError, ProviderError } from "../../core/errors.js";
import { isProvisionedType, type ProvisionedType } from "../../core/resources.js";
import { sleep } from "../../core/sleep.js";

/** The provider methods the sandbox counts (diff is pure and not a remote call). */
export const SANDBOX_METHODS = [
  "lookup",
  "read",
  "create",
  "update",
  "revert",
  "delete",
  "archive",
  "restore",
  "adopt",
  "rename",
  "list",
] as const;
export type SandboxMethod = (typeof SANDBOX_METHODS)[number];

/** Methods that change the simulated cloud; FAIL_AFTER counts only these. */
export const MUTATING_METHODS: readonly SandboxMethod[] = [
  "create",
  "update",
  "revert",
  "delete",
  "archive",
  "restore",
  "adopt",
  "rename",
];

export function isMutating(method: SandboxMethod): boolean {
  return MUTATING_METHODS.includes(method);
}

/** "The nth call of `method` on `type`" (1-based), e.g. `create:dbx_table:2`. */
export interface SandboxCallRule {
  method: SandboxMethod;
  type: ProvisionedType;
  nth: number;
}

export interface SandboxFaultOptions {
  /** Milliseconds added to every sandbox call, reads included. */
  latencyMs?: number;
  /** 0-based index of the one mutating call that fails (0 = the first). */
  failAfter?: number;
  /** Calls that fail before their effect (outcome not_applied). */
  failOn?: SandboxCallRule[];
  /** Probability (0..1) that any call fails with a transient, retryable error. */
  errorRate?: number;
  /** Seed for `errorRate`, so a failing run can be replayed. */
  seed?: number;
  /** Every nth call (reads included) is answered with a throttling error. */
  throttleEvery?: number;
  /** Calls whose effect is committed and which then fail with outcome unknown. */
  failAfterEffect?: SandboxCallRule[];
}

/** The environment variables read by `sandboxOptionsFromEnv`. */
export const SANDBOX_ENV = {
  latencyMs: "DPN_SANDBOX_LATENCY_MS",
  failAfter: "DPN_SANDBOX_FAIL_AFTER",
  failOn: "DPN_SANDBOX_FAIL_ON",
  errorRate: "DPN_SANDBOX_ERROR_RATE",
  seed: "DPN_SANDBOX_SEED",
  throttleEvery: "DPN_SANDBOX_THROTTLE",
  failAfterEffect: "DPN_SANDBOX_FAIL_AFTER_EFFECT",
} as const;

const MAX_LATENCY_MS = 600_000;

function configError(name: string, value: unknown, expected: string): DpnError {
  return new DpnError(
    "usage",
    "SANDBOX_CONFIG_INVALID",
    `${name}=${JSON.stringify(value)} is not valid: expected ${expected}.`,
    {
      hint: "See docs/sandbox.md for the sandbox variables and their formats.",
      details: { variable: name, value },
    },
  );
}

function parseInteger(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(text)) throw configError(name, text, `an integer >= ${min}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw configError(name, text, `an integer between ${min} and ${max}`);
  return n;
}

/**
 * Parse a comma list of `method:type:n` rules (e.g. `create:dbx_table:2,delete:aws_s3_bucket:1`).
 * `mutatingOnly` restricts methods to the mutating ones (an "after effect" fault needs an effect).
 * Throws DpnError usage `SANDBOX_CONFIG_INVALID` naming `name` on any malformed entry.
 */
export function parseSandboxCallRules(name: string, text: string, mutatingOnly = false): SandboxCallRule[] {
  const rules: SandboxCallRule[] = [];
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    const parts = entry.split(":");
    const expected = `a comma list of method:type:n (method one of ${(mutatingOnly ? MUTATING_METHODS : SANDBOX_METHODS).join(", ")}; type a provisioned type; n >= 1), e.g. create:dbx_table:2`;
    if (parts.length !== 3) throw configError(name, text, expected);
    const [method, type, nth] = parts as [string, string, string];
    const methods: readonly string[] = mutatingOnly ? MUTATING_METHODS : SANDBOX_METHODS;
    if (!methods.includes(method) || !isProvisionedType(type) || !/^\d+$/.test(nth) || Number(nth) < 1) {
      throw configError(name, text, expected);
    }
    rules.push({ method: method as SandboxMethod, type, nth: Number(nth) });
  }
  return rules;
}

/**
 * Read the sandbox fault variables from an environment map. Unset or empty variables are ignored.
 * Throws DpnError usage `SANDBOX_CONFIG_INVALID` naming the variable when a value is malformed.
 */
export function sandboxOptionsFromEnv(env: Record<string, string | undefined>): SandboxFaultOptions {
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const out: SandboxFaultOptions = {};
  const latency = get(SANDBOX_ENV.latencyMs);
  if (latency !== undefined) out.latencyMs = parseInteger(SANDBOX_ENV.latencyMs, latency, 0, MAX_LATENCY_MS);
  const failAfter = get(SANDBOX_ENV.failAfter);
  if (failAfter !== undefined) out.failAfter = parseInteger(SANDBOX_ENV.failAfter, failAfter, 0);
  const failOn = get(SANDBOX_ENV.failOn);
  if (failOn !== undefined) out.failOn = parseSandboxCallRules(SANDBOX_ENV.failOn, failOn);
  const rate = get(SANDBOX_ENV.errorRate);
  if (rate !== undefined) {
    const r = Number(rate);
    if (!/^(\d+(\.\d*)?|\.\d+)$/.test(rate) || !(r >= 0 && r <= 1)) {
      throw configError(SANDBOX_ENV.errorRate, rate, "a number between 0 and 1, e.g. 0.1");
    }
    out.errorRate = r;
  }
  const seed = get(SANDBOX_ENV.seed);
  if (seed !== undefined) out.seed = parseInteger(SANDBOX_ENV.seed, seed, 0);
  const throttle = get(SANDBOX_ENV.throttleEvery);
  if (throttle !== undefined) out.throttleEvery = parseInteger(SANDBOX_ENV.throttleEvery, throttle, 1);
  const afterEffect = get(SANDBOX_ENV.failAfterEffect);
  if (afterEffect !== undefined)
    out.failAfterEffect = parseSandboxCallRules(SANDBOX_ENV.failAfterEffect, afterEffect, true);
  return out;
}

/**
 * Check an options object (as built by the CLI from flags) the same way the env parser does.
 * Throws DpnError usage `SANDBOX_CONFIG_INVALID` naming the option.
 */
export function validateSandboxFaultOptions(o: SandboxFaultOptions): SandboxFaultOptions {
  const int = (name: string, v: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < min || v > max)) {
      throw configError(name, v, `an integer between ${min} and ${max}`);
    }
  };
  int("latencyMs", o.latencyMs, 0, MAX_LATENCY_MS);
  int("failAfter", o.failAfter, 0);
  int("seed", o.seed, 0);
  int("throttleEvery", o.throttleEvery, 1);
  if (
    o.errorRate !== undefined &&
    !(typeof o.errorRate === "number" && o.errorRate >= 0 && o.errorRate <= 1)
  ) {
    throw configError("errorRate", o.errorRate, "a number between 0 and 1");
  }
  const rules = (name: string, list: SandboxCallRule[] | undefined, mutatingOnly: boolean) => {
    for (const r of list ?? []) {
      const methods: readonly string[] = mutatingOnly ? MUTATING_METHODS : SANDBOX_METHODS;
      if (
        !methods.includes(r.method) ||
        !isProvisionedType(r.type) ||
        !Number.isSafeInteger(r.nth) ||
        r.nth < 1
      ) {
        throw configError(name, r, "rules {method, type, nth >= 1}");
      }
    }
  };
  rules("failOn", o.failOn, false);
  rules("failAfterEffect", o.failAfterEffect, true);
  return o;
}

/** Small deterministic PRNG (mulberry32): same seed, same sequence of injected errors. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type SandboxPlatform = "s3" | "glue" | "databricks";

const THROTTLE_CODE: Record<SandboxPlatform, string> = {
  s3: "SlowDown",
  glue: "ThrottlingException",
  databricks: "REQUEST_LIMIT_EXCEEDED",
};
const UNAVAILABLE_CODE: Record<SandboxPlatform, string> = {
  s3: "ServiceUnavailable",
  glue: "InternalServiceException",
  databricks: "TEMPORARILY_UNAVAILABLE",
};

/**
 * Per-registry fault state: call counters and the decisions derived from them. One registry
 * lives in one dpn process, so "the nth call in a process" means "the nth call of this injector".
 */
export class FaultInjector {
  private readonly counts = new Map<string, number>();
  private mutatingCalls = 0;
  private allCalls = 0;
  private readonly random: () => number;
  readonly seed: number;

  constructor(private readonly opts: SandboxFaultOptions = {}) {
    validateSandboxFaultOptions(opts);
    this.seed = opts.seed ?? Date.now() % 2 ** 31;
    this.random = prng(this.seed);
  }

  /** Calls counted so far by `<method>:<type>` (every call that reached the sandbox, failed ones too). */
  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /**
   * Account for a call and apply latency and pre-effect faults. Resolves when the call may
   * proceed; rejects with a ProviderError (outcome not_applied) when a fault fires, or when
   * `signal` aborts during the latency.
   */
  async before(
    method: SandboxMethod,
    type: ProvisionedType,
    platform: SandboxPlatform,
    signal?: AbortSignal,
  ): Promise<void> {
    const key = `${method}:${type}`;
    const nthOfKind = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, nthOfKind);
    this.allCalls++;
    const mutatingIndex = isMutating(method) ? this.mutatingCalls++ : -1;
    const details = { method, type, call: nthOfKind, injected: true };

    if (this.opts.latencyMs) {
      try {
        await sleep(this.opts.latencyMs, signal);
      } catch (cause) {
        throw new ProviderError(
          "timeout",
          "REMOTE_CALL_ABORTED",
          `Sandbox ${key} was aborted before it was sent.`,
          {
            outcome: "not_applied",
            retryable: false,
            details: { method, type },
            cause,
          },
        );
      }
    }
    if (this.opts.failAfter !== undefined && mutatingIndex === this.opts.failAfter) {
      throw new ProviderError(
        "internal",
        "SANDBOX_INJECTED_FAILURE",
        `Injected failure: mutating call #${mutatingIndex + 1} (${key}) failed because DPN_SANDBOX_FAIL_AFTER=${this.opts.failAfter}; nothing was changed.`,
        { outcome: "not_applied", retryable: false, details: { ...details, failAfter: this.opts.failAfter } },
      );
    }
    if (this.opts.failOn?.some((r) => r.method === method && r.type === type && r.nth === nthOfKind)) {
      throw new ProviderError(
        "internal",
        "SANDBOX_INJECTED_FAILURE",
        `Injected failure: call ${nthOfKind} of ${key} failed (DPN_SANDBOX_FAIL_ON); nothing was changed.`,
        { outcome: "not_applied", retryable: false, details: { ...details, failOn: `${key}:${nthOfKind}` } },
      );
    }
    if (this.opts.throttleEvery && this.allCalls % this.opts.throttleEvery === 0) {
      throw new ProviderError(
        "throttled",
        "REMOTE_THROTTLED",
        `The simulated ${platform} API throttled ${key} (DPN_SANDBOX_THROTTLE=${this.opts.throttleEvery}).`,
        {
          outcome: "not_applied",
          retryable: true,
          details: { ...details, platform, platformCode: THROTTLE_CODE[platform] },
        },
      );
    }
    if (this.opts.errorRate && this.random() < this.opts.errorRate) {
      throw new ProviderError(
        "unavailable",
        "REMOTE_UNAVAILABLE",
        `The simulated ${platform} API failed ${key} at random (DPN_SANDBOX_ERROR_RATE=${this.opts.errorRate}, seed ${this.seed}).`,
        {
          outcome: "not_applied",
          retryable: true,
          details: { ...details, platform, platformCode: UNAVAILABLE_CODE[platform], seed: this.seed },
        },
      );
    }
  }

  /**
   * Called after the effect of a call was committed. Throws a ProviderError with outcome
   * `unknown` when a FAIL_AFTER_EFFECT rule matches this call: the change happened, the caller
   * just never heard back.
   */
  after(method: SandboxMethod, type: ProvisionedType): void {
    const key = `${method}:${type}`;
    const nth = this.counts.get(key) ?? 0;
    if (this.opts.failAfterEffect?.some((r) => r.method === method && r.type === type && r.nth === nth)) {
      throw new ProviderError(
        "timeout",
        "SANDBOX_INJECTED_AFTER_EFFECT",
        `Injected failure after the effect: call ${nth} of ${key} was applied but its answer was lost (DPN_SANDBOX_FAIL_AFTER_EFFECT).`,
        { outcome: "unknown", retryable: false, details: { method, type, call: nth, injected: true } },
      );
    }
  }
}
