/**
 * Saved plans on --target cloud (moto + the Databricks fake): a plan applies exactly; a tag put on
 * a bucket with the raw SDK between plan and apply makes it stale (exit 11, nothing changed); the
 * plan file holds no credential.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetBucketTaggingCommand, PutBucketTaggingCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabricksFake, startDatabricksFake } from "../fakes/databricks/server.js";
import {
  cloudEnv,
  DEV_BLUEPRINT,
  type Env,
  json,
  REGION,
  runCli,
  uniqueProject,
} from "../support/cloud-env.js";
import { rawS3 } from "../support/moto.js";

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON documents are checked field by field below
type Doc = Record<string, any>;

describe("saved plans on --target cloud", () => {
  const project = uniqueProject("sp");
  const bronze = `${project}-lake-bronze-dev-use1`;
  const s3 = rawS3(REGION);
  let fake: DatabricksFake;
  let env: Env;
  let dir: string;
  let grown = "";
  const dpn = (args: string[]) => runCli([...args, "--override", `project=${project}`], env);
  const plain = (args: string[]) => runCli(args, env);

  beforeAll(async () => {
    fake = await startDatabricksFake();
    ({ env, dir } = cloudEnv({ fake }));
    const r = await dpn(["create", "--blueprint", DEV_BLUEPRINT, "--yes"]);
    if (r.code !== 0) throw new Error(`create failed (${r.code}): ${r.stderr}`);
    const bp = JSON.parse(readFileSync(join(process.cwd(), DEV_BLUEPRINT), "utf8"));
    bp.$schema = undefined;
    bp.resources.aws.s3_buckets[1].lifecycle_days = 75;
    grown = join(dir, "grown.json");
    writeFileSync(grown, JSON.stringify(bp, null, 2));
  }, 90_000);

  afterAll(async () => {
    s3.destroy();
    await fake?.close();
  });

  it("a tag put outside dpn makes the plan stale; a fresh plan applies exactly", async () => {
    const stale = join(dir, "stale.json");
    expect((await dpn(["create", "--blueprint", grown, "--dry-run", "--out", stale])).code).toBe(0);
    const text = readFileSync(stale, "utf8");
    expect(text).not.toContain(fake.token);
    const tags = (await s3.send(new GetBucketTaggingCommand({ Bucket: bronze }))).TagSet ?? [];
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: bronze,
        Tagging: {
          TagSet: [...tags.filter((t) => t.Key !== "Reviewer"), { Key: "Reviewer", Value: "someone" }],
        },
      }),
    );
    const r = await plain(["create", "--plan", stale, "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(11);
    expect(json<Doc>(r).error.message).toContain(`aws_s3_bucket.${bronze} (live: changed)`);
    const fresh = join(dir, "fresh.json");
    expect((await dpn(["create", "--blueprint", grown, "--dry-run", "--out", fresh])).code).toBe(0);
    const ok = await plain(["create", "--plan", fresh, "--yes", "--json"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(json<Doc>(ok).outcome).toBe("committed");
  }, 90_000);
});
