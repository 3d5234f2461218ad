import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DpnError } from "./errors.js";
import { findCycles, levels, topoOrder } from "./graph.js";

const n = (id: string, ...deps: string[]) => ({ id, deps });

describe("topoOrder", () => {
  it("puts dependencies first and breaks ties by input order", () => {
    expect(
      topoOrder([
        n("job", "cluster"),
        n("table", "schema"),
        n("cluster"),
        n("schema", "catalog"),
        n("catalog"),
      ]),
    ).toEqual(["cluster", "job", "catalog", "schema", "table"]);
  });

  it("ignores dependencies on ids outside the graph (already in state)", () => {
    expect(topoOrder([n("b", "external"), n("a")])).toEqual(["b", "a"]);
  });

  it("tolerates a dependency listed twice", () => {
    expect(topoOrder([n("b", "a", "a"), n("a")])).toEqual(["a", "b"]);
  });

  it("throws DEPENDENCY_CYCLE naming the cycle", () => {
    let err: DpnError | undefined;
    try {
      topoOrder([n("a", "b"), n("b", "c"), n("c", "a"), n("d")]);
    } catch (e) {
      err = e as DpnError;
    }
    expect(err?.code).toBe("DEPENDENCY_CYCLE");
    expect(err?.message).toBe("dependency cycle: a → b → c → a");
    expect(err?.details).toEqual({ cycles: [["a", "b", "c", "a"]] });
  });

  it("refuses duplicate ids", () => {
    expect(() => topoOrder([n("a"), n("a")])).toThrow(/a appears twice/);
  });

  it("handles a 100,000-long chain without recursion limits", () => {
    const nodes = Array.from({ length: 100_000 }, (_, i) => n(`n${i}`, ...(i ? [`n${i - 1}`] : [])));
    const order = topoOrder(nodes.slice().reverse());
    expect(order[0]).toBe("n0");
    expect(order[99_999]).toBe("n99999");
    expect(findCycles(nodes)).toEqual([]);
  });

  it("always returns a permutation where every dependency comes first (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(30), { maxLength: 4 }), { maxLength: 30 }), (depLists) => {
        // Only edges to lower indexes: acyclic by construction, in shuffled input order.
        const nodes = depLists.map((deps, i) => n(`n${i}`, ...deps.filter((d) => d < i).map((d) => `n${d}`)));
        const shuffled = nodes.slice().reverse();
        const order = topoOrder(shuffled);
        expect([...order].sort()).toEqual(nodes.map((x) => x.id).sort());
        const pos = new Map(order.map((id, i) => [id, i]));
        for (const x of nodes)
          for (const d of x.deps) expect(pos.get(d) as number).toBeLessThan(pos.get(x.id) as number);
        expect(topoOrder(shuffled)).toEqual(order);
      }),
    );
  });
});

describe("levels", () => {
  it("groups independent work; the number of levels is the longest chain", () => {
    expect(
      levels([n("cat"), n("s1", "cat"), n("s2", "cat"), n("t1", "s1"), n("b"), n("t2", "s2", "b")]),
    ).toEqual([
      ["cat", "b"],
      ["s1", "s2"],
      ["t1", "t2"],
    ]);
    expect(levels([])).toEqual([]);
  });
});

describe("findCycles", () => {
  it("finds one cycle per strongly connected component, and self-loops", () => {
    expect(
      findCycles([n("a", "b"), n("b", "a"), n("c", "c"), n("d", "e"), n("e", "f"), n("f", "d"), n("g", "a")]),
    ).toEqual([
      ["a", "b", "a"],
      ["c", "c"],
      ["d", "e", "f", "d"],
    ]);
  });
});
