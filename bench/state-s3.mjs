// State backend benchmark: per-step journal write latency (journalIntent + settleStep, each
// resolved, as the engine awaits them) on the S3 backend against a moto server this script starts
// on loopback (python3 -m moto.server), and on SQLite (a file on the local disk) in the same run.
// Loopback moto has none of S3's network latency, so the S3 figures are the client's own cost
// (SDK, signing, one conditional PUT per write) plus moto's; real S3 adds a round trip per PUT.
// Run after `npm run build`. Prints one JSON document.
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from "@aws-sdk/client-s3";
import { openS3StateStore } from "../dist/state/s3-store.js";
import { openStateStore } from "../dist/state/sqlite-store.js";
import { machine, round } from "./lib.mjs";
import { startMoto } from "./servers.mjs";

const STEPS = Number(process.env.BENCH_STEPS ?? 200);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const quantile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/** `STEPS` steps of one transaction under a held lock, as the engine writes them. */
async function measure(store) {
  const stack = await store.ensureStack("bench", "dev");
  const lock = await store.tryLock(
    stack.id,
    { holderId: "bench", user: "bench", host: hostname(), pid: process.pid },
    600_000,
  );
  if (!lock.acquired) throw new Error("bench lock not acquired");
  const txId = `tx-bench-${Date.now()}`;
  await store.beginTransaction(
    {
      id: txId,
      stackId: stack.id,
      kind: "create",
      actor: "bench",
      command: "bench",
      target: "sandbox",
      pid: process.pid,
      host: hostname(),
    },
    { version: 1, stackId: stack.id, desired: [] },
  );
  const ms = [];
  for (let i = 0; i < STEPS; i++) {
    const address = `s3.bucket_${i}`;
    const t0 = process.hrtime.bigint();
    const e = await store.journalIntent({
      txId,
      phase: "forward",
      action: "create",
      address,
      type: "aws_s3_bucket",
      name: address,
    });
    await store.settleStep({
      outcomes: [{ id: e.id, status: "done", remoteId: address }],
      put: [
        {
          stackId: stack.id,
          address,
          type: "aws_s3_bucket",
          name: address,
          fullName: address,
          remoteId: address,
          properties: { region: "us-east-1" },
          tags: {},
          status: "active",
          txId,
          createdAt: "",
          updatedAt: "",
        },
      ],
      audit: [
        {
          at: new Date().toISOString(),
          actor: "bench",
          stackId: stack.id,
          txId,
          command: "bench",
          event: "resource.created",
          address,
        },
      ],
    });
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await store.finishTransaction(txId, "committed");
  await store.releaseLock(stack.id, "bench");
  const s = [...ms].sort((a, b) => a - b);
  return {
    steps: STEPS,
    p50_ms: round(quantile(s, 0.5), 2),
    p95_ms: round(quantile(s, 0.95), 2),
    max_ms: round(s[s.length - 1], 2),
  };
}

const dir = mkdtempSync(join(tmpdir(), "dpn-bench-state-"));
const moto = await startMoto();
try {
  const sqlite = openStateStore(join(dir, "state.db"));
  const sqliteFigures = await measure(sqlite);
  await sqlite.close();

  const env = {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_REGION: "us-east-1",
    AWS_CONFIG_FILE: join(dir, "none"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const raw = new S3Client({
    region: "us-east-1",
    endpoint: moto.url,
    forcePathStyle: true,
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  });
  await raw.send(new CreateBucketCommand({ Bucket: "dpn-bench-state" }));
  await raw.send(
    new PutBucketVersioningCommand({
      Bucket: "dpn-bench-state",
      VersioningConfiguration: { Status: "Enabled" },
    }),
  );
  raw.destroy();
  const s3 = await openS3StateStore({
    bucket: "dpn-bench-state",
    prefix: "bench",
    env,
    display: "s3://dpn-bench-state/bench",
  });
  const before = s3.requests;
  const s3Figures = await measure(s3);
  const requests = s3.requests - before;
  await s3.close();

  console.log(
    JSON.stringify(
      {
        benchmark: "state-s3",
        what: "per-step journal write latency: journalIntent + settleStep (with one row and one audit event), awaited",
        machine: { ...machine(), host: hostname() },
        s3: {
          ...s3Figures,
          endpoint: "moto.server on loopback",
          requests_per_step: round(requests / STEPS, 2),
        },
        sqlite: { ...sqliteFigures, file: "local disk, WAL, synchronous=FULL" },
      },
      null,
      2,
    ),
  );
} finally {
  moto.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
