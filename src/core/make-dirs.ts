/**
 * Create a folder and its missing parents, reporting the real reason when one cannot be made.
 * Node's `mkdirSync(dir, { recursive: true })` reports ENOENT for a parent on a read-only file
 * system or without write permission (it hides EROFS/EACCES), which would make the error's
 * message and hint wrong; this makes one level at a time, so the failing `mkdir` throws its own
 * errno (EROFS, EACCES, ENOSPC, ENOTDIR).
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Make `dir` and its missing parents (each with `mode`, default 0o777 minus the umask). Throws the
 * Node system error of the first `mkdir` that fails; a folder another process made meanwhile is
 * fine. A file in the way is left for the caller's next write to report (ENOTDIR).
 */
export function makeDirs(dir: string, mode?: number): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent, mode);
  try {
    mkdirSync(dir, mode === undefined ? undefined : { mode });
  } catch (e) {
    const raced = (e as NodeJS.ErrnoException).code === "EEXIST" && statSync(dir).isDirectory();
    if (!raced) throw e;
  }
}
