import { DpnError, ProviderError } from "../../core/errors.js";
import type { TxResult } from "../../engine/transaction.js";
import type { CliContext } from "../context.js";
import { confirm, confirmByTyping } from "../prompt.js";
import {
  auditEvent,
  dependentsOf,
  type ManageOptions,
  openSession,
  reportResult,
  resolveRow,
  runOperation,
  storedDesired,
  underLock,
} from "./manage.js";

interface DeleteOptions extends ManageOptions {
  archive?: boolean;
  force?: boolean;
}

/** True for the provider refusals that mean "it still holds data or children". */
function isNotEmpty(e: unknown): e is ProviderError {
  return e instanceof ProviderError && e.category === "conflict" && /NOT_EMPTY/.test(e.code);
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
  if (o.archive && o.force) {
    throw new DpnError("usage", "OPTIONS_CONFLICT", "--archive and --force cannot be combined", {
      hint: "--archive keeps the data (nothing to force); --force applies only to a hard delete",
    });
  }
  const session = await openSession(ctx, o, { readonly: false });
  try {
    const row = await resolveRow(session, o);
    const registry = await session.registry();
    await registry.preflight([row.type]);

    if (o.archive) {
      return await underLock(session, o, async () => {
        // archive is reversible (`dpn restore`), so unlike a hard delete it does not ask
        const result = await runOperation(ctx, session, o, { action: "archive", record: row });
        return reportResult(
          ctx,
          o,
          result,
          `Archived ${row.address} in transaction ${result.txId}; \`dpn restore --resource-id ${row.address}\` undoes it.`,
          {
            address: row.address,
            action: "archive",
          },
        );
      });
    }

    return await underLock(session, o, async () => {
      const rows = session.store.listResources(session.stack.id);
      const dependents = dependentsOf(row, rows, storedDesired(session.store, session.stack.id));
      if (dependents.length > 0) {
        auditEvent(ctx, session, "delete.refused", row.address, "refused", {
          reason: "dependents",
          dependents,
        });
        throw new DpnError(
          "validation",
          "DELETE_HAS_DEPENDENTS",
          `${row.address} cannot be deleted: ${dependents.length} resource${dependents.length === 1 ? " depends" : "s depend"} on it: ${dependents.join(", ")}`,
          {
            hint: "Delete the dependents first (or archive this one with --archive, which keeps it in place).",
            details: { address: row.address, dependents },
          },
        );
      }
      if (o.force && ctx.interactive) await confirmByTyping(ctx, row.name, row.type);
      else
        await confirm(
          ctx,
          `Delete ${row.address} on ${o.target}${o.force ? " and everything it holds" : ""}? This cannot be undone.`,
          o.yes,
        );
      let result: TxResult = await runOperation(ctx, session, o, {
        action: "delete",
        record: row,
        params: o.force ? { force: true } : {},
      });
      if (result.outcome !== "committed" && isNotEmpty(result.error)) {
        const cause = result.error;
        auditEvent(ctx, session, "delete.refused", row.address, "refused", {
          reason: "not_empty",
          code: cause.code,
        });
        result = {
          ...result,
          error: new DpnError(
            "provider",
            "DELETE_NOT_EMPTY",
            `${row.address} was not deleted: ${cause.message}`,
            {
              cause,
              hint: `It holds data or children. Archive it instead (\`dpn delete --archive --resource-id ${row.address}\`), empty it first, or pass --force to destroy what it holds.`,
              details: { address: row.address, provider_code: cause.code },
            },
          ),
        };
      }
      return reportResult(ctx, o, result, `Deleted ${row.address} in transaction ${result.txId}.`, {
        address: row.address,
        action: "delete",
      });
    });
  } finally {
    await session.close();
  }
}
