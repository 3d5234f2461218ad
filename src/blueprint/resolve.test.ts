import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtInConvention, loadConvention } from "../config/load-convention.js";
import type { DpnError, Problem } from "../core/errors.js";
import type { DesiredResource } from "../core/resources.js";
import { loadBlueprint, parseBlueprint } from "./load.js";
import { type ResolveOptions, resolveBlueprint } from "./resolve.js";
import { assertResolved, loadResolvedBlueprint, validateBlueprint } from "./validate.js";

const FIXTURES = "test/fixtures/blueprints";
const conv = builtInConvention();
const META = { environment: "dev", project: "dataplatform", region: "us-east-1" };

function resolveDoc(resources: unknown, extra: Record<string, unknown> = {}, opts: ResolveOptions = {}) {
  const text = JSON.stringify({ version: "1.0", metadata: META, resources, ...extra }, null, 2);
  return resolveBlueprint(parseBlueprint(text, "bp.json"), conv, opts);
}
const ID_TABLE = (entity: string) => ({ entity, columns: [{ name: "id", type: "bigint" }] });
const byAddress = (rs: DesiredResource[], a: string) => {
  const r = rs.find((x) => x.address === a);
  if (!r) throw new Error(`no ${a} in ${rs.map((x) => x.address).join(", ")}`);
  return r;
};
const brief = (ps: Problem[]) =>
  ps.map((p) => `${p.severity} ${p.code} ${p.path} ${p.line}:${p.column} | ${p.message} | ${p.hint}`);

describe("resolveBlueprint: names, addresses, defaults", () => {
  it("fills every property shape with its defaults", () => {
    const r = resolveDoc({
      aws: {
        s3_buckets: [{ purpose: "landing", layer: "raw" }],
        glue_databases: [{ domain: "sales", layer: "bronze" }],
        glue_tables: [
          {
            database_ref: "sales-bronze",
            entity: "orders",
            bucket_ref: "landing",
            columns: [{ name: "id", type: "bigint" }],
          },
        ],
      },
      databricks: {
        clusters: [
          { workload: "etl", cluster_type: "shared", node_type: "i3.xlarge" },
          {
            workload: "ml",
            cluster_type: "dedicated",
            node_type: "g4dn.xlarge",
            num_workers: 3,
            single_user_name: "ml@example.com",
          },
        ],
        jobs: [
          {
            job_type: "batch",
            purpose: "load",
            cluster_ref: "etl",
            schedule: "hourly",
            tasks: [
              { task_key: "a", notebook_path: "/x/a" },
              { task_key: "b", notebook_path: "/x/b", depends_on: ["a"], base_parameters: { day: "today" } },
              {
                task_key: "c",
                spark_python_task: { python_file: "/x/c.py" },
                depends_on: [{ task_key: "b" }],
                job_cluster_key: "jc",
              },
            ],
          },
        ],
        unity_catalog: {
          catalogs: [
            {
              catalog_type: "main",
              schemas: [
                {
                  domain: "sales",
                  layer: "bronze",
                  tables: [{ entity: "orders", columns: [{ name: "id", type: "bigint" }] }],
                  volumes: [{ purpose: "files" }],
                },
              ],
            },
          ],
        },
      },
    });
    expect(r.problems).toEqual([]);
    const rs = r.resources;
    expect(byAddress(rs, "aws_s3_bucket.dataplatform-landing-raw-dev-use1").properties).toEqual({
      region: "us-east-1",
      versioning: true,
      lifecycle_days: 90,
      encryption: "AES256",
      block_public_access: true,
    });
    expect(byAddress(rs, "aws_glue_database.dataplatform_sales_bronze_dev").properties).toEqual({
      region: "us-east-1",
      parameters: {},
    });
    const table = byAddress(rs, "aws_glue_table.dataplatform_sales_bronze_dev.fact_orders");
    expect(table.name).toBe("fact_orders");
    expect(table.fullName).toBe("dataplatform_sales_bronze_dev.fact_orders");
    expect(table.dependencies).toEqual([
      "aws_glue_database.dataplatform_sales_bronze_dev",
      "aws_s3_bucket.dataplatform-landing-raw-dev-use1",
    ]);
    expect(table.properties).toEqual({
      region: "us-east-1",
      database: "dataplatform_sales_bronze_dev",
      columns: [{ name: "id", type: "bigint" }],
      partition_keys: [],
      table_type: "fact",
      format: "parquet",
      location: "s3://dataplatform-landing-raw-dev-use1/dataplatform_sales_bronze_dev/fact_orders/",
    });
    expect(byAddress(rs, "dbx_cluster.dataplatform-etl-shared-dev").properties).toEqual({
      node_type_id: "i3.xlarge",
      autoscale: { min_workers: 2, max_workers: 8 },
      autotermination_minutes: 60,
      cluster_type: "shared",
      data_security_mode: "USER_ISOLATION",
    });
    expect(byAddress(rs, "dbx_cluster.dataplatform-ml-dedicated-dev").properties).toMatchObject({
      num_workers: 3,
      data_security_mode: "SINGLE_USER",
    });
    expect(byAddress(rs, "dbx_cluster.dataplatform-ml-dedicated-dev").properties).not.toHaveProperty(
      "autoscale",
    );
    const job = byAddress(rs, "dbx_job.dataplatform-batch-load-hourly-dev");
    expect(job.dependencies).toEqual(["dbx_cluster.dataplatform-etl-shared-dev"]);
    expect(job.properties).toEqual({
      cluster_ref: "dbx_cluster.dataplatform-etl-shared-dev",
      max_concurrent_runs: 1,
      schedule: { quartz_cron_expression: "0 0 * * * ?", timezone_id: "UTC", pause_status: "UNPAUSED" },
      tasks: [
        {
          task_key: "a",
          notebook_task: { notebook_path: "/x/a" },
          existing_cluster_ref: "dbx_cluster.dataplatform-etl-shared-dev",
        },
        {
          task_key: "b",
          notebook_task: { notebook_path: "/x/b", base_parameters: { day: "today" } },
          depends_on: [{ task_key: "a" }],
          existing_cluster_ref: "dbx_cluster.dataplatform-etl-shared-dev",
        },
        // Jobs API form passes through; it says where it runs, so no cluster is added.
        {
          task_key: "c",
          spark_python_task: { python_file: "/x/c.py" },
          depends_on: [{ task_key: "b" }],
          job_cluster_key: "jc",
        },
      ],
    });
    expect(byAddress(rs, "dbx_catalog.dataplatform_main_dev").properties).toEqual({});
    expect(byAddress(rs, "dbx_schema.dataplatform_main_dev.sales_bronze")).toMatchObject({
      fullName: "dataplatform_main_dev.sales_bronze",
      properties: { catalog_name: "dataplatform_main_dev" },
      dependencies: ["dbx_catalog.dataplatform_main_dev"],
    });
    expect(byAddress(rs, "dbx_table.dataplatform_main_dev.sales_bronze.fact_orders")).toMatchObject({
      name: "fact_orders",
      fullName: "dataplatform_main_dev.sales_bronze.fact_orders",
      properties: {
        catalog_name: "dataplatform_main_dev",
        schema_name: "sales_bronze",
        columns: [{ name: "id", type: "bigint" }],
        table_type: "fact",
      },
      dependencies: ["dbx_schema.dataplatform_main_dev.sales_bronze"],
    });
    expect(byAddress(rs, "dbx_volume.dataplatform_main_dev.sales_bronze.raw_files").properties).toEqual({
      catalog_name: "dataplatform_main_dev",
      schema_name: "sales_bronze",
      volume_type: "MANAGED",
    });
    expect(r.executionOrder).toEqual([
      "aws_s3_bucket.dataplatform-landing-raw-dev-use1",
      "aws_glue_database.dataplatform_sales_bronze_dev",
      "aws_glue_table.dataplatform_sales_bronze_dev.fact_orders",
      "dbx_cluster.dataplatform-etl-shared-dev",
      "dbx_cluster.dataplatform-ml-dedicated-dev",
      "dbx_job.dataplatform-batch-load-hourly-dev",
      "dbx_catalog.dataplatform_main_dev",
      "dbx_schema.dataplatform_main_dev.sales_bronze",
      "dbx_table.dataplatform_main_dev.sales_bronze.fact_orders",
      "dbx_volume.dataplatform_main_dev.sales_bronze.raw_files",
    ]);
    expect(r.stackKey).toEqual({ project: "dataplatform", environment: "dev" });
    expect(byAddress(rs, "dbx_catalog.dataplatform_main_dev").tags).toEqual({
      Environment: "dev",
      Project: "dataplatform",
      ManagedBy: "dpn",
    });
  });

  it.each([
    ["daily", "0 0 0 * * ?", "UTC", "UNPAUSED"],
    ["weekly", "0 0 0 ? * MON", "UTC", "UNPAUSED"],
  ])("turns the %s preset into a Quartz cron", (schedule, cron, tz, pause) => {
    const r = resolveDoc({
      databricks: {
        clusters: [{ workload: "etl", cluster_type: "shared", node_type: "i3.xlarge" }],
        jobs: [{ job_type: "batch", purpose: "load", cluster_ref: "etl", schedule }],
      },
    });
    expect(r.problems).toEqual([]);
    expect(r.resources[1]?.properties).toMatchObject({
      schedule: { quartz_cron_expression: cron, timezone_id: tz, pause_status: pause },
      tasks: [],
    });
  });

  it("gives a Glue table and a UC table with the same bare name distinct addresses", () => {
    const r = resolveBlueprint(loadBlueprint(`${FIXTURES}/same-bare-name.json`), conv);
    expect(r.problems).toEqual([]);
    const tables = r.resources.filter((x) => x.name === "fact_orders");
    expect(tables.map((t) => [t.type, t.address, t.fullName])).toEqual([
      [
        "aws_glue_table",
        "aws_glue_table.dataplatform_sales_bronze_dev.fact_orders",
        "dataplatform_sales_bronze_dev.fact_orders",
      ],
      [
        "dbx_table",
        "dbx_table.dataplatform_dev_dev.sales_bronze.fact_orders",
        "dataplatform_dev_dev.sales_bronze.fact_orders",
      ],
    ]);
    // The Glue database and the UC schema both come from sales/bronze: still distinct.
    expect(new Set(r.resources.map((x) => x.address)).size).toBe(r.resources.length);
  });

  it("accepts generated names as references, and an explicit location", () => {
    // A cron schedule gives the job name no {schedule} value: this convention supplies one.
    const custom = builtInConvention();
    custom.resource_types.dbx_job = { schedule: "nightly" };
    const resolve = (resources: unknown) =>
      resolveBlueprint(
        parseBlueprint(JSON.stringify({ version: "1.0", metadata: META, resources }), "bp.json"),
        custom,
      );
    const r = resolve({
      aws: {
        glue_databases: [{ domain: "sales", layer: "bronze" }],
        glue_tables: [
          {
            database_ref: "dataplatform_sales_bronze_dev",
            entity: "orders",
            location: "s3://elsewhere/orders/",
            format: "delta",
            columns: [],
          },
        ],
      },
      databricks: {
        clusters: [
          { workload: "etl", cluster_type: "job", node_type: "i3.xlarge", single_user_name: "etl-sp-app-id" },
        ],
        jobs: [
          {
            job_type: "batch",
            purpose: "load",
            cluster_ref: "dataplatform-etl-job-dev",
            schedule: { cron: "0  30 2 * * ?" },
          },
        ],
      },
    });
    expect(r.resources[3]?.name).toBe("dataplatform-batch-load-nightly-dev");
    expect(r.problems).toEqual([]);
    expect(r.resources[1]?.properties).toMatchObject({ location: "s3://elsewhere/orders/", format: "delta" });
    expect(r.resources[1]?.dependencies).toEqual(["aws_glue_database.dataplatform_sales_bronze_dev"]);
    expect(r.resources[3]?.properties).toMatchObject({
      cluster_ref: "dbx_cluster.dataplatform-etl-job-dev",
      schedule: { quartz_cron_expression: "0 30 2 * * ?", timezone_id: "UTC", pause_status: "UNPAUSED" },
    });
  });

  it("accepts a reference to a resource that only exists in state", () => {
    const glue = { glue_tables: [{ database_ref: "legacy_db", entity: "orders", columns: [] }] };
    const without = resolveDoc({ aws: glue });
    expect(without.problems.map((p) => p.code)).toEqual(["BLUEPRINT_UNKNOWN_REF"]);
    const withState = resolveDoc(
      { aws: glue },
      {},
      { existsInState: (a) => a === "aws_glue_database.legacy_db" },
    );
    expect(withState.problems).toEqual([]);
    expect(withState.resources[0]).toMatchObject({
      address: "aws_glue_table.legacy_db.fact_orders",
      dependencies: ["aws_glue_database.legacy_db"],
    });
    expect(withState.executionOrder).toEqual(["aws_glue_table.legacy_db.fact_orders"]);
  });

  it("applies overrides to names and to the stack key", () => {
    const r = resolveDoc(
      { aws: { s3_buckets: [{ purpose: "landing", layer: "raw" }] } },
      {},
      { overrides: { environment: "stg" } },
    );
    expect(r.problems).toEqual([]);
    expect(r.resources[0]?.name).toBe("dataplatform-landing-raw-stg-use1");
    expect(r.resources[0]?.tags.Environment).toBe("stg");
    expect(r.stackKey).toEqual({ project: "dataplatform", environment: "stg" });
  });

  it("passes a parent's naming fields to nested UC objects", () => {
    const custom = builtInConvention();
    custom.patterns.dbx_table = { template: "{layer}_{table_type}_{entity}" };
    const text = JSON.stringify({
      version: "1.0",
      metadata: META,
      resources: {
        databricks: {
          unity_catalog: {
            catalogs: [
              {
                catalog_type: "main",
                schemas: [
                  {
                    domain: "sales",
                    layer: "gold",
                    tables: [{ entity: "kpis", columns: [{ name: "kpi", type: "string" }] }],
                  },
                ],
              },
            ],
          },
        },
      },
    });
    const r = resolveBlueprint(parseBlueprint(text, "bp.json"), custom);
    expect(r.problems).toEqual([]);
    expect(r.resources[2]?.name).toBe("gold_fact_kpis");
  });

  it("merges entry tags over the standard tags, and checks them for the target", () => {
    const r = resolveDoc({
      aws: { s3_buckets: [{ purpose: "landing", layer: "raw", tags: { Retention: "7y" } }] },
      databricks: {
        unity_catalog: { catalogs: [{ catalog_type: "main", tags: { "cost-center": "x" }, schemas: [] }] },
      },
    });
    expect(r.resources.map((x) => x.address)).toEqual(["aws_s3_bucket.dataplatform-landing-raw-dev-use1"]);
    expect(r.resources[0]?.tags).toEqual({
      Environment: "dev",
      Project: "dataplatform",
      ManagedBy: "dpn",
      Retention: "7y",
    });
    expect(r.problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      "TAG_KEY_CHARSET $.resources.databricks.unity_catalog.catalogs[0].tags",
    ]);
  });
});

describe("resolveBlueprint: problems, all at once", () => {
  it("warns about a metadata key that looks like a misspelt known key, and still resolves", () => {
    const text = JSON.stringify(
      { version: "1.0", metadata: { ...META, cost_centre: "cc-1", domain_owner: "x" }, resources: {} },
      null,
      2,
    );
    const r = resolveBlueprint(parseBlueprint(text, "bp.json"), conv, {});
    expect(brief(r.problems)).toEqual([
      'warning BLUEPRINT_METADATA_KEY_SUSPICIOUS $.metadata.cost_centre 7:5 | metadata key "cost_centre" is not a known key; it is used only as a naming value | Did you mean "cost_center"? Known keys: environment, project, region, team, cost_center, data_classification, owner.',
    ]);
  });

  it("collects naming errors per resource at its JSON path and keeps going", () => {
    const long = "x".repeat(60);
    const r = resolveBlueprint(
      parseBlueprint(
        JSON.stringify(
          {
            version: "1.0",
            metadata: META,
            resources: {
              aws: {
                s3_buckets: [
                  { purpose: long, layer: "raw" },
                  { purpose: "ok", layer: "raw" },
                ],
              },
            },
          },
          null,
          2,
        ),
        "bp.json",
      ),
      conv,
    );
    expect(r.resources.map((x) => x.name)).toEqual(["dataplatform-ok-raw-dev-use1"]);
    expect(r.problems.length).toBeGreaterThan(0);
    for (const p of r.problems) {
      expect(p).toMatchObject({
        path: "$.resources.aws.s3_buckets[0]",
        file: "bp.json",
        line: 11,
        column: 9,
        severity: "error",
      });
    }
    expect(r.problems.map((p) => p.message).join(" ")).toContain(long);
  });

  it("reports every semantic problem of a blueprint with both ends named", () => {
    const r = resolveBlueprint(loadBlueprint(`${FIXTURES}/semantic-errors.json`), conv);
    expect(brief(r.problems)).toEqual([
      "error BLUEPRINT_DUPLICATE_ADDRESS $.resources.aws.s3_buckets[1] 8:9 | aws_s3_bucket.dataplatform-landing-raw-dev-use1 is declared twice: at $.resources.aws.s3_buckets[0] (line 7) and at $.resources.aws.s3_buckets[1] (line 8) | Two entries generate the same name; change a naming field (purpose, domain, entity, …) of one, or remove it.",
      'error BLUEPRINT_UNKNOWN_LAYER $.resources.aws.s3_buckets[2].layer 9:42 | layer "archive" of $.resources.aws.s3_buckets[2] is not a known layer (allowed: raw, bronze, silver, gold, processed, curated) | Set layer to one of: raw, bronze, silver, gold, processed, curated.',
      'error BLUEPRINT_UNKNOWN_REF $.resources.aws.glue_tables[0].database_ref 13:27 | database_ref "sales-bronz" of $.resources.aws.glue_tables[0] does not match any glue database in the blueprint | Did you mean "sales-bronze"? Known glue databases: sales-bronze, dataplatform_sales_bronze_dev.',
      'error BLUEPRINT_UNKNOWN_REF $.resources.aws.glue_tables[1].bucket_ref 14:79 | bucket_ref "landng" of $.resources.aws.glue_tables[1] does not match any bucket in the blueprint | Did you mean "landing"? Known buckets: landing, dataplatform-landing-raw-dev-use1, archive, dataplatform-archive-archive-dev-use1.',
      'error BLUEPRINT_DUPLICATE_COLUMN $.resources.aws.glue_tables[1].columns[1] 14:137 | column "ID" of the Glue table $.resources.aws.glue_tables[1] is declared twice: at $.resources.aws.glue_tables[1].columns[0] (line 14) and at $.resources.aws.glue_tables[1].columns[1] | Column names are case-insensitive on the platform; rename or remove one.',
      'warning GLUE_COLUMN_NAME_CASE $.resources.aws.glue_tables[1].columns[1].name 14:147 | column name "ID" of Glue table $.resources.aws.glue_tables[1] is not lower case; Glue keeps it as written but Athena folds names to lower case | Use "id".',
      "error BLUEPRINT_AUTOSCALE_RANGE $.resources.databricks.clusters[0].autoscale 18:106 | cluster $.resources.databricks.clusters[0] autoscale min 8 is not below max 2; Databricks requires max_workers to be strictly greater than min_workers | Set max above min (e.g. max 9), or use num_workers 8 for a fixed size.",
      "error BLUEPRINT_CLUSTER_SIZE_CONFLICT $.resources.databricks.clusters[0].num_workers 18:145 | cluster $.resources.databricks.clusters[0] has both autoscale and num_workers | Keep autoscale {min, max} for an autoscaling cluster or num_workers for a fixed size (0: single node).",
      'error BLUEPRINT_UNKNOWN_REF $.resources.databricks.jobs[0].cluster_ref 23:26 | cluster_ref "etll" of $.resources.databricks.jobs[0] does not match any cluster in the blueprint | Did you mean "etl"? Known clusters: etl, dataplatform-etl-shared-dev.',
      'error BLUEPRINT_TASK_CYCLE $.resources.databricks.jobs[0].tasks[0] 26:13 | tasks of job $.resources.databricks.jobs[0] depend on each other in a cycle: a → c → b → a | Remove one depends_on between "a" and "b".',
      'error BLUEPRINT_UNKNOWN_TASK $.resources.databricks.jobs[0].tasks[2].depends_on[1] 28:75 | task "c" depends on "d", which is not a task of job $.resources.databricks.jobs[0] | Task keys of this job: a, b, c, e.',
      'error BLUEPRINT_TASK_EMPTY $.resources.databricks.jobs[0].tasks[3] 29:13 | task "e" of job $.resources.databricks.jobs[0] has nothing to run (no notebook_path and no *_task) | Did you mean "notebook_path"? Add notebook_path (short form) or a Jobs API task such as notebook_task.',
    ]);
  });

  it("reports an ambiguous reference naming every match", () => {
    const r = resolveDoc({
      aws: {
        s3_buckets: [
          { purpose: "lake", layer: "bronze" },
          { purpose: "lake", layer: "silver" },
        ],
        glue_databases: [{ domain: "sales", layer: "bronze" }],
        glue_tables: [{ database_ref: "sales-bronze", entity: "orders", bucket_ref: "lake", columns: [] }],
      },
    });
    expect(r.problems.map((p) => [p.code, p.message, p.hint])).toEqual([
      [
        "BLUEPRINT_AMBIGUOUS_REF",
        'bucket_ref "lake" of $.resources.aws.glue_tables[0] matches 2 buckets: aws_s3_bucket.dataplatform-lake-bronze-dev-use1, aws_s3_bucket.dataplatform-lake-silver-dev-use1',
        "Refer to one of them by its generated name instead: dataplatform-lake-bronze-dev-use1, dataplatform-lake-silver-dev-use1.",
      ],
    ]);
    expect(r.resources.map((x) => x.type)).toEqual(["aws_s3_bucket", "aws_s3_bucket", "aws_glue_database"]);
  });

  it("reports two identical entries once, as a duplicate, not as an ambiguous reference", () => {
    const r = resolveDoc({
      aws: {
        s3_buckets: [
          { purpose: "lake", layer: "raw" },
          { purpose: "lake", layer: "raw" },
        ],
        glue_databases: [{ domain: "sales", layer: "bronze" }],
        glue_tables: [{ database_ref: "sales-bronze", entity: "orders", bucket_ref: "lake", columns: [] }],
      },
    });
    expect(r.problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      "BLUEPRINT_DUPLICATE_ADDRESS $.resources.aws.s3_buckets[1]",
    ]);
    expect(r.resources.map((x) => x.address)).toEqual([
      "aws_s3_bucket.dataplatform-lake-raw-dev-use1",
      "aws_glue_database.dataplatform_sales_bronze_dev",
      "aws_glue_table.dataplatform_sales_bronze_dev.fact_orders",
    ]);
  });

  it("checks KMS settings, volume storage and partition columns", () => {
    const r = resolveDoc({
      aws: {
        s3_buckets: [
          { purpose: "a", layer: "raw", encryption: "aws:kms" },
          { purpose: "b", layer: "raw", kms_key_id: "k" },
        ],
      },
      databricks: {
        unity_catalog: {
          catalogs: [
            {
              catalog_type: "main",
              schemas: [
                {
                  domain: "d",
                  layer: "raw",
                  tables: [{ entity: "t", columns: [{ name: "id", type: "BIGINT" }], partition_by: ["dt"] }],
                  volumes: [
                    { purpose: "x", volume_type: "EXTERNAL" },
                    { purpose: "y", storage_location: "s3://b/y" },
                  ],
                },
              ],
            },
          ],
        },
      },
    });
    expect(r.problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      "BLUEPRINT_KMS_KEY_REQUIRED $.resources.aws.s3_buckets[0].encryption",
      "BLUEPRINT_KMS_KEY_UNUSED $.resources.aws.s3_buckets[1].kms_key_id",
      "BLUEPRINT_UNKNOWN_PARTITION_COLUMN $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0].partition_by[0]",
      "BLUEPRINT_STORAGE_LOCATION_REQUIRED $.resources.databricks.unity_catalog.catalogs[0].schemas[0].volumes[0].volume_type",
      "BLUEPRINT_STORAGE_LOCATION_FORBIDDEN $.resources.databricks.unity_catalog.catalogs[0].schemas[0].volumes[1].storage_location",
    ]);
  });

  it("allows a layer the convention's values declare", () => {
    const custom = builtInConvention();
    custom.resource_types.aws_s3_bucket = { layer: "archive" };
    const text = JSON.stringify({
      version: "1.0",
      metadata: META,
      resources: { aws: { s3_buckets: [{ purpose: "backup", layer: "archive" }] } },
    });
    expect(resolveBlueprint(parseBlueprint(text, "bp.json"), custom).problems).toEqual([]);
    expect(resolveBlueprint(parseBlueprint(text, "bp.json"), conv).problems.map((p) => p.code)).toEqual([
      "BLUEPRINT_UNKNOWN_LAYER",
    ]);
  });

  it("gives a BLUEPRINT_UNKNOWN_LAYER hint whose every suggestion validates", () => {
    const doc = (layer: string) =>
      JSON.stringify({
        version: "1.0",
        metadata: META,
        resources: { aws: { s3_buckets: [{ purpose: "landing", layer }] } },
      });
    const [p] = resolveBlueprint(parseBlueprint(doc("bronz"), "bp.json"), conv).problems;
    expect(p?.code).toBe("BLUEPRINT_UNKNOWN_LAYER");
    const hint = p?.hint ?? "";
    const suggested = hint.match(/Did you mean "([^"]+)"\?/)?.[1];
    const listed = hint.match(/Set layer to one of: (.+)\.$/)?.[1]?.split(", ") ?? [];
    expect(suggested).toBe("bronze");
    expect(listed).toContain("bronze");
    for (const layer of [suggested ?? "", ...listed])
      expect(resolveBlueprint(parseBlueprint(doc(layer), "bp.json"), conv).problems).toEqual([]);
    // The hint offers no naming-values.yaml edit because config validation refuses a new layer there.
    expect(hint).not.toMatch(/naming-values/);
    const dir = mkdtempSync(join(tmpdir(), "dpn-layer-"));
    const values = join(dir, "naming-values.yaml");
    writeFileSync(values, 'version: "1.0"\nresource_types:\n  aws_s3_bucket:\n    layer: bronz\n');
    expect(() => loadConvention({ cwd: dir, valuesPath: values })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }),
    );
  });

  it("still resolves the valid entries of a blueprint with schema problems, without repeating them", () => {
    const r = resolveDoc({
      aws: {
        s3_buckets: [{ purpose: "landing" }, { purpose: "lake", layer: "raw" }],
        glue_databases: [{ domain: "sales", layer: "bronze" }],
        glue_tables: [{ database_ref: "sales-bronze", entity: "orders", columns: "id" }],
      },
    });
    expect(r.problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      "BLUEPRINT_MISSING_KEY $.resources.aws.s3_buckets[0]",
      "BLUEPRINT_WRONG_TYPE $.resources.aws.glue_tables[0].columns",
    ]);
    expect(r.resources.map((x) => x.address)).toEqual([
      "aws_s3_bucket.dataplatform-lake-raw-dev-use1",
      "aws_glue_database.dataplatform_sales_bronze_dev",
    ]);
  });
});

describe("resolveBlueprint: scope", () => {
  const uc = {
    databricks: {
      unity_catalog: {
        catalogs: [
          {
            catalog_type: "main",
            schemas: [{ domain: "sales", layer: "bronze", tables: [ID_TABLE("orders"), ID_TABLE("items")] }],
          },
        ],
      },
    },
    aws: { s3_buckets: [{ purpose: "landing", layer: "raw" }] },
  };

  it("keeps resources by type glob or address glob", () => {
    const r = resolveDoc(uc, {
      scope: {
        mode: "include",
        patterns: ["aws_*", "dbx_catalog", "dbx_schema.*", "dbx_table.*.fact_orders"],
      },
    });
    expect(r.problems).toEqual([]);
    expect(r.executionOrder).toEqual([
      "dbx_catalog.dataplatform_main_dev",
      "dbx_schema.dataplatform_main_dev.sales_bronze",
      "dbx_table.dataplatform_main_dev.sales_bronze.fact_orders",
      "aws_s3_bucket.dataplatform-landing-raw-dev-use1",
    ]);
  });

  it("excludes resources; excluding a dependency of a kept resource is an error naming both", () => {
    const r = resolveDoc(uc, { scope: { mode: "exclude", patterns: ["dbx_schema"] } });
    expect(r.problems.map((p) => [p.code, p.path, p.message])).toEqual([
      [
        "BLUEPRINT_SCOPE_MISSING_DEPENDENCY",
        "$.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0]",
        "scope keeps dbx_table.dataplatform_main_dev.sales_bronze.fact_orders but filters out dbx_schema.dataplatform_main_dev.sales_bronze, which it depends on and which does not exist yet",
      ],
      [
        "BLUEPRINT_SCOPE_MISSING_DEPENDENCY",
        "$.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[1]",
        "scope keeps dbx_table.dataplatform_main_dev.sales_bronze.fact_items but filters out dbx_schema.dataplatform_main_dev.sales_bronze, which it depends on and which does not exist yet",
      ],
    ]);
  });

  it("allows filtering out a dependency that already exists in state", () => {
    const r = resolveBlueprint(loadBlueprint(`${FIXTURES}/scope-closure.json`), conv, {
      existsInState: (a) => a === "dbx_schema.dataplatform_main_dev.sales_bronze",
    });
    expect(brief(r.problems)).toEqual([
      'warning BLUEPRINT_SCOPE_PATTERN_UNUSED $.scope.patterns 16:45 | scope pattern "dbx_scheme" matches no resource of the blueprint | Did you mean "dbx_schema"? Patterns match type keys (aws_s3_bucket, dbx_*) or addresses.',
    ]);
    expect(r.resources.map((x) => [x.address, x.dependencies])).toEqual([
      [
        "dbx_table.dataplatform_main_dev.sales_bronze.fact_orders",
        ["dbx_schema.dataplatform_main_dev.sales_bronze"],
      ],
    ]);
  });

  it("reports scope closure from a fixture without state", () => {
    const r = resolveBlueprint(loadBlueprint(`${FIXTURES}/scope-closure.json`), conv);
    expect(brief(r.problems)).toEqual([
      "error BLUEPRINT_SCOPE_MISSING_DEPENDENCY $.resources.databricks.unity_catalog.catalogs[0].schemas[0].tables[0] 10:76 | scope keeps dbx_table.dataplatform_main_dev.sales_bronze.fact_orders but filters out dbx_schema.dataplatform_main_dev.sales_bronze, which it depends on and which does not exist yet | Add a scope pattern that keeps dbx_schema.dataplatform_main_dev.sales_bronze (or its type), or apply it first.",
      'warning BLUEPRINT_SCOPE_PATTERN_UNUSED $.scope.patterns 16:45 | scope pattern "dbx_scheme" matches no resource of the blueprint | Did you mean "dbx_schema"? Patterns match type keys (aws_s3_bucket, dbx_*) or addresses.',
    ]);
  });
});

describe("validateBlueprint / assertResolved", () => {
  it("returns a JSON syntax error as a problem instead of throwing", () => {
    expect(
      validateBlueprint(`${FIXTURES}/invalid-json.json`, conv).map((p) => [p.code, p.line, p.column]),
    ).toEqual([["BLUEPRINT_JSON_INVALID", 6, 3]]);
  });

  it("returns schema, naming and rule problems together", () => {
    const codes = validateBlueprint(`${FIXTURES}/bad-enums.json`, conv).map((p) => p.code);
    expect(codes).toContain("BLUEPRINT_INVALID_VALUE");
    expect(codes).toContain("BLUEPRINT_UNKNOWN_LAYER");
    expect(codes).toContain("BLUEPRINT_UNKNOWN_REF");
  });

  it("throws BLUEPRINT_INVALID (exit 3) carrying every problem", () => {
    let err: DpnError | undefined;
    try {
      loadResolvedBlueprint(`${FIXTURES}/semantic-errors.json`, conv);
    } catch (e) {
      err = e as DpnError;
    }
    expect(err?.code).toBe("BLUEPRINT_INVALID");
    expect(err?.exitCode).toBe(3);
    expect(err?.problems).toHaveLength(12); // 11 errors and one warning
    expect(err?.message).toBe(
      `blueprint ${FIXTURES}/semantic-errors.json has 11 problems; first: ${FIXTURES}/semantic-errors.json:8:9: aws_s3_bucket.dataplatform-landing-raw-dev-use1 is declared twice: at $.resources.aws.s3_buckets[0] (line 7) and at $.resources.aws.s3_buckets[1] (line 8)`,
    );
  });

  it("passes a blueprint with warnings only", () => {
    const r = resolveBlueprint(loadBlueprint(`${FIXTURES}/scope-closure.json`), conv, {
      existsInState: () => true,
    });
    expect(assertResolved(r)).toBe(r);
  });
});

describe("resolveBlueprint: walking the resource lists (placements of the type specs)", () => {
  it("walks platforms and their lists in document order", () => {
    const r = resolveDoc({
      databricks: { clusters: [{ workload: "etl", cluster_type: "shared", node_type: "i3.xlarge" }] },
      aws: {
        glue_databases: [{ domain: "sales", layer: "bronze" }],
        s3_buckets: [{ purpose: "landing", layer: "raw" }],
      },
    });
    expect(r.problems).toEqual([]);
    expect(r.resources.map((x) => x.type)).toEqual(["dbx_cluster", "aws_glue_database", "aws_s3_bucket"]);
  });

  it("reports a list key that only Object.prototype knows as an unknown key (it used to throw a TypeError)", () => {
    for (const key of ["toString", "constructor", "hasOwnProperty"]) {
      const r = resolveDoc({ aws: { [key]: [{ purpose: "x", layer: "raw" }] } });
      expect(r.resources, key).toEqual([]);
      expect(
        r.problems.map((p) => `${p.code} ${p.path}`),
        key,
      ).toEqual([`BLUEPRINT_UNKNOWN_KEY $.resources.aws.${key}`]);
    }
  });
});
