/**
 * Synthetic blueprints of a chosen size, for benchmarks (9,000 resources for blueprint
 * resolution, 200 for the engine). Every generated blueprint is valid and resolves with the
 * built-in convention: names stay unique and within the platforms' limits.
 */

export interface LargeBlueprintOptions {
  /**
   * `mixed` (default): all nine types in realistic proportions.
   * `uc`: only catalogs, schemas and tables, so the longest dependency chain is
   * catalog → schema → table (3).
   */
  mode?: "mixed" | "uc";
  environment?: "dev" | "stg" | "prd";
  project?: string;
  region?: string;
}

const COLUMNS = [
  { name: "id", type: "bigint" },
  { name: "created_at", type: "timestamp" },
  { name: "amount", type: "decimal(12,2)" },
];
const UC_COLUMNS = COLUMNS.map((c) => ({ ...c, type: c.type.toUpperCase() }));

/** Allocates `n` items to buckets by weight, every bucket at least `min`. */
function split(n: number, weights: number[], min = 0): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const out = weights.map((w) => Math.max(min, Math.floor((n * w) / total)));
  // Put the rounding remainder on the last (most numerous) bucket so the total is n.
  const diff = n - out.reduce((a, b) => a + b, 0);
  out[out.length - 1] = Math.max(min, (out[out.length - 1] as number) + diff);
  return out;
}

/**
 * A valid blueprint with about `n` resources (exactly `n` when n ≥ 20 in mixed mode and n ≥ 3
 * in uc mode). Never throws for n ≥ 1.
 */
export function largeBlueprint(n: number, opts: LargeBlueprintOptions = {}): Record<string, unknown> {
  const metadata = {
    environment: opts.environment ?? "dev",
    project: opts.project ?? "bench",
    region: opts.region ?? "us-east-1",
    team: "platform",
  };
  const count = Math.max(1, Math.floor(n));
  if (opts.mode === "uc")
    return {
      version: "1.0",
      metadata,
      resources: { databricks: { unity_catalog: { catalogs: ucOnly(count) } } },
    };

  // buckets, glue dbs, glue tables, clusters, jobs, catalogs+schemas+tables+volumes
  const [buckets, dbs, glueTables, clusters, jobs, uc] = split(count, [3, 2, 30, 1, 4, 60], 1) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const s3_buckets = Array.from({ length: buckets }, (_, i) => ({
    purpose: `data${i}`,
    layer: "raw",
    lifecycle_days: 30 + (i % 300),
  }));
  const glue_databases = Array.from({ length: dbs }, (_, i) => ({
    domain: `domain${i}`,
    layer: "bronze",
    description: `Domain ${i}`,
  }));
  const glue_tables = Array.from({ length: glueTables }, (_, i) => ({
    database_ref: `domain${i % dbs}-bronze`,
    entity: `entity${i}`,
    bucket_ref: `data${i % buckets}`,
    columns: COLUMNS,
    partition_keys: [{ name: "dt", type: "date" }],
  }));
  const clusterList = Array.from({ length: clusters }, (_, i) => ({
    workload: `work${i}`,
    cluster_type: i % 2 ? "dedicated" : "shared",
    node_type: "i3.xlarge",
    ...(i % 2 ? { single_user_name: `bench-${i}@example.com` } : {}),
  }));
  const jobList = Array.from({ length: jobs }, (_, i) => ({
    job_type: "batch",
    purpose: `load${i}`,
    cluster_ref: `work${i % clusters}`,
    schedule: (["hourly", "daily", "weekly"] as const)[i % 3],
    tasks: [
      { task_key: "extract", notebook_path: `/bench/load${i}/extract` },
      { task_key: "load", notebook_path: `/bench/load${i}/load`, depends_on: ["extract"] },
    ],
  }));
  return {
    version: "1.0",
    metadata,
    resources: {
      aws: { s3_buckets, glue_databases, glue_tables },
      databricks: { clusters: clusterList, jobs: jobList, unity_catalog: { catalogs: ucMixed(uc) } },
    },
  };
}

/** Catalogs of schemas of tables (and volumes), `n` objects in all. */
function ucMixed(n: number): unknown[] {
  // One catalog and one schema per 50 objects: the schema holds 40 tables and 8 volumes.
  const catalogs: unknown[] = [];
  let left = n;
  let c = 0;
  while (left > 0) {
    left -= 1;
    const schemas: unknown[] = [];
    for (let s = 0; s < 4 && left > 0; s++) {
      left -= 1;
      const tables: unknown[] = [];
      const volumes: unknown[] = [];
      for (let t = 0; t < 40 && left > 0; t++, left--)
        tables.push({ entity: `entity${t}`, columns: UC_COLUMNS });
      for (let v = 0; v < 8 && left > 0; v++, left--) volumes.push({ purpose: `files${v}` });
      schemas.push({ domain: `domain${s}`, layer: "bronze", tables, volumes });
    }
    catalogs.push({ catalog_type: `cat${c++}`, schemas });
  }
  return catalogs;
}

/** Only catalogs → schemas → tables: chain length 3, `n` objects in all. */
function ucOnly(n: number): unknown[] {
  const catalogs: unknown[] = [];
  let left = n;
  let c = 0;
  while (left > 0) {
    left -= 1;
    const schemas: unknown[] = [];
    for (let s = 0; s < 5 && left > 0; s++) {
      left -= 1;
      const tables: unknown[] = [];
      for (let t = 0; t < 18 && left > 0; t++, left--)
        tables.push({ entity: `entity${t}`, columns: UC_COLUMNS });
      schemas.push({ domain: `domain${s}`, layer: "bronze", tables });
    }
    catalogs.push({ catalog_type: `cat${c++}`, schemas });
  }
  return catalogs;
}
