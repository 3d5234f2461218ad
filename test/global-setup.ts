/**
 * Vitest global setup: starts one moto server on a free loopback port for the AWS tests, and in
 * front of it the botocore oracle (test/support/BOTOCORE-ORACLE.md): a validating proxy that
 * checks every AWS request of the suite against botocore's service models. Tests read the
 * proxy's URL with `inject("motoEndpoint")`, so raw SDK calls and dpn CLI children alike pass
 * through it.
 * It also starts one throwaway PostgreSQL server on loopback (test/support/postgres.ts) for the
 * PostgreSQL state backend, reached with `inject("postgresUrl")`; each test makes its own database.
 * If moto or PostgreSQL is not installed the whole run fails with a message saying how to install
 * it: AWS and PostgreSQL tests are never skipped silently. The teardown fails the run (exit code 1
 * and a thrown list) when any request broke a model, even if the test that sent it swallowed the
 * error.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { BotocoreOracle } from "./support/botocore/check-request.js";
import { loadModels, locateBotocoreData } from "./support/botocore/model.js";
import { type OracleMode, type OracleProxy, startOracleProxy } from "./support/botocore/oracle-proxy.js";
import { formatViolationReport } from "./support/botocore/report.js";
import { freePort, type PostgresServer, startPostgres } from "./support/postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The botocore oracle proxy in front of moto: every AWS test talks to this URL. */
    motoEndpoint: string;
    /** botocore's data directory (the models the oracle checks against). */
    botocoreDataDir: string;
    /** The oracle's JSON-lines violation log for this run. */
    oracleLogFile: string;
    /** Superuser URL of the run's throwaway PostgreSQL server (its `postgres` database). */
    postgresUrl: string;
  }
}

/** DPN_ORACLE: `enforce` (default, CI) or `record` (diagnosis: forward violating requests, log them). */
function oracleMode(): OracleMode {
  const m = process.env.DPN_ORACLE ?? "enforce";
  if (m !== "enforce" && m !== "record")
    throw new Error(`DPN_ORACLE must be "enforce" (the default) or "record", not ${JSON.stringify(m)}`);
  return m;
}

async function waitForMoto(endpoint: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`moto server exited early (code ${child.exitCode}):\n${log()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`moto server did not answer on ${endpoint} within 30 s:\n${log()}`);
}

let child: ChildProcess | undefined;
let proxy: OracleProxy | undefined;
let postgres: PostgresServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mode = oracleMode();
  const python = process.env.DPN_TEST_PYTHON ?? "python3";
  const probe = spawnSync(python, ["-c", "import moto.server"], { encoding: "utf8" });
  if (probe.status !== 0) {
    throw new Error(
      `The AWS tests need moto's server, which ${python} cannot import:\n${probe.stderr}\n` +
        `Install it with: pip install "moto[server]"  (or set DPN_TEST_PYTHON to a python that has it)`,
    );
  }
  postgres = await startPostgres();
  project.provide("postgresUrl", postgres.url);
  try {
    return await startAws(project, mode, python);
  } catch (e) {
    await postgres.stop();
    throw e;
  }
}

async function startAws(
  project: TestProject,
  mode: OracleMode,
  python: string,
): Promise<() => Promise<void>> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let output = "";
  child = spawn(python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => {
    output = (output + String(d)).slice(-4000);
  });
  child.stderr?.on("data", (d) => {
    output = (output + String(d)).slice(-4000);
  });
  await waitForMoto(endpoint, child, () => output);

  const dataDir = locateBotocoreData(python);
  const runDir = mkdtempSync(join(tmpdir(), "dpn-oracle-"));
  const logFile = join(runDir, "violations.jsonl");
  writeFileSync(logFile, "");
  proxy = await startOracleProxy({
    upstream: endpoint,
    oracle: new BotocoreOracle(loadModels(dataDir)),
    mode,
    logFile,
  });
  // the summary reporter runs in this process and reads the log from here
  process.env.DPN_ORACLE_LOG = logFile;
  project.provide("motoEndpoint", proxy.url);
  project.provide("botocoreDataDir", dataDir);
  project.provide("oracleLogFile", logFile);
  return async () => {
    const seen = proxy;
    await proxy?.close();
    await postgres?.stop();
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 200));
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    if (seen) writeFileSync(join(runDir, "stats.json"), `${JSON.stringify(seen.stats(), null, 2)}\n`);
    const bad = seen?.unexpected() ?? [];
    if (bad.length) {
      // vitest only logs a teardown error; the exit code is what CI sees
      process.exitCode = 1;
      throw new Error(formatViolationReport(bad, logFile, mode));
    }
  };
}
