import { describe, expect, it } from "vitest";
import { renderGraph } from "./graph.js";

const nodes = [
  {
    address: "aws_s3_bucket.raw",
    type: "aws_s3_bucket" as const,
    name: 'raw"1',
    dependencies: [],
    action: "create",
  },
  {
    address: "aws_glue_table.db.t",
    type: "aws_glue_table" as const,
    name: "t",
    dependencies: ["aws_s3_bucket.raw", "aws_glue_database.db"],
    action: "update",
  },
  {
    address: "dbx_catalog.main",
    type: "dbx_catalog" as const,
    name: "main",
    dependencies: [],
    action: "remove",
  },
];

describe("renderGraph", () => {
  it("mermaid: one subgraph per platform, an edge per dependency inside the graph, classes by action", () => {
    const g = renderGraph(nodes, "mermaid");
    expect(g.split("\n")[0]).toBe("flowchart LR");
    expect(g).toContain("subgraph aws[AWS]");
    expect(g).toContain("subgraph databricks[Databricks]");
    expect(g).toContain('n1["aws_s3_bucket<br/>raw#quot;1<br/>(create)"]');
    expect(g).toContain("n2 --> n1");
    // a dependency outside the graph draws no edge to nowhere
    expect(g.match(/-->/g)).toHaveLength(1);
    expect(g).toContain("class n3 remove");
  });

  it("dot: clusters per platform, quoted labels, fill by action", () => {
    const g = renderGraph(nodes, "dot");
    expect(g).toMatch(/^digraph dpn \{/);
    expect(g).toContain("subgraph cluster_aws {");
    expect(g).toContain('n1 [label="aws_s3_bucket\\nraw\\"1\\n(create)", fillcolor="#d4f7dc"');
    expect(g).toContain("n2 -> n1;");
    expect(g.trimEnd().endsWith("}")).toBe(true);
  });
});
