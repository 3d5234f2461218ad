import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { usageError } from "../core/errors.js";

/**
 * Write a file atomically (temp file + rename) so a failure never leaves half a file, and refuse
 * to overwrite an existing one unless `force`. Throws a usage error (exit 2) naming the file.
 */
export function writeNewFile(path: string, content: string, force: boolean, what: string): void {
  refuseExisting([path], force, what);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** Throw FILE_EXISTS (exit 2) for the first existing path unless `force`; call before any write. */
export function refuseExisting(paths: string[], force: boolean, what: string): void {
  if (force) return;
  for (const path of paths) {
    if (existsSync(path)) {
      throw usageError("FILE_EXISTS", `${what} '${path}' already exists`, {
        hint: "pass --force to overwrite it, or choose another path with --output",
        details: { path },
      });
    }
  }
}
