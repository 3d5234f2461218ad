/**
 * awsJson 1.x requests (Glue): `POST /`, `X-Amz-Target: <targetPrefix>.<Operation>`, content type
 * `application/x-amz-json-<jsonVersion>`, and the input structure as a JSON object body
 * (timestamps as epoch seconds, blobs as base64). Unknown keys are violations.
 */
import type { ServiceModel } from "./model.js";
import { checkValue } from "./shape-validator.js";
import { makeViolation, renderValue, type Violation } from "./violation.js";
import { header, splitUrl, type WireRequest } from "./wire-request.js";

/** The operation a request maps to (`?` when none) and every violation found. */
export interface ProtocolResult {
  operation: string;
  violations: Violation[];
}

/** Check one awsJson request against `model`. Never throws for a bad request: it reports it. */
export function checkAwsJsonRequest(model: ServiceModel, req: WireRequest): ProtocolResult {
  const out: Violation[] = [];
  const target = header(req, "x-amz-target") ?? "";
  const dot = target.indexOf(".");
  const prefix = dot < 0 ? "" : target.slice(0, dot);
  const name = dot < 0 ? "" : target.slice(dot + 1);
  const op = prefix === model.metadata.targetPrefix ? model.operations[name] : undefined;
  if (!op) {
    out.push(
      makeViolation(model.service, "?", "", "UnknownOperation", `X-Amz-Target ${renderValue(target)}`),
    );
    return { operation: "?", violations: out };
  }
  const v = (path: string, rule: string, value?: string) =>
    out.push(makeViolation(model.service, op.name, path, rule, value));
  const { path, query } = splitUrl(req.url);
  if (req.method !== op.http.method || path !== op.http.requestUri || query !== undefined)
    v(
      "",
      `protocol: expected ${op.http.method} ${op.http.requestUri}`,
      renderValue(`${req.method} ${req.url}`),
    );
  const ct = (header(req, "content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  const wantCt = `application/x-amz-json-${model.metadata.jsonVersion ?? "1.0"}`;
  if (ct !== wantCt) v("", `protocol: Content-Type must be ${wantCt}`, renderValue(ct ?? ""));
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString("utf8"));
  } catch {
    v("", "protocol: body is not JSON", renderValue(req.body.toString("utf8")));
    return { operation: op.name, violations: out };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    v("", "protocol: body must be a JSON object", renderValue(body));
    return { operation: op.name, violations: out };
  }
  if (!op.input) {
    if (Object.keys(body).length) v("", "unknown member: the operation takes no input", renderValue(body));
    return { operation: op.name, violations: out };
  }
  checkValue(
    { model, operation: op.name, out, scalars: "json", timestampDefault: "unixTimestamp" },
    op.input,
    body,
    "",
  );
  return { operation: op.name, violations: out };
}
