// AWS call counts of `dpn create` against moto (issue 16): a generated estate of 200 buckets,
// 20 Glue databases and 40 tables is created, then the unchanged blueprint runs again. Every HTTP
// request is counted by a loopback proxy in front of a moto server this script starts itself
// (python3 with moto[server]; DPN_TEST_PYTHON to choose another). The re-run is measured twice:
// with the default full refresh and with `--refresh quick`. Prints one JSON document.
// Build first: `npm run build && node bench/aws-calls.mjs [buckets databases tablesPerDatabase]`.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DPN, machine, round } from "./lib.mjs";
import { startMoto } from "./servers.mjs";

const [buckets = 200, databases = 20, perDb = 2] = process.argv.slice(2).map(Number);

/** A forwarding proxy that names each request: Glue by X-Amz-Target, STS, S3 by method. */
async function countingProxy(port) {
  const counts = {};
  const server = createServer((req, res) => {
    const target = req.headers["x-amz-target"];
    const name = target
      ? `glue:${String(target).replace(/^AWSGlue\./, "")}`
      : req.method === "POST" && req.url === "/"
        ? "sts:POST"
        : `s3:${req.method}`;
    counts[name] = (counts[name] ?? 0) + 1;
    const up = request(
      { host: "127.0.0.1", port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, counts, server };
}

function letters(i) {
  // purposes/domains in letters only (every naming pattern accepts them)
  let s = "";
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

function estate() {
  const cols = [
    { name: "id", type: "bigint" },
    { name: "amount", type: "decimal(12,2)" },
  ];
  const dbs = Array.from({ length: databases }, (_, i) => ({ domain: `d${letters(i)}`, layer: "bronze" }));
  return {
    version: "1.0",
    metadata: {
      environment: "dev",
      project: "bench",
      region: "us-east-1",
      team: "data-engineering",
      cost_center: "CC-1001",
      data_classification: "internal",
      owner: "data-platform@example.com",
    },
    resources: {
      aws: {
        s3_buckets: Array.from({ length: buckets }, (_, i) => ({
          purpose: `p${letters(i)}`,
          layer: "raw",
          lifecycle_days: 30,
        })),
        glue_databases: dbs,
        glue_tables: dbs.flatMap((d) =>
          Array.from({ length: perDb }, (_, j) => ({
            database_ref: `${d.domain}-bronze`,
            entity: `t${letters(j)}`,
            table_type: "fact",
            location: `s3://bench-${d.domain}/t${letters(j)}/`,
            columns: cols,
          })),
        ),
      },
    },
  };
}

const moto = await startMoto();
const proxy = await countingProxy(Number(new URL(moto.url).port));
try {
  const dir = mkdtempSync(join(tmpdir(), "dpn-bench-aws-"));
  const bp = join(dir, "estate.json");
  writeFileSync(bp, JSON.stringify(estate()));
  for (const f of ["aws-config", "aws-credentials"]) writeFileSync(join(dir, f), "");
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    NO_COLOR: "1",
    DPN_HOME: join(dir, "home"),
    AWS_ENDPOINT_URL: proxy.url,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: join(dir, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "aws-credentials"),
    ...(process.env.DPN_AWS_RATE_LIMITS ? { DPN_AWS_RATE_LIMITS: process.env.DPN_AWS_RATE_LIMITS } : {}),
  };
  const resources = buckets + databases + databases * perDb;
  // The proxy lives in this process, so the CLI runs asynchronously (runDpn would block it).
  const run = (extra) =>
    new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const c = spawn(process.execPath, [DPN, "create", "--blueprint", bp, "--yes", "--json", ...extra], {
        cwd: dir,
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      c.stderr.on("data", (d) => {
        err = (err + d).slice(-4000);
      });
      c.on("error", reject);
      c.on("close", (code) =>
        code === 0
          ? resolve(Number(process.hrtime.bigint() - t0) / 1e6)
          : reject(new Error(`dpn create exited ${code}:\n${err}`)),
      );
    });
  const phase = async (extra = []) => {
    for (const k of Object.keys(proxy.counts)) delete proxy.counts[k];
    const wallMs = await run(extra);
    const counts = Object.fromEntries(Object.entries(proxy.counts).sort(([a], [b]) => a.localeCompare(b)));
    const sum = (p) =>
      Object.entries(counts)
        .filter(([k]) => k.startsWith(p))
        .reduce((n, [, v]) => n + v, 0);
    const total = sum("");
    return {
      wall_ms: round(wallMs, 0),
      calls: total,
      calls_per_resource: round(total / resources, 2),
      s3_calls_per_bucket: round(sum("s3:") / buckets, 2),
      glue_calls_per_object: round(sum("glue:") / (databases + databases * perDb), 2),
      by_call: counts,
    };
  };
  const create = await phase();
  const rerun = await phase();
  const rerunQuick = await phase(["--refresh", "quick"]);
  console.log(
    JSON.stringify(
      {
        bench: "aws-calls",
        machine: machine(),
        estate: { buckets, databases, tables: databases * perDb, resources },
        create,
        rerun,
        rerun_refresh_quick: rerunQuick,
      },
      null,
      2,
    ),
  );
} finally {
  proxy.server.close();
  moto.stop();
}
