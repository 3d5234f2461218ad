import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { argumentError } from "./argument-errors.js";
import { buildProgram } from "./program.js";

/** Parse `words` the way main() does and return the usage error it would render. */
function errorOf(words: string[]) {
  const program = buildProgram();
  const all = [program];
  for (let i = 0; i < all.length; i++) all.push(...(all[i]?.commands ?? []));
  for (const c of all) c.exitOverride().configureOutput({ outputError: () => {}, writeErr: () => {} });
  try {
    program.parse(["node", "dpn", ...words]);
  } catch (e) {
    if (e instanceof CommanderError) return argumentError(program, words, e);
    throw e;
  }
  throw new Error(`${words.join(" ")} parsed`);
}

describe("argument errors", () => {
  it("a misspelt option names the closest option of the command, even when a required one is missing", () => {
    const e = errorOf(["create", "--blueprnt", "x.json"]);
    expect(e.code).toBe("UNKNOWN_OPTION");
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe("unknown option '--blueprnt' for dpn create");
    expect(e.hint).toMatch(/^did you mean --blueprint\?/);
    expect(errorOf(["status", "--no-drif"]).hint).toMatch(/did you mean --no-drift\?/);
  });

  it("never suggests a global flag like --version for a command's option", () => {
    const e = errorOf(["create", "--blueprint", "x.json", "--region", "eu-west-1"]);
    expect(e.code).toBe("UNKNOWN_OPTION");
    expect(e.hint).toBe("see `dpn create --help`");
  });

  it("a missing required option and an unknown command are typed too; commander's suggestion becomes the hint", () => {
    // create checks --blueprint / --plan itself (either may be given); read requires --resource-id
    expect(errorOf(["read"]).code).toBe("OPTION_REQUIRED");
    const cmd = errorOf(["plan", "previw"]);
    expect(cmd.code).toBe("ARGUMENTS_INVALID");
    expect(cmd.message).toBe("unknown command 'previw'");
    expect(cmd.hint).toBe("Did you mean preview? (see `dpn plan --help`)");
    expect(errorOf(["bogus", "--json"]).code).toBe("ARGUMENTS_INVALID");
  });
});
