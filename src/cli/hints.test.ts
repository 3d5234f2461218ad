/**
 * Issue 15 item 5: every `dpn …` step a message or hint names is a real command with real
 * options. Every string and template literal of src/ is read with the TypeScript parser
 * (comments are not strings, so they are not checked); each `dpn <command> [--option …]` in it
 * is walked down buildProgram()'s tree. A backquoted `dpn x` must be a command; in prose, "dpn"
 * followed by a word that is no command ("dpn never sends …") is a sentence, not a step.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Command, Option } from "commander";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { buildProgram } from "./program.js";

const SRC = join(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [p] : [];
  });
}

/** Stands for a template substitution: a word holding it cannot be checked. */
const HOLE = "\u27e8\u27e9";

/** The text of every string literal of a file; a template's substitutions read as HOLE. */
function literals(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) out.push(n.text);
    else if (ts.isTemplateExpression(n))
      out.push(n.head.text + n.templateSpans.map((s) => `${HOLE}${s.literal.text}`).join(""));
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const program = buildProgram();

function longsUpTo(cmd: Command): Set<string> {
  const out = new Set<string>(["--help", "--version"]);
  for (let c: Command | null = cmd; c; c = c.parent)
    for (const o of c.options as readonly Option[]) {
      if (o.long) out.add(o.long);
      if (o.short?.startsWith("--")) out.add(o.short);
      if (o.long?.startsWith("--no-")) out.add(`--${o.long.slice(5)}`);
    }
  return out;
}

interface Step {
  file: string;
  text: string;
  quoted: boolean;
}

/** Every `dpn …` step of a literal: up to a backquote, a quote, `;`, `)` or the end of a sentence. */
function steps(file: string, text: string): Step[] {
  const out: Step[] = [];
  for (const m of text.matchAll(/(`?)\bdpn ([^`'";)\n]*)/g)) {
    const quoted = m[1] === "`" || /`$/.test(text.slice(0, m.index));
    const rest = (m[2] ?? "").replace(/[.,:]\s.*$|[.,:]$/, "");
    out.push({ file, text: `dpn ${rest}`.trim(), quoted });
  }
  return out;
}

/** What is wrong with one step, or undefined when it names a real command and real options. */
function problemOf(step: Step): string | undefined {
  const words = step.text.split(/\s+/).slice(1);
  let cmd = program;
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i] as string;
    // a computed or placeholder word (`dpn plan ${command}`, `dpn <command>`): not checkable
    if (w.includes(HOLE) || w.startsWith("<")) return undefined;
    const sub = cmd.commands.find((c) => c.name() === w);
    if (!sub) break;
    cmd = sub;
  }
  if (cmd === program) {
    const first = words[0] ?? "";
    // a flag of dpn itself (`dpn --version`), or prose ("dpn never …") when not quoted
    if (first.startsWith("--"))
      return longsUpTo(program).has(first.split("=")[0] ?? "") ? undefined : `unknown option ${first}`;
    return step.quoted ? `no command '${first}'` : undefined;
  }
  if (cmd.commands.length > 0 && i < words.length && !words[i]?.startsWith("-"))
    return `no subcommand '${words[i]}' of ${cmd.name()}`;
  const known = longsUpTo(cmd);
  for (const w of words.slice(i)) {
    if (!w.startsWith("--")) continue;
    const flag = w.split("=")[0] as string;
    if (!known.has(flag)) return `${cmd.name()} has no option ${flag}`;
  }
  return undefined;
}

const all = sourceFiles(SRC).flatMap((f) => literals(f).flatMap((t) => steps(relative(SRC, f), t)));

describe("the steps messages and hints name", () => {
  it("were found (the scan reads the sources)", () => {
    expect(all.length).toBeGreaterThan(40);
    expect(all.some((s) => s.text.startsWith("dpn restore --resource-id"))).toBe(true);
  });

  it("are real commands with real options", () => {
    // `dpn scan` and its options come with issue 14; its messages are written ahead of the command
    const pending = (s: Step) => s.file.startsWith("scan/") || s.text.startsWith("dpn scan");
    const wrong = all
      .filter((s) => !pending(s))
      .map((s) => ({ ...s, problem: problemOf(s) }))
      .filter((s) => s.problem !== undefined)
      .map((s) => `${s.file}: "${s.text}": ${s.problem}`);
    expect(wrong).toEqual([]);
  });

  it("would catch a step that names nothing real", () => {
    expect(problemOf({ file: "x", text: "dpn doctor", quoted: true })).toMatch(/no command/);
    expect(problemOf({ file: "x", text: "dpn create --blueprnt f.json", quoted: false })).toMatch(
      /no option/,
    );
    expect(problemOf({ file: "x", text: "dpn tx history", quoted: true })).toMatch(/no subcommand/);
    expect(problemOf({ file: "x", text: "dpn never sends secrets", quoted: false })).toBeUndefined();
  });
});
