import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { builtInConvention } from "../config/load-convention.js";
import { scanEstate } from "./classify.js";
import { renderHtml } from "./report-html.js";
import { renderJson } from "./report-json.js";
import { renderJunit, xmlEscape } from "./report-junit.js";
import { renderSarif, sarifLog } from "./report-sarif.js";
import { renderTable } from "./report-table.js";
import { SCAN_RULES } from "./rules.js";
import { failUnder, parseFailUnder } from "./score.js";
import type { ScanObject, ScanOptions } from "./types.js";

const require = createRequire(import.meta.url);
const estate = JSON.parse(
  readFileSync(new URL("../../test/fixtures/scan/estate.json", import.meta.url), "utf8"),
) as {
  options: ScanOptions;
  objects: { object: ScanObject }[];
};
const report = scanEstate(
  builtInConvention(),
  estate.objects.map((o) => o.object),
  estate.options,
);
const findingCount = report.objects.reduce((n, o) => n + o.findings.length, 0);

describe("table", () => {
  it("summarises, scores and lists what does not pass with reasons and suggestions", () => {
    const text = renderTable(report);
    const s = report.summary;
    expect(text).toContain(`Compliance ${s.score}% (${s.passing}/${s.in_scope} pass)`);
    expect(text).toMatch(/^By type: .*aws_s3_bucket \d+(\.\d)?% \(\d+\/9\)/m);
    expect(text).toMatch(
      /^noncompliant +aws_s3_bucket +dataplatform-logs-raw-prod-use1 +dataplatform-logs-raw-prd-use1 +DPN-N002 /m,
    );
    const failing = report.objects.filter((o) => !o.passing).length;
    const rows = text.split("\n").filter((l) => /^(noncompliant|compliant\*|managed\*)\s/.test(l));
    expect(rows).toHaveLength(failing);
    expect(
      renderTable(report, { all: true })
        .split("\n")
        .filter((l) => /^(noncompliant|compliant|managed)/.test(l)),
    ).toHaveLength(report.objects.length);
  });
});

describe("JSON", () => {
  it("is the report, versioned", () => {
    const doc = JSON.parse(renderJson(report));
    expect(doc).toMatchObject({ kind: "dpn.scan.report", version: 1 });
    expect(doc.objects).toHaveLength(report.objects.length);
    expect(doc.rules.map((r: { id: string }) => r.id)).toEqual(SCAN_RULES.map((r) => r.id));
  });
});

describe("SARIF 2.1.0", () => {
  const schema = JSON.parse(
    readFileSync(new URL("../../test/fixtures/scan/sarif/sarif-schema-2.1.0.json", import.meta.url), "utf8"),
  );
  const Ajv = require("ajv").default as typeof import("ajv").default;
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The three formats the schema uses, checked as their RFCs define them (ajv-formats is not a dependency).
  ajv.addFormat("uri", (s: string) => URL.canParse(s));
  ajv.addFormat("uri-reference", (s: string) => URL.canParse(s, "http://base.invalid/"));
  ajv.addFormat(
    "date-time",
    (s: string) =>
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)),
  );
  const validate = ajv.compile(schema);

  it("declares draft-07, the schema ajv's default build validates", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
  });

  it("validates against the official schema", () => {
    const log = JSON.parse(renderSarif(report, { toolVersion: "0.2.0" }));
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("a broken log does not validate (the validator is live)", () => {
    const log = sarifLog(report) as { runs: { results: Record<string, unknown>[] }[] };
    log.runs[0]!.results[0]!.level = "fatal";
    expect(validate(log)).toBe(false);
  });

  it("has one result per finding, stable rule ids, rule indexes that point at them", () => {
    const log = sarifLog(report) as {
      runs: {
        tool: { driver: { rules: { id: string }[] } };
        results: { ruleId: string; ruleIndex: number; partialFingerprints: Record<string, string> }[];
      }[];
    };
    const run = log.runs[0]!;
    expect(run.results).toHaveLength(findingCount);
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(SCAN_RULES.map((r) => r.id));
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
    const prints = run.results.map((r) => r.partialFingerprints["dpnFinding/v1"]);
    expect(new Set(prints).size).toBe(prints.length);
  });
});

/** A small XML 1.0 well-formedness check: one root, balanced tags, quoted unique attributes, valid references. */
function wellFormed(xml: string): string | undefined {
  let i = 0;
  const stack: string[] = [];
  let roots = 0;
  const NAME = /^[A-Za-z_][\w.-]*/;
  const textOk = (t: string) => !/[<]/.test(t) && !/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(t);
  if (xml.startsWith("<?xml")) {
    const end = xml.indexOf("?>");
    if (end < 0) return "unterminated prolog";
    i = end + 2;
  }
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (!textOk(text)) return `bad text at ${i}`;
    if (!stack.length && text.trim()) return `text outside the root at ${i}`;
    if (lt < 0) break;
    const gt = xml.indexOf(">", lt);
    if (gt < 0) return `unterminated tag at ${lt}`;
    const tag = xml.slice(lt + 1, gt);
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) return `mismatched </${name}> at ${lt}`;
    } else {
      const self = tag.endsWith("/");
      const body = self ? tag.slice(0, -1) : tag;
      const name = NAME.exec(body)?.[0];
      if (!name) return `bad tag name at ${lt}`;
      let rest = body.slice(name.length);
      const seen = new Set<string>();
      while (rest.trim()) {
        const m = /^\s+([A-Za-z_][\w.:-]*)="([^"]*)"/.exec(rest);
        if (!m) return `bad attribute in <${name}> at ${lt}`;
        if (seen.has(m[1]!)) return `duplicate attribute ${m[1]}`;
        seen.add(m[1]!);
        if (!textOk(m[2]!)) return `bad attribute value in <${name}>`;
        rest = rest.slice(m[0].length);
      }
      if (!stack.length) roots++;
      if (roots > 1) return "more than one root";
      if (!self) stack.push(name);
    }
    i = gt + 1;
  }
  if (stack.length) return `unclosed <${stack.at(-1)}>`;
  return roots === 1 ? undefined : "no root";
}

describe("JUnit XML", () => {
  const xml = renderJunit(report);

  it("is well-formed", () => {
    expect(wellFormed(xml)).toBeUndefined();
    expect(wellFormed("<a><b></a></b>")).toBeDefined();
    expect(wellFormed('<a x="1 & 2"/>')).toBeDefined();
  });

  it("has one testcase per object and a failure for each object that does not pass", () => {
    expect(xml.match(/<testcase /g)).toHaveLength(report.objects.length);
    const failing = report.objects.filter((o) => !o.passing);
    expect(xml.match(/<failure /g)).toHaveLength(failing.length);
    expect(failing.filter((o) => o.status === "noncompliant").length).toBe(report.summary.noncompliant);
    expect(xml).toContain(
      `<testsuites name="dpn scan" tests="${report.objects.length}" failures="${failing.length}"`,
    );
    expect(xml).toContain('name="dataplatform-logs-raw-prod-use1"');
  });

  it("escapes what XML cannot carry raw", () => {
    expect(xmlEscape(`a<b>&"c'\u0001`)).toBe("a&lt;b&gt;&amp;&quot;c&apos;");
    const odd = scanEstate(builtInConvention(), [{ type: "dbx_cluster", name: 'ETL <"prod"> & co\u0007' }]);
    expect(wellFormed(renderJunit(odd))).toBeUndefined();
  });
});

describe("HTML", () => {
  const html = renderHtml(report);

  it("is self-contained: no external URL, no fetch allowed", () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link\b|<img\b|src=/);
    expect(html).toContain("default-src 'none'");
  });

  it("shows the score, a chart per grouping and a row per object", () => {
    expect(html).toContain(`id="score" data-score="${report.summary.score}"`);
    expect(html.match(/<svg id="chart-/g)).toHaveLength(3);
    expect(html.match(/<tr data-id=/g)).toHaveLength(report.objects.length);
  });

  it("escapes names", () => {
    const odd = scanEstate(builtInConvention(), [{ type: "dbx_cluster", name: "<script>alert(1)</script>" }]);
    const page = renderHtml(odd);
    expect(page).not.toContain("<script>alert(1)");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});

describe("--fail-under", () => {
  it("decides on the overall score", () => {
    const s = report.summary.score;
    expect(failUnder(report, s)).toMatchObject({ pass: true, exitCode: 0 });
    const below = failUnder(report, Math.min(100, s + 0.1));
    expect(below).toMatchObject({ pass: false, exitCode: 3 });
    expect(below.message).toContain(
      `${report.summary.in_scope - report.summary.passing} of ${report.summary.in_scope}`,
    );
  });

  it("parses percentages and refuses the rest with a usage error", () => {
    expect(parseFailUnder("80")).toBe(80);
    expect(parseFailUnder("92.5%")).toBe(92.5);
    for (const bad of ["", "abc", "101", "-1", "50 percent"]) {
      expect(() => parseFailUnder(bad)).toThrow(
        expect.objectContaining({ code: "FAIL_UNDER_INVALID", kind: "usage" }),
      );
    }
  });
});
