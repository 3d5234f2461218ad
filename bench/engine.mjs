// Engine benchmark: on the sandbox with 50 ms latency per call, a 200-resource Unity Catalog
// blueprint whose longest dependency chain is 3 (catalog → schema → table). For each parallelism,
// the wall time of create (apply) and of a full rollback, divided by the critical-path bound: the
// latency sum of the provider calls made along the longest chain. Also reported: the ratio to the
// work bound max(chain bound, total calls × latency / parallelism), since with 200 resources and
// at most `parallelism` calls in flight the calls themselves cannot finish faster than that.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
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
const LEVELS = (process.env.BENCH_PARALLELISM ?? "1,4,10,16,32").split(",").map(Number);
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

async function run(parallelism, failLast) {
  const dir = mkdtempSync(join(tmpdir(), "dpn-bench-engine-"));
  try {
    const store = openStateStore(join(dir, "state.db"));
    const registry = createSandboxRegistry({
      dbPath: join(dir, "sandbox.db"),
      // failing the last mutating call of the create makes the rollback undo everything else
      faults: { latencyMs: LATENCY, ...(failLast ? { failAfter: N - 1 } : {}) },
    });
    const stack = store.ensureStack("bench", "dev");
    const cache = new ReadCache();
    const t0 = performance.now();
    const plan = await planChanges({ desired, stack, store, registry, cache, parallelism });
    const planMs = performance.now() - t0;
    const beforeApply = registry.callCounts();
    let rollbackStart = 0;
    let rollbackEnd = 0;
    let forwardCounts;
    const t1 = performance.now();
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
    const after = registry.callCounts();
    await registry.close();
    store.close();
    if (!failLast) {
      if (result.outcome !== "committed") throw new Error(`create ended ${result.outcome}`);
      const bound = chainBound(beforeApply, after);
      const calls = totalCalls(beforeApply, after);
      const work = Math.max(bound, (calls * LATENCY) / parallelism);
      return {
        plan_ms: round(planMs),
        create_ms: round(applyMs),
        calls,
        bound_ms: round(bound),
        ratio: round(applyMs / bound, 2),
        work_bound_ms: round(work),
        ratio_to_work_bound: round(applyMs / work, 2),
      };
    }
    if (result.outcome !== "rolled_back") throw new Error(`rollback run ended ${result.outcome}`);
    const rollbackMs = rollbackEnd - rollbackStart;
    const bound = chainBound(forwardCounts, after);
    const calls = totalCalls(forwardCounts, after);
    const work = Math.max(bound, (calls * LATENCY) / parallelism);
    return {
      rollback_ms: round(rollbackMs),
      calls,
      bound_ms: round(bound),
      ratio: round(rollbackMs / bound, 2),
      work_bound_ms: round(work),
      ratio_to_work_bound: round(rollbackMs / work, 2),
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
  process.stderr.write(`parallelism ${p}: create ratio ${create.ratio}, rollback ratio ${rollback.ratio}\n`);
}
console.log(
  JSON.stringify(
    {
      benchmark: "engine",
      resources: desired.length,
      latency_ms: LATENCY,
      longest_chain: CHAIN,
      results,
      machine: machine(),
    },
    null,
    2,
  ),
);
