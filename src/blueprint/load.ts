/**
 * Reading a blueprint file: size check before reading, strict JSON with positions, schema check.
 */
import { readFileSync, statSync } from "node:fs";
import { type Problem, usageError, validationError } from "../core/errors.js";
import { checkBlueprintSchema } from "./check-schema.js";
import { type JsonSource, parseJsonSource } from "./json-source.js";
import type { Blueprint } from "./schema.js";

/** Blueprints above this size are refused before being read (a 9,000-resource blueprint is ~3 MB). */
export const MAX_BLUEPRINT_BYTES = 50 * 1024 * 1024;

/** A parsed blueprint with its position map and the problems of its shape. */
export interface LoadedBlueprint {
  file: string;
  /** The parsed JSON with line:column of every value, for locating later problems. */
  source: JsonSource;
  /**
   * The document. Typed as a Blueprint, but when `problems` holds errors the parts they point at
   * do not have the declared shape: consumers must read it defensively (resolve.ts does).
   */
  data: Blueprint;
  /** Schema problems and duplicate keys, located, in document order. Empty when the shape is valid. */
  problems: Problem[];
}

/**
 * Parses blueprint text. Throws `BLUEPRINT_JSON_INVALID` (validation) with line:column when the
 * text is not JSON; schema problems do not throw, they are returned in `problems`.
 */
export function parseBlueprint(text: string, file: string): LoadedBlueprint {
  const source: JsonSource = parseJsonSource(text, file);
  const problems = [...source.problems, ...checkBlueprintSchema(source)];
  return { file, source, data: source.value as Blueprint, problems };
}

/**
 * Reads and parses a blueprint file.
 * Throws `BLUEPRINT_NOT_FOUND` (usage) when the file is missing or not a file,
 * `BLUEPRINT_TOO_LARGE` (validation) above `maxBytes` without reading it,
 * `BLUEPRINT_JSON_INVALID` (validation) for malformed JSON. Schema problems are returned.
 */
export function loadBlueprint(file: string, opts: { maxBytes?: number } = {}): LoadedBlueprint {
  const maxBytes = opts.maxBytes ?? MAX_BLUEPRINT_BYTES;
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) {
      throw usageError("BLUEPRINT_NOT_FOUND", `blueprint ${file} is not a file`, {
        hint: "Pass the path of a blueprint JSON file, e.g. blueprints/dev.json.",
      });
    }
    size = st.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") {
      throw usageError("BLUEPRINT_NOT_FOUND", `blueprint ${file} does not exist`, {
        hint: "Check the path, or create a starter blueprint with `dpn plan init`.",
        cause: e,
      });
    }
    throw e;
  }
  if (size > maxBytes) {
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
    throw validationError(
      "BLUEPRINT_TOO_LARGE",
      `blueprint ${file} is ${mb(size)}, above the ${mb(maxBytes)} limit`,
      {
        hint: "Split the platform into several blueprints (one per project or domain), or use `scope` to plan parts of it.",
        details: { file, bytes: size, limit: maxBytes },
      },
    );
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw usageError("BLUEPRINT_NOT_FOUND", `blueprint ${file} cannot be read: ${(e as Error).message}`, {
      hint: "Check the file's permissions.",
      cause: e,
    });
  }
  return parseBlueprint(text, file);
}
