import { applyUpdateParams, loadUpdateParams } from "../../blueprint/update-params.js";
import { DpnError } from "../../core/errors.js";
import type { DesiredResource } from "../../core/resources.js";
import type { FieldChange } from "../../engine/ports.js";
import type { CliContext } from "../context.js";
import { table } from "../output.js";
import { confirm } from "../prompt.js";
import {
  auditEvent,
  cell,
  desiredFromObject,
  type ManageOptions,
  openSession,
  readContext,
  reportResult,
  resolveRow,
  runOperation,
  storedDesired,
  underLock,
} from "./manage.js";

interface UpdateOptions extends ManageOptions {
  params: string;
  dryRun?: boolean;
}

/** The diff as a table; a tags change is shown tag by tag. */
export function diffTable(changes: FieldChange[]): string {
  const rows: string[][] = [];
  for (const c of changes) {
    if (c.field === "tags") {
      const before = (c.before ?? {}) as Record<string, string>;
      const after = (c.after ?? {}) as Record<string, string>;
      for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort())
        if (before[k] !== after[k]) rows.push([`tags.${k}`, cell(before[k]), cell(after[k])]);
    } else rows.push([c.field, cell(c.before), cell(c.after)]);
  }
  return table(["FIELD", "BEFORE", "AFTER"], rows);
}

/**
 * `dpn update --resource-id X --params updates.json`: validate the file against the type's update
 * schema, merge it into the desired settings dpn last applied, show the diff against the live
 * object and apply it as one transaction that restores the previous settings if the step fails.
 * The new settings are stored in state (row and journal). `--dry-run` only shows the diff.
 */
export async function updateCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as UpdateOptions;
  const readonly = Boolean(o.dryRun);
  const session = await openSession(ctx, o, { readonly });
  try {
    const row = await resolveRow(session, o);
    // the file is checked before any remote call: a typo costs nothing
    const params = loadUpdateParams(o.params, row.type);
    if (row.status === "archived") {
      throw new DpnError(
        "validation",
        "RESOURCE_ARCHIVED",
        `${row.address} is archived; it cannot be updated`,
        {
          hint: `Restore it first: dpn restore --resource-id ${row.address}`,
          details: { address: row.address },
        },
      );
    }
    const rows = session.store.listResources(session.stack.id);
    const base: DesiredResource =
      storedDesired(session.store, session.stack.id).get(row.address) ??
      desiredFromObject(row.address, row, rows);
    const registry = await session.registry();
    await registry.preflight([row.type]);
    // platform facts (e.g. a runtime the workspace offers) are checked before anything is read or changed
    const merged = applyUpdateParams(base, params);
    const provider = registry.get(row.type);
    const desired = provider.check ? await provider.check(merged, readContext(session)) : merged;

    const preview = async () => {
      const live = await registry.get(row.type).read(row.remoteId, readContext(session));
      if (!live) {
        throw new DpnError(
          "provider",
          "RESOURCE_NOT_FOUND",
          `${row.type} ${row.fullName} (${row.address}) does not exist remotely`,
          {
            hint: "It was deleted outside dpn: `dpn create` re-creates it, or `dpn delete` drops it from state.",
            details: { address: row.address },
          },
        );
      }
      return registry.get(row.type).diff(desired, live);
    };
    const doc = (changes: FieldChange[], dryRun: boolean) => ({
      dry_run: dryRun,
      address: row.address,
      type: row.type,
      changes,
    });

    if (o.dryRun) {
      const changes = await preview();
      if (o.json) ctx.out.resultJson(doc(changes, true));
      else {
        ctx.out.result(
          changes.length ? diffTable(changes) : `No changes: ${row.address} already has these settings.`,
        );
        ctx.out.info("dry run: nothing was changed");
      }
      return 0;
    }

    return await underLock(session, o, async () => {
      const changes = await preview();
      if (changes.length === 0) {
        if (o.json) ctx.out.resultJson({ ...doc(changes, false), outcome: "no_changes" });
        else ctx.out.result(`No changes: ${row.address} already has these settings.`);
        return 0;
      }
      if (!o.json) ctx.out.info(`${diffTable(changes)}\n`);
      try {
        await confirm(ctx, `Update ${row.address} on ${o.target}?`, o.yes);
      } catch (e) {
        auditEvent(ctx, session, "update.aborted", row.address, "aborted");
        throw e;
      }
      const result = await runOperation(ctx, session, o, { action: "update", record: row, desired });
      return reportResult(
        ctx,
        o,
        result,
        `Updated ${row.address} (${changes.map((c) => c.field).join(", ")}) in transaction ${result.txId}.`,
        { address: row.address, changes },
      );
    });
  } finally {
    await session.close();
  }
}
