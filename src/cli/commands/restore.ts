import { restoreResource } from "../../app/resources.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { progressFor } from "./create.js";
import { type ManageOptions, reportResult, resourceInput } from "./manage.js";

/**
 * `dpn restore --resource-id X`: undo an archive exactly (docs/archive-restore.md) and mark the
 * state row active again. Restoring something that is not archived changes nothing (exit 0).
 */
export async function restoreCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as ManageOptions & { dryRun?: boolean };
  const progress = progressFor(ctx);
  try {
    const r = await restoreResource(cliApp(ctx, o, progress.reporter), {
      ...resourceInput(o),
      ...(o.dryRun ? { dryRun: true } : {}),
    });
    if (r.kind === "not-archived") {
      if (o.json)
        ctx.out.resultJson({
          ...(o.dryRun ? { dry_run: true } : {}),
          address: r.row.address,
          outcome: "no_changes",
        });
      else ctx.out.result(`Nothing to restore: ${r.row.address} is not archived.`);
      return 0;
    }
    if (r.kind === "would-restore") {
      if (o.json) ctx.out.resultJson({ dry_run: true, address: r.row.address, action: "restore" });
      else {
        ctx.out.result(`would restore ${r.row.address} (${r.row.fullName}), undoing its archive`);
        ctx.out.info("dry run: nothing was changed");
      }
      return 0;
    }
    return reportResult(ctx, o, r.tx, `Restored ${r.row.address} in transaction ${r.tx.txId}.`, {
      address: r.row.address,
      action: "restore",
    });
  } finally {
    progress.done();
  }
}
