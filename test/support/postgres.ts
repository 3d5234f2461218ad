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
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** Where Debian's postgresql package puts the server binaries (not on PATH by default). */
const DEBIAN_ROOT = "/usr/lib/postgresql";

/** Debian's server bin directories, newest major version first. */
function debianBinDirs(): string[] {
  if (!existsSync(DEBIAN_ROOT)) return [];
  return readdirSync(DEBIAN_ROOT)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(DEBIAN_ROOT, v, "bin"));
}

export const POSTGRES_INSTALL_HINT =
  "Install PostgreSQL's server binaries: apt-get install -y postgresql (Debian/Ubuntu), or put initdb and pg_ctl on PATH.";

/** The directory holding initdb and pg_ctl, or undefined when neither PATH nor Debian's layout has them. */
export function findPostgresBin(): string | undefined {
  const which = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  const onPath = which.status === 0 ? which.stdout.trim() : "";
  if (onPath) return join(onPath, "..");
  return debianBinDirs().find((d) => existsSync(join(d, "initdb")));
}

/** A free TCP port on loopback (the suite's servers each take one). */
export function freePort(): Promise<number> {
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
    const id = (flag: string) => {
      const r = spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
      if (r.status !== 0)
        throw new Error(
          `PostgreSQL refuses to run as root, and there is no 'postgres' user to run it as. ${POSTGRES_INSTALL_HINT} (the package creates the user), or run the tests as another user.`,
        );
      return Number(r.stdout.trim());
    };
    chownSync(dir, id("-u"), id("-g"));
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

/**
 * A loopback TCP proxy in front of the server that can lose a COMMIT's reply: once armed, it
 * forwards the next simple-query `COMMIT` to the server, gives the server `settleMs` to commit,
 * then closes both sides without relaying the answer. The client sees the connection break with
 * its COMMIT outcome unknown, while the transaction is in fact committed — the case a blind
 * retry would duplicate. It reads only message boundaries of the frontend protocol
 * (https://www.postgresql.org/docs/15/protocol-message-formats.html): the startup packet has no
 * type byte, every later message is a type byte and an int32 length.
 */
export interface CommitCutProxy {
  /** URL of `serverUrl`'s database through the proxy. */
  url: string;
  /** Lose the reply of the next COMMIT (any connection), or of the one after `skip` more. */
  armCommitCut(skip?: number): void;
  /**
   * Go silent on the next message whose text matches `sql`: forward it, then relay no answer on
   * that connection and keep it open (a network black hole), until the client closes it.
   */
  armBlackHole(sql: RegExp): void;
  /** How many COMMIT replies were lost. */
  readonly cuts: number;
  close(): Promise<void>;
}

export async function startCommitCutProxy(serverUrl: string, settleMs = 200): Promise<CommitCutProxy> {
  const target = new URL(serverUrl);
  const { connect, createServer: createTcpServer } = await import("node:net");
  /** COMMITs still to let through before the armed cut; -1 when not armed. */
  let armed = -1;
  let cuts = 0;
  let blackHole: RegExp | undefined;
  const sockets = new Set<import("node:net").Socket>();
  const server = createTcpServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    for (const s of [client, upstream]) {
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    let relayReplies = true;
    upstream.on("data", (d) => {
      if (relayReplies) client.write(d);
    });
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
    let buf = Buffer.alloc(0);
    let started = false;
    client.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (!started) {
          if (buf.length < 4) return;
          const len = buf.readInt32BE(0);
          if (buf.length < len) return;
          upstream.write(buf.subarray(0, len));
          // An SSLRequest (code 80877103) is answered before the real startup packet follows.
          if (len !== 8 || buf.readInt32BE(4) !== 80877103) started = true;
          buf = buf.subarray(len);
          continue;
        }
        if (buf.length < 5) return;
        const len = buf.readInt32BE(1) + 1;
        if (buf.length < len) return;
        const msg = buf.subarray(0, len);
        buf = buf.subarray(len);
        if (blackHole?.test(msg.subarray(5).toString("utf8"))) {
          blackHole = undefined;
          relayReplies = false;
          upstream.write(msg);
          continue;
        }
        const isCommit = msg[0] === 0x51 && /^\s*COMMIT\b/i.test(msg.subarray(5).toString("utf8"));
        if (isCommit && armed > 0) armed--;
        else if (isCommit && armed === 0) {
          armed = -1;
          cuts++;
          relayReplies = false;
          upstream.write(msg);
          setTimeout(() => {
            client.destroy();
            upstream.destroy();
          }, settleMs);
          return;
        }
        upstream.write(msg);
      }
    });
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", () => res()));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const url = new URL(serverUrl);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    armCommitCut(skip = 0) {
      armed = skip;
    },
    armBlackHole(sql) {
      blackHole = sql;
    },
    get cuts() {
      return cuts;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
