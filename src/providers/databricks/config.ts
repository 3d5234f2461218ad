/**
 * Databricks configuration resolution with the Databricks CLI/SDK precedence:
 * explicit options > environment variables > `~/.databrickscfg` profile (fills only unset fields).
 * Failures are DpnError kind `auth` (exit 4) with a hint; secrets never appear in messages.
 */
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { DpnError } from "../../core/errors.js";
import { DEFAULT_RATE_LIMIT } from "./rate-limit.js";

/**
 * One authentication method, named as the official SDKs name their credential strategies
 * (databricks-sdk-go config/auth_*.go `Name()`), with the values it needs.
 */
export type DatabricksAuthMethod =
  | { type: "pat"; token: string }
  | { type: "oauth-m2m"; clientId: string; clientSecret: string }
  /** U2M: the token cache of `databricks auth login`, read by running `databricks auth token`. */
  | { type: "databricks-cli"; cliPath: string; profile?: string }
  | { type: "azure-msi"; clientId?: string; resourceId?: string; azure: AzureEnvironment }
  | {
      type: "azure-client-secret";
      clientId: string;
      clientSecret: string;
      tenantId: string;
      resourceId?: string;
      azure: AzureEnvironment;
    }
  | { type: "azure-cli"; tenantId?: string; resourceId?: string; azure: AzureEnvironment }
  /** A GCP service account key (file path or JSON text), as `GOOGLE_CREDENTIALS`. */
  | { type: "google-credentials"; credentials: string };

/**
 * The resolved authentication: one method, or — when nothing names one and the first method the
 * SDK order reaches only proves itself by running (the Databricks CLI, the Azure CLI) — the
 * candidates to try in that order at the first request (databricks-sdk-go
 * config/auth_default.go `DefaultCredentials`: pat, basic, oauth-m2m, databricks-cli, …,
 * azure-msi, azure-client-secret, azure-cli, google-credentials, google-id).
 */
export type DatabricksAuth = DatabricksAuthMethod | { type: "default"; candidates: DatabricksAuthMethod[] };

/** The Azure cloud of a workspace (databricks-sdk-go common/environment). */
export interface AzureEnvironment {
  /** The AzureDatabricks first-party application: the resource Databricks tokens are issued for. */
  applicationId: string;
  activeDirectoryEndpoint: string;
  serviceManagementEndpoint: string;
}

/** Fully resolved settings for one workspace. */
export interface DatabricksConfig {
  /** Origin without trailing slash, e.g. `https://dbc-1.cloud.databricks.com` or `http://127.0.0.1:8123`. */
  host: string;
  auth: DatabricksAuth;
  warehouseId?: string;
  /** Client-side requests per second for this host. */
  rateLimit: number;
  /** Per-request timeout in ms. */
  timeoutMs: number;
  /** Profile used, when a config file section contributed. */
  profile?: string;
  /** Where each attribute came from (`env DATABRICKS_TOKEN`, `profile dev`, `option`); for messages. */
  sources: Record<string, string>;
}

/** Explicit options (highest precedence). */
export interface DatabricksConfigOptions {
  host?: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  authType?: string;
  profile?: string;
  configFile?: string;
  warehouseId?: string;
  rateLimit?: number;
  timeoutMs?: number;
}

export interface ResolveInput {
  options?: DatabricksConfigOptions;
  env?: Record<string, string | undefined>;
  /** Home directory for the default `~/.databrickscfg`. */
  homeDir?: string;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/** The auth family of an attribute (the SDK's `auth:` struct tag), for "more than one method". */
type Family = "pat" | "oauth" | "azure" | "google";

interface AttrSpec {
  /** Name in `.databrickscfg` (and in the SDK). */
  key: string;
  env: string;
  family?: Family;
}

// Attribute names and variables as databricks-sdk-go config/config.go declares them.
const ATTRS = {
  host: { key: "host", env: "DATABRICKS_HOST" },
  token: { key: "token", env: "DATABRICKS_TOKEN", family: "pat" },
  clientId: { key: "client_id", env: "DATABRICKS_CLIENT_ID", family: "oauth" },
  clientSecret: { key: "client_secret", env: "DATABRICKS_CLIENT_SECRET", family: "oauth" },
  authType: { key: "auth_type", env: "DATABRICKS_AUTH_TYPE" },
  warehouseId: { key: "warehouse_id", env: "DATABRICKS_WAREHOUSE_ID" },
  rateLimit: { key: "rate_limit", env: "DATABRICKS_RATE_LIMIT" },
  cloud: { key: "cloud", env: "DATABRICKS_CLOUD" },
  databricksCliPath: { key: "databricks_cli_path", env: "DATABRICKS_CLI_PATH" },
  azureResourceId: {
    key: "azure_workspace_resource_id",
    env: "DATABRICKS_AZURE_RESOURCE_ID",
    family: "azure",
  },
  azureUseMsi: { key: "azure_use_msi", env: "ARM_USE_MSI", family: "azure" },
  azureClientId: { key: "azure_client_id", env: "ARM_CLIENT_ID", family: "azure" },
  azureClientSecret: { key: "azure_client_secret", env: "ARM_CLIENT_SECRET", family: "azure" },
  azureTenantId: { key: "azure_tenant_id", env: "ARM_TENANT_ID", family: "azure" },
  googleCredentials: { key: "google_credentials", env: "GOOGLE_CREDENTIALS", family: "google" },
  googleServiceAccount: {
    key: "google_service_account",
    env: "DATABRICKS_GOOGLE_SERVICE_ACCOUNT",
    family: "google",
  },
} satisfies Record<string, AttrSpec>;

type Attr = keyof typeof ATTRS;
const ATTR_NAMES = Object.keys(ATTRS) as Attr[];
const OPTION_ATTRS = new Set<Attr>(["host", "token", "clientId", "clientSecret", "authType", "warehouseId"]);

/** The auth types dpn implements, in the SDK's default order. */
export const SUPPORTED_AUTH_TYPES = [
  "pat",
  "oauth-m2m",
  "databricks-cli",
  "azure-msi",
  "azure-client-secret",
  "azure-cli",
  "google-credentials",
] as const;

// Workspace DNS zones → Azure cloud (databricks-sdk-go common/environment/environments.go and
// azure.go). The application id is the AzureDatabricks first-party app.
const AZURE_APP_ID = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d";
const AZURE_PUBLIC = {
  activeDirectoryEndpoint: "https://login.microsoftonline.com/",
  serviceManagementEndpoint: "https://management.core.windows.net/",
};
const AZURE_ZONES: { zone: string; env: AzureEnvironment }[] = [
  {
    zone: ".dev.azuredatabricks.net",
    env: { applicationId: "62a912ac-b58e-4c1d-89ea-b2dbfc7358fc", ...AZURE_PUBLIC },
  },
  {
    zone: ".staging.azuredatabricks.net",
    env: { applicationId: "4a67d088-db5c-48f1-9ff2-0aace800ae68", ...AZURE_PUBLIC },
  },
  { zone: ".azuredatabricks.net", env: { applicationId: AZURE_APP_ID, ...AZURE_PUBLIC } },
  {
    zone: ".databricks.azure.us",
    env: {
      applicationId: AZURE_APP_ID,
      activeDirectoryEndpoint: "https://login.microsoftonline.us/",
      serviceManagementEndpoint: "https://management.core.usgovcloudapi.net/",
    },
  },
  {
    zone: ".databricks.azure.cn",
    env: {
      applicationId: AZURE_APP_ID,
      activeDirectoryEndpoint: "https://login.chinacloudapi.cn/",
      serviceManagementEndpoint: "https://management.core.chinacloudapi.cn/",
    },
  },
];
const GCP_ZONES = [".dev.gcp.databricks.com", ".staging.gcp.databricks.com", ".gcp.databricks.com"];

/**
 * Parse a `.databrickscfg` INI text into sections. `;`/`#` comment lines are skipped; keys are
 * lower-cased; values are trimmed. Throws DpnError `DBX_CONFIG_FILE_INVALID` on a key outside
 * a section or a line that is neither section, comment nor `key = value`.
 */
export function parseDatabricksCfg(text: string, file: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (!line || line.startsWith(";") || line.startsWith("#")) continue;
    const sec = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (sec?.[1]) {
      current = sections.get(sec[1]) ?? {};
      sections.set(sec[1], current);
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!kv?.[1] || kv[2] === undefined || !current) {
      throw new DpnError("auth", "DBX_CONFIG_FILE_INVALID", `Cannot parse ${file} line ${i + 1}`, {
        hint: "Each line must be a [section], a comment, or `key = value` inside a section.",
      });
    }
    current[kv[1].toLowerCase()] = kv[2].trim();
  }
  return sections;
}

/**
 * Normalise a workspace host: `https://host[:port]` or `http://host:port` (plain HTTP only with
 * an explicit port, which is what loopback fakes use). A bare host gets `https://`. Throws
 * DpnError `DBX_HOST_INVALID`.
 */
export function normaliseHost(raw: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new DpnError("auth", "DBX_HOST_INVALID", `DATABRICKS_HOST "${raw}" is not a valid URL`, {
      hint: "Use the workspace URL, e.g. https://dbc-1234.cloud.databricks.com",
    });
  }
  const httpWithPort = url.protocol === "http:" && url.port !== "";
  if (url.protocol !== "https:" && !httpWithPort) {
    throw new DpnError("auth", "DBX_HOST_INVALID", `DATABRICKS_HOST "${raw}" must use https://`, {
      hint: "Use https://<workspace-host>; plain http is accepted only as http://host:port (local fakes).",
    });
  }
  return url.origin;
}

/**
 * Resolve host, credentials and client settings. Throws DpnError kind `auth`:
 * `DBX_HOST_MISSING`, `DBX_HOST_INVALID`, `DBX_CREDENTIALS_MISSING`, `DBX_AUTH_CONFLICT`
 * ("more than one authorization method configured"), `DBX_PROFILE_NOT_FOUND`,
 * `DBX_AUTH_TYPE_UNSUPPORTED`, `DBX_CONFIG_FILE_INVALID`, `DBX_CLI_AUTH_FAILED` (an
 * `auth_type` whose CLI is not installed), and kind `usage` `DBX_RATE_LIMIT_INVALID`.
 */
export function resolveDatabricksConfig(input: ResolveInput = {}): DatabricksConfig {
  const options = input.options ?? {};
  const env = input.env ?? {};
  const values: Partial<Record<Attr, string>> = {};
  const sources: Record<string, string> = {};

  for (const attr of ATTR_NAMES) {
    const o = OPTION_ATTRS.has(attr) ? options[attr as keyof DatabricksConfigOptions] : undefined;
    if (o !== undefined && o !== "") {
      values[attr] = String(o);
      sources[attr] = "option";
      continue;
    }
    const e = env[ATTRS[attr].env];
    if (e !== undefined && e !== "") {
      values[attr] = e;
      sources[attr] = `env ${ATTRS[attr].env}`;
    }
  }

  const explicitProfile = options.profile ?? (env.DATABRICKS_CONFIG_PROFILE || undefined);
  const file =
    options.configFile ?? (env.DATABRICKS_CONFIG_FILE || join(input.homeDir ?? homedir(), ".databrickscfg"));
  let text: string | undefined;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    text = undefined;
  }
  let profileUsed: string | undefined;
  if (text === undefined) {
    if (explicitProfile) {
      throw new DpnError(
        "auth",
        "DBX_PROFILE_NOT_FOUND",
        `Profile "${explicitProfile}" requested but ${file} cannot be read`,
        {
          hint: "Create the file (databricks configure) or set DATABRICKS_CONFIG_FILE.",
        },
      );
    }
  } else {
    const sections = parseDatabricksCfg(text, file);
    const name = explicitProfile ?? "DEFAULT";
    const section = sections.get(name);
    if (!section && explicitProfile) {
      throw new DpnError(
        "auth",
        "DBX_PROFILE_NOT_FOUND",
        `Profile "${explicitProfile}" not found in ${file}`,
        {
          hint: `Known profiles: ${[...sections.keys()].join(", ") || "(none)"}`,
        },
      );
    }
    if (section) {
      for (const attr of ATTR_NAMES) {
        const v = section[ATTRS[attr].key];
        if (values[attr] === undefined && v !== undefined && v !== "") {
          values[attr] = v;
          sources[attr] = `profile ${name}`;
          profileUsed = name;
        }
      }
    }
  }

  if (!values.host) {
    throw new DpnError("auth", "DBX_HOST_MISSING", "No Databricks workspace host configured", {
      hint: "Set DATABRICKS_HOST (https://<workspace-host>) or add host to a ~/.databrickscfg profile.",
    });
  }
  const host = normaliseHost(values.host);
  const auth = resolveAuth({
    host,
    values,
    sources,
    pathEnv: env.PATH ?? "",
    ...(explicitProfile ? { profile: explicitProfile } : {}),
    ...(profileUsed ? { profileUsed } : {}),
  });

  let rateLimit = DEFAULT_RATE_LIMIT;
  if (options.rateLimit !== undefined) rateLimit = options.rateLimit;
  else if (values.rateLimit !== undefined) rateLimit = Number(values.rateLimit);
  if (!Number.isFinite(rateLimit) || rateLimit <= 0) {
    throw new DpnError(
      "usage",
      "DBX_RATE_LIMIT_INVALID",
      `Rate limit "${values.rateLimit ?? options.rateLimit}" is not a positive number`,
      {
        hint: "DATABRICKS_RATE_LIMIT is requests per second, e.g. 15.",
      },
    );
  }

  return {
    host,
    auth,
    ...(values.warehouseId ? { warehouseId: values.warehouseId } : {}),
    rateLimit,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(profileUsed ? { profile: profileUsed } : {}),
    sources,
  };
}

interface AuthInput {
  host: string;
  values: Partial<Record<Attr, string>>;
  sources: Record<string, string>;
  /** PATH of the environment the CLI tools are looked up in. */
  pathEnv: string;
  /** The profile named by `--databricks-profile` / DATABRICKS_CONFIG_PROFILE (not the implicit DEFAULT). */
  profile?: string;
  profileUsed?: string;
}

/** The SDK's strategy list with, for each, whether its inputs are present (config/auth_*.go `Configure`). */
function resolveAuth(a: AuthInput): DatabricksAuth {
  const { values, sources, host } = a;
  const where = (attr: Attr) => `${ATTRS[attr].key} from ${sources[attr]}`;
  const setAttrs = (attrs: Attr[]) => attrs.filter((x) => values[x] !== undefined);
  // Where a missing attribute can be given: its variable, or the profile in use.
  const howToSet = (attr: Attr) =>
    `${ATTRS[attr].env}${(a.profileUsed ?? a.profile) ? ` or ${ATTRS[attr].key} in profile ${a.profileUsed ?? a.profile}` : ` or ${ATTRS[attr].key} in ~/.databrickscfg`}`;

  // databricks-sdk-go config/config_attributes.go Validate: attributes of two auth families
  // without an auth_type are refused.
  const families = [
    ...new Set(
      setAttrs(ATTR_NAMES).flatMap((x) => {
        const f = (ATTRS[x] as AttrSpec).family;
        return f ? [f] : [];
      }),
    ),
  ].sort();
  const authTypeRaw = values.authType;
  const authType = authTypeRaw?.toLowerCase();
  if (!authType && families.length > 1) {
    const famAttrs = setAttrs(ATTR_NAMES).filter((x) => (ATTRS[x] as AttrSpec).family);
    throw new DpnError(
      "auth",
      "DBX_AUTH_CONFLICT",
      `more than one authorization method configured: ${families.join(" and ")}`,
      {
        hint: `Keep one of them (${famAttrs.map(where).join(", ")}), or set DATABRICKS_AUTH_TYPE.`,
        details: { host },
      },
    );
  }

  const hostname = new URL(host).hostname;
  const cloud = values.cloud?.toLowerCase();
  const azureZone = AZURE_ZONES.find((z) => hostname.endsWith(z.zone));
  // config.go IsAzure / IsGcp: a workspace resource id or `cloud` wins over the host's DNS zone.
  const isAzure =
    values.azureResourceId !== undefined || (cloud ? cloud === "azure" : azureZone !== undefined);
  const isGcp = cloud ? cloud === "gcp" : GCP_ZONES.some((z) => hostname.endsWith(z));
  const azure: AzureEnvironment = azureZone?.env ?? { applicationId: AZURE_APP_ID, ...AZURE_PUBLIC };
  const resourceId = values.azureResourceId ? { resourceId: values.azureResourceId } : {};

  const missing = (type: string, attrs: Attr[]) => {
    const absent = attrs.filter((x) => values[x] === undefined);
    return new DpnError(
      "auth",
      "DBX_CREDENTIALS_MISSING",
      `auth_type ${type} (${where("authType")}) for ${host} needs ${absent.map((x) => ATTRS[x].key).join(" and ")}`,
      { hint: `Set ${absent.map(howToSet).join("; ")}.`, details: { host, authType: type } },
    );
  };
  const cliMissing = (type: string, tool: string, path: string | undefined, reason: string) =>
    new DpnError(
      "auth",
      "DBX_CLI_AUTH_FAILED",
      `auth_type ${type} (${where("authType")}) needs the ${tool} CLI: ${reason}`,
      {
        hint:
          tool === "databricks"
            ? `Install the Databricks CLI (>= 0.100), run \`databricks auth login --host ${host}\`${path ? "" : ", or set DATABRICKS_CLI_PATH"}.`
            : `Install the Azure CLI and run \`az login\`.`,
        details: { host, authType: type },
      },
    );

  const msiOn = ["true", "1", "yes", "on"].includes((values.azureUseMsi ?? "").toLowerCase());
  const builders: Record<
    (typeof SUPPORTED_AUTH_TYPES)[number],
    (explicit: boolean) => DatabricksAuthMethod | undefined
  > = {
    pat: (explicit) => {
      if (values.token) return { type: "pat", token: values.token };
      if (explicit) throw missing("pat", ["token"]);
      return undefined;
    },
    "oauth-m2m": (explicit) => {
      if (values.clientId && values.clientSecret)
        return { type: "oauth-m2m", clientId: values.clientId, clientSecret: values.clientSecret };
      if (explicit || values.clientId || values.clientSecret) {
        if (!explicit)
          throw new DpnError(
            "auth",
            "DBX_CREDENTIALS_MISSING",
            `OAuth M2M for ${host} needs both client_id and client_secret`,
            {
              hint: `Set ${setAttrs(["clientId", "clientSecret"]).length ? (values.clientId ? howToSet("clientSecret") : howToSet("clientId")) : "DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET"} (a service principal's OAuth secret); ${setAttrs(["clientId", "clientSecret"]).map(where).join(", ")}.`,
            },
          );
        throw missing("oauth-m2m", ["clientId", "clientSecret"]);
      }
      return undefined;
    },
    "databricks-cli": (explicit) => {
      const found = findDatabricksCli(values.databricksCliPath, a.pathEnv);
      if (typeof found === "string")
        return { type: "databricks-cli", cliPath: found, ...(a.profile ? { profile: a.profile } : {}) };
      if (explicit) throw cliMissing("databricks-cli", "databricks", values.databricksCliPath, found.reason);
      return undefined;
    },
    "azure-msi": (explicit) => {
      if ((isAzure && msiOn) || (explicit && msiOn))
        return {
          type: "azure-msi",
          azure,
          ...resourceId,
          ...(values.azureClientId ? { clientId: values.azureClientId } : {}),
        };
      if (explicit) throw missing("azure-msi", ["azureUseMsi"]);
      return undefined;
    },
    "azure-client-secret": (explicit) => {
      const need: Attr[] = ["azureClientId", "azureClientSecret", "azureTenantId"];
      if ((isAzure || explicit) && values.azureClientId && values.azureClientSecret && values.azureTenantId)
        return {
          type: "azure-client-secret",
          azure,
          ...resourceId,
          clientId: values.azureClientId,
          clientSecret: values.azureClientSecret,
          tenantId: values.azureTenantId,
        };
      if (explicit) throw missing("azure-client-secret", need);
      return undefined;
    },
    "azure-cli": (explicit) => {
      if (!isAzure && !explicit) return undefined;
      const found = findOnPath("az", a.pathEnv);
      if (found === undefined) {
        if (explicit) throw cliMissing("azure-cli", "az", undefined, "`az` is not on PATH");
        return undefined;
      }
      return {
        type: "azure-cli",
        azure,
        ...resourceId,
        ...(values.azureTenantId ? { tenantId: values.azureTenantId } : {}),
      };
    },
    "google-credentials": (explicit) => {
      if ((isGcp || explicit) && values.googleCredentials)
        return { type: "google-credentials", credentials: values.googleCredentials };
      if (explicit) throw missing("google-credentials", ["googleCredentials"]);
      return undefined;
    },
  };

  if (authType) {
    const build = builders[authType as keyof typeof builders];
    if (!build) {
      throw new DpnError(
        "auth",
        "DBX_AUTH_TYPE_UNSUPPORTED",
        `Auth type "${authTypeRaw}" (${where("authType")}) is not supported`,
        {
          hint: `dpn supports auth_type ${SUPPORTED_AUTH_TYPES.join(", ")}; unset ${howToSet("authType")} to use the first method configured.`,
          details: { host, authType: authTypeRaw },
        },
      );
    }
    return build(true) as DatabricksAuthMethod;
  }
  // The default order. A method whose inputs are all present is chosen; the two CLI methods have
  // no inputs of their own and prove themselves only by producing a token, so from the first of
  // them on, the rest are candidates tried in order at the first request.
  const candidates: DatabricksAuthMethod[] = [];
  for (const type of SUPPORTED_AUTH_TYPES) {
    const m = builders[type](false);
    if (!m) continue;
    const probe = m.type === "databricks-cli" || m.type === "azure-cli";
    if (!probe && candidates.length === 0) return m;
    candidates.push(m);
    if (!probe) break;
  }
  if (values.googleServiceAccount && candidates.length === 0) {
    throw new DpnError(
      "auth",
      "DBX_AUTH_TYPE_UNSUPPORTED",
      `google_service_account (${where("googleServiceAccount")}) selects auth_type google-id, which dpn does not support`,
      {
        hint: "Use a service account key instead: GOOGLE_CREDENTIALS (a key file path or its JSON), or a PAT.",
        details: { host },
      },
    );
  }
  if (candidates.length === 0) {
    throw new DpnError(
      "auth",
      "DBX_CREDENTIALS_MISSING",
      `No Databricks credentials configured for ${host}`,
      {
        hint: `Set DATABRICKS_TOKEN (personal access token) or DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET, use a ~/.databrickscfg profile, or run \`databricks auth login --host ${host}\`.`,
      },
    );
  }
  return { type: "default", candidates };
}

/** The smallest size of the Go Databricks CLI; below it is the legacy Python CLI (cli_token_source.go). */
const DATABRICKS_CLI_MIN_SIZE = 1024 * 1024;

/**
 * The Databricks CLI as databricks-sdk-go `findDatabricksCli` finds it: `databricks_cli_path` (a
 * path, or a name looked up on PATH), else `databricks` on PATH; a file under 1 MiB is the legacy
 * Python CLI, which has no `auth token`. Returns the path, or why there is none.
 */
export function findDatabricksCli(cliPath: string | undefined, pathEnv: string): string | { reason: string } {
  const check = (p: string): "ok" | "absent" | "legacy" => {
    try {
      const st = statSync(p);
      if (st.isDirectory()) return "absent";
      return st.size < DATABRICKS_CLI_MIN_SIZE ? "legacy" : "ok";
    } catch {
      return "absent";
    }
  };
  const legacy = { reason: "the databricks on PATH is the legacy Python CLI; upgrade to >= 0.100.0" };
  if (cliPath?.includes("/")) {
    const r = check(cliPath);
    if (r === "ok") return cliPath;
    return r === "legacy" ? legacy : { reason: `${cliPath} does not exist` };
  }
  const name = cliPath || "databricks";
  let sawLegacy = false;
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    const r = check(p);
    if (r === "ok") return p;
    if (r === "legacy") sawLegacy = true;
  }
  return sawLegacy ? legacy : { reason: `\`${name}\` is not on PATH` };
}

/** The first executable file `name` in the directories of `pathEnv`, or undefined. */
export function findOnPath(name: string, pathEnv: string): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) {
        accessSync(p, constants.X_OK);
        return p;
      }
    } catch {
      /* not here */
    }
  }
  return undefined;
}
