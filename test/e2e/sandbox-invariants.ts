/**
 * Shared checks for the sandbox e2e tests: read the state file and the sandbox file of a project
 * folder (read-only) and verify the guarantees of issue 3 — no orphans, no phantom rows, no
 * unfinished transactions. Also small utilities (bounded pool, folder copy) the crash tests use.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ResourceRecord, TransactionRecord } from "../../src/engine/ports.js";
import { openSandboxInventory, type SandboxObject } from "../../src/providers/sandbox/sandbox-provider.js";
import { openSqliteDb } from "../../src/state/sqlite-store.js";
import { describeResult, REPO_ROOT, runCli } from "../support/cli.js";

export const STG_BLUEPRINT = join(REPO_ROOT, "examples/blueprints/stg.json");
export const DEV_BLUEPRINT = join(REPO_ROOT, "examples/blueprints/dev.json");

export interface StackView {
  inventory: SandboxObject[];
  /** Inventory objects carrying this stack's ownership marker. */
  ours: SandboxObject[];
  rows: ResourceRecord[];
  transactions: TransactionRecord[];
  unfinished: TransactionRecord[];
}

/** Read `<dir>/.dpn/{state,sandbox}.db` without changing them. */
export function readStack(dir: string, stackId: string): StackView {
  const inventory = openSandboxInventory(join(dir, ".dpn", "sandbox.db"));
  const store = openSqliteDb(join(dir, ".dpn", "state.db"), { readonly: true });
  try {
    const stack = store.listStacks().find((s) => s.id === stackId);
    return {
      inventory,
      ours: inventory.filter((o) => o.ownership?.stackId === stackId),
      rows: stack ? store.listResources(stackId) : [],
      transactions: store.listTransactions({ stackId }),
      unfinished: store.unfinishedTransactions(stackId),
    };
  } finally {
    store.close();
  }
}

/**
 * Problems with the stack in `dir` (empty when consistent):
 * - orphan: an object with our marker has no state row (or a row pointing elsewhere);
 * - phantom: a state row has no live object of ours in the sandbox;
 * - duplicate: two objects carry the same address marker;
 * - unfinished: a transaction is still running/interrupted, or its rollback failed.
 */
export function consistencyProblems(v: StackView): string[] {
  const problems: string[] = [];
  const rowsByAddress = new Map(v.rows.map((r) => [r.address, r]));
  const seen = new Set<string>();
  for (const o of v.ours) {
    const addr = o.ownership?.address ?? "";
    if (seen.has(addr)) problems.push(`duplicate: two sandbox objects carry address ${addr}`);
    seen.add(addr);
    const row = rowsByAddress.get(addr);
    if (!row) problems.push(`orphan: ${o.type} ${o.remoteId} (${addr}) has no state row`);
    else if (row.remoteId !== o.remoteId || row.type !== o.type)
      problems.push(`orphan: ${o.type} ${o.remoteId} (${addr}) but the row says ${row.type} ${row.remoteId}`);
  }
  for (const r of v.rows) {
    const live = v.inventory.find(
      (o) => o.type === r.type && o.remoteId === r.remoteId && o.account === "self",
    );
    if (!live) problems.push(`phantom: state row ${r.address} (${r.remoteId}) has no sandbox object`);
  }
  for (const t of v.unfinished) problems.push(`unfinished: ${t.id} is ${t.status}`);
  for (const t of v.transactions)
    if (t.status === "rollback_failed") problems.push(`unfinished: ${t.id} is rollback_failed`);
  return problems;
}

export const addressesOf = (objs: { ownership: { address: string } | null }[]): string[] =>
  objs.map((o) => o.ownership?.address ?? "").sort();

/** Addresses (sorted) and counts of a blueprint, from `dpn create --dry-run --json` in an empty dir. */
export async function blueprintAddresses(blueprint: string, cwd: string): Promise<string[]> {
  const r = await runCli(["create", "--blueprint", blueprint, "--target", "sandbox", "--dry-run", "--json"], {
    cwd,
  });
  if (r.code !== 0) throw new Error(`dry run failed: ${describeResult(r)}`);
  const doc = JSON.parse(r.stdout) as { operations: { address: string }[] };
  return doc.operations.map((o) => o.address).sort();
}

/**
 * Copy `<from>/.dpn` to `<to>/.dpn` as a crashed process left it: database files and their WAL,
 * not the `-shm` index (SQLite rebuilds it from the WAL, as after a reboot).
 */
export function copyDpnDir(from: string, to: string): void {
  const src = join(from, ".dpn");
  const dst = join(to, ".dpn");
  mkdirSync(dst, { recursive: true });
  if (!existsSync(src)) return;
  for (const f of readdirSync(src)) if (!f.endsWith("-shm")) copyFileSync(join(src, f), join(dst, f));
}

/** Run `fn` over `items` with at most `size` in flight; results in input order. */
export async function pool<T, R>(
  items: T[],
  size: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}
