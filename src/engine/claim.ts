/**
 * The claim rule: when may an object that carries no ownership marker be treated as the one our
 * own in-doubt create made? A create on a real cloud can be several calls (S3: CreateBucket, then
 * the tags that carry our marker; a UC volume: the create, then its tag assignments). A crash or a
 * lost answer between the first call and the marker leaves an object that looks foreign. The
 * engine claims it — stamps the marker and carries on, or deletes it when rolling back — only on
 * evidence, and leaves anything else alone (docs/recovery.md):
 *
 * 1. the type is one whose marker cannot travel in the create call (for every other type an
 *    unmarked object is never ours: the create that made ours carried the marker);
 * 2. the journal holds a create intent for exactly this address and natural key, recorded after
 *    the plan looked the key up and found nothing (`absentAt`);
 * 3. where the platform reports it, the object was created after that look-up (allowing for the
 *    clock difference between this machine and the platform);
 * 4. where the platform reports it, its creator is the principal these credentials act as.
 *
 * The rule is pure; the step runner gathers the facts (journal, lookup, provider principal).
 */
import type { ProvisionedType } from "../core/resources.js";
import { specOf } from "../types/registry.js";
import type { RemoteObject } from "./ports.js";

/**
 * How far the platform's clock may be behind this machine's and still count: S3 reports
 * CreationDate to the second, and neither clock is exact. Bounded so that an object made well
 * before our plan looked is never taken.
 */
export const CLAIM_CLOCK_SKEW_MS = 120_000;

export interface ClaimFacts {
  type: ProvisionedType;
  /** The object found by natural-key lookup (must carry no ownership marker). */
  found: RemoteObject;
  /** When the plan looked this natural key up and found nothing (ISO); undefined: not recorded. */
  absentAt: string | undefined;
  /** The principal these credentials act as (`Provider.principal`), when known. */
  principal: string | undefined;
  skewMs?: number;
}

export type ClaimVerdict = { claim: true; evidence: string[] } | { claim: false; reason: string };

/** Apply the claim rule to `facts`. Pure; never throws. */
export function claimVerdict(facts: ClaimFacts): ClaimVerdict {
  const { type, found, absentAt, principal } = facts;
  if (found.ownership) return { claim: false, reason: "it carries another owner's marker" };
  // S3 (CreateBucket keeps no tags on every API path) and UC volumes (no properties; tags are
  // separate assignments) are the types whose create cannot carry the marker (types/*: markerInCreate)
  if (specOf(type).engine.markerInCreate)
    return { claim: false, reason: `a ${type} made by dpn carries its marker from the first call` };
  if (!absentAt) return { claim: false, reason: "the journal does not record that the name was free" };
  const evidence = [`the plan found no object named ${found.fullName} at ${absentAt}`];
  const createdAt = found.provenance?.createdAt;
  if (createdAt !== undefined) {
    const created = Date.parse(createdAt);
    const looked = Date.parse(absentAt);
    if (!Number.isFinite(created))
      return { claim: false, reason: `its creation time ${createdAt} is unreadable` };
    if (created < looked - (facts.skewMs ?? CLAIM_CLOCK_SKEW_MS))
      return { claim: false, reason: `it was created at ${createdAt}, before the plan looked (${absentAt})` };
    evidence.push(`created at ${createdAt}`);
  }
  const createdBy = found.provenance?.createdBy;
  if (createdBy !== undefined) {
    if (principal === undefined)
      return {
        claim: false,
        reason: `its creator ${createdBy} cannot be compared: our principal is unknown`,
      };
    if (createdBy !== principal)
      return { claim: false, reason: `it was created by ${createdBy}, not by ${principal}` };
    evidence.push(`created by ${createdBy} (these credentials)`);
  }
  return { claim: true, evidence };
}
