/**
 * SARIF 2.1.0 output: one run, the scan's rule catalogue as the driver's rules, one result per
 * finding. Cloud objects have no file, so each result names its object as a logical location
 * (`type:full_name`, kind `resource`); `partialFingerprints` keeps a result's identity stable
 * across scans. Pure.
 */
import { createHash } from "node:crypto";
import type { FindingLevel } from "./rules.js";
import type { ScanReport } from "./types.js";

export interface SarifOptions {
  /** dpn's version, for `tool.driver.version` (omitted when not given). */
  toolVersion?: string;
}

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

const SARIF_LEVEL: Record<FindingLevel, "error" | "warning" | "note"> = {
  error: "error",
  warning: "warning",
  note: "note",
};

/** The SARIF log as an object (see renderSarif for the text). Never throws. */
export function sarifLog(report: ScanReport, options: SarifOptions = {}): Record<string, unknown> {
  const ruleIndex = new Map(report.rules.map((r, i) => [r.id, i]));
  const results: Record<string, unknown>[] = [];
  for (const o of report.objects) {
    for (const f of o.findings) {
      const text = `${o.type} ${o.full_name}: ${f.message}${o.suggested_name && f.level === "error" ? ` Suggested name: "${o.suggested_name}".` : ""}`;
      const fingerprint = createHash("sha256")
        .update(`${o.id}\u0000${f.rule_id}\u0000${f.code}\u0000${f.tag ?? f.variable ?? ""}`)
        .digest("hex")
        .slice(0, 32);
      results.push({
        ruleId: f.rule_id,
        ruleIndex: ruleIndex.get(f.rule_id),
        level: SARIF_LEVEL[f.level],
        message: { text },
        locations: [
          {
            logicalLocations: [{ name: o.name, fullyQualifiedName: o.id, kind: "resource" }],
          },
        ],
        partialFingerprints: { "dpnFinding/v1": fingerprint },
        properties: {
          code: f.code,
          object_type: o.type,
          full_name: o.full_name,
          status: o.status,
          ...(o.suggested_name ? { suggested_name: o.suggested_name } : {}),
          ...(f.hint ? { hint: f.hint } : {}),
        },
      });
    }
  }
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "dpn",
            ...(options.toolVersion ? { version: options.toolVersion } : {}),
            rules: report.rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.short },
              fullDescription: { text: r.help },
              help: { text: r.help },
              defaultConfiguration: { level: SARIF_LEVEL[r.level] },
            })),
          },
        },
        invocations: [{ executionSuccessful: true, endTimeUtc: report.generated_at }],
        results,
        properties: { summary: report.summary, filters: report.filters },
      },
    ],
  };
}

/** The SARIF 2.1.0 log as JSON text (final newline). Never throws. */
export function renderSarif(report: ScanReport, options: SarifOptions = {}): string {
  return `${JSON.stringify(sarifLog(report, options), null, 2)}\n`;
}
