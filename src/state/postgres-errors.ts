/**
 * How the PostgreSQL state backend tells a broken connection from a refused statement, and the
 * DpnErrors it raises for each (kind `state`, exit 8). Messages name the server as
 * `user@host:port/database` and the state by its redacted URL, never the password.
 */
import { DpnError, stateError } from "../core/errors.js";
import type { PgTarget } from "./postgres-config.js";
import { quoteIdent } from "./postgres-migrations.js";

/** SQLSTATE of a server error, when `e` is one. */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
]);

/**
 * True when `e` says the connection is gone or could not be made (rather than the server
 * rejecting a statement): socket errors, SQLSTATE class 08 (connection exception), 57P01-57P03
 * (the server terminated the session or is shutting down), and the driver's own messages for a
 * connection that ended (https://www.postgresql.org/docs/15/errcodes-appendix.html).
 */
export function isConnectionFailure(e: unknown): boolean {
  if (!(e instanceof Error) || e instanceof DpnError) return false;
  const state = sqlState(e);
  if (state) return state.startsWith("08") || state === "57P01" || state === "57P02" || state === "57P03";
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && SOCKET_CODES.has(code)) return true;
  return /connection terminated|not queryable|connection ended|timeout expired|timeout exceeded when trying to connect|query read timeout|terminating connection|connect ETIMEDOUT|socket hang up/i.test(
    e.message,
  );
}

/** What every message says about where the state is. */
export interface Where {
  display: string;
  server: string;
  target: PgTarget;
}

function detailsOf(w: Where, op: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    location: w.display,
    host: w.target.host,
    port: w.target.port,
    database: w.target.database,
    user: w.target.user,
    schema: w.target.schema,
    operation: op,
    ...extra,
  };
}

export function unreachable(w: Where, op: string, cause: unknown): DpnError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return stateError(
    "STATE_UNREACHABLE",
    `Cannot reach the PostgreSQL state at ${w.server} (${op}: ${why}); nothing was written`,
    {
      hint: "Check that the server is up and reachable from here (host, port, firewall, sslmode), then run the command again; `dpn recover` finishes a run that was cut off.",
      details: detailsOf(w, op, { reason: why }),
      cause,
    },
  );
}

export function commitUnknown(w: Where, op: string, cause: unknown): DpnError {
  return stateError(
    "STATE_COMMIT_UNKNOWN",
    `The connection to the PostgreSQL state at ${w.server} broke while ${op} was committing: it may or may not be stored`,
    {
      hint: "Run `dpn recover` once the server is reachable: it reads what was stored and settles the run either way.",
      details: detailsOf(w, op),
      cause,
    },
  );
}

/** Map a pg error to a DpnError naming the server (never the password). DpnErrors pass through. */
export function toPgStateError(e: unknown, w: Where, op: string): unknown {
  if (e instanceof DpnError || !(e instanceof Error)) return e;
  if (isConnectionFailure(e)) return unreachable(w, op, e);
  const state = sqlState(e);
  if (!state) return e;
  const d = detailsOf(w, op, { sqlstate: state });
  const msg = e.message;
  if (state === "28P01" || state === "28000")
    return stateError("STATE_AUTH_FAILED", `PostgreSQL at ${w.server} refused the login: ${msg}`, {
      hint: "Check the user and password (URL, PGUSER/PGPASSWORD or ~/.pgpass) and the server's pg_hba.conf entry for this client.",
      details: d,
      cause: e,
    });
  if (state === "3D000")
    return stateError("STATE_UNREACHABLE", `The PostgreSQL state database ${w.server} does not exist`, {
      hint: `Create it first (createdb ${w.target.database}, or CREATE DATABASE ${quoteIdent(w.target.database)}), then run the command again.`,
      details: d,
      cause: e,
    });
  if (state === "53300")
    return stateError("STATE_UNREACHABLE", `PostgreSQL at ${w.server} accepts no more connections (${msg})`, {
      hint: "The server's max_connections is reached; retry later or raise it.",
      details: d,
      cause: e,
    });
  if (state === "42501")
    return stateError(
      "STATE_PERMISSION_DENIED",
      `The PostgreSQL user ${w.target.user} may not do ${op} in schema ${w.target.schema} at ${w.server}: ${msg}`,
      {
        hint: `Grant what dpn needs (docs/state-postgres.md): GRANT USAGE, CREATE ON SCHEMA ${w.target.schema} TO ${w.target.user}; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${w.target.schema} TO ${w.target.user};`,
        details: d,
        cause: e,
      },
    );
  if (state === "23503") return referenceMissing(w, op);
  if (state === "23505")
    return stateError("STATE_DUPLICATE", `${op} would duplicate an existing row in ${w.display}.`, {
      hint: "This is a bug in dpn (ids must be unique); please report it.",
      details: d,
      cause: e,
    });
  if (state === "25006")
    return stateError(
      "STATE_UNWRITABLE",
      `PostgreSQL at ${w.server} is read-only (a standby?): ${op} cannot write`,
      {
        hint: "Point the state URL at the primary server.",
        details: d,
        cause: e,
      },
    );
  if (state === "53100")
    return stateError("STATE_DISK_FULL", `The disk of PostgreSQL at ${w.server} is full (${op}).`, {
      hint: "Free disk space on the server and retry; nothing was written by the failed step.",
      details: d,
      cause: e,
    });
  if (state === "55P03")
    return stateError(
      "STATE_LOCKED_DB",
      `A row ${op} needs stayed locked by another session at ${w.server}.`,
      {
        hint: "Another session holds it (possibly a connection that broke mid-write and that the server has not noticed yet); retry shortly.",
        details: d,
        cause: e,
      },
    );
  return stateError("STATE_ERROR", `PostgreSQL at ${w.server} failed ${op}: ${msg} (SQLSTATE ${state})`, {
    hint: "Retry; if it persists, report the SQLSTATE and `dpn --version` (the state is kept as it is).",
    details: d,
    cause: e,
  });
}

export function referenceMissing(w: Where, op: string): DpnError {
  return stateError(
    "STATE_REFERENCE_MISSING",
    `${op} refers to a stack or transaction missing from ${w.display}.`,
    {
      hint: "This is a bug in dpn (a stack must be ensured and a transaction begun before use); please report it.",
      details: detailsOf(w, op),
    },
  );
}
