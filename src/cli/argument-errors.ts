/**
 * Commander's parse errors as dpn's typed usage errors (exit 2), so that they are rendered like
 * every other error — and, with `--json`, as the one JSON document on stdout (docs/json-output.md).
 *
 * An option the command does not have is reported as UNKNOWN_OPTION, naming the closest real
 * option of that command (and its parents), even when commander would first have complained
 * that a required option is missing (`--blueprnt f.json` means `--blueprint`, not "no blueprint").
 */
import type { Command, CommanderError, Option } from "commander";
import { closest } from "../core/did-you-mean.js";
import { type DpnError, usageError } from "../core/errors.js";

/** The (sub)command that `argv` (without node and script) addresses: the deepest named one. */
export function commandOf(program: Command, argv: readonly string[]): Command {
  let cmd = program;
  for (const word of argv) {
    if (word.startsWith("-")) continue;
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    cmd = sub;
  }
  return cmd;
}

/** An option's long spellings: `--environment, --env` has two (commander keeps one in `short`). */
function longsOf(o: Option): string[] {
  return [o.short?.startsWith("--") ? o.short : undefined, o.long].filter((f): f is string => Boolean(f));
}

function longFlags(cmd: Command): string[] {
  const out: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) {
    for (const o of c.options as readonly Option[]) {
      out.push(...longsOf(o));
      // commander's `--no-x` options also accept `--x`
      if (o.long?.startsWith("--no-")) out.push(`--${o.long.slice(5)}`);
    }
  }
  return [...out, "--help"];
}

const path = (cmd: Command) => {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
};

/** The usage error for a commander parse failure of `argv` on `program`. */
export function argumentError(program: Command, argv: readonly string[], err: CommanderError): DpnError {
  const cmd = commandOf(program, argv);
  const known = longFlags(cmd);
  const help = `see \`${path(cmd)} --help\``;
  const unknown = argv
    .filter((a) => a.startsWith("--") && a !== "--")
    .map((a) => a.split("=")[0] as string)
    .filter((a) => !known.includes(a));
  const [first] = unknown;
  if (first !== undefined && err.code !== "commander.unknownCommand") {
    // the command's own options first: a global one (--version) is a poor guess for a command flag
    const own = (cmd.options as readonly Option[]).flatMap(longsOf);
    const guess =
      closest(first, own) ??
      closest(
        first,
        known.filter((k) => k !== "--version" && k !== "--help"),
      );
    return usageError("UNKNOWN_OPTION", `unknown option '${first}' for ${path(cmd)}`, {
      hint: guess ? `did you mean ${guess}? (${help})` : help,
      details: { option: first, command: path(cmd), ...(guess ? { suggestion: guess } : {}) },
    });
  }
  // commander appends its own suggestion on a second line: it becomes the hint
  const [message = "", suggestion] = err.message.replace(/^error: /, "").split("\n(");
  const hintOf = (h: string) => (suggestion ? `${suggestion.replace(/\)$/, "")} (${h})` : h);
  if (err.code === "commander.missingMandatoryOptionValue")
    return usageError("OPTION_REQUIRED", message, { hint: hintOf(help), details: { command: path(cmd) } });
  return usageError("ARGUMENTS_INVALID", message, {
    hint: hintOf(help),
    details: { command: path(cmd), commander: err.code },
  });
}
