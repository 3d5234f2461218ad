import type { DriftField } from "../../app/drift.js";
import { readResource } from "../../app/resources.js";
import type { RemoteObject, ResourceRecord, StackRecord } from "../../engine/ports.js";
import { cliApp } from "../app-context.js";
import { cell } from "../cell.js";
import type { CliContext } from "../context.js";
import { table } from "../output.js";
import { type ManageOptions, resourceInput } from "./manage.js";

/** The `dpn read --json` document: state and live side by side, and the drift between them. */
export function readJson(
  stack: StackRecord,
  row: ResourceRecord,
  live: RemoteObject | null,
  drift: DriftField[],
) {
  return {
    stack: { id: stack.id, project: stack.project, environment: stack.environment },
    address: row.address,
    type: row.type,
    name: row.name,
    full_name: row.fullName,
    remote_id: row.remoteId,
    state: {
      status: row.status,
      tx_id: row.txId,
      created_at: row.createdAt,
      updated_at: row.updatedAt,
      properties: row.properties,
      tags: row.tags,
    },
    live: live
      ? {
          exists: true,
          archived: live.archived,
          ...(live.status ? { status: live.status } : {}),
          ownership: live.ownership,
          properties: live.properties,
          tags: live.tags,
        }
      : { exists: false },
    in_sync: drift.length === 0,
    drift,
  };
}

/**
 * `dpn read --resource-id X [--type T]`: the live object merged with what state knows, and every
 * field on which they differ. Reads only; changes nothing anywhere.
 */
export async function readCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as ManageOptions;
  {
    const { stack, row, live, drift } = await readResource(cliApp(ctx, o), resourceInput(o));
    if (o.json) {
      ctx.out.resultJson(readJson(stack, row, live, drift));
      return 0;
    }
    const driftAt = new Set(drift.map((d) => d.field));
    const head = [
      row.address,
      `  type       ${row.type}`,
      `  name       ${row.fullName}`,
      `  remote id  ${row.remoteId}`,
      `  status     ${row.status} in state; ${live ? `${live.archived ? "archived" : "active"}${live.status ? ` (${live.status})` : ""} live` : "MISSING live"}`,
      `  owner      ${live?.ownership ? `${live.ownership.stackId} ${live.ownership.address}` : live ? "none (no dpn marker)" : "-"}`,
      `  last tx    ${row.txId} (${row.updatedAt})`,
      "",
    ];
    const keys = [
      ...new Set([...Object.keys(row.properties), ...Object.keys(live?.properties ?? {})]),
    ].sort();
    const rows = keys.map((k) => [
      k,
      cell(row.properties[k]),
      cell(live?.properties[k]),
      driftAt.has(k) ? "DRIFT" : "",
    ]);
    const tagKeys = [...new Set([...Object.keys(row.tags), ...Object.keys(live?.tags ?? {})])].sort();
    for (const k of tagKeys)
      rows.push([
        `tags.${k}`,
        cell(row.tags[k]),
        cell(live?.tags[k]),
        driftAt.has(`tags.${k}`) ? "DRIFT" : "",
      ]);
    const summary =
      drift.length === 0
        ? "In sync: the live object matches the state."
        : `Drift: ${drift.length} field${drift.length === 1 ? "" : "s"} differ${drift.length === 1 ? "s" : ""} from the state (${drift.map((d) => d.field).join(", ")}).`;
    ctx.out.result(`${head.join("\n")}${table(["FIELD", "STATE", "LIVE", ""], rows)}\n\n${summary}`);
    return 0;
  }
}
