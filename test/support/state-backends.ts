/**
 * The state backends the team-state proofs run on, each giving a fresh, empty shared state per
 * test: a SQLite file outside every project folder, a new bucket on moto (behind the botocore
 * oracle), a new database on the test PostgreSQL server. Every backend listed here runs; none is
 * skipped.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutBucketVersioningCommand } from "@aws-sdk/client-s3";
import { inject } from "vitest";
import { motoEnv, rawS3, uniqueName } from "./moto.js";
import { createTestDatabase } from "./postgres.js";

export interface SharedState {
  /** The state URL several folders share. */
  url: string;
  /** What a dpn process needs to reach it (AWS endpoint and keys, PG* variables). */
  env: Record<string, string>;
}

export interface SharedBackend {
  name: "sqlite" | "s3" | "postgres";
  /** A fresh, empty shared state. */
  fresh(): Promise<SharedState>;
}

const defined = (e: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(e).filter((kv): kv is [string, string] => kv[1] !== undefined));

export function sharedBackends(): SharedBackend[] {
  return [
    {
      name: "sqlite",
      async fresh() {
        return {
          url: `sqlite:${join(mkdtempSync(join(tmpdir(), "dpn-shared-state-")), "state.db")}`,
          env: {},
        };
      },
    },
    {
      name: "s3",
      async fresh() {
        const bucket = uniqueName("dpn-team-state");
        const s3 = rawS3("us-east-1");
        try {
          await s3.send(new CreateBucketCommand({ Bucket: bucket }));
          await s3.send(
            new PutBucketVersioningCommand({
              Bucket: bucket,
              VersioningConfiguration: { Status: "Enabled" },
            }),
          );
        } finally {
          s3.destroy();
        }
        return { url: `s3://${bucket}/dpn`, env: defined(motoEnv()) };
      },
    },
    {
      name: "postgres",
      async fresh() {
        return { url: (await createTestDatabase(inject("postgresUrl"))).url, env: {} };
      },
    },
  ];
}
