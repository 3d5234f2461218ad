/**
 * The CLI context handed to every command handler: output, environment, working directory and
 * the global flags. The only place (with main.ts) that reads process.env/argv/TTY state.
 */
import { redactUrlPasswords } from "../core/errors.js";
import { Output } from "./output.js";

export interface GlobalFlags {
  color?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** `--state <url>`: where state lives (docs/state.md). */
  state?: string;
  /** `--lock-lease <seconds>` (else DPN_LOCK_LEASE, else 60 s). */
  lockLease?: number;
}

export interface CliContext {
  out: Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stdin and stderr are both TTYs, not CI: prompts and live progress are allowed. */
  interactive: boolean;
  /** stderr is a TTY (live progress display). */
  stderrTTY: boolean;
  debug: boolean;
  /** Full command line, for the audit trail. */
  commandLine: string;
  /** `--state <url>` when given (else DPN_STATE, the project settings, the default). */
  stateUrl?: string;
  /** `--lock-lease <seconds>` when given. */
  lockLeaseSeconds?: number;
}

export function makeContext(flags: GlobalFlags, opts: { json?: boolean } = {}): CliContext {
  const env = process.env;
  const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  const stderrTTY = Boolean(process.stderr.isTTY);
  const color = flags.color !== false && !noColorEnv && env.TERM !== "dumb" && stderrTTY;
  const json = Boolean(opts.json);
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false";
  return {
    out: new Output({ color, quiet: Boolean(flags.quiet), verbose: Boolean(flags.verbose), json }),
    env,
    cwd: process.cwd(),
    interactive: Boolean(process.stdin.isTTY) && stderrTTY && !ci && !json,
    stderrTTY: stderrTTY && !ci,
    debug: env.DPN_DEBUG === "1",
    commandLine: redactUrlPasswords(["dpn", ...process.argv.slice(2)].join(" ")),
    ...(flags.state ? { stateUrl: flags.state } : {}),
    ...(flags.lockLease !== undefined ? { lockLeaseSeconds: flags.lockLease } : {}),
  };
}
