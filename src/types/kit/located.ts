/**
 * Small helpers for rules that report a Problem at a blueprint value: its JSON path and
 * line:column, optionally pointing inside a string value (the bad token of a column type).
 */
import type { Problem } from "../../core/errors.js";
import { formatPath, type Location, type PathSegment } from "./json-path.js";

/**
 * What a rule needs of the parsed blueprint to locate a problem: the file, its text, and the
 * line:column of a key (`locate`) or of a value (`locateValue`). blueprint/json-source.ts
 * `JsonSource` is one.
 */
export interface Locator {
  readonly file: string;
  readonly text: string;
  locate(path: readonly PathSegment[]): Location;
  locateValue(path: readonly PathSegment[]): Location;
}

/** Path, file and line:column of the value at `segments`. */
export function at(source: Locator, segments: readonly PathSegment[]) {
  const loc = source.locateValue(segments);
  return { path: formatPath(segments), file: source.file, line: loc.line, column: loc.column };
}

/**
 * Like `at`, but pointing at character `offset` of the string value at `segments`. Falls back to
 * the start of the string when the JSON text escapes characters before that offset (the column
 * of the decoded character would then be a guess).
 */
export function atCharacter(source: Locator, segments: readonly PathSegment[], offset: number) {
  const base = at(source, segments);
  const lineStart = lineStartOffset(source.text, base.line);
  const quote = lineStart + base.column - 1;
  if (source.text[quote] !== '"') return base;
  const raw = source.text.slice(quote + 1, quote + 1 + offset);
  if (raw.length < offset || raw.includes("\\") || raw.includes("\n")) return base;
  return { ...base, column: base.column + 1 + offset };
}

function lineStartOffset(text: string, line: number): number {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let l = 1; l < line; l++) {
    const i = text.indexOf("\n", start);
    if (i < 0) return start;
    start = i + 1;
  }
  return start;
}

/** A path with its line, for messages naming a second place: `$.a.b[1] (line 12)`. */
export function where(source: Locator, segments: readonly PathSegment[]): string {
  const loc = source.locateValue(segments);
  return `${formatPath(segments)} (line ${loc.line})`;
}

export const err = (p: Omit<Problem, "severity">): Problem => ({ ...p, severity: "error" });
export const warn = (p: Omit<Problem, "severity">): Problem => ({ ...p, severity: "warning" });

/** A readable name for a character in messages: `" "` (space), `"\n"` (line feed), `U+0007`. */
export function describeChar(ch: string): string {
  const names: Record<string, string> = {
    " ": '" " (space)',
    "\n": '"\\n" (line feed)',
    "\r": '"\\r" (carriage return)',
    "\t": '"\\t" (tab)',
  };
  const named = names[ch];
  if (named) return named;
  const code = ch.codePointAt(0) as number;
  if (code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff) || code >= 0xfffe)
    return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return JSON.stringify(ch);
}

/** The distinct characters of `s` matching `bad` (a character class without the g flag), described. */
export function badCharacters(s: string, bad: RegExp): string[] {
  const out = new Set<string>();
  for (const ch of s) if (bad.test(ch)) out.add(describeChar(ch));
  return [...out];
}

/** Lower-case, with every run of characters other than [a-z0-9_] turned into one `_`. */
export function suggestIdentifier(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return s || "col";
}
