/**
 * writeNewFile on a refused write. Tests run as root, which ignores permission bits, so EACCES,
 * EROFS and ENOSPC are injected by mocking node:fs; a file where the folder should be gives a real
 * ENOTDIR. Each failure is a coded error naming the path, leaves no temp file, and its hint's
 * other path works.
 */
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { writeNewFile } from "./files.js";

const inject: { fn?: "mkdirSync" | "writeFileSync" | "renameSync"; code?: string } = {};

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const wrap =
    <A extends unknown[], R>(name: "mkdirSync" | "writeFileSync" | "renameSync", f: (...a: A) => R) =>
    (...a: A): R => {
      if (inject.fn === name)
        throw Object.assign(new Error(`${inject.code}: injected, ${name} '${String(a[0])}'`), {
          code: inject.code,
          syscall: name,
        });
      return f(...a);
    };
  return {
    ...real,
    mkdirSync: wrap("mkdirSync", real.mkdirSync),
    writeFileSync: wrap("writeFileSync", real.writeFileSync),
    renameSync: wrap("renameSync", real.renameSync),
  };
});

afterEach(() => {
  inject.fn = undefined;
  inject.code = undefined;
});

const ELSEWHERE = "write it elsewhere with --output <file>";

describe("writeNewFile", () => {
  it.each([
    ["mkdirSync", "EROFS", "FILE_UNWRITABLE", "read-only file system"],
    ["mkdirSync", "EACCES", "FILE_UNWRITABLE", "permission denied"],
    ["writeFileSync", "EACCES", "FILE_UNWRITABLE", "permission denied"],
    ["writeFileSync", "ENOSPC", "FILE_DISK_FULL", "no space left"],
    ["renameSync", "EROFS", "FILE_UNWRITABLE", "read-only file system"],
  ] as const)("%s failing with %s is %s (exit 2), not INTERNAL", (fn, code, dpnCode, words) => {
    const dir = fs.mkdtempSync(join(tmpdir(), "dpn-files-"));
    const target = join(dir, "blueprints", "dev.json");
    inject.fn = fn;
    inject.code = code;
    let thrown: unknown;
    try {
      writeNewFile(target, "{}\n", false, "blueprint", ELSEWHERE);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: dpnCode, exitCode: 2, details: { path: target, errno: code } });
    expect((thrown as Error).message).toContain(target);
    expect((thrown as Error).message).toContain(words);
    expect((thrown as { hint: string }).hint).toContain("--output <file>");
    inject.fn = undefined;
    // nothing half-written: no temp file, no target
    const left = fs.existsSync(join(dir, "blueprints")) ? fs.readdirSync(join(dir, "blueprints")) : [];
    expect(left).toEqual([]);
    // the hint's step works: another path
    const other = join(dir, "elsewhere.json");
    writeNewFile(other, "{}\n", false, "blueprint", ELSEWHERE);
    expect(fs.readFileSync(other, "utf8")).toBe("{}\n");
  });

  it("a file where the folder should be is FILE_UNWRITABLE (real ENOTDIR)", () => {
    const dir = fs.mkdtempSync(join(tmpdir(), "dpn-files-"));
    fs.writeFileSync(join(dir, "blueprints"), "not a folder");
    expect(() =>
      writeNewFile(join(dir, "blueprints", "dev.json"), "{}", false, "blueprint", ELSEWHERE),
    ).toThrow(expect.objectContaining({ code: "FILE_UNWRITABLE", exitCode: 2 }));
    expect(fs.readdirSync(dir)).toEqual(["blueprints"]);
  });
});
