/**
 * The validating loopback proxy in front of moto. Every request is read whole, checked by the
 * BotocoreOracle, and then either forwarded unchanged (same method, raw URL, raw headers in their
 * original order and case, same body bytes; Node re-frames a chunked body as chunked) with the
 * upstream response relayed as it streams, or, on a violation, answered by the proxy itself with
 * HTTP 400 and a `BotocoreModelViolation` error in the service's wire format (nothing reaches moto).
 *
 * Every violation is appended as one JSON line to `logFile`. Requests carrying
 * `x-dpn-oracle-expect-violation: 1` (only the oracle's own tests send it) are answered 400 the
 * same way but are logged as expected and not counted as suite failures. In `record` mode
 * (DPN_ORACLE=record, for diagnosis) violating requests are forwarded and only logged.
 *
 * A request carrying `x-dpn-oracle-check-only: 1` is checked the same way but never forwarded:
 * when it is valid (or in record mode) the proxy answers `204` with `x-dpn-oracle-checked: 1`.
 * The e2e fault proxy uses it for a call it answers with an injected fault itself, so that call
 * is held to the model too.
 */
import { appendFileSync } from "node:fs";
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { BotocoreOracle, CheckResult } from "./check-request.js";
import { makeViolation, type Violation } from "./violation.js";

/** `enforce` answers violating requests itself; `record` forwards them and only logs. */
export type OracleMode = "enforce" | "record";

/** The header that marks a request whose violation a test provokes on purpose. */
export const EXPECT_VIOLATION_HEADER = "x-dpn-oracle-expect-violation";
/** The header that asks for a check without forwarding (see the module comment). */
export const CHECK_ONLY_HEADER = "x-dpn-oracle-check-only";
/** The error code the proxy answers with. */
export const VIOLATION_CODE = "BotocoreModelViolation";

/** One line of the violation log. */
export interface LoggedViolation extends Violation {
  time: string;
  mode: OracleMode;
  expected: boolean;
  /** Whether the request was forwarded to moto anyway (record mode). */
  forwarded: boolean;
  request: { method: string; url: string; target?: string; userAgent?: string };
}

/** A running proxy. */
export interface OracleProxy {
  url: string;
  mode: OracleMode;
  logFile: string;
  /** Violations not marked as expected: each one fails the run. */
  unexpected(): LoggedViolation[];
  /** Every violation seen, expected ones included. */
  all(): LoggedViolation[];
  /** Request counts, per operation too, and the time spent checking (for coverage and overhead figures). */
  stats(): OracleStats;
  close(): Promise<void>;
}

/** Counters of one proxy's life. */
export interface OracleStats {
  requests: number;
  checked: number;
  violating: number;
  forwarded: number;
  checkMs: number;
  /** `service Operation` → requests checked. */
  operations: Record<string, number>;
}

/** Where to forward, what to check with, how to react, where to log. */
export interface OracleProxyOptions {
  upstream: string;
  oracle: BotocoreOracle;
  mode: OracleMode;
  logFile: string;
}

const xmlEscape = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] as string,
  );

/** The text of an error answer: every violation, capped so a runaway request stays readable. */
export function violationMessage(violations: Violation[]): string {
  const shown = violations.slice(0, 10).map((v) => v.message);
  const more = violations.length > 10 ? ` (and ${violations.length - 10} more)` : "";
  return `botocore model violation: ${shown.join(" | ")}${more}`;
}

function answerViolation(
  req: IncomingMessage,
  res: ServerResponse,
  result: Extract<CheckResult, { kind: "checked" }>,
) {
  const message = violationMessage(result.violations);
  let type: string;
  let body: string;
  if (result.protocol === "json") {
    type = "application/x-amz-json-1.1";
    body = JSON.stringify({ __type: VIOLATION_CODE, message });
  } else if (result.protocol === "query") {
    type = "text/xml";
    body =
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
      `<Code>${VIOLATION_CODE}</Code><Message>${xmlEscape(message)}</Message></Error>` +
      `<RequestId>dpn-botocore-oracle</RequestId></ErrorResponse>`;
  } else {
    type = "application/xml";
    body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${VIOLATION_CODE}</Code>` +
      `<Message>${xmlEscape(message)}</Message><RequestId>dpn-botocore-oracle</RequestId></Error>`;
  }
  const buf = Buffer.from(body, "utf8");
  res.writeHead(400, {
    "content-type": type,
    "content-length": String(buf.length),
    "x-amzn-errortype": VIOLATION_CODE,
    "x-amz-request-id": "dpn-botocore-oracle",
    // HEAD answers carry no body: the message travels in a header as well (ASCII-safe)
    "x-dpn-oracle-violation": encodeURIComponent(message.slice(0, 2000)),
  });
  res.end(req.method === "HEAD" ? undefined : buf);
}

/** Start the proxy on a free loopback port. Rejects only when it cannot listen. */
export async function startOracleProxy(o: OracleProxyOptions): Promise<OracleProxy> {
  const up = new URL(o.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const logged: LoggedViolation[] = [];
  const stats: OracleStats = {
    requests: 0,
    checked: 0,
    violating: 0,
    forwarded: 0,
    checkMs: 0,
    operations: {},
  };

  const record = (req: IncomingMessage, violations: Violation[], expected: boolean, forwarded: boolean) => {
    const time = new Date().toISOString();
    const target = req.headers["x-amz-target"];
    const ua = req.headers["user-agent"];
    const lines: string[] = [];
    for (const v of violations) {
      const entry: LoggedViolation = {
        ...v,
        time,
        mode: o.mode,
        expected,
        forwarded,
        request: {
          method: req.method ?? "",
          url: req.url ?? "",
          ...(typeof target === "string" ? { target } : {}),
          ...(typeof ua === "string" ? { userAgent: ua } : {}),
        },
      };
      logged.push(entry);
      lines.push(JSON.stringify(entry));
    }
    appendFileSync(o.logFile, `${lines.join("\n")}\n`);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const fwd = request(
      { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.rawHeaders, agent },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, upRes.rawHeaders);
        upRes.pipe(res);
        upRes.on("error", () => res.destroy());
      },
    );
    // moto unreachable or the connection dropped: the client sees a dropped connection too
    fwd.on("error", () => res.destroy());
    fwd.end(body);
    stats.forwarded++;
  };

  const server = createServer((req, res) => {
    stats.requests++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => res.destroy());
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const started = performance.now();
      let result: CheckResult;
      try {
        result = o.oracle.check({
          method: req.method ?? "",
          url: req.url ?? "/",
          headers: req.headers,
          body,
        });
      } catch (e) {
        // a bug in the oracle must not pass silently, nor crash the run
        result = {
          kind: "checked",
          protocol: req.headers["x-amz-target"] ? "json" : "rest-xml",
          service: "unknown",
          operation: "?",
          violations: [makeViolation("unknown", "?", "", `OracleError: ${(e as Error).stack ?? e}`)],
        };
      }
      stats.checkMs += performance.now() - started;
      if (result.kind === "checked") {
        stats.checked++;
        const key = `${result.service} ${result.operation}`;
        stats.operations[key] = (stats.operations[key] ?? 0) + 1;
      }
      if (result.kind === "checked" && result.violations.length) {
        stats.violating++;
        const expected = req.headers[EXPECT_VIOLATION_HEADER] === "1";
        const answer = expected || o.mode === "enforce";
        record(req, result.violations, expected, !answer);
        if (answer) return answerViolation(req, res, result);
      }
      if (req.headers[CHECK_ONLY_HEADER] === "1") {
        res.writeHead(204, { "x-dpn-oracle-checked": "1" });
        res.end();
        return;
      }
      forward(req, res, body);
    });
  });
  server.on("clientError", (_e, socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    mode: o.mode,
    logFile: o.logFile,
    unexpected: () => logged.filter((v) => !v.expected),
    all: () => [...logged],
    stats: () => ({ ...stats, operations: { ...stats.operations } }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
        agent.destroy();
      }),
  };
}
