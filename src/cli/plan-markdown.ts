/**
 * The plan as Markdown for a pull-request comment (`dpn create --dry-run --format markdown`):
 * summary first (the counts), then what a reviewer must look at (removals, updates with each
 * value before → after, adopts), then the creates. Kept under a size a code host accepts in one
 * comment (GitHub refuses comments over 65,536 characters): rows that do not fit are counted in an
 * explicit "N more operations not shown" line, never cut silently.
 */
import type { Target } from "../app/context.js";
import type { Plan, PlannedChange, PlannedRemoval, PruneMode } from "../engine/plan.js";
import type { StackRecord } from "../engine/ports.js";
import { arrowText, diffRows } from "./diff-table.js";

/** Characters a rendered plan stays under. */
export const MARKDOWN_LIMIT = 60_000;

/** A table cell: pipes escaped, line breaks as <br>, code spans for names. */
const md = (s: string) => s.replaceAll("\\", "\\\\").replaceAll("|", "\\|").replaceAll("\n", "<br>");
const code = (s: string) => `\`${s.replaceAll("`", "'")}\``;

export function planMarkdown(
  plan: Plan,
  stack: StackRecord,
  target: Target,
  o: { prune?: PruneMode; limit?: number } = {},
): string {
  const limit = o.limit ?? MARKDOWN_LIMIT;
  const { create, update, adopt, noop, remove } = plan.counts;
  const head = [
    `### dpn plan: ${stack.project}/${stack.environment} on ${target}`,
    "",
    `**${create} to create, ${update} to update, ${adopt} to adopt, ${remove} to ${o.prune === "delete" ? "delete after the commit (--prune=delete)" : o.prune ? "archive (--prune)" : "remove (not applied without --prune)"}, ${noop} unchanged.**`,
    "",
  ];
  const removals = plan.removals.map((r: PlannedRemoval) => [
    o.prune === "delete" ? "delete" : o.prune ? "archive" : "remove (kept)",
    code(r.type),
    code(r.address),
    md(r.keptDependents?.length ? `${r.reason}; needed by ${r.keptDependents.join(", ")}` : r.reason),
  ]);
  const changed = plan.changes
    .filter((c: PlannedChange) => c.kind === "update" || c.kind === "adopt")
    .map((c) => [
      c.kind,
      code(c.type),
      code(c.address),
      md(
        [c.reason, ...diffRows(c.changes, { max: 80 }).map(arrowText)]
          .filter((x): x is string => Boolean(x))
          .join("\n"),
      ),
    ]);
  const creates = plan.changes
    .filter((c) => c.kind === "create")
    .map((c) => ["create", code(c.type), code(c.address), md(c.reason ?? "")]);
  const sections: { title: string; rows: string[][] }[] = [
    {
      title:
        o.prune === "delete"
          ? "Deleted after the commit (in state, no longer in the blueprint)"
          : o.prune
            ? "Archived (in state, no longer in the blueprint)"
            : "Removals (in state, no longer in the blueprint)",
      rows: removals,
    },
    { title: "Updates and adoptions", rows: changed },
    { title: "Creates", rows: creates },
  ];
  const out = [...head];
  let size = out.join("\n").length;
  let hidden = 0;
  const reserve = 200; // room for the closing count line
  for (const s of sections) {
    if (s.rows.length === 0) continue;
    const header = [
      `#### ${s.title} (${s.rows.length})`,
      "",
      "| action | type | address | detail |",
      "|---|---|---|---|",
    ];
    const headerSize = header.join("\n").length + 2;
    if (size + headerSize + reserve > limit) {
      hidden += s.rows.length;
      continue;
    }
    out.push(...header);
    size += headerSize;
    for (const [i, r] of s.rows.entries()) {
      const line = `| ${r.join(" | ")} |`;
      if (size + line.length + 1 + reserve > limit) {
        hidden += s.rows.length - i;
        break;
      }
      out.push(line);
      size += line.length + 1;
    }
    out.push("");
    size += 1;
  }
  if (plan.changes.length + plan.removals.length === noop)
    out.push("Nothing to do: every resource matches the blueprint.", "");
  if (hidden > 0)
    out.push(
      `_${hidden} more operations not shown (the comment is kept under ${limit.toLocaleString("en-US")} characters; \`--json\` has them all)._`,
      "",
    );
  return out.join("\n").trimEnd();
}
