// Engine benchmark: on the sandbox with 50 ms latency per call, a 200-resource Unity Catalog
// blueprint whose longest dependency chain is 3 (catalog → schema → table). For each parallelism,
// the wall time of create (apply) and of a full rollback, divided by the critical-path bound: the
// latency sum of the provider calls made along the longest chain. Also reported: the ratio to the
// work bound max(chain bound, total calls × latency / parallelism), since with 200 resources and
// at most `parallelism` calls in flight the calls themselves cannot finish faster than that.
// And the schedule bound: the makespan of an ideal scheduler with no overhead at all (the same
// dependency graph, the same `parallelism`, every call exactly the sandbox latency, simulated
// below). With a fixed latency, calls go in waves, so the work bound is not reachable when the
// resources do not divide into full waves (200 at parallelism 64: 3 catalogs, then 11 schemas,
// then 186 tables in 3 waves = 5 × 50 ms, not 156 ms); the schedule bound is what is reachable.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { largeBlueprint } from "../dist/blueprint/generate-large.js";
import { parseBlueprint } from "../dist/blueprint/load.js";
import { resolveBlueprint } from "../dist/blueprint/resolve.js";
import { builtInConvention } from "../dist/config/load-convention.js";
import { applyPlan } from "../dist/engine/apply.js";
import { planChanges } from "../dist/engine/plan.js";
import { ReadCache } from "../dist/engine/read-cache.js";
import { createSandboxRegistry } from "../dist/providers/sandbox/sandbox-provider.js";
import { openStateStore } from "../dist/state/sqlite-store.js";
import { machine, round } from "./lib.mjs";

const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 50);
const N = Number(process.env.BENCH_RESOURCES ?? 200);
const LEVELS = (process.env.BENCH_PARALLELISM ?? "1,4,10,16,32,64").split(",").map(Number);
const CHAIN = ["dbx_catalog", "dbx_schema", "dbx_table"];

const bp = largeBlueprint(N, { mode: "uc" });
const resolved = resolveBlueprint(parseBlueprint(JSON.stringify(bp), "bench.json"), builtInConvention(), {});
if (resolved.problems.some((p) => p.severity !== "warning"))
  throw new Error(JSON.stringify(resolved.problems[0]));
const desired = resolved.resources;
const perType = (type) => desired.filter((d) => d.type === type).length;

/** Calls per resource of each chain type between two callCounts snapshots, then the chain's latency bound. */
function totalCalls(before, after) {
  let calls = 0;
  for (const [k, v] of Object.entries(after)) calls += v - (before[k] ?? 0);
  return calls;
}

function chainBound(before, after) {
  let ms = 0;
  for (const type of CHAIN) {
    let calls = 0;
    for (const [k, v] of Object.entries(after)) if (k.endsWith(`:${type}`)) calls += v - (before[k] ?? 0);
    ms += (calls / perType(type)) * LATENCY;
  }
  return ms;
}

/**
 * Makespan of list scheduling with zero overhead: `nodes` ({ id, deps, ms }) start in index order
 * as soon as their dependencies (among `nodes`) are done and fewer than `parallelism` run.
 */
function scheduleBound(nodes, parallelism) {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const pending = nodes.map((n) => n.deps.filter((d) => index.has(d)).length);
  const dependents = nodes.map(() => []);
  nodes.forEach((n, i) => {
    for (const d of n.deps) if (index.has(d)) dependents[index.get(d)].push(i);
  });
  const ready = pending.flatMap((c, i) => (c === 0 ? [i] : []));
  const running = [];
  let now = 0;
  while (ready.length || running.length) {
    ready.sort((a, b) => a - b);
    while (running.length < parallelism && ready.length) {
      const i = ready.shift();
      running.push([now + nodes[i].ms, i]);
    }
    running.sort((a, b) => a[0] - b[0]);
    now = running[0][0];
    while (running.length && running[0][0] === now) {
      const [, i] = running.shift();
      for (const d of dependents[i]) if (--pending[d] === 0) ready.push(d);
    }
  }
  return now;
}

/**
 * Milliseconds of provider calls per resource of each type between two callCounts snapshots,
 * over the resources of `among` that made them.
 */
function msPerType(before, after, among) {
  const out = {};
  for (const type of new Set(among.map((d) => d.type))) {
    let calls = 0;
    for (const [k, v] of Object.entries(after)) if (k.endsWith(`:${type}`)) calls += v - (before[k] ?? 0);
    out[type] = (calls / among.filter((d) => d.type === type).length) * LATENCY;
  }
  return out;
}

async function run(parallelism, failLast) {
  const dir = mkdtempSync(join(tmpdir(), "dpn-bench-engine-"));
  try {
    const store = openStateStore(join(dir, "state.db"));
    const registry = createSandboxRegistry({
      dbPath: join(dir, "sandbox.db"),
      // failing the last mutating call of the create makes the rollback undo everything else
      faults: { latencyMs: LATENCY, ...(failLast ? { failAfter: N - 1 } : {}) },
    });
    const stack = await store.ensureStack("bench", "dev");
    const cache = new ReadCache();
    const t0 = performance.now();
    const plan = await planChanges({ desired, stack, store, registry, cache, parallelism });
    const planMs = performance.now() - t0;
    const beforeApply = registry.callCounts();
    let rollbackStart = 0;
    let rollbackEnd = 0;
    let forwardCounts;
    const t1 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await applyPlan({
      plan,
      stack,
      store,
      registry,
      reporter: (e) => {
        if (e.event === "rollback.started") {
          rollbackStart = performance.now();
          forwardCounts = registry.callCounts();
        }
        if (e.event === "tx.finished") rollbackEnd = performance.now();
      },
      options: { parallelism, command: "bench", cache },
    });
    const applyMs = performance.now() - t1;
    const cpu = process.cpuUsage(cpu0);
    // CPU of this process during the apply (engine, state store and the in-process sandbox)
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const after = registry.callCounts();
    await registry.close();
    await store.close();
    if (!failLast) {
      if (result.outcome !== "committed") throw new Error(`create ended ${result.outcome}`);
      const bound = chainBound(beforeApply, after);
      const calls = totalCalls(beforeApply, after);
      const work = Math.max(bound, (calls * LATENCY) / parallelism);
      const ms = msPerType(beforeApply, after, desired);
      const schedule = scheduleBound(
        desired.map((d) => ({ id: d.address, deps: d.dependencies, ms: ms[d.type] })),
        parallelism,
      );
      return {
        plan_ms: round(planMs),
        create_ms: round(applyMs),
        create_cpu_ms: round(cpuMs),
        calls,
        bound_ms: round(bound),
        ratio: round(applyMs / bound, 2),
        work_bound_ms: round(work),
        ratio_to_work_bound: round(applyMs / work, 2),
        schedule_bound_ms: round(schedule),
        ratio_to_schedule_bound: round(applyMs / schedule, 2),
      };
    }
    if (result.outcome !== "rolled_back") throw new Error(`rollback run ended ${result.outcome}`);
    const rollbackMs = rollbackEnd - rollbackStart;
    const bound = chainBound(forwardCounts, after);
    const calls = totalCalls(forwardCounts, after);
    const work = Math.max(bound, (calls * LATENCY) / parallelism);
    // the rollback undoes what the run created (its succeeded forward steps), dependents first
    const created = new Set(
      result.operations
        .filter((o) => o.phase === "forward" && o.status === "succeeded")
        .map((o) => o.address),
    );
    const undone = desired.filter((d) => created.has(d.address));
    const dependentsOf = new Map(undone.map((d) => [d.address, []]));
    for (const d of undone) for (const dep of d.dependencies) dependentsOf.get(dep)?.push(d.address);
    const ms = msPerType(forwardCounts, after, undone);
    const schedule = scheduleBound(
      [...undone]
        .reverse()
        .map((d) => ({ id: d.address, deps: dependentsOf.get(d.address), ms: ms[d.type] })),
      parallelism,
    );
    return {
      rollback_ms: round(rollbackMs),
      run_cpu_ms: round(cpuMs),
      calls,
      bound_ms: round(bound),
      ratio: round(rollbackMs / bound, 2),
      work_bound_ms: round(work),
      ratio_to_work_bound: round(rollbackMs / work, 2),
      undone: undone.length,
      schedule_bound_ms: round(schedule),
      ratio_to_schedule_bound: round(rollbackMs / schedule, 2),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const p of LEVELS) {
  const create = await run(p, false);
  const rollback = await run(p, true);
  results.push({ parallelism: p, create, rollback });
  process.stderr.write(
    `parallelism ${p}: create ÷ work bound ${create.ratio_to_work_bound}, ÷ schedule bound ${create.ratio_to_schedule_bound}; rollback ${rollback.ratio_to_work_bound}, ${rollback.ratio_to_schedule_bound}\n`,
  );
}
console.log(
  JSON.stringify(
    {
      benchmark: "engine",
      resources: desired.length,
      latency_ms: LATENCY,
      longest_chain: CHAIN,
      results,
      // the machine may be shared: the load beside the wall times says how much
      load_average: loadavg().map((x) => round(x, 2)),
      machine: machine(),
    },
    null,
    2,
  ),
);
