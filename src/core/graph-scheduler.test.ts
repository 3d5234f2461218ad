import { describe, expect, it } from "vitest";
import { DpnError } from "./errors.js";
import { runGraph } from "./graph.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run a graph where each node sleeps `ms`, recording start/end order and peak concurrency. */
async function trace(
  nodes: { id: string; deps: string[] }[],
  opts: { parallelism?: number; ms?: number; fail?: string[]; policy?: "stop" | "skip-dependents" } = {},
) {
  const started: string[] = [];
  const finished: string[] = [];
  let running = 0;
  let peak = 0;
  const result = await runGraph({
    nodes,
    ...(opts.parallelism ? { parallelism: opts.parallelism } : {}),
    ...(opts.policy ? { onFailure: opts.policy } : {}),
    run: async (n) => {
      started.push(n.id);
      running++;
      peak = Math.max(peak, running);
      await sleep(opts.fail?.includes(n.id) ? 1 : (opts.ms ?? 5));
      running--;
      finished.push(n.id);
      if (opts.fail?.includes(n.id)) throw new Error(`boom ${n.id}`);
    },
  });
  return { result, started, finished, peak };
}

describe("runGraph", () => {
  it("starts a node only after all its dependencies finished", async () => {
    const nodes = [
      { id: "d", deps: ["b", "c"] },
      { id: "b", deps: ["a"] },
      { id: "c", deps: ["a"] },
      { id: "a", deps: [] },
      { id: "e", deps: ["d", "outside-the-graph"] },
    ];
    const t = await trace(nodes, { parallelism: 4 });
    for (const n of nodes)
      for (const d of n.deps)
        if (t.finished.includes(d)) expect(t.finished.indexOf(d)).toBeLessThan(t.started.indexOf(n.id));
    expect(t.result.succeeded.sort()).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("never exceeds the parallelism bound and reaches it on wide graphs", async () => {
    const nodes = Array.from({ length: 30 }, (_, i) => ({ id: `n${i}`, deps: [] }));
    for (const p of [1, 3, 10]) {
      const t = await trace(nodes, { parallelism: p, ms: 3 });
      expect(t.peak).toBe(p);
    }
  });

  it("runs independent branches concurrently (wall time ≈ longest chain, not the sum)", async () => {
    // 4 independent chains of 3 nodes, 20 ms each
    const nodes = ["a", "b", "c", "d"].flatMap((x) => [
      { id: `${x}1`, deps: [] },
      { id: `${x}2`, deps: [`${x}1`] },
      { id: `${x}3`, deps: [`${x}2`] },
    ]);
    const t = await trace(nodes, { parallelism: 10, ms: 20 });
    // the four chains overlap: all four first nodes were in flight together
    expect(t.peak).toBe(4);
  });

  it("on failure stops scheduling, lets running nodes finish and reports what never started", async () => {
    const nodes = Array.from({ length: 10 }, (_, i) => ({ id: `n${i}`, deps: [] }));
    const t = await trace(nodes, { parallelism: 3, fail: ["n1"], ms: 20 });
    expect(t.result.failed.map((f) => f.id)).toEqual(["n1"]);
    expect(t.started).toEqual(["n0", "n1", "n2"]);
    expect(t.finished.sort()).toEqual(["n0", "n1", "n2"]);
    expect(t.result.notStarted).toEqual(["n3", "n4", "n5", "n6", "n7", "n8", "n9"]);
  });

  it("skip-dependents policy skips only what depends on the failure", async () => {
    const nodes = [
      { id: "a", deps: [] },
      { id: "b", deps: ["a"] },
      { id: "c", deps: ["b"] },
      { id: "x", deps: [] },
      { id: "y", deps: ["x"] },
    ];
    const t = await trace(nodes, { parallelism: 1, fail: ["a"], policy: "skip-dependents" });
    expect(t.result.succeeded).toEqual(["x", "y"]);
    expect(t.result.notStarted.sort()).toEqual(["b", "c"]);
  });

  it("rejects a cycle before running anything", async () => {
    let ran = 0;
    const err = await runGraph({
      nodes: [
        { id: "a", deps: ["b"] },
        { id: "b", deps: ["a"] },
        { id: "c", deps: [] },
      ],
      run: async () => {
        ran++;
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpnError);
    // one cycle code for every graph in dpn (the scheduler's own GRAPH_CYCLE is gone)
    expect((err as DpnError).code).toBe("DEPENDENCY_CYCLE");
    expect((err as DpnError).message).toContain("a → b");
    expect(ran).toBe(0);
  });
});
