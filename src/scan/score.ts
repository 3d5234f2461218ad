/**
 * Compliance scores and the `--fail-under` decision. A score is the percentage of in-scope
 * objects that pass (no error-level finding), with one decimal; an empty set scores 100 (nothing
 * fails). Pure.
 */
import { ExitCode, usageError } from "../core/errors.js";
import type { ObjectResult, ScanReport, ScoreRow } from "./types.js";

const pct = (passing: number, total: number) =>
  total === 0 ? 100 : Math.floor((passing / total) * 1000) / 10;

/** Score of `results` where `pass` says which count. */
export function summaryScore(results: readonly ObjectResult[], pass: (r: ObjectResult) => boolean): number {
  return pct(results.filter(pass).length, results.length);
}

/** One row per group (sorted by key), each with its total, passing count and score. */
export function scoreRows(results: readonly ObjectResult[], group: (r: ObjectResult) => string): ScoreRow[] {
  const by = new Map<string, { total: number; passing: number }>();
  for (const r of results) {
    const key = group(r);
    const row = by.get(key) ?? { total: 0, passing: 0 };
    row.total++;
    if (r.passing) row.passing++;
    by.set(key, row);
  }
  return [...by]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, { total, passing }]) => ({ key, total, passing, score: pct(passing, total) }));
}

/**
 * Parse a `--fail-under` value: a percentage from 0 to 100 (`80`, `92.5`, `80%`).
 *
 * @throws DpnError usage `FAIL_UNDER_INVALID` naming the value.
 */
export function parseFailUnder(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const n = m ? Number(m[1]) : Number.NaN;
  if (!Number.isFinite(n) || n < 0 || n > 100) {
    throw usageError("FAIL_UNDER_INVALID", `--fail-under "${text}" is not a percentage from 0 to 100.`, {
      hint: "For example --fail-under 90 (fail when fewer than 90% of the objects pass).",
      details: { value: text },
    });
  }
  return n;
}

export interface ThresholdDecision {
  /** True when the score reaches the threshold (score >= threshold). */
  pass: boolean;
  score: number;
  threshold: number;
  /** 0 when it passes; the validation exit code (3) when it does not. */
  exitCode: number;
  message: string;
}

/** The CI decision for a report and a threshold in percent. */
export function failUnder(report: Pick<ScanReport, "summary">, threshold: number): ThresholdDecision {
  const score = report.summary.score;
  const pass = score >= threshold;
  return {
    pass,
    score,
    threshold,
    exitCode: pass ? ExitCode.OK : ExitCode.VALIDATION,
    message: pass
      ? `Compliance ${score}% meets --fail-under ${threshold}%.`
      : `Compliance ${score}% is below --fail-under ${threshold}%: ${report.summary.in_scope - report.summary.passing} of ${report.summary.in_scope} objects fail.`,
  };
}
