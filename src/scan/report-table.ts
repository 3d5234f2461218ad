/**
 * The default `dpn scan` output: a summary, the scores, and one line per object that does not
 * pass (or every object with `all`), each with its first reason and the suggested name. Plain
 * text, no colours (the CLI adds them). Pure.
 */
import { columnWidths } from "../core/columns.js";
import type { ObjectResult, ScanReport, ScoreRow } from "./types.js";

export interface TableOptions {
  /** List every in-scope object, not only those that do not pass. */
  all?: boolean;
  /** Widest a column may get before it is cut with "…" (default 60). */
  maxColumn?: number;
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function table(header: string[], rows: string[][], max: number): string[] {
  const cells = [header, ...rows].map((r) => r.map((c) => cut(c, max)));
  const widths = columnWidths(
    header.map((h) => cut(h, max)),
    cells,
  );
  return cells.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

const scoreLine = (label: string, rows: ScoreRow[]) =>
  `${label}: ${rows.map((r) => `${r.key} ${r.score}% (${r.passing}/${r.total})`).join(", ") || "-"}`;

function reason(o: ObjectResult): string {
  const first = o.findings.find((f) => f.level === "error") ?? o.findings[0];
  if (!first) return "";
  const more = o.findings.filter((f) => f.level === "error").length - 1;
  return `${first.rule_id} ${first.message}${more > 0 ? ` (+${more} more)` : ""}`;
}

/** Render the report as text (ends with a newline). Never throws. */
export function renderTable(report: ScanReport, options: TableOptions = {}): string {
  const s = report.summary;
  const max = options.maxColumn ?? 60;
  const lines: string[] = [];
  const filters = Object.entries(report.filters)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  lines.push(
    `Scanned ${s.objects} object${s.objects === 1 ? "" : "s"}${filters ? ` (${filters})` : ""}: ${s.in_scope} in scope, ${s.out_of_scope} out of scope.`,
  );
  lines.push(
    `Compliance ${s.score}% (${s.passing}/${s.in_scope} pass) · names ${s.names_score}% · ${s.managed} managed, ${s.compliant} compliant, ${s.noncompliant} noncompliant · ${s.findings.error} errors, ${s.findings.warning} warnings, ${s.findings.note} notes`,
  );
  lines.push(scoreLine("By type", report.scores.by_type));
  lines.push(scoreLine("By environment", report.scores.by_environment));
  lines.push(scoreLine("By team", report.scores.by_team));
  const shown = report.objects.filter((o) => options.all || !o.passing);
  if (shown.length) {
    lines.push("");
    lines.push(
      ...table(
        ["STATUS", "TYPE", "NAME", "SUGGESTED NAME", "REASON"],
        shown.map((o) => [
          o.passing ? o.status : o.status === "noncompliant" ? "noncompliant" : `${o.status}*`,
          o.type,
          o.full_name,
          o.suggested_name ?? "-",
          reason(o),
        ]),
        max,
      ),
    );
    if (shown.some((o) => !o.passing && o.status !== "noncompliant"))
      lines.push("* the name is fine; a tag finding fails the object");
  } else if (s.in_scope) {
    lines.push("", "Every object passes.");
  }
  return `${lines.join("\n")}\n`;
}
