// Throwaway servers for the state-backend benchmarks, on loopback: moto (python3 -m moto.server)
// for S3, and a PostgreSQL cluster (initdb + pg_ctl, as the `postgres` user when run as root:
// PostgreSQL refuses to run as root). Each returns its URL and a stop function.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** moto on a free loopback port. */
export async function startMoto() {
  const port = await freePort();
  const child = spawn(
    process.env.DPN_TEST_PYTHON ?? "python3",
    ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)],
    {
      stdio: "ignore",
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/moto-api/`)).status < 500) return { url, child, stop: () => child.kill() };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  child.kill();
  throw new Error(`moto did not start on ${url}`);
}

/** The bin folder of Debian's newest PostgreSQL, or of the initdb on PATH. */
function postgresBin() {
  const which = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  if (which.status === 0) return join(which.stdout.trim(), "..");
  return (existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql") : [])
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join("/usr/lib/postgresql", v, "bin"))
    .find((d) => existsSync(join(d, "initdb")));
}

/** A PostgreSQL cluster on a free loopback port, trust auth, fsync on. */
export async function startPostgres() {
  const bin = postgresBin();
  if (!bin) throw new Error("initdb not found: apt-get install -y postgresql, or set BENCH_POSTGRES_URL");
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "dpn-bench-pg-"));
  if (asRoot) {
    const id = (flag) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, id("-u"), id("-g"));
  }
  const run = (cmd, args) => {
    const argv = asRoot
      ? ["runuser", "-u", "postgres", "--", join(bin, cmd), ...args]
      : [join(bin, cmd), ...args];
    const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  };
  const data = join(dir, "data");
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-instructions"]);
  const port = await freePort();
  const opts = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir}`;
  run("pg_ctl", ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "start"]);
  const urlOf = (db) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    url: urlOf("postgres"),
    urlOf,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: urlOf("postgres") });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
    },
    stop() {
      run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
