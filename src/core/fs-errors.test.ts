import { describe, expect, it } from "vitest";
import { DpnError } from "./errors.js";
import { type FileWriteTarget, fileWriteError } from "./fs-errors.js";

const sysErr = (code: string, syscall = "open") =>
  Object.assign(new Error(`${code}: failed, ${syscall} '/p/f'`), { code, syscall });

const FILE: FileWriteTarget = {
  what: "blueprint",
  path: "/p/f.json",
  op: "write",
  elsewhere: "write it elsewhere with --output <file>",
  codes: { unwritable: "FILE_UNWRITABLE", full: "FILE_DISK_FULL", io: "FILE_WRITE_FAILED" },
};
const STATE: FileWriteTarget = {
  ...FILE,
  what: "state file",
  elsewhere: "put the state elsewhere with --state sqlite:<path>",
  codes: { unwritable: "STATE_UNWRITABLE", full: "STATE_DISK_FULL", io: "STATE_IO_ERROR" },
};

describe("fileWriteError", () => {
  it.each([
    ["EACCES", "FILE_UNWRITABLE", "STATE_UNWRITABLE", /permission denied \(EACCES\)/],
    ["EPERM", "FILE_UNWRITABLE", "STATE_UNWRITABLE", /permission denied \(EPERM\)/],
    ["EROFS", "FILE_UNWRITABLE", "STATE_UNWRITABLE", /read-only file system \(EROFS\)/],
    ["ENOTDIR", "FILE_UNWRITABLE", "STATE_UNWRITABLE", /not a directory \(ENOTDIR\)/],
    ["EISDIR", "FILE_UNWRITABLE", "STATE_UNWRITABLE", /not a directory \(EISDIR\)/],
    ["EEXIST", "FILE_UNWRITABLE", "STATE_UNWRITABLE", /not a directory \(EEXIST\)/],
    ["ENOSPC", "FILE_DISK_FULL", "STATE_DISK_FULL", /no space left on the device \(ENOSPC\)/],
    ["EDQUOT", "FILE_DISK_FULL", "STATE_DISK_FULL", /no space left on the device \(EDQUOT\)/],
    ["EIO", "FILE_WRITE_FAILED", "STATE_IO_ERROR", /: EIO\./],
  ])("maps %s to %s (exit 2) for a file and %s (exit 8) for the state", (errno, fileCode, stateCode, msg) => {
    const cause = sysErr(errno);
    const f = fileWriteError(cause, FILE);
    expect(f).toBeInstanceOf(DpnError);
    expect(f).toMatchObject({ code: fileCode, exitCode: 2, cause });
    expect(f?.message).toMatch(/^Cannot write the blueprint \/p\/f\.json: /);
    expect(f?.message).toMatch(msg);
    expect(f?.hint).toMatch(/, or write it elsewhere with --output <file>\.$/);
    expect(f?.details).toEqual({ path: "/p/f.json", operation: "write", errno });
    const s = fileWriteError(cause, STATE);
    expect(s).toMatchObject({ code: stateCode, exitCode: 8 });
    expect(s?.hint).toContain("--state sqlite:<path>");
  });

  it("leaves what is not a file-system failure to the caller", () => {
    expect(fileWriteError(new Error("a bug"), FILE)).toBeUndefined();
    expect(fileWriteError("text", FILE)).toBeUndefined();
    // an errno outside the known sets counts only from a system call
    expect(fileWriteError(Object.assign(new Error("x"), { code: "ENOENT" }), FILE)).toBeUndefined();
    expect(fileWriteError(Object.assign(new Error("x"), { code: "SQLITE_FULL" }), FILE)).toBeUndefined();
    const own = new DpnError("usage", "FILE_EXISTS", "exists");
    expect(fileWriteError(own, FILE)).toBe(own);
  });
});
