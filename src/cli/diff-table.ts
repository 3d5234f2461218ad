/** An update's diff as a table. */
import type { FieldChange } from "../engine/ports.js";
import { cell } from "./cell.js";
import { table } from "./output.js";

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
