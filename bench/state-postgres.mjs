// State backend benchmark: per-step journal write latency on PostgreSQL against SQLite, in the
// same run. One step is what the engine writes around one remote call: a durable intent, then a
// settlement (the outcome, the resource row and an audit event). Reported: p50/p95/max of the
// step, of the intent alone and of the settlement alone, over BENCH_STEPS steps (default 300).
//
// PostgreSQL: BENCH_POSTGRES_URL when set (a database the benchmark may fill; it uses a fresh
// schema of its own), else a throwaway server started here on loopback (initdb + pg_ctl, run as
// the `postgres` user when we are root, fsync on), stopped at the end. On loopback the figures
// are the server's commit cost (fsync) plus a few local round trips; over a network each write
// costs its round trips (an intent five, a settlement six): BENCH_RTT_MS (default "0,2") runs
// the steps again through a loopback proxy adding that round-trip time. SQLite: a file in a temp dir
// (WAL, synchronous=FULL); its settlement is group-committed with the next intent, so its
// "settle" is the enqueue and its "intent" carries the previous settlement's commit.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openPostgresStateStore } from "../dist/state/postgres-store.js";
import { openStateStore } from "../dist/state/sqlite-store.js";
import { machine, round } from "./lib.mjs";
import { startPostgres } from "./servers.mjs";

const STEPS = Number(process.env.BENCH_STEPS ?? 300);
/** Round-trip times to simulate between dpn and the server (a delaying loopback proxy), in ms. */
const RTTS = (process.env.BENCH_RTT_MS ?? "0,2").split(",").map(Number);
const WARMUP = 20;

function percentiles(values) {
  const s = [...values].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return {
    steps: s.length,
    p50_ms: round(q(0.5), 2),
    p95_ms: round(q(0.95), 2),
    max_ms: round(s[s.length - 1], 2),
  };
}

async function serverVersion(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query("SHOW server_version")).rows[0].server_version;
  } finally {
    await c.end();
  }
}

/**
 * A loopback TCP proxy that delays every chunk by rtt/2 in each direction (order kept), so the
 * cost of round trips shows as it would across a network.
 */
async function delayProxy(target, rttMs) {
  const half = rttMs / 2;
  const relay = (from, to) => {
    let last = 0;
    from.on("data", (d) => {
      const at = Math.max(Date.now() + half, last);
      last = at;
      setTimeout(() => to.write(d), at - Date.now());
    });
  };
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) s.on("error", () => undefined);
    relay(client, upstream);
    relay(upstream, client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

/** Remove the benchmark's schema from a database that is not ours. */
async function dropSchema(url, name) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  } finally {
    await c.end();
  }
}

/** Time STEPS steps (after WARMUP) on `store` under a lock, as the engine writes them. */
async function measure(store) {
  const stack = await store.ensureStack("bench", `b${randomBytes(3).toString("hex")}`);
  const lock = await store.tryLock(
    stack.id,
    { holderId: "bench", user: "bench", host: "bench", pid: process.pid },
    600_000,
  );
  if (!lock.acquired) throw new Error("bench lock not acquired");
  const txId = `tx-bench-${randomBytes(4).toString("hex")}`;
  await store.beginTransaction(
    {
      id: txId,
      stackId: stack.id,
      kind: "create",
      actor: "bench",
      command: "bench",
      target: "sandbox",
      pid: process.pid,
      host: "bench",
    },
    { version: 1, stackId: stack.id, desired: [] },
  );
  const step = [];
  const intent = [];
  const settle = [];
  for (let i = 0; i < STEPS + WARMUP; i++) {
    const address = `s3.bucket_${i}`;
    const t0 = performance.now();
    const e = await store.journalIntent({
      txId,
      phase: "forward",
      action: "create",
      address,
      type: "aws_s3_bucket",
      name: `bucket-${i}`,
      desired: {
        address,
        type: "aws_s3_bucket",
        name: `bucket-${i}`,
        properties: { region: "eu-west-1" },
        tags: {},
      },
      before: { absentAt: new Date().toISOString() },
    });
    const t1 = performance.now();
    const now = new Date().toISOString();
    await store.settleStep({
      outcomes: [{ id: e.id, status: "done", remoteId: `bucket-${i}` }],
      put: [
        {
          stackId: stack.id,
          address,
          type: "aws_s3_bucket",
          name: `bucket-${i}`,
          fullName: `bucket-${i}`,
          remoteId: `bucket-${i}`,
          properties: { region: "eu-west-1" },
          tags: { Project: "bench" },
          status: "active",
          txId,
          createdAt: now,
          updatedAt: now,
        },
      ],
      audit: [
        {
          at: now,
          actor: "bench",
          stackId: stack.id,
          txId,
          command: "bench",
          event: "resource.created",
          address,
        },
      ],
    });
    const t2 = performance.now();
    if (i >= WARMUP) {
      intent.push(t1 - t0);
      settle.push(t2 - t1);
      step.push(t2 - t0);
    }
  }
  await store.finishTransaction(txId, "committed");
  await store.releaseLock(stack.id, "bench");
  return { step: percentiles(step), intent: percentiles(intent), settle: percentiles(settle) };
}

const external = process.env.BENCH_POSTGRES_URL;
const server = external ? undefined : await startPostgres();
const baseUrl = external ?? server.url;
const dir = mkdtempSync(join(tmpdir(), "dpn-bench-sqlite-"));
const schema = `dpn_bench_${randomBytes(4).toString("hex")}`;
try {
  const url = `${baseUrl}${baseUrl.includes("?") ? "&" : "?"}schema=${schema}`;
  const display = url.replace(/(\/\/[^:/@]*):[^@/]*@/, "$1:***@");
  const postgres = [];
  for (const rtt of RTTS) {
    const target = new URL(url);
    const proxy = rtt > 0 ? await delayProxy(new URL(url), rtt) : undefined;
    if (proxy) target.host = `127.0.0.1:${proxy.port}`;
    const pgStore = await openPostgresStateStore({ url: target.toString(), env: process.env, display });
    try {
      postgres.push({ added_rtt_ms: rtt, ...(await measure(pgStore)) });
    } finally {
      await pgStore.close();
      await proxy?.close();
    }
  }
  const sqliteStore = openStateStore(join(dir, "state.db"));
  let sqlite;
  try {
    sqlite = await measure(sqliteStore);
  } finally {
    await sqliteStore.close();
  }
  process.stderr.write(
    `postgres step p50 ${postgres.map((p) => `${p.step.p50_ms} ms (+${p.added_rtt_ms} ms RTT)`).join(", ")}; sqlite ${sqlite.step.p50_ms} ms\n`,
  );
  console.log(
    JSON.stringify(
      {
        benchmark: "state-postgres",
        what: "per-step journal writes: durable intent + settlement (outcome, row, audit event)",
        postgres: {
          server: external ? "BENCH_POSTGRES_URL" : "throwaway server on loopback (fsync on)",
          location: display,
          version: await serverVersion(baseUrl),
          runs: postgres,
        },
        sqlite: { location: "temp file (WAL, synchronous=FULL, group commit)", ...sqlite },
        machine: machine(),
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (external) await dropSchema(baseUrl, schema);
  server?.stop();
}
