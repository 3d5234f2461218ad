/**
 * Proof (issue 3): `dpn create --dry-run` changes nothing anywhere; `--json` prints exactly one
 * JSON document with the transaction id, the outcome and every operation with its timings; and
 * without a TTY and without --yes, create exits 9 and changes nothing.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { describeResult, runCli, tempProject } from "../support/cli.js";
import {
  addressesOf,
  blueprintAddresses,
  consistencyProblems,
  readStack,
  STG_BLUEPRINT,
} from "./sandbox-invariants.js";

const STACK = "dataplatform/stg";
const CREATE = ["create", "--blueprint", STG_BLUEPRINT, "--target", "sandbox"];

let all: string[] = [];
beforeAll(async () => {
  all = await blueprintAddresses(STG_BLUEPRINT, tempProject());
}, 30_000);

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** sha256 of the two database files (the -wal side files are compared through the dumps). */
function fileHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of ["state.db", "sandbox.db"]) out[f] = sha(join(dir, ".dpn", f));
  return out;
}

/** Every row of every table of both files, through a read-only connection (sees the WAL too). */
function dumps(dir: string, files = ["state.db", "sandbox.db"]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of files) {
    const db = new Database(join(dir, ".dpn", f), { readonly: true, fileMustExist: true });
    try {
      const tables = db
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all() as { name: string; sql: string }[];
      for (const t of tables) {
        out[`${f}:${t.name}:schema`] = t.sql;
        out[`${f}:${t.name}`] = db.prepare(`SELECT * FROM "${t.name}" ORDER BY rowid`).all();
      }
      out[`${f}:user_version`] = db.pragma("user_version", { simple: true });
    } finally {
      db.close();
    }
  }
  return out;
}

/** A stack with some resources created and some still to do (a kept partial run). */
async function partialStack(): Promise<string> {
  const dir = tempProject();
  const r = await runCli([...CREATE, "--yes", "--no-rollback"], {
    cwd: dir,
    env: { DPN_SANDBOX_FAIL_AFTER: "8" },
  });
  expect(r.code, describeResult(r)).toBe(5);
  expect(readStack(dir, STACK).ours.length).toBeGreaterThan(0);
  return dir;
}

describe("dpn create --dry-run changes nothing", () => {
  it("in an empty folder it creates no .dpn/ at all (plain and --json)", async () => {
    const dir = tempProject();
    const r = await runCli([...CREATE, "--dry-run"], { cwd: dir });
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/Plan: 23 to create/);
    const j = await runCli([...CREATE, "--dry-run", "--json", "--detailed-exitcode"], { cwd: dir });
    expect(j.code, describeResult(j)).toBe(10);
    expect((JSON.parse(j.stdout) as { dry_run: boolean }).dry_run).toBe(true);
    expect(existsSync(join(dir, ".dpn"))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("on an existing stack with pending changes, state.db and sandbox.db are byte-for-byte unchanged", async () => {
    const dir = await partialStack();
    const bytes = fileHashes(dir);
    const before = dumps(dir);
    for (const extra of [[], ["--json"], ["--detailed-exitcode"], ["--parallelism", "1"]]) {
      const r = await runCli([...CREATE, "--dry-run", ...extra], {
        cwd: dir,
        env: { DPN_SANDBOX_LATENCY_MS: "5" },
      });
      expect(r.code, describeResult(r)).toBe(extra[0] === "--detailed-exitcode" ? 10 : 0);
    }
    expect(fileHashes(dir)).toEqual(bytes);
    expect(dumps(dir)).toEqual(before);
  });
});

describe("dpn create --json", () => {
  interface Doc {
    transaction_id: string;
    outcome: string;
    started_at: string;
    duration_ms: number;
    operations: {
      address: string;
      action: string;
      phase: string;
      status: string;
      started_at?: string;
      duration_ms?: number;
      remote_id?: string;
    }[];
    error?: { code: string; exit_code: number };
  }

  it("prints exactly one JSON document: transaction id, outcome, every operation with timings", async () => {
    const dir = tempProject();
    const r = await runCli([...CREATE, "--yes", "--json"], { cwd: dir });
    expect(r.code, describeResult(r)).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc; // throws on anything but one document
    expect(r.stdout.trim().startsWith("{")).toBe(true);
    expect(doc.transaction_id).toMatch(/^tx_/);
    expect(doc.outcome).toBe("committed");
    expect(Date.parse(doc.started_at)).not.toBeNaN();
    expect(doc.duration_ms).toBeGreaterThanOrEqual(0);
    expect(doc.operations.map((o) => o.address).sort()).toEqual(all);
    for (const o of doc.operations) {
      expect(o).toMatchObject({ action: "create", phase: "forward", status: "succeeded" });
      expect(Date.parse(o.started_at ?? "")).not.toBeNaN();
      expect(o.duration_ms).toBeGreaterThanOrEqual(0);
      expect(o.remote_id).toBeTruthy();
    }
    // The document describes what is recorded.
    const v = readStack(dir, STACK);
    expect(v.transactions.map((t) => [t.id, t.status])).toEqual([[doc.transaction_id, "committed"]]);
    expect(consistencyProblems(v)).toEqual([]);
  });

  it("a failing run still prints one document: outcome rolled_back, forward and compensating steps, the error", async () => {
    const dir = tempProject();
    const r = await runCli([...CREATE, "--yes", "--json"], {
      cwd: dir,
      env: { DPN_SANDBOX_FAIL_AFTER: "5" },
    });
    expect(r.code, describeResult(r)).toBe(6);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.outcome).toBe("rolled_back");
    expect(doc.error).toMatchObject({ code: "APPLY_ROLLED_BACK", exit_code: 6 });
    const forward = doc.operations.filter((o) => o.phase === "forward" && o.status === "succeeded");
    const undone = doc.operations.filter((o) => o.phase === "compensate" && o.status === "succeeded");
    expect(forward.length).toBeGreaterThan(0);
    expect(undone.map((o) => o.address).sort()).toEqual(forward.map((o) => o.address).sort());
    for (const o of [...forward, ...undone]) expect(o.duration_ms).toBeGreaterThanOrEqual(0);
    expect(doc.operations.some((o) => o.status === "failed")).toBe(true);
    // Every resource appears (not-started ones too).
    expect(new Set(doc.operations.map((o) => o.address)).size).toBe(all.length);
  });
});

describe("dpn create without a TTY and without --yes", () => {
  it("exits 9 (CONFIRMATION_REQUIRED) and creates nothing in an empty folder", async () => {
    const dir = tempProject();
    const r = await runCli(CREATE, { cwd: dir });
    expect(r.code, describeResult(r)).toBe(9);
    expect(r.stderr).toContain("CONFIRMATION_REQUIRED");
    expect(r.stderr).toContain("--yes");
    expect(existsSync(join(dir, ".dpn")), "no .dpn/ may be created by a refused create").toBe(false);
  });

  it("exits 9 and changes nothing on an existing stack with pending changes", async () => {
    const dir = await partialStack();
    const before = dumps(dir, ["state.db"]);
    // A cluster's platform state moves on by itself (PENDING -> RUNNING); the sandbox records that
    // when the plan reads it. That is the simulated cloud, not a change made by dpn.
    const objects = () => readStack(dir, STACK).inventory.map(({ status: _status, ...o }) => o);
    const seen = objects();
    const r = await runCli(CREATE, { cwd: dir });
    expect(r.code, describeResult(r)).toBe(9);
    expect(r.stderr).toContain("CONFIRMATION_REQUIRED");
    expect(objects()).toEqual(seen);
    expect(dumps(dir, ["state.db"])).toEqual(before);
    expect(addressesOf(readStack(dir, STACK).ours).length).toBeLessThan(all.length);
  });
});
