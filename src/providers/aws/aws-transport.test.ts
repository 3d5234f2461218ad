/**
 * Credentials, endpoints, retries and failure outcomes of the AWS providers over real loopback
 * HTTP: moto for the happy paths, and tiny local servers for faults moto cannot produce
 * (dropped connections, throttling, request capture). This file mutates process.env inside
 * tests (vitest runs each file in its own process) and restores it afterwards.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetDatabasesCommand, GlueClient } from "@aws-sdk/client-glue";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { oracleCheckOnly } from "../../../test/support/botocore/check-only.js";
import { MOTO_ACCOUNT_ID, motoEndpoint, motoEnv, testCtx, uniqueName } from "../../../test/support/moto.js";
import { ExitCode, ProviderError } from "../../core/errors.js";
import type { DesiredResource } from "../../core/resources.js";
import type { RemoteObject } from "../../engine/ports.js";
import { AwsClients, endpointFromEnv } from "./aws-clients.js";
import { awsPreflight, createAwsProviders } from "./aws-providers.js";

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

/** An environment with no credentials anywhere: no keys, empty shared files, no instance metadata. */
function noCredentialsEnv(): Record<string, string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "dpn-aws-"));
  writeFileSync(join(dir, "config"), "");
  writeFileSync(join(dir, "credentials"), "");
  const env: Record<string, string | undefined> = {
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_CONFIG_FILE: join(dir, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_REGION: "us-east-1",
  };
  // The SDK's credential chain reads the real process environment.
  for (const k of [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
  ]) {
    delete process.env[k];
  }
  Object.assign(process.env, env);
  return env;
}

describe("credentials and preflight", () => {
  it("returns the caller identity from STS", async () => {
    const id = await awsPreflight({ env: motoEnv() });
    expect(id.account).toBe(MOTO_ACCOUNT_ID);
    expect(id.partition).toBe("aws");
  });

  it("fails with AWS_AUTH (exit 4) and a hint when no credentials exist", async () => {
    const env = noCredentialsEnv();
    const e = await awsPreflight({ env }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ProviderError);
    const pe = e as ProviderError;
    expect(pe.code).toBe("AWS_AUTH");
    expect(pe.kind).toBe("auth");
    expect(pe.exitCode).toBe(ExitCode.AUTH);
    expect(pe.hint).toContain("aws sso login");
    expect(pe.outcome).toBe("not_applied");
  });

  it("fails with AWS_PROFILE_NOT_FOUND naming the profile and the known ones when it does not exist", async () => {
    const env = noCredentialsEnv();
    writeFileSync(env.AWS_CONFIG_FILE as string, "[profile dev]\nregion = eu-west-1\n");
    const e = (await awsPreflight({ env, profile: "nope" }).catch((err: unknown) => err)) as ProviderError;
    expect(e.code).toBe("AWS_PROFILE_NOT_FOUND");
    expect(e.exitCode).toBe(ExitCode.AUTH);
    expect(e.message).toContain('AWS profile "nope" is not defined in');
    expect(e.hint).toMatch(/^Known profiles: dev\./);
    // AWS_PROFILE=nope is the same failure
    const viaEnv = (await awsPreflight({ env: { ...env, AWS_PROFILE: "nope" } }).catch(
      (err: unknown) => err,
    )) as ProviderError;
    expect(viaEnv.code).toBe("AWS_PROFILE_NOT_FOUND");
  });

  it("uses a named profile from the shared credentials file (profile option)", async () => {
    const env = noCredentialsEnv();
    writeFileSync(
      env.AWS_SHARED_CREDENTIALS_FILE as string,
      "[dpn-test]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s3cr3t\n",
    );
    const id = await awsPreflight({ env, profile: "dpn-test" });
    expect(id.account).toBe(MOTO_ACCOUNT_ID);
    // AWS_PROFILE works the same way.
    const id2 = await awsPreflight({ env: { ...env, AWS_PROFILE: "dpn-test" } });
    expect(id2.account).toBe(MOTO_ACCOUNT_ID);
  });

  it("a provider call without credentials fails before any change with AWS_AUTH", async () => {
    const env = noCredentialsEnv();
    const clients = new AwsClients({ env, maxAttempts: 1 });
    const p = createAwsProviders({ clients }).aws_s3_bucket;
    const e = (await p
      .read(uniqueName("dpn-nocred"), testCtx("s"))
      .catch((err: unknown) => err)) as ProviderError;
    clients.destroy();
    expect(e.code).toBe("AWS_AUTH");
    expect(e.category).toBe("auth");
  });
});

describe("endpoint overrides", () => {
  it("resolves service-specific before global variables and honours AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", () => {
    const env = {
      AWS_ENDPOINT_URL: "http://global",
      AWS_ENDPOINT_URL_S3: "http://s3",
      AWS_ENDPOINT_URL_GLUE: "http://glue",
    };
    expect(endpointFromEnv(env, "s3")).toBe("http://s3");
    expect(endpointFromEnv(env, "glue")).toBe("http://glue");
    expect(endpointFromEnv(env, "sts")).toBe("http://global");
    expect(endpointFromEnv({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" }, "s3")).toBeUndefined();
    expect(endpointFromEnv({}, "s3")).toBeUndefined();
  });

  it("pins the SDK: clients 3.1175/3.1169 honour AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_GLUE themselves", async () => {
    process.env.AWS_ENDPOINT_URL_S3 = motoEndpoint();
    process.env.AWS_ENDPOINT_URL_GLUE = motoEndpoint();
    const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };
    const s3 = new S3Client({ region: "us-east-1", credentials, forcePathStyle: true });
    const glue = new GlueClient({ region: "us-east-1", credentials });
    try {
      expect((await s3.send(new ListBucketsCommand({}))).$metadata.httpStatusCode).toBe(200);
      expect((await glue.send(new GetDatabasesCommand({}))).$metadata.httpStatusCode).toBe(200);
    } finally {
      s3.destroy();
      glue.destroy();
    }
  });

  it("reaches moto through AWS_ENDPOINT_URL_S3 / _GLUE only (path-style S3)", async () => {
    const env = motoEnv({
      AWS_ENDPOINT_URL: undefined,
      AWS_ENDPOINT_URL_S3: motoEndpoint(),
      AWS_ENDPOINT_URL_GLUE: motoEndpoint(),
    });
    const clients = new AwsClients({ env });
    const p = createAwsProviders({ clients });
    try {
      expect(await p.aws_s3_bucket.read(uniqueName("dpn-nobucket"), testCtx("s"))).toBeNull();
      expect(await p.aws_glue_database.read(uniqueName("dpn_nodb", "_"), testCtx("s"))).toBeNull();
    } finally {
      clients.destroy();
    }
  });
});

// ---- Fault servers -------------------------------------------------------------------------

interface Seen {
  method: string;
  url: string;
  target?: string;
  body: string;
}

async function faultServer(
  handle: (req: IncomingMessage, body: string, res: import("node:http").ServerResponse) => void,
): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += String(d);
    });
    req.on("end", async () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        target: req.headers["x-amz-target"] as string | undefined,
        body,
      });
      // These servers answer the SDK themselves: the botocore oracle still checks every request.
      const v = await oracleCheckOnly(req, Buffer.from(body));
      if (v) {
        res.writeHead(v.status, v.headers);
        res.end(v.body);
        return;
      }
      handle(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const closers: Server[] = [];
afterEach(async () => {
  for (const s of closers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

function bucket(name: string): DesiredResource<"aws_s3_bucket"> {
  return {
    type: "aws_s3_bucket",
    address: `aws_s3_bucket.${name}`,
    name,
    fullName: name,
    properties: {
      region: "eu-west-1",
      versioning: true,
      lifecycle_days: 90,
      encryption: "AES256",
      block_public_access: true,
    },
    tags: {},
    dependencies: [],
    source: "$",
  };
}

function glueJson(res: import("node:http").ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
  res.end(JSON.stringify(body));
}

describe("failure outcomes and retries", () => {
  it("a CreateBucket whose connection drops after sending is not retried and ends `unknown`", async () => {
    const f = await faultServer((req, _b, res) => {
      if (req.method === "HEAD") {
        res.writeHead(404);
        res.end();
        return;
      }
      req.socket.destroy();
    });
    closers.push(f.server);
    const clients = new AwsClients({ env: motoEnv({ AWS_ENDPOINT_URL: f.url }), maxAttempts: 3 });
    const e = (await createAwsProviders({ clients })
      .aws_s3_bucket.create(bucket("dpn-drop"), testCtx("s"))
      .catch((err: unknown) => err)) as ProviderError;
    clients.destroy();
    expect(e).toBeInstanceOf(ProviderError);
    expect(e.outcome).toBe("unknown");
    expect(e.category).toBe("unavailable");
    expect(f.seen.filter((s) => s.method === "PUT")).toHaveLength(1);
  });

  it("a CreateDatabase whose connection drops is not retried and ends `unknown`", async () => {
    const f = await faultServer((req) => req.socket.destroy());
    closers.push(f.server);
    const clients = new AwsClients({ env: motoEnv({ AWS_ENDPOINT_URL: f.url }), maxAttempts: 3 });
    const d: DesiredResource<"aws_glue_database"> = {
      type: "aws_glue_database",
      address: "aws_glue_database.x",
      name: "x",
      fullName: "x",
      properties: { region: "us-east-1", parameters: {} },
      tags: {},
      dependencies: [],
      source: "$",
    };
    const e = (await createAwsProviders({ clients })
      .aws_glue_database.create(d, testCtx("s"))
      .catch((err: unknown) => err)) as ProviderError;
    clients.destroy();
    expect(e.outcome).toBe("unknown");
    expect(f.seen.filter((s) => s.target === "AWSGlue.CreateDatabase")).toHaveLength(1);
  });

  it("a refused connection means nothing was sent: `not_applied`", async () => {
    const f = await faultServer(() => undefined);
    const url = f.url;
    await new Promise((r) => f.server.close(r));
    const clients = new AwsClients({ env: motoEnv({ AWS_ENDPOINT_URL: url }), maxAttempts: 1 });
    const e = (await createAwsProviders({ clients })
      .aws_s3_bucket.create(bucket("dpn-refused"), testCtx("s"))
      .catch((err: unknown) => err)) as ProviderError;
    clients.destroy();
    expect(e.outcome).toBe("not_applied");
    expect(e.category).toBe("unavailable");
  });

  it("throttling is retried by the SDK, and surfaces as `throttled` with the request id when it persists", async () => {
    let calls = 0;
    const f = await faultServer((_req, _b, res) => {
      calls++;
      res.setHeader("x-amzn-requestid", `req-${calls}`);
      if (calls === 1) return glueJson(res, 400, { __type: "ThrottlingException", message: "Rate exceeded" });
      // the read is answered by the run's GetDatabases listing (glue-listings.ts)
      return glueJson(res, 200, { DatabaseList: [] });
    });
    closers.push(f.server);
    const clients = new AwsClients({ env: motoEnv({ AWS_ENDPOINT_URL: f.url }), maxAttempts: 2 });
    const dbp = createAwsProviders({ clients }).aws_glue_database;
    expect(await dbp.read("x", testCtx("s"))).toBeNull();
    expect(calls).toBe(2);

    calls = -100; // always throttle from now on
    const f2 = await faultServer((_req, _b, res) => {
      res.setHeader("x-amzn-requestid", "req-throttled");
      glueJson(res, 400, { __type: "ThrottlingException", message: "Rate exceeded" });
    });
    closers.push(f2.server);
    const c2 = new AwsClients({ env: motoEnv({ AWS_ENDPOINT_URL: f2.url }), maxAttempts: 1 });
    const e = (await createAwsProviders({ clients: c2 })
      .aws_glue_database.read("x", testCtx("s"))
      .catch((err: unknown) => err)) as ProviderError;
    clients.destroy();
    c2.destroy();
    expect(e.category).toBe("throttled");
    expect(e.retryable).toBe(true);
    expect(e.details.request_id).toBe("req-throttled");
    expect(e.details.aws_error_code).toBe("ThrottlingException");
  });

  it("sends UpdateTable with SkipArchive for marker changes and without it for schema changes", async () => {
    const table = {
      Name: "t",
      DatabaseName: "db",
      TableType: "EXTERNAL_TABLE",
      Parameters: { classification: "parquet", dpn_stack: "s", dpn_address: "aws_glue_table.db.t" },
      StorageDescriptor: { Columns: [{ Name: "a", Type: "int" }], Location: "s3://b/db/t/" },
      PartitionKeys: [],
    };
    const f = await faultServer((req, _b, res) => {
      const target = req.headers["x-amz-target"];
      if (target === "AWSGlue.GetTable") return glueJson(res, 200, { Table: table });
      if (target === "AWSGlue.GetTables") return glueJson(res, 200, { TableList: [table] });
      return glueJson(res, 200, {});
    });
    closers.push(f.server);
    const clients = new AwsClients({ env: motoEnv({ AWS_ENDPOINT_URL: f.url }) });
    const tp = createAwsProviders({ clients }).aws_glue_table;
    const live = (await tp.read("db.t", testCtx("s"))) as RemoteObject;
    await tp.archive(live, testCtx("s"));
    const desired: DesiredResource<"aws_glue_table"> = {
      type: "aws_glue_table",
      address: "aws_glue_table.db.t",
      name: "t",
      fullName: "db.t",
      properties: {
        region: "us-east-1",
        database: "db",
        columns: [{ name: "b", type: "int" }],
        partition_keys: [],
        table_type: "fact",
        format: "parquet",
        location: "s3://b/db/t/",
      },
      tags: {},
      dependencies: [],
      source: "$",
    };
    await tp.update(desired, live, testCtx("s"));
    clients.destroy();
    const updates = f.seen.filter((s) => s.target === "AWSGlue.UpdateTable").map((s) => JSON.parse(s.body));
    expect(updates).toHaveLength(2);
    expect(updates[0].SkipArchive).toBe(true);
    expect(updates[0].TableInput.Parameters.dpn_archived_by).toBe("tester@host");
    expect(updates[1].SkipArchive).toBe(false);
    expect(updates[1].TableInput.StorageDescriptor.Columns).toEqual([{ Name: "b", Type: "int" }]);
  });
});
