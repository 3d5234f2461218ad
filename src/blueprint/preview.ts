/**
 * The preview of a resolved blueprint: what would be created, in which order. A JSON document
 * (the `--json` contract) and a plain aligned text table. Neither prints nor colours.
 */
import { columnWidths } from "../core/columns.js";
import type { DesiredResource } from "../core/resources.js";
import type { ResolvedBlueprint } from "./resolve.js";

export interface PreviewResource {
  type: string;
  address: string;
  name: string;
  full_name: string;
  dependencies: string[];
  tags: Record<string, string>;
}

export interface PreviewDocument {
  metadata: Record<string, string>;
  total_resources: number;
  resources: PreviewResource[];
  execution_order: string[];
}

/** Resources in execution order (blueprint order for any not in the order, e.g. after a cycle). */
function ordered(resolved: ResolvedBlueprint): DesiredResource[] {
  const byAddress = new Map(resolved.resources.map((r) => [r.address, r] as const));
  const out: DesiredResource[] = [];
  for (const a of resolved.executionOrder) {
    const r = byAddress.get(a);
    if (r) {
      out.push(r);
      byAddress.delete(a);
    }
  }
  out.push(...byAddress.values());
  return out;
}

/**
 * The preview JSON document: `{metadata, total_resources, resources: [{type, address, name,
 * full_name, dependencies, tags}], execution_order}`, resources in execution order. Never throws.
 */
export function previewDocument(resolved: ResolvedBlueprint): PreviewDocument {
  const resources = ordered(resolved).map((r) => ({
    type: r.type,
    address: r.address,
    name: r.name,
    full_name: r.fullName,
    dependencies: [...r.dependencies],
    tags: { ...r.tags },
  }));
  return {
    metadata: { ...resolved.metadata },
    total_resources: resources.length,
    resources,
    execution_order: resources.map((r) => r.address),
  };
}

/**
 * The preview as plain text: columns #, TYPE, ADDRESS, NAME, DEPENDS ON, aligned with spaces,
 * one resource per line in execution order, no colours. Several dependencies are comma-separated;
 * none is shown as "-". Never throws.
 */
export function previewTable(resolved: ResolvedBlueprint): string {
  const rows = ordered(resolved).map((r, i) => [
    String(i + 1),
    r.type,
    r.address,
    r.name,
    r.dependencies.length ? r.dependencies.join(", ") : "-",
  ]);
  const header = ["#", "TYPE", "ADDRESS", "NAME", "DEPENDS ON"];
  const widths = columnWidths(header, rows);
  const line = (cells: string[]) =>
    cells
      .map((cell, c) =>
        c === cells.length - 1
          ? cell
          : c === 0
            ? cell.padStart(widths[c] as number)
            : cell.padEnd(widths[c] as number),
      )
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
