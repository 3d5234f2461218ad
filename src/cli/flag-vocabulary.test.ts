/**
 * Issue 15 item 2: one flag vocabulary over the whole command tree, checked on the tree itself
 * (buildProgram), so a new command or option that forks the vocabulary fails here.
 */
import type { Command, Option } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "./program.js";

const pathOf = (c: Command): string => {
  const names: string[] = [];
  for (let x: Command | null = c; x?.parent; x = x.parent) names.unshift(x.name());
  return names.join(" ");
};

function commands(root: Command): Command[] {
  const out: Command[] = [];
  const walk = (c: Command) => {
    for (const sub of c.commands) {
      if (sub.commands.length === 0) out.push(sub);
      walk(sub);
    }
  };
  walk(root);
  return out;
}

/** Every long spelling of the command's options (`--environment, --env` gives both). */
const longs = (c: Command): string[] =>
  (c.options as readonly Option[]).flatMap((o) =>
    [o.short?.startsWith("--") ? o.short : undefined, o.long].filter((f): f is string => Boolean(f)),
  );

/** The commands that change state or the cloud. */
const MUTATING = [
  "create",
  "update",
  "delete",
  "destroy",
  "restore",
  "import",
  "recover",
  "unlock",
  "state migrate",
  "migrate",
];
/** Deliberate exceptions, each with its reason. */
const EXEMPT: Record<string, Record<string, string>> = {
  unlock: {
    "--yes":
      "its confirmation is --force, deliberately stronger than --yes: a wrong unlock lets two runs write",
    "--target": "locks live in the state, which both targets share; no provider is called",
  },
  "state migrate": {
    "--target": "it copies the state between backends; no provider is called",
  },
};

const program = buildProgram();
const all = commands(program);
const byPath = new Map(all.map((c) => [pathOf(c), c]));

describe("the flag vocabulary", () => {
  it("the command list below is the tree's (a new command must be classified)", () => {
    expect([...byPath.keys()].sort()).toEqual(
      [
        "audit",
        "completion",
        "config init",
        "config show",
        "config validate",
        "create",
        "delete",
        "destroy",
        "import",
        "list",
        "migrate",
        "name",
        "plan graph",
        "plan init",
        "plan preview",
        "plan validate",
        "read",
        "recover",
        "restore",
        "scan",
        "state check",
        "state info",
        "state migrate",
        "status",
        "tx list",
        "tx show",
        "unlock",
        "update",
      ].sort(),
    );
  });

  it.each(MUTATING)("%s takes --yes, --dry-run, --json and --target", (name) => {
    const c = byPath.get(name);
    expect(c, name).toBeDefined();
    const have = longs(c as Command);
    for (const flag of ["--yes", "--dry-run", "--json", "--target"]) {
      if (EXEMPT[name]?.[flag])
        expect(have, `${name} ${flag} is exempt, so it must be absent`).not.toContain(flag);
      else expect(have, `${name} lacks ${flag}`).toContain(flag);
    }
  });

  it("a command that takes --yes or --dry-run is in the mutating list", () => {
    const mutatingLooking = all
      .filter((c) => longs(c).some((f) => f === "--yes" || f === "--dry-run" || f === "--lock-timeout"))
      .map(pathOf);
    for (const p of mutatingLooking) expect(MUTATING, p).toContain(p);
  });

  it("every command that reads a blueprint takes --blueprint; a positional blueprint is only its alias", () => {
    for (const c of all) {
      const positional = c.registeredArguments.find((a) => /blueprint/i.test(a.description));
      if (positional) {
        expect(positional.required, `${pathOf(c)}: the positional must be optional`).toBe(false);
        expect(longs(c), pathOf(c)).toContain("--blueprint");
      }
    }
    for (const p of ["create", "plan validate", "plan preview", "plan graph"])
      expect(longs(byPath.get(p) as Command)).toContain("--blueprint");
  });

  it("--json wherever JSON exists, with --format json only as its alias", () => {
    for (const c of all) {
      const format = (c.options as readonly Option[]).find((o) => o.long === "--format");
      if (format?.argChoices?.includes("json")) expect(longs(c), pathOf(c)).toContain("--json");
    }
  });

  it("--env and --environment are one option wherever either exists", () => {
    for (const c of all) {
      const opts = (c.options as readonly Option[]).filter((o) =>
        [o.short, o.long].some((f) => f === "--env" || f === "--environment"),
      );
      if (opts.length === 0) continue;
      expect(opts, `${pathOf(c)} has two separate options`).toHaveLength(1);
      const [o] = opts as [Option];
      expect([o.short, o.long].sort(), pathOf(c)).toEqual(["--env", "--environment"]);
    }
  });

  it("stack-selecting commands spell the stack choice the same way", () => {
    for (const c of all) {
      const have = longs(c);
      // init writes a project name; scan filters names by project: neither selects a stack
      if (!have.includes("--project") || c.name() === "init" || c.name() === "scan") continue;
      expect(have, pathOf(c)).toEqual(
        expect.arrayContaining(["--blueprint", "--project", "--env", "--environment"]),
      );
    }
  });

  it("--yes on a command that never asks says so in its help", () => {
    for (const name of ["restore", "import", "recover"]) {
      const yes = ((byPath.get(name) as Command).options as readonly Option[]).find(
        (o) => o.long === "--yes",
      );
      expect(yes?.description, name).toMatch(/never asks/);
    }
  });
});
