import { describe, expect, it } from "vitest";
import type { DpnError } from "../core/errors.js";
import { createBuiltInConvention } from "./built-ins.js";
import { checkTags, normaliseTags, standardTags } from "./tags.js";

const codes = (target: Parameters<typeof checkTags>[0], tags: Record<string, string>) =>
  checkTags(target, tags).map((p) => p.code);
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
  it("AWS: 50 tags, key ≤128, value ≤256, no aws: prefix", () => {
    expect(checkTags("aws", many(50))).toEqual([]);
    expect(codes("aws", many(51))).toEqual(["TAG_COUNT"]);
    expect(codes("aws", { ["k".repeat(129)]: "v" })).toEqual(["TAG_KEY_LENGTH"]);
    expect(codes("aws", { k: "v".repeat(257) })).toEqual(["TAG_VALUE_LENGTH"]);
    expect(codes("aws", { "AWS:x": "v" })).toEqual(["TAG_RESERVED_PREFIX"]);
    expect(codes("aws", { "a#b": "v" })).toEqual(["TAG_KEY_CHARSET"]);
    expect(checkTags("aws", { "Équipe données": "café +-=._:/@" })).toEqual([]);
  });

  it("Glue counts bytes and reserves keys starting with aws", () => {
    expect(codes("glue", { ["é".repeat(65)]: "v" })).toEqual(["TAG_KEY_LENGTH"]); // 130 bytes
    expect(codes("aws", { ["é".repeat(65)]: "v" })).toEqual([]);
    expect(codes("glue", { awsTeam: "v" })).toEqual(["TAG_RESERVED_PREFIX"]);
  });

  it("Databricks: 45 cluster / 25 job tags, Latin-1, no Name, no default-tag collision", () => {
    expect(checkTags("dbx_cluster", many(45))).toEqual([]);
    expect(codes("dbx_cluster", many(46))).toEqual(["TAG_COUNT"]);
    expect(codes("dbx_job", many(26))).toEqual(["TAG_COUNT"]);
    expect(codes("dbx_cluster", { Name: "x" })).toEqual(["TAG_NAME_RESERVED"]);
    expect(codes("dbx_job", { ClusterName: "x" })).toEqual(["TAG_DEFAULT_COLLISION"]);
    expect(codes("dbx_cluster", { team: "データ" })).toEqual(
      expect.arrayContaining(["TAG_NOT_LATIN1", "TAG_VALUE_CHARSET"]),
    );
    expect(codes("dbx_cluster", { ["k".repeat(128)]: "v" })).toEqual(["TAG_KEY_LENGTH"]);
  });

  it("Unity Catalog: keys without . , - = / :, ≤50 tags, key ≤255, value ≤1000", () => {
    for (const ch of [".", ",", "-", "=", "/", ":"])
      expect(codes("uc", { [`a${ch}b`]: "v" })).toEqual(["TAG_KEY_CHARSET"]);
    expect(codes("uc", many(51))).toEqual(["TAG_COUNT"]);
    expect(codes("uc", { ["k".repeat(256)]: "v" })).toEqual(["TAG_KEY_LENGTH"]);
    expect(codes("uc", { k: "v".repeat(1001) })).toEqual(["TAG_VALUE_LENGTH"]);
    expect(checkTags("uc", { cost_center: "CC-1, a=b" })).toEqual([]);
  });
});

describe("normaliseTags", () => {
  it("returns a set that passes checkTags", () => {
    const uc = normaliseTags("uc", { "cost-center": "CC-1", "data.class": "x" });
    expect(uc).toEqual({ cost_center: "CC-1", data_class: "x" });
    expect(checkTags("uc", uc)).toEqual([]);
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
