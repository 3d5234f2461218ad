/**
 * The HTML report in a real browser: headless Chromium takes a screenshot and dumps the DOM after
 * the report's script ran, with and without a filter in the URL fragment. Skipped, with a message,
 * only when no Chromium is installed (CI installs the Debian package `chromium`).
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { builtInConvention } from "../config/load-convention.js";
import { scanEstate } from "./classify.js";
import { renderHtml } from "./report-html.js";
import type { ScanObject, ScanOptions } from "./types.js";

const run = promisify(execFile);
const browser = ["chromium", "chromium-browser", "google-chrome"].find(
  (b) => spawnSync("sh", ["-c", `command -v ${b}`], { encoding: "utf8" }).status === 0,
);
if (!browser)
  console.warn("report-html.browser.test: no chromium on PATH, skipping (apt-get install chromium)");

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
const dir = mkdtempSync(path.join(tmpdir(), "dpn-html-"));
const file = path.join(dir, "report.html");
writeFileSync(file, renderHtml(report));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let profile = 0;
async function chromium(args: string[], fragment = ""): Promise<string> {
  const { stdout } = await run(
    browser!,
    [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${path.join(dir, `profile-${profile++}`)}`,
      ...args,
      `${pathToFileURL(file).href}${fragment}`,
    ],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

interface Row {
  id: string;
  status: string;
  passing: boolean;
  type: string;
  hidden: boolean;
}
function rows(dom: string): Row[] {
  return [
    ...dom.matchAll(
      /<tr data-id="([^"]*)" data-status="([a-z]+)" data-passing="(true|false)" data-type="([^"]*)"[^>]*?(hidden(?:="")?)?>/g,
    ),
  ].map((m) => ({
    id: m[1]!,
    status: m[2]!,
    passing: m[3] === "true",
    type: m[4]!,
    hidden: m[5] !== undefined,
  }));
}
const shownCount = (dom: string) => Number(/id="shown-count">(\d+)</.exec(dom)?.[1]);

describe.skipIf(!browser)("HTML report in headless Chromium", () => {
  it("renders: a screenshot of the page", async () => {
    const shot = path.join(dir, "report.png");
    await chromium([`--screenshot=${shot}`, "--window-size=1280,2400"]);
    const png = readFileSync(shot);
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    // A blank page of that size compresses to a few KB; the charts, cards and table make it far larger.
    expect(statSync(shot).size).toBeGreaterThan(40_000);
  });

  it("shows the score and every object when unfiltered", async () => {
    const dom = await chromium(["--dump-dom"]);
    expect(dom).toContain(
      `<span class="big poor" id="score" data-score="${report.summary.score}">${report.summary.score}%</span>`,
    );
    const r = rows(dom);
    expect(r).toHaveLength(report.objects.length);
    expect(r.filter((x) => x.hidden)).toEqual([]);
    expect(shownCount(dom)).toBe(report.objects.length);
  });

  it("#filter=noncompliant shows exactly the noncompliant rows", async () => {
    const dom = await chromium(["--dump-dom"], "#filter=noncompliant");
    const r = rows(dom);
    expect(r).toHaveLength(report.objects.length);
    const visible = r.filter((x) => !x.hidden);
    expect(visible.length).toBe(report.summary.noncompliant);
    expect(visible.every((x) => x.status === "noncompliant")).toBe(true);
    expect(shownCount(dom)).toBe(report.summary.noncompliant);
    expect(dom).toContain('<body data-filter="noncompliant">');
    expect(dom).toMatch(/<a href="#filter=noncompliant" data-filter="noncompliant" aria-current="true">/);
  });

  it("#filter=failing&type=aws_s3_bucket combines the status and the type", async () => {
    const dom = await chromium(["--dump-dom"], "#filter=failing&type=aws_s3_bucket");
    const visible = rows(dom).filter((x) => !x.hidden);
    const want = report.objects.filter((o) => !o.passing && o.type === "aws_s3_bucket").map((o) => o.id);
    expect(visible.map((x) => x.id.replaceAll("&amp;", "&"))).toEqual(want);
    expect(want.length).toBeGreaterThan(1);
  });
});
