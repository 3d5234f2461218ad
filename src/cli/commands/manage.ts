/**
 * What the CLI's management commands (read, update, delete, restore, list, status, import) share:
 * their options, turning them into a use-case input (src/app/), and reporting a finished
 * transaction.
 */
import type { Target } from "../../app/context.js";
import { profilesOf } from "../../app/context.js";
import { parseType } from "../../app/resource-select.js";
import type { ResourceInput } from "../../app/resources.js";
import type { StackSelector } from "../../app/session.js";
import { DpnError } from "../../core/errors.js";
import type { TxResult } from "../../engine/transaction.js";
import type { CliContext } from "../context.js";
import { txJson } from "../plan-table.js";

/** Options every management command shares. */
export interface ManageOptions {
  target: Target;
  profile?: string;
  awsProfile?: string;
  databricksProfile?: string;
  json?: boolean;
  resourceId?: string;
  type?: string;
  yes?: boolean;
  lockTimeout?: number;
  blueprint?: string;
  project?: string;
  env?: string;
}

/** The stack selector of the options. */
export function selectorOf(
  o: Pick<ManageOptions, "blueprint" | "project" | "env" | "resourceId">,
): StackSelector {
  return {
    ...(o.blueprint ? { blueprint: o.blueprint } : {}),
    ...(o.project ? { project: o.project } : {}),
    ...(o.env ? { env: o.env } : {}),
    ...(o.resourceId ? { resourceId: o.resourceId } : {}),
  };
}

/** The use-case input of a single-resource command. */
export function resourceInput(o: ManageOptions): ResourceInput {
  const type = parseType(o.type);
  return {
    ...selectorOf(o),
    target: o.target,
    ...profilesOf(o),
    resourceId: o.resourceId ?? "",
    ...(type ? { type } : {}),
    lockTimeoutMs: (o.lockTimeout ?? 0) * 1000,
  };
}

/**
 * Print a finished transaction (the JSON document, or `summary` on success) and return the exit
 * code; a failed transaction's error is rendered (and thrown without --json).
 */
export function reportResult(
  ctx: CliContext,
  o: ManageOptions,
  result: TxResult,
  summary: string,
  extra: Record<string, unknown> = {},
): number {
  if (o.json) ctx.out.resultJson({ ...extra, ...txJson(result, o.target) });
  if (result.outcome === "committed") {
    if (!o.json) ctx.out.result(summary);
    return 0;
  }
  const error =
    result.error ??
    new DpnError("internal", "TX_FAILED", `transaction ${result.txId} ended ${result.outcome}`);
  if (!o.json) throw error;
  ctx.out.error(error, ctx.debug);
  return error.exitCode;
}
