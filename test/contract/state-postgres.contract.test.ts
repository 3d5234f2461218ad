/** The state-store contract on the PostgreSQL backend: a database of its own per test, on the run's server. */
import { inject } from "vitest";
import { openPostgresStateStore } from "../../src/state/postgres-store.js";
import { createTestDatabase } from "../support/postgres.js";
import { stateStoreContract } from "./state-store-contract.js";

stateStoreContract("postgres", {
  async fresh() {
    const db = await createTestDatabase(inject("postgresUrl"));
    return {
      location: db.url,
      async open(opts) {
        return openPostgresStateStore({
          url: db.url,
          env: {},
          readonly: Boolean(opts?.readonly),
          display: db.url,
        });
      },
      async dispose() {
        await db.drop();
      },
    };
  },
});
