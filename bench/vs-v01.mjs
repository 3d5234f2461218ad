// Paired benchmark against data-platform-naming v0.1 (the Python tool), in one run on the same
// generated blueprints: `plan preview` at 1k–90k resources and `plan validate` at 9k, whole
// process, wall time and peak RSS (/usr/bin/time). v0.1 is not a dependency of dpn: point
// V01_PYTHONPATH at a checkout's `src/` and V01_PYTHON at a Python that has its dependencies
// (boto3, click, rich, requests, jsonschema, pyyaml). Both tools run in a folder whose `.dpn/` was
// written by v0.1's `config init` (dpn reads v0.1 configuration unchanged).
// Run after `npm run build`. Prints one JSON document.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { largeBlueprint } from "../dist/blueprint/generate-large.js";
import { machine, round, runDpn, runTimed, stats } from "./lib.mjs";

const V01_PATH = process.env.V01_PYTHONPATH;
const PY = process.env.V01_PYTHON ?? "python3";
if (!V01_PATH) {
  console.log(
    JSON.stringify({ benchmark: "vs-v01", skipped: "set V01_PYTHONPATH to a v0.1 checkout's src/" }),
  );
  process.exit(0);
}
const SIZES = (process.env.BENCH_SIZES ?? "1000,9000,27000,90000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const dir = mkdtempSync(join(tmpdir(), "dpn-bench-v01-"));
const env = { ...process.env, PYTHONPATH: V01_PATH, NO_COLOR: "1", COLUMNS: "200" };

/** `python -m data_platform_naming.cli …` once (see runTimed). */
const runV01 = (args) => runTimed(PY, ["-m", "data_platform_naming.cli", ...args], { cwd: dir, env });

function measure(run, runs) {
  const walls = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const r = run();
    if (r.status !== 0) return { failed: r.status, stderr: (r.stderr ?? "").slice(-400) };
    walls.push(r.wallMs);
    rss = Math.max(rss, r.peakRssMb ?? 0);
  }
  return { wall_ms: stats(walls), peak_rss_mb: round(rss) };
}

try {
  const init = runV01([
    "config",
    "init",
    "--project",
    "dataplatform",
    "--environment",
    "dev",
    "--region",
    "us-east-1",
    "--team",
    "data",
    "--cost-center",
    "eng",
    "--resource-types",
    "all",
    "--force",
  ]);
  if (init.status !== 0) throw new Error(`v0.1 config init failed: ${init.stderr}`);
  const results = [];
  for (const n of SIZES) {
    const file = join(dir, `bp${n}.json`);
    writeFileSync(file, JSON.stringify(largeBlueprint(n)));
    const runs = n >= 27000 ? 1 : RUNS;
    const v01 = measure(() => runV01(["plan", "preview", file]), runs);
    const dpn = measure(() => runDpn(["plan", "preview", file], { cwd: dir, env }), runs);
    const row = { what: "plan preview (table)", resources: n, v01, dpn };
    if (v01.wall_ms && dpn.wall_ms) row.speedup = round(v01.wall_ms.median / dpn.wall_ms.median, 2);
    results.push(row);
    if (n === 9000) {
      const v = measure(() => runV01(["plan", "validate", file]), RUNS);
      const d = measure(() => runDpn(["plan", "validate", file], { cwd: dir, env }), RUNS);
      const vrow = { what: "plan validate", resources: n, v01: v, dpn: d };
      if (v.wall_ms && d.wall_ms) vrow.speedup = round(v.wall_ms.median / d.wall_ms.median, 2);
      results.push(vrow);
    }
  }
  console.log(
    JSON.stringify(
      { benchmark: "vs-v01", machine: machine(), load_average: loadavg().map((x) => round(x, 2)), results },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
