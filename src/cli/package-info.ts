/**
 * The installed dpn package: its root folder and version. Resolved relative to this module, which
 * sits two levels below the package root in every form it runs in (src/cli/ under vitest,
 * dist/cli/ as tsc output, dist/bin/ as the bundle), so the same path holds in the repo and in
 * node_modules.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the package root (the folder holding package.json, schemas/, examples/). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/** Absolute path of one of the JSON Schemas the package ships in `schemas/`. */
export function schemaFile(name: string): string {
  return join(PACKAGE_ROOT, "schemas", name);
}

/** The dpn version from package.json. */
export const VERSION: string = pkg.version;

/** What `dpn --version` prints: one line with the dpn version, the Node version and the platform. */
export function versionLine(): string {
  return `dpn ${VERSION} (node ${process.version}, ${process.platform}-${process.arch})`;
}
