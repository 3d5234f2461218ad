import { DpnError, usageError } from "../../core/errors.js";
import type { AuditEvent, StateStore } from "../../engine/ports.js";
import { openState } from "../compose.js";
import type { CliContext } from "../context.js";
import { table } from "../output.js";
import { type StackSelectOptions, selectStack } from "../stack-select.js";

async function withState<R>(
  ctx: CliContext,
  readonly: boolean,
  fn: (s: StateStore) => R | Promise<R>,
): Promise<R> {
  const store = await openState(ctx, { readonly });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** `dpn tx list`: transactions, newest first. */
export async function txList(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as StackSelectOptions & { limit: number; json?: boolean };
  return withState(ctx, true, (store) => {
    const stack = o.blueprint || o.project || o.env ? selectStack(store, o) : undefined;
    const txs = store.listTransactions({ stackId: stack?.id, limit: o.limit });
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
  });
}

/** `dpn tx show <id>`: one transaction with every journaled operation. */
export async function txShow(ctx: CliContext, id: unknown, opts: unknown): Promise<number> {
  const o = opts as { json?: boolean };
  return withState(ctx, true, (store) => {
    const tx = store.getTransaction(String(id));
    if (!tx) {
      const recent = store.listTransactions({ limit: 5 }).map((t) => t.id);
      throw usageError("TX_NOT_FOUND", `no transaction '${String(id)}'`, {
        hint: recent.length ? `recent transactions: ${recent.join(", ")}` : "no transactions recorded yet",
      });
    }
    const journal = store.journal(tx.id);
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
  });
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
  return withState(ctx, true, (store) => {
    const stack = o.blueprint || o.project || o.env ? selectStack(store, o) : undefined;
    const events: AuditEvent[] = store.auditEvents({ since, stackId: stack?.id, limit: o.limit });
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
  });
}

/** `dpn unlock --force <id>`: release a stuck lock whose holder id matches. */
export async function unlockCommand(ctx: CliContext, id: unknown, opts: unknown): Promise<number> {
  const o = opts as StackSelectOptions & { force?: boolean };
  if (!o.force)
    throw usageError("FORCE_REQUIRED", "unlock needs --force", { hint: "dpn unlock --force <lock-id>" });
  return withState(ctx, false, (store) => {
    const stacks = o.blueprint || o.project || o.env ? [selectStack(store, o)!] : store.listStacks();
    for (const stack of stacks) {
      const lock = store.getLock(stack.id);
      if (lock && lock.holderId === String(id)) {
        store.forceUnlock(stack.id);
        store.audit({
          at: new Date().toISOString(),
          actor: `${process.env.USER ?? "unknown"}`,
          stackId: stack.id,
          command: ctx.commandLine,
          event: "lock.force_released",
          outcome: "ok",
          details: { holder: lock },
        });
        ctx.out.success(
          `released lock ${lock.holderId} on ${stack.project}/${stack.environment} (held by ${lock.user}@${lock.host} pid ${lock.pid} since ${lock.since})`,
        );
        return 0;
      }
    }
    throw new DpnError("state", "LOCK_NOT_FOUND", `no stack lock with holder id '${String(id)}'`, {
      hint: "`dpn status` shows the current lock holder of a stack",
    });
  });
}
