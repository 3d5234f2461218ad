import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { DpnError, stateError } from "../core/errors.js";
import { toStateError } from "./state-errors.js";

const ctx = { op: "putResource", path: "/x/state.db", busyTimeoutMs: 5000 };

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed`), { code });
}

describe("toStateError", () => {
  it.each([
    ["SQLITE_BUSY", "STATE_LOCKED_DB"],
    ["SQLITE_BUSY_SNAPSHOT", "STATE_LOCKED_DB"],
    ["SQLITE_LOCKED", "STATE_LOCKED_DB"],
    ["SQLITE_CORRUPT", "STATE_CORRUPT"],
    ["SQLITE_NOTADB", "STATE_CORRUPT"],
    ["SQLITE_READONLY", "STATE_UNWRITABLE"],
    ["SQLITE_CANTOPEN", "STATE_UNWRITABLE"],
    ["SQLITE_PERM", "STATE_UNWRITABLE"],
    ["SQLITE_FULL", "STATE_DISK_FULL"],
    ["SQLITE_IOERR_FSYNC", "STATE_IO_ERROR"],
    ["SQLITE_CONSTRAINT_FOREIGNKEY", "STATE_REFERENCE_MISSING"],
    ["SQLITE_CONSTRAINT_PRIMARYKEY", "STATE_DUPLICATE"],
    ["SQLITE_MISMATCH", "STATE_ERROR"],
  ])("maps %s to %s (kind state, exit 8, with hint, file and cause)", (sqlite, code) => {
    const cause = new Database.SqliteError("raw message", sqlite);
    const e = toStateError(cause, ctx) as DpnError;
    expect(e).toBeInstanceOf(DpnError);
    expect(e.code).toBe(code);
    expect(e.kind).toBe("state");
    expect(e.exitCode).toBe(8);
    expect(e.hint).toBeTruthy();
    expect(e.message).toContain("/x/state.db");
    expect(e.details).toMatchObject({ path: "/x/state.db", operation: "putResource", sqlite_code: sqlite });
    expect(e.cause).toBe(cause);
  });

  it("maps a read-only violation on a read-only store to STATE_READ_ONLY", () => {
    const e = toStateError(new Database.SqliteError("ro", "SQLITE_READONLY"), {
      ...ctx,
      readonly: true,
    }) as DpnError;
    expect(e.code).toBe("STATE_READ_ONLY");
  });

  it.each([
    ["EACCES", "STATE_UNWRITABLE"],
    ["EROFS", "STATE_UNWRITABLE"],
    ["ENOTDIR", "STATE_UNWRITABLE"],
    ["ENOSPC", "STATE_DISK_FULL"],
  ])("maps file-system error %s to %s", (fsCode, code) => {
    const e = toStateError(errno(fsCode), ctx) as DpnError;
    expect(e.code).toBe(code);
    expect(e.exitCode).toBe(8);
  });

  it("passes DpnErrors and unrelated errors through unchanged", () => {
    const dpn = stateError("STATE_TOO_NEW", "x");
    expect(toStateError(dpn, ctx)).toBe(dpn);
    const plain = new Error("engine bug");
    expect(toStateError(plain, ctx)).toBe(plain);
    // A code without a system call is not a file-system failure.
    expect(toStateError(errno("ENOENT"), ctx)).not.toBeInstanceOf(DpnError);
  });

  it("maps any other system-call failure to STATE_IO_ERROR", () => {
    const e = toStateError(Object.assign(errno("ENOENT"), { syscall: "open" }), ctx) as DpnError;
    expect(e.code).toBe("STATE_IO_ERROR");
  });
});
