/**
 * `--target cloud`: AWS types go to the AWS providers (SDK v3), Databricks types to the
 * Databricks providers (our REST client), in one registry so one transaction spans both. Each side
 * is loaded only when the command touches its types: a Databricks-only command never loads the
 * AWS SDK (a third of a cloud command's start-up), and an AWS-only one needs no Databricks settings.
 */
import { internalError } from "../core/errors.js";
import { PROVISIONED_TYPES, type ProvisionedType } from "../core/resources.js";
import type { Provider, ProviderRegistry } from "../engine/ports.js";
import type { AwsClients } from "../providers/aws/aws-clients.js";
import type { AwsProviders } from "../providers/aws/aws-providers.js";
import type { DatabricksClient, DatabricksProviders } from "../providers/databricks/index.js";
import { cloudOf } from "../types/registry.js";
import type { ComposeEnv, RegistryOptions } from "./compose.js";

interface AwsSide {
  clients: AwsClients;
  providers: AwsProviders;
  preflight: (region?: string) => Promise<unknown>;
}
interface DbxSide {
  client: DatabricksClient;
  providers: DatabricksProviders;
  preflight: (types: ProvisionedType[]) => Promise<void>;
}

async function loadAws(env: ComposeEnv, o: RegistryOptions): Promise<AwsSide> {
  const { AwsClients } = await import("../providers/aws/aws-clients.js");
  const { awsPreflight, createAwsProviders } = await import("../providers/aws/aws-providers.js");
  // --aws-profile, else --profile, else AWS_PROFILE (read by AwsClients from the env)
  const profile = o.awsProfile ?? o.profile;
  const clients = new AwsClients({ ...(profile ? { profile } : {}), env: env.env, defaultRegion: o.region });
  return {
    clients,
    providers: createAwsProviders({ clients }),
    preflight: (region) => awsPreflight({ clients, ...(region ? { region } : {}) }),
  };
}

async function loadDbx(env: ComposeEnv, o: RegistryOptions): Promise<() => DbxSide> {
  const { createDatabricksProviders, databricksClientFromEnv, databricksPreflight } = await import(
    "../providers/databricks/index.js"
  );
  let side: DbxSide | undefined;
  // The client is built on first use: it throws DBX_HOST_MISSING-style errors (exit 4) when
  // settings are missing, which must surface from preflight or a call, not from opening.
  return () => {
    if (!side) {
      // --databricks-profile, else --profile, else DATABRICKS_CONFIG_PROFILE (read from the env)
      const profile = o.databricksProfile ?? o.profile;
      const client = databricksClientFromEnv({ env: env.env, ...(profile ? { profile } : {}) });
      side = {
        client,
        providers: createDatabricksProviders(client, {
          waitForClusters: Boolean(o.wait),
          // env, else the profile's warehouse_id (resolved with the rest of the config)
          ...(client.warehouseId ? { warehouseId: client.warehouseId } : {}),
        }),
        preflight: (types) =>
          databricksPreflight(client, {
            types,
            ...(client.warehouseId ? { warehouseId: client.warehouseId } : {}),
          }),
      };
    }
    return side;
  };
}

/** A cloud registry for the types `o.types` (every type when omitted). */
export async function createCloudRegistry(env: ComposeEnv, o: RegistryOptions): Promise<ProviderRegistry> {
  // dpn pins its SDK versions, so the SDK's notice about future Node 22-only releases is noise on
  // every command; a user can still see it by setting the variable to "false".
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const types = o.types ?? PROVISIONED_TYPES;
  const aws = types.some((t) => cloudOf(t) === "aws") ? await loadAws(env, o) : undefined;
  const dbx = types.some((t) => cloudOf(t) === "databricks") ? await loadDbx(env, o) : undefined;
  const missing = (type: ProvisionedType) =>
    internalError("REGISTRY_TYPE_NOT_LOADED", `The cloud registry was opened without ${type}`, {
      hint: "This is a bug in dpn (a command opened its registry for other types); please report it.",
    });
  return {
    target: "cloud",
    get<T extends ProvisionedType>(type: T): Provider<T> {
      const providers: Record<string, Provider> | undefined =
        cloudOf(type) === "aws" ? aws?.providers : dbx?.().providers;
      const p = providers?.[type];
      if (!p) throw missing(type);
      return p as unknown as Provider<T>;
    },
    async preflight(needed: ProvisionedType[]): Promise<void> {
      if (needed.some((t) => cloudOf(t) === "aws")) {
        if (!aws) throw missing(needed.find((t) => cloudOf(t) === "aws") as ProvisionedType);
        await aws.preflight(o.region);
      }
      if (needed.some((t) => cloudOf(t) === "databricks")) {
        if (!dbx) throw missing(needed.find((t) => cloudOf(t) === "databricks") as ProvisionedType);
        await dbx().preflight(needed);
      }
    },
    async close(): Promise<void> {
      aws?.clients.destroy();
    },
  };
}
