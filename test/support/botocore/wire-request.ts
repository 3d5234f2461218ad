/**
 * An HTTP request as the oracle sees it (method, raw URL, lower-cased headers, the whole body),
 * with the small parsing helpers every protocol needs.
 */

export interface WireRequest {
  method: string;
  /** Path and query exactly as sent (still percent-encoded). */
  url: string;
  /** Lower-cased names; repeated headers joined with ", " (Node's IncomingMessage.headers). */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A header by lower-case name, repeated ones joined with ", ". */
export function header(req: WireRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** Path and raw query (undefined when there is no `?`). */
export function splitUrl(url: string): { path: string; query: string | undefined } {
  const q = url.indexOf("?");
  return q < 0 ? { path: url, query: undefined } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/** Percent-decoding that reports malformed input instead of throwing. */
export function percentDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * A REST query string as ordered `[name, value]` pairs. `+` is kept literally (the SDKs encode a
 * space as `%20`); a pair without `=` has the value "". Undecodable pairs are returned raw in `bad`.
 */
export function parseRestQuery(query: string | undefined): { pairs: [string, string][]; bad: string[] } {
  const pairs: [string, string][] = [];
  const bad: string[] = [];
  if (query === undefined || query === "") return { pairs, bad };
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const k = percentDecode(eq < 0 ? part : part.slice(0, eq));
    const v = percentDecode(eq < 0 ? "" : part.slice(eq + 1));
    if (k === undefined || v === undefined) bad.push(part);
    else pairs.push([k, v]);
  }
  return { pairs, bad };
}

/** The service named in a SigV4 Authorization header's credential scope, if any. */
export function signingService(req: WireRequest): string | undefined {
  const auth = header(req, "authorization");
  const m = auth ? /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth) : null;
  return m?.[1];
}
