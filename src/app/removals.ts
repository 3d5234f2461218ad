/**
 * The removals of a plan: resources the state holds for the stack that the blueprint no longer
 * has. The blueprint is the whole desired state, so a plan names them, in the order a removal
 * would have to go (dependents first); a resource the blueprint's `scope` leaves out is not a
 * removal (the blueprint says nothing about it).
 */
import type { ResolvedBlueprint } from "../blueprint/resolve.js";
import { compileScope } from "../blueprint/scope.js";
import { DpnError } from "../core/errors.js";
import { type PlannedRemoval, removalOf } from "../engine/plan.js";
import type { ResourceRecord, StackRecord, StateStore } from "../engine/ports.js";
import { dependentsOf, storedDesired } from "./desired.js";

/**
 * Active rows of `stack` that are not among `resolved`'s resources and that its scope covers,
 * ordered so that every resource comes before what it depends on. Archived rows are not removals:
 * they are retired already. Reads the state only.
 */
export async function removalsOf(
  store: StateStore,
  stack: StackRecord,
  resolved: Pick<ResolvedBlueprint, "resources" | "scope">,
  o: { archivedToo?: boolean; reason?: string } = {},
): Promise<PlannedRemoval[]> {
  const wanted = new Set(resolved.resources.map((r) => r.address));
  const scope = compileScope(resolved.scope);
  const rows = await store.listResources(stack.id);
  const gone = rows.filter(
    (r) =>
      (r.status === "active" || o.archivedToo === true) &&
      !wanted.has(r.address) &&
      scope.keeps(r.type, r.address),
  );
  if (gone.length === 0) return [];
  const desired = await storedDesired(store, stack.id);
  const goneSet = new Set(gone.map((r) => r.address));
  // a resource may go once everything that depends on it among the removals has gone
  const dependents = new Map(gone.map((r) => [r.address, dependentsOf(r, rows, desired)] as const));
  const waitingOn = new Map(
    gone.map((r) => [r.address, (dependents.get(r.address) ?? []).filter((d) => goneSet.has(d))] as const),
  );
  const active = new Set(rows.filter((r) => r.status === "active").map((r) => r.address));
  const ordered: ResourceRecord[] = [];
  const placed = new Set<string>();
  while (ordered.length < gone.length) {
    const next = gone.filter(
      (r) => !placed.has(r.address) && (waitingOn.get(r.address) ?? []).every((d) => placed.has(d)),
    );
    // a dependency cycle cannot come from dpn's own types; place what is left in state order
    const batch = next.length > 0 ? next : gone.filter((r) => !placed.has(r.address));
    for (const r of batch) {
      ordered.push(r);
      placed.add(r.address);
    }
  }
  return ordered.map((record) =>
    removalOf(
      record,
      o.reason,
      (dependents.get(record.address) ?? []).filter((d) => !goneSet.has(d) && active.has(d)),
    ),
  );
}

/**
 * REMOVAL_HAS_DEPENDENTS (exit 3) when `--prune` would archive a resource that resources the
 * blueprint keeps depend on (a Glue database whose table stays): nothing has been changed.
 */
export function assertPrunable(removals: readonly PlannedRemoval[]): void {
  const blocked = removals.filter((r) => r.keptDependents?.length);
  if (blocked.length === 0) return;
  const list = blocked.map((r) => `${r.address} (needed by ${r.keptDependents?.join(", ")})`).join("; ");
  throw new DpnError(
    "validation",
    "REMOVAL_HAS_DEPENDENTS",
    `--prune cannot archive ${blocked.length === 1 ? "a resource" : `${blocked.length} resources`} the blueprint still needs: ${list}`,
    {
      hint: "Take the dependents out of the blueprint too, or put the resource back in it.",
      details: { addresses: blocked.map((r) => r.address) },
    },
  );
}
