/**
 * `--profile` names the profile of both clouds; `--aws-profile` / `--databricks-profile` name one
 * and win over it. Observed through the registry itself: the AWS side reaches the endpoint_url of
 * the profile it chose (a loopback STS), the Databricks side reads the `~/.databrickscfg` section
 * it chose (or fails naming the one it looked for).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ProfileChoice } from "../app/context.js";
import { DpnError } from "../core/errors.js";
import { createCloudRegistry } from "./cloud-registry.js";

let server: Server;
let url: string;
const hits: string[] = [];
let dir: string;
let env: Record<string, string>;

beforeEach(async () => {
  hits.length = 0;
  server = createServer((req, res) => {
    hits.push(req.headers.authorization?.startsWith("Bearer ") ? req.headers.authorization : (req.url ?? ""));
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "text/xml" });
      res.end(
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
          "<Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>AID</UserId><Account>123456789012</Account>" +
          "</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), "dpn-profiles-"));
  const profiles = ["both", "aws-only"];
  writeFileSync(
    join(dir, "config"),
    profiles.map((p) => `[profile ${p}]\nregion = eu-west-1\nendpoint_url = ${url}/${p}/\n`).join(""),
  );
  writeFileSync(
    join(dir, "credentials"),
    profiles.map((p) => `[${p}]\naws_access_key_id = AKID\naws_secret_access_key = s\n`).join(""),
  );
  writeFileSync(
    join(dir, "databrickscfg"),
    `[both]\nhost = ${url}\ntoken = dbx-both\n[dbx-only]\nhost = ${url}\ntoken = dbx-only\n`,
  );
  env = {
    AWS_CONFIG_FILE: join(dir, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    DATABRICKS_CONFIG_FILE: join(dir, "databrickscfg"),
    HOME: dir,
  };
  // the SDK's credential chain reads the shared files from the real environment
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  vi.stubEnv("AWS_PROFILE", "");
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await new Promise((r) => server.close(r));
});

/** The AWS endpoint path and the Databricks token each side of a registry opened with `p` used. */
async function choose(p: ProfileChoice): Promise<{ aws: string | undefined; dbx: string | DpnError }> {
  const registry = await createCloudRegistry({ cwd: dir, env }, { target: "cloud", ...p });
  try {
    await registry.preflight(["aws_s3_bucket"]);
    const aws = hits.at(-1);
    let dbx: string | DpnError;
    try {
      // the loopback answers with STS XML, so the Databricks preflight fails after its first request
      await registry.preflight(["dbx_cluster"]).catch(() => undefined);
      dbx = hits.at(-1) ?? "";
      registry.get("dbx_cluster");
    } catch (e) {
      if (!(e instanceof DpnError)) throw e;
      dbx = e;
    }
    return { aws, dbx };
  } finally {
    await registry.close();
  }
}

describe("--profile / --aws-profile / --databricks-profile", () => {
  it("--profile sets both clouds", async () => {
    const r = await choose({ profile: "both" });
    expect(r.aws).toBe("/both/");
    expect(r.dbx).toBe("Bearer dbx-both");
  });

  it("the specific options win over --profile, each for its own cloud", async () => {
    const r = await choose({ profile: "both", awsProfile: "aws-only", databricksProfile: "dbx-only" });
    expect(r.aws).toBe("/aws-only/");
    expect(r.dbx).toBe("Bearer dbx-only");
  });

  it("--databricks-profile overrides --profile for Databricks only; --profile alone names a missing Databricks profile", async () => {
    const r = await choose({ profile: "aws-only", databricksProfile: "both" });
    expect(r.aws).toBe("/aws-only/");
    expect(r.dbx).toBe("Bearer dbx-both");
    // --profile aws-only alone: Databricks looks for that section too, and says so
    const e = (await choose({ profile: "aws-only" })).dbx;
    expect(e).toBeInstanceOf(DpnError);
    expect(e).toMatchObject({ code: "DBX_PROFILE_NOT_FOUND", exitCode: 4 });
    expect((e as DpnError).message).toMatch(/Profile "aws-only" not found/);
  });
});
