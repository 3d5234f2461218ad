import type { Target } from "../../app/context.js";
import { profilesOf } from "../../app/context.js";
import { recoverStack } from "../../app/recover-stack.js";
import { ExitCode } from "../../core/errors.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { txJson } from "../plan-table.js";
import { progressFor } from "./create.js";

interface RecoverOptions {
  resume?: boolean;
  target: Target;
  profile?: string;
  awsProfile?: string;
  databricksProfile?: string;
  json?: boolean;
  blueprint?: string;
  project?: string;
  env?: string;
}

/**
 * `dpn recover [--resume]`: under the stack lock, settle every unfinished transaction of the
 * stack — look each in-doubt step up by natural key, then roll back (default) or roll forward.
 * With nothing to recover it says so, exits 0 and writes nothing.
 */
export async function recoverCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as RecoverOptions;
  const progress = progressFor(ctx);
  try {
    const r = await recoverStack(cliApp(ctx, o, progress.reporter), {
      target: o.target,
      ...profilesOf(o),
      ...(o.resume ? { resume: true } : {}),
      ...(o.blueprint ? { blueprint: o.blueprint } : {}),
      ...(o.project ? { project: o.project } : {}),
      ...(o.env ? { env: o.env } : {}),
    });
    if (r.kind === "nothing") {
      if (o.json) ctx.out.resultJson({ stack_id: r.stack?.id ?? null, recovered: [] });
      else
        ctx.out.result(
          r.stack
            ? `Nothing to recover: stack ${r.stack.project}/${r.stack.environment} has no unfinished transaction.`
            : "Nothing to recover: the state holds no stack.",
        );
      return ExitCode.OK;
    }
    progress.done();
    const { stack, results } = r;
    if (o.json)
      ctx.out.resultJson({ stack_id: stack.id, recovered: results.map((t) => txJson(t, o.target)) });
    const failed = results.find((t) => t.outcome !== "committed" && t.outcome !== "rolled_back");
    if (failed?.error) {
      if (o.json) {
        ctx.out.error(failed.error, ctx.debug);
        return failed.error.exitCode;
      }
      throw failed.error;
    }
    if (!o.json) {
      for (const t of results) {
        ctx.out.result(
          `transaction ${t.txId}: ${t.outcome === "committed" ? "resumed and committed" : "rolled back"} (${t.operations.length} operations)`,
        );
      }
    }
    return ExitCode.OK;
  } finally {
    progress.done();
  }
}
