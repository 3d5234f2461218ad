// `dpn scan` of 10,000 sandbox objects, whole process: a seeded estate of buckets, Glue databases
// and tables, UC catalogs, schemas, tables and volumes, clusters and jobs (one in five names
// broken), scanned with --json. Reports wall time, peak RSS, objects per second and the provider
// calls per object (the sandbox lists each type in one call). Build first: `npm run build`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandboxRegistry } from "../dist/providers/sandbox/sandbox-provider.js";
import { machine, round, runDpn } from "./lib.mjs";

const N = Number(process.env.BENCH_SCAN_OBJECTS ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), "dpn-bench-scan-"));
const tags = { Environment: "prd", Project: "dataplatform", Team: "data-eng", CostCenter: "CC-1" };
const d = (type, name, fullName, properties) => ({
  type,
  address: `${type}.${fullName}`,
  name,
  fullName,
  properties,
  tags,
  dependencies: [],
  source: "bench",
});
const broken = (i, name) => (i % 5 === 4 ? name.replace("prd", "prod") : name);

const s = createSandboxRegistry({ dbPath: join(dir, ".dpn/sandbox.db") });
const t0 = process.hrtime.bigint();
let made = 0;
const add = (desired) => {
  s.seedExisting(desired);
  made++;
};
// shares of the estate: 30% buckets, 10% Glue (dbs + tables), 50% UC (catalogs/schemas/tables/volumes), 10% compute
add(d("dbx_catalog", "dataplatform_main_prd", "dataplatform_main_prd", { comment: "main" }));
const schemas = [];
for (let i = 0; made < N * 0.02; i++) {
  const name = `domain${i}_gold`;
  add(
    d("dbx_schema", name, `dataplatform_main_prd.${name}`, {
      catalog_name: "dataplatform_main_prd",
      comment: "",
    }),
  );
  schemas.push(name);
}
for (let i = 0; made < N * 0.45; i++) {
  const sch = schemas[i % schemas.length];
  const name = broken(i, `fact_e${i}`).replace("prod", "x");
  add(
    d(
      "dbx_table",
      i % 5 === 4 ? `Entity${i}` : name,
      `dataplatform_main_prd.${sch}.${i % 5 === 4 ? `Entity${i}` : name}`,
      {
        catalog_name: "dataplatform_main_prd",
        schema_name: sch,
        columns: [{ name: "id", type: "BIGINT" }],
        table_type: "fact",
        comment: "",
      },
    ),
  );
}
for (let i = 0; made < N * 0.5; i++) {
  const sch = schemas[i % schemas.length];
  add(
    d("dbx_volume", `raw_v${i}`, `dataplatform_main_prd.${sch}.raw_v${i}`, {
      catalog_name: "dataplatform_main_prd",
      schema_name: sch,
      volume_type: "MANAGED",
      comment: "",
    }),
  );
}
for (let i = 0; made < N * 0.8; i++) {
  const name = broken(i, `dataplatform-p${i}-raw-prd-use1`);
  add(
    d("aws_s3_bucket", name, name, {
      region: "us-east-1",
      versioning: true,
      encryption: "AES256",
      block_public_access: true,
    }),
  );
}
const dbs = [];
for (let i = 0; made < N * 0.82; i++) {
  const name = `dataplatform_d${i}_gold_prd`;
  add(d("aws_glue_database", name, name, { region: "us-east-1", description: "", parameters: {} }));
  dbs.push(name);
}
for (let i = 0; made < N * 0.9; i++) {
  const db = dbs[i % dbs.length];
  add(
    d("aws_glue_table", `fact_e${i}`, `${db}.fact_e${i}`, {
      region: "us-east-1",
      database: db,
      columns: [{ name: "id", type: "bigint" }],
      table_type: "fact",
      format: "parquet",
      location: `s3://dataplatform-p0-raw-prd-use1/t${i}/`,
    }),
  );
}
while (made < N) {
  const i = made;
  const name = broken(i, `dataplatform-w${i}-shared-prd`);
  add(
    d("dbx_cluster", name, name, {
      spark_version: "16.4.x-scala2.12",
      node_type_id: "i3.xlarge",
      num_workers: 1,
      autotermination_minutes: 60,
      cluster_type: "shared",
      data_security_mode: "USER_ISOLATION",
    }),
  );
}
await s.close();
const seedMs = Number(process.hrtime.bigint() - t0) / 1e6;

const runs = [];
for (let k = 0; k < 3; k++) {
  const r = runDpn(["scan", "--target", "sandbox", "--project", "dataplatform", "--env", "prd", "--json"], {
    cwd: dir,
  });
  if (r.status !== 0) throw new Error(`dpn scan exited ${r.status}: ${r.stderr}`);
  runs.push(r);
}
const best = runs.reduce((a, b) => (a.wallMs < b.wallMs ? a : b));
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      benchmark: "scan-sandbox",
      objects: N,
      seed_ms: round(seedMs),
      scan_wall_ms: round(best.wallMs),
      scan_wall_ms_runs: runs.map((r) => round(r.wallMs)),
      peak_rss_mb: best.peakRssMb === null ? null : round(best.peakRssMb),
      scanned: JSON.parse(best.stdout).summary.objects,
      noncompliant: JSON.parse(best.stdout).summary.noncompliant,
      objects_per_second: Math.round((N / best.wallMs) * 1000),
      provider_calls: 9,
      provider_calls_per_object: round(9 / N, 4),
      machine: machine(),
    },
    null,
    2,
  ),
);
