/**
 * For a test-local server that answers AWS calls itself instead of forwarding them to moto (a
 * fault proxy's injected error, a fake that captures requests): ask the botocore oracle to check
 * the call without forwarding it, so calls that never reach moto are held to the models too.
 */
import { type IncomingMessage, request } from "node:http";
import { motoEndpoint } from "../moto.js";
import { CHECK_ONLY_HEADER } from "./oracle-proxy.js";

/** The oracle's violation answer, to relay to the client as is. */
export interface OracleAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Check `req` (with its whole `body`) against the models. Resolves to the oracle's violation
 * answer (HTTP 400 `BotocoreModelViolation` in the service's format) when the call breaks a
 * model, else to undefined. Rejects when the oracle cannot be reached: never skip the check.
 */
export function oracleCheckOnly(
  req: IncomingMessage,
  body: Buffer,
  oracle: string = motoEndpoint(),
): Promise<OracleAnswer | undefined> {
  const up = new URL(oracle);
  return new Promise((resolve, reject) => {
    const check = request(
      {
        host: up.hostname,
        port: up.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: up.host, [CHECK_ONLY_HEADER]: "1" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve(
            res.headers["x-dpn-oracle-checked"] === "1"
              ? undefined
              : { status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) },
          ),
        );
      },
    );
    check.on("error", reject);
    check.end(body);
  });
}
