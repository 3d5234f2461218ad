/**
 * Translation of the Java regular expressions in botocore models (`pattern` traits) into
 * JavaScript `u`-mode regexes with Java's meaning, for a whole-value match (Java's
 * `Matcher.matches()`, which is how AWS services apply them).
 *
 * The translator parses the Java syntax itself and re-emits every piece, so Java-specific
 * semantics survive: `\s`, `\w`, `\d` are ASCII-only, `.` excludes Java's line terminators
 * (including U+0085), `$` also matches before a final line terminator, `\_` is a literal, `-`
 * after a range or a class escape is a literal, and an escaped surrogate pair is one code point.
 * Constructs with no exact JavaScript equivalent (possessive quantifiers, atomic groups, inline
 * flags, nested classes and `&&`, `\b`, POSIX and block `\p{…}` names, back-references) make the
 * translation fail with a reason instead of being approximated.
 */

export type Translation =
  | { ok: true; source: string; regex: RegExp }
  | { ok: false; pattern: string; reason: string };

class Untranslatable extends Error {}

/** What one escape or atom stands for. */
type Atom =
  | { kind: "char"; cp: number }
  | { kind: "set"; js: string } // a positive set, as JS class content (e.g. `0-9`, `\p{L}`)
  | { kind: "negset"; js: string }; // the complement of a set given as JS class content

const JAVA_SPACE = "\\t\\n\\u{b}\\f\\r ";
const JAVA_LINE_TERMINATORS = "\\n\\r\\u{85}\\u{2028}\\u{2029}";
const GENERAL_CATEGORIES = new Set(
  "L Lu Ll Lt Lm Lo M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po S Sm Sc Sk So Z Zs Zl Zp C Cc Cf Cs Co Cn".split(
    " ",
  ),
);

const hex = (cp: number) => cp.toString(16);
const isAsciiAlnum = (cp: number) =>
  (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
/** A code point as a JS u-mode atom that means exactly that character, inside or outside a class. */
const emitChar = (cp: number) => (isAsciiAlnum(cp) ? String.fromCodePoint(cp) : `\\u{${hex(cp)}}`);

class Parser {
  private i = 0;
  constructor(private readonly p: string) {}

  private fail(why: string): never {
    throw new Untranslatable(`${why} at offset ${this.i}`);
  }
  private peek(k = 0): string | undefined {
    return this.p[this.i + k];
  }
  private eof(): boolean {
    return this.i >= this.p.length;
  }
  /** Next code point of the pattern text (a literal astral character is one unit). */
  private nextCp(): number {
    const cp = this.p.codePointAt(this.i);
    if (cp === undefined) this.fail("unexpected end");
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }

  translate(): string {
    const out = this.sequence(false);
    if (!this.eof()) this.fail(`unbalanced ')'`);
    return out;
  }

  /** A disjunction up to `)` (when inGroup) or the end. */
  private sequence(inGroup: boolean): string {
    let out = "";
    let lastWasAtom = false;
    while (!this.eof()) {
      const c = this.peek() as string;
      if (c === ")") {
        if (!inGroup) this.fail("unbalanced ')'");
        return out;
      }
      if (c === "|") {
        this.i++;
        out += "|";
        lastWasAtom = false;
        continue;
      }
      if (c === "*" || c === "+" || c === "?" || c === "{") {
        if (!lastWasAtom) this.fail(`dangling quantifier '${c}'`);
        out += this.quantifier();
        lastWasAtom = false;
        continue;
      }
      if (c === "^") {
        this.i++;
        out += "^";
        lastWasAtom = false;
        continue;
      }
      if (c === "$") {
        this.i++;
        // Java: end of input, or before a line terminator that ends the input
        out += `(?=(?:\\r\\n|[${JAVA_LINE_TERMINATORS}])?$)`;
        lastWasAtom = false;
        continue;
      }
      if (c === "(") {
        out += this.group();
        lastWasAtom = true;
        continue;
      }
      if (c === "[") {
        out += this.charClass();
        lastWasAtom = true;
        continue;
      }
      if (c === ".") {
        this.i++;
        out += `[^${JAVA_LINE_TERMINATORS}]`;
        lastWasAtom = true;
        continue;
      }
      if (c === "\\") {
        const e = this.escapeOutside();
        out += e.js;
        lastWasAtom = e.atom;
        continue;
      }
      out += emitChar(this.nextCp());
      lastWasAtom = true;
    }
    if (inGroup) this.fail("unclosed group");
    return out;
  }

  private quantifier(): string {
    const c = this.peek() as string;
    let q: string;
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.i));
      if (!m) this.fail("'{' that is not a quantifier");
      this.i += m[0].length;
      q = m[0];
    } else {
      this.i++;
      q = c;
    }
    if (this.peek() === "+") this.fail("possessive quantifier");
    if (this.peek() === "?") {
      this.i++;
      q += "?";
    }
    return q;
  }

  private group(): string {
    this.i++; // (
    let open = "(";
    if (this.peek() === "?") {
      const rest = this.p.slice(this.i);
      const m = /^\?(:|=|!|<=|<!|<[A-Za-z][A-Za-z0-9]*>)/.exec(rest);
      if (!m) this.fail("unsupported group construct (atomic group or inline flags)");
      open += m[0];
      this.i += m[0].length;
    }
    const inner = this.sequence(true);
    if (this.peek() !== ")") this.fail("unclosed group");
    this.i++;
    return `${open}${inner})`;
  }

  /** `\` outside a class: an atom, an assertion, or a quoted literal run. */
  private escapeOutside(): { js: string; atom: boolean } {
    const c = this.peek(1);
    if (c === "Q") {
      this.i += 2;
      const end = this.p.indexOf("\\E", this.i);
      const lit = end < 0 ? this.p.slice(this.i) : this.p.slice(this.i, end);
      this.i = end < 0 ? this.p.length : end + 2;
      const js = Array.from(lit, (ch) => emitChar(ch.codePointAt(0) as number)).join("");
      return { js: lit.length ? `(?:${js})` : "", atom: lit.length > 0 };
    }
    if (c === "A") {
      this.i += 2;
      return { js: "^", atom: false };
    }
    if (c === "z") {
      this.i += 2;
      return { js: "$", atom: false };
    }
    if (c === "Z") {
      this.i += 2;
      return { js: `(?=(?:\\r\\n|[${JAVA_LINE_TERMINATORS}])?$)`, atom: false };
    }
    const a = this.escape();
    if (a.kind === "char") return { js: emitChar(a.cp), atom: true };
    if (a.kind === "set") return { js: `[${a.js}]`, atom: true };
    return { js: `[^${a.js}]`, atom: true };
  }

  /** An escape that denotes a character or a set (valid inside and outside classes). */
  private escape(): Atom {
    this.i++; // backslash
    if (this.eof()) this.fail("trailing backslash");
    const c = this.peek() as string;
    const simple: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, a: 7, e: 27 };
    if (c in simple) {
      this.i++;
      return { kind: "char", cp: simple[c] as number };
    }
    switch (c) {
      case "d":
        this.i++;
        return { kind: "set", js: "0-9" };
      case "D":
        this.i++;
        return { kind: "negset", js: "0-9" };
      case "w":
        this.i++;
        return { kind: "set", js: "a-zA-Z0-9_" };
      case "W":
        this.i++;
        return { kind: "negset", js: "a-zA-Z0-9_" };
      case "s":
        this.i++;
        return { kind: "set", js: JAVA_SPACE };
      case "S":
        this.i++;
        return { kind: "negset", js: JAVA_SPACE };
      case "p":
      case "P":
        return this.property(c === "P");
      case "0": {
        this.i++;
        const m = /^([0-3][0-7]{2}|[0-7]{1,2})/.exec(this.p.slice(this.i));
        if (!m) this.fail("bad octal escape");
        this.i += m[0].length;
        return { kind: "char", cp: Number.parseInt(m[0], 8) };
      }
      case "x": {
        this.i++;
        const m = /^(?:\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{2}))/.exec(this.p.slice(this.i));
        if (!m) this.fail("bad \\x escape");
        this.i += m[0].length;
        const cp = Number.parseInt((m[1] ?? m[2]) as string, 16);
        if (cp > 0x10ffff) this.fail("\\x escape beyond U+10FFFF");
        return { kind: "char", cp };
      }
      case "u": {
        const cp = this.u4();
        // Java reads an escaped high+low surrogate pair as one supplementary code point
        if (cp >= 0xd800 && cp <= 0xdbff && this.peek() === "\\" && this.peek(1) === "u") {
          const save = this.i;
          const lo = this.u4();
          if (lo >= 0xdc00 && lo <= 0xdfff)
            return { kind: "char", cp: 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00) };
          this.i = save;
        }
        return { kind: "char", cp };
      }
      case "c": {
        this.i++;
        const x = this.peek();
        if (x === undefined) this.fail("bad \\c escape");
        this.i++;
        return { kind: "char", cp: (x.codePointAt(0) as number) ^ 64 };
      }
      default: {
        const cp = this.p.codePointAt(this.i) as number;
        // Java: a backslash before a letter or digit is an escape construct (reserved when unknown);
        // before anything else it quotes that character.
        if (isAsciiAlnum(cp)) this.fail(`unsupported escape '\\${c}'`);
        this.nextCp();
        return { kind: "char", cp };
      }
    }
  }

  /** `\uhhhh` (exactly four hex digits, as in Java); the cursor is on the `u`. */
  private u4(): number {
    if (this.peek() === "\\") this.i++;
    const m = /^u([0-9a-fA-F]{4})/.exec(this.p.slice(this.i));
    if (!m) this.fail("bad \\u escape");
    this.i += m[0].length;
    return Number.parseInt(m[1] as string, 16);
  }

  private property(negated: boolean): Atom {
    this.i++; // p or P
    let name: string;
    if (this.peek() === "{") {
      const end = this.p.indexOf("}", this.i);
      if (end < 0) this.fail("unclosed \\p{");
      name = this.p.slice(this.i + 1, end);
      this.i = end + 1;
    } else {
      name = this.peek() ?? "";
      this.i++;
    }
    const cat = name.startsWith("Is") && GENERAL_CATEGORIES.has(name.slice(2)) ? name.slice(2) : name;
    if (!GENERAL_CATEGORIES.has(cat)) this.fail(`unsupported property \\p{${name}}`);
    return { kind: negated ? "negset" : "set", js: `\\p{${cat}}` };
  }

  /** `[...]` → a JS atom with Java's meaning. */
  private charClass(): string {
    this.i++; // [
    let negated = false;
    if (this.peek() === "^") {
      negated = true;
      this.i++;
    }
    const pos: string[] = [];
    const neg: string[] = [];
    let first = true;
    for (;;) {
      if (this.eof()) this.fail("unclosed character class");
      const c = this.peek() as string;
      if (c === "]") {
        if (first) this.fail("empty character class");
        this.i++;
        break;
      }
      first = false;
      if (c === "[") this.fail("nested character class");
      if (c === "&" && this.peek(1) === "&") this.fail("character class intersection");
      const a = c === "\\" ? this.classEscape() : { kind: "char" as const, cp: this.nextCp() };
      if (a.kind === "set") {
        pos.push(a.js);
        continue;
      }
      if (a.kind === "negset") {
        neg.push(a.js);
        continue;
      }
      // a single character: a range when '-' follows and the class does not end there
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== undefined) {
        if (this.peek(1) === "[") this.fail("nested character class");
        this.i++; // -
        const b = this.peek() === "\\" ? this.classEscape() : { kind: "char" as const, cp: this.nextCp() };
        if (b.kind !== "char") this.fail("character range ending in a class");
        if (b.cp < a.cp) this.fail("illegal character range");
        pos.push(`${emitChar(a.cp)}-${emitChar(b.cp)}`);
        continue;
      }
      pos.push(emitChar(a.cp));
    }
    if (negated) {
      if (neg.length) this.fail("negated class containing a negated escape");
      return `[^${pos.join("")}]`;
    }
    if (!neg.length) return `[${pos.join("")}]`;
    const alts = [...(pos.length ? [`[${pos.join("")}]`] : []), ...neg.map((n) => `[^${n}]`)];
    return `(?:${alts.join("|")})`;
  }

  private classEscape(): Atom {
    const c = this.peek(1);
    if (c === "Q" || c === "E") this.fail("\\Q…\\E inside a class");
    return this.escape();
  }
}

/** Translate one Java pattern for whole-value matching. Never throws. */
export function translateJavaPattern(pattern: string): Translation {
  try {
    const source = new Parser(pattern).translate();
    const regex = new RegExp(`^(?:${source})$`, "u");
    return { ok: true, source: regex.source, regex };
  } catch (e) {
    const reason =
      e instanceof Untranslatable ? e.message : `no valid JS equivalent: ${(e as Error).message}`;
    return { ok: false, pattern, reason };
  }
}
