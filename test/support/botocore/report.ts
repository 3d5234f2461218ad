/**
 * The oracle's end-of-run report: distinct violations (operation, member path, rule) with a
 * count and one example, read from the proxy or from its JSON-lines log.
 */
import { existsSync, readFileSync } from "node:fs";
import type { LoggedViolation, OracleMode } from "./oracle-proxy.js";

/** Every entry of a violation log; a missing file reads as empty. */
export function readViolationLog(file: string): LoggedViolation[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LoggedViolation);
}

/** Violations of one cause: same service, operation, path (indices and map keys folded) and rule. */
export interface DistinctViolation {
  key: string;
  count: number;
  example: LoggedViolation;
}

/** Group violations by cause, in order of first occurrence. */
export function distinctViolations(vs: LoggedViolation[]): DistinctViolation[] {
  const by = new Map<string, DistinctViolation>();
  for (const v of vs) {
    // list indices and map keys vary between requests of one cause: group without them
    const path = v.path.replace(/\[\d+\]/g, "[]").replace(/\["(?:[^"\\]|\\.)*"\]/g, "[…]");
    const rule = v.rule.replace(/\((?:length|has) \d+\)/, "").trim();
    const key = `${v.service} ${v.operation} ${path} ${rule}`;
    const d = by.get(key);
    if (d) d.count++;
    else by.set(key, { key, count: 1, example: v });
  }
  return [...by.values()];
}

/** The multi-line report printed before the summary line and thrown by the teardown. */
export function formatViolationReport(vs: LoggedViolation[], logFile: string, mode: OracleMode): string {
  const lines = distinctViolations(vs).map(
    (d) =>
      `  ${d.count}× ${d.example.message}\n      e.g. ${d.example.request.method} ${d.example.request.url}` +
      `${d.example.request.target ? ` (${d.example.request.target})` : ""}`,
  );
  return (
    `botocore oracle: ${vs.length} request violation(s) of botocore's service models ` +
    `(${mode} mode; log: ${logFile}):\n${lines.join("\n")}`
  );
}
