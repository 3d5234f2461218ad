/**
 * Choosing the stack a command acts on (one rule for every command), and the session a
 * single-stack use case works in: the open state, the stack, a registry opened on first use, and
 * the stack lock.
 */
import { loadBlueprint } from "../blueprint/load.js";
import { DpnError, usageError } from "../core/errors.js";
import { newLockHolder } from "../core/ids.js";
import type { ProvisionedType } from "../core/resources.js";
import { type HeldLock, withStackLock } from "../engine/lock.js";
import type { ProviderContext, ProviderRegistry, StackRecord, StateStore } from "../engine/ports.js";
import { assertNoUnfinished } from "../engine/recover.js";
import { type AppContext, type ProfileChoice, profilesOf, type Target } from "./context.js";
import { matchResources } from "./resource-select.js";

/** How a command names its stack: a blueprint's metadata, or project and environment. */
export interface StackSelector {
  blueprint?: string;
  project?: string;
  env?: string;
  /** The resource the command is about (`--resource-id`), to find the stack holding it. */
  resourceId?: string;
}

/** Whether the command line chose a stack (or a resource to find it by); else the rule falls back. */
export function hasStackChoice(o: StackSelector): boolean {
  return (o.blueprint ?? o.project ?? o.env ?? o.resourceId) !== undefined;
}

/**
 * The stack a command acts on, by one rule: `--blueprint` (its metadata) or `--project/--env`;
 * else the only stack; else the only stack holding `resourceId`; else `STACK_AMBIGUOUS` (usage,
 * exit 2) listing them. `STACK_NOT_FOUND` (usage, exit 2) when a named stack is not in the state.
 * Undefined when the state holds no stack and none was named.
 */
export async function selectStack(store: StateStore, o: StackSelector): Promise<StackRecord | undefined> {
  let project = o.project;
  let environment = o.env;
  if (o.blueprint) {
    const bp = loadBlueprint(o.blueprint);
    const meta = (bp.data as { metadata?: { project?: unknown; environment?: unknown } }).metadata ?? {};
    project = String(meta.project ?? "");
    environment = String(meta.environment ?? "");
  }
  if (project !== undefined || environment !== undefined) {
    if (!project || !environment) {
      throw usageError("STACK_SELECTOR_INCOMPLETE", "--project and --env must be given together", {
        hint: "for example --project dataplatform --env dev, or --blueprint blueprints/dev.json",
      });
    }
    const stack = await store.getStack(project, environment);
    if (!stack) {
      const known = (await store.listStacks()).map((s) => `${s.project}/${s.environment}`);
      throw usageError(
        "STACK_NOT_FOUND",
        `no stack for project '${project}' environment '${environment}' in the state`,
        {
          hint: known.length
            ? `known stacks: ${known.join(", ")}`
            : "nothing has been created yet: run `dpn create` first",
        },
      );
    }
    return stack;
  }
  const stacks = await store.listStacks();
  if (stacks.length <= 1) return stacks[0];
  if (o.resourceId) {
    const holding: StackRecord[] = [];
    for (const s of stacks)
      if (matchResources(await store.listResources(s.id), o.resourceId).length > 0) holding.push(s);
    if (holding.length === 1) return holding[0];
  }
  throw usageError("STACK_AMBIGUOUS", `the state holds ${stacks.length} stacks and none was chosen`, {
    hint: `choose one with --project P --env E or --blueprint F: ${stacks.map((s) => `${s.project}/${s.environment}`).join(", ")}`,
    details: { stacks: stacks.map((s) => s.id) },
  });
}

/** The error for a command that needs a stack when the state has none. */
export function noStackError(): DpnError {
  return new DpnError("usage", "STACK_NOT_FOUND", "the state holds no stack yet", {
    hint: "run `dpn create --blueprint <file>` first (or `dpn import --project P --env E ...`), in the folder whose .dpn/ holds the state",
  });
}

export interface Session {
  app: AppContext;
  store: StateStore;
  stack: StackRecord;
  target: Target;
  /** The provider registry, opened on first use (with the stack's region). */
  registry(types?: readonly ProvisionedType[]): Promise<ProviderRegistry>;
  /** Provider context for reads outside a transaction. */
  readContext(): Promise<ProviderContext>;
  close(): Promise<void>;
}

export interface SessionOptions extends StackSelector, ProfileChoice {
  target: Target;
  readonly: boolean;
  /** Choose (or create) the stack some other way than `selectStack` (import creates a named stack). */
  stack?: (store: StateStore) => Promise<StackRecord | undefined>;
}

/**
 * Open the state (read-only unless the command changes something), choose the stack, and prepare
 * a lazily opened registry. Throws STACK_NOT_FOUND (exit 2) when there is no stack to act on.
 */
export async function openSession(app: AppContext, o: SessionOptions): Promise<Session> {
  const store = await app.openState({ readonly: o.readonly });
  let registry: ProviderRegistry | undefined;
  // the types the open registry was built for (all when opened without a list)
  let loaded: Set<ProvisionedType> | "all" | undefined;
  try {
    const stack = o.stack ? await o.stack(store) : await selectStack(store, o);
    if (!stack) throw noStackError();
    return {
      app,
      store,
      stack,
      target: o.target,
      async registry(types) {
        const has = (t: ProvisionedType) => loaded === "all" || loaded?.has(t) === true;
        if (registry && (loaded === "all" || types?.every(has))) return registry;
        // (re)open for every type needed so far: registries load only the clients of their types
        const wanted =
          types === undefined || loaded === "all" ? "all" : new Set([...(loaded ?? []), ...types]);
        await registry?.close();
        registry = await app.openRegistry({
          target: o.target,
          ...profilesOf(o),
          ...withRegion(await stackRegion(store, stack.id)),
          ...(wanted === "all" ? {} : { types: [...wanted] }),
          readonly: o.readonly,
        });
        loaded = wanted;
        return registry;
      },
      async readContext() {
        const refs = new Map(
          (await store.listResources(stack.id)).map((r) => [r.address, r.remoteId] as const),
        );
        return { stackId: stack.id, txId: "read", actor: app.actor ?? "", resolveRef: (a) => refs.get(a) };
      },
      async close() {
        try {
          await registry?.close();
        } finally {
          await store.close();
        }
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}

const withRegion = (region: string | undefined) => (region ? { region } : {});

/**
 * The AWS region a stack lives in, from its recorded AWS resources (the blueprint's region), for
 * commands that run without a blueprint. Undefined when the stack has none.
 */
export async function stackRegion(store: StateStore, stackId: string): Promise<string | undefined> {
  for (const r of await store.listResources(stackId)) {
    const region = r.properties.region;
    if (typeof region === "string" && region) return region;
  }
  return undefined;
}

/**
 * Run `fn` under the stack lock after checking that no transaction is unfinished (STACK_LOCKED /
 * TX_UNFINISHED, exit 8).
 */
export function underLock<R>(
  session: Pick<Session, "store" | "stack" | "app">,
  o: { lockTimeoutMs?: number },
  fn: (held: HeldLock) => Promise<R>,
): Promise<R> {
  return withStackLock(
    session.store,
    session.stack.id,
    newLockHolder(),
    {
      timeoutMs: o.lockTimeoutMs ?? 0,
      ...(session.app.lockLeaseMs ? { leaseMs: session.app.lockLeaseMs } : {}),
      ...(session.app.reporter ? { reporter: session.app.reporter } : {}),
    },
    async (held) => {
      await assertNoUnfinished(session.store, session.stack.id);
      return fn(held);
    },
  );
}
