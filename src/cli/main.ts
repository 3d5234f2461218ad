#!/usr/bin/env node
/** dpn executable: hands argv to the command tree (src/cli/program.ts). */
import { main } from "./program.js";

// A reader that closes early (`dpn --help | head -1`) is not a failure of dpn: end quietly with
// the exit code the command had reached (0 when none), as docs/exit-codes.md says.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    throw err;
  });
}

await main(process.argv);
