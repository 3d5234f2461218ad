import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtInConvention } from "../config/load-convention.js";
import { DpnError } from "../core/errors.js";
import { scanEstate } from "./classify.js";
import type { ScanObject, ScanOptions } from "./types.js";

interface Labelled {
  label: { status: string; passing?: boolean; rules?: string[]; suggested_name?: string };
  object: ScanObject;
}
const estate = JSON.parse(
  readFileSync(new URL("../../test/fixtures/scan/estate.json", import.meta.url), "utf8"),
) as {
  options: ScanOptions;
  objects: Labelled[];
};
const conv = builtInConvention();
const report = scanEstate(
  conv,
  estate.objects.map((o) => o.object),
  estate.options,
);
const statusOf = (o: ScanObject) => {
  const id = `${o.type}:${o.fullName ?? o.name}`;
  if (report.out_of_scope.some((x) => x.id === id)) return "out_of_scope";
  return report.objects.find((x) => x.id === id)?.status ?? "missing";
};

describe("scanEstate on the seeded estate", () => {
  it("classifies every object as labelled: precision and recall 1.0 for every class", () => {
    const classes = ["managed", "compliant", "noncompliant", "out_of_scope"];
    for (const cls of classes) {
      const predicted = estate.objects.filter((o) => statusOf(o.object) === cls);
      const actual = estate.objects.filter((o) => o.label.status === cls);
      const tp = predicted.filter((o) => o.label.status === cls).length;
      expect(actual.length, cls).toBeGreaterThan(0);
      expect({ cls, precision: tp / predicted.length, recall: tp / actual.length }).toEqual({
        cls,
        precision: 1,
        recall: 1,
      });
    }
  });

  it("raises the labelled rules, suggests the labelled names and passes the labelled objects", () => {
    for (const { label, object } of estate.objects) {
      if (label.status === "out_of_scope") continue;
      const r = report.objects.find((x) => x.name === object.name && x.type === object.type)!;
      const rules = r.findings.map((f) => f.rule_id);
      for (const id of label.rules ?? [])
        expect(rules, `${object.name}: ${JSON.stringify(r.findings)}`).toContain(id);
      if (label.suggested_name) expect(r.suggested_name, object.name).toBe(label.suggested_name);
      if (label.passing !== undefined)
        expect(r.passing, `${object.name}: ${JSON.stringify(r.findings)}`).toBe(label.passing);
      if (label.status === "noncompliant") expect(r.passing).toBe(false);
    }
  });

  it("summarises and scores per type, environment and team", () => {
    const s = report.summary;
    expect(s.objects).toBe(estate.objects.length);
    expect(s.in_scope + s.out_of_scope).toBe(s.objects);
    expect(s.managed + s.compliant + s.noncompliant).toBe(s.in_scope);
    expect(s.score).toBe(Math.floor((s.passing / s.in_scope) * 1000) / 10);
    const byType = Object.fromEntries(report.scores.by_type.map((r) => [r.key, r]));
    expect(byType.aws_s3_bucket!.total).toBe(9);
    // tmp-scratch-bucket shows no environment in its name or tags: the filter places it
    expect(report.scores.by_environment.map((r) => r.key)).toEqual(["prd"]);
    expect(report.scores.by_team.reduce((n, r) => n + r.total, 0)).toBe(s.in_scope);
    expect(report.kind).toBe("dpn.scan.report");
    expect(report.generated_at).toBe("2026-12-01T09:00:00.000Z");
  });

  it("a managed object keeps its status when its name drifts from the convention, with warnings", () => {
    const r = scanEstate(conv, [
      {
        type: "aws_s3_bucket",
        name: "old-style-bucket",
        region: "us-east-1",
        tags: { dpn_stack: "dataplatform/prd", dpn_address: "aws_s3_bucket.old-style-bucket" },
      },
    ]);
    expect(r.objects[0]!.status).toBe("managed");
    expect(r.objects[0]!.stack).toEqual({
      id: "dataplatform/prd",
      address: "aws_s3_bucket.old-style-bucket",
    });
    expect(r.objects[0]!.findings.find((f) => f.rule_id === "DPN-N001")?.level).toBe("warning");
  });

  it("a prd name tagged Environment=dev is a tag finding that names both values", () => {
    const r = scanEstate(conv, [
      {
        type: "dbx_catalog",
        name: "dataplatform_main_prd",
        tags: { Environment: "dev", Project: "dataplatform", Team: "t", CostCenter: "c" },
      },
    ]);
    const f = r.objects[0]!.findings;
    expect(f).toEqual([expect.objectContaining({ rule_id: "DPN-T002", value: "dev", expected: "prd" })]);
  });

  it("refuses an object type the convention does not name, and duplicates", () => {
    expect(() => scanEstate(conv, [{ type: "aws_s3_buckt", name: "x" }])).toThrow(DpnError);
    const dup: ScanObject = { type: "dbx_catalog", name: "dataplatform_main_prd" };
    try {
      scanEstate(conv, [dup, dup]);
      expect.unreachable();
    } catch (e) {
      expect((e as DpnError).code).toBe("SCAN_DUPLICATE_OBJECT");
    }
  });
});
