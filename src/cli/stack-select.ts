import { loadBlueprint } from "../blueprint/load.js";
import { usageError } from "../core/errors.js";
import type { StackRecord, StateStore } from "../engine/ports.js";

export interface StackSelectOptions {
  blueprint?: string;
  project?: string;
  env?: string;
}

/**
 * The stack a command acts on: from `--blueprint F` (its metadata), or `--project P --env E`, or
 * the only stack in the state. More than one stack and none chosen is a usage error (exit 2)
 * listing them. Returns undefined when the state has no stack at all and none was named.
 */
export function selectStack(store: StateStore, o: StackSelectOptions): StackRecord | undefined {
  let project = o.project;
  let environment = o.env;
  if (o.blueprint) {
    const bp = loadBlueprint(o.blueprint);
    const meta = (bp.data as { metadata?: { project?: unknown; environment?: unknown } }).metadata ?? {};
    project = String(meta.project ?? "");
    environment = String(meta.environment ?? "");
  }
  if (project !== undefined || environment !== undefined) {
    if (!project || !environment) {
      throw usageError("STACK_SELECTOR_INCOMPLETE", "--project and --env must be given together", {
        hint: "for example --project dataplatform --env dev, or --blueprint blueprints/dev.json",
      });
    }
    const stack = store.getStack(project, environment);
    if (!stack) {
      const known = store.listStacks().map((s) => `${s.project}/${s.environment}`);
      throw usageError(
        "STACK_NOT_FOUND",
        `no stack for project '${project}' environment '${environment}' in the state`,
        {
          hint: known.length
            ? `known stacks: ${known.join(", ")}`
            : "nothing has been created yet: run `dpn create` first",
        },
      );
    }
    return stack;
  }
  const stacks = store.listStacks();
  if (stacks.length > 1) {
    throw usageError("STACK_AMBIGUOUS", `the state holds ${stacks.length} stacks and none was chosen`, {
      hint: `choose one with --project P --env E or --blueprint F: ${stacks.map((s) => `${s.project}/${s.environment}`).join(", ")}`,
    });
  }
  return stacks[0];
}
