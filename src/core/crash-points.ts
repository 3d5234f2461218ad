/**
 * TEST HOOK: deterministic crash points, so crash recovery can be proven end to end.
 *
 * The engine calls `crashPoint(label)` at the moments where a crash matters most to the journal
 * (intent written but remote call not made; remote call returned but outcome not recorded;
 * outcome recorded). The transports (AWS SDK middleware, the Databricks client) call
 * `remoteCallPoint(call)` after every HTTP exchange made inside a journaled step, so there is a
 * point between every pair of remote calls of a multi-call create, update, delete, archive or
 * restore. When the environment variable `DPN_CRASH_AT` is `<label>:<n>` (for example
 * `after-intent:7` or `remote-call:12`), the process kills itself with SIGKILL at the n-th time it
 * reaches `label`: no cleanup, no finally blocks, no exit handlers — exactly what a power cut or
 * `kill -9` does.
 *
 * Labels: `after-intent`, `after-remote`, `after-outcome` (forward steps),
 * `compensate-after-intent`, `compensate-after-remote`, `compensate-after-outcome` (rollback) and
 * `remote-call` (after each remote call of a step, forward or compensating).
 *
 * `DPN_CRASH_TRACE=<file>` appends one JSON line per point reached (label, its count, and the step
 * and call it belongs to), written synchronously so that a kill loses nothing. The kill-point
 * tests run once with the trace to enumerate the points, then kill at each.
 *
 * Both variables are read once, at module load; when they are unset, a point is one comparison.
 * A malformed `DPN_CRASH_AT` is ignored rather than failing a real run.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { appendFileSync } from "node:fs";

interface CrashSpec {
  label: string;
  n: number;
}

/** The journaled step a remote call belongs to (set by the engine's step runner). */
export interface StepScope {
  address: string;
  action: string;
  phase: "forward" | "compensate";
}

function parseSpec(raw: string | undefined): CrashSpec | undefined {
  if (!raw) return undefined;
  const m = /^([a-z][a-z-]*):([1-9]\d*)$/.exec(raw.trim());
  if (!m) return undefined;
  return { label: m[1] as string, n: Number(m[2]) };
}

const spec = parseSpec(process.env.DPN_CRASH_AT);
const traceFile = process.env.DPN_CRASH_TRACE || undefined;
const active = spec !== undefined || traceFile !== undefined;
const counts = new Map<string, number>();
const scope = new AsyncLocalStorage<StepScope>();

/** Run `fn` as part of the journaled step `s`: remote calls made inside it are crash points. */
export function inStep<R>(s: StepScope, fn: () => R): R {
  return active ? scope.run(s, fn) : fn();
}

function reach(label: string, extra?: Record<string, unknown>, at?: StepScope): void {
  const n = (counts.get(label) ?? 0) + 1;
  counts.set(label, n);
  if (traceFile) {
    const step = at ?? scope.getStore();
    appendFileSync(traceFile, `${JSON.stringify({ label, n, ...(step ? { step } : {}), ...extra })}\n`);
  }
  if (spec !== undefined && label === spec.label && n === spec.n) process.kill(process.pid, "SIGKILL");
}

/**
 * Mark a crash point (`step`: the step it belongs to, for the trace). Returns normally unless `DPN_CRASH_AT` names this label and this is its
 * n-th occurrence in the process, in which case the process is SIGKILLed and never returns.
 */
export function crashPoint(label: string, step?: StepScope): void {
  if (!active) return;
  reach(label, undefined, step);
}

/**
 * After one remote call (request sent, answer or error received). Counts as the `remote-call`
 * point only inside a journaled step (`inStep`); planning reads and preflight are not steps.
 * `call` names it for the trace, e.g. `s3:PutBucketTagging` or `POST /api/2.1/unity-catalog/volumes`.
 */
export function remoteCallPoint(call: string): void {
  if (!active || scope.getStore() === undefined) return;
  reach("remote-call", { call });
}
