/** The state-store contract on the embedded SQLite backend (a file per test, opened per "process"). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStateStore } from "../../src/state/sqlite-store.js";
import { stateStoreContract } from "./state-store-contract.js";

stateStoreContract("sqlite", {
  async fresh() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dpn-contract-sqlite-"));
    const file = path.join(dir, "state.db");
    return {
      location: `sqlite:${file}`,
      async open(opts) {
        return openStateStore(file, { readonly: Boolean(opts?.readonly) });
      },
      async dispose() {
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
