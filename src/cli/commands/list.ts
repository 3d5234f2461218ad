import type { Target } from "../../app/context.js";
import { parseType } from "../../app/resource-select.js";
import { type ListResult, listEveryStack, listResources } from "../../app/resources.js";
import { hasStackChoice } from "../../app/session.js";
import type { ResourceRecord } from "../../engine/ports.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { table } from "../output.js";
import { type ManageOptions, selectorOf } from "./manage.js";

interface ListOptions extends Omit<ManageOptions, "target"> {
  archived?: boolean;
  /** A filter here (no default): only rows last written on this target. */
  target?: Target;
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
 * `dpn list [--type T] [--archived]`: resources as the state knows them (no remote calls): active
 * ones by default, only the archived ones with `--archived`. With a stack choice (`--blueprint`,
 * `--project/--env`) that stack; without one, every stack of the state.
 */
export async function listCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as ListOptions;
  const type = parseType(o.type);
  const filter = {
    ...(type ? { type } : {}),
    ...(o.archived ? { archived: true } : {}),
    ...(o.target ? { target: o.target } : {}),
  };
  const sel = selectorOf(o);
  const app = cliApp(ctx, o);
  const results = hasStackChoice(sel)
    ? [await listResources(app, { ...sel, ...filter })]
    : await listEveryStack(app, filter);
  const status = o.archived ? "archived" : "active";
  const docOf = ({ stack, shown }: ListResult) => ({
    stack: { id: stack.id, project: stack.project, environment: stack.environment },
    filter: { ...(type ? { type } : {}), status, ...(o.target ? { target: o.target } : {}) },
    total: shown.length,
    resources: shown.map(resourceJson),
  });
  const [only] = results;
  if (o.json) {
    // one stack: its document (as with a stack choice); several: one document per stack
    ctx.out.resultJson(
      results.length === 1 && only
        ? docOf(only)
        : { total: results.reduce((n, r) => n + r.shown.length, 0), stacks: results.map(docOf) },
    );
    return 0;
  }
  ctx.out.result(results.map((r) => listText(r, type, o.archived === true, o.target)).join("\n\n"));
  return 0;
}

function listText(
  { stack, shown, hidden, otherTarget }: ListResult,
  type: string | undefined,
  archived: boolean,
  target: Target | undefined,
): string {
  const plural = (n: number) => `${n} ${n === 1 ? "resource" : "resources"}`;
  const note = [
    hidden
      ? `\n${plural(hidden)} ${archived ? "active" : "archived"} not shown${archived ? "" : " (dpn list --archived)"}.`
      : "",
    otherTarget ? `\n${plural(otherTarget)} last written on another target than ${target} not shown.` : "",
  ].join("");
  if (shown.length === 0)
    return `No ${archived ? "archived " : ""}${type ?? "resources"} in stack ${stack.id}.${note}`;
  return `${table(
    ["TYPE", "ADDRESS", "NAME", "STATUS", "REMOTE ID"],
    shown.map((r) => [r.type, r.address, r.fullName, r.status, r.remoteId]),
  )}\n\n${shown.length} resource${shown.length === 1 ? "" : "s"} in ${stack.id}.${note}`;
}
