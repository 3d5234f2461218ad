import { updateResource } from "../../app/resources.js";
import { loadUpdateParams } from "../../blueprint/update-params.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { diffTable } from "../diff-table.js";
import { progressFor } from "./create.js";
import { type ManageOptions, reportResult, resourceInput } from "./manage.js";

export { diffTable } from "../diff-table.js";

interface UpdateOptions extends ManageOptions {
  params: string;
  dryRun?: boolean;
}

/**
 * `dpn update --resource-id X --params updates.json`: validate the file against the type's update
 * schema, then the update use case (src/app/resources.ts): merge, diff, confirm, apply as one
 * transaction that restores the previous settings if the step fails. `--dry-run` only shows the diff.
 */
export async function updateCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as UpdateOptions;
  const progress = progressFor(ctx);
  try {
    // the file is checked against the resource's type before any remote call: a typo costs nothing
    const r = await updateResource(cliApp(ctx, o, progress.reporter), {
      ...resourceInput(o),
      params: (type) => loadUpdateParams(o.params, type),
      ...(o.dryRun ? { dryRun: true } : {}),
    });
    const doc = (dryRun: boolean) => ({
      dry_run: dryRun,
      address: r.row.address,
      type: r.row.type,
      changes: r.changes,
    });
    if (r.kind === "dry-run") {
      if (o.json) ctx.out.resultJson(doc(true));
      else {
        ctx.out.result(
          r.changes.length
            ? diffTable(r.changes)
            : `No changes: ${r.row.address} already has these settings.`,
        );
        ctx.out.info("dry run: nothing was changed");
      }
      return 0;
    }
    if (r.kind === "no-changes") {
      if (o.json) ctx.out.resultJson({ ...doc(false), outcome: "no_changes" });
      else ctx.out.result(`No changes: ${r.row.address} already has these settings.`);
      return 0;
    }
    return reportResult(
      ctx,
      o,
      r.tx,
      `Updated ${r.row.address} (${r.changes.map((c) => c.field).join(", ")}) in transaction ${r.tx.txId}.`,
      { address: r.row.address, changes: r.changes },
    );
  } finally {
    progress.done();
  }
}
