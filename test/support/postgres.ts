/**
 * A throwaway PostgreSQL server for the tests: `initdb` in a temporary directory (trust
 * authentication; the server listens on 127.0.0.1 only, on a free port, with its socket in the
 * same directory), started with `pg_ctl`, stopped and removed at the end. test/global-setup.ts
 * starts one per run and provides its URL as `inject("postgresUrl")`; each test makes its own
 * database with `createTestDatabase`, so test files stay isolated and run in parallel.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
 * `postgres` user (Debian's package creates it) via `runuser`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** Where Debian's postgresql package puts the server binaries (not on PATH by default). */
const DEBIAN_BIN_DIRS = [
  "/usr/lib/postgresql/17/bin",
  "/usr/lib/postgresql/16/bin",
  "/usr/lib/postgresql/15/bin",
];

export const POSTGRES_INSTALL_HINT =
  "Install PostgreSQL's server binaries: apt-get install -y postgresql (Debian/Ubuntu), or put initdb and pg_ctl on PATH.";

/** The directory holding initdb and pg_ctl, or undefined when neither PATH nor Debian's layout has them. */
export function findPostgresBin(): string | undefined {
  const which = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  const onPath = which.status === 0 ? which.stdout.trim() : "";
  if (onPath) return join(onPath, "..");
  return DEBIAN_BIN_DIRS.find((d) => existsSync(join(d, "initdb")));
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

/** A running throwaway server. */
export interface PostgresServer {
  /** Superuser URL to the `postgres` database (no password: trust on loopback). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Start a server. Throws with the install hint when the binaries are missing, and with the
 * server's log when initdb or start fails. Takes about a second.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(`The PostgreSQL state tests need a PostgreSQL server. ${POSTGRES_INSTALL_HINT}`);
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "dpn-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const run = (cmd: string, args: string[]) => {
    const argv = asRoot
      ? ["runuser", "-u", "postgres", "--", join(bin, cmd), ...args]
      : [join(bin, cmd), ...args];
    const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: "utf8" });
    if (r.status !== 0) {
      const tail = existsSync(log) ? spawnSync("tail", ["-n", "30", log], { encoding: "utf8" }).stdout : "";
      throw new Error(`${cmd} failed (exit ${r.status}): ${r.stderr || r.error?.message || ""}\n${tail}`);
    }
  };
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-instructions"]);
  const port = await freePort();
  const opts = [
    "-c listen_addresses=127.0.0.1",
    `-c port=${port}`,
    `-c unix_socket_directories=${dir}`,
    "-c max_connections=200",
  ].join(" ");
  run("pg_ctl", ["-D", data, "-o", opts, "-l", log, "-w", "-t", "30", "start"]);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A database of its own for one test; `drop()` removes it (terminating what is still connected). */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** The URL of database `name` on the server of `serverUrl`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** `CREATE DATABASE dpn_t_<random>` on the server of `serverUrl`. */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `dpn_t_${randomBytes(6).toString("hex")}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  return {
    name,
    url: databaseUrl(serverUrl, name),
    async drop() {
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Run one statement as the superuser on the server's `postgres` database (or the URL's). */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/**
 * Terminate the server process of connection `pid` and wait until it is gone, so that the next
 * statement on that connection fails for certain.
 */
export async function terminateBackend(url: string, pid: number): Promise<void> {
  await adminQuery(url, "SELECT pg_terminate_backend($1)", [pid]);
  for (let i = 0; i < 200; i++) {
    const r = await adminQuery(url, "SELECT 1 FROM pg_stat_activity WHERE pid = $1", [pid]);
    if (r.length === 0) return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`backend ${pid} did not exit after pg_terminate_backend`);
}
