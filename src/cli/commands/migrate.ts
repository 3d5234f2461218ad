import { type MigrateResult, migrate } from "../../app/migrate.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { table } from "../output.js";
import { txJson } from "../plan-table.js";
import { progressFor } from "./create.js";
import { type ManageOptions, reportResult, selectorOf } from "./manage.js";

interface MigrateOptions extends ManageOptions {
  plan: string;
  dryRun?: boolean;
}

const renamesJson = (r: MigrateResult) => ({
  stack_id: r.stack.id,
  renames: r.renames,
  not_executed: r.not_executed,
});

function renderLists(r: MigrateResult, verb: string): string {
  const lines: string[] = [];
  if (r.renames.length)
    lines.push(
      table(
        ["#", "TYPE", "FROM", "TO", "STATE"],
        r.renames.map((x, i) => [
          String(i + 1),
          x.type,
          x.from.full_name,
          x.to.full_name,
          x.managed ? `row ${x.address}` : x.moved_rows ? `${x.moved_rows} row(s) move` : "not managed",
        ]),
      ),
    );
  else lines.push(`No rename of the plan can be carried out in place; nothing ${verb}.`);
  if (r.not_executed.length) {
    lines.push("", `Not executed by migrate (${r.not_executed.length}; a written plan):`);
    for (const n of r.not_executed) lines.push(`  ${n.type} ${n.from} → ${n.to}: ${n.reason}`);
  }
  return lines.join("\n");
}

/**
 * `dpn migrate --plan out/migration.json`: the plan's in-place renames as one transaction that
 * renames back on failure (docs/scan.md). `--dry-run` checks everything and changes nothing.
 */
export async function migrateCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as MigrateOptions;
  const progress = progressFor(ctx);
  try {
    const r = await migrate(cliApp(ctx, o, progress.reporter), {
      ...selectorOf(o),
      target: o.target,
      ...(o.profile ? { profile: o.profile } : {}),
      ...(o.awsProfile ? { awsProfile: o.awsProfile } : {}),
      ...(o.databricksProfile ? { databricksProfile: o.databricksProfile } : {}),
      planFile: o.plan,
      ...(o.dryRun ? { dryRun: true } : {}),
      lockTimeoutMs: (o.lockTimeout ?? 0) * 1000,
      sandboxFlags: o as unknown as Record<string, unknown>,
    });
    if (!r.tx) {
      if (o.json) ctx.out.resultJson({ ...(o.dryRun ? { dry_run: true } : {}), ...renamesJson(r) });
      else {
        ctx.out.result(renderLists(r, o.dryRun ? "would change" : "changed"));
        if (o.dryRun) ctx.out.info("dry run: nothing was changed");
      }
      return 0;
    }
    if (o.json) {
      ctx.out.resultJson({ ...renamesJson(r), ...txJson(r.tx, o.target) });
      if (r.tx.outcome === "committed") return 0;
      if (r.tx.error) ctx.out.error(r.tx.error, ctx.debug);
      return r.tx.error?.exitCode ?? 1;
    }
    return reportResult(
      ctx,
      { ...o, json: false },
      r.tx,
      `${renderLists(r, "changed")}\n\nRenamed ${r.renames.length} object(s) in transaction ${r.tx.txId}.`,
    );
  } finally {
    progress.done();
  }
}
