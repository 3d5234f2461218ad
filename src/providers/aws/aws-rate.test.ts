/** DPN_AWS_RATE_LIMITS parsing and the pacer's reaction to throttling answers (fake clock). */
import { describe, expect, it } from "vitest";
import { DpnError } from "../../core/errors.js";
import { AwsPacer, awsCallRates, DEFAULT_AWS_CALL_RATES } from "./aws-rate.js";

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

describe("awsCallRates", () => {
  it("defaults when unset or empty, overrides per service, 0 turns pacing off", () => {
    expect(awsCallRates(undefined)).toEqual(DEFAULT_AWS_CALL_RATES);
    expect(awsCallRates(" ")).toEqual(DEFAULT_AWS_CALL_RATES);
    expect(awsCallRates("glue=12.5, s3=0")).toEqual({ s3: 0, glue: 12.5 });
  });

  it.each(["ec2=5", "s3", "s3=-1", "s3=fast", "glue=1,,s3=x"])(
    "refuses %j with a usage error naming it",
    (raw) => {
      const e = (() => {
        try {
          awsCallRates(raw);
        } catch (err) {
          return err;
        }
      })() as DpnError;
      expect(e).toBeInstanceOf(DpnError);
      expect(e.code).toBe("AWS_RATE_LIMIT_INVALID");
      expect(e.kind).toBe("usage");
      expect(e.message).toContain("DPN_AWS_RATE_LIMITS");
    },
  );
});

describe("AwsPacer", () => {
  it("halves a service's rate on 503 SlowDown / 429 / ThrottlingException, not on other errors", async () => {
    let t = 0;
    const p = new AwsPacer({ s3: 100, glue: 40 }, () => t);
    const fail = (e: Error) => p.pace("s3", () => Promise.reject(e)).catch(() => undefined);
    await fail(awsError("NoSuchBucket", 404));
    expect(p.bucket("s3")?.rate).toBe(100);
    await fail(awsError("SlowDown", 503));
    expect(p.bucket("s3")?.rate).toBe(50);
    t += 1000;
    await p.pace("glue", () => Promise.reject(awsError("ThrottlingException", 400))).catch(() => undefined);
    await fail(awsError("TooManyRequests", 429));
    expect(p.bucket("glue")?.rate).toBe(20);
    expect(p.bucket("s3")?.rate).toBeCloseTo(27.5); // 50 + 5/s × 1 s = 55, then halved
  });

  it("passes an unpaced service straight through", async () => {
    const p = new AwsPacer({ s3: 0, glue: 0 });
    expect(p.bucket("s3")).toBeUndefined();
    expect(await p.pace("s3", async () => 7)).toBe(7);
  });
});
