import { profilesOf } from "../../app/context.js";
import { hasStackChoice } from "../../app/session.js";
import { everyStackStatus, type StatusResult, stackStatus } from "../../app/status.js";
import { ExitCode } from "../../core/errors.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { lockJson } from "../lock-json.js";
import { table } from "../output.js";
import { type ManageOptions, selectorOf } from "./manage.js";

interface StatusOptions extends ManageOptions {
  /** commander's `--no-drift`: false skips live reads. */
  drift: boolean;
  /** `--detailed-exitcode`: exit 10 when the stack has drift or unfinished work. */
  detailedExitcode?: boolean;
}

/**
 * The exit code of `dpn status`: 0, or with `--detailed-exitcode` CHANGES_PENDING (10) when a
 * resource drifted, a transaction is unfinished or a --prune=delete cleanup is pending (drift only
 * counts when it was checked).
 */
export function statusExitCode(
  r: Pick<StatusResult, "unfinished" | "drifted"> & Partial<Pick<StatusResult, "cleanups">>,
  detailed: boolean,
): number {
  const pending = r.unfinished.length > 0 || (r.drifted?.length ?? 0) > 0 || (r.cleanups?.length ?? 0) > 0;
  return detailed && pending ? ExitCode.CHANGES_PENDING : ExitCode.OK;
}

/**
 * `dpn status [--no-drift]`: a stack at a glance — resources by type and status, the lock
 * holder, unfinished transactions, the last transaction, and how many resources drifted from the
 * state (live reads, skipped with --no-drift). Changes nothing. With a stack choice that stack;
 * without one, every stack of the state. Exits 0, or 10 with `--detailed-exitcode` when any
 * shown stack has drift or unfinished work (see statusExitCode).
 */
export async function statusCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as StatusOptions;
  const { resourceId: _r, ...sel } = selectorOf(o);
  const input = {
    target: o.target,
    ...profilesOf(o),
    drift: o.drift !== false,
  };
  const app = cliApp(ctx, o);
  const results = hasStackChoice(sel)
    ? [await stackStatus(app, { ...sel, ...input })]
    : await everyStackStatus(app, input);
  const code = Math.max(...results.map((r) => statusExitCode(r, Boolean(o.detailedExitcode))));
  const [only] = results;
  if (o.json) {
    // one stack: its document (as with a stack choice); several: one document per stack
    ctx.out.resultJson(
      results.length === 1 && only
        ? statusJson(only, o.target)
        : { stacks: results.map((r) => statusJson(r, o.target)) },
    );
    return code;
  }
  ctx.out.result(results.map((r) => statusText(r, o.target)).join("\n\n"));
  if (results.some((r) => r.unfinished.length)) ctx.out.warn("unfinished transactions need `dpn recover`");
  return code;
}

function statusJson(
  { stack, rows, byType, lock, unfinished, last, drifted, destroyed, cleanups }: StatusResult,
  target: string,
): Record<string, unknown> {
  return {
    stack: {
      id: stack.id,
      project: stack.project,
      environment: stack.environment,
      created_at: stack.createdAt,
      destroyed,
    },
    target,
    resources: {
      total: rows.length,
      active: rows.filter((r) => r.status === "active").length,
      archived: rows.filter((r) => r.status === "archived").length,
      by_type: Object.fromEntries(byType),
    },
    lock: lock ? lockJson(lock) : null,
    pending_cleanups: cleanups.map((c) => ({
      address: c.address,
      tx_id: c.txId,
      at: c.at,
      ...(c.error ? { error: c.error } : {}),
    })),
    unfinished_transactions: unfinished.map((t) => ({
      id: t.id,
      kind: t.kind,
      status: t.status,
      started_at: t.startedAt,
      actor: t.actor,
    })),
    last_transaction: last
      ? {
          id: last.id,
          kind: last.kind,
          status: last.status,
          started_at: last.startedAt,
          finished_at: last.finishedAt ?? null,
          actor: last.actor,
        }
      : null,
    drift: drifted
      ? {
          checked: true,
          count: drifted.length,
          resources: drifted.map((d) => ({ address: d.address, fields: d.fields })),
        }
      : { checked: false },
  };
}

function statusText(
  { stack, rows, byType, lock, unfinished, last, drifted, destroyed, cleanups }: StatusResult,
  target: string,
): string {
  const lines = [
    `stack        ${stack.id} (target ${target})${destroyed ? ", destroyed" : ""}`,
    `resources    ${rows.length} (${rows.filter((r) => r.status === "active").length} active, ${rows.filter((r) => r.status === "archived").length} archived)`,
    `lock         ${lock ? `held by ${lock.user}@${lock.host} pid ${lock.pid} since ${lock.since} (id ${lock.holderId}, expires ${lock.expiresAt})` : "free"}`,
    `unfinished   ${unfinished.length ? unfinished.map((t) => `${t.id} (${t.kind}, ${t.status})`).join(", ") : "none"}`,
    `cleanup      ${cleanups.length ? `${cleanups.length} pending (--prune=delete): ${cleanups.map((c) => `${c.address}${c.error ? ` (${String(c.error.code)})` : ""}`).join(", ")}` : "none"}`,
    `last tx      ${last ? `${last.id} ${last.kind} ${last.status} at ${last.finishedAt ?? last.startedAt} by ${last.actor}` : "none"}`,
    `drift        ${drifted ? (drifted.length ? `${drifted.length} resource${drifted.length === 1 ? "" : "s"} drifted: ${drifted.map((d) => `${d.address} (${d.fields.map((f) => f.field).join(", ")})`).join("; ")}` : "none") : "not checked (--no-drift)"}`,
  ];
  const typeRows = [...byType.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([t, c]) => [t, String(c.active), String(c.archived)]);
  return `${lines.join("\n")}${typeRows.length ? `\n\n${table(["TYPE", "ACTIVE", "ARCHIVED"], typeRows)}` : ""}`;
}
