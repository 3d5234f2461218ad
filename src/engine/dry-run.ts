/**
 * Dry run: a plan and its serialisable summary. Planning only reads (state and remote), so a dry
 * run changes nothing; the CLI renders the summary as a table or as the `--json` document.
 */

import { type ChangeKind, type Plan, type PlanInput, planChanges } from "./plan.js";
import type { FieldChange } from "./ports.js";

export interface PlanSummary {
  stackId: string;
  counts: Record<ChangeKind, number>;
  changes: {
    kind: ChangeKind;
    address: string;
    type: string;
    name: string;
    fullName: string;
    changes: FieldChange[];
    reason?: string;
  }[];
}

/** Plan without applying. Fails exactly as `planChanges` does (RESOURCE_CONFLICT, provider read errors). */
export async function dryRun(input: PlanInput): Promise<{ plan: Plan; summary: PlanSummary }> {
  const plan = await planChanges(input);
  return { plan, summary: summarizePlan(plan) };
}

/** The JSON-friendly view of a plan (no live snapshots, no state rows). */
export function summarizePlan(plan: Plan): PlanSummary {
  return {
    stackId: plan.stackId,
    counts: { ...plan.counts },
    changes: plan.changes.map((c) => ({
      kind: c.kind,
      address: c.address,
      type: c.type,
      name: c.name,
      fullName: c.fullName,
      changes: c.changes,
      ...(c.reason ? { reason: c.reason } : {}),
    })),
  };
}
