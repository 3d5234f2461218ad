/**
 * The one translation of a Node file-system failure on a write (EACCES, EPERM, EROFS, ENOSPC,
 * EDQUOT, a path component that is not a directory, …) into a DpnError that names the path, the
 * errno and a hint with the step that works: make the folder writable, free space, or write
 * somewhere else with the option or variable that chooses the path.
 */

import type { RegisteredCode } from "./error-codes.js";
import { DpnError, type DpnErrorOptions } from "./errors.js";

/** Permission or read-only file system. */
const UNWRITABLE = new Set(["EACCES", "EPERM", "EROFS"]);
/** A path component is a file where a directory is needed (or the reverse). */
const NOT_A_DIR = new Set(["ENOTDIR", "EISDIR", "EEXIST"]);
/** No space or quota left. */
const FULL = new Set(["ENOSPC", "EDQUOT"]);

/** The errno name (`EACCES`) of a Node system error, else undefined. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return err instanceof Error && typeof code === "string" && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** What was being written, and the codes and the way out its caller owns. */
export interface FileWriteTarget {
  /** For the message: "state file", "blueprint", "convention file". */
  what: string;
  path: string;
  /** The operation, e.g. "write", "open". */
  op: string;
  /**
   * The working way to write somewhere else, as the end of a hint: "write it elsewhere with
   * --output <file>", "put the state elsewhere with --state sqlite:<path> (or DPN_STATE)".
   */
  elsewhere: string;
  codes: {
    /** Permission, read-only file system, or a path component that is not a directory. */
    unwritable: RegisteredCode;
    /** ENOSPC / EDQUOT. */
    full: RegisteredCode;
    /** Any other system call failure. */
    io: RegisteredCode;
  };
  details?: Record<string, unknown>;
}

/**
 * The DpnError for `err`, a Node file-system failure while writing `t.path`; undefined when `err`
 * is not one (no errno, or an errno outside the sets above without a `syscall`), so callers
 * rethrow it unchanged. A DpnError is returned as is. The kind (hence
 * the exit code) is the registered one of the chosen code. Never throws.
 */
export function fileWriteError(err: unknown, t: FileWriteTarget): DpnError | undefined {
  if (err instanceof DpnError) return err;
  const errno = errnoOf(err);
  if (!errno) return undefined;
  const o = (hint: string): DpnErrorOptions => ({
    hint,
    details: { ...t.details, path: t.path, operation: t.op, errno },
    cause: err,
  });
  // the registry gives each code its kind; "usage" is only the fallback of the constructor
  if (UNWRITABLE.has(errno))
    return new DpnError(
      "usage",
      t.codes.unwritable,
      `Cannot ${t.op} the ${t.what} ${t.path}: ${errno === "EROFS" ? "read-only file system" : "permission denied"} (${errno}).`,
      o(`Make its directory (and the file, if it exists) writable for this user, or ${t.elsewhere}.`),
    );
  if (NOT_A_DIR.has(errno))
    return new DpnError(
      "usage",
      t.codes.unwritable,
      `Cannot ${t.op} the ${t.what} ${t.path}: a component of the path is not a directory (${errno}).`,
      o(`Remove or rename the file that is in the way, or ${t.elsewhere}.`),
    );
  if (FULL.has(errno))
    return new DpnError(
      "usage",
      t.codes.full,
      `Cannot ${t.op} the ${t.what} ${t.path}: no space left on the device (${errno}).`,
      o(`Free disk space (or quota) and retry, or ${t.elsewhere}.`),
    );
  // any other errno counts only from a system call (a bare `code` may be anyone's)
  if (typeof (err as NodeJS.ErrnoException).syscall !== "string") return undefined;
  return new DpnError(
    "usage",
    t.codes.io,
    `Cannot ${t.op} the ${t.what} ${t.path}: ${errno}.`,
    o(`Check the path and its file system, or ${t.elsewhere}.`),
  );
}
