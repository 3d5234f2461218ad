/**
 * Dependency-graph scheduler: runs each node as soon as all of its dependencies finished, with
 * at most `parallelism` nodes in flight and a per-service rate limit on starts. Independent
 * branches therefore proceed concurrently.
 */
import { internalError } from "../core/errors.js";
import type { RateLimiter } from "./rate-limiter.js";

export interface GraphNode {
  id: string;
  /** Ids this node waits for. Ids not in the graph are ignored (already satisfied). */
  deps: string[];
  /** Rate-limit bucket; omitted = not limited. */
  service?: string;
}

/**
 * - `stop`: after the first failure no new node starts; running nodes finish (forward apply).
 * - `skip-dependents`: a failure only skips nodes that (transitively) wait for it; the rest
 *   continue (rollback: undo what can be undone, leave what depends on a failed undo).
 */
export type FailurePolicy = "stop" | "skip-dependents";

export interface ScheduleOptions<N extends GraphNode> {
  nodes: N[];
  run: (node: N) => Promise<void>;
  /** Default 10. */
  parallelism?: number;
  onFailure?: FailurePolicy;
  rateLimiter?: RateLimiter;
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
 * Run the graph. Never rejects: node errors are collected in `failed`.
 * Throws synchronously-as-rejection only for a malformed graph (duplicate id or cycle), before
 * running anything.
 */
export async function runGraph<N extends GraphNode>(opts: ScheduleOptions<N>): Promise<ScheduleResult> {
  const parallelism = Math.max(1, opts.parallelism ?? 10);
  const policy = opts.onFailure ?? "stop";
  const byId = new Map<string, N>();
  for (const n of opts.nodes) {
    if (byId.has(n.id)) throw internalError("GRAPH_DUPLICATE_NODE", `Scheduler got the node ${n.id} twice`);
    byId.set(n.id, n);
  }
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of opts.nodes) {
    const deps = [...new Set(n.deps)].filter((d) => byId.has(d) && d !== n.id);
    waitingOn.set(n.id, deps.length);
    for (const d of deps) {
      const list = dependents.get(d) ?? [];
      list.push(n.id);
      dependents.set(d, list);
    }
  }
  assertAcyclic(opts.nodes, waitingOn, dependents);

  const result: ScheduleResult = { succeeded: [], failed: [], notStarted: [] };
  // Ready queue keeps input order among ready nodes, so runs are deterministic at parallelism 1.
  const order = new Map(opts.nodes.map((n, i) => [n.id, i]));
  const ready: string[] = opts.nodes.filter((n) => waitingOn.get(n.id) === 0).map((n) => n.id);
  const skipped = new Set<string>();
  let running = 0;
  let stopped = false;

  return new Promise<ScheduleResult>((resolve) => {
    const finishIfIdle = () => {
      if (running > 0) return;
      if (ready.length > 0 && !stopped) return;
      const done = new Set([...result.succeeded, ...result.failed.map((f) => f.id)]);
      result.notStarted = opts.nodes.map((n) => n.id).filter((id) => !done.has(id));
      resolve(result);
    };
    const skipDependents = (id: string) => {
      for (const d of dependents.get(id) ?? []) {
        if (skipped.has(d)) continue;
        skipped.add(d);
        skipDependents(d);
      }
    };
    const pump = () => {
      if (!stopped && opts.shouldStop?.()) stopped = true;
      while (!stopped && running < parallelism && ready.length > 0) {
        const id = ready.shift() as string;
        if (skipped.has(id)) continue;
        const node = byId.get(id) as N;
        running++;
        void start(node);
      }
      finishIfIdle();
    };
    const start = async (node: N) => {
      let error: unknown;
      let ok = false;
      try {
        if (node.service && opts.rateLimiter) await opts.rateLimiter.acquire(node.service);
        await opts.run(node);
        ok = true;
      } catch (e) {
        error = e;
      }
      running--;
      if (ok) {
        result.succeeded.push(node.id);
        for (const d of dependents.get(node.id) ?? []) {
          const left = (waitingOn.get(d) ?? 1) - 1;
          waitingOn.set(d, left);
          if (left === 0 && !skipped.has(d)) insertSorted(ready, d, order);
        }
      } else {
        result.failed.push({ id: node.id, error });
        if (policy === "stop") stopped = true;
        else skipDependents(node.id);
      }
      pump();
    };
    pump();
  });
}

function insertSorted(queue: string[], id: string, order: Map<string, number>): void {
  const rank = order.get(id) ?? 0;
  let i = queue.length;
  while (i > 0 && (order.get(queue[i - 1] as string) ?? 0) > rank) i--;
  queue.splice(i, 0, id);
}

function assertAcyclic(
  nodes: GraphNode[],
  waitingOn: Map<string, number>,
  dependents: Map<string, string[]>,
): void {
  const left = new Map(waitingOn);
  const queue = nodes.filter((n) => left.get(n.id) === 0).map((n) => n.id);
  let seen = 0;
  while (queue.length > 0) {
    const id = queue.pop() as string;
    seen++;
    for (const d of dependents.get(id) ?? []) {
      const l = (left.get(d) ?? 1) - 1;
      left.set(d, l);
      if (l === 0) queue.push(d);
    }
  }
  if (seen !== nodes.length) {
    const stuck = nodes.filter((n) => (left.get(n.id) ?? 0) > 0).map((n) => n.id);
    throw internalError("GRAPH_CYCLE", `Dependency cycle among ${stuck.join(", ")}`, {
      hint: "Blueprint validation should have rejected this cycle; please report it",
    });
  }
}
