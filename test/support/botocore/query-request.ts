/**
 * AWS query protocol requests (STS): `POST /` with a form-encoded body (or `GET /?…`) holding
 * `Action`, `Version` (the model's apiVersion) and the input flattened into keys: `A.B` for
 * nested structures, `A.member.N` for lists (`A.N` when flattened, the list member's
 * locationName instead of `member` when it has one), `A.entry.N.key` / `.value` for maps, `A=`
 * for an empty list. Scalars are text; timestamps ISO 8601. Keys the input shape cannot produce
 * (including gaps in list indices) are violations.
 */
import type { ProtocolResult } from "./aws-json-request.js";
import type { ServiceModel, Shape, ShapeRef } from "./model.js";
import { checkValue, WireMap } from "./shape-validator.js";
import { makeViolation, renderValue, type Violation } from "./violation.js";
import { header, splitUrl, type WireRequest } from "./wire-request.js";

class Params {
  readonly used = new Set<string>();
  constructor(readonly all: Map<string, string>) {}
  take(key: string): string | undefined {
    const v = this.all.get(key);
    if (v !== undefined) this.used.add(key);
    return v;
  }
  hasUnder(prefix: string): boolean {
    const p = `${prefix}.`;
    for (const k of this.all.keys()) if (k.startsWith(p)) return true;
    return false;
  }
}

function decodeMember(model: ServiceModel, ref: ShapeRef, key: string, params: Params): unknown {
  const shape = model.shapes[ref.shape] as Shape;
  switch (shape.type) {
    case "structure": {
      if (!params.hasUnder(key)) return undefined;
      return decodeStructure(model, shape, key, params);
    }
    case "list": {
      const member = shape.member as ShapeRef;
      const flattened = ref.flattened || shape.flattened;
      const itemPrefix = flattened ? key : `${key}.${member.locationName ?? "member"}`;
      const items: unknown[] = [];
      for (let i = 1; ; i++) {
        const itemKey = `${itemPrefix}.${i}`;
        if (!params.all.has(itemKey) && !params.hasUnder(itemKey)) break;
        items.push(decodeMember(model, member, itemKey, params));
      }
      if (items.length) return items;
      if (params.all.get(key) === "") {
        params.take(key);
        return [];
      }
      return undefined;
    }
    case "map": {
      const flattened = ref.flattened || shape.flattened;
      const entryPrefix = flattened ? key : `${key}.entry`;
      const kName = shape.key?.locationName ?? "key";
      const vName = shape.value?.locationName ?? "value";
      const entries: [string, unknown][] = [];
      for (let i = 1; ; i++) {
        const e = `${entryPrefix}.${i}`;
        if (!params.hasUnder(e)) break;
        const k = params.take(`${e}.${kName}`);
        const v = decodeMember(model, shape.value as ShapeRef, `${e}.${vName}`, params);
        // an entry without its key stays unused and is reported as an unknown parameter
        if (k !== undefined) entries.push([k, v]);
      }
      return entries.length ? new WireMap(entries) : undefined;
    }
    default:
      return params.take(key);
  }
}

function decodeStructure(
  model: ServiceModel,
  shape: Shape,
  prefix: string,
  params: Params,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const wire = ref.locationName ?? name;
    const v = decodeMember(model, ref, prefix ? `${prefix}.${wire}` : wire, params);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Check one query-protocol request against `model`. Never throws for a bad request: it reports it. */
export function checkQueryRequest(model: ServiceModel, req: WireRequest): ProtocolResult {
  const out: Violation[] = [];
  const { path, query } = splitUrl(req.url);
  let form: URLSearchParams;
  if (req.method === "POST") {
    const ct = (header(req, "content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    if (ct !== "application/x-www-form-urlencoded")
      out.push(
        makeViolation(
          model.service,
          "?",
          "",
          "protocol: Content-Type must be application/x-www-form-urlencoded",
          renderValue(ct ?? ""),
        ),
      );
    form = new URLSearchParams(req.body.toString("utf8"));
    if (query)
      out.push(makeViolation(model.service, "?", "", "protocol: query string on a POST", renderValue(query)));
  } else {
    form = new URLSearchParams(query ?? "");
  }
  const all = new Map<string, string>();
  const dups = new Set<string>();
  for (const [k, v] of form) {
    if (all.has(k)) dups.add(k);
    all.set(k, v);
  }
  const action = all.get("Action") ?? "";
  const op = model.operations[action];
  if (!op) {
    out.push(makeViolation(model.service, "?", "", "UnknownOperation", `Action ${renderValue(action)}`));
    return { operation: "?", violations: out };
  }
  for (const x of out) {
    x.operation = op.name;
    x.message = x.message.replace(/^\?/, op.name);
  }
  const v = (p: string, rule: string, value?: string) =>
    out.push(makeViolation(model.service, op.name, p, rule, value));
  if (path !== op.http.requestUri || (req.method !== op.http.method && req.method !== "GET"))
    v(
      "",
      `protocol: expected ${op.http.method} ${op.http.requestUri}`,
      renderValue(`${req.method} ${req.url}`),
    );
  if (all.get("Version") !== model.apiVersion)
    v("Version", `protocol: Version must be ${model.apiVersion}`, renderValue(all.get("Version") ?? null));
  for (const k of dups) v(k, "duplicate parameter");
  const params = new Params(all);
  params.used.add("Action");
  params.used.add("Version");
  const input = op.input
    ? decodeStructure(model, model.shapes[op.input.shape] as Shape, "", params)
    : undefined;
  for (const k of all.keys()) if (!params.used.has(k)) v(k, "unknown member", renderValue(all.get(k)));
  if (op.input)
    checkValue(
      { model, operation: op.name, out, scalars: "text", timestampDefault: "iso8601" },
      op.input,
      input,
      "",
    );
  return { operation: op.name, violations: out };
}
