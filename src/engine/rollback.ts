/**
 * Rollback: undo every forward step of a transaction that took (or may have taken) effect, in
 * reverse dependency order, using only the journal, so the same code serves a failed apply and
 * recovery after a crash. Only what the transaction itself did is touched.
 */
import { type EventError, eventError } from "../core/events.js";
import { type GraphNode, runGraph } from "../core/graph.js";
import type { JournalEntry } from "./ports.js";
import type { StepRunner } from "./step-runner.js";
import { isReversible, UNDO } from "./undo.js";

/** One resource rollback could not restore, with what a person has to do. */
export interface LeftOver {
  address: string;
  type: string;
  name: string;
  remoteId?: string;
  /** What the transaction did to it. */
  did: string;
  /** What still needs doing, e.g. "delete bucket x (created by tx_…)". */
  needed: string;
  error?: EventError;
}

export interface RollbackResult {
  compensated: number;
  leftOvers: LeftOver[];
}

/** Forward entries that may need undoing: done or in doubt, not yet compensated, and reversible (undo.ts). */
export function pendingCompensations(journal: JournalEntry[]): JournalEntry[] {
  return journal.filter(
    (e) =>
      e.phase === "forward" &&
      isReversible(e.action) &&
      (e.status === "done" || e.status === "unknown" || e.status === "intent"),
  );
}

interface Node extends GraphNode {
  deps: string[];
  entries: JournalEntry[];
}

/**
 * Compensate the pending forward entries of `runner.txId`. Nodes are resources; a resource is
 * undone only after everything that depends on it was undone, and is left alone (reported) when
 * one of those failed, since removing a parent under a child that is still there cannot work.
 * Never throws for compensation failures: they come back as `leftOvers`.
 */
export async function rollbackTransaction(
  runner: StepRunner,
  opts: { parallelism?: number } = {},
): Promise<RollbackResult> {
  const journal = await runner.o.store.journal(runner.txId);
  const pending = pendingCompensations(journal);
  const byAddress = new Map<string, JournalEntry[]>();
  for (const e of pending) byAddress.set(e.address, [...(byAddress.get(e.address) ?? []), e]);
  // Latest steps first, so ready nodes are undone in reverse order of execution.
  const addresses = [...byAddress.keys()].sort(
    (a, b) => lastSeq(byAddress.get(b)) - lastSeq(byAddress.get(a)),
  );
  const nodes = new Map<string, Node>();
  for (const a of addresses) {
    const entries = (byAddress.get(a) ?? []).sort((x, y) => y.seq - x.seq);
    nodes.set(a, { id: a, deps: [], entries });
  }
  // Reverse edges: a resource waits for its dependents (anything in this tx that depends on it).
  for (const e of journal) {
    if (e.phase !== "forward" || !e.desired || !nodes.has(e.address)) continue;
    for (const d of e.desired.dependencies) {
      const parent = nodes.get(d);
      if (parent && parent.id !== e.address && !parent.deps.includes(e.address)) parent.deps.push(e.address);
    }
  }

  const leftOvers: LeftOver[] = [];
  let compensated = 0;
  const failedNodes = new Map<string, unknown>();
  const result = await runGraph<Node>({
    nodes: [...nodes.values()],
    parallelism: opts.parallelism ?? 10,
    onFailure: "skip-dependents",
    run: async (node) => {
      for (const e of node.entries) {
        try {
          if (await runner.compensate(e)) compensated++;
        } catch (err) {
          failedNodes.set(node.id, err);
          leftOvers.push(leftOver(runner.txId, e, err));
          throw err;
        }
      }
    },
  });
  for (const id of result.notStarted) {
    const blockers = [...failedNodes.keys()].filter((f) => dependsTransitively(nodes, id, f));
    for (const e of nodes.get(id)?.entries ?? []) {
      leftOvers.push({
        ...leftOver(runner.txId, e, undefined),
        needed: `${neededFor(runner.txId, e)} — not attempted because undoing ${blockers.join(", ") || "a dependent"} failed`,
      });
    }
  }
  return { compensated, leftOvers };
}

function lastSeq(es: JournalEntry[] | undefined): number {
  return Math.max(...(es ?? []).map((e) => e.seq));
}

function dependsTransitively(
  nodes: Map<string, Node>,
  from: string,
  target: string,
  seen = new Set<string>(),
): boolean {
  if (seen.has(from)) return false;
  seen.add(from);
  const n = nodes.get(from);
  if (!n) return false;
  return n.deps.some((d) => d === target || dependsTransitively(nodes, d, target, seen));
}

function neededFor(txId: string, e: JournalEntry): string {
  const what = `${e.type} ${e.name}${e.remoteId ? ` (remote id ${e.remoteId})` : ""}`;
  return UNDO[e.action].needed(what, txId, e);
}

function leftOver(txId: string, e: JournalEntry, err: unknown): LeftOver {
  return {
    address: e.address,
    type: e.type,
    name: e.name,
    ...(e.remoteId ? { remoteId: e.remoteId } : {}),
    did: e.action,
    needed: neededFor(txId, e),
    ...(err !== undefined ? { error: eventError(err) } : {}),
  };
}
