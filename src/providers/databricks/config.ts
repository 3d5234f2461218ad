/**
 * Databricks configuration resolution with the Databricks CLI/SDK precedence:
 * explicit options > environment variables > `~/.databrickscfg` profile (fills only unset fields).
 * Failures are DpnError kind `auth` (exit 4) with a hint; secrets never appear in messages.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { DpnError } from "../../core/errors.js";
import { DEFAULT_RATE_LIMIT } from "./rate-limit.js";

export type DatabricksAuth =
  | { type: "pat"; token: string }
  | { type: "oauth-m2m"; clientId: string; clientSecret: string };

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

type Attr = "host" | "token" | "clientId" | "clientSecret" | "authType" | "warehouseId" | "rateLimit";

const ENV_OF: Record<Attr, string> = {
  host: "DATABRICKS_HOST",
  token: "DATABRICKS_TOKEN",
  clientId: "DATABRICKS_CLIENT_ID",
  clientSecret: "DATABRICKS_CLIENT_SECRET",
  authType: "DATABRICKS_AUTH_TYPE",
  warehouseId: "DATABRICKS_WAREHOUSE_ID",
  rateLimit: "DATABRICKS_RATE_LIMIT",
};
const FILE_KEY_OF: Record<Attr, string> = {
  host: "host",
  token: "token",
  clientId: "client_id",
  clientSecret: "client_secret",
  authType: "auth_type",
  warehouseId: "warehouse_id",
  rateLimit: "rate_limit",
};

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
 * `DBX_AUTH_TYPE_UNSUPPORTED`, `DBX_CONFIG_FILE_INVALID`, and kind `usage` `DBX_RATE_LIMIT_INVALID`.
 */
export function resolveDatabricksConfig(input: ResolveInput = {}): DatabricksConfig {
  const options = input.options ?? {};
  const env = input.env ?? {};
  const values: Partial<Record<Attr, string>> = {};
  const sources: Record<string, string> = {};

  for (const attr of Object.keys(ENV_OF) as Attr[]) {
    const o = options[attr];
    if (o !== undefined && o !== "") {
      values[attr] = String(o);
      sources[attr] = "option";
      continue;
    }
    const e = env[ENV_OF[attr]];
    if (e !== undefined && e !== "") {
      values[attr] = e;
      sources[attr] = `env ${ENV_OF[attr]}`;
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
      for (const attr of Object.keys(FILE_KEY_OF) as Attr[]) {
        const v = section[FILE_KEY_OF[attr]];
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

  const authType = values.authType?.toLowerCase();
  if (authType && authType !== "pat" && authType !== "oauth-m2m") {
    throw new DpnError(
      "auth",
      "DBX_AUTH_TYPE_UNSUPPORTED",
      `Auth type "${values.authType}" is not supported`,
      {
        hint: "dpn supports auth_type pat (DATABRICKS_TOKEN) and oauth-m2m (DATABRICKS_CLIENT_ID/SECRET).",
      },
    );
  }
  const hasPat = values.token !== undefined;
  const hasM2m = values.clientId !== undefined || values.clientSecret !== undefined;
  const describe = (attrs: Attr[]) =>
    attrs
      .filter((a) => values[a] !== undefined)
      .map((a) => `${FILE_KEY_OF[a]} from ${sources[a]}`)
      .join(", ");

  if (!authType && hasPat && hasM2m) {
    throw new DpnError(
      "auth",
      "DBX_AUTH_CONFLICT",
      "more than one authorization method configured: oauth-m2m and pat",
      {
        hint: `Keep one of them (${describe(["token", "clientId", "clientSecret"])}), or set DATABRICKS_AUTH_TYPE.`,
        details: { host },
      },
    );
  }
  let auth: DatabricksAuth;
  const useM2m = authType === "oauth-m2m" || (!authType && hasM2m);
  if (useM2m) {
    if (!values.clientId || !values.clientSecret) {
      throw new DpnError(
        "auth",
        "DBX_CREDENTIALS_MISSING",
        `OAuth M2M for ${host} needs both client_id and client_secret`,
        {
          hint: "Set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (a service principal's OAuth secret).",
        },
      );
    }
    auth = { type: "oauth-m2m", clientId: values.clientId, clientSecret: values.clientSecret };
  } else if (values.token) {
    auth = { type: "pat", token: values.token };
  } else {
    throw new DpnError(
      "auth",
      "DBX_CREDENTIALS_MISSING",
      `No Databricks credentials configured for ${host}`,
      {
        hint: "Set DATABRICKS_TOKEN (personal access token) or DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET, or use a ~/.databrickscfg profile.",
      },
    );
  }

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
