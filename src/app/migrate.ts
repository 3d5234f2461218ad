/**
 * `dpn migrate --plan out/migration.json`: carry out the in-place renames of a scan's migration
 * plan (Unity Catalog catalogs, schemas, tables and volumes, clusters, jobs) as one transaction that
 * renames everything back on failure. Every rename is checked against the live estate before
 * anything changes (the object still has its old name, the new name is free, no other stack
 * manages it); copy-and-archive and manual entries, and renames the platform's API cannot make,
 * are returned as not executed — a written plan.
 */
import { DpnError } from "../core/errors.js";
import { currentActor, stackIdFor } from "../core/ids.js";
import { isProvisionedType, type ProvisionedType } from "../core/resources.js";
import type {
  ProviderRegistry,
  RemoteObject,
  StackRecord,
  StateStore,
  StoredRename,
} from "../engine/ports.js";
import { type RenameStep, runRenames } from "../engine/rename-steps.js";
import type { TxResult } from "../engine/transaction.js";
import type { MigrationPlan, RenameEntry } from "../scan/migration.js";
import { type AppContext, type ProfileChoice, profilesOf, type Target } from "./context.js";
import { loadMigrationPlan } from "./migrate-plan.js";
import { openSession, type StackSelector, selectStack, underLock } from "./session.js";

export interface MigrateInput extends StackSelector, ProfileChoice {
  target: Target;
  /** The migration.json of `dpn scan --plan-migration`. */
  planFile: string;
  /** Check everything and return the renames; change nothing. */
  dryRun?: boolean;
  lockTimeoutMs?: number;
  /** Sandbox fault settings given as flags (override the DPN_SANDBOX_* variables). */
  sandboxFlags?: Record<string, unknown>;
}

/** One rename migrate carries out. */
export interface MigrateRename {
  object: string;
  type: ProvisionedType;
  /** The state address when this stack manages it; else the plan's object id. */
  address: string;
  /** True when this stack manages the object (its state row follows the rename). */
  managed: boolean;
  from: { name: string; full_name: string };
  to: { name: string; full_name: string };
  /** Rows of this stack inside a renamed container, whose full names move with it. */
  moved_rows: number;
}

/** A plan entry migrate does not carry out, and why. */
export interface NotExecuted {
  object: string;
  type: string;
  path: RenameEntry["path"];
  from: string;
  to: string;
  reason: string;
}

export interface MigrateResult {
  stack: StackRecord;
  renames: MigrateRename[];
  not_executed: NotExecuted[];
  /** Absent on a dry run. */
  tx?: TxResult;
}

const UC_CONTAINERS = new Set(["dbx_catalog", "dbx_schema"]);
const isUc = (t: string) => t.startsWith("dbx_") && t !== "dbx_cluster" && t !== "dbx_job";

/**
 * Run (or with `dryRun`, only check) the plan's in-place renames. Throws MIGRATE_PLAN_UNREADABLE
 * / MIGRATE_PLAN_INVALID for the file, MIGRATE_STACK_REQUIRED when no stack is named,
 * MIGRATE_PLAN_STALE (exit 11) listing every rename that no longer fits, MIGRATE_OWNED_ELSEWHERE
 * (exit 3) — all before any change — and the lock's and confirmation's errors. A failed run
 * comes back as `tx` with its error (rolled back: exit 6).
 */
export async function migrate(app: AppContext, input: MigrateInput): Promise<MigrateResult> {
  const plan = loadMigrationPlan(input.planFile);
  const dryRun = input.dryRun === true;
  const session = await openSession(app, {
    target: input.target,
    ...profilesOf(input),
    readonly: dryRun,
    stack: (store) => stackFor(store, input, plan, dryRun),
  });
  let registry: ProviderRegistry | undefined;
  try {
    // Only what migrate may rename is read: a plan's S3 and Glue moves need no AWS credentials.
    const types = [
      ...new Set(
        plan.renames
          .filter((r) => r.path === "rename_in_place")
          .map((r) => r.type)
          .filter((t): t is ProvisionedType => isProvisionedType(t)),
      ),
    ];
    registry = await app.openRegistry({
      target: input.target,
      ...profilesOf(input),
      // tables and volumes share a schema's namespace: a new name must be free of both
      types:
        types.includes("dbx_volume") || types.includes("dbx_table")
          ? [...new Set<ProvisionedType>([...types, "dbx_table", "dbx_volume"])]
          : types,
      readonly: dryRun,
      ...(input.sandboxFlags ? { sandboxFlags: input.sandboxFlags } : {}),
    });
    if (types.length) await registry.preflight(types);
    const { steps, renames, notExecuted } = split(plan, registry);
    const reg = registry;
    const check = () => checkRenames(session.store, reg, session.stack, steps, renames);
    if (dryRun) {
      await check();
      return { stack: session.stack, renames, not_executed: notExecuted };
    }
    if (steps.length === 0) return { stack: session.stack, renames, not_executed: notExecuted };
    return await underLock(session, input, async () => {
      await check();
      await app.confirm({
        kind: "rename-objects",
        question: `Rename ${steps.length} object(s) on ${input.target}? Consumers that use the old names break (see the plan's breaks).`,
        renames: renames.map((r) => ({ type: r.type, from: r.from.full_name, to: r.to.full_name })),
      });
      const tx = await runRenames({
        store: session.store,
        registry: reg,
        stack: session.stack,
        steps,
        ...(app.reporter ? { reporter: app.reporter } : {}),
        options: {
          command: app.command,
          target: session.target,
          actor: app.actor ?? currentActor(),
          parallelism: 1,
        },
      });
      return { stack: session.stack, renames, not_executed: notExecuted, tx };
    });
  } finally {
    try {
      await registry?.close();
    } finally {
      await session.close();
    }
  }
}

/**
 * The stack the migration is recorded in: the options' choice, else the plan's filters (created
 * when new), else the state's only stack (STACK_AMBIGUOUS when it holds several).
 */
async function stackFor(
  store: StateStore,
  input: StackSelector,
  plan: MigrationPlan,
  dryRun: boolean,
): Promise<StackRecord> {
  if (input.blueprint || input.project || input.env) {
    const chosen = await selectStack(store, input).catch(async (e) => {
      if (!(e instanceof DpnError) || e.code !== "STACK_NOT_FOUND" || !input.project || !input.env) throw e;
      return undefined;
    });
    if (chosen) return chosen;
    return named(store, input.project as string, input.env as string, dryRun);
  }
  const { project, environment } = plan.filters;
  if (project && environment) return named(store, project, environment, dryRun);
  const only = await selectStack(store, {});
  if (only) return only;
  throw new DpnError(
    "usage",
    "MIGRATE_STACK_REQUIRED",
    "dpn migrate records its transaction in a stack, and neither --project/--env nor the plan's filters name one",
    {
      hint: "Pass --project P --env E (the stack whose lock, journal and audit the renames go to), or scan with --project and --env.",
    },
  );
}

async function named(store: StateStore, project: string, env: string, dryRun: boolean): Promise<StackRecord> {
  const known = await store.getStack(project, env);
  if (known) return known;
  if (!dryRun) return store.ensureStack(project, env);
  return { id: stackIdFor(project, env), project, environment: env, createdAt: new Date().toISOString() };
}

/** The executable renames in order, with each object's identity when its turn comes; the rest as not executed. */
function split(
  plan: MigrationPlan,
  registry: ProviderRegistry,
): { steps: RenameStep[]; renames: MigrateRename[]; notExecuted: NotExecuted[] } {
  const steps: RenameStep[] = [];
  const renames: MigrateRename[] = [];
  const notExecuted: NotExecuted[] = [];
  // old full name → new, of the container renames carried out before (lower case: UC folds it)
  const moved: { from: string; to: string; address: string }[] = [];
  for (const r of plan.renames) {
    const skip = (reason: string) =>
      notExecuted.push({
        object: r.object,
        type: r.type,
        path: r.path,
        from: r.from.full_name,
        to: r.to.full_name,
        reason,
      });
    if (r.path === "copy_and_archive") {
      skip(
        `not executed by migrate: ${r.type} names cannot change in place; the plan's steps copy and archive (a written plan)`,
      );
      continue;
    }
    if (r.path === "manual" || !isProvisionedType(r.type)) {
      skip("not executed by migrate: rename it with the platform's own tools (a written plan)");
      continue;
    }
    const type = r.type;
    const containers = moved.filter((m) => r.from.full_name.toLowerCase().startsWith(`${m.from}.`));
    const outer = containers.sort((a, b) => b.from.length - a.from.length)[0];
    const fromFull = outer ? `${outer.to}${r.from.full_name.slice(outer.from.length)}` : r.from.full_name;
    if (!registry.get(type).rename) {
      const now = fromFull === r.from.full_name ? "" : ` (after this migration it is ${fromFull})`;
      skip(
        `not executed by migrate: ${type} cannot be renamed in place on this target${now} (a written plan)`,
      );
      continue;
    }
    const id = isUc(type) ? undefined : remoteIdOf(r);
    if (!isUc(type) && id === undefined)
      throw new DpnError(
        "validation",
        "MIGRATE_PLAN_INVALID",
        `The migration plan's rename of ${r.object} names no ${type === "dbx_job" ? "job_id" : "cluster_id"}`,
        {
          hint: "Clusters and jobs are renamed by id: scan again so the plan carries it.",
          details: { object: r.object },
        },
      );
    const from = { name: r.from.name, fullName: fromFull, remoteId: id ?? fromFull.toLowerCase() };
    const to = { name: r.to.name, fullName: r.to.full_name, remoteId: id ?? r.to.full_name.toLowerCase() };
    steps.push({ address: r.object, type, from, to, dependsOn: containers.map((c) => c.address) });
    renames.push({
      object: r.object,
      type,
      address: r.object,
      managed: false,
      from: r.from,
      to: r.to,
      moved_rows: 0,
    });
    if (UC_CONTAINERS.has(type))
      moved.push({
        from: r.from.full_name.toLowerCase(),
        to: r.to.full_name.toLowerCase(),
        address: r.object,
      });
  }
  return { steps, renames, notExecuted };
}

/** A cluster's or job's id, from the plan's API call. */
function remoteIdOf(r: RenameEntry): string | undefined {
  const body = r.operation.body as { cluster_id?: unknown; job_id?: unknown } | undefined;
  const id = body?.cluster_id ?? body?.job_id;
  return id === undefined || id === null ? undefined : String(id);
}

/**
 * Check every step against the live estate and the state, reads only; fills in ownership (the
 * state address and the rows that move). Throws MIGRATE_PLAN_STALE listing every rename that no
 * longer fits, MIGRATE_OWNED_ELSEWHERE when another stack manages an object or rows inside a
 * renamed container.
 */
async function checkRenames(
  store: StateStore,
  registry: ProviderRegistry,
  stack: StackRecord,
  steps: RenameStep[],
  renames: MigrateRename[],
): Promise<void> {
  // The checks fill these in; a second run (under the lock) starts from the plan again.
  for (const [i, r] of renames.entries()) {
    r.managed = false;
    r.address = r.object;
    r.moved_rows = 0;
    const s = steps[i];
    if (s) s.address = r.object;
  }
  const ctx = { stackId: stack.id, txId: "read", actor: "", resolveRef: () => undefined };
  const stale: string[] = [];
  const elsewhere: string[] = [];
  const stacks = await store.listStacks();
  const rows = new Map(
    await Promise.all(stacks.map(async (s) => [s.id, await store.listResources(s.id)] as const)),
  );
  const listed = new Map<ProvisionedType, Promise<RemoteObject[]>>();
  const listOf = (t: ProvisionedType) => {
    let p = listed.get(t);
    if (!p) {
      p = registry.get(t).list?.(ctx) ?? Promise.resolve([]);
      listed.set(t, p);
    }
    return p;
  };
  for (const [i, step] of steps.entries()) {
    const r = renames[i] as MigrateRename;
    const provider = registry.get(step.type);
    // Before the run, every object still has its plan's full name.
    const original: StoredRename["from"] = {
      ...step.from,
      fullName: r.from.full_name,
      remoteId: isUc(step.type) ? r.from.full_name.toLowerCase() : step.from.remoteId,
    };
    const live = await provider.read(original.remoteId, ctx);
    if (!live || live.name.toLowerCase() !== original.name.toLowerCase()) {
      stale.push(`${r.object}: no ${step.type} is named ${r.from.full_name} any more`);
      continue;
    }
    if (live.ownership && live.ownership.stackId !== stack.id) {
      elsewhere.push(`${r.object} is managed by stack ${live.ownership.stackId} (${live.ownership.address})`);
      continue;
    }
    if (live.ownership) {
      const row = (rows.get(stack.id) ?? []).find((x) => x.address === live.ownership?.address);
      if (row) {
        r.managed = true;
        r.address = row.address;
        step.address = row.address;
      }
    }
    // The new name must be free in the container as it is now.
    const parent = r.from.full_name.split(".").slice(0, -1);
    const target = [...parent, step.to.name].join(".");
    if (isUc(step.type)) {
      const rivals: ProvisionedType[] =
        step.type === "dbx_volume" || step.type === "dbx_table" ? ["dbx_volume", "dbx_table"] : [step.type];
      for (const t of rivals)
        if (await registry.get(t).read(target.toLowerCase(), ctx))
          stale.push(`${r.object}: the new name ${target} is taken by a ${t}`);
    } else {
      const same = (await listOf(step.type)).find(
        (o) => o.remoteId !== live.remoteId && o.name === step.to.name,
      );
      if (same)
        stale.push(`${r.object}: the new name ${step.to.name} is taken by ${step.type} ${same.remoteId}`);
    }
    if (UC_CONTAINERS.has(step.type)) {
      const prefix = `${original.remoteId}.`;
      for (const s of stacks) {
        const inside = (rows.get(s.id) ?? []).filter((x) => x.remoteId.toLowerCase().startsWith(prefix));
        if (s.id !== stack.id && inside.length)
          elsewhere.push(
            `${r.object} holds ${inside.map((x) => x.address).join(", ")} of stack ${s.id}, whose full names would change`,
          );
        if (s.id === stack.id) r.moved_rows = inside.length;
      }
    }
  }
  // Fix the dependency addresses of steps whose container turned out to be managed.
  const byObject = new Map(renames.map((r, i) => [r.object, steps[i]?.address ?? r.object]));
  for (const s of steps) s.dependsOn = s.dependsOn.map((a) => byObject.get(a) ?? a);
  if (elsewhere.length)
    throw new DpnError(
      "validation",
      "MIGRATE_OWNED_ELSEWHERE",
      `dpn migrate would change what another stack manages: ${elsewhere.join("; ")}`,
      {
        hint: "Run the migration with --project/--env of that stack, or leave those renames out of the plan (scan with --project/--env).",
        details: { problems: elsewhere },
      },
    );
  if (stale.length)
    throw new DpnError(
      "stale",
      "MIGRATE_PLAN_STALE",
      `The migration plan no longer fits the estate; nothing was renamed: ${stale.join("; ")}`,
      {
        hint: "Scan again (`dpn scan --plan-migration <dir> --force`) and migrate with the new plan.",
        details: { problems: stale },
      },
    );
}
