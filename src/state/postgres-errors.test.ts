import { describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import { pgTarget } from "./postgres-config.js";
import { isConnectionFailure, toPgStateError, type Where } from "./postgres-errors.js";

const target = pgTarget(
  "postgres://ana:hunter2@db.example:5432/state?schema=dpn",
  { PGPASSFILE: "/nonexistent" },
  "d",
);
const where: Where = {
  display: "postgres://ana:***@db.example:5432/state?schema=dpn",
  server: "ana@db.example:5432/state",
  target,
};

function pgError(code: string, message = `server said ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe("postgres state errors", () => {
  it("tells broken connections from refused statements", () => {
    for (const e of [
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
      new Error("Connection terminated unexpectedly"),
      new Error("Client has encountered a connection error and is not queryable"),
      new Error("timeout exceeded when trying to connect"),
      new Error("Query read timeout"),
      pgError("57P01", "terminating connection due to administrator command"),
      pgError("08006"),
    ])
      expect(isConnectionFailure(e), e.message).toBe(true);
    for (const e of [pgError("23505"), pgError("42501"), new TypeError("x is not a function"), "text"])
      expect(isConnectionFailure(e), String(e)).toBe(false);
  });

  it("maps SQLSTATEs to codes naming the server, never the password", () => {
    const cases: [unknown, string][] = [
      [new Error("Connection terminated unexpectedly"), "STATE_UNREACHABLE"],
      [pgError("3D000"), "STATE_UNREACHABLE"],
      [pgError("53300"), "STATE_UNREACHABLE"],
      [pgError("28P01"), "STATE_AUTH_FAILED"],
      [pgError("42501"), "STATE_PERMISSION_DENIED"],
      [pgError("23503"), "STATE_REFERENCE_MISSING"],
      [pgError("23505"), "STATE_DUPLICATE"],
      [pgError("25006"), "STATE_UNWRITABLE"],
      [pgError("53100"), "STATE_DISK_FULL"],
      [pgError("55P03"), "STATE_LOCKED_DB"],
      [pgError("XX000"), "STATE_ERROR"],
    ];
    for (const [e, code] of cases) {
      const mapped = toPgStateError(e, where, "journalIntent");
      expect(mapped, code).toBeInstanceOf(DpnError);
      const d = mapped as DpnError;
      expect(d.code).toBe(code);
      expect(d.kind).toBe("state");
      expect(JSON.stringify({ m: d.message, h: d.hint, d: d.details })).not.toContain("hunter2");
      expect(d.details).toMatchObject({ host: "db.example", database: "state", operation: "journalIntent" });
    }
  });

  it("passes DpnErrors and non-database errors through unchanged", () => {
    const own = new DpnError("state", "LOCK_LOST", "lost");
    expect(toPgStateError(own, where, "x")).toBe(own);
    const bug = new TypeError("x is not a function");
    expect(toPgStateError(bug, where, "x")).toBe(bug);
  });
});
