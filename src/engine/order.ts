/**
 * Deterministic topological order of desired resources: dependencies first, and among resources
 * that are ready at the same time the input (blueprint) order wins, so plans are stable.
 */
import { validationError } from "../core/errors.js";

/**
 * Order `desired` so that each resource comes after the resources it depends on. Dependencies
 * outside the list (already in state, or filtered by scope) are ignored.
 * Throws DpnError `DEPENDENCY_CYCLE` (validation) naming the resources on a cycle.
 */
export function orderByDependencies<T extends { address: string; dependencies: string[] }>(
  desired: T[],
): T[] {
  const index = new Map(desired.map((d, i) => [d.address, i]));
  const pending = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const d of desired) {
    const deps = [...new Set(d.dependencies)].filter((a) => index.has(a) && a !== d.address);
    pending.set(d.address, deps.length);
    for (const a of deps) dependents.set(a, [...(dependents.get(a) ?? []), d.address]);
  }
  const ready = desired.filter((d) => pending.get(d.address) === 0).map((d) => d.address);
  const out: T[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (index.get(a) ?? 0) - (index.get(b) ?? 0));
    const a = ready.shift() as string;
    out.push(desired[index.get(a) as number] as T);
    for (const d of dependents.get(a) ?? []) {
      const left = (pending.get(d) ?? 1) - 1;
      pending.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (out.length !== desired.length) {
    const stuck = desired.filter((d) => (pending.get(d.address) ?? 0) > 0).map((d) => d.address);
    throw validationError("DEPENDENCY_CYCLE", `Dependency cycle among ${stuck.join(", ")}`, {
      details: { addresses: stuck },
    });
  }
  return out;
}
