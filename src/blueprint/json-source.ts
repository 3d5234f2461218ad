/**
 * A strict JSON parser (RFC 8259) that remembers where every value and key sits in the text,
 * so that schema and semantic problems found later can point at `line:column`.
 * `JSON.parse` loses positions and reports errors as character offsets only, hence our own.
 */
import { type Problem, validationError } from "../core/errors.js";
import { type Location, type PathSegment, parsePath } from "../types/kit/json-path.js";

// Paths and locations are shared with the type specs' rules (src/types/kit/json-path.ts).
export { formatPath, type Location, type PathSegment, parsePath } from "../types/kit/json-path.js";

/**
 * Where every value of a (valid) JSON text starts, in pre-order: value i starts at `at[i]`, its
 * key (for object members) at `keyAt[i]` (-1 otherwise), and its subtree ends before node
 * `end[i]`. Flat arrays keep the index cheap to build for multi-megabyte blueprints.
 */
interface PositionIndex {
  at: Int32Array;
  keyAt: Int32Array;
  end: Int32Array;
  /** Container kind per node: 1 object, 2 array, 0 scalar. */
  kind: Uint8Array;
}

const isDelimiter = (c: number) =>
  c === 44 || c === 125 || c === 93 || c === 32 || c === 10 || c === 13 || c === 9;

/** End offset (after the closing quote) of the string starting at `i`. */
function skipString(text: string, i: number): number {
  let j = i + 1;
  while (true) {
    const q = text.indexOf('"', j);
    if (q < 0) return text.length;
    // The quote is escaped when an odd number of backslashes precede it.
    let b = q - 1;
    while (text.charCodeAt(b) === 92) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

function keyText(text: string, at: number): string {
  const endQ = skipString(text, at);
  const raw = text.slice(at + 1, endQ - 1);
  return raw.includes("\\") ? (JSON.parse(text.slice(at, endQ)) as string) : raw;
}

/**
 * Indexes a JSON text that is known to be valid (JSON.parse accepted it), and reports duplicate
 * keys, which JSON.parse silently resolves to the last one.
 */
function indexPositions(
  text: string,
  start: number,
  onDuplicate: (keyAt: number, key: string) => void,
): PositionIndex {
  let cap = 1024;
  let at = new Int32Array(cap);
  let keyAt = new Int32Array(cap);
  let end = new Int32Array(cap);
  let kind = new Uint8Array(cap);
  let count = 0;
  const open: number[] = [];
  // Keys of the open objects, flattened; keyBase[d] is where depth d's keys start.
  const keys: string[] = [];
  const keyBase: number[] = [];
  // Objects with many keys switch from a linear scan to a set, so a huge map stays linear.
  const keySets: (Set<string> | undefined)[] = [];
  let pendingKey = -1;
  let i = start;
  const n = text.length;
  const grow = () => {
    cap *= 2;
    const a = new Int32Array(cap);
    a.set(at);
    at = a;
    const k = new Int32Array(cap);
    k.set(keyAt);
    keyAt = k;
    const e = new Int32Array(cap);
    e.set(end);
    end = e;
    const t = new Uint8Array(cap);
    t.set(kind);
    kind = t;
  };
  const node = (offset: number, k: number): number => {
    if (count === cap) grow();
    at[count] = offset;
    keyAt[count] = pendingKey;
    kind[count] = k;
    pendingKey = -1;
    return count++;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9 || c === 44 || c === 58) {
      i++;
      continue;
    }
    if (c === 123 || c === 91) {
      open.push(node(i, c === 123 ? 1 : 2));
      if (c === 123) {
        keyBase.push(keys.length);
        keySets.push(undefined);
      }
      i++;
      continue;
    }
    if (c === 125 || c === 93) {
      const idx = open.pop() as number;
      end[idx] = count;
      if (c === 125) {
        keys.length = keyBase.pop() as number;
        keySets.pop();
      }
      i++;
      continue;
    }
    const parent = open.length ? (open[open.length - 1] as number) : -1;
    if (c === 34) {
      const stop = skipString(text, i);
      // In an object, a string with no pending key is a key.
      if (parent >= 0 && kind[parent] === 1 && pendingKey < 0) {
        pendingKey = i;
        const key = keyText(text, i);
        const base = keyBase[keyBase.length - 1] as number;
        const set = keySets[keySets.length - 1];
        let seen = false;
        if (set) seen = set.has(key);
        else for (let k = base; k < keys.length && !seen; k++) seen = keys[k] === key;
        if (seen) onDuplicate(i, key);
        keys.push(key);
        if (set) set.add(key);
        else if (keys.length - base > 64) keySets[keySets.length - 1] = new Set(keys.slice(base));
      } else {
        end[node(i, 0)] = count;
      }
      i = stop;
      continue;
    }
    // number, true, false, null
    const idx = node(i, 0);
    end[idx] = count;
    while (i < n && !isDelimiter(text.charCodeAt(i))) i++;
  }
  return { at, keyAt, end, kind };
}

/**
 * The parsed document plus its position map. `locate` answers for any path, falling back to the
 * nearest enclosing value that exists (a missing key is reported at its parent object).
 */
export class JsonSource {
  private lineStarts: number[] | undefined;

  constructor(
    readonly text: string,
    readonly file: string,
    readonly value: unknown,
    private readonly index: PositionIndex,
    /** Problems found while parsing that do not stop parsing (duplicate keys). */
    readonly problems: Problem[],
  ) {}

  /** Pre-order index of the node at `segments`, or of the deepest existing ancestor. */
  private find(segments: readonly PathSegment[]): { node: number; complete: boolean } {
    const { keyAt, end, kind } = this.index;
    let node = 0;
    for (const seg of segments) {
      let found = -1;
      if (kind[node] === 1 && typeof seg === "string") {
        // Last match wins, as in JSON.parse.
        for (let c = node + 1; c < (end[node] as number); c = end[c] as number) {
          if (keyText(this.text, keyAt[c] as number) === seg) found = c;
        }
      } else if (kind[node] === 2 && typeof seg === "number") {
        let k = 0;
        for (let c = node + 1; c < (end[node] as number); c = end[c] as number, k++) {
          if (k === seg) {
            found = c;
            break;
          }
        }
      }
      if (found < 0) return { node, complete: false };
      node = found;
    }
    return { node, complete: true };
  }

  /** Line and column of the value (or, for object members, the key) at `path`. */
  locate(path: string | readonly PathSegment[]): Location {
    const segments = typeof path === "string" ? (parsePath(path) ?? []) : path;
    const { node } = this.find(segments);
    const k = this.index.keyAt[node] as number;
    return this.offsetToLocation(k >= 0 ? k : (this.index.at[node] as number));
  }

  /** Location of the value itself at `path` (for members: the value, not the key). */
  locateValue(path: string | readonly PathSegment[]): Location {
    const segments = typeof path === "string" ? (parsePath(path) ?? []) : path;
    const { node, complete } = this.find(segments);
    const k = this.index.keyAt[node] as number;
    return this.offsetToLocation(complete || k < 0 ? (this.index.at[node] as number) : k);
  }

  /** Converts a character offset to a 1-based line:column. */
  offsetToLocation(offset: number): Location {
    if (!this.lineStarts) this.lineStarts = lineStartsOf(this.text);
    return locationIn(this.lineStarts, offset);
  }
}

function lineStartsOf(text: string): number[] {
  // A byte order mark is invisible in editors: columns of line 1 start after it.
  const starts = [text.charCodeAt(0) === 0xfeff ? 1 : 0];
  let i = text.indexOf("\n");
  while (i >= 0) {
    starts.push(i + 1);
    i = text.indexOf("\n", i + 1);
  }
  return starts;
}

function locationIn(starts: number[], offset: number): Location {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] as number) + 1 };
}

const ESCAPE_CHARS = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Finds the first syntax error of a JSON text (RFC 8259: no comments, no trailing commas,
 * double-quoted strings): the offset and what was expected there; undefined when the text is
 * valid. Only run when JSON.parse has refused the text, to explain where and why.
 */
function findSyntaxError(text: string, start: number): { at: number; expected: string } | undefined {
  let i = start;
  const n = text.length;
  class Stop {
    constructor(
      readonly at: number,
      readonly expected: string,
    ) {}
  }
  const fail = (at: number, expected: string): never => {
    throw new Stop(at, expected);
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  };
  const str = () => {
    const open = i;
    i++;
    while (true) {
      if (i >= n) fail(open, "a closing '\"' for the string that starts here");
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c === 92) {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail(i, "four hex digits after \\u");
          i += 6;
        } else if (e !== undefined && ESCAPE_CHARS.has(e)) i += 2;
        else fail(i + 1, 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        continue;
      }
      if (c < 0x20) fail(i, "no raw control characters inside a string (escape them)");
      i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > 512) fail(i, "less deeply nested values (at most 512 levels)");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      let first = true;
      while (true) {
        ws();
        if (text[i] !== '"') fail(i, first ? "a key in double quotes or '}'" : "a key in double quotes");
        first = false;
        str();
        ws();
        if (text[i] !== ":") fail(i, "':' after the key");
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          ws();
          if (text[i] === "}") fail(i, "another key after ',' (trailing commas are not allowed)");
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail(i, "',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      while (true) {
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          ws();
          if (text[i] === "]") fail(i, "another value after ',' (trailing commas are not allowed)");
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail(i, "',' or ']'");
      }
    }
    if (c === '"') {
      str();
      return;
    }
    for (const lit of ["true", "false", "null"]) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m || m[0] === "-") fail(i, "a number");
      i += (m as RegExpExecArray)[0].length;
      return;
    }
    fail(i, "a value (object, array, string, number, true, false or null)");
  };
  try {
    ws();
    if (i >= n) fail(i, "a JSON document (the file is empty)");
    value(0);
    ws();
    if (i < n) fail(i, "end of file after the top-level value");
  } catch (e) {
    if (e instanceof Stop) return { at: e.at, expected: e.expected };
    // The validator's own recursion limit: report at the start, the parser refused the text anyway.
    return { at: start, expected: "a JSON document that is not nested this deeply" };
  }
  return undefined;
}

/**
 * Parses `text` as strict JSON (no comments, no trailing commas), recording positions.
 * Throws a validation `DpnError` with code `BLUEPRINT_JSON_INVALID` whose message and single
 * problem carry `file:line:column` and what was expected there. Duplicate keys do not throw:
 * they are returned as `BLUEPRINT_DUPLICATE_KEY` problems (the last value wins, as in JSON.parse).
 */
export function parseJsonSource(text: string, file: string): JsonSource {
  // A UTF-8 byte order mark is tolerated: editors on Windows add it.
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let value: unknown;
  try {
    // The native parser is several times faster than any parser in JS; positions come after.
    value = JSON.parse(start ? text.slice(start) : text);
  } catch (e) {
    const found = findSyntaxError(text, start) ?? {
      at: start,
      expected: `valid JSON (${(e as Error).message})`,
    };
    const loc = locationIn(lineStartsOf(text), Math.min(found.at, text.length));
    const c = text[found.at];
    const seen =
      found.at >= text.length
        ? "end of file"
        : c === "\n"
          ? "a line break"
          : c === "'"
            ? "a single quote (JSON strings use double quotes)"
            : JSON.stringify(c);
    const message = `invalid JSON: expected ${found.expected}, found ${seen}`;
    throw validationError("BLUEPRINT_JSON_INVALID", `${file}:${loc.line}:${loc.column}: ${message}`, {
      hint: "Fix the JSON syntax at that position (JSON allows no comments and no trailing commas).",
      details: { file, line: loc.line, column: loc.column },
      cause: e,
      problems: [
        {
          code: "BLUEPRINT_JSON_INVALID",
          message,
          file,
          line: loc.line,
          column: loc.column,
          severity: "error",
        },
      ],
    });
  }
  const problems: Problem[] = [];
  let starts: number[] | undefined;
  const index = indexPositions(text, start, (keyAt, key) => {
    starts ??= lineStartsOf(text);
    const loc = locationIn(starts, keyAt);
    problems.push({
      code: "BLUEPRINT_DUPLICATE_KEY",
      message: `key ${JSON.stringify(key)} appears twice in the same object; only the last one would be used`,
      file,
      line: loc.line,
      column: loc.column,
      hint: "Remove or rename one of the two keys.",
      severity: "error",
    });
  });
  return new JsonSource(text, file, value, index, problems);
}
