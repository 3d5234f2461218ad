import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { usageError } from "../core/errors.js";
import { fileWriteError } from "../core/fs-errors.js";
import { makeDirs } from "../core/make-dirs.js";

/**
 * Write a file atomically (temp file + rename) so a failure never leaves half a file, and refuse
 * to overwrite an existing one unless `force`. Throws FILE_EXISTS (exit 2) naming the file; a
 * refused write (permissions, read-only file system, a file where a folder is needed, a full
 * disk) throws FILE_UNWRITABLE / FILE_DISK_FULL / FILE_WRITE_FAILED (exit 2) naming the path,
 * with a hint ending in `elsewhere` (how to write it somewhere else).
 */
export function writeNewFile(
  path: string,
  content: string,
  force: boolean,
  what: string,
  elsewhere: string,
): void {
  refuseExisting([path], force, what, elsewhere);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    makeDirs(dirname(path));
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    if (existsSync(tmp)) rmSync(tmp);
    throw (
      fileWriteError(e, {
        what,
        path,
        op: "write",
        elsewhere,
        codes: { unwritable: "FILE_UNWRITABLE", full: "FILE_DISK_FULL", io: "FILE_WRITE_FAILED" },
      }) ?? e
    );
  }
}

/**
 * Throw FILE_EXISTS (exit 2) for the first existing path unless `force`, with a hint ending in
 * `elsewhere`; call before any write.
 */
export function refuseExisting(paths: string[], force: boolean, what: string, elsewhere: string): void {
  if (force) return;
  for (const path of paths) {
    if (existsSync(path)) {
      throw usageError("FILE_EXISTS", `${what} '${path}' already exists`, {
        hint: `pass --force to overwrite it, or ${elsewhere}`,
        details: { path },
      });
    }
  }
}
