// Shared helpers for the benchmarks: run the built CLI as a child process and measure wall time
// and peak RSS (via /usr/bin/time when present). Benchmarks print JSON; they assert nothing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

export const DPN = fileURLToPath(new URL("../dist/bin/dpn.mjs", import.meta.url));

export function machine() {
  return {
    node: process.version,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? "unknown",
    memory_gib: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Run `cmd ...args` once: wall ms, peak RSS MB (via /usr/bin/time when present, else null), exit status. */
export function runTimed(cmd, args, opts = {}) {
  const haveTime = existsSync("/usr/bin/time");
  const argv = haveTime ? ["-f", "__MAXRSS_KB=%M", cmd, ...args] : args;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(haveTime ? "/usr/bin/time" : cmd, argv, {
    encoding: "utf8",
    maxBuffer: 1024 * 1024 * 1024,
    ...opts,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /__MAXRSS_KB=(\d+)/.exec(r.stderr ?? "");
  return {
    wallMs,
    peakRssMb: m ? Number(m[1]) / 1024 : null,
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

/** Run `node dist/bin/dpn.mjs ...args` once (see runTimed). */
export function runDpn(args, opts = {}) {
  return runTimed(process.execPath, [DPN, ...args], opts);
}

export function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return {
    runs: s.length,
    min: round(s[0]),
    median: round(q(0.5)),
    p90: round(q(0.9)),
    max: round(s[s.length - 1]),
  };
}

export const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
