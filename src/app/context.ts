/**
 * What the use cases (src/app/) need from their caller: a way to open the state and the provider
 * registry, a reporter for engine events, and a confirmation port — the use case asks, the caller
 * answers (the CLI prompts on a TTY or takes `--yes`; a library caller decides in code). The CLI
 * builds one of these per command (src/compose/); so can any program that uses dpn as a library.
 */
import type { Reporter } from "../core/events.js";
import type { ProvisionedType } from "../core/resources.js";
import type { Plan, PlannedRemoval, PruneMode } from "../engine/plan.js";
import type {
  FieldChange,
  ProviderRegistry,
  ResourceRecord,
  StackRecord,
  StateStore,
} from "../engine/ports.js";

export type Target = "cloud" | "sandbox";

/**
 * The profiles a command names: `profile` for both clouds (`--profile`), `awsProfile` /
 * `databricksProfile` for one (`--aws-profile`, `--databricks-profile`); the specific one wins.
 */
export interface ProfileChoice {
  /** AWS / Databricks profile. */
  profile?: string;
  /** AWS shared-config profile; overrides `profile` for AWS. */
  awsProfile?: string;
  /** `~/.databrickscfg` profile; overrides `profile` for Databricks. */
  databricksProfile?: string;
}

/** The profile fields of `o` that are set (for spreading into another input). */
export function profilesOf(o: ProfileChoice): ProfileChoice {
  return {
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.awsProfile ? { awsProfile: o.awsProfile } : {}),
    ...(o.databricksProfile ? { databricksProfile: o.databricksProfile } : {}),
  };
}

/** What a registry is opened for. */
export interface RegistryRequest extends ProfileChoice {
  target: Target;
  /** Default AWS region (the blueprint's or the stack's), for reads by id and STS. */
  region?: string;
  /** The types the command will touch (a registry may load only the clients they need). */
  types?: readonly ProvisionedType[];
  /** Wait for new clusters to reach RUNNING. */
  wait?: boolean;
  /** Sandbox fault settings given as flags (override the DPN_SANDBOX_* variables). */
  sandboxFlags?: Record<string, unknown>;
  /** Reads only: a dry run must not create the sandbox file either. */
  readonly?: boolean;
}

/**
 * A question a use case asks before it changes something. `kind` says what is at stake, so a
 * caller can answer differently for each (and render the plan or the diff first).
 */
export type ConfirmRequest =
  | {
      kind: "apply-plan";
      question: string;
      plan: Plan;
      /** The removals are archived in the run (--prune) or deleted after its commit (--prune=delete). */
      prune?: PruneMode;
    }
  | { kind: "update-resource"; question: string; address: string; changes: FieldChange[] }
  | { kind: "delete-resource"; question: string; row: ResourceRecord; force: boolean }
  | {
      kind: "migrate-state";
      question: string;
      /** Redacted URLs. */
      from: string;
      to: string;
      stacks: string[];
    }
  | {
      kind: "rename-objects";
      question: string;
      /** The renames in their order: type, full name now and after. */
      renames: { type: string; from: string; to: string }[];
    }
  | {
      kind: "destroy-stack";
      question: string;
      stack: StackRecord;
      removals: PlannedRemoval[];
      force: boolean;
    };

export interface AppContext {
  /** Open the state; `readonly` opens without creating or changing anything. */
  openState(o: { readonly: boolean }): Promise<StateStore>;
  /**
   * Open the state at another URL (`dpn state migrate --to`); `location` is its redacted form.
   * Throws STATE_URL_INVALID (exit 2) for a URL dpn cannot use.
   */
  openStateAt(url: string, o: { readonly: boolean }): Promise<{ store: StateStore; location: string }>;
  /** Open the provider registry of a target. */
  openRegistry(o: RegistryRequest): Promise<ProviderRegistry>;
  /** Engine events (progress, locks); silent when omitted. */
  reporter?: Reporter;
  /**
   * Ask before a change. Resolve to go on; reject with a DpnError (kind `aborted`, exit 9) to
   * refuse — nothing has been changed when it is asked.
   */
  confirm(req: ConfirmRequest): Promise<void>;
  /** The command line (or program name), recorded with every transaction and audit event. */
  command: string;
  /** `user@host` for transaction records; the current user when omitted. */
  actor?: string;
  /**
   * Lease of the stack locks this context takes (renewed every third of it while the work
   * runs); 60 s when omitted. A holder that stops renewing loses the lock after it.
   */
  lockLeaseMs?: number;
}
