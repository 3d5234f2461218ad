import { createInterface } from "node:readline/promises";
import { DpnError } from "../core/errors.js";
import type { CliContext } from "./context.js";

/** Ask one question on the TTY; empty input keeps the default. Only call when ctx.interactive. */
export async function ask(question: string, fallback?: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(fallback ? `${question} [${fallback}]: ` : `${question}: `)).trim();
    return answer || fallback || "";
  } finally {
    rl.close();
  }
}

/**
 * Ask for confirmation before a change. With `--yes` it proceeds; on a TTY it asks; without a TTY
 * it refuses with exit 9 (aborted) and says to pass --yes. A "no" is exit 9 as well.
 */
export async function confirm(ctx: CliContext, question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!ctx.interactive) {
    throw new DpnError(
      "aborted",
      "CONFIRMATION_REQUIRED",
      "this command changes resources and needs confirmation; nothing was changed",
      {
        hint: "no TTY to ask on: pass --yes to proceed non-interactively (or --dry-run to only look)",
      },
    );
  }
  const answer = (await ask(`${question} (yes/no)`)).toLowerCase();
  if (answer !== "yes" && answer !== "y") {
    throw new DpnError("aborted", "ABORTED_BY_USER", "aborted: nothing was changed");
  }
}

/** Ask the user to type a name exactly (destructive deletes). */
export async function confirmByTyping(ctx: CliContext, expected: string, what: string): Promise<void> {
  if (!ctx.interactive) {
    throw new DpnError(
      "aborted",
      "CONFIRMATION_REQUIRED",
      `deleting ${what} '${expected}' needs confirmation`,
      {
        hint: "run it on a terminal, where you will be asked to type the name",
      },
    );
  }
  const typed = await ask(`Type the name '${expected}' to confirm`);
  if (typed !== expected)
    throw new DpnError("aborted", "ABORTED_BY_USER", "the name did not match: nothing was changed");
}
