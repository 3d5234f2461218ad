import { usageError } from "../../core/errors.js";
import { completionScript, SHELLS, type Shell } from "../completion.js";
import type { CliContext } from "../context.js";

/**
 * `dpn completion <shell>`: print the completion script of the command tree for bash, zsh or
 * fish. Throws UNKNOWN_SHELL (exit 2) for any other shell, printing nothing on stdout.
 */
export async function completionCommand(ctx: CliContext, shell: unknown): Promise<number> {
  const name = String(shell);
  if (!(SHELLS as readonly string[]).includes(name)) {
    throw usageError("UNKNOWN_SHELL", `dpn completion has no script for the shell '${name}'`, {
      hint: `use one of ${SHELLS.join(", ")}, e.g. source <(dpn completion bash)`,
    });
  }
  // the tree is built here, not passed in, so the script lists exactly what the parser accepts
  const { buildProgram } = await import("../program.js");
  ctx.out.result(completionScript(buildProgram(), name as Shell));
  return 0;
}
