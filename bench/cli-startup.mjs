// Whole-process timings: `dpn --version`, `dpn plan preview` of a 10-resource blueprint, and
// `dpn plan preview --format json` of a generated 9,000-resource blueprint (wall time, peak RSS).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { largeBlueprint } from "../dist/blueprint/generate-large.js";
import { machine, round, runDpn, stats } from "./lib.mjs";

const dir = mkdtempSync(join(tmpdir(), "dpn-bench-"));
const small = join(dir, "small.json");
const large = join(dir, "large.json");
writeFileSync(small, JSON.stringify(largeBlueprint(10)));
const bp = largeBlueprint(9000);
writeFileSync(large, JSON.stringify(bp));

function measure(label, args, runs) {
  const first = runDpn(args, { cwd: dir });
  if (first.status !== 0) throw new Error(`${label} failed (${first.status}): ${first.stderr}`);
  const wall = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    const r = runDpn(args, { cwd: dir });
    wall.push(r.wallMs);
    if (r.peakRssMb !== null) rss.push(r.peakRssMb);
  }
  return {
    label,
    wall_ms: stats(wall),
    peak_rss_mb: rss.length ? round(Math.max(...rss)) : null,
    stdout_bytes: first.stdout.length,
  };
}

const results = [
  measure("dpn --version", ["--version"], 15),
  measure("dpn plan preview (10 resources)", ["plan", "preview", small], 15),
  measure(
    "dpn plan preview --format json (9,000 resources)",
    ["plan", "preview", large, "--format", "json"],
    7,
  ),
];
const resources = JSON.parse(
  runDpn(["plan", "preview", large, "--format", "json"], { cwd: dir }).stdout,
).total_resources;
console.log(
  JSON.stringify(
    { benchmark: "cli-startup", large_blueprint_resources: resources, results, machine: machine() },
    null,
    2,
  ),
);
