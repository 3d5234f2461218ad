/**
 * The README holds: every command of its ```sh blocks runs, in the README's order, in one shell
 * session on a fresh copy of the checkout (examples/ copied; dist/ and node_modules/ linked, as
 * after the two set-up commands), and exits with what the README says: 0, or the code its
 * `echo $?` line names. Not run: the set-up block itself (`npm ci`, `npm test`: this is that
 * run), and the zsh/fish completion lines (those shells are not on CI; bash is run). The moto
 * example's `http://127.0.0.1:5000` is the suite's moto (behind the botocore oracle); the team
 * set-up's PostgreSQL is the suite's test server (PGHOST, PGPORT and PGUSER point at it).
 */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { childEnv, REPO_ROOT, tempProject } from "../support/cli.js";
import { motoEndpoint } from "../support/moto.js";

interface Command {
  /** The command as the README writes it (continuations joined). */
  text: string;
  /** README line it starts on. */
  line: number;
  expectCode: number;
}

/** The runnable commands of the README's sh blocks, in order. */
function readmeCommands(readme: string): Command[] {
  const lines = readme.split("\n");
  const out: Command[] = [];
  let inSh = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? "";
    if (/^```sh\s*$/.test(l)) {
      inSh = true;
      continue;
    }
    if (l.startsWith("```")) {
      inSh = false;
      continue;
    }
    if (!inSh || l.trim() === "" || l.trim().startsWith("#")) continue;
    let text = l;
    const line = i + 1;
    while (text.trimEnd().endsWith("\\") && i + 1 < lines.length)
      text = `${text.trimEnd().slice(0, -1)} ${lines[++i]}`;
    const echo = /^echo \$\?\s+#\s*(\d+)/.exec(text.trim());
    const prev = out.at(-1);
    if (echo && prev) {
      prev.expectCode = Number(echo[1]);
      continue;
    }
    out.push({ text, line, expectCode: 0 });
  }
  return out;
}

const SKIPPED = [/^npm (ci|test)\b/, /completion (zsh|fish)/];

function runScript(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("error", reject);
    child.on("close", () => resolve(out));
  });
}

describe("README", () => {
  it("every command of its sh blocks runs top to bottom on a fresh copy and exits as the README says", async () => {
    const commands = readmeCommands(readFileSync(join(REPO_ROOT, "README.md"), "utf8")).filter(
      (c) => !SKIPPED.some((re) => re.test(c.text.trim())),
    );
    // the quick start, the workflow, the moto example and completion are all there
    expect(commands.map((c) => c.text).join("\n")).toMatch(
      /create --blueprint examples\/blueprints\/dev\.json/,
    );
    expect(commands.length).toBeGreaterThan(20);

    const root = tempProject("dpn-readme-");
    const checkout = join(root, "checkout");
    mkdirSync(checkout);
    cpSync(join(REPO_ROOT, "examples"), join(checkout, "examples"), { recursive: true });
    for (const f of ["dist", "node_modules", "schemas", "package.json"])
      symlinkSync(join(REPO_ROOT, f), join(checkout, f));
    const home = join(root, "home");
    mkdirSync(home);

    const script = [
      "shopt -s expand_aliases",
      ...commands.map((c, i) => {
        const text = c.text
          .replaceAll("/tmp/my-platform", join(root, "my-platform"))
          .replaceAll("http://127.0.0.1:5000", motoEndpoint());
        return `${text}\necho "@@ ${i} $? @@"`;
      }),
    ].join("\n");
    const pg = new URL(inject("postgresUrl"));
    const out = await runScript(
      script,
      checkout,
      childEnv({ HOME: home, PGHOST: pg.hostname, PGPORT: pg.port, PGUSER: decodeURIComponent(pg.username) }),
    );

    const codes = new Map<number, number>();
    for (const m of out.matchAll(/@@ (\d+) (\d+) @@/g)) codes.set(Number(m[1]), Number(m[2]));
    const problems = commands.flatMap((c, i) => {
      const code = codes.get(i);
      if (code === c.expectCode) return [];
      return [
        `README.md:${c.line} \`${c.text.trim()}\` exited ${code ?? "(never ran)"}, expected ${c.expectCode}`,
      ];
    });
    expect(problems, out.slice(-4000)).toEqual([]);
  }, 120_000);
});
