/**
 * Renders engine events: a live display on a TTY (bar, done/total, running resources, elapsed,
 * ETA) or one plain line per event otherwise (CI, pipes, --json). Writes to stderr only.
 */
import { createLogUpdate } from "log-update";
import type { EngineEvent, Reporter } from "../core/events.js";
import type { Output } from "./output.js";

export interface ProgressRenderer {
  reporter: Reporter;
  /** Stop the live display (leaves the last frame) — call before printing the result. */
  done(): void;
}

const fmtMs = (ms: number) => (ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`);

/** One line per event, e.g. `[ 3/12] create aws_s3_bucket.x ... ok (52ms)`. */
export function plainProgress(out: Output, opts: { quiet?: boolean } = {}): ProgressRenderer {
  let total = 0;
  let done = 0;
  const c = out.c;
  const line = (s: string) => {
    if (!opts.quiet) out.stderr.write(`${s}\n`);
  };
  const counter = () => `[${String(done).padStart(String(total).length)}/${total}]`;
  const reporter: Reporter = (e: EngineEvent) => {
    switch (e.event) {
      case "tx.started":
        total = e.operations;
        done = 0;
        line(`transaction ${e.txId}: ${e.operations} operation${e.operations === 1 ? "" : "s"}`);
        break;
      case "op.started":
        if (out.verbose) line(`${c.dim("start")} ${e.action} ${e.address}`);
        break;
      case "op.succeeded":
        if (e.phase === "forward") done++;
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
        line(
          `${c.yellow("rolling back")} ${e.operations} completed operation${e.operations === 1 ? "" : "s"} (${e.reason.code})`,
        );
        break;
      case "op.compensated":
        line(`${c.yellow("undone")} ${e.action} ${e.address} (${fmtMs(e.durationMs)})`);
        break;
      case "compensation.failed":
        line(`${c.red("UNDO FAILED")} ${e.action} ${e.address}: ${e.error.code} ${e.error.message}`);
        break;
      case "op.resolved":
        line(
          `${c.dim("looked up")} ${e.address}: ${
            e.claimed
              ? `exists without its marker; claimed (${e.claimed.join("; ")})`
              : e.notClaimed
                ? `a foreign object holds the name (${e.notClaimed}); left alone`
                : e.found
                  ? "exists"
                  : "absent"
          }`,
        );
        break;
      case "tx.finished":
        line(`transaction ${e.txId} ${e.outcome} in ${fmtMs(e.durationMs)}`);
        break;
      case "recovery.started":
        line(`recovering transaction ${e.txId} (${e.mode})`);
        break;
      case "lock.waiting":
        line(
          `waiting for the stack lock held by ${e.holder.user}@${e.holder.host} pid ${e.holder.pid} since ${e.holder.since} (${fmtMs(e.waitedMs)})`,
        );
        break;
      case "lock.lost":
        line(`${c.red("lost the stack lock")} ${e.holderId}: stopping`);
        break;
      default:
        break;
    }
  };
  return { reporter, done: () => {} };
}

/** Live display for a TTY, redrawn at most every 80 ms. */
export function liveProgress(out: Output): ProgressRenderer {
  const c = out.c;
  const log = createLogUpdate(out.stderr as NodeJS.WriteStream, { showCursor: true });
  let total = 0;
  let done = 0;
  let failed = 0;
  let phase = "applying";
  let txStart = Date.now();
  const running = new Map<string, string>();
  const finished: string[] = [];
  let timer: NodeJS.Timeout | undefined;

  const frame = () => {
    const width = 28;
    const ratio = total ? done / total : 0;
    const filled = Math.round(ratio * width);
    const elapsed = Date.now() - txStart;
    const eta = done > 0 && done < total ? (elapsed / done) * (total - done) : 0;
    const bar = `${c.green("█".repeat(filled))}${c.dim("░".repeat(width - filled))}`;
    const head = `${phase} ${bar} ${done}/${total}${failed ? c.red(` ${failed} failed`) : ""}  elapsed ${fmtMs(elapsed)}${eta ? `  eta ${fmtMs(eta)}` : ""}`;
    const lines = [
      ...finished.slice(-6),
      ...[...running.entries()].slice(0, 8).map(([a, s]) => `  ${c.cyan("…")} ${s} ${a}`),
      head,
    ];
    log(lines.join("\n"));
  };
  const schedule = () => {
    if (!timer) {
      timer = setTimeout(() => {
        timer = undefined;
        frame();
      }, 80);
    }
  };
  // Nothing is drawn until the transaction starts (the plan is printed before it), except a
  // "waiting for lock" line, which is cleared once the lock is ours.
  let active = false;
  const reporter: Reporter = (e: EngineEvent) => {
    switch (e.event) {
      case "tx.started":
        active = true;
        total = e.operations;
        txStart = e.at;
        break;
      case "op.started":
        running.set(e.address, e.phase === "compensate" ? `undo ${e.action}` : e.action);
        break;
      case "op.succeeded":
        running.delete(e.address);
        if (e.phase === "forward") done++;
        finished.push(`  ${c.green("✔")} ${e.action} ${e.address} ${c.dim(fmtMs(e.durationMs))}`);
        break;
      case "op.failed":
        running.delete(e.address);
        failed++;
        finished.push(`  ${c.red("✖")} ${e.action} ${e.address}: ${e.error.code} ${e.error.message}`);
        break;
      case "rollback.started":
        phase = c.yellow("rolling back");
        done = 0;
        total = e.operations;
        break;
      case "op.compensated":
        running.delete(e.address);
        done++;
        finished.push(`  ${c.yellow("↺")} undone ${e.action} ${e.address}`);
        break;
      case "compensation.failed":
        running.delete(e.address);
        finished.push(`  ${c.red("✖")} undo ${e.action} ${e.address}: ${e.error.code}`);
        break;
      case "lock.waiting":
        if (!active)
          log(
            `waiting for the stack lock held by ${e.holder.user}@${e.holder.host} pid ${e.holder.pid} since ${e.holder.since}`,
          );
        return;
      case "lock.acquired":
        if (!active) log.clear();
        return;
      default:
        break;
    }
    if (active) schedule();
  };
  return {
    reporter,
    done: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (active) {
        frame();
        log.done();
        active = false;
      }
    },
  };
}
