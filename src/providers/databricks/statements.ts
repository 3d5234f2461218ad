/**
 * SQL Statement Execution API 2.0: run one statement on a warehouse and wait for a terminal
 * state. A SQL failure arrives as HTTP 200 with `status.state = FAILED`; it is turned into a
 * ProviderError here, so callers only ever see success or a thrown error.
 */
import { ProviderError, type ProviderErrorCategory } from "../../core/errors.js";
import { sleep } from "../../core/sleep.js";
import type { DatabricksClient } from "./client.js";

export interface StatementResult {
  statement_id: string;
  status: { state: string; error?: { error_code?: string; message?: string }; sql_state?: string };
  result?: { data_array?: (string | null)[][] };
}

export interface ExecuteOptions {
  /** Stops retries of the HTTP calls (see DatabricksClient.request); polling continues. */
  signal?: AbortSignal;
  /** First poll delay; doubles up to 5 s. */
  pollMs?: number;
  /** Give up polling after this long (the statement is then cancelled); default 10 min. */
  maxWaitMs?: number;
}

const STATEMENT_CATEGORY: Record<string, ProviderErrorCategory> = {
  ALREADY_EXISTS: "conflict",
  ABORTED: "conflict",
  NOT_FOUND: "not_found",
  BAD_REQUEST: "invalid_input",
  UNAUTHENTICATED: "auth",
  RESOURCE_EXHAUSTED: "throttled",
  TEMPORARILY_UNAVAILABLE: "unavailable",
  SERVICE_UNDER_MAINTENANCE: "unavailable",
  WORKSPACE_TEMPORARILY_UNAVAILABLE: "unavailable",
  DEADLINE_EXCEEDED: "timeout",
};

function failure(r: StatementResult): ProviderError {
  const code = r.status.error?.error_code ?? "UNKNOWN";
  let category = STATEMENT_CATEGORY[code] ?? "internal";
  const msg = r.status.error?.message ?? `statement ${r.status.state}`;
  // DDL errors often come back as BAD_REQUEST with the SQL error class in the message.
  if (/TABLE_OR_VIEW_ALREADY_EXISTS|ALREADY_EXISTS/.test(msg) || r.status.sql_state === "42P07")
    category = "conflict";
  else if (/SCHEMA_NOT_FOUND|TABLE_OR_VIEW_NOT_FOUND|CATALOG_NOT_FOUND/.test(msg)) category = "not_found";
  return new ProviderError(
    category,
    category === "conflict" ? "DBX_SQL_CONFLICT" : "DBX_SQL_FAILED",
    `SQL statement ${r.status.state}: ${code}: ${msg}`,
    {
      // A FAILED/CANCELED statement is a terminal outcome: the DDL did not apply.
      outcome: "not_applied",
      details: { statement_id: r.statement_id, error_code: code, sql_state: r.status.sql_state },
    },
  );
}

/**
 * Terminal states that mean the statement ran to completion. `CLOSED` is "execution successful,
 * and statement closed; result no longer available for fetch" (databricks-sdk-go
 * service/sql/model.go `StatementStatus.State`): for DDL, which has no result to fetch, it is a
 * success like `SUCCEEDED`.
 */
const SUCCESS_STATES = new Set(["SUCCEEDED", "CLOSED"]);

/**
 * Execute `statement` on `warehouseId` and wait until it succeeds (SUCCEEDED or CLOSED). Throws
 * ProviderError for FAILED/CANCELED statements (outcome not_applied), for HTTP errors (from the
 * client), and `DBX_SQL_TIMEOUT` (outcome unknown) when it does not finish within `maxWaitMs`.
 */
export async function executeStatement(
  client: DatabricksClient,
  warehouseId: string,
  statement: string,
  opts: ExecuteOptions = {},
): Promise<StatementResult> {
  let r = await client.request<StatementResult>("POST", "/api/2.0/sql/statements", {
    body: { warehouse_id: warehouseId, statement, wait_timeout: "10s", on_wait_timeout: "CONTINUE" },
    signal: opts.signal,
  });
  const deadline = Date.now() + (opts.maxWaitMs ?? 600_000);
  let delay = opts.pollMs ?? 250;
  while (r.status?.state === "PENDING" || r.status?.state === "RUNNING") {
    if (Date.now() > deadline) {
      await client
        .request("POST", `/api/2.0/sql/statements/${encodeURIComponent(r.statement_id)}/cancel`, {
          body: {},
          idempotent: true,
        })
        .catch(() => undefined);
      throw new ProviderError(
        "timeout",
        "DBX_SQL_TIMEOUT",
        `SQL statement ${r.statement_id} did not finish in time`,
        {
          outcome: "unknown",
          hint: "The warehouse may be starting or overloaded; check it and retry.",
          details: { statement_id: r.statement_id },
        },
      );
    }
    // Polling finishes the call in flight: an interrupt does not stop it (maxWaitMs bounds it),
    // so neither the caller nor the rollback after an interrupt is left with an unknown outcome.
    await sleep(delay);
    delay = Math.min(delay * 2, 5000);
    r = await client.request<StatementResult>(
      "GET",
      `/api/2.0/sql/statements/${encodeURIComponent(r.statement_id)}`,
      { signal: opts.signal },
    );
  }
  if (!SUCCESS_STATES.has(r.status?.state ?? "")) throw failure(r);
  return r;
}
