/**
 * Everything the CLI writes goes through here: stdout carries only the result (a table or one
 * JSON document), stderr carries progress, warnings and errors. Colours follow NO_COLOR,
 * `--no-color` and whether stderr/stdout is a TTY.
 */

import pc from "picocolors";
import { columnWidths } from "../core/columns.js";
import { DpnError, type Problem } from "../core/errors.js";

export interface OutputOptions {
  color: boolean;
  quiet: boolean;
  verbose: boolean;
  json: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

export type Colors = ReturnType<typeof pc.createColors>;

export class Output {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly c: Colors;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly json: boolean;

  constructor(opts: OutputOptions) {
    this.stdout = opts.stdout ?? process.stdout;
    this.stderr = opts.stderr ?? process.stderr;
    this.c = pc.createColors(opts.color);
    this.quiet = opts.quiet;
    this.verbose = opts.verbose;
    this.json = opts.json;
  }

  /** The command's result (stdout). */
  result(text: string): void {
    this.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  /** The command's result as exactly one JSON document (stdout). */
  resultJson(doc: unknown): void {
    this.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  }

  /** Informational line on stderr (suppressed by --quiet). */
  info(text: string): void {
    if (!this.quiet) this.stderr.write(`${text}\n`);
  }

  /** Detail only shown with --verbose. */
  debug(text: string): void {
    if (this.verbose) this.stderr.write(`${this.c.dim(text)}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`${this.c.yellow("warning:")} ${text}\n`);
  }

  success(text: string): void {
    if (!this.quiet) this.stderr.write(`${this.c.green("✔")} ${text}\n`);
  }

  /** Render an error once, with its code, hint and located problems. */
  error(err: unknown, debug: boolean): void {
    const c = this.c;
    if (err instanceof DpnError) {
      // With problems, the message's own multi-line list is replaced by the located problem lines.
      const summary = err.problems.length
        ? (err.message.split("\n")[0] ?? "").replace(/:$/, "")
        : err.message;
      const lines = [`${c.red(c.bold("error"))} ${c.dim(`[${err.code}]`)} ${summary}`];
      for (const p of err.problems) lines.push(formatProblem(p, c));
      const repeatsProblemHint = err.problems.length === 1 && err.problems[0]?.hint === err.hint;
      if (err.hint && !repeatsProblemHint) lines.push(`${c.cyan("hint:")} ${err.hint}`);
      if (this.verbose && Object.keys(err.details).length) {
        lines.push(c.dim(`details: ${JSON.stringify(err.details)}`));
      }
      if (debug && err.stack) lines.push(c.dim(err.stack));
      this.stderr.write(`${lines.join("\n")}\n`);
      return;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    this.stderr.write(
      `${c.red(c.bold("error"))} ${c.dim("[INTERNAL]")} ${e.message}\n` +
        `${c.cyan("hint:")} this is a bug in dpn; re-run with DPN_DEBUG=1 for a stack trace and report it\n` +
        (debug && e.stack ? `${c.dim(e.stack)}\n` : ""),
    );
  }
}

/** `file:line:col path  CODE message (hint)` — one line per problem. */
export function formatProblem(p: Problem, c: Colors): string {
  const where = [p.file, p.line !== undefined ? `${p.line}:${p.column ?? 1}` : undefined]
    .filter(Boolean)
    .join(":");
  const sev = p.severity === "warning" ? c.yellow("warning") : c.red("error");
  const loc = [where, p.path].filter(Boolean).join(" ");
  const hint = p.hint ? `\n      ${c.cyan("hint:")} ${p.hint}` : "";
  return `  ${sev} ${loc ? `${c.bold(loc)} ` : ""}${c.dim(p.code)} ${p.message}${hint}`;
}

/** Plain aligned table (no colours, so it stays greppable and stable). */
export function table(headers: string[], rows: string[][]): string {
  const widths = columnWidths(headers, rows);
  const fmt = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join("\n");
}
