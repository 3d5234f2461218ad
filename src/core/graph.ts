/**
 * The one dependency-graph module: deterministic topological order (ties broken by the input
 * order), levels of independent work, cycle detection, and the scheduler that runs a graph with
 * bounded parallelism. Used by blueprint resolution, planning, apply and rollback. Every
 * operation is O((n + e) log n): ready nodes wait in a binary heap keyed by input position.
 * Dependencies on ids that are not among the nodes are ignored (they are external, e.g. already
 * in state). A cycle is always `DEPENDENCY_CYCLE` (validation, exit 3).
 */
import { validationError } from "./errors.js";

export interface GraphNode {
  id: string;
  deps: readonly string[];
}

/** A binary min-heap of node indexes: ready nodes come out in input order. */
class IndexHeap {
  private readonly a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((a[p] as number) <= v) break;
      a[i] = a[p] as number;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length) {
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && (a[r] as number) < (a[l] as number) ? r : l;
        if ((a[c] as number) >= last) break;
        a[i] = a[c] as number;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

interface Indexed {
  index: Map<string, number>;
  /** For each node, the indexes of nodes that depend on it. */
  dependents: number[][];
  /** For each node, how many of its (internal, distinct) dependencies are not yet done. */
  pending: number[];
}

function indexGraph(nodes: readonly GraphNode[]): Indexed {
  const index = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (index.has(n.id))
      throw validationError("GRAPH_DUPLICATE_ID", `${n.id} appears twice in the dependency graph`);
    index.set(n.id, i);
  });
  const dependents: number[][] = nodes.map(() => []);
  const pending = nodes.map((n, i) => {
    let count = 0;
    for (const d of new Set(n.deps)) {
      const j = index.get(d);
      if (j === undefined) continue;
      (dependents[j] as number[]).push(i);
      count++;
    }
    return count;
  });
  return { index, dependents, pending };
}

/**
 * Topological order of `nodes`: every node after all its dependencies; among nodes that are
 * ready at the same time, the one given first comes first, so the order is deterministic.
 * Throws `DEPENDENCY_CYCLE` (validation) naming the ids of one cycle when there is one.
 * Throws `GRAPH_DUPLICATE_ID` when two nodes share an id.
 */
export function topoOrder(nodes: readonly GraphNode[]): string[] {
  const { dependents, pending } = indexGraph(nodes);
  const heap = new IndexHeap();
  pending.forEach((p, i) => {
    if (p === 0) heap.push(i);
  });
  const out: string[] = [];
  while (heap.size) {
    const i = heap.pop();
    out.push((nodes[i] as GraphNode).id);
    for (const j of dependents[i] as number[]) {
      pending[j] = (pending[j] as number) - 1;
      if (pending[j] === 0) heap.push(j);
    }
  }
  if (out.length < nodes.length) throw cycleError(findCycles(nodes));
  return out;
}

/**
 * Groups nodes into levels: level 0 has no internal dependencies, level k depends only on
 * levels < k (and on at least one node of level k-1). Nodes within a level keep input order.
 * The longest dependency chain has `levels(nodes).length` nodes. Throws like `topoOrder`.
 */
export function levels(nodes: readonly GraphNode[]): string[][] {
  const order = topoOrder(nodes);
  const position = new Map(nodes.map((n, i) => [n.id, i] as const));
  const level = new Map<string, number>();
  for (const id of order) {
    const n = nodes[position.get(id) as number] as GraphNode;
    let l = 0;
    for (const d of n.deps) {
      const dl = level.get(d);
      if (dl !== undefined && dl + 1 > l) l = dl + 1;
    }
    level.set(id, l);
  }
  const out: string[][] = [];
  for (const n of nodes) {
    const l = level.get(n.id) as number;
    while (out.length <= l) out.push([]);
    (out[l] as string[]).push(n.id);
  }
  return out;
}

/**
 * Finds the cycles of the graph: one concrete cycle per strongly connected component that has
 * one (listing every elementary cycle is exponential and not needed to explain the problem).
 * Each cycle is the ids along it in "depends on" direction with the first id repeated at the end
 * (`[a, b, a]`: a depends on b, b depends on a), sorted by input order. Empty when acyclic.
 * Never throws.
 */
export function findCycles(nodes: readonly GraphNode[]): string[][] {
  const index = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (!index.has(n.id)) index.set(n.id, i);
  });
  const adj = nodes.map((n) =>
    [...new Set(n.deps)].map((d) => index.get(d)).filter((j): j is number => j !== undefined),
  );
  if (acyclic(adj)) return [];
  // Iterative Tarjan: blueprints can have chains far deeper than the JS call stack.
  const idx = new Array<number>(nodes.length).fill(-1);
  const low = new Array<number>(nodes.length).fill(0);
  const onStack = new Array<boolean>(nodes.length).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let s = 0; s < nodes.length; s++) {
    if (idx[s] !== -1) continue;
    const work: [number, number][] = [[s, 0]];
    while (work.length) {
      const frame = work[work.length - 1] as [number, number];
      const [v, k] = frame;
      if (k === 0) {
        idx[v] = low[v] = counter++;
        stack.push(v);
        onStack[v] = true;
      }
      const succ = adj[v] as number[];
      if (k < succ.length) {
        frame[1] = k + 1;
        const w = succ[k] as number;
        if (idx[w] === -1) work.push([w, 0]);
        else if (onStack[w]) low[v] = Math.min(low[v] as number, idx[w] as number);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]] as number, low[v] as number);
      if (low[v] === idx[v]) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = false;
          comp.push(w);
        } while (w !== v);
        const selfLoop = comp.length === 1 && (adj[v] as number[]).includes(v);
        if (comp.length > 1 || selfLoop) components.push(comp);
      }
    }
  }
  return components
    .map((comp) => cycleWithin(new Set(comp), adj, Math.min(...comp)).map((i) => (nodes[i] as GraphNode).id))
    .sort((a, b) => (index.get(a[0] as string) as number) - (index.get(b[0] as string) as number));
}

/** Kahn's algorithm without ordering: the cheap common case of a graph with no cycle. */
function acyclic(adj: number[][]): boolean {
  const pending = adj.map((a) => a.length);
  const dependents: number[][] = adj.map(() => []);
  adj.forEach((a, i) => {
    for (const j of a) (dependents[j] as number[]).push(i);
  });
  const ready: number[] = [];
  pending.forEach((p, i) => {
    if (p === 0) ready.push(i);
  });
  let done = 0;
  while (ready.length) {
    const i = ready.pop() as number;
    done++;
    for (const j of dependents[i] as number[]) if (--(pending[j] as number) === 0) ready.push(j);
  }
  return done === adj.length;
}

/** A concrete cycle inside one strongly connected component, starting at `start`. */
function cycleWithin(comp: Set<number>, adj: number[][], start: number): number[] {
  // Breadth-first from start's successors back to start gives a shortest cycle through start.
  const prev = new Map<number, number>();
  const queue: number[] = [start];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q] as number;
    for (const w of adj[v] as number[]) {
      if (!comp.has(w)) continue;
      if (w === start) {
        // Walk back from v to start, then read it forwards: start depends on … depends on v depends on start.
        const back: number[] = [];
        for (let x = v; x !== start; x = prev.get(x) as number) back.push(x);
        return [start, ...back.reverse(), start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

function cycleError(cycles: string[][]) {
  const first = cycles[0] ?? [];
  return validationError("DEPENDENCY_CYCLE", `dependency cycle: ${first.join(" → ")}`, {
    hint: "Remove one of the dependencies in the cycle.",
    details: { cycles },
  });
}

/**
 * Resources in dependency order (`topoOrder` over addresses): each after the resources it depends
 * on, ties in input order. Throws like `topoOrder`.
 */
export function orderByAddress<T extends { address: string; dependencies: readonly string[] }>(
  items: readonly T[],
): T[] {
  const byAddress = new Map(items.map((d) => [d.address, d] as const));
  return topoOrder(items.map((d) => ({ id: d.address, deps: d.dependencies }))).map(
    (a) => byAddress.get(a) as T,
  );
}

/**
 * - `stop`: after the first failure no new node starts; running nodes finish (forward apply).
 * - `skip-dependents`: a failure only skips nodes that (transitively) wait for it; the rest
 *   continue (rollback: undo what can be undone, leave what depends on a failed undo).
 */
export type FailurePolicy = "stop" | "skip-dependents";

export interface ScheduleOptions<N extends GraphNode> {
  nodes: readonly N[];
  run: (node: N) => Promise<void>;
  /** Default 10. */
  parallelism?: number;
  onFailure?: FailurePolicy;
  /** Checked before each start; when true nothing new starts (e.g. interrupted, lock lost). */
  shouldStop?: () => boolean;
}

export interface ScheduleResult {
  succeeded: string[];
  failed: { id: string; error: unknown }[];
  /** Never started: stopped after a failure, skipped as dependents of a failure, or stopped by `shouldStop`. */
  notStarted: string[];
}

/**
 * Run the graph: each node as soon as all of its dependencies succeeded, at most `parallelism` in
 * flight, ready nodes in input order (so a run at parallelism 1 is deterministic). Never rejects
 * for node errors: they are collected in `failed`. Rejects before running anything for a
 * malformed graph (`GRAPH_DUPLICATE_ID`, `DEPENDENCY_CYCLE`).
 */
export async function runGraph<N extends GraphNode>(opts: ScheduleOptions<N>): Promise<ScheduleResult> {
  const nodes = opts.nodes;
  const parallelism = Math.max(1, opts.parallelism ?? 10);
  const policy = opts.onFailure ?? "stop";
  const { dependents, pending } = indexGraph(nodes);
  const cycles = findCycles(nodes);
  if (cycles.length > 0) throw cycleError(cycles);

  const result: ScheduleResult = { succeeded: [], failed: [], notStarted: [] };
  const ready = new IndexHeap();
  pending.forEach((p, i) => {
    if (p === 0) ready.push(i);
  });
  const skipped = new Uint8Array(nodes.length);
  const done = new Uint8Array(nodes.length);
  let running = 0;
  let stopped = false;

  return new Promise<ScheduleResult>((resolve) => {
    const finishIfIdle = () => {
      if (running > 0) return;
      if (ready.size > 0 && !stopped) return;
      result.notStarted = nodes.filter((_, i) => !done[i]).map((n) => n.id);
      resolve(result);
    };
    const skipDependents = (i: number) => {
      const stack = [i];
      while (stack.length) {
        for (const d of dependents[stack.pop() as number] as number[]) {
          if (skipped[d]) continue;
          skipped[d] = 1;
          stack.push(d);
        }
      }
    };
    const pump = () => {
      if (!stopped && opts.shouldStop?.()) stopped = true;
      while (!stopped && running < parallelism && ready.size > 0) {
        const i = ready.pop();
        if (skipped[i]) continue;
        running++;
        void start(i);
      }
      finishIfIdle();
    };
    const start = async (i: number) => {
      const node = nodes[i] as N;
      let error: unknown;
      let ok = false;
      try {
        await opts.run(node);
        ok = true;
      } catch (e) {
        error = e;
      }
      running--;
      done[i] = 1;
      if (ok) {
        result.succeeded.push(node.id);
        for (const d of dependents[i] as number[]) {
          pending[d] = (pending[d] as number) - 1;
          if (pending[d] === 0 && !skipped[d]) ready.push(d);
        }
      } else {
        result.failed.push({ id: node.id, error });
        if (policy === "stop") stopped = true;
        else skipDependents(i);
      }
      pump();
    };
    pump();
  });
}
