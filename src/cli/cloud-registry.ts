/**
 * `--target cloud`: AWS types go to the AWS providers (SDK v3), Databricks types to the
 * Databricks providers (our REST client), in one registry so one transaction spans both.
 * Clients are built lazily: a blueprint with only AWS resources never needs Databricks settings.
 */
import { cloudOf, type ProvisionedType } from "../core/resources.js";
import type { Provider, ProviderRegistry } from "../engine/ports.js";
import { AwsClients } from "../providers/aws/aws-clients.js";
import { type AwsProviders, awsPreflight, createAwsProviders } from "../providers/aws/aws-providers.js";
import {
  createDatabricksProviders,
  type DatabricksClient,
  type DatabricksProviders,
  databricksClientFromEnv,
  databricksPreflight,
} from "../providers/databricks/index.js";
import type { RegistryOptions } from "./compose.js";
import type { CliContext } from "./context.js";

export function createCloudRegistry(ctx: CliContext, o: RegistryOptions): ProviderRegistry {
  // dpn pins its SDK versions, so the SDK's notice about future Node 22-only releases is noise on
  // every command; a user can still see it by setting the variable to "false".
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  let aws: { clients: AwsClients; providers: AwsProviders } | undefined;
  let dbx: { client: DatabricksClient; providers: DatabricksProviders } | undefined;

  const awsSide = () => {
    if (!aws) {
      const clients = new AwsClients({ profile: o.profile, env: ctx.env, defaultRegion: o.region });
      aws = { clients, providers: createAwsProviders({ clients }) };
    }
    return aws;
  };
  const dbxSide = () => {
    if (!dbx) {
      // throws DATABRICKS_AUTH-style errors (exit 4) when host or credentials are missing
      const client = databricksClientFromEnv({ env: ctx.env, profile: o.profile });
      dbx = {
        client,
        providers: createDatabricksProviders(client, {
          waitForClusters: Boolean(o.wait),
          // env, else the profile's warehouse_id (resolved with the rest of the config)
          ...(client.warehouseId ? { warehouseId: client.warehouseId } : {}),
        }),
      };
    }
    return dbx;
  };

  return {
    target: "cloud",
    get<T extends ProvisionedType>(type: T): Provider<T> {
      const side = cloudOf(type) === "aws" ? awsSide().providers : dbxSide().providers;
      return (side as unknown as Record<string, Provider<T>>)[type] as Provider<T>;
    },
    async preflight(types: ProvisionedType[]): Promise<void> {
      if (types.some((t) => cloudOf(t) === "aws")) {
        await awsPreflight({ clients: awsSide().clients, ...(o.region ? { region: o.region } : {}) });
      }
      if (types.some((t) => cloudOf(t) === "databricks")) {
        // credentials, the Unity Catalog metastore and the SQL warehouse, with reads only
        const { client } = dbxSide();
        await databricksPreflight(client, {
          types,
          ...(client.warehouseId ? { warehouseId: client.warehouseId } : {}),
        });
      }
    },
    async close(): Promise<void> {
      aws?.clients.destroy();
    },
  };
}
