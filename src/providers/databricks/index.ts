/**
 * Databricks provider registration: the only barrel of this folder. Wires the fetch client and
 * the six providers (`dbx_cluster`, `dbx_job`, `dbx_catalog`, `dbx_schema`, `dbx_table`,
 * `dbx_volume`).
 */
import type { Provider } from "../../engine/ports.js";
import type { DatabricksType as SpecDatabricksType } from "../../types/registry.js";
import { tokenSourceFor } from "./auth.js";
import { type ClientOptions, DatabricksClient } from "./client.js";
import { ClusterProvider } from "./cluster-provider.js";
import { type DatabricksConfigOptions, resolveDatabricksConfig } from "./config.js";
import { JobProvider } from "./job-provider.js";
import type { DatabricksProviderOptions } from "./provider-kit.js";
import { TableProvider } from "./table-provider.js";
import { catalogProvider, schemaProvider } from "./uc-namespace-provider.js";
import { VolumeProvider } from "./volume-provider.js";

/** The Databricks types: those whose spec says `cloud: "databricks"` (src/types/registry.ts). */
export type DatabricksType = SpecDatabricksType;

/** One provider per Databricks type: a type whose spec is Databricks but has no provider here does not compile. */
export type DatabricksProviders = { [T in DatabricksType]: Provider<T> };

export { DatabricksClient } from "./client.js";
export type { DatabricksConfig, DatabricksConfigOptions } from "./config.js";
export { resolveDatabricksConfig } from "./config.js";
export { type DatabricksPreflightInput, databricksPreflight } from "./preflight.js";
export type { DatabricksProviderOptions } from "./provider-kit.js";

/** The Databricks providers (one per Databricks type) over one client. Never throws. */
export function createDatabricksProviders(
  client: DatabricksClient,
  opts: DatabricksProviderOptions = {},
): DatabricksProviders {
  const deps = { client, opts };
  return {
    dbx_cluster: new ClusterProvider(deps),
    dbx_job: new JobProvider(deps),
    dbx_catalog: catalogProvider(deps),
    dbx_schema: schemaProvider(deps),
    dbx_table: new TableProvider(deps),
    dbx_volume: new VolumeProvider(deps),
  };
}

/**
 * A client configured from explicit options, environment and `~/.databrickscfg` (CLI
 * precedence). Throws DpnError kind `auth` (exit 4) when host or credentials are missing,
 * invalid, or when more than one authorization method is configured.
 */
export function databricksClientFromEnv(
  input: {
    env?: Record<string, string | undefined>;
    profile?: string;
    options?: DatabricksConfigOptions;
    homeDir?: string;
    client?: ClientOptions;
  } = {},
): DatabricksClient {
  const env = input.env ?? process.env;
  const config = resolveDatabricksConfig({
    env,
    options: { ...input.options, ...(input.profile ? { profile: input.profile } : {}) },
    ...(input.homeDir ? { homeDir: input.homeDir } : {}),
  });
  // The CLIs of databricks-cli / azure-cli auth run with the environment the config came from.
  const tokenSource =
    input.client?.tokenSource ??
    tokenSourceFor(config.host, config.auth, {
      env,
      timeoutMs: config.timeoutMs,
      ...(input.client?.fetch ? { fetch: input.client.fetch } : {}),
    });
  return new DatabricksClient(config, { ...input.client, tokenSource });
}
