/**
 * `dbx_cluster`: a Databricks all-purpose cluster, `resources.databricks.clusters[]`, named from
 * its workload. Jobs reference it (`cluster_ref`) by workload or generated name. Cluster names
 * are not unique on Databricks: the platform's `cluster_id` identifies a cluster.
 */
import type { ClusterProps } from "../core/resources.js";
import { TYPE_TAGS } from "../naming/tags.js";
import { checkClusterEntry } from "./cluster-rules.js";
import { lifecycleField, nameField, tagsField } from "./kit/blueprint-fragments.js";
import { asRecord, asString } from "./kit/entry-values.js";
import { definition, type Infer, int, obj, oneOfStrings, opt, str } from "./kit/schema-builder.js";
import { updateString } from "./kit/update-fragments.js";
import type { TypeSpec } from "./spec.js";

export const CLUSTER_TYPES = ["shared", "dedicated", "job"] as const;

export const clusterEntry = definition(
  "cluster",
  obj(
    {
      workload: nameField("What runs on the cluster; part of the name. Jobs reference clusters by it."),
      cluster_type: oneOfStrings(CLUSTER_TYPES),
      node_type: nameField("Node type id, e.g. i3.xlarge."),
      spark_version: opt(
        str({
          minLength: 1,
          description:
            "Databricks runtime key, e.g. 17.3.x-scala2.13. Unset: the workspace's latest LTS runtime, resolved at plan time.",
        }),
      ),
      autoscale: opt(
        obj(
          {
            min: int({ minimum: 0, description: "Minimum workers." }),
            max: int({ minimum: 1, description: "Maximum workers." }),
          },
          { description: "Autoscaling range (default 2–8); exclusive with num_workers." },
        ),
      ),
      num_workers: opt(
        int({
          minimum: 0,
          description:
            "Fixed number of workers; exclusive with autoscale. 0 makes a single-node cluster (driver only, Spark runs locally).",
        }),
      ),
      autotermination_minutes: opt(
        int({
          minimum: 0,
          maximum: 10000,
          default: 60,
          description: "Idle minutes before the cluster terminates: 0 (never) or 10–10000.",
        }),
      ),
      single_user_name: opt(
        str({
          minLength: 1,
          description:
            "The user (user name) or service principal (application id) a dedicated or job cluster runs as; required for cluster_type dedicated and job.",
          examples: ["someone@example.com", "6f1b3a52-0c3e-4d5a-9f57-2b8e1c9d4a10"],
        }),
      ),
      tags: tagsField,
      lifecycle: lifecycleField,
    },
    { description: "A Databricks all-purpose cluster." },
  ),
);
export type ClusterEntry = Infer<typeof clusterEntry.schema>;

const tags = TYPE_TAGS.dbx_cluster;

export const dbxCluster: TypeSpec<"dbx_cluster", "databricks"> = {
  type: "dbx_cluster",
  cloud: "databricks",
  noun: tags.noun,
  namingType: "dbx_cluster",
  naturalKey: { unique: false, remoteIdField: "cluster_id" },
  blueprint: {
    placement: { group: ["databricks", "clusters"] },
    entry: clusterEntry,
    references: [],
    alias: (e) => asString(e.workload),
    properties(e) {
      const clusterType =
        e.cluster_type === "dedicated" || e.cluster_type === "job" ? e.cluster_type : "shared";
      // spark_version stays unset unless given: the plan-time check fills the latest LTS.
      const sparkVersion = asString(e.spark_version);
      const props: ClusterProps = {
        ...(sparkVersion !== undefined ? { spark_version: sparkVersion } : {}),
        node_type_id: asString(e.node_type) ?? "",
        autotermination_minutes:
          typeof e.autotermination_minutes === "number" ? e.autotermination_minutes : 60,
        cluster_type: clusterType,
        data_security_mode: clusterType === "shared" ? "USER_ISOLATION" : "SINGLE_USER",
      };
      // Only a SINGLE_USER cluster has a single user; on a shared cluster the field is a warning.
      if (props.data_security_mode === "SINGLE_USER" && typeof e.single_user_name === "string")
        props.single_user_name = e.single_user_name;
      const auto = asRecord(e.autoscale);
      if (typeof e.num_workers === "number" && !auto) props.num_workers = e.num_workers;
      else
        props.autoscale = {
          min_workers: typeof auto?.min === "number" ? auto.min : 2,
          max_workers: typeof auto?.max === "number" ? auto.max : 8,
        };
      return props;
    },
    check: (node, ctx) => checkClusterEntry(node, ctx.source),
    // num_workers 0 is a single-node cluster, which carries the platform's single-node tag
    tagOptions: (e) => ({ singleNode: e.num_workers === 0 }),
  },
  update: {
    settings: {
      spark_version: updateString("Databricks runtime, e.g. 15.4.x-scala2.12."),
      node_type_id: updateString("Worker and driver node type, e.g. i3.xlarge."),
      num_workers: {
        type: "integer",
        minimum: 0,
        description: "Fixed number of workers (replaces autoscale).",
      },
      autoscale: {
        type: "object",
        required: ["min_workers", "max_workers"],
        additionalProperties: false,
        description: "Autoscaling range (replaces num_workers).",
        properties: {
          min_workers: { type: "integer", minimum: 0 },
          max_workers: { type: "integer", minimum: 1 },
        },
      },
      autotermination_minutes: {
        type: "integer",
        minimum: 0,
        maximum: 10000,
        description: "Idle minutes before the cluster terminates (0 = never, else 10..10000).",
      },
    },
    immutable: {
      cluster_type: "the cluster type decides the access mode; create a new cluster",
      data_security_mode: "follows from the cluster type",
    },
    platformRenames: true,
    afterApply(props, params) {
      // a fixed size and an autoscaling range exclude each other: the one given wins
      if ("num_workers" in params) delete props.autoscale;
      else if ("autoscale" in params) delete props.num_workers;
    },
  },
  tags,
  engine: { service: "clusters", markerInCreate: true },
  manage: {
    desiredKeys: [
      "spark_version",
      "node_type_id",
      "autoscale",
      "num_workers",
      "autotermination_minutes",
      "cluster_type",
      "data_security_mode",
    ],
    dependsOn: () => [],
    idProperties: () => ({}),
  },
};
