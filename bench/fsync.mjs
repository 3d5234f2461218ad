// Durable writes per resource on SQLite: `dpn create --target sandbox --yes` of generated
// blueprints (src/blueprint/generate-large.ts) under `strace -f -e trace=fsync,fdatasync,pwrite64 -y`,
// counting only the syncs of the state file (`state.db`, `state.db-wal`, and the rollback journal
// SQLite uses while it creates the file), not the sandbox's own database. Also the bytes written to
// the WAL. Two sizes give the fixed cost of a run (opening, migrating, lock, transaction record,
// close) and the marginal cost per resource (the slope). Zero sandbox latency unless set.
//
// Environment: BENCH_SIZES (default 200,1000), BENCH_PARALLELISM (default 1,10,64),
// BENCH_MODE (mixed | uc, default mixed); DPN_SANDBOX_LATENCY_MS is passed on to the sandbox.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { largeBlueprint } from "../dist/blueprint/generate-large.js";
import { machine, round } from "./lib.mjs";

const MAIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const SIZES = (process.env.BENCH_SIZES ?? "200,1000").split(",").map(Number);
const LEVELS = (process.env.BENCH_PARALLELISM ?? "1,10,64").split(",").map(Number);
const MODE = process.env.BENCH_MODE ?? "mixed";

const probe = spawnSync("strace", ["-V"], { encoding: "utf8" });
if (probe.error || probe.status !== 0) {
  console.log(
    JSON.stringify({
      benchmark: "fsync",
      skipped: "strace is not installed (apt-get install strace); this benchmark counts fsync calls with it",
    }),
  );
  process.exit(0);
}

/** One traced create; returns the sync counts per state file and the WAL bytes. */
function traced(n, parallelism) {
  const dir = mkdtempSync(join(tmpdir(), "dpn-bench-fsync-"));
  try {
    writeFileSync(join(dir, "bp.json"), JSON.stringify(largeBlueprint(n, { mode: MODE })));
    const trace = join(dir, "trace.txt");
    const r = spawnSync(
      "strace",
      [
        "-f",
        "-qq",
        "-e",
        "trace=fsync,fdatasync,pwrite64",
        "-y",
        "-o",
        trace,
        process.execPath,
        MAIN,
        "create",
        "--blueprint",
        "bp.json",
        "--target",
        "sandbox",
        "--yes",
        "--parallelism",
        String(parallelism),
      ],
      { cwd: dir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } },
    );
    if (r.status !== 0)
      throw new Error(`create of ${n} resources exited ${r.status}: ${r.stderr.slice(-2000)}`);
    const syncs = { "state.db": 0, "state.db-wal": 0, "state.db-journal": 0, "sandbox.db*": 0, other: 0 };
    let walBytes = 0;
    for (const line of readFileSync(trace, "utf8").split("\n")) {
      const m = /(fsync|fdatasync|pwrite64)\(\d+<([^>]*)>.*= (\d+)$/.exec(line);
      if (!m) continue;
      const [, call, file, ret] = m;
      const base = file.slice(file.lastIndexOf("/") + 1);
      if (call === "pwrite64") {
        if (base === "state.db-wal") walBytes += Number(ret);
        continue;
      }
      if (base in syncs) syncs[base]++;
      else if (base.startsWith("sandbox.db")) syncs["sandbox.db*"]++;
      else syncs.other++;
    }
    const state = syncs["state.db"] + syncs["state.db-wal"] + syncs["state.db-journal"];
    return { resources: n, parallelism, state_syncs: state, wal_bytes: walBytes, syncs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const p of LEVELS) {
  const runs = SIZES.map((n) => traced(n, p));
  const [a, b] = [runs[0], runs[runs.length - 1]];
  const slope = runs.length > 1 ? (b.state_syncs - a.state_syncs) / (b.resources - a.resources) : undefined;
  const walSlope = runs.length > 1 ? (b.wal_bytes - a.wal_bytes) / (b.resources - a.resources) : undefined;
  results.push({
    parallelism: p,
    runs: runs.map((x) => ({
      ...x,
      syncs_per_resource: round(x.state_syncs / x.resources, 3),
      wal_bytes_per_resource: Math.round(x.wal_bytes / x.resources),
    })),
    ...(slope === undefined
      ? {}
      : {
          marginal_syncs_per_resource: round(slope, 3),
          fixed_syncs_per_run: Math.round(a.state_syncs - slope * a.resources),
          marginal_wal_bytes_per_resource: Math.round(walSlope),
        }),
  });
  process.stderr.write(
    `parallelism ${p}: ${runs.map((x) => `${x.resources} → ${x.state_syncs} syncs`).join(", ")}\n`,
  );
}
console.log(
  JSON.stringify(
    {
      benchmark: "fsync",
      mode: MODE,
      sandbox_latency_ms: Number(process.env.DPN_SANDBOX_LATENCY_MS ?? 0),
      results,
      load_average: loadavg().map((x) => round(x, 2)),
      machine: machine(),
    },
    null,
    2,
  ),
);
