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

// The AWS SDK warns on Node < 22 that its releases after the first week of January 2027 will need
// Node 22. dpn pins its SDK versions (package.json), so that concerns a future dpn, not this run:
// the line would only be noise on every AWS command's stderr (docs/aws.md, "Node versions").
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

await main(process.argv);
