/**
 * The sandbox's fault-injection settings as flags (they override the DPN_SANDBOX_* variables of
 * the same meaning; docs/sandbox.md). Values are checked by the sandbox's own parser, whose errors
 * name the matching variable.
 */
export const SANDBOX_FLAGS = {
  sandboxLatencyMs: [
    "--sandbox-latency-ms <ms>",
    "add this latency to every sandbox call",
    "DPN_SANDBOX_LATENCY_MS",
  ],
  sandboxFailAfter: [
    "--sandbox-fail-after <n>",
    "fail the (n+1)-th mutating call (0 = the first)",
    "DPN_SANDBOX_FAIL_AFTER",
  ],
  sandboxFailOn: [
    "--sandbox-fail-on <rules>",
    "fail the nth call of a kind, e.g. create:dbx_table:2",
    "DPN_SANDBOX_FAIL_ON",
  ],
  sandboxFailAfterEffect: [
    "--sandbox-fail-after-effect <rules>",
    "fail after the effect happened (outcome unknown), e.g. create:aws_s3_bucket:1",
    "DPN_SANDBOX_FAIL_AFTER_EFFECT",
  ],
  sandboxErrorRate: [
    "--sandbox-error-rate <p>",
    "random transient errors with probability p (0..1)",
    "DPN_SANDBOX_ERROR_RATE",
  ],
  sandboxSeed: ["--sandbox-seed <n>", "seed for --sandbox-error-rate, to replay a run", "DPN_SANDBOX_SEED"],
  sandboxThrottle: [
    "--sandbox-throttle <n>",
    "answer every nth call with a throttling error",
    "DPN_SANDBOX_THROTTLE",
  ],
} as const;
