/**
 * Composition root: the only place that wires concrete state and providers to the engine, for
 * the CLI and for library callers alike (`appContext`). Heavy modules (SQLite, the AWS SDK, the
 * Databricks client) are imported lazily, per command and per target.
 */
import { join, resolve } from "node:path";
import type { AppContext, ConfirmRequest, RegistryRequest } from "../app/context.js";
import { DpnError } from "../core/errors.js";
import type { Reporter } from "../core/events.js";
import type { ProviderRegistry, StateStore } from "../engine/ports.js";
import { SANDBOX_FLAGS } from "./sandbox-flags.js";
import { parseStateUrl, resolveStateLocation, type StateLocation } from "./state-location.js";

/** Where a command runs: its working directory and environment. */
export interface ComposeEnv {
  cwd: string;
  env: Record<string, string | undefined>;
  /** `--state <url>`; else DPN_STATE, else `state:` in .dpn/settings.yaml, else the SQLite default. */
  stateUrl?: string;
  /** The AWS profile of the command (`--aws-profile`, else `--profile`), for an S3 state. */
  awsProfile?: string;
}

export type RegistryOptions = RegistryRequest;

/** `.dpn/` of the project the command runs in (`DPN_HOME` overrides, for tests and CI). */
export function dpnDir(e: ComposeEnv): string {
  return e.env.DPN_HOME ? e.env.DPN_HOME : join(e.cwd, ".dpn");
}

/** The sandbox's simulated clouds: `DPN_SANDBOX_DB` when set, else `.dpn/sandbox.db`. */
export function sandboxPath(e: ComposeEnv): string {
  return e.env.DPN_SANDBOX_DB ? resolve(e.cwd, e.env.DPN_SANDBOX_DB) : join(dpnDir(e), "sandbox.db");
}

/**
 * Open the state store at `stateLocation(e)`. `readonly` opens without creating or changing
 * anything (a missing SQLite file reads as empty), for dry runs and read-only commands.
 */
export async function openState(e: ComposeEnv, opts: { readonly?: boolean } = {}): Promise<StateStore> {
  return openStateLocation(resolveStateLocation(e), e, opts);
}

/** Open the state at an explicit URL (`dpn state migrate --to`), relative paths from `e.cwd`. */
export async function openStateAt(
  e: ComposeEnv,
  url: string,
  opts: { readonly?: boolean } = {},
): Promise<{ store: StateStore; location: string }> {
  const location = parseStateUrl(url, e.cwd, "flag");
  return { store: await openStateLocation(location, e, opts), location: location.display };
}

async function openStateLocation(
  location: StateLocation,
  e: ComposeEnv,
  opts: { readonly?: boolean },
): Promise<StateStore> {
  switch (location.kind) {
    case "sqlite": {
      const { openStateStore } = await import("../state/sqlite-store.js");
      return openStateStore(location.path, { readonly: Boolean(opts.readonly) });
    }
    case "s3": {
      const { openS3StateStore } = await import("../state/s3-store.js");
      return openS3StateStore({
        bucket: location.bucket,
        prefix: location.prefix,
        env: e.env,
        readonly: Boolean(opts.readonly),
        display: location.display,
        ...(e.awsProfile ? { profile: e.awsProfile } : {}),
      });
    }
    case "postgres": {
      const { openPostgresStateStore } = await import("../state/postgres-store.js");
      return openPostgresStateStore({
        url: location.url,
        env: e.env,
        readonly: Boolean(opts.readonly),
        display: location.display,
      });
    }
    default:
      return assertNever(location);
  }
}

/** Build the provider registry for a target. */
export async function openRegistry(e: ComposeEnv, o: RegistryOptions): Promise<ProviderRegistry> {
  if (o.target === "sandbox") {
    const { createSandboxRegistry, sandboxOptionsFromEnv } = await import(
      "../providers/sandbox/sandbox-provider.js"
    );
    // flags go through the same parser as the variables, so both are checked the same way
    const env: Record<string, string | undefined> = { ...e.env };
    for (const [key, [, , variable]] of Object.entries(SANDBOX_FLAGS)) {
      const value = o.sandboxFlags?.[key];
      if (value !== undefined) env[variable] = String(value);
    }
    const faults = sandboxOptionsFromEnv(env);
    return createSandboxRegistry({ dbPath: sandboxPath(e), faults, readonly: o.readonly });
  }
  const { createCloudRegistry } = await import("./cloud-registry.js");
  return createCloudRegistry(e, o);
}

export interface AppContextOptions {
  /** Answers the use cases' questions; by default every change is refused (CONFIRMATION_REQUIRED). */
  confirm?: (req: ConfirmRequest) => Promise<void>;
  reporter?: Reporter;
  /** Recorded with transactions and audit events (default "dpn (library)"). */
  command?: string;
  actor?: string;
  /** `--lock-lease` in seconds; else DPN_LOCK_LEASE; else the 60 s default. */
  lockLeaseSeconds?: number;
}

/**
 * The lock lease in ms: `seconds` (a flag) or DPN_LOCK_LEASE, 1 to 3600 s. Undefined for the
 * default. Throws LOCK_LEASE_INVALID (usage, exit 2) naming the value.
 */
export function lockLeaseMs(
  seconds: number | undefined,
  env: Record<string, string | undefined>,
): number | undefined {
  const raw = seconds !== undefined ? String(seconds) : env.DPN_LOCK_LEASE;
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > 3600)
    throw new DpnError(
      "usage",
      "LOCK_LEASE_INVALID",
      `lock lease '${raw}' is not a whole number of seconds from 1 to 3600`,
      {
        hint: "for example --lock-lease 60 (or DPN_LOCK_LEASE=60)",
        details: { value: raw, source: seconds !== undefined ? "--lock-lease" : "DPN_LOCK_LEASE" },
      },
    );
  return n * 1000;
}

/**
 * An AppContext over the state in `<cwd>/.dpn` (or `$DPN_HOME`) and the real providers: what the
 * CLI uses, for programs that call the use cases directly.
 */
export function appContext(e: ComposeEnv, o: AppContextOptions = {}): AppContext {
  const leaseMs = lockLeaseMs(o.lockLeaseSeconds, e.env);
  return {
    ...(leaseMs !== undefined ? { lockLeaseMs: leaseMs } : {}),
    openState: (s) => openState(e, s),
    openStateAt: (url, s) => openStateAt(e, url, s),
    openRegistry: (r) => openRegistry(e, r),
    ...(o.reporter ? { reporter: o.reporter } : {}),
    confirm:
      o.confirm ??
      (async () => {
        throw new DpnError(
          "aborted",
          "CONFIRMATION_REQUIRED",
          "this change needs confirmation; nothing was changed",
          {
            hint: "pass a confirm function to appContext() that approves the change",
          },
        );
      }),
    command: o.command ?? "dpn (library)",
    ...(o.actor ? { actor: o.actor } : {}),
  };
}

export function assertNever(x: never): never {
  throw new DpnError("internal", "UNREACHABLE", `unexpected value ${String(x)}`);
}
