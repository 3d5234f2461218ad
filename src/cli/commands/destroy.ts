import { profilesOf } from "../../app/context.js";
import { destroyStack } from "../../app/destroy-stack.js";
import { ExitCode } from "../../core/errors.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { table } from "../output.js";
import { txJson } from "../plan-table.js";
import { progressFor } from "./create.js";
import { type ManageOptions, selectorOf } from "./manage.js";

interface DestroyOptions extends ManageOptions {
  archive?: boolean;
  force?: boolean;
  dryRun?: boolean;
  awsProfile?: string;
  databricksProfile?: string;
}

/**
 * `dpn destroy (--blueprint F | --project P --env E) [--archive] [--force]`: retire a whole stack,
 * dependents first (src/app/destroy-stack.ts). `--dry-run` lists what would go; nothing changes.
 */
export async function destroyCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as DestroyOptions;
  const { resourceId: _r, ...sel } = selectorOf(o);
  const progress = progressFor(ctx);
  try {
    const r = await destroyStack(cliApp(ctx, o, progress.reporter), {
      ...sel,
      target: o.target,
      ...profilesOf(o),
      ...(o.archive ? { archive: true } : {}),
      ...(o.force ? { force: true } : {}),
      ...(o.dryRun ? { dryRun: true } : {}),
      lockTimeoutMs: (o.lockTimeout ?? 0) * 1000,
    });
    const stackDoc = { id: r.stack.id, project: r.stack.project, environment: r.stack.environment };
    if (r.kind === "nothing") {
      if (o.json) ctx.out.resultJson({ stack: stackDoc, outcome: "no_changes", resources: [] });
      else ctx.out.result(`Nothing to destroy: stack ${r.stack.id} holds no resource.`);
      return ExitCode.OK;
    }
    if (r.kind === "dry-run") {
      const verb = r.mode === "archive" ? "archive" : "delete";
      if (o.json)
        ctx.out.resultJson({
          dry_run: true,
          stack: stackDoc,
          mode: r.mode,
          operations: r.removals.map((x) => ({
            action: verb,
            type: x.type,
            address: x.address,
            full_name: x.fullName,
            remote_id: x.record.remoteId,
            status: x.record.status,
          })),
        });
      else {
        ctx.out.result(
          r.removals.length === 0
            ? `Nothing to destroy: stack ${r.stack.id} holds no resource.`
            : `${table(
                ["#", "ACTION", "TYPE", "ADDRESS", "STATUS"],
                r.removals.map((x, i) => [String(i + 1), verb, x.type, x.address, x.record.status]),
              )}\n\ndpn destroy would ${verb} ${r.removals.length} resources of ${r.stack.id}${r.mode === "delete" ? (o.force ? ", with what they hold" : "; data-bearing ones are refused unless --force") : " (dpn restore undoes each)"}.`,
        );
        ctx.out.info("dry run: nothing was changed");
      }
      return ExitCode.OK;
    }
    progress.done();
    const failed = r.txs.find((t) => t.outcome !== "committed");
    if (o.json) {
      ctx.out.resultJson({
        stack: stackDoc,
        mode: r.mode,
        outcome: failed ? "failed" : "destroyed",
        transactions: r.txs.map((t) => txJson(t, o.target)),
        not_started: r.notStarted,
      });
    }
    if (failed?.error) {
      if (r.mode === "delete" && !o.json) {
        const deleted = r.txs.filter((t) => t.outcome === "committed").length;
        ctx.out.warn(
          `destroy stopped: ${deleted} of ${r.removals.length} resources were deleted (a delete cannot be undone); ${r.notStarted.length + 1} remain. Fix the cause and run dpn destroy again to continue.`,
        );
      }
      if (o.json) {
        ctx.out.error(failed.error, ctx.debug);
        return failed.error.exitCode;
      }
      throw failed.error;
    }
    if (!o.json)
      ctx.out.result(
        r.mode === "archive"
          ? `Destroyed ${r.stack.id} softly: archived ${r.removals.length} resources in transaction ${r.txs[0]?.txId} (dpn restore brings each back).`
          : `Destroyed ${r.stack.id}: deleted ${r.removals.length} resources, one transaction each.`,
      );
    return ExitCode.OK;
  } finally {
    progress.done();
  }
}
