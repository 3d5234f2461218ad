import type { CliContext } from "../context.js";
import {
  type ManageOptions,
  openSession,
  readContext,
  reportResult,
  resolveRow,
  runOperation,
  underLock,
} from "./manage.js";

/**
 * `dpn restore --resource-id X`: undo an archive exactly (docs/archive-restore.md) and mark the
 * state row active again. Restoring something that is not archived changes nothing (exit 0).
 */
export async function restoreCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as ManageOptions;
  const session = await openSession(ctx, o, { readonly: false });
  try {
    const row = await resolveRow(session, o);
    const registry = await session.registry();
    await registry.preflight([row.type]);
    return await underLock(session, o, async () => {
      const live = await registry.get(row.type).read(row.remoteId, readContext(session));
      if (row.status !== "archived" && live && !live.archived) {
        if (o.json) ctx.out.resultJson({ address: row.address, outcome: "no_changes" });
        else ctx.out.result(`Nothing to restore: ${row.address} is not archived.`);
        return 0;
      }
      const result = await runOperation(ctx, session, o, { action: "restore", record: row });
      return reportResult(ctx, o, result, `Restored ${row.address} in transaction ${result.txId}.`, {
        address: row.address,
        action: "restore",
      });
    });
  } finally {
    await session.close();
  }
}
