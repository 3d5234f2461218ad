/**
 * Explain a generated name: the template, each variable with its value and the layer it came
 * from, the transformation/normalisation/truncation steps, the rules checked and any warnings.
 */
import type { NameResult, ValueLayer } from "./types.js";

const LAYER_LABEL: Record<ValueLayer, string> = {
  override: "--override",
  resource: "resource field",
  metadata: "blueprint metadata",
  resource_types: "naming-values resource_types",
  environment: "naming-values environments",
  defaults: "naming-values defaults",
  "built-in": "built-in default",
  derived: "derived",
};

/** Multi-line, human-readable explanation (no colours, no trailing newline). Never throws. */
export function explainName(result: NameResult): string {
  const lines: string[] = [];
  lines.push(`${result.type}: ${result.name}`);
  lines.push(`  template:    ${result.template}`);
  lines.push(`  style:       ${result.style}`);
  if (result.environment) lines.push(`  environment: ${result.environment}`);
  lines.push("  variables:");
  const width = Math.max(0, ...result.variables.map((v) => v.name.length));
  for (const v of result.variables) {
    const changed = v.raw !== v.value ? ` (from "${v.raw}")` : "";
    lines.push(`    ${v.name.padEnd(width)}  = "${v.value}"${changed}  ← ${LAYER_LABEL[v.layer]}`);
  }
  if (result.steps.length) {
    lines.push("  steps:");
    for (const s of result.steps) lines.push(`    - ${s}`);
  }
  lines.push(`  rules checked: ${result.checked.join(", ") || "(none)"}`);
  if (result.warnings.length) {
    lines.push("  warnings:");
    for (const w of result.warnings)
      lines.push(`    ! ${w.code}: ${w.message}${w.hint ? ` (${w.hint})` : ""}`);
  }
  return lines.join("\n");
}

/** The JSON form of an explanation (part of the `--json` output contract). */
export interface ExplainJson {
  type: string;
  name: string;
  template: string;
  style: string;
  environment: string;
  variables: { name: string; value: string; raw: string; layer: ValueLayer }[];
  steps: string[];
  rules_checked: string[];
  warnings: { code: string; message: string; source?: string; hint?: string }[];
}

/** Machine-readable explanation. Never throws. */
export function explainJson(result: NameResult): ExplainJson {
  return {
    type: result.type,
    name: result.name,
    template: result.template,
    style: result.style,
    environment: result.environment,
    variables: result.variables.map((v) => ({ name: v.name, value: v.value, raw: v.raw, layer: v.layer })),
    steps: [...result.steps],
    rules_checked: [...result.checked],
    warnings: result.warnings.map((w) => ({
      code: w.code,
      message: w.message,
      ...(w.source ? { source: w.source } : {}),
      ...(w.hint ? { hint: w.hint } : {}),
    })),
  };
}
