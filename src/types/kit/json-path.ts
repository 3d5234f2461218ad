/**
 * JSON paths over a parsed document: the segments of a value's position, their `$.a.b[0]` form
 * and back, and the line:column a located problem carries. Shared by blueprint loading (which
 * knows the text) and the type specs' rules (which only name paths).
 */

/** One path segment: an object key or an array index. */
export type PathSegment = string | number;

/** 1-based line and column. */
export interface Location {
  line: number;
  column: number;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Renders segments as a JSON path: `$.resources.aws.s3_buckets[0].layer`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "$";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (IDENT.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Parses a path made by `formatPath` back into segments; returns undefined for anything else. */
export function parsePath(path: string): PathSegment[] | undefined {
  if (!path.startsWith("$")) return undefined;
  const out: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    if (path[i] === ".") {
      let j = i + 1;
      while (j < path.length && path[j] !== "." && path[j] !== "[") j++;
      out.push(path.slice(i + 1, j));
      i = j;
    } else if (path[i] === "[") {
      if (path[i + 1] === '"') {
        // A quoted key: find the closing quote, stepping over escapes.
        let j = i + 2;
        while (j < path.length && path[j] !== '"') j += path[j] === "\\" ? 2 : 1;
        try {
          out.push(JSON.parse(path.slice(i + 1, j + 1)) as string);
        } catch {
          return undefined;
        }
        i = j + 2;
      } else {
        const j = path.indexOf("]", i);
        if (j < 0) return undefined;
        out.push(Number(path.slice(i + 1, j)));
        i = j + 1;
      }
    } else return undefined;
  }
  return out;
}
