// Engine cost per resource: the CPU time (user + system, from /usr/bin/time) of one
// `node dist/cli/main.js create --target sandbox --yes` child on a zero-latency sandbox, at two
// blueprint sizes; the slope between them is the cost per resource with start-up taken out. CPU
// time, not wall time: the machine is shared, and waiting for the CPU is not dpn's cost.
// The same runs under eatmydata (when installed: fsync becomes a no-op) show what the syncs cost.
// A `--cpu-prof` profile of each size splits the slope by where the samples fall (the first
// matching frame from the leaf up decides; library and native frames count for their caller):
// the simulated cloud (providers/sandbox — the
// "remote" side, not the engine), the state store (state/ and better-sqlite3), planning
// (engine/plan, read-cache), the apply engine (the rest of engine/ and the graph), blueprint
// resolution and naming, the CLI's rendering, garbage collection, and everything else. V8 samples
// by wall clock, so a thread blocked in fsync would count as state-store time: the profile runs
// under eatmydata when it is installed, which makes the profile close to CPU time.
//
// Environment: BENCH_SIZES (default 100,2000), BENCH_RUNS (default 3; the minimum CPU is kept),
// BENCH_MODE (mixed | uc, default mixed), BENCH_PARALLELISM (default 10, the CLI's default).
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { largeBlueprint } from "../dist/blueprint/generate-large.js";
import { machine, round } from "./lib.mjs";

const MAIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const SIZES = (process.env.BENCH_SIZES ?? "100,2000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MODE = process.env.BENCH_MODE ?? "mixed";
const PARALLELISM = Number(process.env.BENCH_PARALLELISM ?? 10);

if (!existsSync("/usr/bin/time")) {
  console.log(JSON.stringify({ benchmark: "engine-cpu", skipped: "/usr/bin/time is not installed" }));
  process.exit(0);
}

const CATEGORIES = [
  ["sandbox (simulated cloud)", /\/dist\/providers\/sandbox\//],
  // better-sqlite3 itself is not listed: its frames count for whoever called it (state or sandbox)
  ["state store (SQLite)", /\/dist\/state\//],
  ["plan", /\/dist\/engine\/(plan|read-cache)\.js/],
  ["apply engine", /\/dist\/(engine\/|core\/graph\.js)/],
  ["blueprint + naming", /\/dist\/(blueprint|naming|config|types)\//],
  ["cli + output", /\/dist\/(cli|app)\//],
];

/** Milliseconds of samples per category in one .cpuprofile. */
function split(profileFile) {
  const p = JSON.parse(readFileSync(profileFile, "utf8"));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map();
  const categoryOf = (id) => {
    if (memo.has(id)) return memo.get(id);
    const n = byId.get(id);
    const name = n.callFrame.functionName;
    let cat;
    if (name === "(garbage collector)") cat = "gc";
    else if (name === "(idle)") cat = "idle";
    else {
      for (const [label, re] of CATEGORIES) if (re.test(n.callFrame.url)) cat ??= label;
      if (!cat) cat = parent.has(id) ? categoryOf(parent.get(id)) : "other (start-up, node)";
    }
    memo.set(id, cat);
    return cat;
  };
  const out = {};
  p.samples.forEach((id, i) => {
    const c = categoryOf(id);
    out[c] = (out[c] ?? 0) + (p.timeDeltas[i] ?? 0) / 1000;
  });
  return out;
}

const EATMYDATA = existsSync("/usr/bin/eatmydata");

function once(dir, profile, noSync = false) {
  rmSync(join(dir, ".dpn"), { recursive: true, force: true });
  const profDir = join(dir, "prof");
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir);
  const node = profile
    ? [process.execPath, "--cpu-prof", `--cpu-prof-dir=${profDir}`, "--cpu-prof-interval=200"]
    : [process.execPath];
  const r = spawnSync(
    "/usr/bin/time",
    [
      "-f",
      "__CPU=%U+%S",
      ...(noSync ? ["/usr/bin/eatmydata"] : []),
      ...node,
      MAIN,
      "create",
      "--blueprint",
      "bp.json",
      "--target",
      "sandbox",
      "--yes",
      "--parallelism",
      String(PARALLELISM),
    ],
    { cwd: dir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } },
  );
  if (r.status !== 0) throw new Error(`create exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const m = /__CPU=([\d.]+)\+([\d.]+)/.exec(r.stderr);
  const cpuMs = (Number(m[1]) + Number(m[2])) * 1000;
  return {
    cpuMs,
    userMs: Number(m[1]) * 1000,
    sysMs: Number(m[2]) * 1000,
    profile: profile ? split(join(profDir, readdirSync(profDir)[0])) : undefined,
  };
}

const sizes = [];
for (const n of SIZES) {
  const dir = mkdtempSync(join(tmpdir(), "dpn-bench-cpu-"));
  try {
    writeFileSync(join(dir, "bp.json"), JSON.stringify(largeBlueprint(n, { mode: MODE })));
    const runs = [];
    const noSync = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(once(dir, false));
      if (EATMYDATA) noSync.push(once(dir, false, true).cpuMs);
    }
    const best = runs.reduce((x, y) => (y.cpuMs < x.cpuMs ? y : x));
    const { profile } = once(dir, true, EATMYDATA);
    sizes.push({
      resources: n,
      cpu_ms_min: best.cpuMs,
      user_ms: best.userMs,
      sys_ms: best.sysMs,
      cpu_ms_runs: runs.map((r) => r.cpuMs),
      ...(EATMYDATA
        ? { cpu_ms_min_without_fsync: Math.min(...noSync), cpu_ms_runs_without_fsync: noSync }
        : {}),
      profile_ms: profile,
    });
    process.stderr.write(`${n} resources: ${best.cpuMs} ms CPU (min of ${RUNS})\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const [a, b] = [sizes[0], sizes[sizes.length - 1]];
const dn = b.resources - a.resources;
const perResource = {};
for (const k of new Set([...Object.keys(a.profile_ms), ...Object.keys(b.profile_ms)]))
  perResource[k] = round(((b.profile_ms[k] ?? 0) - (a.profile_ms[k] ?? 0)) / dn, 3);
const profiledTotal = (s) =>
  Object.entries(s.profile_ms).reduce((t, [k, v]) => (k === "idle" ? t : t + v), 0);
console.log(
  JSON.stringify(
    {
      benchmark: "engine-cpu",
      mode: MODE,
      parallelism: PARALLELISM,
      sandbox_latency_ms: 0,
      sizes: sizes.map((s) => ({
        ...s,
        profile_ms: Object.fromEntries(Object.entries(s.profile_ms).map(([k, v]) => [k, round(v)])),
      })),
      cpu_ms_per_resource: round((b.cpu_ms_min - a.cpu_ms_min) / dn, 3),
      user_ms_per_resource: round((b.user_ms - a.user_ms) / dn, 3),
      sys_ms_per_resource: round((b.sys_ms - a.sys_ms) / dn, 3),
      ...(EATMYDATA
        ? {
            cpu_ms_per_resource_without_fsync: round(
              (b.cpu_ms_min_without_fsync - a.cpu_ms_min_without_fsync) / dn,
              3,
            ),
          }
        : {}),
      profiled_under_eatmydata: EATMYDATA,
      profiled_ms_per_resource: round((profiledTotal(b) - profiledTotal(a)) / dn, 3),
      profile_ms_per_resource: perResource,
      load_average: loadavg().map((x) => round(x, 2)),
      machine: machine(),
    },
    null,
    2,
  ),
);
