import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DPN_BIN } from "../support/cli.js";

/** `dpn --help | head -1`: the reader closes stdout after the first chunk. */
function helpIntoClosedPipe(): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DPN_BIN, "--help"], { env: { ...process.env, NO_COLOR: "1" } });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    child.stdout.once("data", () => child.stdout.destroy());
    child.stdout.destroy();
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("closed stdout (EPIPE)", () => {
  it("ends quietly with exit 0 and no stack trace, every time", async () => {
    for (let i = 0; i < 8; i++) {
      const r = await helpIntoClosedPipe();
      expect(r.stderr).not.toMatch(/EPIPE|at .*\(/);
      expect(r.code).toBe(0);
    }
  });
});
