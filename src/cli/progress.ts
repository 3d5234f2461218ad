/**
 * Renders engine events on stderr. On a TTY: every finished operation (done, failed, undone) is
 * printed once, permanently, above a live region that shows only what is still in flight — the
 * planning reads or the running operations and a progress bar — so that Ctrl-C, a failure or a
 * rollback leaves the whole history on screen. Otherwise (CI, pipes, --json): one plain line per
 * finished operation, no escape codes. Both end a transaction with one summary line (counts by
 * outcome, elapsed).
 */
import { createLogUpdate } from "log-update";
import type { EngineEvent, Reporter } from "../core/events.js";
import type { Output } from "./output.js";

export interface ProgressRenderer {
  reporter: Reporter;
  /** A message for the user while the display runs (e.g. the Ctrl-C notice), printed above it. */
  note(text: string): void;
  /** Clear the live region for good (finished rows and the summary stay) — call before printing the result. */
  done(): void;
}

const fmtMs = (ms: number) => (ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What both renderers count for the summary. A forward step halted before its remote call (the run
 * was rolling back) reports no outcome: it is one of the `total` that never finished.
 */
class Tally {
  total = 0;
  ok = 0;
  failed = 0;
  undone = 0;
  undoFailed = 0;
  txId = "";
  startedAt: number | undefined;
  outcome: string | undefined;
  durationMs: number | undefined;

  count(e: EngineEvent): void {
    switch (e.event) {
      case "tx.started":
        this.total = e.operations;
        this.startedAt = e.at;
        this.txId = e.txId;
        break;
      case "op.succeeded":
        if (e.phase === "forward") this.ok++;
        break;
      case "op.failed":
        if (e.phase === "forward") this.failed++;
        break;
      case "op.compensated":
        this.undone++;
        break;
      case "compensation.failed":
        this.undoFailed++;
        break;
      case "tx.finished":
        this.outcome = e.outcome;
        this.durationMs = e.durationMs;
        break;
      default:
        break;
    }
  }

  get started(): boolean {
    return this.startedAt !== undefined;
  }

  /**
   * `transaction tx_1 rolled_back in 4.2s: 12 operations, 8 done, 1 failed, 7 undone, 3 not started`;
   * before the transaction's end (the display was stopped), `stopped after` the time so far.
   */
  summary(now: number): string {
    const parts = [plural(this.total, "operation"), `${this.ok} done`];
    if (this.failed) parts.push(`${this.failed} failed`);
    if (this.undone) parts.push(`${this.undone} undone`);
    if (this.undoFailed) parts.push(`${this.undoFailed} undo failed`);
    const notFinished = this.total - this.ok - this.failed;
    if (notFinished > 0) parts.push(`${notFinished} not ${this.outcome ? "started" : "finished"}`);
    const end = this.outcome
      ? `${this.outcome} in ${fmtMs(this.durationMs ?? 0)}`
      : `stopped after ${fmtMs(now - (this.startedAt ?? now))}`;
    return `transaction ${this.txId} ${end}: ${parts.join(", ")}`;
  }
}

/** The explanation of an `op.resolved` lookup (recovery and in-doubt steps). */
function resolvedText(e: Extract<EngineEvent, { event: "op.resolved" }>): string {
  if (e.claimed) return `exists without its marker; claimed (${e.claimed.join("; ")})`;
  if (e.notClaimed) return `a foreign object holds the name (${e.notClaimed}); left alone`;
  return e.found ? "exists" : "absent";
}

/** The takeover line: whose lock was replaced and why (a lease that expired, a process gone). */
function takeoverText(e: Extract<EngineEvent, { event: "lock.acquired" }>): string | undefined {
  const t = e.takenOver;
  if (!t) return undefined;
  const why = t.reason === "holder_dead" ? "its process is gone" : "its lease expired";
  return `took over the stack lock of ${t.user}@${t.host} pid ${t.pid} (held since ${t.since}): ${why}; run \`dpn recover\` if it left a transaction unfinished`;
}

function lockText(e: Extract<EngineEvent, { event: "lock.waiting" }>): string {
  return `waiting for the stack lock held by ${e.holder.user}@${e.holder.host} pid ${e.holder.pid} since ${e.holder.since} (${fmtMs(e.waitedMs)})`;
}

/**
 * One line per event, e.g. `[ 3/12] ok     create aws_s3_bucket.x (52ms)`, and the summary at the
 * end of the transaction. Planning progress prints nothing (CI logs are not redrawn; the plan
 * table follows at once), except its one closing line with `--verbose`.
 */
export function plainProgress(out: Output, opts: { quiet?: boolean } = {}): ProgressRenderer {
  const tally = new Tally();
  const c = out.c;
  const line = (s: string) => {
    if (!opts.quiet) out.stderr.write(`${s}\n`);
  };
  const counter = () => `[${String(tally.ok).padStart(String(tally.total).length)}/${tally.total}]`;
  const reporter: Reporter = (e: EngineEvent) => {
    tally.count(e);
    switch (e.event) {
      case "plan.ready":
        if (out.verbose) {
          const n = Object.values(e.counts).reduce((a, b) => a + b, 0);
          line(`${c.dim("planned")} ${plural(n, "resource")} in ${fmtMs(e.durationMs)}`);
        }
        break;
      case "tx.started":
        line(`transaction ${e.txId}: ${plural(e.operations, "operation")}`);
        break;
      case "op.started":
        if (out.verbose) line(`${c.dim("start")} ${e.action} ${e.address}`);
        break;
      case "op.succeeded":
        line(`${counter()} ${c.green("ok")}     ${e.action} ${e.address} (${fmtMs(e.durationMs)})`);
        break;
      case "op.failed":
        line(`${counter()} ${c.red("FAILED")} ${e.action} ${e.address}: ${e.error.code} ${e.error.message}`);
        break;
      case "op.retrying":
        line(
          `${c.yellow("retry")}  ${e.action} ${e.address} in ${fmtMs(e.delayMs)} (attempt ${e.attempt}: ${e.error.code})`,
        );
        break;
      case "rollback.started":
        line(`${c.yellow("rolling back")} ${plural(e.operations, "completed operation")} (${e.reason.code})`);
        break;
      case "op.compensated":
        line(`${c.yellow("undone")} ${e.action} ${e.address} (${fmtMs(e.durationMs)})`);
        break;
      case "compensation.failed":
        line(`${c.red("UNDO FAILED")} ${e.action} ${e.address}: ${e.error.code} ${e.error.message}`);
        break;
      case "op.resolved":
        line(`${c.dim("looked up")} ${e.address}: ${resolvedText(e)}`);
        break;
      case "tx.finished":
        line(tally.summary(e.at));
        break;
      case "recovery.started":
        line(`recovering transaction ${e.txId} (${e.mode})`);
        break;
      case "lock.waiting":
        line(lockText(e));
        break;
      case "lock.acquired": {
        const t = takeoverText(e);
        if (t) line(c.yellow(t));
        break;
      }
      case "lock.lost":
        line(`${c.red("lost the stack lock")} ${e.holderId}: stopping`);
        break;
      default:
        break;
    }
  };
  return { reporter, note: (text) => out.stderr.write(`${text}\n`), done: () => {} };
}

/** Options of the live display; the defaults suit a terminal, tests shorten the tick. */
export interface LiveOptions {
  /** Redraw period for the elapsed time and ETA, ms (default 250). */
  tickMs?: number;
  /** Running operations shown at most (default 8; the rest are counted). */
  maxRunning?: number;
  /** The clock (tests). */
  now?: () => number;
}

/**
 * Live display for a TTY on `out.stderr` (log-update's `createLogUpdate` over that stream).
 * Finished rows go through `persist`, one line at a time, so they land in the scrollback above
 * the region and nothing erases them later; the region itself is redrawn in place.
 */
export function liveProgress(out: Output, opts: LiveOptions = {}): ProgressRenderer {
  const c = out.c;
  const now = opts.now ?? Date.now;
  const maxRunning = opts.maxRunning ?? 8;
  const log = createLogUpdate(out.stderr as NodeJS.WriteStream, { showCursor: true });
  const tally = new Tally();
  type Mode =
    | { kind: "idle" }
    | { kind: "lock"; text: string }
    | { kind: "planning"; done: number; total: number; at: number }
    | { kind: "tx"; rollingBack: boolean; done: number; total: number; at: number };
  let mode: Mode = { kind: "idle" };
  const running = new Map<string, { label: string; at: number }>();
  let timer: NodeJS.Timeout | undefined;
  let drawn = false;

  const bar = (done: number, total: number) => {
    const width = 28;
    const filled = total ? Math.min(width, Math.round((done / total) * width)) : 0;
    return `${c.green("█".repeat(filled))}${c.dim("░".repeat(width - filled))}`;
  };
  const frameLines = (): string[] => {
    const t = now();
    switch (mode.kind) {
      case "idle":
        return [];
      case "lock":
        return [mode.text];
      case "planning":
        return [
          `planning ${bar(mode.done, mode.total)} ${mode.done}/${mode.total} resources read  elapsed ${fmtMs(t - mode.at)}`,
        ];
      case "tx": {
        const elapsed = t - mode.at;
        const eta =
          mode.done > 0 && mode.done < mode.total ? (elapsed / mode.done) * (mode.total - mode.done) : 0;
        const phase = mode.rollingBack ? c.yellow("rolling back") : "applying";
        const failed = tally.failed ? c.red(` ${tally.failed} failed`) : "";
        const inFlight = [...running.entries()].sort((a, b) => a[1].at - b[1].at);
        const lines = inFlight
          .slice(0, maxRunning)
          .map(([address, r]) => `  ${c.cyan("…")} ${r.label} ${address} ${c.dim(fmtMs(t - r.at))}`);
        if (inFlight.length > maxRunning)
          lines.push(c.dim(`  … and ${inFlight.length - maxRunning} more running`));
        lines.push(
          `${phase} ${bar(mode.done, mode.total)} ${mode.done}/${mode.total}${failed}  elapsed ${fmtMs(elapsed)}${eta ? `  eta ${fmtMs(eta)}` : ""}`,
        );
        return lines;
      }
    }
  };
  const draw = () => {
    const lines = frameLines();
    if (lines.length === 0) {
      clear();
      return;
    }
    log(lines.join("\n"));
    drawn = true;
    if (!timer) {
      timer = setInterval(draw, opts.tickMs ?? 250);
      timer.unref();
    }
  };
  const clear = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (drawn) log.clear();
    drawn = false;
  };
  /** A permanent line above the region (log-update erases the region, writes it, and forgets the region). */
  const persist = (text: string) => {
    log.persist(text);
    drawn = false;
  };

  const reporter: Reporter = (e: EngineEvent) => {
    tally.count(e);
    switch (e.event) {
      case "lock.waiting":
        if (mode.kind === "idle" || mode.kind === "lock") mode = { kind: "lock", text: lockText(e) };
        break;
      case "lock.acquired": {
        if (mode.kind === "lock") mode = { kind: "idle" };
        const t = takeoverText(e);
        if (t) persist(c.yellow(t));
        break;
      }
      case "plan.progress":
        if (mode.kind === "idle" || mode.kind === "lock" || mode.kind === "planning")
          mode = {
            kind: "planning",
            done: e.done,
            total: e.total,
            at: mode.kind === "planning" ? mode.at : e.at,
          };
        break;
      case "plan.ready":
        // the plan table (and maybe a question) comes next: the region must be gone before it
        if (mode.kind === "planning") {
          clear();
          mode = { kind: "idle" };
          const n = Object.values(e.counts).reduce((a, b) => a + b, 0);
          persist(c.dim(`planned ${plural(n, "resource")} in ${fmtMs(e.durationMs)}`));
        }
        return;
      case "tx.started":
        mode = { kind: "tx", rollingBack: false, done: 0, total: e.operations, at: e.at };
        break;
      case "recovery.started":
        persist(`recovering transaction ${e.txId} (${e.mode})`);
        break;
      case "op.started":
        if (mode.kind !== "tx") mode = { kind: "tx", rollingBack: false, done: 0, total: 0, at: e.at };
        running.set(e.address, { label: e.phase === "compensate" ? `undo ${e.action}` : e.action, at: e.at });
        break;
      case "op.succeeded":
        running.delete(e.address);
        if (mode.kind === "tx" && !mode.rollingBack) mode.done++;
        persist(`  ${c.green("✔")} ${e.action} ${e.address} ${c.dim(fmtMs(e.durationMs))}`);
        break;
      case "op.failed":
        running.delete(e.address);
        persist(`  ${c.red("✖")} ${e.action} ${e.address}: ${e.error.code} ${e.error.message}`);
        break;
      case "op.retrying":
        running.set(e.address, {
          label: `${e.action} ${c.yellow(`(retry ${e.attempt} in ${fmtMs(e.delayMs)}: ${e.error.code})`)}`,
          at: running.get(e.address)?.at ?? e.at,
        });
        break;
      case "op.resolved":
        persist(`  ${c.dim("?")} looked up ${e.address}: ${resolvedText(e)}`);
        break;
      case "rollback.started":
        persist(c.yellow(`rolling back ${plural(e.operations, "completed operation")} (${e.reason.code})`));
        mode = {
          kind: "tx",
          rollingBack: true,
          done: 0,
          total: e.operations,
          at: mode.kind === "tx" ? mode.at : e.at,
        };
        break;
      case "op.compensated":
        running.delete(e.address);
        if (mode.kind === "tx" && mode.rollingBack) mode.done++;
        persist(`  ${c.yellow("↺")} undone ${e.action} ${e.address} ${c.dim(fmtMs(e.durationMs))}`);
        break;
      case "compensation.failed":
        running.delete(e.address);
        persist(`  ${c.red("✖")} undo ${e.action} ${e.address}: ${e.error.code} ${e.error.message}`);
        break;
      case "tx.finished":
        // steps halted before their remote call report no outcome: nothing is in flight any more
        running.clear();
        clear();
        mode = { kind: "idle" };
        persist(tally.summary(e.at));
        return;
      case "lock.lost":
        persist(c.red(`lost the stack lock ${e.holderId}: stopping`));
        break;
      default:
        break;
    }
    draw();
  };
  return {
    reporter,
    note: (text) => {
      persist(text);
      draw();
    },
    done: () => {
      clear();
      // a transaction that never reported its end (an error escaped the engine) still gets its tally
      if (tally.started && tally.outcome === undefined) persist(tally.summary(now()));
      tally.outcome ??= "stopped";
      mode = { kind: "idle" };
      log.done();
    },
  };
}
