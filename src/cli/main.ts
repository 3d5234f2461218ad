#!/usr/bin/env node
/** dpn executable: hands argv to the command tree (src/cli/program.ts). */
import { main } from "./program.js";

await main(process.argv);
