/**
 * The scan's rule catalogue: one stable id per kind of finding, documented once here and used by
 * every report (SARIF `tool.driver.rules`, the HTML legend, JUnit messages, docs/scan.md). Ids are
 * never reused or renumbered; a retired rule keeps its id.
 */
import { internalError } from "../core/errors.js";

export type FindingLevel = "error" | "warning" | "note";

export interface ScanRule {
  /** Stable id, e.g. `DPN-N001`. */
  id: string;
  /** Short kebab-case name (SARIF `rule.name`). */
  name: string;
  /** One sentence: what the rule finds. */
  short: string;
  /** What it means and how to fix it. */
  help: string;
  /** The level of a finding of this rule unless the finding says otherwise. */
  level: FindingLevel;
}

const rule = (id: string, name: string, level: FindingLevel, short: string, help: string): ScanRule => ({
  id,
  name,
  level,
  short,
  help,
});

/** Every rule, in id order. */
export const SCAN_RULES: readonly ScanRule[] = Object.freeze([
  rule(
    "DPN-N001",
    "name-template-mismatch",
    "error",
    "The name does not follow the type's template.",
    "The literal text or the number of segments does not match the template of the type in the convention. The finding names the position where matching stops and what the template expects there; rename the object to the suggested name or to `dpn name <type> --set ...`.",
  ),
  rule(
    "DPN-N002",
    "name-unknown-value",
    "error",
    "A segment holds a value the convention does not know.",
    "Environments (dev, stg, prd), layers, region codes and data classifications come from closed sets. The finding names the segment, the value and the allowed values; a long region name where the code belongs, or an alias such as `prod`, comes with the corrected value.",
  ),
  rule(
    "DPN-N003",
    "name-not-normalised",
    "error",
    "The name has letters or separators the convention would have normalised.",
    "Kebab targets (S3, clusters, jobs) are lowercase with `-`; snake targets (Glue, Unity Catalog) are lowercase with `_`. Unity Catalog and Glue fold names to lowercase when they store them, so a mixed-case name differs from what dpn would write.",
  ),
  rule(
    "DPN-N004",
    "name-platform-rule",
    "error",
    "The name breaks a limit of the platform.",
    "An official rule of the target (length, characters, reserved prefixes and suffixes, reserved names) from naming-rules.md Part 3. Such a name cannot be created again as it is.",
  ),
  rule(
    "DPN-N005",
    "name-house-rule",
    "error",
    "The name breaks a house rule of the convention.",
    "`validation.max_length` or `validation.allowed_chars` in .dpn/naming-patterns.yaml (or on the type's pattern) rejects the name.",
  ),
  rule(
    "DPN-N006",
    "name-hash-mismatch",
    "error",
    "A shortened name's hash suffix is not the hash of its full name.",
    "With `truncate: hash` the suffix is a hash of the full, unshortened name. Every shortened value of this name is known, and none of the full names they make has this hash: the name was shortened by hand or with other values.",
  ),
  rule(
    "DPN-N007",
    "name-not-reproducible",
    "error",
    "The name reads as values the convention would write differently.",
    "Every segment matches, but generating the name from those values gives another name, usually because the convention fills an optional segment this name leaves out. The suggested name is the generated one.",
  ),
  rule(
    "DPN-N008",
    "name-value-mismatch",
    "error",
    "A segment disagrees with what is known about the object.",
    "The region code differs from the object's real region, or the project or environment is a near miss (a typo) of the one scanned for.",
  ),
  rule(
    "DPN-N009",
    "name-ambiguous",
    "note",
    "The name reads in more than one way.",
    "Adjacent free segments whose values contain the separator (e.g. a hyphenated project) can split in several places. Every reading is compliant; the report uses the first. Scan with --project, or set the values in the convention, to settle it.",
  ),
  rule(
    "DPN-N010",
    "name-truncation-unverified",
    "note",
    "A shortened name whose hash cannot be checked.",
    "The name ends with a hash suffix of the convention's format, but the full values of its shortened segments are not known, so the hash cannot be recomputed.",
  ),
  rule(
    "DPN-N011",
    "name-platform-warning",
    "warning",
    "The name works but a platform advises against it.",
    "For example periods in an S3 bucket name (no Transfer Acceleration, virtual-hosted HTTPS fails certificate checks) or characters that need quoting in SQL.",
  ),
  rule(
    "DPN-T001",
    "tag-missing",
    "error",
    "A standard tag is missing.",
    "Environment, Project, Team and CostCenter (and DataClassification, Owner when the convention knows them) are required on every object. Keys are case-sensitive: `environment` is not `Environment`.",
  ),
  rule(
    "DPN-T002",
    "tag-environment-mismatch",
    "error",
    "The Environment tag disagrees with the name.",
    "The environment in the name and the Environment tag must be the same (a `prd` name tagged `Environment=dev` misleads cost reports and access policies).",
  ),
  rule(
    "DPN-T003",
    "tag-project-mismatch",
    "error",
    "The Project tag disagrees with the name.",
    "The project in the name and the Project tag must be the same (compared in the name's style, so `data-platform` and `data_platform` agree).",
  ),
  rule(
    "DPN-T004",
    "tag-empty",
    "error",
    "A standard tag is present but empty.",
    "An empty value counts as missing for cost allocation and policies; set the value the finding names.",
  ),
  rule(
    "DPN-T005",
    "tag-value-mismatch",
    "warning",
    "A standard tag disagrees with the name or the convention.",
    "Team, CostCenter, DataClassification or Owner differs from the value in the name (error) or from the value the convention gives for this object (warning).",
  ),
  rule(
    "DPN-T006",
    "tag-platform-rule",
    "error",
    "A tag breaks the target's tag rules.",
    "Per target: AWS (50 tags, key ≤128, value ≤256, no `aws:` prefix), Databricks clusters and jobs (Latin-1, no custom Name tag, ≤45 and ≤25 tags), Unity Catalog (no `. , - = / :` in keys), and dpn's reserved `dpn_` keys.",
  ),
  rule(
    "DPN-T007",
    "tag-managed-by-without-marker",
    "warning",
    "The object says ManagedBy=dpn but carries no ownership marker.",
    "dpn recognises its objects by the dpn_stack and dpn_address markers, not by ManagedBy. Import the object (`dpn import`) or remove the tag.",
  ),
  rule(
    "DPN-M001",
    "marker-incomplete",
    "warning",
    "A dpn ownership marker is incomplete.",
    "dpn_stack without dpn_address (or the other way round): the object was touched by hand after dpn created it. `dpn import` restamps both markers.",
  ),
]);

const BY_ID = new Map(SCAN_RULES.map((r) => [r.id, r]));

/**
 * The rule with this id.
 *
 * @throws DpnError internal `SCAN_RULE_UNKNOWN` for an id not in SCAN_RULES (a bug, never input).
 */
export function scanRule(id: string): ScanRule {
  const r = BY_ID.get(id);
  if (!r) throw internalError("SCAN_RULE_UNKNOWN", `unknown scan rule "${id}"`, { details: { id } });
  return r;
}
