/** The management facts read from the specs: lookups by id, desired settings, structural dependencies. */
import { describe, expect, it } from "vitest";
import type { ProvisionedType } from "../core/resources.js";
import {
  desiredPropertiesOf,
  lookupByName,
  minimalDesired,
  remoteIdField,
  structuralDependencies,
} from "./records.js";
import type { StateRow } from "./spec.js";

const row = (
  type: ProvisionedType,
  fullName: string,
  properties: Record<string, unknown> = {},
  remoteId = fullName,
): StateRow => ({
  address: `${type}.${fullName}`,
  type,
  name: fullName.split(".").pop() as string,
  fullName,
  remoteId,
  properties,
});

describe("minimalDesired", () => {
  it.each([
    ["aws_s3_bucket", "raw-bucket", "raw-bucket", {}],
    ["aws_glue_table", "sales.orders", "orders", { database: "sales" }],
    ["aws_glue_table", "orders", "orders", { database: "" }],
    ["dbx_schema", "main.sales", "sales", { catalog_name: "main" }],
    ["dbx_table", "main.sales.orders", "orders", { catalog_name: "main", schema_name: "sales" }],
    ["dbx_volume", "sales.landing", "landing", { catalog_name: "", schema_name: "" }],
    ["dbx_cluster", "0101-abc", "0101-abc", {}],
  ] as const)("%s %s: name %s and the parent names", (type, id, name, properties) => {
    expect(minimalDesired(type, id)).toEqual({
      type,
      address: `${type}.${id}`,
      name,
      fullName: id,
      properties,
      tags: {},
      dependencies: [],
      source: "--resource-id",
    });
  });
});

describe("lookups by name", () => {
  it("are meaningful except for clusters and jobs, which are identified by their platform id", () => {
    expect(lookupByName("dbx_cluster")).toBe(false);
    expect(lookupByName("dbx_job")).toBe(false);
    expect(lookupByName("dbx_table")).toBe(true);
    expect(lookupByName("aws_s3_bucket")).toBe(true);
    expect(remoteIdField("dbx_cluster")).toBe("cluster_id");
    expect(remoteIdField("dbx_job")).toBe("job_id");
    expect(remoteIdField("aws_glue_table")).toBeUndefined();
  });
});

describe("desiredPropertiesOf", () => {
  it("keeps the desired vocabulary's keys the live object has", () => {
    const live = { region: "eu-west-1", versioning: true, kms_key_id: undefined, Name: "b", arn: "x" };
    expect(desiredPropertiesOf("aws_s3_bucket", live, [])).toEqual({ region: "eu-west-1", versioning: true });
  });

  it("gives a job its cluster's address when state knows the cluster id, else the id", () => {
    const cluster = row("dbx_cluster", "etl", {}, "0101-abc");
    expect(
      desiredPropertiesOf("dbx_job", { cluster_id: "0101-abc", max_concurrent_runs: 1 }, [cluster]),
    ).toEqual({
      max_concurrent_runs: 1,
      cluster_ref: "dbx_cluster.etl",
    });
    expect(desiredPropertiesOf("dbx_job", { cluster_id: "0202-x" }, [cluster])).toEqual({
      cluster_ref: "0202-x",
    });
    expect(
      desiredPropertiesOf("dbx_job", { cluster_ref: "dbx_cluster.a", cluster_id: "0101-abc" }, [cluster]),
    ).toEqual({ cluster_ref: "dbx_cluster.a" });
  });
});

describe("structuralDependencies", () => {
  const bucket = row("aws_s3_bucket", "lake");
  const db = row("aws_glue_database", "sales");
  const catalog = row("dbx_catalog", "main");
  const schema = row("dbx_schema", "main.sales");
  const cluster = row("dbx_cluster", "etl", {}, "0101-abc");
  const rows = [bucket, db, catalog, schema, cluster];

  it.each([
    [
      "a Glue table: its database (any case) and the bucket of its location",
      row("aws_glue_table", "sales.orders", { database: "SALES", location: "s3://lake/sales/orders/" }),
      ["aws_s3_bucket.lake", "aws_glue_database.sales"],
    ],
    ["a UC schema: its catalog", row("dbx_schema", "main.x", { catalog_name: "Main" }), ["dbx_catalog.main"]],
    [
      "a UC table: its schema and an s3a:// location's bucket",
      row("dbx_table", "main.sales.t", {
        catalog_name: "main",
        schema_name: "sales",
        storage_location: "s3a://lake",
      }),
      ["aws_s3_bucket.lake", "dbx_schema.main.sales"],
    ],
    [
      "a volume: its schema",
      row("dbx_volume", "main.sales.v", { catalog_name: "main", schema_name: "sales" }),
      ["dbx_schema.main.sales"],
    ],
    [
      "a catalog: the bucket of its storage root",
      row("dbx_catalog", "other", { storage_root: "s3://lake/uc" }),
      ["aws_s3_bucket.lake"],
    ],
    [
      "a job: its cluster by address",
      row("dbx_job", "j", { cluster_ref: "dbx_cluster.etl" }),
      ["dbx_cluster.etl"],
    ],
    [
      "a job: a task's cluster by id",
      row("dbx_job", "j", { tasks: [{ existing_cluster_id: "0101-abc" }] }),
      ["dbx_cluster.etl"],
    ],
    ["a bucket: nothing", row("aws_s3_bucket", "other", { location: "s3://lake" }), []],
    [
      "a location in no known bucket: nothing",
      row("aws_glue_table", "x.t", { location: "s3://elsewhere/" }),
      [],
    ],
  ])("%s", (_what, r, deps) => {
    expect(structuralDependencies(r, rows)).toEqual(deps);
  });

  it("never lists the row itself", () => {
    const self = row("dbx_catalog", "main", { storage_root: "s3://lake" });
    expect(structuralDependencies(self, [...rows, self])).toEqual(["aws_s3_bucket.lake"]);
  });
});
