/**
 * Resolve `--resource-id` within a stack: a qualified address (`dbx_table.cat.schema.tbl`), an
 * address without its type prefix (with `--type`), a full name, a name or a remote id. A miss
 * lists the closest names the stack does have, so a typo is one glance away from its fix.
 */
import { levenshtein } from "../core/did-you-mean.js";
import { DpnError, usageError, validationError } from "../core/errors.js";
import { isProvisionedType, PROVISIONED_TYPES, type ProvisionedType } from "../core/resources.js";
import type { RemoteObject, ResourceRecord, StackRecord } from "../engine/ports.js";

/** Parse `--type`; an unknown type is a usage error (exit 2) with the closest type. */
export function parseType(value: string | undefined): ProvisionedType | undefined {
  if (value === undefined) return undefined;
  if (isProvisionedType(value)) return value;
  const near = closestOf(value, PROVISIONED_TYPES, 1)[0];
  throw usageError("TYPE_OPTION_INVALID", `'${value}' is not a resource type dpn manages`, {
    hint: `${near ? `Did you mean "${near}"? ` : ""}Types: ${PROVISIONED_TYPES.join(", ")}.`,
  });
}

/** Up to `n` candidates nearest to `input` (case-insensitive edit distance), nearest first. */
export function closestOf(input: string, candidates: Iterable<string>, n = 3): string[] {
  const needle = input.toLowerCase();
  const limit = Math.max(3, Math.ceil(needle.length / 2));
  const scored: { c: string; d: number }[] = [];
  for (const c of new Set(candidates)) {
    // a substring match is as good as a near miss: `fact_orders` finds `db.fact_orders`
    const d = distance(needle, c);
    if (d <= limit) scored.push({ c, d });
  }
  return scored
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, n)
    .map((s) => s.c);
}

/**
 * The rows of `rows` that `id` names (see the module comment), restricted to `type` when given.
 * Exact address wins over everything; then `<type>.<id>`, full name, name, remote id, and last a
 * case-insensitive full name or name (UC and Glue fold names to lower case).
 */
export function matchResources(rows: ResourceRecord[], id: string, type?: ProvisionedType): ResourceRecord[] {
  const pool = type ? rows.filter((r) => r.type === type) : rows;
  const tiers: ((r: ResourceRecord) => boolean)[] = [
    (r) => r.address === id,
    (r) => r.address === `${r.type}.${id}`,
    (r) => r.fullName === id,
    (r) => r.name === id,
    (r) => r.remoteId === id,
    (r) => r.fullName.toLowerCase() === id.toLowerCase() || r.name.toLowerCase() === id.toLowerCase(),
  ];
  for (const tier of tiers) {
    const hit = pool.filter(tier);
    if (hit.length) return hit;
  }
  return [];
}

export interface ResolveInput {
  rows: ResourceRecord[];
  stack: StackRecord;
  id: string;
  type?: ProvisionedType;
  /**
   * Called on a miss when the type is known: is there such an object remotely? When it returns
   * one, the error says "not managed by dpn" (with an import hint) instead of "not found".
   */
  probe?: () => Promise<RemoteObject | null>;
}

/**
 * The one state row `id` names. Throws DpnError validation (exit 3) `RESOURCE_NOT_FOUND` with
 * the closest names, `RESOURCE_NOT_MANAGED` when the object exists remotely but not in state,
 * `RESOURCE_TYPE_MISMATCH` when `id` names a resource of another type, and usage (exit 2)
 * `RESOURCE_AMBIGUOUS` listing the addresses when it names several.
 */
export async function resolveResource(input: ResolveInput): Promise<ResourceRecord> {
  const { rows, stack, id, type } = input;
  const hits = matchResources(rows, id, type);
  if (hits.length === 1) return hits[0] as ResourceRecord;
  if (hits.length > 1) {
    throw usageError("RESOURCE_AMBIGUOUS", `'${id}' names ${hits.length} resources of stack ${stack.id}`, {
      hint: `Pass a qualified address: ${hits.map((h) => h.address).join(", ")}${type ? "" : " (or add --type)"}.`,
      details: { addresses: hits.map((h) => h.address) },
    });
  }
  if (type) {
    const other = matchResources(rows, id);
    if (other.length > 0) {
      throw validationError(
        "RESOURCE_TYPE_MISMATCH",
        `'${id}' in stack ${stack.id} is ${other.map((o) => `a ${o.type} (${o.address})`).join(", ")}, not a ${type}`,
        { hint: `Use --type ${other[0]?.type}, or name the ${type} you meant.`, details: { id, type } },
      );
    }
  }
  const effectiveType = type ?? typeOfAddress(id);
  if (input.probe && effectiveType) {
    let found: RemoteObject | null = null;
    try {
      found = await input.probe();
    } catch (e) {
      // the probe only refines the message; a failing probe must not hide the real answer
      if (!(e instanceof DpnError)) throw e;
    }
    if (found) {
      const owner = found.ownership
        ? `it carries the marker of dpn stack ${found.ownership.stackId} (${found.ownership.address})`
        : "it was created outside dpn";
      throw validationError(
        "RESOURCE_NOT_MANAGED",
        `${effectiveType} ${found.fullName} exists but is not managed by stack ${stack.id}: ${owner}`,
        {
          hint: `Adopt it with \`dpn import --type ${effectiveType} --resource-id ${found.remoteId}\`, then manage it with dpn.`,
          details: { id, type: effectiveType, remoteId: found.remoteId },
        },
      );
    }
  }
  const pool = type ? rows.filter((r) => r.type === type) : rows;
  const addresses = closestRows(id, pool);
  throw validationError("RESOURCE_NOT_FOUND", `no ${type ?? "resource"} '${id}' in stack ${stack.id}`, {
    hint:
      addresses.length > 0
        ? `Closest names: ${addresses.join(", ")}.`
        : pool.length > 0
          ? `Nothing close; \`dpn list${type ? ` --type ${type}` : ""}\` shows the ${pool.length} resource(s) of the stack.`
          : `Stack ${stack.id} has no ${type ?? "resource"} yet; \`dpn import\` adopts an existing one.`,
    details: { id, ...(type ? { type } : {}), closest: addresses },
  });
}

/** Addresses of the (up to 3) rows whose name, full name or address is nearest to `id`. */
export function closestRows(id: string, rows: ResourceRecord[]): string[] {
  const scored = rows
    .map((r) => {
      const near = closestOf(id, [r.name, r.fullName, r.address], 1)[0];
      return near === undefined ? undefined : { r, d: distance(id, near) };
    })
    .filter((x): x is { r: ResourceRecord; d: number } => x !== undefined);
  return scored
    .sort((a, b) => a.d - b.d || a.r.address.localeCompare(b.r.address))
    .slice(0, 3)
    .map((x) => x.r.address);
}

function distance(input: string, candidate: string): number {
  const a = input.toLowerCase();
  const b = candidate.toLowerCase();
  return b.includes(a) || a.includes(b) ? 1 : levenshtein(a, b);
}

/** The type prefix of a qualified address, when it is one. */
export function typeOfAddress(id: string): ProvisionedType | undefined {
  const prefix = id.split(".")[0] ?? "";
  return id.includes(".") && isProvisionedType(prefix) ? prefix : undefined;
}
