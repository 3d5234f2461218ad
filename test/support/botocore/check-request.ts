/**
 * The oracle's entry point: which service a request is for, which operation it maps to, and every
 * way it breaks that operation's botocore input shape. Pure (no I/O), so it is unit-tested
 * without a server.
 *
 * Service: moto's own `/moto-api/…` endpoints pass unchecked; `X-Amz-Target` means awsJson
 * (Glue); otherwise the SigV4 credential scope names the service (s3, sts, glue); an unsigned
 * request is STS when it is a form post and S3 otherwise. A request that maps to no operation of
 * a known service, or names an unknown service, is an `UnknownOperation` violation.
 */
import { checkAwsJsonRequest } from "./aws-json-request.js";
import type { Models, ServiceName } from "./model.js";
import { checkQueryRequest } from "./query-request.js";
import { RestXmlChecker } from "./rest-xml-request.js";
import { makeViolation, renderValue, type Violation } from "./violation.js";
import { header, signingService, splitUrl, type WireRequest } from "./wire-request.js";

/** `passthrough` for moto's own API; otherwise the resolved operation and its violations. */
export type CheckResult =
  | { kind: "passthrough" }
  | {
      kind: "checked";
      /** Which wire format an error answer must use. */
      protocol: "rest-xml" | "json" | "query";
      service: ServiceName | "unknown";
      operation: string;
      violations: Violation[];
    };

/** Checks wire requests against the s3, glue and sts models. Throws at construction when a model has an unexpected protocol. */
export class BotocoreOracle {
  private readonly s3: RestXmlChecker;

  constructor(readonly models: Models) {
    for (const [name, want] of [
      ["s3", "rest-xml"],
      ["glue", "json"],
      ["sts", "query"],
    ] as const) {
      if (models[name].metadata.protocol !== want)
        throw new Error(
          `botocore ${name} model has protocol ${models[name].metadata.protocol}, expected ${want}`,
        );
    }
    this.s3 = new RestXmlChecker(models.s3);
  }

  /** Check one request. A bad request is reported, never thrown; a throw here is an oracle bug. */
  check(req: WireRequest): CheckResult {
    const { path } = splitUrl(req.url);
    if (path === "/moto-api" || path.startsWith("/moto-api/")) return { kind: "passthrough" };
    const target = header(req, "x-amz-target");
    const signed = signingService(req);
    if (target !== undefined) {
      if (target.startsWith(`${this.models.glue.metadata.targetPrefix}.`) && (signed ?? "glue") === "glue") {
        const r = checkAwsJsonRequest(this.models.glue, req);
        return { kind: "checked", protocol: "json", service: "glue", ...r };
      }
      return this.unknown("json", `X-Amz-Target ${renderValue(target)} signed for ${signed ?? "no service"}`);
    }
    const service =
      signed ??
      (req.method === "POST" && /^application\/x-www-form-urlencoded/i.test(header(req, "content-type") ?? "")
        ? "sts"
        : "s3");
    if (service === "s3")
      return { kind: "checked", protocol: "rest-xml", service: "s3", ...this.s3.check(req) };
    if (service === "sts") {
      const r = checkQueryRequest(this.models.sts, req);
      return { kind: "checked", protocol: "query", service: "sts", ...r };
    }
    if (service === "glue") return this.unknown("json", "a Glue request without X-Amz-Target");
    return this.unknown("rest-xml", `a request signed for service ${renderValue(service)}`);
  }

  private unknown(protocol: "rest-xml" | "json", what: string): CheckResult {
    return {
      kind: "checked",
      protocol,
      service: "unknown",
      operation: "?",
      violations: [makeViolation("unknown", "?", "", "UnknownOperation", what)],
    };
  }
}
