import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { EngineEvent, OpAction, OpPhase } from "../core/events.js";
import { Output } from "./output.js";
import { liveProgress, plainProgress } from "./progress.js";

const ESC = String.fromCharCode(27);

/**
 * A terminal screen: applies what log-update writes (text, newlines, cursor up/down/left, erase
 * line / end of line, colours and synchronized-output markers ignored) to a grid of lines, so a
 * test reads what a person would see once the program stops.
 */
class FakeTty extends Writable {
  readonly isTTY = true;
  readonly columns = 200;
  readonly rows = 40;
  raw = "";
  private lines: string[] = [""];
  private row = 0;
  private col = 0;

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    const s = chunk.toString();
    this.raw += s;
    const csi = new RegExp(`^${ESC}\\[([?0-9;]*)([A-Za-z])`);
    for (let i = 0; i < s.length; ) {
      const m = csi.exec(s.slice(i));
      if (m) {
        this.control(m[1] ?? "", m[2] ?? "");
        i += m[0].length;
        continue;
      }
      const ch = s[i] as string;
      if (ch === "\n") {
        this.row++;
        this.col = 0;
      } else if (ch === "\r") this.col = 0;
      else {
        const line = this.at(this.row).padEnd(this.col);
        this.lines[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
        this.col++;
      }
      this.at(this.row);
      i++;
    }
    cb();
  }

  private at(row: number): string {
    while (this.lines.length <= row) this.lines.push("");
    return this.lines[row] as string;
  }

  private control(params: string, cmd: string): void {
    const n = Number(params) || 1;
    if (cmd === "A") this.row = Math.max(0, this.row - n);
    else if (cmd === "B") this.row += n;
    else if (cmd === "G") this.col = n - 1;
    else if (cmd === "K") {
      const line = this.at(this.row);
      this.lines[this.row] =
        params === "2"
          ? ""
          : params === "1"
            ? " ".repeat(this.col) + line.slice(this.col)
            : line.slice(0, this.col);
    }
    this.at(this.row);
  }

  /** The visible lines, trailing blanks dropped. */
  screen(): string[] {
    const out = this.lines.map((l) => l.trimEnd());
    while (out.length && out[out.length - 1] === "") out.pop();
    return out;
  }
}

class Collect extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

const T0 = 1_700_000_000_000;
const op = (address: string, action: OpAction = "create", phase: OpPhase = "forward") => ({
  txId: "tx_1",
  address,
  type: "aws_s3_bucket" as const,
  name: address,
  action,
  phase,
});
const started = (a: string, phase: OpPhase = "forward"): EngineEvent => ({
  event: "op.started",
  at: T0,
  ...op(a, phase === "forward" ? "create" : "delete", phase),
});
const ok = (a: string): EngineEvent => ({
  event: "op.succeeded",
  at: T0 + 50,
  startedAt: T0,
  durationMs: 50,
  ...op(a),
});
const failed = (a: string): EngineEvent => ({
  event: "op.failed",
  at: T0 + 60,
  startedAt: T0,
  durationMs: 60,
  error: { code: "SANDBOX_INJECTED_FAILURE", message: "injected" },
  ...op(a),
});
const undone = (a: string): EngineEvent => ({
  event: "op.compensated",
  at: T0 + 90,
  startedAt: T0 + 70,
  durationMs: 20,
  ...op(a, "delete", "compensate"),
});
const addresses = Array.from({ length: 8 }, (_, i) => `aws_s3_bucket.b${i + 1}`);

function live() {
  const tty = new FakeTty();
  const out = new Output({ color: false, quiet: false, verbose: false, json: false, stderr: tty });
  return { tty, p: liveProgress(out, { tickMs: 60_000, now: () => T0 + 1000 }) };
}

describe("liveProgress (TTY)", () => {
  it("Ctrl-C after 8 finished operations: all 8 stay on screen, the notice above, the live region cleared", () => {
    const { tty, p } = live();
    p.reporter({ event: "tx.started", at: T0, txId: "tx_1", stackId: "s", kind: "create", operations: 12 });
    for (const a of addresses) p.reporter(started(a));
    for (const a of ["aws_s3_bucket.x1", "aws_s3_bucket.x2"]) p.reporter(started(a));
    for (const a of addresses) p.reporter(ok(a));
    // while two are still running, the region shows them and the bar
    expect(tty.screen().slice(-3)).toEqual([
      "  … create aws_s3_bucket.x1 1.0s",
      "  … create aws_s3_bucket.x2 1.0s",
      expect.stringMatching(/^applying [█░]{28} 8\/12 {2}elapsed 1\.0s {2}eta 500ms$/),
    ]);
    p.note("SIGINT: stopping after the calls in flight, then rolling back (press Ctrl-C again to exit now)");
    p.done(); // the second Ctrl-C path: the display is stopped without the transaction's end
    const screen = tty.screen();
    for (const a of addresses) expect(screen.filter((l) => l === `  ✔ create ${a} 50ms`)).toHaveLength(1);
    expect(screen).toContain(
      "SIGINT: stopping after the calls in flight, then rolling back (press Ctrl-C again to exit now)",
    );
    expect(screen.at(-1)).toBe("transaction tx_1 stopped after 1.0s: 12 operations, 8 done, 4 not finished");
    expect(screen.join("\n")).not.toMatch(/applying|…|░/);
  });

  it("a failure and its rollback: every done, failed and undone row stays, then the summary", () => {
    const { tty, p } = live();
    p.reporter({ event: "tx.started", at: T0, txId: "tx_1", stackId: "s", kind: "create", operations: 8 });
    for (const a of addresses.slice(0, 6)) p.reporter(started(a));
    for (const a of addresses.slice(0, 5)) p.reporter(ok(a));
    p.reporter(failed(addresses[5] as string));
    p.reporter({
      event: "rollback.started",
      at: T0 + 61,
      txId: "tx_1",
      reason: { code: "SANDBOX_INJECTED_FAILURE", message: "injected" },
      operations: 5,
    });
    for (const a of addresses.slice(0, 5).reverse()) {
      p.reporter(started(a, "compensate"));
      expect(tty.screen().at(-2)).toBe(`  … undo delete ${a} 1.0s`);
      expect(tty.screen().at(-1)).toMatch(/^rolling back [█░]{28} \d\/5 1 failed/);
      p.reporter(undone(a));
    }
    p.reporter({
      event: "tx.finished",
      at: T0 + 2000,
      txId: "tx_1",
      outcome: "rolled_back",
      durationMs: 2000,
    });
    p.done();
    expect(tty.screen()).toEqual([
      ...addresses.slice(0, 5).map((a) => `  ✔ create ${a} 50ms`),
      `  ✖ create ${addresses[5]}: SANDBOX_INJECTED_FAILURE injected`,
      "rolling back 5 completed operations (SANDBOX_INJECTED_FAILURE)",
      ...addresses
        .slice(0, 5)
        .reverse()
        .map((a) => `  ↺ undone delete ${a} 20ms`),
      "transaction tx_1 rolled_back in 2.0s: 8 operations, 5 done, 1 failed, 5 undone, 2 not started",
    ]);
  });

  it("planning shows reads done/total, then leaves one line before the plan is printed", () => {
    const { tty, p } = live();
    p.reporter({ event: "plan.progress", at: T0, stackId: "s", done: 0, total: 36 });
    expect(tty.screen()).toEqual([
      expect.stringMatching(/^planning [░]{28} 0\/36 resources read {2}elapsed 1\.0s$/),
    ]);
    for (let done = 1; done <= 12; done++)
      p.reporter({ event: "plan.progress", at: T0 + done, stackId: "s", done, total: 36 });
    expect(tty.screen()).toEqual([expect.stringMatching(/^planning [█░]{28} 12\/36 resources read/)]);
    p.reporter({
      event: "plan.ready",
      at: T0 + 900,
      stackId: "s",
      counts: { create: 30, update: 2, noop: 4, adopt: 0 },
      durationMs: 900,
    });
    expect(tty.screen()).toEqual(["planned 36 resources in 900ms"]);
    p.done();
    expect(tty.screen()).toEqual(["planned 36 resources in 900ms"]);
  });

  it("a planning error: done() clears the planning line and prints nothing else", () => {
    const { tty, p } = live();
    p.reporter({ event: "plan.progress", at: T0, stackId: "s", done: 3, total: 9 });
    p.done();
    expect(tty.screen()).toEqual([]);
  });

  it("lock waiting is shown in the region and cleared once the lock is ours", () => {
    const { tty, p } = live();
    p.reporter({
      event: "lock.waiting",
      at: T0,
      stackId: "s",
      holder: { user: "ann", host: "h", pid: 7, since: "2024-01-01T00:00:00Z" },
      waitedMs: 1500,
    });
    expect(tty.screen()).toEqual([
      "waiting for the stack lock held by ann@h pid 7 since 2024-01-01T00:00:00Z (1.5s)",
    ]);
    p.reporter({ event: "lock.acquired", at: T0, stackId: "s", holderId: "x", waitedMs: 1600 });
    expect(tty.screen()).toEqual([]);
    p.done();
  });
});

describe("plainProgress (no TTY)", () => {
  const run = (events: EngineEvent[], verbose = false) => {
    const stderr = new Collect();
    const stdout = new Collect();
    const out = new Output({ color: false, quiet: false, verbose, json: false, stderr, stdout });
    const p = plainProgress(out);
    for (const e of events) p.reporter(e);
    p.done();
    return { stderr: stderr.text, stdout: stdout.text };
  };
  const planning: EngineEvent[] = [
    ...Array.from(
      { length: 37 },
      (_, done): EngineEvent => ({ event: "plan.progress", at: T0, stackId: "s", done, total: 36 }),
    ),
    {
      event: "plan.ready",
      at: T0,
      stackId: "s",
      counts: { create: 36, update: 0, noop: 0, adopt: 0 },
      durationMs: 1234,
    },
  ];

  it("one line per finished operation and a summary, without escape codes", () => {
    const { stderr, stdout } = run([
      ...planning,
      { event: "tx.started", at: T0, txId: "tx_1", stackId: "s", kind: "create", operations: 3 },
      started("aws_s3_bucket.a"),
      ok("aws_s3_bucket.a"),
      started("aws_s3_bucket.b"),
      failed("aws_s3_bucket.b"),
      { event: "rollback.started", at: T0, txId: "tx_1", reason: { code: "X", message: "m" }, operations: 1 },
      undone("aws_s3_bucket.a"),
      { event: "tx.finished", at: T0, txId: "tx_1", outcome: "rolled_back", durationMs: 3100 },
    ]);
    expect(stdout).toBe("");
    expect(stderr).not.toContain(ESC);
    expect(stderr.split("\n")).toEqual([
      "transaction tx_1: 3 operations",
      "[1/3] ok     create aws_s3_bucket.a (50ms)",
      "[1/3] FAILED create aws_s3_bucket.b: SANDBOX_INJECTED_FAILURE injected",
      "rolling back 1 completed operation (X)",
      "undone delete aws_s3_bucket.a (20ms)",
      "transaction tx_1 rolled_back in 3.1s: 3 operations, 1 done, 1 failed, 1 undone, 1 not started",
      "",
    ]);
  });

  it("planning prints nothing on stdout, nothing on stderr, and one line with --verbose", () => {
    expect(run(planning)).toEqual({ stdout: "", stderr: "" });
    expect(run(planning, true)).toEqual({ stdout: "", stderr: "planned 36 resources in 1.2s\n" });
  });
});
