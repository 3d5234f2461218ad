/**
 * Support for the `--target cloud` end-to-end tests: an isolated environment for a dpn CLI child
 * (moto for AWS, the Databricks fake, empty config files, a private DPN_HOME), a small runner for
 * `node dist/bin/dpn.mjs`, a loopback fault proxy (in front of moto or the fake) that can hold,
 * delay or fail chosen calls, and read-only inventories of what a stack left in moto, the fake
 * and the state file.
 *
 * Nothing here reads the developer's real AWS or Databricks configuration: every config path
 * points at an empty temp file and HOME is a temp dir.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetDatabaseCommand, GetDatabasesCommand, GetTablesCommand } from "@aws-sdk/client-glue";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import Database from "better-sqlite3";
import type { PreviewResource } from "../../src/blueprint/preview.js";
import type { DatabricksFake } from "../fakes/databricks/server.js";
import { type OracleAnswer, oracleCheckOnly } from "./botocore/check-only.js";
import { type CliProcess, type CliResult, REPO_ROOT, runCli as runBuiltCli, spawnCli } from "./cli.js";
import { motoEndpoint, rawGlue, rawS3 } from "./moto.js";

export { type CliResult, REPO_ROOT };

export const DEV_BLUEPRINT = "examples/blueprints/dev.json";
export const REGION = "us-east-1";

export type Env = Record<string, string | undefined>;

export interface CloudEnv {
  /** Environment for the child (a full replacement of process.env, not a patch). */
  env: Env;
  /** DPN_HOME: holds state.db. */
  home: string;
  /** Temp dir holding the empty config files. */
  dir: string;
}

export interface CloudEnvOptions {
  /** The Databricks fake to point at (omit to leave every DATABRICKS_* unset). */
  fake?: Pick<DatabricksFake, "url" | "token" | "warehouseId">;
  /** Reuse an existing DPN_HOME (e.g. for `dpn recover` after a killed run). */
  home?: string;
  /** Extra variables; a value of `undefined` removes the variable. */
  extra?: Env;
}

/**
 * Build the child environment: AWS pointed at moto with static test keys, IMDS off, AWS and
 * Databricks config files empty, Databricks pointed at the fake, DPN_HOME a fresh temp dir.
 */
export function cloudEnv(o: CloudEnvOptions = {}): CloudEnv {
  const dir = mkdtempSync(join(tmpdir(), "dpn-cloud-e2e-"));
  const home = o.home ?? mkdtempSync(join(tmpdir(), "dpn-cloud-home-"));
  const awsConfig = join(dir, "aws-config");
  const awsCredentials = join(dir, "aws-credentials");
  const dbxConfig = join(dir, "databrickscfg");
  for (const f of [awsConfig, awsCredentials, dbxConfig]) writeFileSync(f, "");
  const env: Env = {
    PATH: process.env.PATH,
    HOME: dir,
    TMPDIR: process.env.TMPDIR,
    LANG: "C.UTF-8",
    NO_COLOR: "1",
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: awsCredentials,
    DATABRICKS_CONFIG_FILE: dbxConfig,
    ...(o.fake
      ? {
          DATABRICKS_HOST: o.fake.url,
          DATABRICKS_TOKEN: o.fake.token,
          DATABRICKS_WAREHOUSE_ID: o.fake.warehouseId,
        }
      : {}),
    DPN_HOME: home,
  };
  for (const [k, v] of Object.entries(o.extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return { env, home, dir };
}

/** Run the CLI to completion in the repo root with exactly `env`; throws when it times out. */
export async function runCli(args: string[], env: Env, timeoutMs = 60_000): Promise<CliResult> {
  const r = await runBuiltCli(args, { cwd: REPO_ROOT, env, exactEnv: true, timeoutMs });
  if (r.signal === "SIGKILL")
    throw new Error(`dpn ${args.join(" ")} timed out after ${timeoutMs} ms\n${r.stderr}`);
  return r;
}

/** Start the CLI in the repo root with exactly `env`, for tests that signal it mid-run. */
export function startCli(args: string[], env: Env, timeoutMs = 120_000): CliProcess {
  return spawnCli(args, { cwd: REPO_ROOT, env, exactEnv: true, timeoutMs });
}

/** Parse the single JSON document a `--json`/`--format json` command printed on stdout. */
export function json<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(
      `stdout is not one JSON document (exit ${r.code}):\n${r.stdout}\n--- stderr:\n${r.stderr}`,
    );
  }
}

/** A short unique project name (lowercase letters and digits: valid in every naming pattern). */
export function uniqueProject(prefix = "e2e"): string {
  const rand = Math.random().toString(36).slice(2, 6);
  return `${prefix}${Date.now().toString(36).slice(-5)}${rand}`.replace(/[^a-z0-9]/g, "");
}

// ---- inventories ------------------------------------------------------------------------

/** `dpn plan preview <bp> --format json --override project=<project>` → resources. */
export async function preview(
  env: Env,
  project: string,
  blueprint = DEV_BLUEPRINT,
): Promise<PreviewResource[]> {
  const r = await runCli(
    ["plan", "preview", blueprint, "--format", "json", "--override", `project=${project}`],
    env,
  );
  if (r.code !== 0) throw new Error(`plan preview failed (${r.code}): ${r.stderr}`);
  return json<{ resources: PreviewResource[] }>(r).resources;
}

/** Names of `type` in a preview, sorted. */
export function namesOf(
  resources: PreviewResource[],
  type: string,
  field: "name" | "full_name" = "full_name",
): string[] {
  return resources
    .filter((r) => r.type === type)
    .map((r) => r[field])
    .sort();
}

export interface AwsInventory {
  buckets: string[];
  databases: string[];
  /** `database.table`. */
  tables: string[];
}

/**
 * What exists in moto for a project: buckets whose name starts with `<project>-`, Glue databases
 * starting with `<project>_`, and their tables.
 */
export async function awsInventory(project: string, region = REGION): Promise<AwsInventory> {
  const s3 = rawS3(region);
  const glue = rawGlue(region);
  try {
    const buckets = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? [])
      .map((b) => b.Name ?? "")
      .filter((n) => n.startsWith(`${project}-`))
      .sort();
    const databases: string[] = [];
    let token: string | undefined;
    do {
      const page = await glue.send(new GetDatabasesCommand({ NextToken: token }));
      for (const d of page.DatabaseList ?? []) if (d.Name?.startsWith(`${project}_`)) databases.push(d.Name);
      token = page.NextToken;
    } while (token);
    databases.sort();
    const tables: string[] = [];
    for (const db of databases) {
      const page = await glue.send(new GetTablesCommand({ DatabaseName: db }));
      for (const t of page.TableList ?? []) tables.push(`${db}.${t.Name}`);
    }
    return { buckets, databases, tables: tables.sort() };
  } finally {
    s3.destroy();
    glue.destroy();
  }
}

/** True when a Glue database exists (for tests that pre-create things). */
export async function glueDatabaseExists(name: string, region = REGION): Promise<boolean> {
  const glue = rawGlue(region);
  try {
    await glue.send(new GetDatabaseCommand({ Name: name }));
    return true;
  } catch (e) {
    if ((e as { name?: string }).name === "EntityNotFoundException") return false;
    throw e;
  } finally {
    glue.destroy();
  }
}

export interface DbxInventory {
  /** Cluster names of clusters that are not TERMINATED/permanently deleted. */
  liveClusters: string[];
  /** Every cluster name the fake holds (a deleted cluster is terminated, not removed). */
  clusters: string[];
  jobs: string[];
  catalogs: string[];
  /** `catalog.schema`, without the auto-created `default`/`information_schema`. */
  schemas: string[];
  tables: string[];
  volumes: string[];
}

/** What the fake workspace holds, by name, sorted. */
export function dbxInventory(fake: DatabricksFake): DbxInventory {
  const s = fake.state;
  const clusters = [...s.clusters.values()].map((c) => c.details);
  return {
    liveClusters: clusters
      .filter((c) => c.state !== "TERMINATED" && c.state !== "TERMINATING")
      .map((c) => c.cluster_name ?? "")
      .sort(),
    clusters: clusters.map((c) => c.cluster_name ?? "").sort(),
    jobs: [...s.jobs.values()].map((j) => j.settings.name ?? "").sort(),
    catalogs: [...s.catalogs.values()].map((c) => c.name ?? "").sort(),
    schemas: [...s.schemas.values()]
      .map((x) => x.full_name ?? "")
      .filter((n) => !/\.(default|information_schema)$/.test(n))
      .sort(),
    tables: [...s.tables.values()].map((t) => t.full_name ?? "").sort(),
    volumes: [...s.volumes.values()].map((v) => v.full_name ?? "").sort(),
  };
}

/** The fake holds nothing at all (rollback and recover permanently delete clusters). */
export function dbxIsEmpty(inv: DbxInventory): boolean {
  return (
    inv.clusters.length +
      inv.jobs.length +
      inv.catalogs.length +
      inv.schemas.length +
      inv.tables.length +
      inv.volumes.length ===
    0
  );
}

export interface StateSummary {
  resources: { address: string; status: string; type: string; remote_id: string }[];
  transactions: { id: string; status: string; kind: string }[];
  locks: number;
}

/** Read state.db directly (read-only); an absent file reads as empty. */
export function stateSummary(home: string): StateSummary {
  let db: Database.Database;
  try {
    db = new Database(join(home, "state.db"), { readonly: true, fileMustExist: true });
  } catch {
    return { resources: [], transactions: [], locks: 0 };
  }
  try {
    return {
      resources: db
        .prepare("SELECT address, status, type, remote_id FROM resources ORDER BY address")
        .all() as StateSummary["resources"],
      transactions: db
        .prepare("SELECT id, status, kind FROM transactions ORDER BY started_at")
        .all() as StateSummary["transactions"],
      locks: (db.prepare("SELECT COUNT(*) AS n FROM locks").get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

// ---- journal polling --------------------------------------------------------------------

export interface JournalRow {
  phase: string;
  action: string;
  address: string;
  type: string;
  status: string;
}

/** The journal rows of every transaction so far (read-only; empty when there is no state yet). */
export function journal(home: string): JournalRow[] {
  let db: Database.Database;
  try {
    db = new Database(join(home, "state.db"), { readonly: true, fileMustExist: true });
  } catch {
    return [];
  }
  try {
    return db
      .prepare("SELECT phase, action, address, type, status FROM journal ORDER BY id")
      .all() as JournalRow[];
  } catch {
    return []; // schema not created yet
  } finally {
    db.close();
  }
}

/** Addresses whose forward step is done, per the journal. */
export function doneAddresses(home: string, pick: (r: JournalRow) => boolean = () => true): string[] {
  return journal(home)
    .filter((r) => r.phase === "forward" && r.status === "done" && pick(r))
    .map((r) => r.address);
}

/** Poll `pred` every 50 ms; rejects after `timeoutMs` naming `what`. */
export async function waitUntil(
  pred: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- fault proxy --------------------------------------------------------------------------

/**
 * Which call a rule matches: an AWS JSON-protocol `X-Amz-Target` action (Glue, STS), and/or a
 * method and a path regex (S3 path-style, Databricks REST).
 */
export interface ProxyRule {
  /** e.g. `AWSGlue.CreateTable`. */
  target?: string;
  method?: string;
  path?: RegExp;
  /** Regex on the query string (without `?`), e.g. `/^lifecycle/` for S3 PutBucketLifecycleConfiguration. */
  query?: RegExp;
  /** Skip this many matching calls before firing. */
  offset?: number;
  /** Fire this many times (default 1; Infinity for always). */
  times?: number;
  /** Hold the call until this resolves (deterministic ordering across clouds). */
  waitFor?: () => Promise<void>;
  /** Delay before forwarding / answering. */
  latencyMs?: number;
  /**
   * Answer with this status instead of forwarding: an AWS error with code `errorType` (JSON for
   * X-Amz-Target protocols, XML for S3), or `body` as JSON (Databricks).
   */
  status?: number;
  errorType?: string;
  body?: unknown;
  /** Forward first (the effect happens), then answer with the fault ("lost response"). */
  afterForward?: boolean;
}

export interface FaultProxy {
  url: string;
  /** Every call seen: the X-Amz-Target or `METHOD path`, with the answered status. */
  log: { call: string; status: number }[];
  add(rule: ProxyRule): void;
  clear(): void;
  close(): Promise<void>;
}

interface ActiveRule extends ProxyRule {
  seen: number;
  fired: number;
}

/**
 * A loopback HTTP proxy (same wire, same paths) in front of moto or the Databricks fake. Rules
 * hold, delay or fail chosen calls with a real error shape, before or after the upstream applied
 * the call. A held or delayed call that the client abandons is still forwarded when released.
 * In front of moto, a call answered with an injected fault (never forwarded) is still checked by
 * the botocore oracle, and a model violation is answered instead of the fault.
 */
export async function startFaultProxy(upstream: string = motoEndpoint()): Promise<FaultProxy> {
  const up = new URL(upstream);
  const checkedByOracle = upstream === motoEndpoint();
  let rules: ActiveRule[] = [];
  const log: FaultProxy["log"] = [];

  const matchRule = (req: IncomingMessage): ActiveRule | undefined => {
    const target = String(req.headers["x-amz-target"] ?? "");
    const [path = "/", query = ""] = (req.url ?? "/").split("?");
    for (const r of rules) {
      if (r.target && r.target !== target) continue;
      if (r.method && r.method !== req.method) continue;
      if (r.path && !r.path.test(path)) continue;
      if (r.query && !r.query.test(query)) continue;
      r.seen++;
      if (r.seen <= (r.offset ?? 0)) continue;
      if (r.fired >= (r.times ?? 1)) continue;
      r.fired++;
      return r;
    }
    return undefined;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const call = String(req.headers["x-amz-target"] ?? `${req.method} ${(req.url ?? "").split("?")[0]}`);
      const rule = matchRule(req);
      if (rule?.waitFor) await rule.waitFor();
      if (rule?.latencyMs) await new Promise((r) => setTimeout(r, rule.latencyMs));
      const fail = () => {
        const status = rule?.status ?? 500;
        const type = rule?.errorType ?? "InternalServiceException";
        log.push({ call, status });
        if (rule?.body !== undefined) {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(rule.body));
          return;
        }
        if (!req.headers["x-amz-target"]) {
          // REST-XML services (S3) answer errors as XML
          res.writeHead(status, { "content-type": "application/xml" });
          res.end(
            `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${type}</Code><Message>injected by the test proxy</Message><RequestId>proxy</RequestId></Error>`,
          );
          return;
        }
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": type });
        res.end(JSON.stringify({ __type: type, message: "injected by the test proxy" }));
      };
      if (rule?.status && !rule.afterForward) {
        let violation: OracleAnswer | undefined;
        try {
          violation = checkedByOracle ? await oracleCheckOnly(req, body, upstream) : undefined;
        } catch (e) {
          // never skip the check silently
          violation = { status: 502, headers: {}, body: Buffer.from(`botocore oracle unreachable: ${e}`) };
        }
        if (violation) {
          log.push({ call, status: violation.status });
          res.writeHead(violation.status, violation.headers);
          res.end(violation.body);
          return;
        }
        return fail();
      }
      const fwd = httpRequest(
        {
          host: up.hostname,
          port: up.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: up.host },
        },
        (upRes) => {
          if (rule?.status && rule.afterForward) {
            upRes.resume();
            upRes.on("end", fail);
            return;
          }
          log.push({ call, status: upRes.statusCode ?? 0 });
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      fwd.on("error", () => {
        log.push({ call, status: -1 });
        res.destroy();
      });
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    add(rule) {
      rules.push({ ...rule, seen: 0, fired: 0 });
    },
    clear() {
      rules = [];
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
