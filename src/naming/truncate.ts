/**
 * `truncate: hash`: shorten the non-protected variable segments, longest first, and append a
 * deterministic hash of the full, unshortened name, so the result fits the limit, is the same on
 * every machine, and two different long names never shorten to the same result.
 */
import { createHash } from "node:crypto";
import { DpnError } from "../core/errors.js";
import { styleSeparator } from "./normalise.js";
import { measure } from "./rules.js";
import type { Style, Transformations } from "./types.js";

/** One piece of an assembled name: literal text, or a variable's value (with its optional prefix). */
export interface NamePiece {
  text: string;
  variable?: string;
  /** Separator of an optional segment (`{-var?}`), kept when the value is shortened. */
  prefix?: string;
}

export interface TruncateOptions {
  max: number;
  unit: "chars" | "bytes";
  style: Style;
  protectedVars: ReadonlySet<string>;
  hash: Transformations["hash_generation"];
  /** For messages. */
  type: string;
}

/** The hash suffix (separator + prefix + digest) for a full name. */
export function hashSuffix(fullName: string, style: Style, hash: Transformations["hash_generation"]): string {
  const digest = createHash(hash.algorithm).update(fullName, "utf8").digest("hex").slice(0, hash.length);
  let sep = hash.separator;
  // The suffix is part of the name, so it follows the target's style like every value does.
  const styleSep = styleSeparator(style);
  if (styleSep && (sep === "-" || sep === "_")) sep = styleSep;
  const prefix = style === "none" ? hash.prefix : hash.prefix.toLowerCase();
  return `${sep}${prefix}${digest}`;
}

const TRAILING_SEPARATORS = /[-_.\s]+$/;

/**
 * Shorten `pieces` to fit `opts.max` including the hash suffix. Returns the new name and the steps
 * taken (for explain).
 *
 * @throws DpnError validation `NAME_TOO_LONG` when literals, protected segments and the hash alone
 *   exceed the limit.
 */
export function truncateWithHash(
  pieces: NamePiece[],
  opts: TruncateOptions,
): { name: string; steps: string[] } {
  const full = pieces.map((p) => p.text).join("");
  const suffix = hashSuffix(full, opts.style, opts.hash);
  const budget = opts.max - measure(suffix, opts.unit);
  const work = pieces.map((p) => ({ ...p, chars: Array.from(p.text) }));
  const shortenable = work.filter((p) => p.variable !== undefined && !opts.protectedVars.has(p.variable));
  const current = () => work.map((p) => p.chars.join("")).join("");
  const originals = new Map<(typeof work)[number], string>();
  let name = current();
  let size = measure(name, opts.unit);
  while (size > budget) {
    let longest: (typeof work)[number] | undefined;
    let second = 0;
    for (const p of shortenable) {
      const len = valueLength(p);
      if (!longest || len > valueLength(longest)) {
        if (longest) second = Math.max(second, valueLength(longest));
        longest = p;
      } else {
        second = Math.max(second, len);
      }
    }
    if (!longest || valueLength(longest) <= 1) {
      throw new DpnError(
        "validation",
        "NAME_TOO_LONG",
        `Name "${full}" cannot be shortened to ${opts.max} ${opts.unit === "bytes" ? "bytes" : "characters"} for ${opts.type}: literal text, protected segments (${[...opts.protectedVars].join(", ")}) and the hash suffix "${suffix}" already take too much.`,
        {
          hint: "Shorten the template's literal text, protect fewer variables, or use a shorter hash_generation.length.",
          details: { name: full, length: measure(full, opts.unit), limit: opts.max },
        },
      );
    }
    const len = valueLength(longest);
    const excess = size - budget;
    const cut = Math.max(1, Math.min(excess, len - Math.max(second, 1)));
    const keep = longest.prefix ? longest.prefix.length : 0;
    if (!originals.has(longest)) originals.set(longest, longest.chars.slice(keep).join(""));
    let value = longest.chars.slice(keep, keep + len - cut).join("");
    const trimmed = value.replace(TRAILING_SEPARATORS, "");
    if (trimmed.length > 0) value = trimmed;
    longest.chars = [...(longest.prefix ?? ""), ...value];
    name = current();
    size = measure(name, opts.unit);
  }
  const steps = [...originals].map(
    ([p, before]) =>
      `truncate: ${p.variable} "${before}" → "${p.chars.slice(p.prefix ? p.prefix.length : 0).join("")}"`,
  );
  steps.push(`truncate: append hash "${suffix}" (${opts.hash.algorithm} of "${full}")`);
  return { name: name + suffix, steps };
}

function valueLength(p: { chars: string[]; prefix?: string }): number {
  return p.chars.length - (p.prefix ? p.prefix.length : 0);
}
