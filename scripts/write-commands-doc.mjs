// Regenerates the reference docs from the code itself, so they cannot drift: docs/commands.md from
// the command tree (every command's --help) and the code table of docs/exit-codes.md from the
// error-code registry. Run `npm run build` first (`npm run docs` does both).
import { readFileSync, writeFileSync } from "node:fs";
import { commandReference } from "../dist/cli/command-reference.js";
import { renderCodeTable } from "../dist/core/error-codes.js";

writeFileSync(new URL("../docs/commands.md", import.meta.url), commandReference());
console.log("wrote docs/commands.md");

const exitCodes = new URL("../docs/exit-codes.md", import.meta.url);
const doc = readFileSync(exitCodes, "utf8");
const begin = doc.indexOf("<!-- codes:begin -->");
const end = doc.indexOf("<!-- codes:end -->");
if (begin < 0 || end < 0) throw new Error("docs/exit-codes.md lacks the <!-- codes:begin/end --> markers");
writeFileSync(
  exitCodes,
  doc.slice(0, begin) + renderCodeTable() + doc.slice(end + "<!-- codes:end -->".length),
);
console.log("wrote the code table of docs/exit-codes.md");
