/**
 * `dpn scan --json`: the ScanReport itself, as one JSON document (kind `dpn.scan.report`,
 * version 1; docs/scan.md describes every field). Fields are only ever added within a version.
 */
import type { ScanReport } from "./types.js";

/** The JSON document (2-space indent, final newline). Never throws. */
export function renderJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
