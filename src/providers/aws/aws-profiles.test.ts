/**
 * `--profile nope`: the shared files are read where the SDK reads them (AWS_CONFIG_FILE,
 * AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/), and a credential failure for a profile neither file
 * defines is AWS_PROFILE_NOT_FOUND naming it and listing the known profiles.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ExitCode, type ProviderError } from "../../core/errors.js";
import { AwsClients } from "./aws-clients.js";
import { toProviderError } from "./aws-errors.js";
import { awsProfiles, profileEndpointUrl } from "./aws-profiles.js";

function files(config: string, credentials: string) {
  const dir = mkdtempSync(join(tmpdir(), "dpn-aws-profiles-"));
  writeFileSync(join(dir, "config"), config);
  writeFileSync(join(dir, "credentials"), credentials);
  return { AWS_CONFIG_FILE: join(dir, "config"), AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials") };
}

const CONFIG = [
  "[default]",
  "region = us-east-1",
  "[profile dev]",
  "region = eu-west-1",
  "[profile  prod-admin ] ; comment",
  "sso_session = corp",
  "[sso-session corp]",
  "sso_start_url = https://example.awsapps.com/start",
  "[services local]",
  "",
].join("\n");
const CREDENTIALS = "[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = x\n# [commented]\n";

/** What the SDK's credential chain throws when no provider gives credentials. */
const credentialsError = () =>
  Object.assign(new Error("Could not load credentials from any providers"), {
    name: "CredentialsProviderError",
  });

const STS = {
  service: "sts",
  operation: "GetCallerIdentity",
  resource: "caller identity",
  authCheck: true,
} as const;

describe("awsProfiles", () => {
  it("lists the profiles of both files from AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE", () => {
    const env = files(CONFIG, CREDENTIALS);
    expect(awsProfiles(env)).toEqual({
      names: ["ci", "default", "dev", "prod-admin"],
      files: { config: env.AWS_CONFIG_FILE, credentials: env.AWS_SHARED_CREDENTIALS_FILE },
    });
  });

  it("defaults to ~/.aws/config and ~/.aws/credentials under HOME, and expands ~/ in the variables", () => {
    const home = mkdtempSync(join(tmpdir(), "dpn-aws-home-"));
    mkdirSync(join(home, ".aws"));
    writeFileSync(join(home, ".aws", "config"), "[profile from-home]\n");
    expect(awsProfiles({ HOME: home }).names).toEqual(["from-home"]);
    writeFileSync(join(home, "other-credentials"), "[tilde]\n");
    expect(awsProfiles({ HOME: home, AWS_SHARED_CREDENTIALS_FILE: "~/other-credentials" }).names).toEqual([
      "from-home",
      "tilde",
    ]);
    // missing files define no profile
    expect(awsProfiles({ HOME: join(home, "nowhere") }).names).toEqual([]);
  });
});

describe("a credential failure for an unknown profile", () => {
  it("is AWS_PROFILE_NOT_FOUND (exit 4) naming the profile, both files and the known profiles", () => {
    const env = files(CONFIG, CREDENTIALS);
    const e = toProviderError(credentialsError(), { ...STS, profile: "nope", env }) as ProviderError;
    expect(e.code).toBe("AWS_PROFILE_NOT_FOUND");
    expect(e.exitCode).toBe(ExitCode.AUTH);
    expect(e.message).toBe(
      `AWS profile "nope" is not defined in ${env.AWS_CONFIG_FILE} or ${env.AWS_SHARED_CREDENTIALS_FILE}.`,
    );
    expect(e.hint).toMatch(
      /^Known profiles: ci, default, dev, prod-admin\. Choose one with --profile <name>/,
    );
    expect(e.hint).toContain("aws configure --profile nope");
    expect(e.details).toMatchObject({
      profile: "nope",
      known_profiles: ["ci", "default", "dev", "prod-admin"],
    });
    expect(e.outcome).toBe("not_applied");
  });

  it("says so when the files define no profile at all", () => {
    const env = files("", "");
    const e = toProviderError(credentialsError(), { ...STS, profile: "nope", env }) as ProviderError;
    expect(e.code).toBe("AWS_PROFILE_NOT_FOUND");
    expect(e.hint).toMatch(/^Those files define no profile: create it with `aws configure --profile nope`/);
    expect(e.hint).toContain("AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE");
  });

  it("stays AWS_AUTH when the profile exists (its credentials are what failed) or none was chosen", () => {
    const env = files(CONFIG, CREDENTIALS);
    for (const profile of ["dev", "ci", "prod-admin", undefined]) {
      const e = toProviderError(credentialsError(), { ...STS, profile, env });
      expect(e.code, String(profile)).toBe("AWS_AUTH");
    }
  });
});

describe("a profile's endpoint_url", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("is read for the profile, its services section first; ignore_configured_endpoint_urls turns it off", () => {
    const env = files(
      [
        "[default]",
        "endpoint_url = http://default.local",
        "[profile dev]",
        "endpoint_url = http://dev.local",
        "services = devsvc",
        "[services devsvc]",
        "s3 =",
        "  endpoint_url = http://s3.dev.local",
        "[profile off]",
        "endpoint_url = http://off.local",
        "ignore_configured_endpoint_urls = true",
        "",
      ].join("\n"),
      "",
    );
    expect(profileEndpointUrl(env, "dev", "s3")).toBe("http://s3.dev.local");
    expect(profileEndpointUrl(env, "dev", "sts")).toBe("http://dev.local");
    expect(profileEndpointUrl(env, undefined, "glue")).toBe("http://default.local");
    expect(profileEndpointUrl(env, "off", "sts")).toBeUndefined();
    expect(profileEndpointUrl(env, "nope", "sts")).toBeUndefined();
  });

  it("--aws-profile dev reaches the endpoint AWS_PROFILE=dev reaches (issue 15: the option ignored it)", async () => {
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "Content-Type": "text/xml" });
        res.end(
          '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
            "<Arn>arn:aws:iam::123456789012:user/dev</Arn><UserId>AIDDEV</UserId><Account>123456789012</Account>" +
            "</GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const shared = files(
        `[profile dev]\nregion = eu-west-1\nendpoint_url = ${url}\n`,
        "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev-secret\n",
      );
      // the SDK's credential chain reads the shared files from the real environment
      for (const [k, v] of Object.entries(shared)) vi.stubEnv(k, v);
      vi.stubEnv("AWS_PROFILE", "");
      const base = { ...shared, HOME: tmpdir() };
      const byOption = new AwsClients({ profile: "dev", env: base, requestTimeoutMs: 3_000, maxAttempts: 1 });
      const byEnv = new AwsClients({
        env: { ...base, AWS_PROFILE: "dev" },
        requestTimeoutMs: 3_000,
        maxAttempts: 1,
      });
      expect(byOption.endpoint("sts")).toBe(url);
      expect(byEnv.endpoint("sts")).toBe(url);
      expect((await byOption.callerIdentity()).arn).toBe("arn:aws:iam::123456789012:user/dev");
      expect((await byEnv.callerIdentity()).arn).toBe("arn:aws:iam::123456789012:user/dev");
      expect(hits).toEqual(["POST /", "POST /"]);
      byOption.destroy();
      byEnv.destroy();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
