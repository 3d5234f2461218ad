// Runs every benchmark in turn (each prints one JSON document) and prints them as one JSON array.
// Build first: `npm run build && npm run bench`.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const out = [];
for (const name of [
  "naming.mjs",
  "cli-startup.mjs",
  "engine.mjs",
  "aws-calls.mjs",
  "scan-parse.mjs",
  "scan-sandbox.mjs",
  "preview-scale.mjs",
  "engine-cpu.mjs",
  "fsync.mjs",
  "state-s3.mjs",
  "state-postgres.mjs",
  "state-apply.mjs",
  "vs-v01.mjs",
]) {
  const file = fileURLToPath(new URL(name, import.meta.url));
  const r = spawnSync(process.execPath, [file], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error(`${name} failed with exit ${r.status}`);
  out.push(JSON.parse(r.stdout));
}
console.log(JSON.stringify(out, null, 2));
