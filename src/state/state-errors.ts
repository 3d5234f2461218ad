/**
 * Translation of SQLite and file-system failures into DpnError kind `state` (exit 8), so no raw
 * sqlite error ever reaches the user. Codes are stable; each carries a hint with the next step.
 */
import Database from "better-sqlite3";
import { DpnError, internalError, stateError } from "../core/errors.js";
import { fileWriteError } from "../core/fs-errors.js";

/** What the store was doing when it failed; names the file in every message. */
export interface StateErrorContext {
  op: string;
  path: string;
  readonly?: boolean;
  busyTimeoutMs?: number;
}

/** How to put the state somewhere else (docs/state.md): the flag, or the variable. */
const STATE_ELSEWHERE = "put the state elsewhere with --state sqlite:<path> (or DPN_STATE=sqlite:<path>)";

/**
 * Map `err` to a DpnError when it is a SQLite or file-system failure. DpnErrors pass through
 * unchanged. Any other error (e.g. thrown by a caller's function inside `atomically`) is returned
 * as is, so that engine errors are never disguised as state errors.
 */
export function toStateError(err: unknown, ctx: StateErrorContext): unknown {
  if (err instanceof DpnError) return err;
  const where = `state file ${ctx.path}`;
  const details = { path: ctx.path, operation: ctx.op };

  if (err instanceof Database.SqliteError) {
    const code = err.code;
    const d = { ...details, sqlite_code: code };
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
      return stateError(
        "STATE_LOCKED_DB",
        `The ${where} stayed locked by another process for more than ${ctx.busyTimeoutMs ?? "the"} ms (${ctx.op}).`,
        {
          hint: "Another dpn process is writing to this state file. Wait for it to finish and retry; if none is running, look for a stuck process that holds the file open.",
          details: d,
          cause: err,
        },
      );
    }
    if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB") {
      return stateError(
        "STATE_CORRUPT",
        `The ${where} is not a valid state database of dpn, or is damaged (${ctx.op}).`,
        {
          hint: "Move the file aside and restore it from a backup (`sqlite3 <file> .recover` can salvage rows). Do not simply delete it: it records resources that exist remotely.",
          details: d,
          cause: err,
        },
      );
    }
    if (code.startsWith("SQLITE_READONLY") && ctx.readonly) {
      return stateError(
        "STATE_READ_ONLY",
        `The ${where} was opened read-only and cannot be changed (${ctx.op}).`,
        {
          hint: "This command only reads state; run the command without --dry-run to make changes.",
          details: d,
          cause: err,
        },
      );
    }
    if (
      code.startsWith("SQLITE_READONLY") ||
      code.startsWith("SQLITE_CANTOPEN") ||
      code === "SQLITE_PERM" ||
      code === "SQLITE_AUTH"
    ) {
      return stateError("STATE_UNWRITABLE", `Cannot open or write the ${where} (${ctx.op}: ${code}).`, {
        hint: `Check that you can write both the file and its directory (SQLite creates -wal/-shm files beside it), or ${STATE_ELSEWHERE}.`,
        details: d,
        cause: err,
      });
    }
    if (code === "SQLITE_FULL") {
      return stateError("STATE_DISK_FULL", `The disk holding the ${where} is full (${ctx.op}).`, {
        hint: "Free disk space and retry; nothing was written by the failed step.",
        details: d,
        cause: err,
      });
    }
    if (code.startsWith("SQLITE_IOERR")) {
      return stateError("STATE_IO_ERROR", `I/O error on the ${where} (${ctx.op}: ${code}).`, {
        hint: "Check the disk and file system (network file systems are not supported for state), then retry.",
        details: d,
        cause: err,
      });
    }
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") {
      return stateError(
        "STATE_REFERENCE_MISSING",
        `${ctx.op} refers to a stack or transaction missing from the ${where}.`,
        {
          hint: "This is a bug in dpn (a stack must be ensured and a transaction begun before use); please report it.",
          details: d,
          cause: err,
        },
      );
    }
    if (code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE") {
      return stateError("STATE_DUPLICATE", `${ctx.op} would duplicate an existing row in the ${where}.`, {
        hint: "This is a bug in dpn (ids must be unique); please report it.",
        details: d,
        cause: err,
      });
    }
    return stateError("STATE_ERROR", `SQLite failed on the ${where} (${ctx.op}: ${code}).`, {
      hint: "Retry; if it persists, report the error code and `dpn --version` (the state file is kept as it is).",
      details: d,
      cause: err,
    });
  }

  const fsError = fileWriteError(err, {
    what: "state file",
    path: ctx.path,
    op: ctx.op,
    elsewhere: STATE_ELSEWHERE,
    codes: { unwritable: "STATE_UNWRITABLE", full: "STATE_DISK_FULL", io: "STATE_IO_ERROR" },
  });
  if (fsError) return fsError;
  if (err instanceof TypeError && /database connection is not open/i.test(err.message)) {
    return internalError("STATE_CLOSED", `The ${where} was used after it was closed (${ctx.op}).`, {
      hint: "This is a bug in dpn; please report it.",
      details,
      cause: err,
    });
  }
  return err;
}
