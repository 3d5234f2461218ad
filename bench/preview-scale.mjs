// Estate-scale planning, whole process and in-process (issue 16): `dpn plan preview` of generated
// 90,000- and 100,000-resource blueprints (table and JSON), `dpn plan validate` of 9,000, a
// 36-resource preview under a `.dpn/` convention, and ordering 100,000 resources in-process.
// Build first: `npm run build`. Prints one JSON document; asserts nothing.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { largeBlueprint } from "../dist/blueprint/generate-large.js";
import { orderByAddress } from "../dist/core/graph.js";
import { DPN, machine, round, runDpn, stats } from "./lib.mjs";

const dir = mkdtempSync(join(tmpdir(), "dpn-bench-scale-"));
const file = (n) => {
  const f = join(dir, `bp${n}.json`);
  writeFileSync(f, JSON.stringify(largeBlueprint(n)));
  return f;
};
const timed = (args, runs, cwd = dir) => {
  const all = [];
  for (let i = 0; i < runs; i++) {
    const r = runDpn(args, { cwd });
    if (r.status !== 0) throw new Error(`dpn ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    all.push(r);
  }
  return {
    wall_ms: stats(all.map((r) => r.wallMs)),
    peak_rss_mb: Math.max(...all.map((r) => r.peakRssMb ?? 0)),
  };
};

const out = { benchmark: "preview-scale", machine: machine(), results: {} };
for (const n of [90_000, 100_000]) {
  const f = file(n);
  out.results[`preview_table_${n}`] = timed(["plan", "preview", f], 3);
  out.results[`preview_json_${n}`] = timed(["plan", "preview", f, "--format", "json"], 3);
}
out.results.validate_9000 = timed(["plan", "validate", file(9000)], 5);
const small = join(dir, "small");
execFileSync("mkdir", ["-p", small]);
execFileSync(
  process.execPath,
  [
    DPN,
    "config",
    "init",
    "--project",
    "bench",
    "--environment",
    "dev",
    "--region",
    "us-east-1",
    "--team",
    "data",
  ],
  { cwd: small },
);
out.results.preview_36_with_convention = timed(["plan", "preview", file(36)], 10, small);
const nodes = Array.from({ length: 100_000 }, (_, i) => ({
  address: `r${i}`,
  dependencies: i > 0 ? [`r${Math.floor(i / 2)}`] : [],
}));
const t0 = performance.now();
orderByAddress(nodes);
out.results.order_100000_in_process_ms = round(performance.now() - t0);
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(out, null, 2));
