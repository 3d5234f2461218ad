/**
 * From a `postgres://…` state URL and the environment to the settings of a `pg` connection, the
 * way libpq reads them (https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNSTRING and
 * https://www.postgresql.org/docs/15/libpq-envars.html): what the URL gives wins; what it leaves out
 * comes from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT, PGAPPNAME,
 * PGCONNECT_TIMEOUT, then the password file (PGPASSFILE, default ~/.pgpass). The variables are
 * read from the `env` given, not from `process.env`, so a command's environment is explicit.
 *
 * dpn's own query parameter `schema` names the schema that holds dpn's tables (default `public`).
 */
import { readFileSync, statSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import type { ConnectionOptions } from "node:tls";
import { usageError } from "../core/errors.js";

/** Where and as whom to connect; never holds anything secret except `password`. */
export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  /** From the URL, PGPASSWORD or the password file; undefined when none applies. */
  password: string | undefined;
  /** `false` for no TLS, else the TLS options (see `sslFor`). */
  ssl: false | ConnectionOptions;
  sslmode: string;
  schema: string;
  applicationName: string;
  connectTimeoutMs: number;
}

const PARAMS = new Set([
  "schema",
  "sslmode",
  "sslrootcert",
  "application_name",
  "connect_timeout",
  "host",
  "port",
]);
const SSLMODES = new Set(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]);
/** A plain lower-case identifier: safe in search_path without quoting, and what people use. */
const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Parse `url` with `env` into a connection target. Throws STATE_URL_INVALID (usage, exit 2) for
 * an unparsable URL, an unknown query parameter, a bad port, sslmode or schema name; the message
 * shows `display` (the redacted URL), never the password.
 */
export function pgTarget(url: string, env: Record<string, string | undefined>, display: string): PgTarget {
  const invalid = (why: string) =>
    usageError("STATE_URL_INVALID", `state URL '${display}' is not usable: ${why}`, {
      hint: "use postgres://user@host:5432/database[?schema=dpn&sslmode=verify-full] (docs/state-postgres.md)",
      details: { url: display },
    });
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid("it does not parse as a URL");
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:")
    throw invalid("the scheme is not postgres://");
  for (const k of u.searchParams.keys())
    if (!PARAMS.has(k)) throw invalid(`unknown parameter '${k}' (known: ${[...PARAMS].join(", ")})`);
  const q = (k: string) => u.searchParams.get(k) ?? undefined;
  const nonEmpty = (...vs: (string | undefined)[]) => vs.find((v) => v !== undefined && v !== "");
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw invalid(`'${s}' is not valid percent-encoding`);
    }
  };

  // A socket directory is given percent-encoded in the host part (postgres://%2Ftmp/db) or as ?host=.
  const host =
    nonEmpty(q("host"), u.hostname ? dec(u.hostname.replace(/^\[(.*)\]$/, "$1")) : undefined, env.PGHOST) ??
    "localhost";
  const portText = nonEmpty(q("port"), u.port, env.PGPORT) ?? "5432";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw invalid(`port '${portText}' is not a TCP port`);
  const user = nonEmpty(u.username ? dec(u.username) : undefined, env.PGUSER) ?? osUser(env);
  const path = u.pathname.replace(/^\//, "");
  const database = nonEmpty(path ? dec(path) : undefined, env.PGDATABASE) ?? user;
  const sslmode = nonEmpty(q("sslmode"), env.PGSSLMODE) ?? "prefer";
  if (!SSLMODES.has(sslmode)) throw invalid(`sslmode '${sslmode}' is not one of ${[...SSLMODES].join(", ")}`);
  const schema = q("schema") ?? "public";
  if (!SCHEMA_RE.test(schema))
    throw invalid(`schema '${schema}' is not a lower-case identifier (letters, digits, _; 63 at most)`);
  const timeoutText = nonEmpty(q("connect_timeout"), env.PGCONNECT_TIMEOUT) ?? "10";
  const timeoutS = Number(timeoutText);
  if (!Number.isFinite(timeoutS) || timeoutS < 0)
    throw invalid(`connect_timeout '${timeoutText}' is not seconds`);
  const password =
    (u.password ? dec(u.password) : undefined) ??
    nonEmpty(env.PGPASSWORD) ??
    passwordFromFile(env, { host, port, database, user });
  return {
    host,
    port,
    database,
    user,
    password,
    ssl: sslFor(sslmode, nonEmpty(q("sslrootcert"), env.PGSSLROOTCERT), invalid),
    sslmode,
    schema,
    applicationName: nonEmpty(q("application_name"), env.PGAPPNAME) ?? "dpn",
    // libpq: 0 means wait indefinitely; pg's connectionTimeoutMillis 0 means the same.
    connectTimeoutMs: Math.round(timeoutS * 1000),
  };
}

/** `user@host:port/database`: names the server in messages without any secret. */
export function describeTarget(t: PgTarget): string {
  return `${t.user}@${t.host}:${t.port}/${t.database}`;
}

function osUser(env: Record<string, string | undefined>): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? "postgres";
  }
}

/**
 * TLS options for an sslmode (https://www.postgresql.org/docs/15/libpq-ssl.html#LIBPQ-SSL-PROTECTION).
 * `pg` cannot fall back from TLS to plain text within one connect, so `allow` and `prefer` (libpq's
 * default, which does not verify the server either) connect without TLS; `require` encrypts without
 * verifying; `verify-ca` verifies the chain; `verify-full` the chain and the host name. The root
 * certificates are `sslrootcert` / PGSSLROOTCERT when given, else Node's bundled CA list.
 */
function sslFor(
  mode: string,
  rootcert: string | undefined,
  invalid: (why: string) => Error,
): false | ConnectionOptions {
  if (mode === "disable" || mode === "allow" || mode === "prefer") return false;
  if (mode === "require") return { rejectUnauthorized: false };
  let ca: string | undefined;
  if (rootcert) {
    try {
      ca = readFileSync(rootcert, "utf8");
    } catch {
      throw invalid(`sslrootcert '${rootcert}' cannot be read`);
    }
  }
  return {
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}),
    ...(mode === "verify-ca" ? { checkServerIdentity: () => undefined } : {}),
  };
}

/**
 * The password of the first matching line of the password file
 * (https://www.postgresql.org/docs/15/libpq-pgpass.html): `host:port:database:user:password`,
 * `*` matches anything, `\` escapes `:` and `\`. Like libpq, a file readable by group or others
 * is ignored. Undefined when there is no file or no line matches.
 */
function passwordFromFile(
  env: Record<string, string | undefined>,
  t: { host: string; port: number; database: string; user: string },
): string | undefined {
  const file = env.PGPASSFILE || join(env.HOME || homedir(), ".pgpass");
  let text: string;
  try {
    if ((statSync(file).mode & 0o077) !== 0) return undefined;
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const host = t.host.startsWith("/") ? "localhost" : t.host;
  const want = [host, String(t.port), t.database, t.user];
  for (const line of text.split(/\r?\n/)) {
    if (line === "" || line.startsWith("#")) continue;
    const fields: string[] = [];
    let cur = "";
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === "\\" && i + 1 < line.length) cur += line[++i];
      else if (c === ":" && fields.length < 4) {
        fields.push(cur);
        cur = "";
      } else cur += c;
    }
    fields.push(cur);
    if (fields.length !== 5) continue;
    if (want.every((w, i) => fields[i] === "*" || fields[i] === w)) return fields[4];
  }
  return undefined;
}
