/**
 * Loopback Databricks workspace for tests (see SPEC.md): clusters, jobs, Unity Catalog
 * catalogs/schemas/volumes/tables/tag assignments, SQL statements and OIDC M2M, with the real
 * API's quirks, fault injection and a request log. Shapes are checked at compile time against
 * the official SDK model types (type-only import; nothing of the SDK runs).
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { catalog, compute, iam, jobs, sql } from "@databricks/sdk-experimental";
import { type FaultRule, Faults } from "./faults.js";
import { DEFAULT_END_OF_SUPPORT, DEFAULT_NODE_TYPES, DEFAULT_SPARK_VERSIONS } from "./runtime-catalog.js";
import { parseStatement, SqlError, type Stmt, type TypeNode } from "./sql-parser.js";

export interface FakeOptions {
  /** PAT accepted as `Authorization: Bearer`; random when omitted. */
  token?: string;
  /** OAuth M2M clients: client_id → client_secret. */
  oauthClients?: Record<string, string>;
  /** Lifetime of issued OAuth tokens in seconds (default 3600). Tokens really expire. */
  oauthTokenTtlSec?: number;
  /** clusters/get and jobs/get for unknown ids: `400` INVALID_PARAMETER_VALUE (default) or `404`. */
  notFoundStyle?: "400" | "404";
  /** clusters/get calls on a PENDING cluster before it is RUNNING (default 1). */
  clusterGetsUntilRunning?: number;
  /** First job id (bigint; default 1000000000000001). */
  firstJobId?: bigint;
  /** SQL warehouse id accepted by the statements API (default `wh-fake`). */
  warehouseId?: string;
  /** GET polls before a statement leaves PENDING/RUNNING (default 0: finishes inline). */
  statementPolls?: number;
  /** Cap on saved jobs (QUOTA_EXCEEDED beyond it). */
  maxJobs?: number;
  /** False: the caller is not a workspace admin (clusters/pin and /unpin → 403). Default true. */
  workspaceAdmin?: boolean;
  /** `clusters/spark-versions` answer (default: runtime-catalog.ts, late 2026, AWS). */
  sparkVersions?: compute.SparkVersion[];
  /** Runtime keys past end of support: not listed, and refused on create/edit. */
  endOfSupportVersions?: string[];
  /** `clusters/list-node-types` answer (default: runtime-catalog.ts). */
  nodeTypes?: compute.NodeType[];
  /**
   * True: Delta accepts top-level VOID columns (Databricks Runtime 18.2 and above); default false,
   * as on earlier runtimes. VOID inside ARRAY/MAP, all-VOID structs and all-VOID tables are refused
   * either way (docs.databricks.com/aws/en/sql/language-manual/data-types/null-type).
   */
  voidColumns?: boolean;
  /** The user the PAT belongs to (SCIM `Me.userName`, `creator_user_name`, `created_by`); default `fake@example.com`. */
  userName?: string;
  /** False: no Unity Catalog metastore is assigned (UC routes → 404 METASTORE_DOES_NOT_EXIST). */
  metastore?: boolean;
  /** State of the SQL warehouse `warehouseId` (default RUNNING); null: the warehouse does not exist. */
  warehouseState?: sql.State | null;
  /**
   * State a successful statement ends in: `SUCCEEDED` (default) or `CLOSED` ("execution
   * successful, and statement closed; result no longer available": sdk-go sql `StatementStatus`).
   */
  statementSuccessState?: "SUCCEEDED" | "CLOSED";
  /**
   * The server-configured page lengths of the list routes (SPEC.md "Listing"): `uc` for UC
   * catalogs/schemas/tables (`max_results` 0 or more than it; the real value is not documented,
   * default 50), `volumes` (documented 10000, the default), `clusters` (the cap on `page_size`,
   * "the server may further constrain": default 100), `tags` (tag assignments, default 50).
   */
  pageLengths?: { uc?: number; volumes?: number; clusters?: number; tags?: number };
}

/** One request as the server saw it. Authorization values are never recorded. */
export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** performance.now() at arrival. */
  at: number;
  auth: "bearer" | "basic" | "none";
}

interface Cluster {
  details: compute.ClusterDetails & { cluster_id: string };
  getsInState: number;
  /** Pinned clusters are kept and listed after termination (ClusterDetails has no field for it). */
  pinned: boolean;
}
interface Job {
  job_id: bigint;
  created_time: number;
  creator: string;
  settings: Omit<jobs.JobSettings, "tags"> & { tags?: Record<string, string> };
}
interface Statement {
  resp: sql.StatementResponse & { statement_id: string };
  pollsLeft: number;
  run: () => void;
}

export interface FakeState {
  clusters: Map<string, Cluster>;
  jobs: Map<string, Job>;
  catalogs: Map<string, catalog.CatalogInfo>;
  schemas: Map<string, catalog.SchemaInfo>;
  volumes: Map<string, catalog.VolumeInfo>;
  tables: Map<string, catalog.TableInfo>;
  /** `volumes/<full_name>` → tag key → value. */
  tags: Map<string, Map<string, string>>;
  /** Every statement text received, in order. */
  statements: string[];
  /** OAuth tokens issued so far. */
  issuedTokens: number;
  /** Extra SQL failures: first match wins, fires once. */
  sqlFailures: { match: RegExp; error_code: sql.ServiceErrorCode; message: string }[];
}

export interface DatabricksFake {
  url: string;
  token: string;
  warehouseId: string;
  log: LoggedRequest[];
  faults: Faults;
  state: FakeState;
  /** Move the fake's clock forward (cluster purge after 30 days, token expiry, timestamps). */
  advanceTime(ms: number): void;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// --- JSON with int64 ids: bare integers of job_id/run_id become bigint; quoted ones are rejected.
const INT64_KEY = /([{,]\s*)"(job_id|run_id)"(\s*):(\s*)(-?\d+)(?=\s*[,}\]])/g;
function parseBody(text: string): unknown {
  if (!text.trim()) return {};
  return JSON.parse(text.replace(INT64_KEY, '$1"$2"$3:$4{"$int64":"$5"}'), (_k, v) =>
    v && typeof v === "object" && typeof v.$int64 === "string" && Object.keys(v).length === 1
      ? BigInt(v.$int64)
      : v,
  );
}
function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `\u0000int:${x}` : x)).replace(
    /"\\u0000int:(-?\d+)"/g,
    "$1",
  );
}

function int64(v: unknown, what: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "string" && /^\d+$/.test(v)) return BigInt(v); // query strings
  throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Invalid value for ${what}: expected an int64 number`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: UC and tag rules are about control characters
const UC_NAME_FORBIDDEN = /[.\s/\u0000-\u001f\u007f]/;
const TAG_KEY_FORBIDDEN = /[.,\-=/:]/;
/** entity_type values of the tag-assignment API (SDK EntityTagAssignment.entity_type docs). */
const TAG_ENTITY_TYPES = new Set(["catalogs", "schemas", "tables", "columns", "volumes"]);

function ucName(n: unknown, what: string): string {
  if (typeof n !== "string" || !n || n.length > 255 || UC_NAME_FORBIDDEN.test(n)) {
    throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Invalid ${what} name ${JSON.stringify(n)}`);
  }
  return n.toLowerCase();
}

/**
 * Cluster custom_tags / job tags as Databricks validates them: the AWS rules of databricks/cli
 * `libs/tags/aws.go` + `tag.go` (key 1–127 bytes, value ≤ 255 bytes, Latin-1, pattern
 * `^[\d \w\+\-=\.:\/@]*$` with RE2's ASCII `\d`/`\w`), at most 45 custom tags per cluster and 25
 * tags per job (databricks-sdk-go `compute.ClusterSpec.CustomTags`, `jobs.JobSettings.Tags`; job
 * tags are "subject to the same limitations as cluster tags").
 */
function computeTags(tags: Record<string, string>, max: number, what: string): void {
  const n = Object.keys(tags).length;
  if (n > max)
    throw new ApiError(400, "INVALID_PARAMETER_VALUE", `${what}: ${n} tags exceed the limit of ${max}`);
  const ok = /^[0-9A-Za-z_ +\-=.:/@]*$/;
  for (const [k, v] of Object.entries(tags)) {
    const kb = Buffer.byteLength(k, "utf8");
    if (kb < 1 || kb > 127 || !ok.test(k))
      throw new ApiError(400, "INVALID_PARAMETER_VALUE", `${what}: invalid tag key ${JSON.stringify(k)}`);
    if (typeof v !== "string" || Buffer.byteLength(v, "utf8") > 255 || !ok.test(v))
      throw new ApiError(
        400,
        "INVALID_PARAMETER_VALUE",
        `${what}: invalid value ${JSON.stringify(v)} for tag ${JSON.stringify(k)}`,
      );
  }
}

const METASTORE_ID = "120efa64-9b68-46ba-be38-f319458430d2";

/** Array properties of JobSettings that jobs/get (API 2.2) pages, and the page size. */
const JOB_PAGED_ARRAYS = ["tasks", "job_clusters", "parameters", "environments"] as const;
const JOB_PAGE = 100;

// ---------------------------------------------------------------------------------------------
// What Databricks SQL refuses in a CREATE TABLE / ALTER TABLE, independently of dpn's validator.
// ---------------------------------------------------------------------------------------------

/**
 * Table property keys Spark reserves for their own clauses (Apache Spark `CatalogV2Util.
 * TABLE_RESERVED_PROPERTIES`: comment, location, provider, owner, external, is_managed_location);
 * `SET`/`UNSET TBLPROPERTIES` or `TBLPROPERTIES` with one fails `UNSUPPORTED_FEATURE.SET_TABLE_PROPERTY`.
 */
const RESERVED_TABLE_PROPERTIES = [
  "comment",
  "location",
  "provider",
  "owner",
  "external",
  "is_managed_location",
];

function assertNoReservedProperties(keys: string[]): void {
  for (const k of keys) {
    // exact keys, as Spark's parser matches them (`cleanTableProperties`)
    if (RESERVED_TABLE_PROPERTIES.includes(k))
      throw new SqlError(
        "UNSUPPORTED_FEATURE.SET_TABLE_PROPERTY",
        `The feature is not supported: ${k} is a reserved table property, please use the matching clause (COMMENT, LOCATION, USING, OWNER TO) to specify it.`,
        "0A000",
      );
  }
}

/**
 * Characters Delta refuses in column names unless column mapping is on: " ,;{}()\n\t=" (Delta column
 * mapping docs, docs.databricks.com/aws/en/delta/column-mapping: with `delta.columnMapping.mode`
 * set, "you can include spaces as well as any of these characters in the table's column names:
 * ,;{}()\n\t=").
 */
const DELTA_BAD_COLUMN_CHARS = /[ ,;{}()\n\t=]/;

function fieldNames(node: TypeNode): string[] {
  if (node.kind === "struct") return node.fields.flatMap((f) => [f.name, ...fieldNames(f.type)]);
  if (node.kind === "array") return fieldNames(node.element);
  if (node.kind === "map") return [...fieldNames(node.key), ...fieldNames(node.value)];
  return [];
}

const isVoid = (n: TypeNode) => n.kind === "primitive" && n.name === "void";

/** VOID / empty-struct rules of Delta (null-type docs; Parquet cannot store a group with no leaves). */
function checkTypeNode(node: TypeNode, column: string, inComplex: boolean, voidColumns: boolean): void {
  if (isVoid(node) && (inComplex || !voidColumns))
    throw new SqlError(
      "DELTA_UNSUPPORTED_DATA_TYPES",
      `Column ${column}: Delta does not accept the VOID type${inComplex ? " inside ARRAY or MAP" : ""}.`,
      "0AKDC",
    );
  if (node.kind === "struct") {
    if (node.fields.length === 0)
      throw new SqlError(
        "DELTA_UNSUPPORTED_DATA_TYPES",
        `Column ${column}: STRUCT<> with no fields cannot be stored in a Delta table.`,
        "0AKDC",
      );
    if (node.fields.every((f) => isVoid(f.type)))
      throw new SqlError(
        "DELTA_UNSUPPORTED_DATA_TYPES",
        `Column ${column}: a STRUCT cannot have only VOID fields.`,
        "0AKDC",
      );
    for (const f of node.fields) checkTypeNode(f.type, `${column}.${f.name}`, inComplex, voidColumns);
  }
  if (node.kind === "array") checkTypeNode(node.element, column, true, voidColumns);
  if (node.kind === "map") {
    checkTypeNode(node.key, column, true, voidColumns);
    checkTypeNode(node.value, column, true, voidColumns);
  }
}

/** The semantic checks of CREATE TABLE … USING DELTA that the grammar alone does not make. */
function checkTableDefinition(s: Extract<Stmt, { kind: "create_table" }>, voidColumns: boolean): void {
  assertNoReservedProperties(Object.keys(s.properties));
  const mapping = (s.properties["delta.columnMapping.mode"] ?? "none").toLowerCase();
  if (mapping !== "name" && mapping !== "id") {
    const bad = s.columns
      .flatMap((c) => [c.name, ...fieldNames(c.node)])
      .filter((n) => DELTA_BAD_COLUMN_CHARS.test(n));
    if (bad.length)
      throw new SqlError(
        "DELTA_INVALID_CHARACTERS_IN_COLUMN_NAMES",
        `Found invalid character(s) among ' ,;{}()\\n\\t=' in the column names of your schema: ${bad.map((b) => JSON.stringify(b)).join(", ")}. Please use other characters and try again, or enable Column Mapping.`,
        "42K05",
      );
  }
  for (const c of s.columns) checkTypeNode(c.node, c.name, false, voidColumns);
  if (s.columns.length > 0 && s.columns.every((c) => isVoid(c.node)))
    throw new SqlError(
      "DELTA_UNSUPPORTED_DATA_TYPES",
      "A Delta table cannot have only VOID columns.",
      "0AKDC",
    );
  for (const p of s.partitionBy) {
    const col = s.columns.find((c) => c.name.toLowerCase() === p.toLowerCase());
    const node = col?.node;
    // "You can't use variant columns to partition a table" (docs.databricks.com/aws/en/tables/features/variant);
    // Spark refuses nested types as partition columns too (SPARK-45827).
    if (node && (node.kind !== "primitive" || node.name === "variant"))
      throw new SqlError(
        "INVALID_PARTITION_COLUMN_DATA_TYPE",
        `Cannot use ${col?.type} for partition column ${p}.`,
        "0A000",
      );
  }
}

/** Start the fake on 127.0.0.1 with a free port. */
export async function startDatabricksFake(opts: FakeOptions = {}): Promise<DatabricksFake> {
  const token = opts.token ?? `dapi${randomBytes(16).toString("hex")}`;
  const warehouseId = opts.warehouseId ?? "wh-fake";
  const oauthTokens = new Map<string, { exp: number; clientId: string }>(); // token → expiry, client
  const userName = opts.userName ?? "fake@example.com";
  /**
   * Who the current request acts as, in the spelling Databricks uses in creator fields: a user's
   * email, or for an OAuth M2M service principal its application id, which is the OAuth client id
   * (SCIM `Me.userName` of a service principal is its application id: databricks/cli
   * libs/iamutil/service_principal.go; `jobs.Job.run_as_user_name` "the email of an active workspace
   * user or the application ID of a service principal"). Set per request before its handler runs.
   */
  let caller = userName;
  const faults = new Faults();
  const log: LoggedRequest[] = [];
  const state: FakeState = {
    clusters: new Map(),
    jobs: new Map(),
    catalogs: new Map(),
    schemas: new Map(),
    volumes: new Map(),
    tables: new Map(),
    tags: new Map(),
    statements: [],
    issuedTokens: 0,
    sqlFailures: [],
  };
  let nextJobId = opts.firstJobId ?? 1_000_000_000_000_001n;
  let clusterSeq = 0;
  let stmtSeq = 0;
  const notFound400 = (opts.notFoundStyle ?? "400") === "400";
  let baseUrl = "";
  const warehouse: { state: sql.State | null } = {
    state: opts.warehouseState === undefined ? "RUNNING" : opts.warehouseState,
  };
  const sparkVersions = opts.sparkVersions ?? DEFAULT_SPARK_VERSIONS;
  const endOfSupport = opts.endOfSupportVersions ?? DEFAULT_END_OF_SUPPORT;
  const nodeTypes = opts.nodeTypes ?? DEFAULT_NODE_TYPES;
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;

  // ------------------------------------------------------------------ clusters
  // "Databricks retains cluster configuration information for terminated clusters for 30 days"
  // unless pinned (databricks-sdk-go service/compute/api.go, ClustersAPI doc); ClustersAPI.List
  // returns "all pinned and active clusters, and all clusters terminated within the last 30 days".
  const RETAIN_MS = 30 * 24 * 3600 * 1000;
  const purgeClusters = () => {
    for (const [id, c] of state.clusters) {
      const t = c.details.terminated_time;
      if (!c.pinned && c.details.state === "TERMINATED" && t !== undefined && now() - t > RETAIN_MS)
        state.clusters.delete(id);
    }
  };
  const clusterOr = (id: unknown): Cluster => {
    purgeClusters();
    const c = typeof id === "string" ? state.clusters.get(id) : undefined;
    if (!c) {
      if (notFound400)
        throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Cluster ${String(id)} does not exist`);
      throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Cluster ${String(id)} does not exist`);
    }
    return c;
  };
  const setState = (c: Cluster, s: compute.State) => {
    c.details.state = s;
    c.getsInState = 0;
    if (s === "TERMINATED") c.details.terminated_time = now();
  };
  const clusterSpec = (b: Record<string, unknown>): compute.CreateCluster => {
    if (typeof b.spark_version !== "string" || !b.spark_version)
      throw new ApiError(400, "INVALID_PARAMETER_VALUE", "Missing required field: spark_version");
    // New clusters only run listed runtimes; one past end of support is refused (release notes:
    // "end-of-support" dates, docs.databricks.com/aws/en/release-notes/runtime/). Message: [U].
    if (endOfSupport.includes(b.spark_version))
      throw new ApiError(
        400,
        "INVALID_PARAMETER_VALUE",
        `Databricks Runtime ${b.spark_version} has reached end of support and cannot be used to create or edit clusters.`,
      );
    if (!sparkVersions.some((v) => v.key === b.spark_version))
      throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Invalid spark version ${b.spark_version}.`);
    if (b.instance_pool_id === undefined && (typeof b.node_type_id !== "string" || !b.node_type_id))
      throw new ApiError(400, "INVALID_PARAMETER_VALUE", "Missing required field: node_type_id");
    for (const f of ["node_type_id", "driver_node_type_id"] as const) {
      const id = b[f];
      if (id !== undefined && !nodeTypes.some((n) => n.node_type_id === id))
        throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Node type ${String(id)} is not supported.`);
    }
    if (b.num_workers === undefined && b.autoscale === undefined)
      throw new ApiError(400, "INVALID_PARAMETER_VALUE", "Either num_workers or autoscale must be set");
    computeTags((b.custom_tags ?? {}) as Record<string, string>, 45, "Custom tags");
    const a = b.autotermination_minutes as number | undefined;
    if (a !== undefined && a !== 0 && (a < 10 || a > 10000))
      throw new ApiError(400, "INVALID_PARAMETER_VALUE", "autotermination_minutes must be 0 or 10-10000");
    return b as unknown as compute.CreateCluster;
  };
  const withDefaults = (
    id: string,
    spec: compute.CreateCluster,
    creator: string,
  ): compute.ClusterDetails & { cluster_id: string } => ({
    // The server's view: what the user sent plus what the server filled in (drift noise a client
    // must not send back as choices, see SPEC.md "Clusters"). `spec` keeps what the user sent.
    ...spec,
    cluster_id: id,
    driver_node_type_id: spec.driver_node_type_id ?? spec.node_type_id,
    enable_elastic_disk: spec.enable_elastic_disk ?? true,
    enable_local_disk_encryption: spec.enable_local_disk_encryption ?? false,
    aws_attributes: {
      first_on_demand: 1,
      availability: "SPOT_WITH_FALLBACK",
      spot_bid_price_percent: 100,
      ...spec.aws_attributes,
      zone_id:
        spec.aws_attributes?.zone_id && spec.aws_attributes.zone_id !== "auto"
          ? spec.aws_attributes.zone_id
          : "us-east-1a",
    },
    ...(spec.data_security_mode === "SINGLE_USER" ||
    spec.data_security_mode === "DATA_SECURITY_MODE_DEDICATED"
      ? { single_user_name: spec.single_user_name ?? creator }
      : {}),
    default_tags: {
      Vendor: "Databricks",
      Creator: creator,
      ClusterName: spec.cluster_name ?? "",
      ClusterId: id,
    },
    creator_user_name: creator,
    cluster_source: "API",
    spec,
  });

  // ------------------------------------------------------------------ jobs
  const jobOr = (id: unknown): Job => {
    const j = state.jobs.get(int64(id, "job_id").toString());
    if (!j) {
      if (notFound400)
        throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Job ${String(id)} does not exist.`);
      throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Job ${String(id)} does not exist.`);
    }
    return j;
  };
  const jobSettings = (s: Record<string, unknown>): Job["settings"] => {
    computeTags((s.tags ?? {}) as Record<string, string>, 25, "Job tags");
    const tasks = (s.tasks ?? []) as jobs.Task[];
    if (tasks.length > 1000)
      throw new ApiError(
        400,
        "INVALID_PARAMETER_VALUE",
        `A job can have at most 1000 tasks (got ${tasks.length})`,
      );
    const keys = new Set<string>();
    for (const t of tasks) {
      if (!t.task_key) throw new ApiError(400, "INVALID_PARAMETER_VALUE", "task_key is required");
      if (keys.has(t.task_key))
        throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Duplicate task_key ${t.task_key}`);
      keys.add(t.task_key);
      if (t.existing_cluster_id && !state.clusters.has(t.existing_cluster_id)) {
        throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Cluster ${t.existing_cluster_id} does not exist`);
      }
    }
    // `format` "is ignored in Create/Update/Reset calls" and always MULTI_TASK in API 2.1+
    // (databricks-sdk-go jobs.JobSettings.Format): whatever a client sends, it reads MULTI_TASK.
    return {
      email_notifications: {},
      timeout_seconds: 0,
      max_concurrent_runs: 1,
      ...s,
      format: "MULTI_TASK",
    } as Job["settings"];
  };
  const jobOut = (j: Job, withTasks = true): jobs.Job | Record<string, unknown> => {
    const { tasks, ...rest } = j.settings;
    return {
      job_id: j.job_id,
      created_time: j.created_time,
      creator_user_name: j.creator,
      run_as_user_name: j.creator,
      settings: withTasks ? { ...rest, tasks } : rest,
    };
  };

  // ------------------------------------------------------------------ unity catalog
  const catalogOr = (n: string): catalog.CatalogInfo => {
    const c = state.catalogs.get(n.toLowerCase());
    if (!c) throw new ApiError(404, "CATALOG_DOES_NOT_EXIST", `Catalog '${n}' does not exist.`);
    return c;
  };
  const schemaOr = (full: string): catalog.SchemaInfo => {
    const s = state.schemas.get(full.toLowerCase());
    if (!s) throw new ApiError(404, "SCHEMA_DOES_NOT_EXIST", `Schema '${full}' does not exist.`);
    return s;
  };
  const volumeOr = (full: string): catalog.VolumeInfo => {
    const v = state.volumes.get(full.toLowerCase());
    if (!v) throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Volume '${full}' does not exist.`);
    return v;
  };
  const tableOr = (full: string): catalog.TableInfo => {
    const t = state.tables.get(full.toLowerCase());
    if (!t) throw new ApiError(404, "TABLE_DOES_NOT_EXIST", `Table '${full}' does not exist.`);
    return t;
  };
  const meta = (who = caller) => ({
    metastore_id: METASTORE_ID,
    owner: who,
    created_at: now(),
    created_by: who,
    updated_at: now(),
    updated_by: who,
  });
  const mkSchema = (cat: string, name: string, comment?: string, properties?: Record<string, string>) => {
    const info: catalog.SchemaInfo = {
      name,
      catalog_name: cat,
      full_name: `${cat}.${name}`,
      schema_id: randomBytes(8).toString("hex"),
      ...(comment !== undefined ? { comment } : {}),
      ...(properties ? { properties } : {}),
      catalog_type: "MANAGED_CATALOG",
      ...meta(),
    };
    state.schemas.set(info.full_name as string, info);
    return info;
  };
  const schemaChildren = (full: string) =>
    [...state.tables.keys(), ...state.volumes.keys()].filter((k) => k.startsWith(`${full}.`));
  const dropSchema = (full: string) => {
    for (const k of schemaChildren(full)) {
      state.tables.delete(k);
      state.volumes.delete(k);
      state.tags.delete(`volumes/${k}`);
    }
    state.schemas.delete(full);
  };
  // Page tokens are opaque (SDK: "Opaque pagination token"): one the fake did not issue, or one
  // issued for another list, is refused like a malformed token (400 INVALID_PARAMETER_VALUE).
  const issuedTokens = new Map<string, { list: string; offset: number }>();
  const pageOf = <T>(items: T[], q: URLSearchParams, list: string, length: number) => {
    const token = q.get("page_token");
    let start = 0;
    if (token !== null && token !== "") {
      const t = issuedTokens.get(token);
      if (!t || t.list !== list)
        throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Invalid page token: ${token}`);
      start = t.offset;
    }
    const slice = items.slice(start, start + length);
    let next: string | undefined;
    if (start + length < items.length) {
      next = randomBytes(9).toString("base64url");
      issuedTokens.set(next, { list, offset: start + length });
    }
    return { items: slice, next };
  };
  const lengths = {
    uc: opts.pageLengths?.uc ?? 50,
    volumes: opts.pageLengths?.volumes ?? 10_000,
    clusters: opts.pageLengths?.clusters ?? 100,
    tags: opts.pageLengths?.tags ?? 50,
  };
  /** `max_results` as a query integer: absent → undefined; not an integer or below 0 → 400. */
  const maxResults = (q: URLSearchParams): number | undefined => {
    const raw = q.get("max_results");
    if (raw === null) return undefined;
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw) || n < 0)
      throw new ApiError(
        400,
        "INVALID_PARAMETER_VALUE",
        `max_results must be a non-negative integer, got ${raw}`,
      );
    return n;
  };
  /**
   * UC catalogs / schemas / tables (databricks-sdk-go catalog.ListCatalogsRequest etc.): `max_results`
   * unset → everything in one answer ("not recommended"); 0 → the server's page length; more →
   * the smaller of it and the server's; negative → invalid parameter.
   */
  const ucPage = <T>(items: T[], q: URLSearchParams, list: string) => {
    const max = maxResults(q);
    if (max === undefined && q.get("page_token") === null) return { items, next: undefined };
    return pageOf(items, q, list, max ? Math.min(max, lengths.uc) : lengths.uc);
  };
  /** UC volumes (catalog.ListVolumesRequest): unset or 0 → the server's page length (10000). */
  const volumePage = <T>(items: T[], q: URLSearchParams, list: string) => {
    const max = maxResults(q);
    return pageOf(items, q, list, max ? Math.min(max, lengths.volumes) : lengths.volumes);
  };
  /** Tag assignments (catalog.ListEntityTagAssignmentsRequest): `max_results` optional. */
  const tagPage = <T>(items: T[], q: URLSearchParams, list: string) => {
    const max = maxResults(q);
    return pageOf(items, q, list, max ? Math.min(max, lengths.tags) : lengths.tags);
  };
  const entityExists = (type: string, name: string) => {
    if (type === "volumes") return state.volumes.has(name.toLowerCase());
    if (type === "tables") return state.tables.has(name.toLowerCase());
    if (type === "schemas") return state.schemas.has(name.toLowerCase());
    if (type === "catalogs") return state.catalogs.has(name.toLowerCase());
    return false;
  };
  const tagMap = (type: string, name: string) => {
    if (!entityExists(type, name))
      throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Entity ${type}/${name} does not exist.`);
    const key = `${type}/${name.toLowerCase()}`;
    let m = state.tags.get(key);
    if (!m) {
      m = new Map();
      state.tags.set(key, m);
    }
    return m;
  };

  /**
   * PATCH `new_name` (UpdateCatalog / UpdateSchema / UpdateVolumeRequestContent.NewName): the
   * object, everything inside it and their tag assignments move to the new full name. Checks come
   * first, so a refused rename changes nothing.
   */
  const renameUc = (kind: "catalogs" | "schemas" | "volumes", oldFull: string, newName: unknown): string => {
    const name = ucName(newName, kind.slice(0, -1));
    const parts = oldFull.split(".");
    const newFull = [...parts.slice(0, -1), name].join(".");
    if (newFull === oldFull) return newFull;
    if (kind === "catalogs" && /^(sys|databricks)/.test(name))
      throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Catalog name '${name}' is reserved.`);
    if (kind === "catalogs" && state.catalogs.has(newFull))
      throw new ApiError(409, "CATALOG_ALREADY_EXISTS", `Catalog '${name}' already exists`);
    if (kind === "schemas" && state.schemas.has(newFull))
      throw new ApiError(409, "SCHEMA_ALREADY_EXISTS", `Schema '${name}' already exists`);
    if (kind === "volumes" && (state.volumes.has(newFull) || state.tables.has(newFull)))
      throw new ApiError(409, "RESOURCE_ALREADY_EXISTS", `Volume '${newFull}' already exists`);
    const moved = (full: string) =>
      full === oldFull
        ? newFull
        : full.startsWith(`${oldFull}.`)
          ? `${newFull}${full.slice(oldFull.length)}`
          : full;
    const level = parts.length; // 1 catalog, 2 schema, 3 volume
    type Named = { name?: string; full_name?: string; catalog_name?: string; schema_name?: string };
    const rekey = <T extends Named>(m: Map<string, T>) => {
      for (const [k, v] of [...m.entries()]) {
        const to = moved(k);
        if (to === k) continue;
        m.delete(k);
        v.full_name = to;
        if (k === oldFull) v.name = name;
        else if (level === 1) v.catalog_name = name;
        else if (level === 2) v.schema_name = name;
        m.set(to, v);
      }
    };
    if (kind === "catalogs") rekey(state.catalogs);
    if (kind !== "volumes") {
      rekey(state.schemas);
      rekey(state.tables);
    }
    rekey(state.volumes);
    for (const [k, v] of [...state.tags.entries()]) {
      const slash = k.indexOf("/");
      const to = `${k.slice(0, slash)}/${moved(k.slice(slash + 1))}`;
      if (to !== k) {
        state.tags.delete(k);
        state.tags.set(to, v);
      }
    }
    return newFull;
  };

  // ------------------------------------------------------------------ SQL
  /**
   * `ALTER TABLE c.s.t RENAME TO [c.[s.]]new` (SPEC.md, "Renames"): within the table's schema
   * only; the table keeps its id, properties, columns and storage, and its tag assignments follow.
   * Checks come first, so a refused rename changes nothing.
   */
  const renameTable = (existing: catalog.TableInfo, to: string[], [c, sc, t]: [string, string, string]) => {
    const want = to.map((x) => x.toLowerCase());
    const [tc, ts, tn] = (want.length === 3 ? want : want.length === 2 ? [c, ...want] : [c, sc, ...want]) as [
      string,
      string,
      string,
    ];
    if (tc !== c || ts !== sc)
      throw new SqlError(
        "CANNOT_RENAME_ACROSS_SCHEMA",
        `Renaming a table across schemas is not allowed: \`${c}\`.\`${sc}\`.\`${t}\` cannot move to \`${tc}\`.\`${ts}\`.`,
        "0AKD0",
      );
    if (!tn || tn.length > 255 || UC_NAME_FORBIDDEN.test(tn))
      throw new SqlError("INVALID_IDENTIFIER", `The identifier ${tn} is invalid.`, "42602");
    if (tn === t) return;
    const newFull = `${c}.${sc}.${tn}`;
    if (state.tables.has(newFull) || state.volumes.has(newFull))
      throw new SqlError(
        "TABLE_OR_VIEW_ALREADY_EXISTS",
        `Cannot rename table or view \`${c}\`.\`${sc}\`.\`${t}\` to \`${c}\`.\`${sc}\`.\`${tn}\` because it already exists.`,
        "42P07",
      );
    const oldFull = `${c}.${sc}.${t}`;
    state.tables.delete(oldFull);
    existing.name = tn;
    existing.full_name = newFull;
    existing.updated_at = now();
    state.tables.set(newFull, existing);
    const tags = state.tags.get(`tables/${oldFull}`);
    if (tags) {
      state.tags.delete(`tables/${oldFull}`);
      state.tags.set(`tables/${newFull}`, tags);
    }
  };
  const applyStatement = (s: Stmt, who: string): void => {
    const [c, sc, t] = s.name.map((x) => x.toLowerCase()) as [string, string, string];
    const schemaFull = `${c}.${sc}`;
    const full = `${schemaFull}.${t}`;
    if (!state.schemas.has(schemaFull))
      throw new SqlError("SCHEMA_NOT_FOUND", `The schema \`${c}\`.\`${sc}\` cannot be found.`, "42704");
    const existing = state.tables.get(full);
    if (s.kind === "create_table") {
      if (existing) {
        if (s.ifNotExists) return;
        throw new SqlError(
          "TABLE_OR_VIEW_ALREADY_EXISTS",
          `Cannot create table or view \`${c}\`.\`${sc}\`.\`${t}\` because it already exists.`,
          "42P07",
        );
      }
      if (UC_NAME_FORBIDDEN.test(t))
        throw new SqlError("INVALID_IDENTIFIER", `The identifier ${t} is invalid.`, "42602");
      const names = new Set(s.columns.map((x) => x.name.toLowerCase()));
      if (names.size !== s.columns.length)
        throw new SqlError("COLUMN_ALREADY_EXISTS", "Duplicate column.", "42711");
      for (const p of s.partitionBy)
        if (!names.has(p.toLowerCase()))
          throw new SqlError("COLUMN_NOT_DEFINED_IN_TABLE", `Partition column ${p} not found.`, "42703");
      checkTableDefinition(s, opts.voidColumns === true);
      const info: catalog.TableInfo = {
        name: t,
        catalog_name: c,
        schema_name: sc,
        full_name: full,
        table_id: randomBytes(8).toString("hex"),
        table_type: "MANAGED",
        data_source_format: "DELTA",
        columns: s.columns.map((col, i) => {
          const pi = s.partitionBy.findIndex((p) => p.toLowerCase() === col.name.toLowerCase());
          return {
            name: col.name,
            type_text: col.type,
            type_name: (col.type.split(/[<(]/)[0] ?? "").toUpperCase() as catalog.ColumnTypeName,
            position: i,
            nullable: col.nullable,
            ...(col.comment !== undefined ? { comment: col.comment } : {}),
            ...(pi >= 0 ? { partition_index: pi } : {}),
          };
        }),
        ...(s.comment !== undefined ? { comment: s.comment } : {}),
        properties: {
          "delta.minReaderVersion": "3",
          "delta.minWriterVersion": "7",
          "delta.enableDeletionVectors": "true",
          ...s.properties,
        },
        storage_location: `s3://fake-metastore/tables/${randomBytes(8).toString("hex")}`,
        ...meta(who),
      };
      state.tables.set(full, info);
      return;
    }
    if (s.kind === "drop_table") {
      if (!existing) {
        if (s.ifExists) return;
        throw new SqlError(
          "TABLE_OR_VIEW_NOT_FOUND",
          `The table or view \`${c}\`.\`${sc}\`.\`${t}\` cannot be found.`,
          "42P01",
        );
      }
      state.tables.delete(full);
      return;
    }
    if (!existing)
      throw new SqlError(
        "TABLE_OR_VIEW_NOT_FOUND",
        `The table or view \`${c}\`.\`${sc}\`.\`${t}\` cannot be found.`,
        "42P01",
      );
    if (s.kind === "rename_table") {
      renameTable(existing, s.to, [c, sc, t]);
      return;
    }
    if (s.kind === "set_props" || s.kind === "unset_props")
      assertNoReservedProperties(s.kind === "set_props" ? Object.keys(s.properties) : s.keys);
    if (s.kind === "set_props") existing.properties = { ...existing.properties, ...s.properties };
    else if (s.kind === "unset_props") {
      const props = { ...existing.properties };
      for (const k of s.keys) {
        if (!(k in props) && !s.ifExists)
          throw new SqlError(
            "UNSET_NONEXISTENT_PROPERTIES",
            `Attempted to unset non-existent property ${k}.`,
            "42K0J",
          );
        delete props[k];
      }
      existing.properties = props;
    } else if (s.kind === "comment_table") {
      if (s.comment === null) delete existing.comment;
      else existing.comment = s.comment;
    }
    existing.updated_at = now();
  };
  const runStatement = (st: Statement, text: string, who: string) => {
    const injected = state.sqlFailures.findIndex((f) => f.match.test(text));
    if (injected >= 0) {
      const f = state.sqlFailures.splice(injected, 1)[0] as FakeState["sqlFailures"][number];
      st.resp.status = { state: "FAILED", error: { error_code: f.error_code, message: f.message } };
      return;
    }
    try {
      applyStatement(parseStatement(text), who);
      st.resp.status = { state: opts.statementSuccessState ?? "SUCCEEDED" };
      st.resp.manifest = {
        format: "JSON_ARRAY",
        schema: { column_count: 0, columns: [] },
        total_row_count: 0,
        total_chunk_count: 0,
      };
      st.resp.result = { chunk_index: 0, row_offset: 0, row_count: 0, data_array: [] };
    } catch (e) {
      if (!(e instanceof SqlError)) throw e;
      const code: sql.ServiceErrorCode =
        e.errorClass === "TABLE_OR_VIEW_ALREADY_EXISTS" ? "ALREADY_EXISTS" : "BAD_REQUEST";
      st.resp.status = {
        state: "FAILED",
        error: { error_code: code, message: e.message },
        ...({ sql_state: e.sqlState } as object),
      };
    }
  };

  // ------------------------------------------------------------------ routes
  type Req = { method: string; path: string; q: URLSearchParams; body: Record<string, unknown>; m: string[] };
  type Route = [string, RegExp, (r: Req) => unknown];
  const UC = "/api/2\\.1/unity-catalog";
  const routes: Route[] = [
    // clusters (2.0 and 2.1 paths behave the same)
    [
      "POST",
      /^\/api\/2\.[01]\/clusters\/create$/,
      ({ body }) => {
        // body: compute.CreateCluster (the request itself)
        const spec = clusterSpec(body as Partial<compute.CreateCluster> as Record<string, unknown>);
        clusterSeq++;
        const id = `${String(clusterSeq).padStart(4, "0")}-${randomBytes(3).toString("hex")}-fake${String(clusterSeq).padStart(4, "0")}`;
        state.clusters.set(id, {
          details: {
            ...withDefaults(id, spec, caller),
            state: "PENDING",
            start_time: now(),
            state_message: "Finding instances for new nodes",
          },
          getsInState: 0,
          pinned: false,
        });
        return { cluster_id: id } satisfies compute.CreateClusterResponse;
      },
    ],
    [
      "GET",
      /^\/api\/2\.[01]\/clusters\/get$/,
      ({ q }) => {
        const c = clusterOr(q.get("cluster_id"));
        const d = c.details;
        // The state machine advances as clients poll.
        c.getsInState++;
        const out = { ...d };
        if (d.state === "PENDING" && c.getsInState >= (opts.clusterGetsUntilRunning ?? 1))
          setState(c, "RUNNING");
        else if (d.state === "TERMINATING" && c.getsInState >= 1) setState(c, "TERMINATED");
        else if (d.state === "RESTARTING" && c.getsInState >= 1) setState(c, "RUNNING");
        return out satisfies compute.ClusterDetails;
      },
    ],
    [
      "GET",
      /^\/api\/2\.[01]\/clusters\/list$/,
      ({ q }) => {
        purgeClusters();
        // Filters as the SDK encodes ListClustersRequest.filter_by (go-querystring, "[" → "."):
        // filter_by.is_pinned=true, filter_by.cluster_states=<state> (repeatable), ….
        const pinned = q.get("filter_by.is_pinned");
        const states = q.getAll("filter_by.cluster_states");
        const sources = q.getAll("filter_by.cluster_sources");
        const all = [...state.clusters.values()]
          .filter((c) => pinned === null || c.pinned === (pinned === "true"))
          .filter((c) => !states.length || states.includes(c.details.state ?? ""))
          .filter((c) => !sources.length || sources.includes(c.details.cluster_source ?? ""))
          .map((c) => {
            const { spec: _s, ...rest } = c.details;
            return rest;
          });
        // compute.ListClustersRequest.page_size: "the server may further constrain the maximum".
        const size = Number(q.get("page_size") ?? 0);
        if (!Number.isInteger(size) || size < 0)
          throw new ApiError(400, "INVALID_PARAMETER_VALUE", `page_size must be a non-negative integer`);
        const p = pageOf(
          all,
          q,
          `clusters?${q.getAll("filter_by.is_pinned")}`,
          Math.min(size || lengths.clusters, lengths.clusters),
        );
        return {
          clusters: p.items,
          ...(p.next ? { next_page_token: p.next } : {}),
        } satisfies compute.ListClustersResponse;
      },
    ],
    [
      "POST",
      /^\/api\/2\.[01]\/clusters\/edit$/,
      ({ body }) => {
        // body: compute.EditCluster (a full spec + cluster_id)
        const b = body as Partial<compute.EditCluster>;
        const c = clusterOr(b.cluster_id);
        if (c.details.state !== "RUNNING" && c.details.state !== "TERMINATED") {
          throw new ApiError(
            400,
            "INVALID_STATE",
            `Cluster ${c.details.cluster_id} is in unexpected state ${c.details.state}.`,
          );
        }
        const { cluster_id: _id, ...rest } = body;
        const spec = clusterSpec(rest);
        const st = c.details.state;
        c.details = {
          ...withDefaults(c.details.cluster_id, spec, c.details.creator_user_name ?? caller),
          state: st,
          start_time: c.details.start_time,
          ...(c.details.terminated_time !== undefined ? { terminated_time: c.details.terminated_time } : {}),
        };
        if (st === "RUNNING") setState(c, "RESTARTING");
        return {};
      },
    ],
    [
      "POST",
      /^\/api\/2\.[01]\/clusters\/delete$/,
      ({ body }) => {
        // body: compute.DeleteCluster
        const c = clusterOr((body as Partial<compute.DeleteCluster>).cluster_id);
        if (c.details.state !== "TERMINATED" && c.details.state !== "TERMINATING") setState(c, "TERMINATING");
        return {};
      },
    ],
    [
      "POST",
      /^\/api\/2\.[01]\/clusters\/start$/,
      ({ body }) => {
        // body: compute.StartCluster
        const c = clusterOr((body as Partial<compute.StartCluster>).cluster_id);
        if (c.details.state !== "TERMINATED")
          throw new ApiError(
            400,
            "INVALID_STATE",
            `Cluster ${c.details.cluster_id} is in unexpected state ${c.details.state}.`,
          );
        setState(c, "PENDING");
        return {};
      },
    ],
    // runtime and node-type catalogs (2.0 and 2.1 paths)
    [
      "GET",
      /^\/api\/2\.[01]\/clusters\/spark-versions$/,
      () => ({ versions: sparkVersions }) satisfies compute.GetSparkVersionsResponse,
    ],
    [
      "GET",
      /^\/api\/2\.[01]\/clusters\/list-node-types$/,
      () => ({ node_types: nodeTypes }) satisfies compute.ListNodeTypesResponse,
    ],
    // pin / unpin: "Pinning a cluster that is already pinned will have no effect. This API can
    // only be called by workspace admins." (databricks-sdk-go ClustersAPI.Pin / Unpin)
    ...(["pin", "unpin"] as const).map(
      (op): Route => [
        "POST",
        new RegExp(`^/api/2\\.[01]/clusters/${op}$`),
        ({ body }) => {
          const b = body as Partial<compute.PinCluster>;
          const c = clusterOr(b.cluster_id);
          if (opts.workspaceAdmin === false)
            throw new ApiError(403, "PERMISSION_DENIED", `Only workspace admins can ${op} clusters.`);
          c.pinned = op === "pin";
          return {};
        },
      ],
    ),
    [
      "POST",
      /^\/api\/2\.[01]\/clusters\/permanent-delete$/,
      ({ body }) => {
        // body: compute.PermanentDeleteCluster
        const b = body as Partial<compute.PermanentDeleteCluster>;
        clusterOr(b.cluster_id);
        state.clusters.delete(b.cluster_id as string);
        return {};
      },
    ],
    // jobs (2.1 and 2.2)
    [
      "POST",
      /^\/api\/2\.[12]\/jobs\/create$/,
      ({ body }) => {
        if (opts.maxJobs !== undefined && state.jobs.size >= opts.maxJobs) {
          throw new ApiError(
            400,
            "QUOTA_EXCEEDED",
            `The maximum number of saved jobs (${opts.maxJobs}) has been reached.`,
          );
        }
        // body: jobs.CreateJob (JobSettings + access_control_list)
        const { access_control_list: _acl, ...settings } = body as Partial<jobs.CreateJob> as Record<
          string,
          unknown
        >;
        const id = nextJobId++;
        state.jobs.set(id.toString(), {
          job_id: id,
          created_time: now(),
          creator: caller,
          settings: jobSettings(settings),
        });
        return { job_id: id };
      },
    ],
    [
      "GET",
      /^\/api\/2\.[12]\/jobs\/get$/,
      ({ q }) => {
        // API 2.2 pages the array properties at 100 entries: `next_page_token` on the Job (an offset
        // here, opaque to clients); each later page carries the next slice of tasks, job_clusters,
        // parameters and environments, and empty arrays for those already complete (databricks-sdk-go
        // service/jobs/ext_api.go `JobsAPI.Get`, databricks/cli libs/testserver/jobs.go `JobsGet`).
        const j = jobOr(q.get("job_id"));
        const out = jobOut(j) as jobs.Job;
        const token = q.get("page_token");
        const offset = token === null ? 0 : Number(token);
        if (!Number.isInteger(offset) || offset < 0 || (token !== null && !/^\d+$/.test(token)))
          throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Invalid page_token '${token}'`);
        const settings = { ...(out.settings ?? {}) } as Record<string, unknown>;
        let more = false;
        for (const key of JOB_PAGED_ARRAYS) {
          const all = settings[key] as unknown[] | undefined;
          if (!all) continue;
          if (all.length > offset + JOB_PAGE) more = true;
          if (all.length > JOB_PAGE || offset > 0) {
            const slice = all.slice(offset, offset + JOB_PAGE);
            if (slice.length) settings[key] = slice;
            else delete settings[key];
          }
        }
        return {
          ...out,
          settings: settings as jobs.JobSettings,
          ...(more ? { has_more: true, next_page_token: String(offset + JOB_PAGE) } : {}),
        } satisfies jobs.Job;
      },
    ],
    [
      "GET",
      /^\/api\/2\.[12]\/jobs\/list$/,
      ({ q }) => {
        const name = q.get("name");
        const limit = Number(q.get("limit") ?? 20);
        if (limit < 1 || limit > 100)
          throw new ApiError(400, "INVALID_PARAMETER_VALUE", "limit must be between 1 and 100");
        const all = [...state.jobs.values()]
          .filter((j) => name === null || (j.settings.name ?? "").toLowerCase() === name.toLowerCase())
          .sort((a, b) => (a.job_id < b.job_id ? -1 : 1))
          .map((j) => {
            const out = jobOut(j, q.get("expand_tasks") === "true") as jobs.BaseJob;
            // BaseJob.has_more: expanded array properties beyond 100 are only on jobs/get.
            const st = out.settings as Record<string, unknown[] | undefined> | undefined;
            let more = false;
            for (const key of JOB_PAGED_ARRAYS) {
              const all = st?.[key];
              if (st && all && all.length > JOB_PAGE) {
                st[key] = all.slice(0, JOB_PAGE);
                more = true;
              }
            }
            return more ? { ...out, has_more: true } : out;
          });
        const p = pageOf(all, q, `jobs?${name ?? ""}`, limit);
        return {
          jobs: p.items,
          has_more: p.next !== undefined,
          ...(p.next ? { next_page_token: p.next } : {}),
        };
      },
    ],
    [
      "POST",
      /^\/api\/2\.[12]\/jobs\/reset$/,
      ({ body }) => {
        // body: jobs.ResetJob {job_id, new_settings}
        const b = body as Partial<Omit<jobs.ResetJob, "job_id">> & { job_id?: unknown };
        const j = jobOr(b.job_id);
        j.settings = jobSettings((b.new_settings ?? {}) as Record<string, unknown>);
        return {};
      },
    ],
    [
      "POST",
      /^\/api\/2\.[12]\/jobs\/update$/,
      ({ body }) => {
        // body: jobs.UpdateJob {job_id, new_settings, fields_to_remove}
        const b = body as Partial<Omit<jobs.UpdateJob, "job_id">> & { job_id?: unknown };
        const j = jobOr(b.job_id);
        const ns = (b.new_settings ?? {}) as Record<string, unknown>;
        const merged: Record<string, unknown> = { ...j.settings, ...ns };
        if (ns.tasks) {
          const byKey = new Map((j.settings.tasks ?? []).map((t) => [t.task_key, t]));
          for (const t of ns.tasks as jobs.Task[]) byKey.set(t.task_key, t);
          merged.tasks = [...byKey.values()];
        }
        for (const f of b.fields_to_remove ?? []) {
          if (f.startsWith("tasks/"))
            merged.tasks = ((merged.tasks ?? []) as jobs.Task[]).filter((t) => t.task_key !== f.slice(6));
          else delete merged[f];
        }
        j.settings = jobSettings(merged);
        return {};
      },
    ],
    [
      "POST",
      /^\/api\/2\.[12]\/jobs\/delete$/,
      ({ body }) => {
        // body: jobs.DeleteJob
        const j = jobOr((body as { job_id?: unknown }).job_id);
        state.jobs.delete(j.job_id.toString());
        return {};
      },
    ],
    // catalogs
    [
      "POST",
      new RegExp(`^${UC}/catalogs$`),
      ({ body: raw }) => {
        // body: catalog.CreateCatalog (the request itself)
        const body = raw as Partial<catalog.CreateCatalog>;
        const name = ucName(body.name, "catalog");
        if (/^(sys|databricks)/.test(name))
          throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Catalog name '${name}' is reserved.`);
        if (state.catalogs.has(name))
          throw new ApiError(409, "CATALOG_ALREADY_EXISTS", `Catalog '${name}' already exists`);
        const info: catalog.CatalogInfo = {
          name,
          full_name: name,
          ...(body.comment !== undefined ? { comment: body.comment } : {}),
          ...(body.properties ? { properties: body.properties } : {}),
          ...(body.storage_root
            ? {
                storage_root: body.storage_root,
                storage_location: `${body.storage_root}/__unitystorage`,
              }
            : {}),
          catalog_type: "MANAGED_CATALOG",
          isolation_mode: "OPEN",
          securable_type: "CATALOG",
          ...meta(),
        };
        state.catalogs.set(name, info);
        mkSchema(name, "default", "Default schema (auto-created)");
        mkSchema(name, "information_schema", "Information schema (auto-created)");
        return info;
      },
    ],
    [
      "GET",
      new RegExp(`^${UC}/catalogs$`),
      ({ q }) => {
        const p = ucPage([...state.catalogs.values()], q, "catalogs");
        return {
          catalogs: p.items,
          ...(p.next ? { next_page_token: p.next } : {}),
        } satisfies catalog.ListCatalogsResponse;
      },
    ],
    ["GET", new RegExp(`^${UC}/catalogs/([^/]+)$`), ({ m }) => catalogOr(m[0] as string)],
    [
      "PATCH",
      new RegExp(`^${UC}/catalogs/([^/]+)$`),
      ({ m, body }) => {
        const c = catalogOr(m[0] as string);
        const u = body as Partial<catalog.UpdateCatalog>; // body: the request itself (name is the path)
        if (u.new_name !== undefined) renameUc("catalogs", c.name as string, u.new_name);
        if (u.comment !== undefined) c.comment = u.comment;
        if (u.properties !== undefined) c.properties = u.properties; // the whole map is replaced
        if (u.owner !== undefined) c.owner = u.owner;
        c.updated_at = now();
        return c;
      },
    ],
    [
      "DELETE",
      new RegExp(`^${UC}/catalogs/([^/]+)$`),
      ({ m, q }) => {
        const name = (m[0] as string).toLowerCase();
        catalogOr(name);
        const schemas = [...state.schemas.values()].filter(
          (s) => s.catalog_name === name && s.name !== "information_schema",
        );
        if (schemas.length && q.get("force") !== "true") {
          throw new ApiError(
            400,
            "CATALOG_NOT_EMPTY",
            `Catalog '${name}' is not empty. The catalog has ${schemas.length} schemas: ${schemas.map((s) => s.name).join(", ")}`,
          );
        }
        for (const s of [...state.schemas.values()].filter((x) => x.catalog_name === name))
          dropSchema(s.full_name as string);
        state.catalogs.delete(name);
        return {};
      },
    ],
    // schemas
    [
      "POST",
      new RegExp(`^${UC}/schemas$`),
      ({ body: raw }) => {
        // body: catalog.CreateSchema (the request itself)
        const body = raw as Partial<catalog.CreateSchema>;
        const cat = ucName(body.catalog_name, "catalog");
        const name = ucName(body.name, "schema");
        catalogOr(cat);
        if (state.schemas.has(`${cat}.${name}`))
          throw new ApiError(409, "SCHEMA_ALREADY_EXISTS", `Schema '${name}' already exists`);
        return mkSchema(cat, name, body.comment, body.properties);
      },
    ],
    [
      "GET",
      new RegExp(`^${UC}/schemas$`),
      ({ q }) => {
        const cat = (q.get("catalog_name") ?? "").toLowerCase();
        catalogOr(cat);
        const p = ucPage(
          [...state.schemas.values()].filter((s) => s.catalog_name === cat),
          q,
          `schemas?${cat}`,
        );
        return {
          schemas: p.items,
          ...(p.next ? { next_page_token: p.next } : {}),
        } satisfies catalog.ListSchemasResponse;
      },
    ],
    ["GET", new RegExp(`^${UC}/schemas/([^/]+)$`), ({ m }) => schemaOr(m[0] as string)],
    [
      "PATCH",
      new RegExp(`^${UC}/schemas/([^/]+)$`),
      ({ m, body }) => {
        const s = schemaOr(m[0] as string);
        const u = body as Partial<catalog.UpdateSchema>; // body: the request itself (full_name is the path)
        if (u.new_name !== undefined) renameUc("schemas", s.full_name as string, u.new_name);
        if (u.comment !== undefined) s.comment = u.comment;
        if (u.properties !== undefined) s.properties = u.properties;
        s.updated_at = now();
        return s;
      },
    ],
    [
      "DELETE",
      new RegExp(`^${UC}/schemas/([^/]+)$`),
      ({ m, q }) => {
        const full = (m[0] as string).toLowerCase();
        schemaOr(full);
        const children = schemaChildren(full);
        if (children.length && q.get("force") !== "true")
          throw new ApiError(
            400,
            "SCHEMA_NOT_EMPTY",
            `Schema '${full}' is not empty. It has ${children.length} objects.`,
          );
        dropSchema(full);
        return {};
      },
    ],
    // volumes
    [
      "POST",
      new RegExp(`^${UC}/volumes$`),
      ({ body }) => {
        const b = body as Partial<catalog.CreateVolumeRequestContent>; // body: the request itself
        const cat = ucName(b.catalog_name, "catalog");
        const sch = ucName(b.schema_name, "schema");
        const name = ucName(b.name, "volume");
        catalogOr(cat);
        schemaOr(`${cat}.${sch}`);
        if (b.volume_type !== "MANAGED" && b.volume_type !== "EXTERNAL")
          throw new ApiError(400, "INVALID_PARAMETER_VALUE", "volume_type must be MANAGED or EXTERNAL");
        if (b.volume_type === "MANAGED" && b.storage_location)
          throw new ApiError(
            400,
            "INVALID_PARAMETER_VALUE",
            "CreateVolume storage_location can not be provided.",
          );
        if (b.volume_type === "EXTERNAL" && !b.storage_location)
          throw new ApiError(
            400,
            "INVALID_PARAMETER_VALUE",
            "CreateVolume storage_location must be provided for EXTERNAL volumes.",
          );
        const full = `${cat}.${sch}.${name}`;
        if (state.volumes.has(full) || state.tables.has(full))
          throw new ApiError(409, "RESOURCE_ALREADY_EXISTS", `Volume '${full}' already exists`);
        const id = randomBytes(8).toString("hex");
        const info: catalog.VolumeInfo = {
          name,
          catalog_name: cat,
          schema_name: sch,
          full_name: full,
          volume_id: id,
          volume_type: b.volume_type,
          storage_location: b.storage_location ?? `s3://fake-metastore/volumes/${id}`,
          ...(b.comment !== undefined ? { comment: b.comment } : {}),
          ...meta(),
        };
        state.volumes.set(full, info);
        return info;
      },
    ],
    [
      "GET",
      new RegExp(`^${UC}/volumes$`),
      ({ q }) => {
        const cat = (q.get("catalog_name") ?? "").toLowerCase();
        const sch = (q.get("schema_name") ?? "").toLowerCase();
        const p = volumePage(
          [...state.volumes.values()].filter((v) => v.catalog_name === cat && v.schema_name === sch),
          q,
          `volumes?${cat}.${sch}`,
        );
        return {
          volumes: p.items,
          ...(p.next ? { next_page_token: p.next } : {}),
        } satisfies catalog.ListVolumesResponseContent;
      },
    ],
    ["GET", new RegExp(`^${UC}/volumes/([^/]+)$`), ({ m }) => volumeOr(m[0] as string)],
    [
      "PATCH",
      new RegExp(`^${UC}/volumes/([^/]+)$`),
      ({ m, body }) => {
        const v = volumeOr(m[0] as string);
        const u = body as Partial<catalog.UpdateVolumeRequestContent>; // body: the request itself
        if (u.new_name !== undefined) renameUc("volumes", v.full_name as string, u.new_name);
        if (u.comment !== undefined) v.comment = u.comment;
        if (u.owner !== undefined) v.owner = u.owner;
        return v;
      },
    ],
    [
      "DELETE",
      new RegExp(`^${UC}/volumes/([^/]+)$`),
      ({ m }) => {
        const v = volumeOr(m[0] as string);
        state.volumes.delete(v.full_name as string);
        state.tags.delete(`volumes/${v.full_name}`);
        return {};
      },
    ],
    // tables (REST: read, list, exists, delete)
    [
      "GET",
      new RegExp(`^${UC}/tables$`),
      ({ q }) => {
        const cat = (q.get("catalog_name") ?? "").toLowerCase();
        const sch = (q.get("schema_name") ?? "").toLowerCase();
        schemaOr(`${cat}.${sch}`);
        const p = ucPage(
          [...state.tables.values()].filter((t) => t.catalog_name === cat && t.schema_name === sch),
          q,
          `tables?${cat}.${sch}`,
        );
        return {
          tables: p.items,
          ...(p.next ? { next_page_token: p.next } : {}),
        } satisfies catalog.ListTablesResponse;
      },
    ],
    [
      "GET",
      new RegExp(`^${UC}/tables/([^/]+)/exists$`),
      ({ m }) => {
        const full = (m[0] as string).toLowerCase();
        schemaOr(full.split(".").slice(0, 2).join("."));
        return { table_exists: state.tables.has(full) };
      },
    ],
    ["GET", new RegExp(`^${UC}/tables/([^/]+)$`), ({ m }) => tableOr(m[0] as string)],
    [
      "DELETE",
      new RegExp(`^${UC}/tables/([^/]+)$`),
      ({ m }) => {
        const t = tableOr(m[0] as string);
        state.tables.delete(t.full_name as string);
        return {};
      },
    ],
    // entity tag assignments
    [
      "POST",
      new RegExp(`^${UC}/entity-tag-assignments$`),
      ({ body }) => {
        // HTTP body = CreateEntityTagAssignmentRequest.tag_assignment (an EntityTagAssignment), not
        // the request object: a body wrapped in {"tag_assignment": …} has no entity_type → 400.
        const a = body as Partial<catalog.EntityTagAssignment>;
        for (const f of ["entity_type", "entity_name", "tag_key"] as const) {
          if (typeof a[f] !== "string" || !a[f])
            throw new ApiError(400, "INVALID_PARAMETER_VALUE", `Field '${f}' is required.`);
        }
        const { entity_type, entity_name, tag_key } = a as catalog.EntityTagAssignment;
        if (!TAG_ENTITY_TYPES.has(entity_type))
          throw new ApiError(
            400,
            "INVALID_PARAMETER_VALUE",
            `Invalid entity_type '${entity_type}'; expected one of ${[...TAG_ENTITY_TYPES].join(", ")}.`,
          );
        if (TAG_KEY_FORBIDDEN.test(tag_key))
          throw new ApiError(
            400,
            "INVALID_PARAMETER_VALUE",
            `Tag key '${tag_key}' contains invalid characters`,
          );
        const tm = tagMap(entity_type, entity_name);
        if (tm.has(tag_key))
          throw new ApiError(409, "RESOURCE_ALREADY_EXISTS", `Tag '${tag_key}' is already assigned`);
        tm.set(tag_key, a.tag_value ?? "");
        return {
          entity_type,
          entity_name,
          tag_key,
          ...(a.tag_value !== undefined ? { tag_value: a.tag_value } : {}),
        } satisfies catalog.EntityTagAssignment;
      },
    ],
    [
      "GET",
      new RegExp(`^${UC}/entity-tag-assignments/([^/]+)/([^/]+)/tags$`),
      ({ m, q }) => {
        const [type, name] = m as [string, string];
        const all = [...tagMap(type, name).entries()].map(([tag_key, tag_value]) => ({
          entity_type: type,
          entity_name: name,
          tag_key,
          tag_value,
        }));
        const p = tagPage(all, q, `tags?${type}/${name}`);
        return {
          tag_assignments: p.items,
          ...(p.next ? { next_page_token: p.next } : {}),
        } satisfies catalog.ListEntityTagAssignmentsResponse;
      },
    ],
    [
      "GET",
      new RegExp(`^${UC}/entity-tag-assignments/([^/]+)/([^/]+)/tags/([^/]+)$`),
      ({ m }) => {
        const [type, name, key] = m as [string, string, string];
        const v = tagMap(type, name).get(key);
        if (v === undefined)
          throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Tag '${key}' is not assigned`);
        return {
          entity_type: type,
          entity_name: name,
          tag_key: key,
          tag_value: v,
        } satisfies catalog.EntityTagAssignment;
      },
    ],
    [
      "PATCH",
      new RegExp(`^${UC}/entity-tag-assignments/([^/]+)/([^/]+)/tags/([^/]+)$`),
      ({ m, q, body }) => {
        // HTTP body = UpdateEntityTagAssignmentRequest.tag_assignment; update_mask is a query param.
        const [type, name, key] = m as [string, string, string];
        const mask = q.get("update_mask");
        if (!mask) throw new ApiError(400, "INVALID_PARAMETER_VALUE", "Field 'update_mask' is required.");
        const a = body as Partial<catalog.EntityTagAssignment>;
        if (a.tag_key !== undefined && a.tag_key !== key)
          throw new ApiError(400, "INVALID_PARAMETER_VALUE", "tag_key in the body does not match the path.");
        const tm = tagMap(type, name);
        if (!tm.has(key)) throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Tag '${key}' is not assigned`);
        if (mask.split(",").some((f) => f === "tag_value" || f === "*"))
          tm.set(key, String(a.tag_value ?? ""));
        return {
          entity_type: type,
          entity_name: name,
          tag_key: key,
          tag_value: tm.get(key),
        } satisfies catalog.EntityTagAssignment;
      },
    ],
    [
      "DELETE",
      new RegExp(`^${UC}/entity-tag-assignments/([^/]+)/([^/]+)/tags/([^/]+)$`),
      ({ m }) => {
        const [type, name, key] = m as [string, string, string];
        const tm = tagMap(type, name);
        if (!tm.delete(key))
          throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Tag '${key}' is not assigned`);
        return {};
      },
    ],
    // identity: SCIM Me (iam.User); userName = email, or application id for a service principal
    [
      "GET",
      /^\/api\/2\.0\/preview\/scim\/v2\/Me$/,
      () =>
        ({
          id: caller === userName ? "1000012345" : "2000012345",
          userName: caller,
          displayName: caller === userName ? "Fake User" : "fake-service-principal",
          active: true,
          schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        }) satisfies iam.User,
    ],
    // Unity Catalog metastore assignment of this workspace (catalog.MetastoreAssignment); without
    // one: 404 METASTORE_DOES_NOT_EXIST, the code databricks/cli libs/template/helpers.go reads
    // as "default metastore is not assigned to the workspace"
    [
      "GET",
      /^\/api\/2\.1\/unity-catalog\/current-metastore-assignment$/,
      () => {
        if (opts.metastore === false)
          throw new ApiError(
            404,
            "METASTORE_DOES_NOT_EXIST",
            "No metastore assigned for the current workspace.",
          );
        return {
          metastore_id: METASTORE_ID,
          workspace_id: 900800700600,
          default_catalog_name: "main",
        } satisfies catalog.MetastoreAssignment;
      },
    ],
    // SQL warehouses: get (sql.GetWarehouseResponse)
    [
      "GET",
      /^\/api\/2\.0\/sql\/warehouses\/([^/]+)$/,
      ({ m }) => {
        if (m[0] !== warehouseId || warehouse.state === null)
          throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Warehouse ${m[0]} does not exist.`);
        return {
          id: warehouseId,
          name: "Fake Serverless Warehouse",
          state: warehouse.state,
          warehouse_type: "PRO",
          enable_serverless_compute: true,
          cluster_size: "Small",
          creator_name: userName,
        } satisfies sql.GetWarehouseResponse;
      },
    ],
    // SQL statements
    [
      "POST",
      /^\/api\/2\.0\/sql\/statements\/?$/,
      ({ body }) => {
        const b = body as Partial<sql.ExecuteStatementRequest>; // body: the request itself
        if (!b.statement || !b.warehouse_id)
          throw new ApiError(400, "INVALID_PARAMETER_VALUE", "warehouse_id and statement are required");
        if (b.warehouse_id !== warehouseId || warehouse.state === null)
          throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Warehouse ${b.warehouse_id} does not exist.`);
        if (warehouse.state === "DELETED" || warehouse.state === "DELETING")
          throw new ApiError(
            400,
            "INVALID_PARAMETER_VALUE",
            `Warehouse ${b.warehouse_id} is ${warehouse.state}.`,
          );
        // "A SQL warehouse auto-restarts [when] a warehouse is stopped and you attempt to run a
        // query" (docs.databricks.com/aws/en/compute/sql-warehouse/): a stopped one starts.
        if (warehouse.state === "STOPPED" || warehouse.state === "STOPPING") warehouse.state = "RUNNING";
        const who = caller;
        const text = b.statement;
        state.statements.push(text);
        const id = `01f0-stmt-${++stmtSeq}`;
        const st: Statement = {
          resp: { statement_id: id, status: { state: "PENDING" } },
          pollsLeft: opts.statementPolls ?? 0,
          run: () => runStatement(st, text, who),
        };
        if (st.pollsLeft === 0) st.run();
        statements.set(id, st);
        return st.resp;
      },
    ],
    [
      "GET",
      /^\/api\/2\.0\/sql\/statements\/([^/]+)$/,
      ({ m }) => {
        const st = statements.get(m[0] as string);
        if (!st) throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Statement ${m[0]} does not exist.`);
        if (st.pollsLeft > 0) {
          st.pollsLeft--;
          st.resp.status = { state: st.pollsLeft > 0 ? "RUNNING" : "PENDING" };
          if (st.pollsLeft === 0) st.run();
        }
        return st.resp;
      },
    ],
    [
      "POST",
      /^\/api\/2\.0\/sql\/statements\/([^/]+)\/cancel$/,
      ({ m }) => {
        const st = statements.get(m[0] as string);
        if (st && (st.resp.status?.state === "PENDING" || st.resp.status?.state === "RUNNING")) {
          st.pollsLeft = 0;
          st.resp.status = { state: "CANCELED" };
        }
        return {};
      },
    ],
  ];
  const statements = new Map<string, Statement>();

  // ------------------------------------------------------------------ auth + OIDC
  const bearerOk = (h: string | undefined): boolean => {
    const t = /^Bearer (.+)$/.exec(h ?? "")?.[1];
    if (!t) return false;
    if (t === token) return true;
    const issued = oauthTokens.get(t);
    return issued !== undefined && issued.exp > now();
  };
  const oidc = (
    method: string,
    path: string,
    req: IncomingMessage,
    raw: string,
  ): [number, unknown] | undefined => {
    if (method === "GET" && path === "/oidc/.well-known/oauth-authorization-server") {
      return [
        200,
        {
          issuer: `${baseUrl}/oidc`,
          token_endpoint: `${baseUrl}/oidc/v1/token`,
          authorization_endpoint: `${baseUrl}/oidc/v1/authorize`,
        },
      ];
    }
    if (method === "POST" && path === "/oidc/v1/token") {
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const [id, secret] = basic
        ? Buffer.from(basic, "base64").toString("utf8").split(":").map(decodeURIComponent)
        : [];
      const form = new URLSearchParams(raw);
      if (!id || opts.oauthClients?.[id] === undefined || opts.oauthClients[id] !== secret) {
        return [401, { error: "invalid_client", error_description: "Client authentication failed" }];
      }
      if (form.get("grant_type") !== "client_credentials") return [400, { error: "unsupported_grant_type" }];
      const ttl = opts.oauthTokenTtlSec ?? 3600;
      const access = `eyfake.${randomBytes(12).toString("hex")}`;
      oauthTokens.set(access, { exp: now() + ttl * 1000, clientId: id });
      state.issuedTokens++;
      return [
        200,
        {
          access_token: access,
          token_type: "Bearer",
          expires_in: ttl,
          scope: form.get("scope") ?? "all-apis",
        },
      ];
    }
    return undefined;
  };

  // ------------------------------------------------------------------ HTTP
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === "string" ? body : toJson(body);
    res.writeHead(status, {
      "Content-Type": typeof body === "string" ? "text/plain" : "application/json",
      ...headers,
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    const path = url.pathname;
    const authHeader = req.headers.authorization ?? "";
    const entry: LoggedRequest = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      status: 0,
      at,
      auth: authHeader.startsWith("Bearer ") ? "bearer" : authHeader.startsWith("Basic ") ? "basic" : "none",
    };
    log.push(entry);
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      entry.status = status;
      send(res, status, body, headers);
    };

    const fault: FaultRule | undefined = faults.match(method, path);
    if (fault?.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
    if (fault?.destroySocket && !fault.afterHandler) {
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    const answerFault = () => {
      if (fault?.destroySocket) {
        entry.status = -1;
        req.socket.destroy();
        return;
      }
      reply(
        fault?.status ?? 500,
        fault?.body ?? { error_code: "INTERNAL_ERROR", message: "Injected fault" },
        fault?.headers,
      );
    };
    if (fault && !fault.afterHandler && (fault.status !== undefined || fault.body !== undefined))
      return answerFault();

    const o = oidc(method, path, req, raw);
    if (o) return reply(o[0], o[1]);
    if (!bearerOk(req.headers.authorization)) {
      return reply(401, {
        error_code: "UNAUTHENTICATED",
        message: authHeader ? "Invalid access token." : "No authorization header.",
      });
    }
    const bearer = /^Bearer (.+)$/.exec(authHeader)?.[1] ?? "";
    caller = oauthTokens.get(bearer)?.clientId ?? userName;
    let body: Record<string, unknown> = {};
    if (method !== "GET" && method !== "DELETE") {
      try {
        body = parseBody(raw) as Record<string, unknown>;
        entry.body = body;
      } catch {
        return reply(400, {
          error_code: "MALFORMED_REQUEST",
          message: "Could not parse request body as JSON",
        });
      }
    }
    if (
      opts.metastore === false &&
      path.startsWith("/api/2.1/unity-catalog/") &&
      path !== "/api/2.1/unity-catalog/current-metastore-assignment"
    ) {
      return reply(404, {
        error_code: "METASTORE_DOES_NOT_EXIST",
        message: "No metastore assigned for the current workspace.",
      });
    }
    for (const [m, re, h] of routes) {
      if (m !== method) continue;
      const match = re.exec(path);
      if (!match) continue;
      try {
        const out = h({ method, path, q: url.searchParams, body, m: match.slice(1).map(decodeURIComponent) });
        if (fault?.afterHandler) return answerFault();
        return reply(200, out ?? {});
      } catch (e) {
        if (e instanceof ApiError)
          return reply(e.status, {
            error_code: e.code,
            message: e.message,
            details: [
              {
                "@type": "type.googleapis.com/google.rpc.RequestInfo",
                request_id: randomBytes(6).toString("hex"),
              },
            ],
          });
        return reply(500, { error_code: "INTERNAL_ERROR", message: (e as Error).message });
      }
    }
    return reply(404, { error_code: "ENDPOINT_NOT_FOUND", message: `No API found for '${method} ${path}'` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, { error_code: "INTERNAL_ERROR", message: String(e) });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    token,
    warehouseId,
    log,
    faults,
    state,
    advanceTime: (ms: number) => {
      clockOffset += ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
