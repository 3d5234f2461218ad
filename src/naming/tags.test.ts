import { describe, expect, it } from "vitest";
import type { DpnError } from "../core/errors.js";
import { PROVISIONED_TYPES } from "../core/resources.js";
import { createBuiltInConvention } from "./built-ins.js";
import { checkTags, DPN_MARKERS, normaliseTags, standardTags, userTagBudget } from "./tags.js";

const codes = (type: Parameters<typeof checkTags>[0], tags: Record<string, string>, singleNode = false) =>
  checkTags(type, tags, { singleNode }).map((p) => p.code);
const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));

describe("standardTags", () => {
  it("builds the standard set through the precedence rule, omitting unknown values", () => {
    const conv = createBuiltInConvention();
    conv.defaults = { team: "data-platform", cost_center: "CC-1" };
    conv.environments = { prd: { data_classification: "confidential" } };
    const tags = standardTags(conv, {
      type: "aws_s3_bucket",
      metadata: { project: "dataplatform", environment: "prd" },
      extra: { Purpose: "raw", ManagedBy: "someone-else" },
    });
    expect(tags).toEqual({
      Environment: "prd",
      Project: "dataplatform",
      ManagedBy: "dpn",
      Team: "data-platform",
      CostCenter: "CC-1",
      DataClassification: "confidential",
      Purpose: "raw",
    });
    const withOwner = standardTags(conv, {
      type: "dbx_job",
      metadata: { environment: "dev", owner: "me@example.com" },
    });
    expect(withOwner.Owner).toBe("me@example.com");
    expect(withOwner.DataClassification).toBeUndefined();
  });
});

describe("checkTags", () => {
  it("AWS: key ≤128, value ≤256, no aws: prefix", () => {
    expect(codes("aws_s3_bucket", { ["k".repeat(129)]: "v" })).toEqual(["TAG_KEY_LENGTH"]);
    expect(codes("aws_s3_bucket", { k: "v".repeat(257) })).toEqual(["TAG_VALUE_LENGTH"]);
    expect(codes("aws_s3_bucket", { "AWS:x": "v" })).toEqual(["TAG_RESERVED_PREFIX"]);
    expect(codes("aws_s3_bucket", { "a#b": "v" })).toEqual(["TAG_KEY_CHARSET"]);
    expect(checkTags("aws_s3_bucket", { "Équipe données": "café +-=._:/@" })).toEqual([]);
  });

  it("Glue counts bytes and reserves keys starting with aws", () => {
    expect(codes("aws_glue_database", { ["é".repeat(65)]: "v" })).toEqual(["TAG_KEY_LENGTH"]); // 130 bytes
    expect(codes("aws_s3_bucket", { ["é".repeat(65)]: "v" })).toEqual([]);
    expect(codes("aws_glue_table", { awsTeam: "v" })).toEqual(["TAG_RESERVED_PREFIX"]);
  });

  it("Databricks: Latin-1, no Name, no default-tag collision", () => {
    expect(codes("dbx_cluster", { Name: "x" })).toEqual(["TAG_NAME_RESERVED"]);
    expect(codes("dbx_job", { ClusterName: "x" })).toEqual(["TAG_DEFAULT_COLLISION"]);
    expect(codes("dbx_cluster", { team: "データ" })).toEqual(
      expect.arrayContaining(["TAG_NOT_LATIN1", "TAG_VALUE_CHARSET"]),
    );
    expect(codes("dbx_cluster", { ["k".repeat(128)]: "v" })).toEqual(["TAG_KEY_LENGTH"]);
  });

  it("Unity Catalog: keys without . , - = / :, key ≤255, value ≤1000", () => {
    for (const ch of [".", ",", "-", "=", "/", ":"])
      expect(codes("dbx_volume", { [`a${ch}b`]: "v" })).toEqual(["TAG_KEY_CHARSET"]);
    expect(codes("dbx_catalog", { ["k".repeat(256)]: "v" })).toEqual(["TAG_KEY_LENGTH"]);
    expect(codes("dbx_schema", { k: "v".repeat(1001) })).toEqual(["TAG_VALUE_LENGTH"]);
    expect(checkTags("dbx_table", { cost_center: "CC-1, a=b" })).toEqual([]);
  });

  it("refuses dpn_ keys on every type: they are dpn's markers", () => {
    for (const type of PROVISIONED_TYPES)
      expect(codes(type, { dpn_stack: "x" }), type).toContain("TAG_DPN_RESERVED");
  });

  it("refuses reserved TBLPROPERTIES keys on UC tables only (exact, case-sensitive keys)", () => {
    for (const key of ["owner", "location", "provider", "external", "is_managed_location"]) {
      expect(codes("dbx_table", { [key]: "x" }), key).toEqual(["TAG_RESERVED_TABLE_PROPERTY"]);
      expect(codes("dbx_catalog", { [key]: "x" }), key).toEqual([]);
    }
    expect(codes("dbx_table", { Owner: "me@example.com" })).toEqual([]);
    expect(codes("dbx_table", { clusteringColumns: "x" })).toEqual(["TAG_RESERVED_TABLE_PROPERTY"]);
    const [p] = checkTags("dbx_table", { owner: "x" });
    expect(p?.message).toContain('"owner" is a reserved table property');
  });
});

describe("userTagBudget: platform maximum minus dpn's markers", () => {
  it("is one table for every type, naming the mechanism and its source", () => {
    const budget = (t: (typeof PROVISIONED_TYPES)[number]) => userTagBudget(t).user;
    expect(budget("aws_s3_bucket")).toBe(46);
    expect(budget("aws_glue_database")).toBe(46);
    expect(budget("dbx_cluster")).toBe(40);
    expect(userTagBudget("dbx_cluster", { singleNode: true }).user).toBe(39);
    expect(budget("dbx_job")).toBe(20);
    expect(budget("dbx_volume")).toBe(46);
    // Properties and parameters have no documented maximum.
    for (const t of ["aws_glue_table", "dbx_catalog", "dbx_schema", "dbx_table"] as const)
      expect(budget(t), t).toBeUndefined();
    expect(userTagBudget("dbx_table").mechanism).toBe("TBLPROPERTIES");
    expect(userTagBudget("dbx_volume").mechanism).toBe("Unity Catalog tags");
    expect(DPN_MARKERS.dbx_job.map((m) => m.key)).toEqual([
      "dpn_stack",
      "dpn_address",
      "dpn_archived_at",
      "dpn_archived_by",
      "dpn_prev_pause",
    ]);
    for (const t of PROVISIONED_TYPES) expect(userTagBudget(t).source, t).not.toBe("");
  });

  it("counts standard and blueprint tags against it, with the breakdown", () => {
    const standardKeys = [
      "Environment",
      "Project",
      "ManagedBy",
      "Team",
      "CostCenter",
      "DataClassification",
      "Owner",
    ];
    const tags = { ...Object.fromEntries(standardKeys.map((k) => [k, "v"])), ...many(41) };
    const [p, ...rest] = checkTags("aws_s3_bucket", tags, { standardKeys });
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ code: "TAG_COUNT", severity: "error" });
    expect(p?.message).toBe(
      "too many tags: 50 allowed in S3 bucket tags: 46 for your tags + 4 dpn markers; this bucket has 48: 7 standard + 41 from the blueprint",
    );
    expect(p?.hint).toContain("Remove 2 tags");
    expect(checkTags("aws_s3_bucket", many(46))).toEqual([]);
    expect(codes("aws_s3_bucket", many(47))).toEqual(["TAG_COUNT"]);
    expect(checkTags("dbx_cluster", many(40))).toEqual([]);
    expect(codes("dbx_cluster", many(41))).toEqual(["TAG_COUNT"]);
    expect(codes("dbx_job", many(21))).toEqual(["TAG_COUNT"]);
    expect(codes("dbx_volume", many(47))).toEqual(["TAG_COUNT"]);
    expect(checkTags("dbx_table", many(60))).toEqual([]);
  });

  it("single-node clusters give one tag to Databricks, which the blueprint may not set", () => {
    expect(checkTags("dbx_cluster", many(40), { singleNode: true })[0]?.message).toContain(
      "45 allowed in cluster custom_tags: 39 for your tags + 5 dpn markers + 1 single-node tag (ResourceClass)",
    );
    expect(codes("dbx_cluster", { ResourceClass: "SingleNode" }, true)).toEqual(["TAG_SINGLE_NODE_RESERVED"]);
    expect(codes("dbx_cluster", { ResourceClass: "x" })).toEqual([]);
  });
});

describe("normaliseTags", () => {
  it("returns a set that passes checkTags", () => {
    const uc = normaliseTags("uc", { "cost-center": "CC-1", "data.class": "x" });
    expect(uc).toEqual({ cost_center: "CC-1", data_class: "x" });
    expect(checkTags("dbx_volume", uc)).toEqual([]);
    const dbx = normaliseTags("dbx_cluster", { Équipe: "Données#1", k: "v".repeat(300) });
    expect(dbx.Equipe).toBe("Donnees_1");
    expect(dbx.k).toHaveLength(255);
    expect(checkTags("dbx_cluster", dbx)).toEqual([]);
    const glue = normaliseTags("glue", { k: "é".repeat(200) });
    expect(Buffer.byteLength(glue.k!)).toBeLessThanOrEqual(256);
  });

  it("throws TAGS_INVALID for what it cannot fix", () => {
    const attempt = (target: Parameters<typeof normaliseTags>[0], tags: Record<string, string>) => {
      try {
        normaliseTags(target, tags);
      } catch (e) {
        return e as DpnError;
      }
      throw new Error("expected TAGS_INVALID");
    };
    expect(attempt("dbx_cluster", { Name: "x" }).problems.map((p) => p.code)).toEqual(["TAG_NAME_RESERVED"]);
    expect(attempt("uc", { "a-b": "1", a_b: "2" }).problems.map((p) => p.code)).toEqual([
      "TAG_KEY_COLLISION",
    ]);
    expect(attempt("aws", { "aws:x": "1" }).code).toBe("TAGS_INVALID");
    expect(attempt("dbx_job", many(26)).problems.map((p) => p.code)).toEqual(["TAG_COUNT"]);
  });
});
