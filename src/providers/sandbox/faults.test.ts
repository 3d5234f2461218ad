import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DpnError, ProviderError } from "../../core/errors.js";
import { parseSandboxCallRules, type SandboxFaultOptions, sandboxOptionsFromEnv } from "./faults.js";
import { createSandboxRegistry, type SandboxRegistry } from "./sandbox-provider.js";
import * as kit from "./sandbox-test-kit.js";

describe("sandboxOptionsFromEnv", () => {
  it("reads every documented variable", () => {
    expect(
      sandboxOptionsFromEnv({
        DPN_SANDBOX_LATENCY_MS: "25",
        DPN_SANDBOX_FAIL_AFTER: "0",
        DPN_SANDBOX_FAIL_ON: "create:dbx_table:2, delete:aws_s3_bucket:1",
        DPN_SANDBOX_ERROR_RATE: "0.1",
        DPN_SANDBOX_SEED: "42",
        DPN_SANDBOX_THROTTLE: "5",
        DPN_SANDBOX_FAIL_AFTER_EFFECT: "create:aws_s3_bucket:1",
        UNRELATED: "x",
      }),
    ).toEqual({
      latencyMs: 25,
      failAfter: 0,
      failOn: [
        { method: "create", type: "dbx_table", nth: 2 },
        { method: "delete", type: "aws_s3_bucket", nth: 1 },
      ],
      errorRate: 0.1,
      seed: 42,
      throttleEvery: 5,
      failAfterEffect: [{ method: "create", type: "aws_s3_bucket", nth: 1 }],
    });
  });

  it("ignores unset and empty variables", () => {
    expect(sandboxOptionsFromEnv({})).toEqual({});
    expect(sandboxOptionsFromEnv({ DPN_SANDBOX_FAIL_AFTER: "", DPN_SANDBOX_LATENCY_MS: "  " })).toEqual({});
  });

  const bad: [string, string][] = [
    ["DPN_SANDBOX_LATENCY_MS", "-1"],
    ["DPN_SANDBOX_LATENCY_MS", "10ms"],
    ["DPN_SANDBOX_LATENCY_MS", "1.5"],
    ["DPN_SANDBOX_FAIL_AFTER", "-1"],
    ["DPN_SANDBOX_FAIL_AFTER", "two"],
    ["DPN_SANDBOX_FAIL_ON", "create:dbx_table"],
    ["DPN_SANDBOX_FAIL_ON", "make:dbx_table:1"],
    ["DPN_SANDBOX_FAIL_ON", "create:dbx_tabel:1"],
    ["DPN_SANDBOX_FAIL_ON", "create:dbx_table:0"],
    ["DPN_SANDBOX_FAIL_ON", "create:dbx_table:1,"],
    ["DPN_SANDBOX_ERROR_RATE", "1.5"],
    ["DPN_SANDBOX_ERROR_RATE", "10%"],
    ["DPN_SANDBOX_SEED", "abc"],
    ["DPN_SANDBOX_THROTTLE", "0"],
    ["DPN_SANDBOX_FAIL_AFTER_EFFECT", "read:aws_s3_bucket:1"],
  ];
  for (const [name, value] of bad) {
    it(`rejects ${name}=${value} naming the variable`, () => {
      let err: unknown;
      try {
        sandboxOptionsFromEnv({ [name]: value });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DpnError);
      expect(err).toMatchObject({ kind: "usage", code: "SANDBOX_CONFIG_INVALID", exitCode: 2 });
      expect((err as Error).message).toContain(name);
    });
  }

  it("parseSandboxCallRules is shared with the CLI flags", () => {
    expect(parseSandboxCallRules("--fail-on", "lookup:dbx_job:3")).toEqual([
      { method: "lookup", type: "dbx_job", nth: 3 },
    ]);
    expect(() => parseSandboxCallRules("--fail-on", "x")).toThrow(/--fail-on/);
  });

  it("createSandboxRegistry validates option objects the same way", () => {
    const t = kit.tempSandbox();
    try {
      expect(() => createSandboxRegistry({ dbPath: t.dbPath, faults: { errorRate: 2 } })).toThrow(
        expect.objectContaining({ code: "SANDBOX_CONFIG_INVALID" }),
      );
      expect(() => createSandboxRegistry({ dbPath: t.dbPath, faults: { failAfter: -1 } })).toThrow(
        /failAfter/,
      );
    } finally {
      t.cleanup();
    }
  });
});

describe("sandbox fault injection", () => {
  let t: ReturnType<typeof kit.tempSandbox>;
  const open: SandboxRegistry[] = [];
  const registry = (faults: SandboxFaultOptions) => {
    const r = createSandboxRegistry({ dbPath: t.dbPath, faults });
    open.push(r);
    return r;
  };
  const c = kit.ctx();

  beforeEach(() => {
    t = kit.tempSandbox();
  });
  afterEach(async () => {
    for (const r of open.splice(0)) await r.close();
    t.cleanup();
  });

  /** Run `n` bucket creates (interleaved with reads) and report which ones failed, by index. */
  async function failingCreates(reg: SandboxRegistry, n: number): Promise<number[]> {
    const failed: number[] = [];
    for (let i = 0; i < n; i++) {
      const d = kit.bucket(`bucket-${i}`);
      await reg.get("aws_s3_bucket").lookup(d, c);
      await reg.get("aws_s3_bucket").read(d.name, c);
      try {
        await reg.get("aws_s3_bucket").create(d, c);
      } catch (e) {
        expect(e).toBeInstanceOf(ProviderError);
        expect(e).toMatchObject({
          category: "internal",
          code: "SANDBOX_INJECTED_FAILURE",
          outcome: "not_applied",
          retryable: false,
        });
        failed.push(i);
      }
    }
    return failed;
  }

  it("FAIL_AFTER=0 fails only the first mutating call, and nothing is applied", async () => {
    const reg = registry({ failAfter: 0 });
    expect(await failingCreates(reg, 4)).toEqual([0]);
    expect(reg.inventory().map((o) => o.name)).toEqual(["bucket-1", "bucket-2", "bucket-3"]);
  });

  it("FAIL_AFTER=2 fails only the third mutating call; reads are not counted", async () => {
    const reg = registry({ failAfter: 2 });
    expect(await failingCreates(reg, 5)).toEqual([2]);
    expect(reg.inventory().map((o) => o.name)).toEqual(["bucket-0", "bucket-1", "bucket-3", "bucket-4"]);
  });

  it("FAIL_AFTER counts every mutating method, not only creates", async () => {
    const reg = registry({ failAfter: 1 });
    const p = reg.get("dbx_catalog");
    const made = await p.create(kit.catalog("a"), c);
    const e = await kit.rejection(p.archive(made, c));
    expect(e).toMatchObject({ code: "SANDBOX_INJECTED_FAILURE" });
    expect((await p.read("a", c))?.archived).toBe(false);
    expect((await p.archive(made, c)).archived).toBe(true);
  });

  it("FAIL_ON fails the nth call of one method and type only", async () => {
    const reg = registry({ failOn: [{ method: "create", type: "dbx_schema", nth: 2 }] });
    await reg.get("dbx_catalog").create(kit.catalog("cat"), c);
    await reg.get("dbx_catalog").create(kit.catalog("cat2"), c);
    await reg.get("dbx_schema").create(kit.schema("cat", "s1"), c);
    const e = await kit.rejection(reg.get("dbx_schema").create(kit.schema("cat", "s2"), c));
    expect(e).toMatchObject({ code: "SANDBOX_INJECTED_FAILURE", outcome: "not_applied" });
    await reg.get("dbx_schema").create(kit.schema("cat", "s3"), c);
    expect(reg.inventory().map((o) => o.remoteId)).toEqual(["cat", "cat2", "cat.s1", "cat.s3"]);
  });

  it("FAIL_AFTER_EFFECT commits the effect, then throws outcome unknown", async () => {
    const reg = registry({ failAfterEffect: [{ method: "create", type: "aws_s3_bucket", nth: 1 }] });
    const d = kit.bucket("lost-answer");
    const e = await kit.rejection(reg.get("aws_s3_bucket").create(d, c));
    expect(e).toMatchObject({
      name: "ProviderError",
      code: "SANDBOX_INJECTED_AFTER_EFFECT",
      outcome: "unknown",
      retryable: false,
    });
    const found = await reg.get("aws_s3_bucket").lookup(d, c);
    expect(found?.ownership).toEqual({ stackId: kit.STACK, address: d.address });
    // only the first create is affected
    await reg.get("aws_s3_bucket").create(kit.bucket("second-one"), c);
  });

  it("FAIL_AFTER_EFFECT on update and delete: the change is made, the answer is lost", async () => {
    const reg = registry({
      failAfterEffect: [
        { method: "update", type: "dbx_catalog", nth: 1 },
        { method: "delete", type: "dbx_catalog", nth: 1 },
      ],
    });
    const p = reg.get("dbx_catalog");
    const made = await p.create(kit.catalog("cat"), c);
    const e = await kit.rejection(p.update(kit.catalog("cat", { comment: "new" }), made, c));
    expect(e).toMatchObject({ outcome: "unknown", code: "SANDBOX_INJECTED_AFTER_EFFECT" });
    expect((await p.read("cat", c))?.properties.comment).toBe("new");
    expect(await kit.rejection(p.delete(made, c))).toMatchObject({ outcome: "unknown" });
    expect(await p.read("cat", c)).toBeNull();
  });

  it("THROTTLE=n answers every nth call (reads too) with a retryable throttling error", async () => {
    const reg = registry({ throttleEvery: 3 });
    const outcomes: string[] = [];
    for (let i = 0; i < 7; i++) {
      try {
        await reg.get("aws_glue_database").read("nothing", c);
        outcomes.push("ok");
      } catch (e) {
        expect(e).toMatchObject({
          category: "throttled",
          retryable: true,
          outcome: "not_applied",
          code: "REMOTE_THROTTLED",
        });
        expect((e as ProviderError).details).toMatchObject({ platformCode: "ThrottlingException" });
        outcomes.push("throttled");
      }
    }
    expect(outcomes).toEqual(["ok", "ok", "throttled", "ok", "ok", "throttled", "ok"]);
  });

  it("ERROR_RATE with a seed is deterministic; 0 never and 1 always fails", async () => {
    const pattern = async (faults: SandboxFaultOptions) => {
      const reg = registry(faults);
      const out: boolean[] = [];
      for (let i = 0; i < 40; i++) {
        try {
          await reg.get("dbx_job").read("1", c);
          out.push(false);
        } catch (e) {
          expect(e).toMatchObject({ category: "unavailable", retryable: true, outcome: "not_applied" });
          out.push(true);
        }
      }
      return out;
    };
    const a = await pattern({ errorRate: 0.3, seed: 7 });
    const b = await pattern({ errorRate: 0.3, seed: 7 });
    const other = await pattern({ errorRate: 0.3, seed: 8 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(other);
    expect(a.filter(Boolean).length).toBeGreaterThan(3);
    expect(a.filter(Boolean).length).toBeLessThan(25);
    expect((await pattern({ errorRate: 0, seed: 1 })).some(Boolean)).toBe(false);
    expect((await pattern({ errorRate: 1, seed: 1 })).every(Boolean)).toBe(true);
  });

  it("LATENCY_MS delays every call, reads included", async () => {
    const reg = registry({ latencyMs: 60 });
    let start = performance.now();
    await reg.get("aws_s3_bucket").read("nope", c);
    expect(performance.now() - start).toBeGreaterThanOrEqual(59);
    start = performance.now();
    await reg.get("aws_s3_bucket").create(kit.bucket("slow-one"), c);
    expect(performance.now() - start).toBeGreaterThanOrEqual(59);
  });

  it("an abort during the latency fails the call without applying it", async () => {
    const reg = registry({ latencyMs: 5000 });
    const ac = new AbortController();
    const pending = reg.get("aws_s3_bucket").create(kit.bucket("never-made"), kit.ctx({ signal: ac.signal }));
    setTimeout(() => ac.abort(), 20);
    const e = await kit.rejection(pending);
    expect(e).toMatchObject({ code: "REMOTE_CALL_ABORTED", outcome: "not_applied" });
    expect(reg.inventory()).toEqual([]);
  });

  it("callCounts counts calls by method:type, reads and failed calls included", async () => {
    const reg = registry({ failAfter: 0 });
    const d = kit.bucket("counted");
    await reg.get("aws_s3_bucket").lookup(d, c);
    await reg.get("aws_s3_bucket").lookup(d, c);
    await kit.rejection(reg.get("aws_s3_bucket").create(d, c));
    await reg.get("aws_s3_bucket").create(d, c);
    await reg.get("dbx_catalog").read("x", c);
    reg.get("aws_s3_bucket").diff(d, (await reg.get("aws_s3_bucket").read("counted", c))!);
    expect(reg.callCounts()).toEqual({
      "create:aws_s3_bucket": 2,
      "lookup:aws_s3_bucket": 2,
      "read:aws_s3_bucket": 1,
      "read:dbx_catalog": 1,
    });
  });
});
