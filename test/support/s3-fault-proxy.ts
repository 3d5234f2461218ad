/**
 * A loopback proxy in front of the botocore oracle (and so moto) for the S3 state backend's
 * failure tests. A rule picks S3 calls by method, key path and query and either answers with an
 * S3 error itself (412, 500, 403, … in S3's XML error shape; the oracle still checks the request
 * against botocore's model) or forwards the call and then drops the answer by destroying the
 * client's socket ("lost response": the write happened, the client cannot know).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { oracleCheckOnly } from "./botocore/check-only.js";
import { motoEndpoint } from "./moto.js";

export interface S3FaultRule {
  method?: string;
  /** Regex on the decoded path (`/bucket/key`). */
  path?: RegExp;
  /** Regex on the query string (without `?`). */
  query?: RegExp;
  /** Skip this many matching calls first. */
  offset?: number;
  /** Fire this many times (default 1). */
  times?: number;
  /** `error`: answer `status` / `code` without forwarding. `drop`: forward, then close the socket unanswered. */
  action: "error" | "drop";
  status?: number;
  code?: string;
}

export interface S3FaultProxy {
  url: string;
  /** Every call: `METHOD /path?query` and what happened (the status, or `dropped`). */
  log: { call: string; outcome: number | "dropped" }[];
  add(rule: S3FaultRule): void;
  /** How many times the rules fired since the last `clear`. */
  fired(): number;
  /** Drop the rules, the log and the count. */
  clear(): void;
  close(): Promise<void>;
}

interface Active extends S3FaultRule {
  seen: number;
  fired: number;
}

/** Start the proxy on a free loopback port, forwarding to `upstream` (the oracle by default). */
export async function startS3FaultProxy(upstream: string = motoEndpoint()): Promise<S3FaultProxy> {
  const up = new URL(upstream);
  let rules: Active[] = [];
  let total = 0;
  const log: S3FaultProxy["log"] = [];
  const match = (req: IncomingMessage): Active | undefined => {
    const [rawPath = "/", query = ""] = (req.url ?? "/").split("?");
    const path = decodeURIComponent(rawPath);
    for (const r of rules) {
      if (r.method && r.method !== req.method) continue;
      if (r.path && !r.path.test(path)) continue;
      if (r.query && !r.query.test(query)) continue;
      r.seen++;
      if (r.seen <= (r.offset ?? 0) || r.fired >= (r.times ?? 1)) continue;
      r.fired++;
      total++;
      return r;
    }
    return undefined;
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const call = `${req.method} ${req.url ?? ""}`;
      const rule = match(req);
      if (rule?.action === "error") {
        const violation = await oracleCheckOnly(req, body, upstream).catch((e: unknown) => ({
          status: 502,
          headers: {},
          body: Buffer.from(`botocore oracle unreachable: ${e}`),
        }));
        if (violation) {
          log.push({ call, outcome: violation.status });
          res.writeHead(violation.status, violation.headers);
          res.end(violation.body);
          return;
        }
        const status = rule.status ?? 500;
        log.push({ call, outcome: status });
        res.writeHead(status, { "content-type": "application/xml" });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${rule.code ?? "InternalError"}</Code><Message>injected by the test proxy</Message><RequestId>proxy</RequestId></Error>`,
        );
        return;
      }
      const fwd = httpRequest(
        {
          host: up.hostname,
          port: up.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: up.host },
        },
        (upRes) => {
          if (rule?.action === "drop") {
            upRes.resume();
            upRes.on("end", () => {
              log.push({ call, outcome: "dropped" });
              req.socket.destroy();
            });
            return;
          }
          log.push({ call, outcome: upRes.statusCode ?? 0 });
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      fwd.on("error", () => res.destroy());
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    add(rule) {
      rules.push({ ...rule, seen: 0, fired: 0 });
    },
    fired: () => total,
    clear() {
      rules = [];
      total = 0;
      log.length = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
