/**
 * Cluster settings the Databricks Clusters API would refuse, checked before any call. Sources:
 * databricks/databricks-sdk-go service/compute/model.go (CreateCluster, AutoScale, DataSecurityMode)
 * and databricks/terraform-provider-databricks docs/resources/cluster.md:
 *
 * - `autotermination_minutes`: "the threshold must be between 10 and 10000 minutes. Users can
 *   also set this value to 0 to explicitly disable automatic termination" (the schema refuses < 0
 *   and > 10000; 1–9 is refused here).
 * - `autoscale`: "`max_workers` must be strictly greater than `min_workers`"; exclusive with
 *   `num_workers`.
 * - `data_security_mode` SINGLE_USER (cluster_type dedicated and job): "Single user name if
 *   data_security_mode is `SINGLE_USER`"; Terraform: `single_user_name` "is required when using
 *   `data_security_mode` set to `SINGLE_USER`".
 * - `num_workers: 0` is a single-node cluster (driver only; dpn sends the single-node
 *   configuration), which cannot autoscale ("A Multi Node cluster can't be scaled to 0 workers",
 *   https://docs.databricks.com/aws/en/compute/single-node); its tag budget is one less
 *   (naming/tags.ts).
 */
import type { Problem } from "../core/errors.js";

import { at, err, type Locator, warn } from "./kit/located.js";
import type { EntryNode } from "./spec.js";

export const AUTOTERMINATION_MIN = 10;
export const AUTOTERMINATION_MAX = 10000;

const rec = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Every cluster-settings problem of a cluster entry (see the module comment). Never throws. */
export function checkClusterEntry(node: EntryNode, source: Locator): Problem[] {
  const out: Problem[] = [];
  const e = node.entry;
  const auto = rec(e.autoscale);
  if (auto && e.num_workers !== undefined) {
    out.push(
      err({
        code: "BLUEPRINT_CLUSTER_SIZE_CONFLICT",
        message:
          e.num_workers === 0
            ? `cluster ${node.path} has num_workers 0 (a single-node cluster) and autoscale; a single-node cluster cannot autoscale`
            : `cluster ${node.path} has both autoscale and num_workers`,
        ...at(source, [...node.segments, "num_workers"]),
        hint: "Keep autoscale {min, max} for an autoscaling cluster or num_workers for a fixed size (0: single node).",
      }),
    );
  }
  if (auto && typeof auto.min === "number" && typeof auto.max === "number" && auto.min >= auto.max) {
    out.push(
      err({
        code: "BLUEPRINT_AUTOSCALE_RANGE",
        message: `cluster ${node.path} autoscale min ${auto.min} is not below max ${auto.max}; Databricks requires max_workers to be strictly greater than min_workers`,
        ...at(source, [...node.segments, "autoscale"]),
        hint: `Set max above min (e.g. max ${auto.min + 1}), or use num_workers ${auto.min} for a fixed size.`,
      }),
    );
  }
  const minutes = e.autotermination_minutes;
  if (typeof minutes === "number" && minutes > 0 && minutes < AUTOTERMINATION_MIN) {
    out.push(
      err({
        code: "BLUEPRINT_AUTOTERMINATION_RANGE",
        message: `autotermination_minutes ${minutes} of cluster ${node.path} is not allowed; Databricks accepts 0 (never terminate) or ${AUTOTERMINATION_MIN}–${AUTOTERMINATION_MAX} minutes`,
        ...at(source, [...node.segments, "autotermination_minutes"]),
        hint: `Use ${AUTOTERMINATION_MIN} or more, or 0 to turn auto-termination off.`,
      }),
    );
  }
  const singleUser = e.cluster_type === "dedicated" || e.cluster_type === "job";
  const user = e.single_user_name;
  // An empty or non-string single_user_name is the schema's problem; only a missing one is this rule's.
  if (singleUser && user === undefined) {
    out.push(
      err({
        code: "BLUEPRINT_SINGLE_USER_NAME_REQUIRED",
        message: `cluster ${node.path} is cluster_type ${JSON.stringify(e.cluster_type)} (data_security_mode SINGLE_USER) but has no single_user_name`,
        ...at(source, [...node.segments, "cluster_type"]),
        hint: 'Add "single_user_name": the user name of the one user the cluster runs as (e.g. "someone@example.com"), or the application id of a service principal.',
      }),
    );
  } else if (!singleUser && typeof user === "string" && e.cluster_type === "shared") {
    out.push(
      warn({
        code: "BLUEPRINT_SINGLE_USER_NAME_UNUSED",
        message: `cluster ${node.path} is cluster_type "shared" (data_security_mode USER_ISOLATION), so its single_user_name is not used`,
        ...at(source, [...node.segments, "single_user_name"]),
        hint: 'Remove single_user_name, or make the cluster "dedicated".',
      }),
    );
  }
  return out;
}
