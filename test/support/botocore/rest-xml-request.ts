/**
 * rest-xml requests (S3, path-style addressing): the operation is found by method + the model's
 * `http.requestUri` template (`/{Bucket}`, `/{Bucket}/{Key+}`, literal query markers such as
 * `?tagging` or `?list-type=2` that must be present), the most specific match winning. Members
 * are read from their `location`: `uri` labels, `querystring`, `header`, `headers` (prefix maps
 * such as `x-amz-meta-`) and the body: the `payload` member (an XML document rooted at its
 * locationName in the model's namespace, or a raw string/blob; streaming blobs are not read) or,
 * without a payload, the non-located members under the input's locationName.
 *
 * S3 and SDK customisations that are not model members are allowed by name, never by pattern:
 * signing headers (`x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token`,
 * `x-amz-user-agent`, `x-amz-region-set`), and on operations with an `httpChecksum` trait the
 * flexible-checksum headers (`x-amz-checksum-<algorithm>`, `x-amz-sdk-checksum-algorithm`,
 * `x-amz-trailer`, `x-amz-decoded-content-length`). The SDK's `x-id=<Operation>` query marker is
 * accepted when it names the resolved operation. Any other `x-amz-*` header, any unmodelled query
 * parameter and any unexpected body is a violation. Standard HTTP headers that are not members
 * (Host, Content-Type, Content-Length, Expect, …) are framing and not checked.
 */
import type { ProtocolResult } from "./aws-json-request.js";
import type { Operation, ServiceModel, Shape, ShapeRef, TimestampFormat } from "./model.js";
import { type CheckContext, checkValue, join, WireMap } from "./shape-validator.js";
import { makeViolation, renderValue, type Violation } from "./violation.js";
import { header, parseRestQuery, percentDecode, splitUrl, type WireRequest } from "./wire-request.js";
import { parseXml, type XmlElement, XmlSyntaxError } from "./xml-reader.js";

interface Route {
  op: Operation;
  pathRe: RegExp;
  labels: string[];
  /** Literal query markers of the template: `[name, value or null]`. */
  markers: [string, string | null][];
}

/** Decoded input members, each with the timestamp format of its location; `opaque` ones (streams) only count as present. */
type Input = Map<string, { value: unknown; ts: TimestampFormat; opaque?: boolean }>;

const SIGNING_HEADERS = new Set([
  "x-amz-date",
  "x-amz-content-sha256",
  "x-amz-security-token",
  "x-amz-user-agent",
  "x-amz-region-set",
]);
const CHECKSUM_HEADERS = new Set([
  "x-amz-sdk-checksum-algorithm",
  "x-amz-trailer",
  "x-amz-decoded-content-length",
]);

function compileRoute(op: Operation): Route {
  const [pathPart = "/", queryPart] = op.http.requestUri.split("?");
  const labels: string[] = [];
  let re = "";
  let last = 0;
  const labelRe = /\{([A-Za-z0-9_]+)(\+?)\}/g;
  let endsWithLabel = false;
  for (let m = labelRe.exec(pathPart); m; m = labelRe.exec(pathPart)) {
    re += pathPart.slice(last, m.index).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    re += m[2] ? "(.+)" : "([^/]+)";
    labels.push(m[1] as string);
    last = m.index + m[0].length;
    endsWithLabel = last === pathPart.length && !m[2];
  }
  re += pathPart.slice(last).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  // path-style bucket operations are sent as `/bucket/` as well as `/bucket`
  if (endsWithLabel) re += "/?";
  const markers: [string, string | null][] = (queryPart ? queryPart.split("&") : []).map((kv) => {
    const eq = kv.indexOf("=");
    return eq < 0 ? [kv, null] : [kv.slice(0, eq), kv.slice(eq + 1)];
  });
  return { op, pathRe: new RegExp(`^${re}$`), labels, markers };
}

/** The flexible-checksum header names (`x-amz-checksum-crc32`, …) from the ChecksumAlgorithm enum. */
function checksumHeaderNames(model: ServiceModel): Set<string> {
  const algos = model.shapes.ChecksumAlgorithm?.enum ?? [];
  return new Set(algos.map((a) => `x-amz-checksum-${a.toLowerCase()}`));
}

/** Operation resolution and input checks for one rest-xml model (templates compiled once). */
export class RestXmlChecker {
  private readonly routes: Route[];
  private readonly checksumHeaders: Set<string>;

  constructor(private readonly model: ServiceModel) {
    this.routes = Object.values(model.operations).map(compileRoute);
    this.checksumHeaders = checksumHeaderNames(model);
  }

  /** Resolve and check one request. Never throws for a bad request: it reports it. */
  check(req: WireRequest): ProtocolResult {
    const { path, query } = splitUrl(req.url);
    const { pairs, bad } = parseRestQuery(query);
    const xId = pairs.filter(([k]) => k === "x-id").map(([, v]) => v);
    const candidates: { route: Route; labels: Record<string, string> }[] = [];
    const names = new Set(pairs.map(([k]) => k));
    for (const route of this.routes) {
      if (route.op.http.method !== req.method) continue;
      const m = route.pathRe.exec(path);
      if (!m) continue;
      const ok = route.markers.every(
        ([k, v]) => names.has(k) && (v === null || pairs.some(([pk, pv]) => pk === k && pv === v)),
      );
      if (!ok) continue;
      if (xId.length === 1 && xId[0] !== route.op.name) continue;
      const labels: Record<string, string> = {};
      route.labels.forEach((l, i) => {
        labels[l] = m[i + 1] as string;
      });
      candidates.push({ route, labels });
    }
    if (!candidates.length) {
      const what = `${req.method} ${req.url.length > 200 ? `${req.url.slice(0, 200)}…` : req.url}`;
      return {
        operation: "?",
        violations: [makeViolation("s3", "?", "", "UnknownOperation", renderValue(what))],
      };
    }
    // most specific: the most literal query markers, then (for the few templates botocore shares
    // between operations) the one whose located members the request actually carries
    const top = Math.max(...candidates.map((c) => c.route.markers.length));
    const tier = candidates
      .filter((c) => c.route.markers.length === top)
      .map((c) => ({ ...c, present: this.locatedPresent(c.route.op, req, pairs) }))
      .sort(
        (a, b) =>
          Number(!!a.route.op.deprecated) - Number(!!b.route.op.deprecated) ||
          b.present - a.present ||
          a.route.op.name.localeCompare(b.route.op.name),
      );
    let best: ProtocolResult | undefined;
    for (const c of tier) {
      const r = this.checkOperation(c.route, c.labels, req, pairs, bad, xId);
      if (!r.violations.length) return r;
      best ??= r;
    }
    return best as ProtocolResult;
  }

  /** How many required non-URI members of `op` appear in the request: a tie-breaker. */
  private locatedPresent(op: Operation, req: WireRequest, pairs: [string, string][]): number {
    if (!op.input) return 0;
    const shape = this.model.shapes[op.input.shape] as Shape;
    let n = 0;
    for (const name of shape.required ?? []) {
      const ref = shape.members?.[name];
      if (!ref) continue;
      const wire = ref.locationName ?? name;
      if (ref.location === "querystring" && pairs.some(([k]) => k === wire)) n++;
      if (ref.location === "header" && header(req, wire.toLowerCase()) !== undefined) n++;
    }
    return n;
  }

  private checkOperation(
    route: Route,
    rawLabels: Record<string, string>,
    req: WireRequest,
    allPairs: [string, string][],
    bad: string[],
    xId: string[],
  ): ProtocolResult {
    const op = route.op;
    const model = this.model;
    const out: Violation[] = [];
    const v = (p: string, rule: string, value?: string) =>
      out.push(makeViolation("s3", op.name, p, rule, value));
    for (const b of bad) v("", "malformed query string", renderValue(b));
    if (xId.length > 1) v("x-id", "duplicate query parameter", renderValue(xId));

    const shape: Shape = op.input
      ? (model.shapes[op.input.shape] as Shape)
      : { type: "structure", members: {} };
    const members = shape.members ?? {};
    const input: Input = new Map();

    // uri labels
    for (const [label, raw] of Object.entries(rawLabels)) {
      const entry = Object.entries(members).find(
        ([n, r]) => r.location === "uri" && (r.locationName ?? n) === label,
      );
      const decoded = percentDecode(raw);
      if (!entry) v(label, "uri label is not an input member", renderValue(raw));
      else if (decoded === undefined) v(entry[0], "malformed percent-encoding in the URI", renderValue(raw));
      else input.set(entry[0], { value: decoded, ts: "iso8601" });
    }

    // query string: template markers and the SDK's x-id are consumed first
    let pairs = allPairs.filter(([k]) => k !== "x-id");
    for (const [k, val] of route.markers) {
      const i = pairs.findIndex(([pk, pv]) => pk === k && (val === null || pv === val));
      if (i >= 0) {
        const [, pv] = pairs[i] as [string, string];
        if (val === null && pv !== "") v(k, "query marker takes no value", renderValue(pv));
        pairs = pairs.filter((_, j) => j !== i);
      }
    }
    let queryMap: [string, ShapeRef] | undefined;
    for (const [name, ref] of Object.entries(members)) {
      if (ref.location !== "querystring") continue;
      const ms = model.shapes[ref.shape] as Shape;
      if (ms.type === "map") {
        queryMap = [name, ref];
        continue;
      }
      const wire = ref.locationName ?? name;
      const vals = pairs.filter(([k]) => k === wire).map(([, pv]) => pv);
      pairs = pairs.filter(([k]) => k !== wire);
      if (!vals.length) continue;
      if (ms.type === "list") input.set(name, { value: vals, ts: "iso8601" });
      else {
        if (vals.length > 1) v(name, `duplicate query parameter ${wire}`, renderValue(vals));
        input.set(name, { value: vals[0], ts: "iso8601" });
      }
    }
    if (queryMap && pairs.length) {
      input.set(queryMap[0], { value: new WireMap(pairs), ts: "iso8601" });
      pairs = [];
    }
    for (const [k, pv] of pairs) v(k, "unknown query parameter", renderValue(pv));

    // headers
    const claimed = new Set<string>();
    for (const [name, ref] of Object.entries(members)) {
      if (ref.location === "header") {
        const wire = (ref.locationName ?? name).toLowerCase();
        const raw = header(req, wire);
        if (raw === undefined) continue;
        claimed.add(wire);
        const decoded = this.decodeHeader(ref, raw, name, v);
        if (decoded !== undefined) input.set(name, { value: decoded, ts: "rfc822" });
      } else if (ref.location === "headers") {
        const prefix = (ref.locationName ?? "").toLowerCase();
        const entries: [string, unknown][] = [];
        for (const [h, hv] of Object.entries(req.headers)) {
          if (!h.startsWith(prefix) || hv === undefined) continue;
          claimed.add(h);
          entries.push([h.slice(prefix.length), Array.isArray(hv) ? hv.join(", ") : hv]);
        }
        if (entries.length) input.set(name, { value: new WireMap(entries), ts: "rfc822" });
      }
    }
    for (const h of Object.keys(req.headers)) {
      if (claimed.has(h) || !(h.startsWith("x-amz-") || h.startsWith("x-amzn-"))) continue;
      if (SIGNING_HEADERS.has(h)) continue;
      if (op.httpChecksum && (CHECKSUM_HEADERS.has(h) || this.checksumHeaders.has(h))) continue;
      v(h, "unknown header (not an input member of the operation)", renderValue(header(req, h)));
    }

    this.checkChecksumTrait(op, members, req, v);

    // body
    this.decodeBody(op, shape, req, input, v, out);

    // required members, then every present member with its location's conventions
    for (const r of shape.required ?? []) if (!input.has(r)) v(r, "required");
    for (const [name, { value, ts, opaque }] of input) {
      if (opaque) continue;
      const ref = members[name] as ShapeRef;
      const ctx: CheckContext = { model, operation: op.name, out, scalars: "text", timestampDefault: ts };
      checkValue(ctx, ref, value, name);
    }
    return { operation: op.name, violations: out };
  }

  /**
   * The operation's `httpChecksum` trait: `requestChecksumRequired` means the request carries
   * Content-MD5 or a flexible checksum (header or trailer); a request naming an algorithm in the
   * `requestAlgorithmMember` header carries that algorithm's checksum.
   */
  private checkChecksumTrait(
    op: Operation,
    members: Record<string, ShapeRef>,
    req: WireRequest,
    v: (p: string, rule: string, value?: string) => void,
  ): void {
    const trait = op.httpChecksum;
    if (!trait) return;
    const trailer = (header(req, "x-amz-trailer") ?? "")
      .toLowerCase()
      .split(",")
      .map((t) => t.trim());
    const carries = (h: string) => header(req, h) !== undefined || trailer.includes(h);
    if (trait.requestChecksumRequired && !carries("content-md5") && ![...this.checksumHeaders].some(carries))
      v(
        "",
        "httpChecksum: requestChecksumRequired, but the request has neither Content-MD5 nor an x-amz-checksum-* header or trailer",
      );
    const algoRef = trait.requestAlgorithmMember ? members[trait.requestAlgorithmMember] : undefined;
    const algo = algoRef ? header(req, (algoRef.locationName ?? "").toLowerCase()) : undefined;
    const want = algo !== undefined ? `x-amz-checksum-${algo.toLowerCase()}` : undefined;
    if (want && this.checksumHeaders.has(want) && !carries(want))
      v(
        trait.requestAlgorithmMember as string,
        `httpChecksum: the algorithm is named but ${want} is neither a header nor a trailer`,
        renderValue(algo),
      );
  }

  private decodeHeader(
    ref: ShapeRef,
    raw: string,
    name: string,
    v: (p: string, rule: string, value?: string) => void,
  ): unknown {
    const shape = this.model.shapes[ref.shape] as Shape;
    if (shape.type === "list") {
      const item = this.model.shapes[(shape.member as ShapeRef).shape] as Shape;
      // an HTTP-date itself contains a comma: split timestamp lists after "GMT" only
      const parts =
        item.type === "timestamp" ? raw.split(/(?<=GMT)\s*,\s*/) : raw.split(",").map((s) => s.trim());
      return raw === "" ? [] : parts;
    }
    if (ref.jsonvalue || shape.jsonvalue) {
      const text = /^[A-Za-z0-9+/]*={0,2}$/.test(raw)
        ? Buffer.from(raw, "base64").toString("utf8")
        : undefined;
      try {
        if (text === undefined) throw new Error("not base64");
        JSON.parse(text);
        return text;
      } catch {
        v(name, "jsonvalue: header must be base64-encoded JSON", renderValue(raw));
        return undefined;
      }
    }
    return raw;
  }

  private decodeBody(
    op: Operation,
    shape: Shape,
    req: WireRequest,
    input: Input,
    v: (p: string, rule: string, value?: string) => void,
    out: Violation[],
  ): void {
    const members = shape.members ?? {};
    const body = req.body;
    if (shape.payload) {
      const ref = members[shape.payload] as ShapeRef;
      const ps = this.model.shapes[ref.shape] as Shape;
      if (ps.type === "structure") {
        if (!body.length) return;
        const root = this.parse(body, shape.payload, v);
        if (!root) return;
        const wantName = ref.locationName ?? ps.locationName ?? ref.shape;
        const ns = ref.xmlNamespace?.uri ?? ps.xmlNamespace?.uri;
        if (root.name !== wantName)
          v(shape.payload, `XML root element must be <${wantName}>`, renderValue(root.name));
        if (ns !== undefined && root.attributes.xmlns !== ns)
          v(shape.payload, `XML namespace must be ${ns}`, renderValue(root.attributes.xmlns ?? null));
        const value = this.fromXml(op, ref, root, shape.payload, out);
        if (value !== undefined) input.set(shape.payload, { value, ts: "iso8601" });
        return;
      }
      if (ref.streaming || ps.streaming) {
        if (body.length) input.set(shape.payload, { value: undefined, ts: "iso8601", opaque: true });
        return; // a stream is opaque; its presence satisfies `required`
      }
      if (!body.length) return;
      const value = ps.type === "blob" ? body.toString("base64") : body.toString("utf8");
      input.set(shape.payload, { value, ts: "iso8601" });
      return;
    }
    const bodyMembers = Object.entries(members).filter(([, r]) => !r.location);
    if (!bodyMembers.length) {
      if (body.length)
        v(
          "",
          "unexpected request body (the operation has no body members)",
          renderValue(body.toString("utf8")),
        );
      return;
    }
    if (!body.length) return;
    const root = this.parse(body, "", v);
    if (!root) return;
    const wantName = op.input?.locationName ?? op.input?.shape ?? "";
    if (root.name !== wantName) v("", `XML root element must be <${wantName}>`, renderValue(root.name));
    const ns = op.input?.xmlNamespace?.uri;
    if (ns !== undefined && root.attributes.xmlns !== ns)
      v("", `XML namespace must be ${ns}`, renderValue(root.attributes.xmlns ?? null));
    const bodyShape: Shape = { type: "structure", members: Object.fromEntries(bodyMembers) };
    const decoded = this.structureFromXml(op, bodyShape, root, "", out);
    for (const [k, val] of Object.entries(decoded)) input.set(k, { value: val, ts: "iso8601" });
  }

  private parse(
    body: Buffer,
    path: string,
    v: (p: string, rule: string, value?: string) => void,
  ): XmlElement | undefined {
    try {
      return parseXml(body.toString("utf8"));
    } catch (e) {
      if (!(e instanceof XmlSyntaxError)) throw e;
      v(path, `body is not well-formed XML: ${e.message}`, renderValue(body.toString("utf8")));
      return undefined;
    }
  }

  /** Decode an element for `ref`'s shape; structural problems (unknown elements…) go to `out`. */
  private fromXml(op: Operation, ref: ShapeRef, el: XmlElement, path: string, out: Violation[]): unknown {
    const shape = this.model.shapes[ref.shape] as Shape;
    const v = (p: string, rule: string, value?: string) =>
      out.push(makeViolation("s3", op.name, p, rule, value));
    switch (shape.type) {
      case "structure":
        return this.structureFromXml(op, shape, el, path, out);
      case "list": {
        if (el.hasText) v(path, "unexpected text in a list element", renderValue(el.text));
        const member = shape.member as ShapeRef;
        const itemName = member.locationName ?? "member";
        const items: unknown[] = [];
        for (const c of el.children) {
          if (c.name !== itemName) {
            v(`${path}[${items.length}]`, `unknown element <${c.name}> (list items are <${itemName}>)`);
            continue;
          }
          items.push(this.fromXml(op, member, c, `${path}[${items.length}]`, out));
        }
        return items;
      }
      case "map": {
        const entries: [string, unknown][] = [];
        for (const c of el.children) {
          if (c.name !== "entry") {
            v(path, `unknown element <${c.name}> (map entries are <entry>)`);
            continue;
          }
          const e = this.entryFromXml(op, shape, c, path, out);
          if (e) entries.push(e);
        }
        return new WireMap(entries);
      }
      default:
        if (el.children.length) {
          v(path, `expected text, found element <${el.children[0]?.name}>`);
          return undefined;
        }
        return el.text;
    }
  }

  private entryFromXml(
    op: Operation,
    shape: Shape,
    el: XmlElement,
    path: string,
    out: Violation[],
  ): [string, unknown] | undefined {
    const kName = shape.key?.locationName ?? "key";
    const vName = shape.value?.locationName ?? "value";
    const k = el.children.find((c) => c.name === kName);
    const val = el.children.find((c) => c.name === vName);
    for (const c of el.children)
      if (c.name !== kName && c.name !== vName)
        out.push(makeViolation("s3", op.name, path, `unknown element <${c.name}> in a map entry`));
    if (!k) {
      out.push(makeViolation("s3", op.name, path, `map entry without <${kName}>`));
      return undefined;
    }
    const key = this.fromXml(op, shape.key as ShapeRef, k, `${path}(key)`, out);
    const value = val
      ? this.fromXml(op, shape.value as ShapeRef, val, `${path}[${JSON.stringify(key)}]`, out)
      : null;
    return [String(key), value];
  }

  private structureFromXml(
    op: Operation,
    shape: Shape,
    el: XmlElement,
    path: string,
    out: Violation[],
  ): Record<string, unknown> {
    const v = (p: string, rule: string, value?: string) =>
      out.push(makeViolation("s3", op.name, p, rule, value));
    const result: Record<string, unknown> = {};
    const members = shape.members ?? {};
    if (el.hasText) v(path, "unexpected text in a structure element", renderValue(el.text));
    // attributes
    const attrMembers = new Map<string, string>();
    for (const [name, ref] of Object.entries(members))
      if (ref.xmlAttribute) attrMembers.set(ref.locationName ?? name, name);
    for (const [an, av] of Object.entries(el.attributes)) {
      if (an === "xmlns" || an.startsWith("xmlns:")) continue;
      const m = attrMembers.get(an);
      if (m) result[m] = av;
      else v(join(path, `@${an}`), "unknown XML attribute", renderValue(av));
    }
    // child elements
    const byName = new Map<string, [string, ShapeRef]>();
    for (const [name, ref] of Object.entries(members))
      if (!ref.xmlAttribute) byName.set(ref.locationName ?? name, [name, ref]);
    for (const c of el.children) {
      const hit = byName.get(c.name);
      if (!hit) {
        v(join(path, c.name), "unknown element (not a member)", renderValue(c.text || `<${c.name}>`));
        continue;
      }
      const [name, ref] = hit;
      const ms = this.model.shapes[ref.shape] as Shape;
      const flattened = (ms.type === "list" || ms.type === "map") && (ref.flattened || ms.flattened);
      if (flattened && ms.type === "list") {
        if (!(name in result)) result[name] = [];
        const list = result[name] as unknown[];
        list.push(this.fromXml(op, ms.member as ShapeRef, c, `${join(path, name)}[${list.length}]`, out));
        continue;
      }
      if (flattened && ms.type === "map") {
        if (!(name in result)) result[name] = new WireMap([]);
        const map = result[name] as WireMap;
        const e = this.entryFromXml(op, ms, c, join(path, name), out);
        if (e) map.entries.push(e);
        continue;
      }
      if (name in result) {
        v(join(path, name), `duplicate element <${c.name}>`);
        continue;
      }
      const val = this.fromXml(op, ref, c, join(path, name), out);
      if (val !== undefined) result[name] = val;
    }
    return result;
  }
}
