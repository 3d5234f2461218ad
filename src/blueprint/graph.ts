/**
 * A picture of a blueprint or a plan: the resources and their dependencies as Mermaid (renders in
 * GitHub/GitLab Markdown) or Graphviz DOT, grouped by platform (AWS, Databricks). Edges point from
 * a resource to what it depends on. With actions (a plan), each node is coloured by what the run
 * does to it. Pure; names are quoted, so any resource name is safe in both languages.
 */

import type { ProvisionedType } from "../core/resources.js";
import { cloudOf } from "../types/registry.js";

export const GRAPH_FORMATS = ["mermaid", "dot"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export interface GraphNode {
  address: string;
  type: ProvisionedType;
  name: string;
  dependencies: readonly string[];
  /** What a plan does to it: create, update, adopt, noop, remove (archive with --prune). */
  action?: string;
}

/** Colours per action (fill, stroke), the same in both formats. */
const COLOURS: Record<string, [string, string]> = {
  create: ["#d4f7dc", "#2da44e"],
  update: ["#fff1c2", "#bf8700"],
  adopt: ["#ddf4ff", "#0969da"],
  noop: ["#f6f8fa", "#8c959f"],
  remove: ["#ffebe9", "#cf222e"],
  archive: ["#ffebe9", "#cf222e"],
};

const PLATFORM = { aws: "AWS", databricks: "Databricks" } as const;

/** Stable short ids (n1, n2, …): addresses hold dots and slashes neither language takes bare. */
function ids(nodes: readonly GraphNode[]): Map<string, string> {
  return new Map(nodes.map((n, i) => [n.address, `n${i + 1}`]));
}

const label = (n: GraphNode) => `${n.type}\n${n.name}${n.action ? `\n(${n.action})` : ""}`;

export function renderGraph(nodes: readonly GraphNode[], format: GraphFormat): string {
  return format === "dot" ? dot(nodes) : mermaid(nodes);
}

function groups(nodes: readonly GraphNode[]): [string, GraphNode[]][] {
  const by = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    const p = PLATFORM[cloudOf(n.type)];
    by.set(p, [...(by.get(p) ?? []), n]);
  }
  return [...by.entries()];
}

function mermaid(nodes: readonly GraphNode[]): string {
  const id = ids(nodes);
  // Mermaid labels: a quoted string; `"` is written as #quot; and line breaks as <br/>
  const text = (s: string) => `"${s.replaceAll('"', "#quot;").replaceAll("\n", "<br/>")}"`;
  const out = ["flowchart LR"];
  for (const [platform, members] of groups(nodes)) {
    out.push(`  subgraph ${platform.toLowerCase()}[${platform}]`);
    for (const n of members) out.push(`    ${id.get(n.address)}[${text(label(n))}]`);
    out.push("  end");
  }
  for (const n of nodes)
    for (const d of n.dependencies) if (id.has(d)) out.push(`  ${id.get(n.address)} --> ${id.get(d)}`);
  const actions = [...new Set(nodes.map((n) => n.action).filter((a): a is string => !!a && a in COLOURS))];
  for (const a of actions) {
    const [fill, stroke] = COLOURS[a] as [string, string];
    out.push(`  classDef ${a} fill:${fill},stroke:${stroke}`);
    out.push(
      `  class ${nodes
        .filter((n) => n.action === a)
        .map((n) => id.get(n.address))
        .join(",")} ${a}`,
    );
  }
  return out.join("\n");
}

function dot(nodes: readonly GraphNode[]): string {
  const id = ids(nodes);
  const text = (s: string) =>
    `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
  const out = [
    "digraph dpn {",
    "  rankdir=LR;",
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff"];',
  ];
  for (const [platform, members] of groups(nodes)) {
    out.push(`  subgraph cluster_${platform.toLowerCase()} {`, `    label=${text(platform)};`);
    for (const n of members) {
      const colour = n.action ? COLOURS[n.action] : undefined;
      out.push(
        `    ${id.get(n.address)} [label=${text(label(n))}${colour ? `, fillcolor="${colour[0]}", color="${colour[1]}"` : ""}];`,
      );
    }
    out.push("  }");
  }
  for (const n of nodes)
    for (const d of n.dependencies) if (id.has(d)) out.push(`  ${id.get(n.address)} -> ${id.get(d)};`);
  out.push("}");
  return out.join("\n");
}
