import { parseType } from "../../app/resource-select.js";
import { listResources } from "../../app/resources.js";
import type { ResourceRecord } from "../../engine/ports.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { table } from "../output.js";
import { type ManageOptions, selectorOf } from "./manage.js";

interface ListOptions extends ManageOptions {
  archived?: boolean;
}

export function resourceJson(r: ResourceRecord) {
  return {
    address: r.address,
    type: r.type,
    name: r.name,
    full_name: r.fullName,
    remote_id: r.remoteId,
    status: r.status,
    tx_id: r.txId,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/**
 * `dpn list [--type T] [--archived]`: the stack's resources as the state knows them (no remote
 * calls): active ones by default, only the archived ones with `--archived`.
 */
export async function listCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as ListOptions;
  const type = parseType(o.type);
  {
    const { stack, shown, hidden } = await listResources(cliApp(ctx, o), {
      ...selectorOf(o),
      ...(type ? { type } : {}),
      ...(o.archived ? { archived: true } : {}),
    });
    if (o.json) {
      ctx.out.resultJson({
        stack: { id: stack.id, project: stack.project, environment: stack.environment },
        filter: { ...(type ? { type } : {}), status: o.archived ? "archived" : "active" },
        total: shown.length,
        resources: shown.map(resourceJson),
      });
      return 0;
    }
    const note = hidden
      ? `\n${hidden} ${o.archived ? "active" : "archived"} resource${hidden === 1 ? "" : "s"} not shown${o.archived ? "" : " (dpn list --archived)"}.`
      : "";
    if (shown.length === 0) {
      ctx.out.result(
        `No ${o.archived ? "archived " : ""}${type ?? "resources"} in stack ${stack.id}.${note}`,
      );
      return 0;
    }
    ctx.out.result(
      `${table(
        ["TYPE", "ADDRESS", "NAME", "STATUS", "REMOTE ID"],
        shown.map((r) => [r.type, r.address, r.fullName, r.status, r.remoteId]),
      )}\n\n${shown.length} resource${shown.length === 1 ? "" : "s"} in ${stack.id}.${note}`,
    );
    return 0;
  }
}
