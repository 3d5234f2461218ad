/**
 * JUnit XML for CI dashboards: one testsuite per type, one testcase per in-scope object. An
 * object that does not pass (a noncompliant name, or an error-level tag finding) is a
 * `<failure>` listing its error findings; warnings and notes go to the testcase's
 * `<system-out>`. Out-of-scope objects are not listed. Pure.
 */
import type { ObjectResult, ScanReport } from "./types.js";

// XML 1.0 allows tab, newline, carriage return and U+0020 upwards (minus surrogates and
// U+FFFE/U+FFFF); anything else cannot be escaped, so it is dropped.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escape text for XML content and attribute values. */
export function xmlEscape(s: string): string {
  return s
    .replace(NOT_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const attrs = (a: Record<string, string | number>) =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join("");

function testcase(o: ObjectResult): string[] {
  const out = [`    <testcase${attrs({ classname: `dpn.scan.${o.type}`, name: o.full_name, time: 0 })}>`];
  const errors = o.findings.filter((f) => f.level === "error");
  if (!o.passing) {
    const first = errors[0];
    const body = errors.map((f) => `${f.rule_id} ${f.message}${f.hint ? ` (${f.hint})` : ""}`);
    if (o.suggested_name) body.push(`Suggested name: ${o.suggested_name}`);
    out.push(
      `      <failure${attrs({ type: first?.rule_id ?? "DPN", message: first?.message ?? o.status })}>${xmlEscape(body.join("\n"))}</failure>`,
    );
  }
  const rest = o.findings.filter((f) => f.level !== "error");
  if (rest.length)
    out.push(
      `      <system-out>${xmlEscape(rest.map((f) => `${f.level} ${f.rule_id} ${f.message}`).join("\n"))}</system-out>`,
    );
  out.push("    </testcase>");
  return out;
}

/** The JUnit XML document (UTF-8, final newline). Never throws. */
export function renderJunit(report: ScanReport): string {
  const byType = new Map<string, ObjectResult[]>();
  for (const o of report.objects) byType.set(o.type, [...(byType.get(o.type) ?? []), o]);
  const failures = report.objects.filter((o) => !o.passing).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: "dpn scan", tests: report.objects.length, failures, errors: 0, time: 0 })}>`,
  ];
  for (const [type, objects] of [...byType].sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(
      `  <testsuite${attrs({
        name: type,
        tests: objects.length,
        failures: objects.filter((o) => !o.passing).length,
        errors: 0,
        skipped: 0,
        time: 0,
        timestamp: report.generated_at.replace(/\.\d+Z$|Z$/, ""),
      })}>`,
    );
    for (const o of objects) lines.push(...testcase(o));
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>");
  return `${lines.join("\n")}\n`;
}
