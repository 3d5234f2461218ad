// Bundles the CLI (dist/cli/main.js, compiled by tsc) into dist/bin/dpn.mjs plus chunks, the file
// `bin.dpn` points at. Runs after tsc in `npm run build`.
//
// Why: resolving and linking several hundred ES and CommonJS modules (the AWS SDK alone is most
// of them) was about 40 % of a cloud command's run time. One bundle with a chunk per lazily
// imported command loads in a fraction of that (docs/benchmarks.md). The library entry point
// (dist/index.js) is not bundled: it stays plain tsc output for importers.
//
// Kept external: better-sqlite3 (a native addon) and the build's own generated validators
// (dist/generated/validators.cjs, required at run time relative to the code). The bundle lives
// in dist/bin/, one level below dist/ like dist/cli/ and dist/core/, so the paths the code
// resolves relative to itself (../generated/…, ../../package.json) hold unchanged.
import { rmSync } from "node:fs";
import { build } from "esbuild";

const outdir = new URL("../dist/bin/", import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: { dpn: new URL("../dist/cli/main.js", import.meta.url).pathname },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  outExtension: { ".js": ".mjs" },
  platform: "node",
  target: "node20",
  chunkNames: "chunk-[hash]",
  external: ["better-sqlite3", "../generated/validators.cjs"],
  // CommonJS dependencies bundled into ESM call require(); give them Node's.
  banner: {
    js: "import { createRequire as __dpnCreateRequire } from 'node:module'; const require = __dpnCreateRequire(import.meta.url);",
  },
  legalComments: "none",
  logLevel: "warning",
});
