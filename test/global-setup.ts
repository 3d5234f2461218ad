/**
 * Vitest global setup: starts one moto server on a free loopback port for the AWS tests and
 * stops it afterwards. Tests read its endpoint with `inject("motoEndpoint")`.
 * If moto is not installed the whole run fails with a message saying how to install it: AWS
 * tests are never skipped silently.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const python = process.env.DPN_TEST_PYTHON ?? "python3";
  const probe = spawnSync(python, ["-c", "import moto.server"], { encoding: "utf8" });
  if (probe.status !== 0) {
    throw new Error(
      `The AWS tests need moto's server, which ${python} cannot import:\n${probe.stderr}\n` +
        `Install it with: pip install "moto[server]"  (or set DPN_TEST_PYTHON to a python that has it)`,
    );
  }
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
  project.provide("motoEndpoint", endpoint);
  return async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 200));
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  };
}
