// Names generated and validated per second, in-process, with the built-in convention.

import { builtInConvention } from "../dist/config/load-convention.js";
import { generateName } from "../dist/naming/generate.js";
import { validateName } from "../dist/naming/rules.js";
import { machine, round } from "./lib.mjs";

const conv = builtInConvention();
const metadata = { project: "dataplatform", environment: "prd", region: "us-east-1" };
const kinds = [
  ["aws_s3_bucket", (i) => ({ purpose: `p${i % 997}`, layer: "raw" })],
  ["aws_glue_database", (i) => ({ domain: `d${i % 991}`, layer: "gold" })],
  ["dbx_cluster", (i) => ({ workload: `w${i % 983}`, cluster_type: "shared" })],
  ["dbx_table", (i) => ({ entity: `e${i % 977}`, table_type: "dim" })],
];
function run(n) {
  const t0 = process.hrtime.bigint();
  let chars = 0;
  for (let i = 0; i < n; i++) {
    const [type, res] = kinds[i % kinds.length];
    const r = generateName(conv, { type, resource: res(i), metadata });
    chars += r.name.length + validateName(type, r.name, conv).length;
  }
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, chars };
}
run(5000); // warm-up
const n = 100_000;
const { ms } = run(n);
console.log(
  JSON.stringify(
    {
      benchmark: "naming",
      names: n,
      ms: round(ms),
      names_per_second: Math.round((n / ms) * 1000),
      machine: machine(),
    },
    null,
    2,
  ),
);
