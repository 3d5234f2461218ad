import { deleteResource } from "../../app/resources.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { progressFor } from "./create.js";
import { type ManageOptions, reportResult, resourceInput } from "./manage.js";

interface DeleteOptions extends ManageOptions {
  archive?: boolean;
  force?: boolean;
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
