/**
 * `lifecycle.prevent_destroy`: a protected resource is refused by dpn delete (archive too),
 * create --prune and dpn destroy, with exit 3 and nothing changed. The state keeps the protection
 * apart from the rows (ResourceStore.protectedAddresses), so taking the resource out of the
 * blueprint does not lift it; applying a blueprint that has the resource without the flag does.
 */
import type { ResolvedBlueprint } from "../blueprint/resolve.js";
import { DpnError } from "../core/errors.js";
import type { StateStore } from "../engine/ports.js";

/** RESOURCE_PROTECTED (exit 3) naming every protected address among `addresses`; nothing is changed. */
export async function assertUnprotected(
  store: StateStore,
  stackId: string,
  addresses: readonly string[],
  what: string,
): Promise<void> {
  const protectedSet = await store.protectedAddresses(stackId);
  const hit = addresses.filter((a) => protectedSet.has(a));
  if (hit.length === 0) return;
  throw new DpnError(
    "validation",
    "RESOURCE_PROTECTED",
    `${what} refused: ${hit.join(", ")} ${hit.length === 1 ? "is" : "are"} protected by lifecycle.prevent_destroy`,
    {
      hint: "Apply a blueprint in which the resource has no prevent_destroy (dpn create), then run this again.",
      details: { addresses: hit },
    },
  );
}

/** The protections a blueprint sets: `on` for flagged resources, `off` for the others it names. */
export function protectionsOf(
  resolved: Pick<ResolvedBlueprint, "resources">,
): { address: string; on: boolean }[] {
  return resolved.resources.map((r) => ({ address: r.address, on: r.preventDestroy === true }));
}
