/**
 * Composition root: the only place that wires concrete state and providers to the engine.
 * Heavy modules (SQLite, AWS SDK, the Databricks client) are imported lazily, per command.
 */
import { join } from "node:path";
import { DpnError } from "../core/errors.js";
import type { ProvisionedType } from "../core/resources.js";
import type { ProviderRegistry, StateStore } from "../engine/ports.js";
import type { CliContext } from "./context.js";
import { SANDBOX_FLAGS } from "./sandbox-flags.js";

export type Target = "cloud" | "sandbox";

/** `.dpn/` of the project the command runs in (`DPN_HOME` overrides, for tests and CI). */
export function dpnDir(ctx: CliContext): string {
  return ctx.env.DPN_HOME ? ctx.env.DPN_HOME : join(ctx.cwd, ".dpn");
}

export function statePath(ctx: CliContext): string {
  return join(dpnDir(ctx), "state.db");
}

export function sandboxPath(ctx: CliContext): string {
  return join(dpnDir(ctx), "sandbox.db");
}

/**
 * Open the state store. `readonly` opens without creating or changing anything (a missing file
 * reads as empty), for dry runs and read-only commands.
 */
export async function openState(ctx: CliContext, opts: { readonly?: boolean } = {}): Promise<StateStore> {
  const { openStateStore } = await import("../state/sqlite-store.js");
  return openStateStore(statePath(ctx), { readonly: Boolean(opts.readonly) });
}

export interface RegistryOptions {
  target: Target;
  profile?: string;
  /** Default AWS region (the blueprint's), for reads by id and STS. */
  region?: string;
  wait?: boolean;
  /** Sandbox fault flags as given (keys of SANDBOX_FLAGS); they override the DPN_SANDBOX_* variables. */
  sandboxFlags?: Record<string, unknown>;
  /** Dry runs must not create the sandbox file either. */
  readonly?: boolean;
}

/** Build the provider registry for a target. */
export async function openRegistry(ctx: CliContext, o: RegistryOptions): Promise<ProviderRegistry> {
  if (o.target === "sandbox") {
    const { createSandboxRegistry, sandboxOptionsFromEnv } = await import(
      "../providers/sandbox/sandbox-provider.js"
    );
    // flags go through the same parser as the variables, so both are checked the same way
    const env: Record<string, string | undefined> = { ...ctx.env };
    for (const [key, [, , variable]] of Object.entries(SANDBOX_FLAGS)) {
      const value = o.sandboxFlags?.[key];
      if (value !== undefined) env[variable] = String(value);
    }
    const faults = sandboxOptionsFromEnv(env);
    return createSandboxRegistry({ dbPath: sandboxPath(ctx), faults, readonly: o.readonly });
  }
  const { createCloudRegistry } = await import("./cloud-registry.js");
  return createCloudRegistry(ctx, o);
}

/**
 * The AWS region a stack lives in, from its recorded AWS resources (the blueprint's region), for
 * commands that run without a blueprint. Undefined when the stack has none.
 */
export function stackRegion(store: StateStore, stackId: string): string | undefined {
  for (const r of store.listResources(stackId)) {
    const region = r.properties.region;
    if (typeof region === "string" && region) return region;
  }
  return undefined;
}

/** Types used by a set of resources, for preflight checks. */
export function typesOf(resources: { type: ProvisionedType }[]): ProvisionedType[] {
  return [...new Set(resources.map((r) => r.type))];
}

export function assertNever(x: never): never {
  throw new DpnError("internal", "UNREACHABLE", `unexpected value ${String(x)}`);
}
