// State backend benchmark, whole process: `dpn create --target sandbox --yes` of a generated
// 200-resource blueprint with the state on each backend — SQLite (a local file), S3 (a moto server
// this script starts on loopback) and PostgreSQL (a throwaway server this script starts on
// loopback) — then the unchanged blueprint again ("Nothing to do"). A fresh
// state and sandbox per run; the median of BENCH_RUNS runs (default 3). The sandbox has no
// latency, so the figures are dpn's own cost plus the backend's.
// Run after `npm run build`. Prints one JSON document.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { largeBlueprint } from "../dist/blueprint/generate-large.js";
import { machine, round, runDpn, stats } from "./lib.mjs";
import { startMoto, startPostgres } from "./servers.mjs";

const N = Number(process.env.BENCH_RESOURCES ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const work = mkdtempSync(join(tmpdir(), "dpn-bench-state-apply-"));
const blueprint = join(work, "bp.json");
writeFileSync(blueprint, JSON.stringify(largeBlueprint(N, { mode: "uc" })));
const ARGS = ["create", "--blueprint", blueprint, "--target", "sandbox", "--yes"];

const moto = await startMoto();
const pg = await startPostgres();
const awsEnv = {
  AWS_ENDPOINT_URL: moto.url,
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  AWS_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};
const s3 = new S3Client({
  endpoint: moto.url,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "b", secretAccessKey: "b" },
});

let serial = 0;
const backends = {
  sqlite: async (dir) => `sqlite:${join(dir, "state.db")}`,
  s3: async () => {
    const bucket = `dpn-bench-${process.pid}-${serial++}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    return `s3://${bucket}/dpn`;
  },
  postgres: async () => {
    const db = `dpn_bench_${process.pid}_${serial++}`;
    await pg.createDatabase(db);
    return pg.urlOf(db);
  },
};

const results = {};
try {
  for (const [name, fresh] of Object.entries(backends)) {
    const create = [];
    const rerun = [];
    for (let i = 0; i < RUNS; i++) {
      const dir = mkdtempSync(join(work, `${name}-`));
      const env = {
        ...process.env,
        ...awsEnv,
        NO_COLOR: "1",
        DPN_STATE: await fresh(dir),
        DPN_SANDBOX_DB: join(dir, "sandbox.db"),
      };
      const a = runDpn(ARGS, { cwd: dir, env });
      if (a.status !== 0) throw new Error(`${name}: create exited ${a.status}\n${a.stderr}`);
      create.push(a.wallMs);
      const b = runDpn(ARGS, { cwd: dir, env });
      if (b.status !== 0 || !/Nothing to do/.test(b.stdout))
        throw new Error(`${name}: re-run exited ${b.status}\n${b.stderr}`);
      rerun.push(b.wallMs);
    }
    results[name] = { create_ms: stats(create), rerun_ms: stats(rerun) };
  }
  const base = results.sqlite.create_ms.median;
  for (const r of Object.values(results)) r.create_vs_sqlite = round(r.create_ms.median / base, 2);
  console.log(
    JSON.stringify(
      {
        benchmark: "state-apply",
        resources: N,
        runs: RUNS,
        machine: machine(),
        load_average: loadavg().map((x) => round(x, 2)),
        note: "whole process; sandbox without latency; S3 is moto on loopback (no network round trip), PostgreSQL a local server",
        results,
      },
      null,
      2,
    ),
  );
} finally {
  s3.destroy();
  moto.stop();
  pg.stop();
  rmSync(work, { recursive: true, force: true });
}
