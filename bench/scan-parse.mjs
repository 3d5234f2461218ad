// Names parsed per second, in-process, with the built-in convention: a mix of types, of compliant
// names (generated) and of broken ones (unknown values, wrong case, wrong shape), as a scan sees.

import { builtInConvention } from "../dist/config/load-convention.js";
import { generateName } from "../dist/naming/generate.js";
import { parseName } from "../dist/naming/parse.js";
import { machine, round } from "./lib.mjs";

const conv = builtInConvention();
const metadata = { project: "dataplatform", environment: "prd", region: "us-east-1" };
const kinds = [
  ["aws_s3_bucket", (i) => ({ purpose: `p${i % 997}`, layer: "raw" })],
  ["aws_glue_database", (i) => ({ domain: `d${i % 991}`, layer: "gold" })],
  ["aws_glue_table", (i) => ({ entity: `e${i % 983}`, table_type: "fact" })],
  ["dbx_cluster", (i) => ({ workload: `w${i % 977}`, cluster_type: "shared" })],
  ["dbx_job", (i) => ({ job_type: "batch", purpose: `load-${i % 971}`, schedule: "daily" })],
  ["dbx_catalog", (i) => ({ catalog_type: `c${i % 967}` })],
  ["dbx_schema", (i) => ({ domain: `s${i % 953}`, layer: "silver" })],
  ["dbx_table", (i) => ({ entity: `t${i % 947}`, table_type: "dim" })],
  ["dbx_volume", (i) => ({ purpose: `v${i % 941}`, data_type: "raw" })],
];
// One name in five is broken in one of the ways a real estate is.
const breakers = [
  (n) => n.replace("-prd", "-prod").replace("_prd", "_production"),
  (n) => n.toUpperCase(),
  (n) => `legacy${n.length}`,
];
const names = [];
for (let i = 0; i < 20_000; i++) {
  const [type, res] = kinds[i % kinds.length];
  let name = generateName(conv, { type, resource: res(i), metadata }).name;
  if (i % 5 === 4) name = breakers[i % breakers.length](name);
  names.push([type, name]);
}
const context = { expected: { project: "dataplatform" } };
function run(n) {
  let ok = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const [type, name] = names[i % names.length];
    if (parseName(conv, type, name, context).ok) ok++;
  }
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, ok };
}
run(5000); // warm-up
const n = 100_000;
const { ms, ok } = run(n);
console.log(
  JSON.stringify(
    {
      benchmark: "scan-parse",
      names: n,
      types: kinds.length,
      compliant_share: round(ok / n, 2),
      ms: round(ms),
      names_per_second: Math.round((n / ms) * 1000),
      machine: machine(),
    },
    null,
    2,
  ),
);
