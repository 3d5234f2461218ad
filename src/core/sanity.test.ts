import { describe, expect, it } from "vitest";
import { DpnError, ExitCode, redact } from "./errors.js";

describe("DpnError", () => {
  it("maps kinds to documented exit codes and redacts secrets in details", () => {
    const e = new DpnError("validation", "X_BAD", "bad value 'q'", { details: { token: "abc", n: 1 } });
    expect(e.exitCode).toBe(ExitCode.VALIDATION);
    expect(e.details).toEqual({ token: "***", n: 1 });
    expect(redact({ nested: { client_secret: "s", ok: "v" } })).toEqual({ nested: { client_secret: "***", ok: "v" } });
  });
});
