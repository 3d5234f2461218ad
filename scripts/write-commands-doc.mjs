// Regenerates docs/commands.md from the command tree itself (every command's --help), so the
// reference cannot drift from the CLI. Run `npm run build` first (`npm run docs` does both).
import { writeFileSync } from "node:fs";
import { commandReference } from "../dist/cli/command-reference.js";

writeFileSync(new URL("../docs/commands.md", import.meta.url), commandReference());
console.log("wrote docs/commands.md");
