import { deleteResource, previewDelete } from "../../app/resources.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { progressFor } from "./create.js";
import { type ManageOptions, reportResult, resourceInput } from "./manage.js";

interface DeleteOptions extends ManageOptions {
  archive?: boolean;
  force?: boolean;
  dryRun?: boolean;
}

/**
 * `dpn delete --resource-id X [--archive] [--force]`. With `--archive` it is the type's soft
 * delete (docs/archive-restore.md) and the state row is marked archived. Otherwise a hard delete:
 * refused when other resources of the stack depend on it (DELETE_HAS_DEPENDENTS, exit 3) or when
 * it holds data or children (DELETE_NOT_EMPTY, exit 5) unless `--force`, which on a terminal asks
 * to type the name. The state row is removed.
 */
export async function deleteCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as DeleteOptions;
  if (o.dryRun) return deleteDryRun(ctx, o);
  const progress = progressFor(ctx);
  try {
    const { row, tx } = await deleteResource(cliApp(ctx, o, progress.reporter), {
      ...resourceInput(o),
      ...(o.archive ? { archive: true } : {}),
      ...(o.force ? { force: true } : {}),
    });
    return o.archive
      ? reportResult(
          ctx,
          o,
          tx,
          `Archived ${row.address} in transaction ${tx.txId}; \`dpn restore --resource-id ${row.address}\` undoes it.`,
          { address: row.address, action: "archive" },
        )
      : reportResult(ctx, o, tx, `Deleted ${row.address} in transaction ${tx.txId}.`, {
          address: row.address,
          action: "delete",
        });
  } finally {
    progress.done();
  }
}

/** `dpn delete --dry-run`: every check a delete makes first, then what it would do; nothing changes. */
async function deleteDryRun(ctx: CliContext, o: DeleteOptions): Promise<number> {
  const p = await previewDelete(cliApp(ctx, o), {
    ...resourceInput(o),
    ...(o.archive ? { archive: true } : {}),
    ...(o.force ? { force: true } : {}),
  });
  const { row } = p;
  if (o.json) {
    ctx.out.resultJson({
      dry_run: true,
      address: row.address,
      type: row.type,
      action: p.action,
      force: p.force,
      exists: p.live !== null,
      archived: p.live?.archived === true || row.status === "archived",
    });
    return 0;
  }
  const what =
    p.action === "archive"
      ? `would archive ${row.address} (${row.fullName}); \`dpn restore --resource-id ${row.address}\` undoes it`
      : `would delete ${row.address} (${row.fullName})${p.force ? " and everything it holds" : ""}; this cannot be undone`;
  ctx.out.result(what);
  if (p.live === null) ctx.out.warn(`${row.address} no longer exists remotely (deleted outside dpn)`);
  if (p.action === "delete" && !p.force)
    ctx.out.info("a delete that meets data or children is refused (DELETE_NOT_EMPTY) unless --force");
  ctx.out.info("dry run: nothing was changed");
  return 0;
}
