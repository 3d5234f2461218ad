/**
 * The Databricks inventory (`Provider.list`, src/engine/ports.ts): every cluster, job, catalog,
 * schema, table and volume the credentials can see, read-only (GET only), paginated to the end,
 * converted by each provider's own read() conversion (ownership and archive from the markers).
 *
 * Pagination follows databricks-sdk-go (v0.175 `1ff3c78`): every list iterator stops only when
 * `next_page_token` is empty (`listing.NewIterator` with `getNextReq` in service/*\/impl.go);
 * - clusters/list (2.1): `page_size` + `page_token` (compute.ListClustersRequest);
 * - jobs/list (2.2): `limit` 1–100 + `page_token`, `expand_tasks=true` for the tasks
 *   (jobs.ListJobsRequest: "only the first 100 elements will be shown"); a job whose
 *   `BaseJob.has_more` is true is read once more with jobs/get, which pages its arrays;
 * - UC catalogs / schemas / tables: `max_results=0` (the server's page length; the SDK force-sends
 *   MaxResults for these, catalogsImpl/schemasImpl/tablesImpl.List) + `page_token`;
 * - UC volumes: no `max_results` (the server's page length, 10000: catalog.ListVolumesRequest).
 * UC tags: catalogs, schemas and tables keep them in `properties` (in the list answer); volumes
 * have no properties, so their tags are one entity-tag-assignments list per volume.
 */
import type { ListOptions, ProviderContext, RemoteObject } from "../../engine/ports.js";
import type { DatabricksClient } from "./client.js";
import { orNull } from "./provider-kit.js";

/** `Provider.list` options (ports.ts ListOptions), re-exported for the providers. */
export type InventoryOptions = ListOptions;

const UC = "/api/2.1/unity-catalog";

/**
 * Follow `next_page_token` to the end (or until the signal stops between pages); `onPage` sees
 * each page's items as they arrive.
 */
async function allPages<T>(
  client: DatabricksClient,
  path: string,
  key: string,
  query: Record<string, string | number | boolean | undefined>,
  ctx: ProviderContext,
  opts: ListOptions,
  onPage?: (items: T[]) => Promise<void> | void,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    if (opts.signal?.aborted) break;
    const page = await client.request<Record<string, unknown>>("GET", path, {
      query: { ...query, page_token: token },
      signal: opts.signal ?? ctx.signal,
    });
    const items = (page[key] as T[] | undefined) ?? [];
    out.push(...items);
    await onPage?.(items);
    token = (page.next_page_token as string | undefined) || undefined;
  } while (token);
  return out;
}

/** Every cluster (clusters/list pages of 100); no per-cluster call. */
export async function listClusters<W>(
  client: DatabricksClient,
  toRemote: (w: W) => RemoteObject,
  ctx: ProviderContext,
  opts: ListOptions = {},
): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  await allPages<W>(client, "/api/2.1/clusters/list", "clusters", { page_size: 100 }, ctx, opts, (page) => {
    for (const c of page) out.push(toRemote(c));
    opts.onProgress?.(out.length);
  });
  return out;
}

/** What a job's tasks use: existing cluster ids and the UC tables named by its settings. */
export function jobReferences(settings: Record<string, unknown> | undefined): {
  cluster_ids: string[];
  tables: string[];
} {
  const clusters = new Set<string>();
  const tables = new Set<string>();
  const visit = (task: Record<string, unknown>) => {
    if (typeof task.existing_cluster_id === "string" && task.existing_cluster_id)
      clusters.add(task.existing_cluster_id);
    // jobs.PowerBiTask.tables: catalog / schema / name of each table it publishes.
    const pbi = task.power_bi_task as
      | { tables?: { catalog?: string; schema?: string; name?: string }[] }
      | undefined;
    for (const t of pbi?.tables ?? [])
      if (t.catalog && t.schema && t.name) tables.add(`${t.catalog}.${t.schema}.${t.name}`);
    const inner = (task.for_each_task as { task?: Record<string, unknown> } | undefined)?.task;
    if (inner) visit(inner);
  };
  for (const t of (settings?.tasks as Record<string, unknown>[] | undefined) ?? []) visit(t);
  // jobs.TriggerSettings.table_update.table_names (and the older `table` trigger of the same shape).
  const trigger = settings?.trigger as Record<string, { table_names?: string[] } | undefined> | undefined;
  for (const k of ["table_update", "table"]) for (const n of trigger?.[k]?.table_names ?? []) tables.add(n);
  return { cluster_ids: [...clusters].sort(), tables: [...tables].sort() };
}

interface ListedJob {
  job_id: string;
  has_more?: boolean;
  settings?: Record<string, unknown>;
}

/**
 * Every job (jobs/list pages of 100 with tasks); jobs/get only for a job whose arrays the list cut
 * at 100 (`has_more`). Properties add `cluster_ids` and `tables` (jobReferences).
 */
export async function listJobs<W extends ListedJob>(
  client: DatabricksClient,
  toRemote: (w: W) => RemoteObject,
  readJob: (id: string) => Promise<RemoteObject | null>,
  ctx: ProviderContext,
  opts: ListOptions = {},
): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  const query = { limit: 100, expand_tasks: true };
  await allPages<W>(client, "/api/2.2/jobs/list", "jobs", query, ctx, opts, async (page) => {
    for (const j of page) {
      const o = j.has_more ? await readJob(j.job_id) : toRemote(j);
      if (!o) continue; // deleted since it was listed
      const refs = jobReferences(
        j.has_more ? { tasks: o.properties.tasks, trigger: j.settings?.trigger } : j.settings,
      );
      out.push({ ...o, properties: { ...o.properties, ...refs } });
    }
    opts.onProgress?.(out.length);
  });
  return out;
}

interface NamedWire {
  name: string;
  full_name?: string;
  catalog_name?: string;
  schema_name?: string;
  storage_location?: string;
}

/** Every catalog (UC catalogs pages). */
function catalogs(client: DatabricksClient, ctx: ProviderContext, opts: ListOptions): Promise<NamedWire[]> {
  return allPages<NamedWire>(client, `${UC}/catalogs`, "catalogs", { max_results: 0 }, ctx, opts);
}

/** The schemas of one catalog; [] when the catalog went away since it was listed. */
async function schemasOf(
  client: DatabricksClient,
  catalog: string,
  ctx: ProviderContext,
  opts: ListOptions,
): Promise<NamedWire[]> {
  const q = { catalog_name: catalog, max_results: 0 };
  return (await orNull(allPages<NamedWire>(client, `${UC}/schemas`, "schemas", q, ctx, opts))) ?? [];
}

/** Every schema of every catalog: `catalog.schema` pairs. */
async function allSchemas(
  client: DatabricksClient,
  ctx: ProviderContext,
  opts: ListOptions,
): Promise<{ catalog: string; schema: string }[]> {
  const out: { catalog: string; schema: string }[] = [];
  for (const c of await catalogs(client, ctx, opts))
    for (const s of await schemasOf(client, c.name, ctx, opts)) out.push({ catalog: c.name, schema: s.name });
  return out;
}

/** Every catalog, as the catalog provider reads one. */
export async function listCatalogs<W>(
  client: DatabricksClient,
  toRemote: (w: W) => RemoteObject,
  ctx: ProviderContext,
  opts: ListOptions = {},
): Promise<RemoteObject[]> {
  const out = (await catalogs(client, ctx, opts)).map((w) => toRemote(w as W));
  opts.onProgress?.(out.length);
  return out;
}

/** Every schema of every catalog (one schemas list per catalog). */
export async function listSchemas<W>(
  client: DatabricksClient,
  toRemote: (w: W) => RemoteObject,
  ctx: ProviderContext,
  opts: ListOptions = {},
): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  for (const c of await catalogs(client, ctx, opts)) {
    for (const s of await schemasOf(client, c.name, ctx, opts)) out.push(toRemote(s as W));
    opts.onProgress?.(out.length);
  }
  return out;
}

/** Every table of every schema (one tables list per schema); properties add `storage_location`. */
export async function listTables<W extends NamedWire>(
  client: DatabricksClient,
  toRemote: (w: W) => RemoteObject,
  ctx: ProviderContext,
  opts: ListOptions = {},
): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  for (const { catalog, schema } of await allSchemas(client, ctx, opts)) {
    const q = { catalog_name: catalog, schema_name: schema, max_results: 0 };
    const tables = (await orNull(allPages<W>(client, `${UC}/tables`, "tables", q, ctx, opts))) ?? [];
    for (const t of tables) out.push(withLocation(toRemote(t), t.storage_location));
    opts.onProgress?.(out.length);
  }
  return out;
}

/**
 * Every volume of every schema (one volumes list per schema) with its tags (one tag-assignments
 * list per volume); properties add `storage_location`.
 */
export async function listVolumes<W extends NamedWire & { full_name: string }>(
  client: DatabricksClient,
  toRemote: (w: W, tags: Record<string, string>) => RemoteObject,
  readTags: (fullName: string) => Promise<Record<string, string>>,
  ctx: ProviderContext,
  opts: ListOptions = {},
): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  for (const { catalog, schema } of await allSchemas(client, ctx, opts)) {
    const q = { catalog_name: catalog, schema_name: schema };
    const volumes = (await orNull(allPages<W>(client, `${UC}/volumes`, "volumes", q, ctx, opts))) ?? [];
    for (const v of volumes) {
      if (opts.signal?.aborted) return out;
      const tags = await orNull(readTags(v.full_name));
      if (tags === null) continue; // dropped since it was listed
      out.push(withLocation(toRemote(v, tags), v.storage_location));
      opts.onProgress?.(out.length);
    }
  }
  return out;
}

function withLocation(o: RemoteObject, location: string | undefined): RemoteObject {
  return location ? { ...o, properties: { ...o.properties, storage_location: location } } : o;
}
