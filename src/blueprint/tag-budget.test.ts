/**
 * Tag budgets through blueprint resolution: the standard and blueprint tags of a resource are
 * counted against its platform maximum minus dpn's markers (naming/tags.ts userTagBudget).
 */
import { describe, expect, it } from "vitest";
import { builtInConvention } from "../config/load-convention.js";
import type { Problem } from "../core/errors.js";
import { parseBlueprint } from "./load.js";
import { resolveBlueprint } from "./resolve.js";

const conv = builtInConvention();
const META = {
  environment: "dev",
  project: "dataplatform",
  region: "us-east-1",
  team: "data",
  cost_center: "CC-1",
  data_classification: "internal",
  owner: "data@example.com",
};
const resolveDoc = (resources: unknown) =>
  resolveBlueprint(
    parseBlueprint(JSON.stringify({ version: "1.0", metadata: META, resources }, null, 2), "bp.json"),
    conv,
  );

const codes = (ps: Problem[]) => ps.map((p) => p.code);
const tagsOf = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "v"]));

const ucTable = (table: Record<string, unknown>) => ({
  databricks: {
    unity_catalog: {
      catalogs: [
        {
          catalog_type: "main",
          schemas: [{ domain: "sales", layer: "bronze", tables: [{ entity: "orders", ...table }] }],
        },
      ],
    },
  },
});
const cluster = (c: Record<string, unknown>) => ({
  databricks: { clusters: [{ workload: "etl", cluster_type: "shared", node_type: "i3.xlarge", ...c }] },
});

describe("tag budgets: dpn's markers count", () => {
  it("refuses a bucket whose tags plus dpn's 4 markers exceed S3's 50, with the breakdown", () => {
    // 7 standard + 41 blueprint = 48 tags: under 50, so the old check passed, and S3 refused 52.
    const r = resolveDoc({ aws: { s3_buckets: [{ purpose: "landing", layer: "raw", tags: tagsOf(41) }] } });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({
      code: "TAG_COUNT",
      path: "$.resources.aws.s3_buckets[0].tags",
      file: "bp.json",
      severity: "error",
      message:
        "too many tags: 50 allowed in S3 bucket tags: 46 for your tags + 4 dpn markers; this bucket has 48: 7 standard + 41 from the blueprint",
    });
    expect(r.problems[0]?.line).toBeGreaterThan(1);
    expect(r.resources).toHaveLength(0);
    const fits = resolveDoc({
      aws: { s3_buckets: [{ purpose: "landing", layer: "raw", tags: tagsOf(39) }] },
    });
    expect(fits.problems).toEqual([]);
  });

  it("counts a blueprint tag that replaces a standard one as standard", () => {
    const r = resolveDoc({
      aws: { s3_buckets: [{ purpose: "landing", layer: "raw", tags: { Team: "x", ...tagsOf(41) } }] },
    });
    expect(r.problems[0]?.message).toContain("this bucket has 48: 7 standard + 41 from the blueprint");
  });

  it("uses each platform's own budget: clusters 40 (45 − 5), single-node 39, jobs 20 (25 − 5), volumes 46", () => {
    expect(codes(resolveDoc(cluster({ tags: tagsOf(33) })).problems)).toEqual([]); // 7 + 33 = 40
    expect(codes(resolveDoc(cluster({ tags: tagsOf(34) })).problems)).toEqual(["TAG_COUNT"]);
    const single = resolveDoc(cluster({ num_workers: 0, tags: tagsOf(33) })).problems;
    expect(single[0]?.message).toContain(
      "39 for your tags + 5 dpn markers + 1 single-node tag (ResourceClass)",
    );
    const job = resolveDoc({
      databricks: {
        clusters: [{ workload: "etl", cluster_type: "shared", node_type: "i3.xlarge" }],
        jobs: [
          { job_type: "batch", purpose: "load", cluster_ref: "etl", schedule: "daily", tags: tagsOf(14) },
        ],
      },
    });
    const volume = resolveDoc({
      databricks: {
        unity_catalog: {
          catalogs: [
            {
              catalog_type: "main",
              schemas: [
                { domain: "sales", layer: "bronze", volumes: [{ purpose: "files", tags: tagsOf(40) }] },
              ],
            },
          ],
        },
      },
    });
    expect(volume.problems[0]?.message).toBe(
      "too many tags: 50 allowed in Unity Catalog tags: 46 for your tags + 4 dpn markers; this volume has 47: 7 standard + 40 from the blueprint",
    );
    expect(job.problems[0]?.message).toBe(
      "too many tags: 25 allowed in job tags: 20 for your tags + 5 dpn markers; this job has 21: 7 standard + 14 from the blueprint",
    );
  });

  it("applies no count to mechanisms without a maximum (TBLPROPERTIES), but refuses reserved keys there", () => {
    const many = resolveDoc(ucTable({ columns: [{ name: "id", type: "bigint" }], tags: tagsOf(60) }));
    expect(many.problems).toEqual([]);
    const reserved = resolveDoc(
      ucTable({ columns: [{ name: "id", type: "bigint" }], tags: { owner: "x", location: "y" } }),
    );
    expect(codes(reserved.problems)).toEqual(["TAG_RESERVED_TABLE_PROPERTY", "TAG_RESERVED_TABLE_PROPERTY"]);
    expect(reserved.problems[0]?.message).toContain('"owner" is a reserved table property');
  });

  it("refuses user tags that would take a dpn marker key, and the single-node tag", () => {
    const r = resolveDoc(
      cluster({ num_workers: 0, tags: { dpn_stack: "mine", ResourceClass: "SingleNode" } }),
    );
    expect(codes(r.problems)).toEqual(["TAG_DPN_RESERVED", "TAG_SINGLE_NODE_RESERVED"]);
  });
});
