import { type MigrateResult, migrateState, stateCheck, stateInfo } from "../../app/state-admin.js";
import { ExitCode, stateError } from "../../core/errors.js";
import type { BackendInfo } from "../../engine/ports.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { lockJson } from "../lock-json.js";
import { table } from "../output.js";

const backendJson = (b: BackendInfo) => ({
  kind: b.kind,
  location: b.location,
  schema_version: b.schemaVersion,
  migrated_to: b.migratedTo ?? null,
});

const backendLine = (b: BackendInfo) =>
  `${b.location} (${b.kind}, schema ${b.schemaVersion})${b.migratedTo ? ` — migrated to ${b.migratedTo}: read only` : ""}`;

/** `dpn state info`: the backend, its stacks, locks and unfinished transactions. Reads only. */
export async function stateInfoCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as { json?: boolean };
  const info = await stateInfo(cliApp(ctx, o));
  if (o.json) {
    ctx.out.resultJson({
      backend: backendJson(info.backend),
      stacks: info.stacks.map((s) => ({
        stack_id: s.stack.id,
        project: s.stack.project,
        environment: s.stack.environment,
        created_at: s.stack.createdAt,
        resources: s.resources,
        lock: s.lock ? lockJson(s.lock) : null,
        unfinished: s.unfinished.map((t) => ({
          id: t.id,
          kind: t.kind,
          status: t.status,
          started_at: t.startedAt,
        })),
        pending_cleanups: s.pendingCleanups,
      })),
    });
    return ExitCode.OK;
  }
  const head = [`backend  ${backendLine(info.backend)}`, `stacks   ${info.stacks.length}`];
  if (info.stacks.length === 0) {
    ctx.out.result(`${head.join("\n")}\n\nno stacks yet`);
    return ExitCode.OK;
  }
  const rows = info.stacks.map((s) => [
    s.stack.id,
    String(s.resources),
    s.lock
      ? `${s.lock.user}@${s.lock.host} pid ${s.lock.pid} since ${s.lock.since}${Date.parse(s.lock.expiresAt) < Date.now() ? " (lease expired)" : ""}`
      : "-",
    s.unfinished.length ? s.unfinished.map((t) => `${t.id} (${t.status})`).join(", ") : "-",
    String(s.pendingCleanups),
  ]);
  ctx.out.result(
    `${head.join("\n")}\n\n${table(["STACK", "RESOURCES", "LOCK", "UNFINISHED", "CLEANUPS"], rows)}`,
  );
  return ExitCode.OK;
}

/**
 * `dpn state check`: the backend's permissions and settings. Exits 0 when every check passes or
 * only warns, 8 (STATE_CHECK_FAILED on stderr) when one fails.
 */
export async function stateCheckCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as { json?: boolean };
  const { backend, checks } = await stateCheck(cliApp(ctx, o));
  const failed = checks.filter((c) => c.status === "error");
  if (o.json) {
    ctx.out.resultJson({
      backend: backendJson(backend),
      ok: failed.length === 0,
      checks: checks.map((c) => ({
        check: c.check,
        status: c.status,
        message: c.message,
        hint: c.hint ?? null,
      })),
    });
  } else {
    ctx.out.result(
      `backend  ${backendLine(backend)}\n\n${table(
        ["CHECK", "STATUS", "MESSAGE", "TO FIX"],
        checks.map((c) => [c.check, c.status, c.message, c.hint ?? ""]),
      )}`,
    );
    for (const c of checks.filter((x) => x.status === "warning")) ctx.out.warn(`${c.check}: ${c.message}`);
    if (failed.length)
      ctx.out.error(
        stateError(
          "STATE_CHECK_FAILED",
          `${failed.length} check(s) failed (${failed.map((c) => c.check).join(", ")}); dpn cannot use this backend until they pass`,
          { hint: "Grant or change what the TO FIX column names, then run `dpn state check` again." },
        ),
        false,
      );
  }
  return failed.length ? ExitCode.STATE : ExitCode.OK;
}

/** `dpn state migrate --to <url>`: copy every stack, verify, retire the source. */
export async function stateMigrateCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as { to: string; dryRun?: boolean; yes?: boolean; json?: boolean };
  const r = await migrateState(cliApp(ctx, o), { to: o.to, ...(o.dryRun ? { dryRun: true } : {}) });
  if (o.json) {
    ctx.out.resultJson(migrateJson(r));
    return ExitCode.OK;
  }
  const rows = r.stacks.map((s) => [
    s.stackId,
    String(s.resources),
    String(s.transactions),
    String(s.journalEntries),
    String(s.auditEvents),
    s.sha256.slice(0, 12),
  ]);
  const body = rows.length
    ? table(["STACK", "RESOURCES", "TRANSACTIONS", "JOURNAL", "AUDIT", "SHA256"], rows)
    : "no stacks to copy";
  ctx.out.result(
    r.dryRun
      ? `would copy from ${r.from} to ${r.to} (dry run: nothing was copied)\n\n${body}`
      : `copied from ${r.from} to ${r.to}, verified by reading the copy back\n\n${body}\n\n${r.from} is now retired: writes there are refused. Use the new state with DPN_STATE=${r.to} (or --state, or 'state:' in .dpn/settings.yaml).`,
  );
  return ExitCode.OK;
}

function migrateJson(r: MigrateResult) {
  return {
    from: r.from,
    to: r.to,
    dry_run: r.dryRun,
    stacks: r.stacks.map((s) => ({
      stack_id: s.stackId,
      resources: s.resources,
      transactions: s.transactions,
      journal_entries: s.journalEntries,
      audit_events: s.auditEvents,
      sha256: s.sha256,
    })),
    unscoped_audit_events: r.unscopedAuditEvents,
  };
}
