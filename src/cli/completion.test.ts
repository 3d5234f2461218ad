import { spawnSync } from "node:child_process";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { completionScript, SHELLS } from "./completion.js";
import { buildProgram } from "./program.js";

const program = buildProgram();
const topLevel = program.commands.map((c) => c.name());

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Run the bash script's completion function for a command line ending in `cur` (may be ""). */
function bashComplete(script: string, words: string[]): string[] {
  const r = spawnSync(
    "bash",
    [
      "-c",
      `${script}\nCOMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _dpn_completion; printf '%s\\n' "\${COMPREPLY[@]}"`,
      "bash",
      ...words,
    ],
    { encoding: "utf8" },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split("\n").filter(Boolean);
}

describe("dpn completion", () => {
  it("the bash script is valid bash", () => {
    const r = spawnSync("bash", ["-n"], { input: completionScript(program, "bash"), encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  });

  it.each(SHELLS)("the %s script names every command, subcommand and option", (shell) => {
    const script = completionScript(program, shell);
    expect(topLevel).toContain("completion");
    for (const name of topLevel) expect(script).toMatch(new RegExp(`\\b${name}\\b`));
    for (const cmd of allCommands(program)) {
      expect(script).toContain(cmd.name());
      for (const o of cmd.options) if (o.long) expect(script).toContain(o.long.slice(2));
    }
  });

  it("each script offers every top-level command at the top level", () => {
    const bash = completionScript(program, "bash");
    const rootWords = bash.match(/ {4}""\)\n {6}words="([^"]*)"/)?.[1]?.split(" ");
    const zsh = completionScript(program, "zsh");
    const zshRoot = zsh.slice(zsh.indexOf('    ("")'), zsh.indexOf('    ("config")'));
    const fish = completionScript(program, "fish");
    for (const name of topLevel) {
      expect(rootWords).toContain(name);
      expect(zshRoot).toContain(`'${name}:`);
      expect(fish).toContain(`complete -c dpn -n "__dpn_at ''" -a ${name} -d `);
    }
  });

  it("bash completes commands, subcommands, options and option choices at the cursor", () => {
    const script = completionScript(program, "bash");
    expect(bashComplete(script, ["dpn", ""])).toEqual(expect.arrayContaining([...topLevel, "--verbose"]));
    expect(bashComplete(script, ["dpn", "pl"])).toEqual(["plan"]);
    expect(bashComplete(script, ["dpn", "plan", ""])).toEqual(
      expect.arrayContaining(["init", "validate", "preview"]),
    );
    expect(bashComplete(script, ["dpn", "-q", "tx", "l"])).toEqual(["list"]);
    expect(bashComplete(script, ["dpn", "create", "--dr"])).toEqual(["--dry-run"]);
    expect(bashComplete(script, ["dpn", "create", "--target", ""])).toEqual(["cloud", "sandbox"]);
    // a value that is a file name: nothing from dpn, so bash falls back to file names (-o default)
    expect(bashComplete(script, ["dpn", "create", "--blueprint", ""])).toEqual([]);
  });
});
