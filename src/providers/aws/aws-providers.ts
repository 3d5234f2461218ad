/**
 * Registration of the AWS providers (the only barrel of this folder) and the credential
 * preflight. The CLI composition root calls these; nothing else in dpn imports the AWS SDK.
 */
import type { Provider } from "../../engine/ports.js";
import type { AwsType } from "../../types/registry.js";
import { AwsClients, type AwsOptions, type CallerIdentity } from "./aws-clients.js";
import { GlueDatabaseProvider } from "./glue-database-provider.js";
import { GlueTableProvider } from "./glue-table-provider.js";
import { S3BucketProvider } from "./s3-bucket-provider.js";

export type { AwsOptions, CallerIdentity } from "./aws-clients.js";

/** The AWS types: those whose spec says `cloud: "aws"` (src/types/registry.ts). */
export type AwsProvisionedType = AwsType;

/** One provider per AWS type: a type whose spec is AWS but has no provider here does not compile. */
export type AwsProviders = { [T in AwsProvisionedType]: Provider<T> };

/** Options of createAwsProviders: AwsOptions, or an AwsClients to share (and close) yourself. */
export type CreateAwsProvidersOptions = AwsOptions & { clients?: AwsClients };

/**
 * The AWS providers (one per AWS type) sharing one set of SDK clients. Building them makes no network call
 * and never throws; credential problems surface on the first call (run awsPreflight first).
 * Pass `clients` to share clients with awsPreflight and call `clients.destroy()` at the end.
 */
export function createAwsProviders(opts: CreateAwsProvidersOptions = {}): AwsProviders {
  const clients = opts.clients ?? new AwsClients(opts);
  return {
    aws_s3_bucket: new S3BucketProvider(clients),
    aws_glue_database: new GlueDatabaseProvider(clients),
    aws_glue_table: new GlueTableProvider(clients),
  };
}

/**
 * Verify the credentials before any change: STS GetCallerIdentity. Returns who the caller is.
 * Throws ProviderError kind `auth` (exit 4), code AWS_AUTH, with a hint, when credentials are
 * missing, expired or rejected; other failures (network, throttling) as mapped ProviderErrors.
 */
export async function awsPreflight(
  opts: CreateAwsProvidersOptions & { region?: string } = {},
): Promise<CallerIdentity> {
  const clients = opts.clients ?? new AwsClients(opts);
  try {
    return await clients.callerIdentity(opts.region);
  } finally {
    if (!opts.clients) clients.destroy();
  }
}
