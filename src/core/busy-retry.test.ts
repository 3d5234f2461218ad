import { describe, expect, it } from "vitest";
import { retryWhileBusy } from "./busy-retry.js";

const busy = () => Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });

describe("retryWhileBusy", () => {
  it("retries an open that fails with SQLITE_BUSY until it succeeds", () => {
    let calls = 0;
    const v = retryWhileBusy(() => {
      calls++;
      if (calls < 3) throw busy();
      return "open";
    });
    expect(v).toBe("open");
    expect(calls).toBe(3);
  });

  it("throws any other error at once", () => {
    let calls = 0;
    expect(() =>
      retryWhileBusy(() => {
        calls++;
        throw Object.assign(new Error("not a database"), { code: "SQLITE_NOTADB" });
      }),
    ).toThrow("not a database");
    expect(calls).toBe(1);
  });

  it("gives up after its budget with the busy error", () => {
    expect(() =>
      retryWhileBusy(() => {
        throw busy();
      }, 100),
    ).toThrow("database is locked");
  });
});
