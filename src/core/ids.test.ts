import { describe, expect, it } from "vitest";
import { eventError } from "./events.js";
import { currentActor, isTxId, newLockHolder, newTxId } from "./ids.js";

describe("ids", () => {
  it("transaction ids are UTC-stamped, well-formed and sort by time", () => {
    const a = newTxId(new Date(Date.UTC(2026, 10, 25, 9, 5, 7)), () => "0000ffff");
    expect(a).toBe("tx_20261125090507_0000ffff");
    expect(isTxId(a)).toBe(true);
    expect(isTxId("tx_2026_x")).toBe(false);
    const ids = [
      new Date(Date.UTC(2027, 0, 1)),
      new Date(Date.UTC(2026, 11, 31, 23, 59, 59)),
      new Date(Date.UTC(2026, 0, 2)),
    ].map((d) => newTxId(d));
    expect([...ids].sort()).toEqual([ids[2], ids[1], ids[0]]);
    expect(newTxId()).not.toBe(newTxId());
  });

  it("actor is user@host and lock holders are unique per call", () => {
    expect(currentActor()).toMatch(/^[^@\s]+@[^@\s]+$/);
    const h1 = newLockHolder();
    const h2 = newLockHolder();
    expect(h1.pid).toBe(process.pid);
    expect(h1.holderId).not.toBe(h2.holderId);
  });

  it("eventError summarises errors without leaking the object", () => {
    expect(
      eventError(Object.assign(new Error("x"), { code: "C", category: "throttled", outcome: "unknown" })),
    ).toEqual({ code: "C", message: "x", category: "throttled", outcome: "unknown" });
    expect(eventError("plain")).toEqual({ code: "INTERNAL", message: "plain" });
  });
});
