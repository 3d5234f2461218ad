import { auditTrail, listTransactions, showTransaction, unlockStack } from "../../app/history.js";
import type { StackSelector } from "../../app/session.js";
import { usageError } from "../../core/errors.js";
import type { AuditEvent } from "../../engine/ports.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { lockJson } from "../lock-json.js";
import { table } from "../output.js";

type StackSelectOptions = StackSelector;

/** `dpn tx list`: transactions, newest first. */
export async function txList(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as StackSelectOptions & { limit: number; json?: boolean };
  {
    const txs = await listTransactions(cliApp(ctx, o), o);
    if (o.json) {
      ctx.out.resultJson({ transactions: txs });
    } else if (txs.length === 0) {
      ctx.out.result("no transactions yet");
    } else {
      ctx.out.result(
        table(
          ["ID", "STACK", "KIND", "STATUS", "ACTOR", "STARTED", "FINISHED"],
          txs.map((t) => [t.id, t.stackId, t.kind, t.status, t.actor, t.startedAt, t.finishedAt ?? "-"]),
        ),
      );
    }
    return 0;
  }
}

/** `dpn tx show <id>`: one transaction with every journaled operation. */
export async function txShow(ctx: CliContext, id: unknown, opts: unknown): Promise<number> {
  const o = opts as { json?: boolean };
  {
    const { transaction: tx, journal } = await showTransaction(cliApp(ctx, o), String(id));
    if (o.json) {
      ctx.out.resultJson({ transaction: tx, operations: journal.map(({ desired: _d, ...rest }) => rest) });
      return 0;
    }
    const head = [
      `transaction ${tx.id}`,
      `  stack     ${tx.stackId}`,
      `  kind      ${tx.kind}`,
      `  status    ${tx.status}`,
      `  actor     ${tx.actor} (pid ${tx.pid} on ${tx.host})`,
      `  command   ${tx.command}`,
      `  target    ${tx.target}`,
      ...(tx.blueprintHash ? [`  blueprint sha256:${tx.blueprintHash}`] : []),
      `  started   ${tx.startedAt}`,
      `  finished  ${tx.finishedAt ?? "-"}`,
      ...(tx.error ? [`  error     ${String(tx.error.code ?? "")} ${String(tx.error.message ?? "")}`] : []),
      "",
    ];
    const rows = journal.map((j) => [
      String(j.seq),
      j.phase,
      j.action,
      j.address,
      j.status,
      j.remoteId ?? "-",
      j.error ? String(j.error.code ?? j.error.message ?? "error") : "",
    ]);
    ctx.out.result(
      head.join("\n") +
        (rows.length
          ? table(["SEQ", "PHASE", "ACTION", "ADDRESS", "STATUS", "REMOTE ID", "ERROR"], rows)
          : "no operations were journaled"),
    );
    return 0;
  }
}

/** Parse `--since`: an ISO date/time or a relative duration (`90s`, `15m`, `2h`, `3d`). */
export function parseSince(value: string, now = Date.now()): string {
  const rel = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (rel) {
    const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[rel[2] as "s" | "m" | "h" | "d"];
    return new Date(now - Number(rel[1]) * unit).toISOString();
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) {
    throw usageError("INVALID_SINCE", `--since '${value}' is neither a date nor a duration`, {
      hint: "use an ISO date such as 2026-11-25 or 2026-11-25T10:00:00Z, or a duration such as 30m, 2h, 7d",
    });
  }
  return new Date(t).toISOString();
}

/** `dpn audit`: who, when, command, blueprint hash, every operation and outcome. */
export async function auditCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as StackSelectOptions & { since?: string; limit: number; json?: boolean };
  const since = o.since ? parseSince(o.since) : undefined;
  {
    const events: AuditEvent[] = await auditTrail(cliApp(ctx, o), { ...o, ...(since ? { since } : {}) });
    if (o.json) {
      ctx.out.resultJson({ events });
    } else if (events.length === 0) {
      ctx.out.result(since ? `no audit events since ${since}` : "no audit events yet");
    } else {
      ctx.out.result(
        table(
          ["WHEN", "ACTOR", "TX", "EVENT", "ADDRESS", "OUTCOME", "COMMAND"],
          events.map((e) => [
            e.at,
            e.actor,
            e.txId ?? "-",
            e.event,
            e.address ?? "",
            e.outcome ?? "",
            e.command.length > 60 ? `${e.command.slice(0, 57)}...` : e.command,
          ]),
        ),
      );
    }
    return 0;
  }
}

/**
 * `dpn unlock --force <id>`: release a stuck lock whose holder id matches. `--dry-run` shows the
 * lock that would be released (no --force needed: it changes nothing).
 */
export async function unlockCommand(ctx: CliContext, id: unknown, opts: unknown): Promise<number> {
  const o = opts as StackSelectOptions & { force?: boolean; dryRun?: boolean; json?: boolean };
  if (!o.force && !o.dryRun)
    throw usageError("FORCE_REQUIRED", "unlock needs --force", {
      hint: `dpn unlock --force ${String(id)} (or --dry-run to see the lock first)`,
    });
  const { stack, lock } = await unlockStack(cliApp(ctx, {}), String(id), {
    ...o,
    ...(o.dryRun ? { dryRun: true } : {}),
  });
  const held = `held by ${lock.user}@${lock.host} pid ${lock.pid} since ${lock.since}`;
  if (o.json) {
    ctx.out.resultJson({
      dry_run: Boolean(o.dryRun),
      stack_id: stack.id,
      released: !o.dryRun,
      lock: lockJson(lock),
    });
  } else if (o.dryRun) {
    ctx.out.result(`would release lock ${lock.holderId} on ${stack.project}/${stack.environment} (${held})`);
    ctx.out.info("dry run: nothing was changed");
  } else {
    ctx.out.success(`released lock ${lock.holderId} on ${stack.project}/${stack.environment} (${held})`);
  }
  return 0;
}
