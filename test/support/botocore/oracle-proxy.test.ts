/**
 * The oracle proxy end to end.
 *
 * Through the suite's own proxy (`inject("motoEndpoint")`) with the real SDK: a valid request
 * reaches moto; deliberately invalid S3, Glue and STS requests (marked with the expect-violation
 * header, so they do not fail the run) come back as `BotocoreModelViolation` and never reach moto.
 *
 * Against a private proxy in front of a capturing loopback server: requests are forwarded byte
 * for byte (raw headers, chunked bodies, `Expect: 100-continue`), responses relayed as sent
 * (chunked, HEAD), violations logged as JSON lines, and record mode forwards what enforce mode
 * refuses.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateDatabaseCommand, GetDatabaseCommand, GlueClient } from "@aws-sdk/client-glue";
import {
  type BucketVersioningStatus,
  CreateBucketCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startFaultProxy } from "../cloud-env.js";
import { motoEndpoint, rawGlue, rawS3, uniqueName } from "../moto.js";
import { BotocoreOracle } from "./check-request.js";
import { loadModels } from "./model.js";
import {
  CHECK_ONLY_HEADER,
  EXPECT_VIOLATION_HEADER,
  type OracleProxy,
  startOracleProxy,
  VIOLATION_CODE,
} from "./oracle-proxy.js";
import { readViolationLog } from "./report.js";

interface MiddlewareClient {
  middlewareStack: { add: (mw: never, opts: { step: "build"; name: string }) => void };
}
/**
 * Mark every request of `client` as one whose violation this test provokes on purpose, adding
 * `extra` headers to each as well.
 */
function expectViolations<C>(client: C, extra: Record<string, string> = {}): C {
  (client as unknown as MiddlewareClient).middlewareStack.add(
    ((next: (a: unknown) => Promise<unknown>) =>
      async (args: { request: { headers?: Record<string, string> } }) => {
        if (args.request.headers)
          Object.assign(args.request.headers, { [EXPECT_VIOLATION_HEADER]: "1", ...extra });
        return next(args);
      }) as never,
    { step: "build", name: "dpnOracleExpectViolation" },
  );
  return client;
}

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
  }
  throw new Error("the call succeeded but should have been refused by the oracle");
};

describe("the suite's oracle proxy, with the real SDK", () => {
  const region = "us-east-1";

  it("forwards a valid request to moto and relays its answer", async () => {
    const s3 = rawS3(region);
    const bucket = uniqueName("dpn-oracle-ok");
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(
        new PutBucketTaggingCommand({
          Bucket: bucket,
          Tagging: { TagSet: [{ Key: "team", Value: "data" }] },
        }),
      );
      const got = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
      expect(got.TagSet).toEqual([{ Key: "team", Value: "data" }]);
      expect((await s3.send(new HeadBucketCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(200);
    } finally {
      s3.destroy();
    }
  });

  it("refuses an invalid S3 request with BotocoreModelViolation, and moto never sees it", async () => {
    const s3 = rawS3(region);
    const bad = expectViolations(rawS3(region));
    const headBad = expectViolations(rawS3(region), { "x-amz-colour": "red" });
    const bucket = uniqueName("dpn-oracle-s3");
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const e = await failure(
        bad.send(
          new PutBucketVersioningCommand({
            Bucket: bucket,
            VersioningConfiguration: { Status: "On" as BucketVersioningStatus },
          }),
        ),
      );
      expect(e.name).toBe(VIOLATION_CODE);
      expect(e.$metadata?.httpStatusCode).toBe(400);
      expect(e.message).toContain(
        'PutBucketVersioning: VersioningConfiguration.Status: enum ["Enabled","Suspended"]; value "On"',
      );
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBeUndefined();
      // a HEAD answer has no body: the SDK still fails with the 400
      const head = await failure(headBad.send(new HeadBucketCommand({ Bucket: bucket })));
      expect(head.$metadata?.httpStatusCode).toBe(400);
    } finally {
      s3.destroy();
      bad.destroy();
      headBad.destroy();
    }
  });

  it("refuses an invalid Glue request (a 256-character name) and moto never sees it", async () => {
    const glue = rawGlue(region);
    const bad = expectViolations(rawGlue(region));
    const name = `dpn_oracle_${"x".repeat(245)}`;
    try {
      const e = await failure(bad.send(new CreateDatabaseCommand({ DatabaseInput: { Name: name } })));
      expect(e.name).toBe(VIOLATION_CODE);
      expect(e.$metadata?.httpStatusCode).toBe(400);
      expect(e.message).toContain("CreateDatabase: DatabaseInput.Name: max 255 (length 256)");
      const lookup = await failure(glue.send(new GetDatabaseCommand({ Name: name.slice(0, 255) })));
      expect(lookup.name).toBe("EntityNotFoundException");
    } finally {
      glue.destroy();
      bad.destroy();
    }
  });

  it("refuses an invalid STS request in the query protocol's error format", async () => {
    const sts = expectViolations(
      new STSClient({
        region,
        endpoint: motoEndpoint(),
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      }),
    );
    try {
      const e = await failure(
        sts.send(
          new AssumeRoleCommand({
            RoleArn: "arn:aws:iam::123456789012:role/dpn",
            RoleSessionName: "not valid",
          }),
        ),
      );
      expect(e.name).toBe(VIOLATION_CODE);
      expect(e.message).toContain("AssumeRole: RoleSessionName: pattern [\\w+=,.@-]*");
    } finally {
      sts.destroy();
    }
  });

  it("holds a call the e2e fault proxy answers itself (an injected fault) to the model too", async () => {
    const faults = await startFaultProxy();
    const glue = (marked: boolean) => {
      const c = new GlueClient({
        region,
        endpoint: faults.url,
        maxAttempts: 1,
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      });
      return marked ? expectViolations(c) : c;
    };
    const valid = glue(false);
    const invalid = glue(true);
    try {
      faults.add({ target: "AWSGlue.CreateDatabase", status: 500, times: Number.POSITIVE_INFINITY });
      const injected = await failure(
        valid.send(new CreateDatabaseCommand({ DatabaseInput: { Name: "dpn_fault_ok" } })),
      );
      expect(injected.name).toBe("InternalServiceException");
      const refused = await failure(
        invalid.send(new CreateDatabaseCommand({ DatabaseInput: { Name: "dpn_fault\nbad" } })),
      );
      expect(refused.name).toBe(VIOLATION_CODE);
      expect(refused.message).toContain("CreateDatabase: DatabaseInput.Name: pattern");
      expect(faults.log.map((l) => l.status)).toEqual([500, 400]);
    } finally {
      valid.destroy();
      invalid.destroy();
      await faults.close();
    }
  });

  it("logs the provoked violations as expected ones, which do not fail the run", () => {
    const mine = readViolationLog(inject("oracleLogFile")).filter((v) =>
      ["PutBucketVersioning", "CreateDatabase", "AssumeRole", "HeadBucket"].includes(v.operation),
    );
    expect(mine.length).toBeGreaterThanOrEqual(5);
    expect(mine.every((v) => v.expected && !v.forwarded)).toBe(true);
    expect(mine.map((v) => v.operation)).toEqual(
      expect.arrayContaining(["PutBucketVersioning", "CreateDatabase", "AssumeRole", "HeadBucket"]),
    );
  });
});

// ---- a private proxy in front of a capturing upstream ---------------------------------------

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

let upstream: Server;
let upstreamUrl: string;
const seen: Seen[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString(),
      });
      if (req.method === "HEAD") {
        res.writeHead(200, { "Content-Length": "42", "X-Up": "head" });
        res.end();
        return;
      }
      // a chunked answer written in two parts, with a repeated header
      res.writeHead(
        201,
        "Made",
        [
          ["X-Up", "1"],
          ["Set-Cookie", "a=1"],
          ["Set-Cookie", "b=2"],
        ].flat(),
      );
      res.write("part-one;");
      setTimeout(() => res.end("part-two"), 20);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

async function privateProxy(mode: "enforce" | "record"): Promise<OracleProxy> {
  const logFile = join(mkdtempSync(join(tmpdir(), "dpn-oracle-test-")), "violations.jsonl");
  writeFileSync(logFile, "");
  const oracle = new BotocoreOracle(loadModels(inject("botocoreDataDir")));
  return startOracleProxy({ upstream: upstreamUrl, oracle, mode, logFile });
}

interface Answer {
  status: number;
  message: string;
  rawHeaders: string[];
  body: string;
}

function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string[],
  waitForContinue = false,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = request(
      { host: u.hostname, port: u.port, method, path, headers, agent: false },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            message: res.statusMessage ?? "",
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on("error", reject);
    const write = () => {
      for (const part of body ?? []) req.write(part);
      req.end();
    };
    if (waitForContinue) req.on("continue", write);
    else write();
  });
}

const pairs = (raw: string[]) => raw.flatMap((v, i) => (i % 2 ? [] : [`${v}: ${raw[i + 1]}`]));

describe("the oracle proxy's transport", () => {
  it("forwards a valid request unchanged and relays a chunked response as sent", async () => {
    const proxy = await privateProxy("enforce");
    try {
      seen.length = 0;
      const a = await send(proxy.url, "GET", "/my-bucket/?tagging=", {
        "X-Amz-Date": "20260101T000000Z",
        "X-Custom": "Kept-Case",
      });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ method: "GET", url: "/my-bucket/?tagging=", body: "" });
      expect(pairs(seen[0]?.rawHeaders ?? [])).toEqual(
        expect.arrayContaining(["X-Amz-Date: 20260101T000000Z", "X-Custom: Kept-Case"]),
      );
      expect(a).toMatchObject({ status: 201, message: "Made", body: "part-one;part-two" });
      expect(pairs(a.rawHeaders)).toEqual(
        expect.arrayContaining([
          "X-Up: 1",
          "Set-Cookie: a=1",
          "Set-Cookie: b=2",
          "Transfer-Encoding: chunked",
        ]),
      );
      expect(proxy.all()).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("forwards a chunked request body sent after 100-continue", async () => {
    const proxy = await privateProxy("enforce");
    try {
      seen.length = 0;
      const a = await send(
        proxy.url,
        "PUT",
        "/my-bucket/dir/obj.txt?x-id=PutObject",
        { "Transfer-Encoding": "chunked", Expect: "100-continue", "Content-Type": "text/plain" },
        ["hello ", "chunked ", "world"],
        true,
      );
      expect(a.status).toBe(201);
      expect(seen[0]).toMatchObject({
        method: "PUT",
        url: "/my-bucket/dir/obj.txt?x-id=PutObject",
        body: "hello chunked world",
      });
      expect(pairs(seen[0]?.rawHeaders ?? [])).toEqual(
        expect.arrayContaining(["Transfer-Encoding: chunked", "Expect: 100-continue"]),
      );
    } finally {
      await proxy.close();
    }
  });

  it("relays a HEAD answer's headers without a body", async () => {
    const proxy = await privateProxy("enforce");
    try {
      const a = await send(proxy.url, "HEAD", "/my-bucket/", {});
      expect(a).toMatchObject({ status: 200, body: "" });
      expect(pairs(a.rawHeaders)).toEqual(expect.arrayContaining(["Content-Length: 42", "X-Up: head"]));
    } finally {
      await proxy.close();
    }
  });

  it("enforce: answers a violation itself in the service's format, logs it, forwards nothing", async () => {
    const proxy = await privateProxy("enforce");
    try {
      seen.length = 0;
      const a = await send(proxy.url, "GET", "/my-bucket/?tagging=&colour=red", {});
      expect(seen).toEqual([]);
      expect(a.status).toBe(400);
      expect(a.body).toContain("<Code>BotocoreModelViolation</Code>");
      expect(a.body).toContain("GetBucketTagging: colour: unknown query parameter; value &quot;red&quot;");
      const glue = await send(
        proxy.url,
        "POST",
        "/",
        { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSGlue.GetDatabase" },
        ["{}"],
      );
      expect(glue.status).toBe(400);
      expect(JSON.parse(glue.body)).toEqual({
        __type: "BotocoreModelViolation",
        message: "botocore model violation: GetDatabase: Name: required",
      });
      const logged = readViolationLog(proxy.logFile);
      expect(logged.map((v) => [v.operation, v.path, v.rule, v.expected, v.forwarded])).toEqual([
        ["GetBucketTagging", "colour", "unknown query parameter", false, false],
        ["GetDatabase", "Name", "required", false, false],
      ]);
      expect(logged[0]?.request).toMatchObject({ method: "GET", url: "/my-bucket/?tagging=&colour=red" });
      expect(proxy.unexpected()).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });

  it("record: forwards a violating request and only logs it; a marked one is still refused and not counted", async () => {
    const proxy = await privateProxy("record");
    try {
      seen.length = 0;
      const a = await send(proxy.url, "GET", "/my-bucket/?tagging=&colour=red", {});
      expect(a.status).toBe(201);
      expect(seen.map((s) => s.url)).toEqual(["/my-bucket/?tagging=&colour=red"]);
      const marked = await send(proxy.url, "GET", "/my-bucket/?tagging=&colour=blue", {
        [EXPECT_VIOLATION_HEADER]: "1",
      });
      expect(marked.status).toBe(400);
      expect(seen).toHaveLength(1);
      expect(proxy.unexpected().map((v) => [v.value, v.forwarded])).toEqual([['"red"', true]]);
      expect(proxy.all()).toHaveLength(2);
      expect(readFileSync(proxy.logFile, "utf8").trim().split("\n")).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });

  it("check-only: checks a request without forwarding it, valid or not", async () => {
    const proxy = await privateProxy("enforce");
    try {
      seen.length = 0;
      const ok = await send(proxy.url, "GET", "/my-bucket/?tagging=", { [CHECK_ONLY_HEADER]: "1" });
      expect(ok.status).toBe(204);
      expect(pairs(ok.rawHeaders)).toContain("x-dpn-oracle-checked: 1");
      const bad = await send(proxy.url, "GET", "/my-bucket/?tagging=&colour=red", {
        [CHECK_ONLY_HEADER]: "1",
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toContain("BotocoreModelViolation");
      expect(seen).toEqual([]);
      expect(proxy.unexpected()).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it("passes moto's own API through unchecked", async () => {
    const proxy = await privateProxy("enforce");
    try {
      seen.length = 0;
      const a = await send(proxy.url, "POST", "/moto-api/reset", {}, ["x"]);
      expect(a.status).toBe(201);
      expect(seen.map((s) => s.url)).toEqual(["/moto-api/reset"]);
      expect(proxy.all()).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
