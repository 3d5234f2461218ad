/**
 * A loopback proxy for the AWS inventory tests, in front of the botocore oracle (and moto):
 *
 * - **Isolation**: every request is sent as one AWS account of its own (moto's
 *   `x-moto-account-id` header), so a test lists exactly what it seeded although the whole suite
 *   shares one moto server.
 * - **Request log**: every request the client sends, named by operation (`s3:GetBucketTagging`,
 *   `glue:GetTables`, `sts:GetCallerIdentity`), with the status answered.
 * - **Paging** (`paging: true`): moto 5.2 answers ListBuckets, GetDatabases and GetTables in one
 *   page whatever `MaxBuckets`/`MaxResults` say (ListBuckets even truncates without a token and
 *   never gives `BucketRegion`). The proxy pages those three as botocore's models document them
 *   (s3 ListBucketsRequest/Output: `MaxBuckets`, `ContinuationToken` in and out, `BucketRegion`
 *   per bucket when the request has a parameter; glue GetDatabases/GetTables: `MaxResults`,
 *   `NextToken`): the client's request itself is checked by the oracle (check-only), the full
 *   list is read from moto and cut into pages with an opaque token. Tokens the proxy did not
 *   issue are refused (S3 `InvalidArgument`, Glue `InvalidInputException`).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { oracleCheckOnly } from "./botocore/check-only.js";
import { motoEndpoint } from "./moto.js";

export interface InventoryProxy {
  url: string;
  account: string;
  /**
   * Every request the client sent (the proxy's own reads from moto are not in it), with the
   * region of its SigV4 credential scope.
   */
  log: { op: string; status: number; region: string }[];
  close(): Promise<void>;
}

type Headers = IncomingMessage["headers"];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A random 12-digit account id (moto creates its backends on first use). */
export function freshAccount(): string {
  return `9${String(Math.floor(Math.random() * 1e11)).padStart(11, "0")}`;
}

/** The operation a request names: Glue by X-Amz-Target, STS by Action, S3 by method + subresource. */
export function operationOf(method: string, url: string, headers: Headers, body: Buffer): string {
  const target = headers["x-amz-target"];
  if (typeof target === "string") return `glue:${target.replace(/^AWSGlue\./, "")}`;
  const [path = "/", query = ""] = url.split("?");
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString("utf8"))?.[1];
  if (method === "POST" && path === "/" && action) return `sts:${action}`;
  const keys = new Set(query.split("&").map((kv) => kv.split("=")[0] ?? ""));
  if (path === "/" && method === "GET") return "s3:ListBuckets";
  const sub = [
    "tagging",
    "location",
    "versioning",
    "encryption",
    "publicAccessBlock",
    "lifecycle",
    "policy",
  ].find((k) => keys.has(k));
  const verb = method === "GET" ? "Get" : method === "PUT" ? "Put" : method === "DELETE" ? "Delete" : method;
  if (method === "HEAD") return "s3:HeadBucket";
  if (sub) return `s3:${verb}Bucket${sub[0]?.toUpperCase()}${sub.slice(1)}`;
  return `s3:${method} ${path}${query ? `?${query}` : ""}`;
}

function send(up: URL, method: string, path: string, headers: Headers, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        host: up.hostname,
        port: up.port,
        method,
        path,
        headers: { ...headers, host: up.host, "content-length": String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    r.on("error", reject);
    r.end(body);
  });
}

const TOKEN_PREFIX = "dpn-test-page:";
const issue = (offset: number) => Buffer.from(`${TOKEN_PREFIX}${offset}`).toString("base64");
function offsetOf(token: string | undefined | null): number | null {
  if (token === undefined || token === null) return 0;
  const text = Buffer.from(token, "base64").toString("utf8");
  if (!text.startsWith(TOKEN_PREFIX)) return null;
  const n = Number(text.slice(TOKEN_PREFIX.length));
  return Number.isInteger(n) && n >= 0 ? n : null;
}

const xml = (s: string) =>
  s.replace(/[<>&]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;" })[c] as string);

function s3Error(code: string, message: string): Answer {
  return {
    status: 400,
    headers: { "content-type": "application/xml" },
    body: Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message></Error>`,
    ),
  };
}

function glueError(type: string, message: string): Answer {
  return {
    status: 400,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": type },
    body: Buffer.from(JSON.stringify({ __type: type, message })),
  };
}

/** ListBuckets paged: the full list from moto, each page's buckets with their region. */
async function pagedListBuckets(up: URL, url: string, headers: Headers): Promise<Answer> {
  const q = new URL(url, "http://x").searchParams;
  const max = Number(q.get("max-buckets") ?? 10_000);
  const start = offsetOf(q.get("continuation-token"));
  if (start === null) return s3Error("InvalidArgument", "The continuation token provided is incorrect");
  const all = await send(up, "GET", "/", headers, Buffer.alloc(0));
  if (all.status !== 200) return all;
  const text = all.body.toString("utf8");
  const buckets = [...text.matchAll(/<Bucket>([\s\S]*?)<\/Bucket>/g)].map((m) => ({
    name: /<Name>([^<]*)<\/Name>/.exec(m[1] ?? "")?.[1] ?? "",
    created: /<CreationDate>([^<]*)<\/CreationDate>/.exec(m[1] ?? "")?.[1] ?? "",
  }));
  const owner = /<Owner>[\s\S]*?<\/Owner>/.exec(text)?.[0] ?? "";
  const page = buckets.slice(start, start + max);
  const entries: string[] = [];
  for (const b of page) {
    const loc = await send(up, "GET", `/${b.name}?location`, headers, Buffer.alloc(0));
    const constraint = /<LocationConstraint[^>]*>([^<]*)<\/LocationConstraint>/.exec(
      loc.body.toString("utf8"),
    )?.[1];
    entries.push(
      `<Bucket><Name>${b.name}</Name><CreationDate>${b.created}</CreationDate><BucketRegion>${constraint || "us-east-1"}</BucketRegion></Bucket>`,
    );
  }
  const next =
    start + max < buckets.length ? `<ContinuationToken>${issue(start + max)}</ContinuationToken>` : "";
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `${owner}<Buckets>${entries.join("")}</Buckets>${next}</ListAllMyBucketsResult>`;
  return { status: 200, headers: { "content-type": "application/xml" }, body: Buffer.from(body) };
}

/** GetDatabases / GetTables paged: the full list from moto, cut at MaxResults. */
async function pagedGlue(up: URL, url: string, headers: Headers, body: Buffer, key: string): Promise<Answer> {
  const input = JSON.parse(body.toString("utf8") || "{}") as Record<string, unknown>;
  const { MaxResults, NextToken, ...rest } = input;
  const start = offsetOf(NextToken as string | undefined);
  if (start === null) return glueError("InvalidInputException", "Invalid NextToken");
  const all = await send(up, "POST", url, headers, Buffer.from(JSON.stringify(rest)));
  if (all.status !== 200) return all;
  const out = JSON.parse(all.body.toString("utf8")) as Record<string, unknown[]>;
  const items = out[key] ?? [];
  const max = typeof MaxResults === "number" ? MaxResults : 100;
  const more = start + max < items.length;
  const page = { [key]: items.slice(start, start + max), ...(more ? { NextToken: issue(start + max) } : {}) };
  return {
    status: 200,
    headers: { "content-type": "application/x-amz-json-1.1" },
    body: Buffer.from(JSON.stringify(page)),
  };
}

/** Start the proxy for one fresh account. */
export async function startInventoryProxy(opts: {
  paging: boolean;
  account?: string;
}): Promise<InventoryProxy> {
  const up = new URL(motoEndpoint());
  const account = opts.account ?? freshAccount();
  const log: InventoryProxy["log"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? "GET";
      const url = req.url ?? "/";
      const op = operationOf(method, url, req.headers, body);
      const region = signedRegion(req.headers);
      const headers: Headers = { ...req.headers, "x-moto-account-id": account };
      try {
        let answer: Answer;
        const paged =
          opts.paging && (op === "s3:ListBuckets" || op === "glue:GetDatabases" || op === "glue:GetTables");
        const violation = paged ? await oracleCheckOnly(req, body) : undefined;
        if (violation) answer = violation;
        else if (paged && op === "s3:ListBuckets") answer = await pagedListBuckets(up, url, headers);
        else if (paged)
          answer = await pagedGlue(
            up,
            url,
            headers,
            body,
            op === "glue:GetTables" ? "TableList" : "DatabaseList",
          );
        else answer = await send(up, method, url, headers, body);
        log.push({ op, status: answer.status, region });
        const { "content-length": _l, "transfer-encoding": _t, ...h } = answer.headers;
        res.writeHead(answer.status, { ...h, "content-length": String(answer.body.length) });
        res.end(method === "HEAD" ? undefined : answer.body);
      } catch (e) {
        log.push({ op, status: -1, region });
        res.writeHead(502);
        res.end(String(e));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    account,
    log,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The region of a SigV4 `Authorization` header (`Credential=AKID/date/<region>/service/aws4_request`). */
function signedRegion(headers: Headers): string {
  const auth = headers.authorization;
  return (typeof auth === "string" && /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(auth)?.[1]) || "";
}

/** Requests per operation. */
export function tally(log: InventoryProxy["log"]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of log) out[l.op] = (out[l.op] ?? 0) + 1;
  return out;
}
