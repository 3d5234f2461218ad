/**
 * Run the BUILT dpn CLI (dist/bin/dpn.mjs, the bundle `bin.dpn` points at) as a child process, the way a user or CI would: no TTY,
 * its own working directory, an explicit environment. e2e tests use it so that what they prove
 * (exit codes, stdout/stderr contracts, crash recovery) holds for the real binary, including
 * process death. Build first: `npm run build` (`npm test` does it via `pretest`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/**
 * The CLI under test: `dist/bin/dpn.mjs`, or `$DPN_E2E_BIN` (a private build, so a long e2e run is
 * not disturbed by someone rebuilding dist/ at the same time).
 */
export const DPN_BIN = process.env.DPN_E2E_BIN || join(REPO_ROOT, "dist/bin/dpn.mjs");

export interface CliResult {
  /** Exit code, or null when the process died from a signal. */
  code: number | null;
  /** The signal that killed it (e.g. SIGKILL), or null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface CliOptions {
  /** Working directory (the project folder; `.dpn/` lives here unless DPN_HOME is set). */
  cwd: string;
  /** Extra environment; `undefined` removes a variable. Applied over the clean base environment. */
  env?: Record<string, string | undefined>;
  /** Kill the child (SIGKILL) when it runs longer than this; default 60 s. */
  timeoutMs?: number;
  /** Use `env` exactly as given instead of applying it over the clean base environment. */
  exactEnv?: boolean;
}

/** A fresh empty directory to run the CLI in. */
export function tempProject(prefix = "dpn-e2e-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The parent's environment minus everything that would change dpn's behaviour behind a test's
 * back (DPN_* knobs such as DPN_CRASH_AT or DPN_SANDBOX_*, CI, colours), plus NO_COLOR.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("DPN_") || k === "CI" || k === "FORCE_COLOR" || k.startsWith("VITEST")) continue;
    env[k] = v;
  }
  env.NO_COLOR = "1";
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function assertBuilt(): void {
  if (!existsSync(DPN_BIN)) {
    throw new Error(`${DPN_BIN} does not exist: run \`npm run build\` before the e2e tests.`);
  }
}

/** A running CLI process, for tests that need to kill it or interleave two of them. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Settles when the process has exited (never rejects). */
  readonly result: Promise<CliResult>;
  /** Stderr seen so far. */
  stderrSoFar(): string;
  /**
   * Resolves once stderr matches `pattern`; resolves false if the process exits first (or the
   * timeout passes) without a match.
   */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<boolean>;
  /** Send a signal if the process is still running; returns whether it was sent. */
  kill(signal?: NodeJS.Signals): boolean;
}

/** Start `dpn <args>` without waiting for it. stdin is closed (not a TTY). */
export function spawnCli(args: string[], opts: CliOptions): CliProcess {
  assertBuilt();
  const started = Date.now();
  const child = spawn(process.execPath, [DPN_BIN, ...args], {
    cwd: opts.cwd,
    env: opts.exactEnv ? (opts.env as NodeJS.ProcessEnv) : childEnv(opts.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: (() => void)[] = [];
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    for (const w of waiters) w();
  });
  let exited = false;
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
  const result = new Promise<CliResult>((resolveResult) => {
    child.on("close", (code, signal) => {
      exited = true;
      clearTimeout(timer);
      for (const w of waiters) w();
      resolveResult({ code, signal, stdout, stderr, durationMs: Date.now() - started });
    });
    child.on("error", (e) => {
      exited = true;
      clearTimeout(timer);
      resolveResult({
        code: null,
        signal: null,
        stdout,
        stderr: `${stderr}\n[spawn error] ${e.message}`,
        durationMs: Date.now() - started,
      });
    });
  });
  return {
    child,
    result,
    stderrSoFar: () => stderr,
    waitForStderr(pattern, timeoutMs = 30_000) {
      return new Promise<boolean>((resolveWait) => {
        let settled = false;
        const check = () => {
          if (settled) return;
          if (pattern.test(stderr)) {
            settled = true;
            clearTimeout(t);
            resolveWait(true);
          } else if (exited) {
            settled = true;
            clearTimeout(t);
            resolveWait(false);
          }
        };
        const t = setTimeout(() => {
          settled = true;
          resolveWait(false);
        }, timeoutMs);
        waiters.push(check);
        check();
      });
    },
    kill(signal = "SIGKILL") {
      if (exited || child.exitCode !== null || child.signalCode !== null) return false;
      return child.kill(signal);
    },
  };
}

/** Run `dpn <args>` to completion and return its exit code and output. */
export function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  return spawnCli(args, opts).result;
}

/** A one-line summary of a result, for assertion messages. */
export function describeResult(r: CliResult): string {
  const tail = (s: string) => s.split("\n").slice(-15).join("\n");
  return `exit ${r.code ?? `signal ${r.signal}`} after ${r.durationMs} ms\n--- stdout (tail) ---\n${tail(r.stdout)}\n--- stderr (tail) ---\n${tail(r.stderr)}`;
}
