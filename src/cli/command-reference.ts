/**
 * The command reference (docs/commands.md), rendered from the command tree's own help so the
 * document always matches the CLI. A test fails when the committed file differs.
 */
import type { Command } from "commander";
import { buildProgram } from "./program.js";

function walk(cmd: Command, path: string[], out: { path: string[]; cmd: Command }[]): void {
  for (const sub of cmd.commands) {
    const p = [...path, sub.name()];
    out.push({ path: p, cmd: sub });
    walk(sub, p, out);
  }
}

/** The full help of one command, including the examples added with addHelpText("after"). */
function helpOf(cmd: Command): string {
  let text = "";
  cmd.configureHelp({ helpWidth: 110 });
  cmd.configureOutput({ writeOut: (s) => (text += s), getOutHelpWidth: () => 110 });
  cmd.outputHelp();
  return text.trimEnd();
}

export function commandReference(): string {
  const program = buildProgram();
  const entries: { path: string[]; cmd: Command }[] = [];
  walk(program, [], entries);
  const parts = [
    "# Command reference",
    "",
    "Generated from the CLI itself (`npm run docs`); `dpn <command> --help` prints the same text.",
    "Exit codes are in [exit-codes.md](exit-codes.md), JSON output in [json-output.md](json-output.md).",
    "",
    "## dpn",
    "",
    "```",
    helpOf(program),
    "```",
  ];
  for (const { path, cmd } of entries) {
    parts.push("", `## dpn ${path.join(" ")}`, "", "```", helpOf(cmd), "```");
  }
  return `${parts.join("\n")}\n`;
}
