/**
 * Write a migration plan to a folder: `migration.json`, `import.sh` and `blueprints/<project>-<env>.json`.
 * Every file's content is computed before the first write, and an existing plan is only
 * replaced when asked to.
 */
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DpnError } from "../core/errors.js";
import { fileWriteError } from "../core/fs-errors.js";
import { makeDirs } from "../core/make-dirs.js";
import type { MigrationOutput } from "./migration.js";

export interface WriteOptions {
  /** Replace the files of an earlier plan in the folder (default false). */
  overwrite?: boolean;
}

/** The files of a plan, relative path → content (what writeMigration writes). Never throws. */
export function migrationFiles(out: MigrationOutput): Map<string, string> {
  const files = new Map<string, string>();
  files.set("migration.json", `${JSON.stringify(out.plan, null, 2)}\n`);
  files.set("import.sh", out.importScript);
  for (const f of out.fragments) files.set(f.file, `${JSON.stringify(f.document, null, 2)}\n`);
  return files;
}

/**
 * Write the plan's files under `dir` (created if needed). Returns the absolute paths written.
 *
 * @throws DpnError usage `MIGRATION_OUTPUT_EXISTS` when `dir` already holds a migration.json and
 *   `overwrite` is not set (nothing is written); `MIGRATION_OUTPUT_UNWRITABLE` when a folder or
 *   file cannot be written (naming it).
 */
export function writeMigration(out: MigrationOutput, dir: string, options: WriteOptions = {}): string[] {
  const files = migrationFiles(out);
  const root = path.resolve(dir);
  if (!options.overwrite && existsSync(path.join(root, "migration.json"))) {
    throw new DpnError(
      "usage",
      "MIGRATION_OUTPUT_EXISTS",
      `${path.join(root, "migration.json")} already exists.`,
      {
        hint: "Choose an empty folder for --plan-migration, or remove the earlier plan.",
        details: { dir: root },
      },
    );
  }
  const written: string[] = [];
  for (const [rel, content] of files) {
    const file = path.join(root, rel);
    try {
      makeDirs(path.dirname(file));
      writeFileSync(file, content);
      if (rel.endsWith(".sh")) chmodSync(file, 0o755);
    } catch (e) {
      throw (
        fileWriteError(e, {
          what: "migration plan file",
          path: file,
          op: "write",
          elsewhere: "choose another folder for --plan-migration",
          codes: {
            unwritable: "MIGRATION_OUTPUT_UNWRITABLE",
            full: "MIGRATION_OUTPUT_UNWRITABLE",
            io: "MIGRATION_OUTPUT_UNWRITABLE",
          },
          details: { file, written },
        }) ??
        new DpnError(
          "usage",
          "MIGRATION_OUTPUT_UNWRITABLE",
          `Cannot write ${file}: ${(e as Error).message}`,
          {
            hint: "Check that the folder given to --plan-migration is writable.",
            details: { file, written },
            cause: e,
          },
        )
      );
    }
    written.push(file);
  }
  return written;
}
