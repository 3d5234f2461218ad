/**
 * One-call entry points over load + resolve: collect every problem of a blueprint file, or get a
 * resolved blueprint and an error carrying every problem when it has any.
 */
import { isDpnError, type Problem, validationError } from "../core/errors.js";
import type { Convention } from "../naming/types.js";
import { loadBlueprint } from "./load.js";
import { hasErrors, type ResolvedBlueprint, type ResolveOptions, resolveBlueprint } from "./resolve.js";

/**
 * Every problem of a blueprint file (JSON syntax, schema, naming, rules) at once, errors and
 * warnings, in document order. Returns problems instead of throwing them, including a JSON
 * syntax error; still throws `BLUEPRINT_NOT_FOUND` (usage) and `BLUEPRINT_TOO_LARGE`
 * (validation), which are not problems of the content.
 */
export function validateBlueprint(file: string, conv: Convention, opts: ResolveOptions = {}): Problem[] {
  try {
    return resolveBlueprint(loadBlueprint(file), conv, opts).problems;
  } catch (e) {
    if (isDpnError(e) && e.code === "BLUEPRINT_JSON_INVALID") return e.problems;
    throw e;
  }
}

/**
 * Throws `BLUEPRINT_INVALID` (validation, exit 3) carrying every error (and warning) of
 * `resolved` when it has at least one error; returns it unchanged otherwise.
 */
export function assertResolved(resolved: ResolvedBlueprint): ResolvedBlueprint {
  if (!hasErrors(resolved.problems)) return resolved;
  const errors = resolved.problems.filter((p) => p.severity !== "warning");
  const first = errors[0] as Problem;
  const where = first.line ? `${resolved.file}:${first.line}:${first.column}` : resolved.file;
  throw validationError(
    "BLUEPRINT_INVALID",
    `blueprint ${resolved.file} has ${errors.length} problem${errors.length === 1 ? "" : "s"}; first: ${where}: ${first.message}`,
    {
      hint: "Fix the problems listed (each has its line:column), then run `dpn plan validate` again.",
      details: { file: resolved.file, errors: errors.length },
      problems: resolved.problems,
    },
  );
}

/**
 * Loads, resolves and checks a blueprint file. Returns the resolved blueprint (warnings in
 * `problems`) or throws: `BLUEPRINT_INVALID` with every problem, `BLUEPRINT_JSON_INVALID`,
 * `BLUEPRINT_NOT_FOUND`, `BLUEPRINT_TOO_LARGE`.
 */
export function loadResolvedBlueprint(
  file: string,
  conv: Convention,
  opts: ResolveOptions = {},
): ResolvedBlueprint {
  return assertResolved(resolveBlueprint(loadBlueprint(file), conv, opts));
}
