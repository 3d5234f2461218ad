/**
 * The AppContext of a CLI command: state and providers from the composition root, engine events
 * to the progress display, and the use cases' questions answered the CLI way — the plan or diff is
 * shown first; `--yes` answers yes; a terminal is asked; without one the change is refused
 * (CONFIRMATION_REQUIRED, exit 9) before anything was written. A forced delete on a terminal asks
 * to type the name.
 */
import type { AppContext } from "../app/context.js";
import { appContext } from "../compose/compose.js";
import type { Reporter } from "../core/events.js";
import { currentActor } from "../core/ids.js";
import type { CliContext } from "./context.js";
import { diffTable } from "./diff-table.js";
import { table } from "./output.js";
import { planTable } from "./plan-table.js";
import { confirm, confirmByTyping } from "./prompt.js";

export function cliApp(
  ctx: CliContext,
  o: { yes?: boolean; json?: boolean; profile?: string; awsProfile?: string },
  reporter?: Reporter,
): AppContext {
  return appContext(
    {
      cwd: ctx.cwd,
      env: ctx.env,
      ...(ctx.stateUrl ? { stateUrl: ctx.stateUrl } : {}),
      ...(o.awsProfile || o.profile ? { awsProfile: o.awsProfile ?? o.profile } : {}),
    },
    {
      ...(reporter ? { reporter } : {}),
      command: ctx.commandLine,
      actor: currentActor(),
      ...(ctx.lockLeaseSeconds !== undefined ? { lockLeaseSeconds: ctx.lockLeaseSeconds } : {}),
      confirm: async (req) => {
        if (req.kind === "apply-plan" && !o.json)
          ctx.out.info(planTable(req.plan, { ...(req.prune ? { prune: req.prune } : {}) }));
        if (req.kind === "update-resource" && !o.json) ctx.out.info(`${diffTable(req.changes)}\n`);
        if (req.kind === "delete-resource" && req.force && ctx.interactive)
          return confirmByTyping(ctx, req.row.name, req.row.type);
        if (req.kind === "destroy-stack" && !o.json)
          ctx.out.info(
            `${table(
              ["#", "TYPE", "ADDRESS", "STATUS"],
              req.removals.map((r, i) => [String(i + 1), r.type, r.address, r.record.status]),
            )}\n`,
          );
        if (req.kind === "rename-objects" && !o.json)
          ctx.out.info(
            `${table(
              ["#", "TYPE", "FROM", "TO"],
              req.renames.map((r, i) => [String(i + 1), r.type, r.from, r.to]),
            )}\n`,
          );
        if (req.kind === "destroy-stack" && req.force && ctx.interactive)
          return confirmByTyping(ctx, req.stack.id, "stack");
        return confirm(ctx, req.question, o.yes);
      },
    },
  );
}
