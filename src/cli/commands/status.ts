import pLimit from "p-limit";
import { findUnfinished } from "../../engine/recover.js";
import type { CliContext } from "../context.js";
import { table } from "../output.js";
import { type DriftField, driftOf, type ManageOptions, openSession, readContext } from "./manage.js";

interface StatusOptions extends ManageOptions {
  /** commander's `--no-drift`: false skips live reads. */
  drift: boolean;
}

/**
 * `dpn status [--no-drift]`: the stack at a glance — resources by type and status, the lock
 * holder, unfinished transactions, the last transaction, and how many resources drifted from the
 * state (live reads, skipped with --no-drift). Changes nothing.
 */
export async function statusCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as StatusOptions;
  const session = await openSession(ctx, o, { readonly: true });
  try {
    const { store, stack } = session;
    const rows = store.listResources(stack.id);
    const byType = new Map<string, { active: number; archived: number }>();
    for (const r of rows) {
      const c = byType.get(r.type) ?? { active: 0, archived: 0 };
      c[r.status]++;
      byType.set(r.type, c);
    }
    const lock = store.getLock(stack.id);
    const unfinished = findUnfinished(store, stack.id);
    const last = store.listTransactions({ stackId: stack.id, limit: 1 })[0];
    let drifted: { address: string; fields: DriftField[] }[] | undefined;
    if (o.drift !== false && rows.length > 0) {
      const registry = await session.registry();
      const rctx = readContext(session);
      const limit = pLimit(8);
      const all = await Promise.all(
        rows.map((r) =>
          limit(async () => ({
            address: r.address,
            fields: driftOf(r, await registry.get(r.type).read(r.remoteId, rctx)),
          })),
        ),
      );
      drifted = all.filter((d) => d.fields.length > 0);
    }
    if (o.json) {
      ctx.out.resultJson({
        stack: {
          id: stack.id,
          project: stack.project,
          environment: stack.environment,
          created_at: stack.createdAt,
        },
        target: o.target,
        resources: {
          total: rows.length,
          active: rows.filter((r) => r.status === "active").length,
          archived: rows.filter((r) => r.status === "archived").length,
          by_type: Object.fromEntries(byType),
        },
        lock: lock ?? null,
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
      });
      return 0;
    }
    const lines = [
      `stack        ${stack.id} (target ${o.target})`,
      `resources    ${rows.length} (${rows.filter((r) => r.status === "active").length} active, ${rows.filter((r) => r.status === "archived").length} archived)`,
      `lock         ${lock ? `held by ${lock.user}@${lock.host} pid ${lock.pid} since ${lock.since} (id ${lock.holderId}, expires ${lock.expiresAt})` : "free"}`,
      `unfinished   ${unfinished.length ? unfinished.map((t) => `${t.id} (${t.kind}, ${t.status})`).join(", ") : "none"}`,
      `last tx      ${last ? `${last.id} ${last.kind} ${last.status} at ${last.finishedAt ?? last.startedAt} by ${last.actor}` : "none"}`,
      `drift        ${drifted ? (drifted.length ? `${drifted.length} resource${drifted.length === 1 ? "" : "s"} drifted: ${drifted.map((d) => `${d.address} (${d.fields.map((f) => f.field).join(", ")})`).join("; ")}` : "none") : "not checked (--no-drift)"}`,
    ];
    const typeRows = [...byType.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([t, c]) => [t, String(c.active), String(c.archived)]);
    ctx.out.result(
      `${lines.join("\n")}${typeRows.length ? `\n\n${table(["TYPE", "ACTIVE", "ARCHIVED"], typeRows)}` : ""}`,
    );
    if (unfinished.length) ctx.out.warn("unfinished transactions need `dpn recover`");
    return 0;
  } finally {
    await session.close();
  }
}
