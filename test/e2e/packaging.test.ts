/**
 * What `npm publish` would ship, as `npm pack --dry-run --json` lists it: the files the README and
 * docs point users at are in the package, and nothing points at files that are not (source maps
 * into the unshipped src/). Needs `npm run build` first, like every e2e test: dist/ is packed as built.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DPN_BIN, REPO_ROOT } from "../support/cli.js";

let files: Set<string>;

beforeAll(() => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  files = new Set((pack?.files ?? []).map((f) => f.path));
});

/** Relative link targets of a markdown document (no URLs, no in-page anchors), anchors stripped. */
function relativeLinks(markdown: string): string[] {
  const links = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "");
  return links
    .filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l) && !l.startsWith("#"))
    .map((l) => l.split("#")[0] ?? l);
}

describe("the npm package", () => {
  it("ships the licence, the examples, the schemas and the built CLI", () => {
    expect(files.has("LICENSE")).toBe(true);
    expect(files.has("README.md")).toBe(true);
    expect(files.has(posix.relative(REPO_ROOT, DPN_BIN))).toBe(true);
    for (const f of [
      "examples/blueprints/dev.json",
      "examples/blueprints/stg.json",
      "examples/blueprints/prd.json",
      "examples/configs/naming-values.yaml",
      "examples/configs/naming-patterns.yaml",
      "schemas/blueprint.schema.json",
      "schemas/naming-values.schema.json",
      "schemas/naming-patterns.schema.json",
    ]) {
      expect(files, f).toContain(f);
    }
  });

  it("ships no source maps (they would point at src/, which is not shipped)", () => {
    expect([...files].filter((f) => f.endsWith(".map"))).toEqual([]);
    expect([...files].some((f) => f.startsWith("src/"))).toBe(false);
    expect(readFileSync(DPN_BIN, "utf8")).not.toMatch(/sourceMappingURL/);
  });

  it("contains every file the README links to and every examples/ path it names", () => {
    const readme = readFileSync(posix.join(REPO_ROOT, "README.md"), "utf8");
    const targets = relativeLinks(readme).map((l) => posix.normalize(l));
    expect(targets.length).toBeGreaterThan(5);
    const named = [...readme.matchAll(/\bexamples\/[\w./-]*\w/g)].map((m) => m[0]);
    expect(named.length).toBeGreaterThan(0);
    for (const f of [...targets, ...named]) expect(files, `README names ${f}`).toContain(f);
  });

  it("contains every file the shipped docs link to", () => {
    for (const doc of [...files].filter((f) => f.startsWith("docs/") && f.endsWith(".md"))) {
      const text = readFileSync(posix.join(REPO_ROOT, doc), "utf8");
      for (const l of relativeLinks(text)) {
        const target = posix.normalize(posix.join(posix.dirname(doc), l));
        expect(files, `${doc} links to ${l}`).toContain(target);
      }
    }
  });
});
