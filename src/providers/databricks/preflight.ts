/**
 * Databricks preflight: every dependency a plan's Databricks resources need, checked with reads
 * only before the first write, so a missing warehouse or metastore stops the run before it has
 * created (and must roll back) anything.
 */
import { DpnError } from "../../core/errors.js";
import type { ProvisionedType } from "../../core/resources.js";
import { cloudOf, serviceOf } from "../../types/registry.js";
import { DatabricksCallError, type DatabricksClient, isNotFoundError } from "./client.js";
import { principalOf } from "./principal.js";

/** Unity Catalog types: they need a metastore assigned to the workspace. */

/**
 * Warehouse states the Statement Execution API can run on. A STOPPED (or STOPPING/STARTING)
 * warehouse is usable: "a SQL warehouse auto-restarts [when] a warehouse is stopped and you
 * attempt to run a query" (docs.databricks.com/aws/en/compute/sql-warehouse/); statements wait in
 * PENDING ("waiting for warehouse", sdk-go sql.StatementStatus) while it starts. DELETING/DELETED
 * (sql.State) are not.
 */
const UNUSABLE_WAREHOUSE_STATES = new Set(["DELETING", "DELETED"]);

/**
 * Error codes of `current-metastore-assignment` that mean "no Unity Catalog here", as
 * databricks/cli libs/template/helpers.go reads them: METASTORE_DOES_NOT_EXIST ("default
 * metastore is not assigned to the workspace"), FEATURE_DISABLED (UC not in the workspace's tier),
 * and the gateway answer "Bad Target: …".
 */
const NO_METASTORE_CODES = new Set(["METASTORE_DOES_NOT_EXIST", "FEATURE_DISABLED"]);

export interface DatabricksPreflightInput {
  /** The resource types of the plan (any cloud: non-Databricks types are ignored). */
  types: readonly ProvisionedType[];
  /**
   * The SQL warehouse table DDL will run on (`DATABRICKS_WAREHOUSE_ID` / profile `warehouse_id`);
   * defaults to the client's configured one.
   */
  warehouseId?: string;
  signal?: AbortSignal;
}

function rethrowAuth(e: unknown, what: string): never {
  if (e instanceof DatabricksCallError && e.category === "auth") {
    const rejected = e.api.status === 401;
    throw new DpnError(
      "auth",
      rejected ? "DBX_AUTH" : "DBX_PERMISSION_DENIED",
      rejected
        ? `Databricks rejected the credentials while ${what}: ${e.api.message}`
        : `Databricks denied access while ${what}: ${e.api.message}`,
      {
        hint: rejected
          ? "Check DATABRICKS_TOKEN or DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET (or the profile) and DATABRICKS_HOST."
          : "The principal lacks a permission this plan needs; ask a workspace admin to grant it.",
        details: { status: e.api.status, error_code: e.api.errorCode || undefined },
        cause: e,
      },
    );
  }
  throw e;
}

/**
 * Check, with reads only and before any write, what the plan's Databricks resources depend on:
 *
 * 1. credentials — an authenticated read (SCIM `Me`, which also primes `principal`);
 * 2. when the plan holds a Unity Catalog type (`dbx_catalog`, `dbx_schema`, `dbx_table`,
 *    `dbx_volume`): a metastore assigned to the workspace
 *    (`GET /api/2.1/unity-catalog/current-metastore-assignment`);
 * 3. when the plan holds a `dbx_table`: a SQL warehouse is configured, exists
 *    (`GET /api/2.0/sql/warehouses/{id}`) and is not DELETING/DELETED (a STOPPED warehouse is fine:
 *    statements start it).
 *
 * Resolves when everything is in place (immediately, with no request, for a plan without
 * Databricks types). Nothing is ever written. Throws DpnError:
 * - kind `auth` (exit 4): `DBX_AUTH` (401, the same code as any rejected Databricks call), `DBX_PERMISSION_DENIED` (403 on any
 *   of these reads);
 * - kind `validation` (exit 3): `DBX_NO_METASTORE`, `DBX_WAREHOUSE_MISSING`,
 *   `DBX_WAREHOUSE_NOT_FOUND`, `DBX_WAREHOUSE_UNUSABLE` — each with the offending value and a hint;
 * - or the client's ProviderError (exit 5) when Databricks cannot be reached.
 */
export async function databricksPreflight(
  client: DatabricksClient,
  input: DatabricksPreflightInput,
): Promise<void> {
  const types = input.types.filter((t) => cloudOf(t) === "databricks");
  if (types.length === 0) return;
  const { signal } = input;

  try {
    await principalOf(client, signal);
  } catch (e) {
    rethrowAuth(e, "reading the current user (GET /api/2.0/preview/scim/v2/Me)");
  }

  if (types.some((t) => serviceOf(t) === "unity-catalog")) {
    try {
      await client.request("GET", "/api/2.1/unity-catalog/current-metastore-assignment", { signal });
    } catch (e) {
      const api = e instanceof DatabricksCallError ? e.api : undefined;
      if (
        api &&
        (NO_METASTORE_CODES.has(api.errorCode) ||
          /^Bad Target:/.test(api.message) ||
          (isNotFoundError(e) && api.status === 404))
      ) {
        throw new DpnError(
          "validation",
          "DBX_NO_METASTORE",
          `The Databricks workspace ${client.host} has no Unity Catalog metastore (${api.errorCode || api.status}: ${api.message})`,
          {
            hint: "Catalogs, schemas, tables and volumes need a metastore assigned to the workspace: ask an account admin to assign one, or remove them from the blueprint.",
            details: { host: client.host, error_code: api.errorCode || undefined },
            cause: e,
          },
        );
      }
      rethrowAuth(e, "reading the workspace's metastore assignment");
    }
  }

  if (types.includes("dbx_table")) {
    const warehouseId = input.warehouseId ?? client.warehouseId;
    if (!warehouseId) {
      throw new DpnError(
        "validation",
        "DBX_WAREHOUSE_MISSING",
        "The plan creates Unity Catalog tables, which need a SQL warehouse, and none is configured",
        {
          hint: "Set DATABRICKS_WAREHOUSE_ID (or warehouse_id in the Databricks profile) to a SQL warehouse id.",
        },
      );
    }
    let state: string | undefined;
    try {
      const w = await client.request<{ state?: string }>(
        "GET",
        `/api/2.0/sql/warehouses/${encodeURIComponent(warehouseId)}`,
        { signal },
      );
      state = w.state;
    } catch (e) {
      if (isNotFoundError(e)) {
        throw new DpnError(
          "validation",
          "DBX_WAREHOUSE_NOT_FOUND",
          `SQL warehouse ${JSON.stringify(warehouseId)} does not exist in ${client.host}`,
          {
            hint: "Check DATABRICKS_WAREHOUSE_ID: the id is the last part of the warehouse's connection details (HTTP path /sql/1.0/warehouses/<id>).",
            details: { warehouse_id: warehouseId },
            cause: e,
          },
        );
      }
      rethrowAuth(e, `reading SQL warehouse ${warehouseId}`);
    }
    if (state !== undefined && UNUSABLE_WAREHOUSE_STATES.has(state)) {
      throw new DpnError(
        "validation",
        "DBX_WAREHOUSE_UNUSABLE",
        `SQL warehouse ${JSON.stringify(warehouseId)} is ${state} and cannot run statements`,
        {
          hint: "Point DATABRICKS_WAREHOUSE_ID at a live SQL warehouse (a stopped one is fine: it starts on the first statement).",
          details: { warehouse_id: warehouseId, state },
        },
      );
    }
  }
}
