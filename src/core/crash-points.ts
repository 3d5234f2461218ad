/**
 * TEST HOOK: deterministic crash points, so crash recovery can be proven end to end.
 *
 * The engine calls `crashPoint(label)` at the moments where a crash matters most to the journal
 * (intent written but remote call not made; remote call returned but outcome not recorded;
 * outcome recorded). When the environment variable `DPN_CRASH_AT` is `<label>:<n>` (for example
 * `after-intent:7`), the process kills itself with SIGKILL at the n-th time it reaches `label`:
 * no cleanup, no finally blocks, no exit handlers — exactly what a power cut or `kill -9` does.
 * The e2e tests (test/e2e/sandbox-crash-*.test.ts) loop over every n of every label and then
 * check that `dpn recover` leaves neither orphans nor phantom state rows.
 *
 * Labels used by the step runner: `after-intent`, `after-remote`, `after-outcome` (forward steps)
 * and `compensate-after-intent`, `compensate-after-remote`, `compensate-after-outcome` (rollback).
 *
 * The variable is read once, at module load; when it is unset, `crashPoint` is a single
 * comparison. A malformed value is ignored rather than failing a real run.
 */

interface CrashSpec {
  label: string;
  n: number;
}

function parseSpec(raw: string | undefined): CrashSpec | undefined {
  if (!raw) return undefined;
  const m = /^([a-z][a-z-]*):([1-9]\d*)$/.exec(raw.trim());
  if (!m) return undefined;
  return { label: m[1] as string, n: Number(m[2]) };
}

const spec = parseSpec(process.env.DPN_CRASH_AT);
let seen = 0;

/**
 * Mark a crash point. Returns normally unless `DPN_CRASH_AT` names this label and this is its
 * n-th occurrence in the process, in which case the process is SIGKILLed and never returns.
 */
export function crashPoint(label: string): void {
  if (spec === undefined || label !== spec.label) return;
  seen++;
  if (seen === spec.n) process.kill(process.pid, "SIGKILL");
}
