/**
 * Helpers for tests that talk to the moto server started by test/global-setup.ts.
 *
 * Isolation policy: all test files share ONE moto server and vitest runs files in parallel, so
 * tests never reset moto globally; every test uses unique names (`uniqueName`). `resetMoto` exists
 * for a file that is the sole user of its own moto server, and is not used by the shared suites.
 */
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { inject } from "vitest";
import type { ProviderContext } from "../../src/engine/ports.js";

/** Account id moto uses for any access key it has not issued itself. */
export const MOTO_ACCOUNT_ID = "123456789012";

/**
 * Base URL of the shared moto server, as every AWS test must reach it: through the botocore
 * oracle proxy in front of it (test/support/BOTOCORE-ORACLE.md), which checks each request
 * against botocore's models and answers a violating one with `BotocoreModelViolation`.
 */
export function motoEndpoint(): string {
  return inject("motoEndpoint");
}

/**
 * An environment that points every AWS client at moto with dummy static keys. Nothing is read
 * from the developer's real AWS configuration (config/credentials files point nowhere).
 */
export function motoEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
    AWS_CONFIG_FILE: "/nonexistent/dpn-test-aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/dpn-test-aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

/** A lowercase name that is unique across parallel test files and runs (S3/Glue-safe charset). */
export function uniqueName(prefix: string, sep = "-"): string {
  const rand = Math.random().toString(36).slice(2, 8);
  return `${prefix}${sep}${Date.now().toString(36)}${sep}${rand}`.toLowerCase();
}

/**
 * Raw SDK clients against moto for verifying what a provider did (independent of the provider's
 * own client setup). `accountId` simulates another AWS account via moto's x-moto-account-id header.
 */
export function rawS3(region: string, accountId?: string): S3Client {
  const c = new S3Client({
    region,
    endpoint: motoEndpoint(),
    forcePathStyle: true,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  if (accountId) addAccountHeader(c, accountId);
  return c;
}

export function rawGlue(region: string): GlueClient {
  return new GlueClient({
    region,
    endpoint: motoEndpoint(),
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
}

function addAccountHeader(c: S3Client, accountId: string): void {
  c.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { headers?: Record<string, string> };
      if (req.headers) req.headers["x-moto-account-id"] = accountId;
      return next(args);
    },
    { step: "build", name: "motoAccountHeader" },
  );
}

/** Wipe all moto state. Only for a file that owns its moto server (see the policy above). */
export async function resetMoto(endpoint: string = motoEndpoint()): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
  if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
}

/** A ProviderContext for provider tests. */
export function testCtx(stackId: string, actor = "tester@host"): ProviderContext {
  return { stackId, txId: `tx-${stackId}`, actor, resolveRef: () => undefined };
}
