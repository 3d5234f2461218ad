/**
 * Cloud and state side by side, for the crash-consistency proofs on `--target cloud`: what moto
 * and the Databricks fake hold for one project (read with the raw SDK and the fake's own state,
 * never through dpn), what state.db holds, and the differences that matter — orphans (a cloud
 * object of the project that no state row names) and phantoms (a state row whose object is gone).
 */
import {
  GetDatabaseCommand,
  GetDatabasesCommand,
  GetTableCommand,
  GetTablesCommand,
} from "@aws-sdk/client-glue";
import { GetBucketTaggingCommand, ListBucketsCommand } from "@aws-sdk/client-s3";
import type { DatabricksFake } from "../fakes/databricks/server.js";
import { REGION, type StateSummary, stateSummary } from "./cloud-env.js";
import { rawGlue, rawS3 } from "./moto.js";

/** One object in the cloud, by the id dpn keeps as `remote_id`. */
export interface CloudObject {
  type: string;
  remoteId: string;
  name: string;
}

/** Every object of `project` in moto and in the fake (names start with the project). */
export async function cloudObjects(
  project: string,
  fake: DatabricksFake,
  region = REGION,
): Promise<CloudObject[]> {
  const out: CloudObject[] = [];
  const s3 = rawS3(region);
  const glue = rawGlue(region);
  try {
    for (const b of (await s3.send(new ListBucketsCommand({}))).Buckets ?? [])
      if (b.Name?.startsWith(`${project}-`))
        out.push({ type: "aws_s3_bucket", remoteId: b.Name, name: b.Name });
    let token: string | undefined;
    const dbs: string[] = [];
    do {
      const page = await glue.send(new GetDatabasesCommand({ NextToken: token }));
      for (const d of page.DatabaseList ?? []) if (d.Name?.startsWith(`${project}_`)) dbs.push(d.Name);
      token = page.NextToken;
    } while (token);
    for (const db of dbs) {
      out.push({ type: "aws_glue_database", remoteId: db, name: db });
      for (const t of (await glue.send(new GetTablesCommand({ DatabaseName: db }))).TableList ?? [])
        out.push({ type: "aws_glue_table", remoteId: `${db}.${t.Name}`, name: t.Name ?? "" });
    }
  } finally {
    s3.destroy();
    glue.destroy();
  }
  const s = fake.state;
  const mine = (n: string | undefined) => (n ?? "").toLowerCase().startsWith(project);
  for (const [id, c] of s.clusters)
    if (mine(c.details.cluster_name))
      out.push({ type: "dbx_cluster", remoteId: id, name: c.details.cluster_name ?? "" });
  for (const [id, j] of s.jobs)
    if (mine(j.settings.name)) out.push({ type: "dbx_job", remoteId: id, name: j.settings.name ?? "" });
  for (const c of s.catalogs.values())
    if (mine(c.name)) out.push({ type: "dbx_catalog", remoteId: c.name ?? "", name: c.name ?? "" });
  for (const x of s.schemas.values())
    if (mine(x.full_name) && !/\.(default|information_schema)$/.test(x.full_name ?? ""))
      out.push({ type: "dbx_schema", remoteId: x.full_name ?? "", name: x.name ?? "" });
  for (const t of s.tables.values())
    if (mine(t.full_name)) out.push({ type: "dbx_table", remoteId: t.full_name ?? "", name: t.name ?? "" });
  for (const v of s.volumes.values())
    if (mine(v.full_name)) out.push({ type: "dbx_volume", remoteId: v.full_name ?? "", name: v.name ?? "" });
  return out.sort((a, b) => `${a.type} ${a.remoteId}`.localeCompare(`${b.type} ${b.remoteId}`));
}

export interface Ledger {
  cloud: CloudObject[];
  state: StateSummary;
  /** Cloud objects of the project with no state row (by type and remote id). */
  orphans: CloudObject[];
  /** State rows whose object does not exist in the cloud. */
  phantoms: StateSummary["resources"];
}

/** Compare the cloud with state.db under `home`. */
export async function ledger(project: string, fake: DatabricksFake, home: string): Promise<Ledger> {
  const cloud = await cloudObjects(project, fake);
  const state = stateSummary(home);
  const key = (type: string, id: string) => `${type} ${id.toLowerCase()}`;
  const rows = new Set(state.resources.map((r) => key(r.type, r.remote_id)));
  const objects = new Set(cloud.map((o) => key(o.type, o.remoteId)));
  return {
    cloud,
    state,
    orphans: cloud.filter((o) => !rows.has(key(o.type, o.remoteId))),
    phantoms: state.resources.filter((r) => !objects.has(key(r.type, r.remote_id))),
  };
}

/** One line per orphan and phantom, for an assertion message. */
export function ledgerProblems(l: Ledger): string[] {
  return [
    ...l.orphans.map((o) => `orphan: ${o.type} ${o.remoteId} exists in the cloud and not in state`),
    ...l.phantoms.map((r) => `phantom: ${r.address} is in state but ${r.type} ${r.remote_id} does not exist`),
  ];
}

/** Tag/property maps that carry dpn's archive marker, in either spelling (0.2.0 escaped `_` as `=5F`). */
const ARCHIVED_KEYS = ["dpn_archived_at", "dpn=5Farchived=5Fat"];
const hasArchiveMarker = (m: Record<string, string> | undefined) =>
  ARCHIVED_KEYS.some((k) => m !== undefined && k in m);

/**
 * Whether the object of `type` / `remoteId` carries dpn's archive marker in the cloud, read with
 * the raw SDK and the fake's own state. Undefined when the object does not exist.
 */
export async function archivedInCloud(
  fake: DatabricksFake,
  type: string,
  remoteId: string,
  region = REGION,
): Promise<boolean | undefined> {
  const s = fake.state;
  const id = remoteId.toLowerCase();
  switch (type) {
    case "aws_s3_bucket": {
      const s3 = rawS3(region);
      try {
        const out = await s3.send(new GetBucketTaggingCommand({ Bucket: remoteId }));
        return hasArchiveMarker(
          Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
        );
      } catch (e) {
        const name = (e as { name?: string }).name;
        if (name === "NoSuchTagSet") return false;
        if (name === "NoSuchBucket" || name === "NotFound") return undefined;
        throw e;
      } finally {
        s3.destroy();
      }
    }
    case "aws_glue_database":
    case "aws_glue_table": {
      const glue = rawGlue(region);
      try {
        if (type === "aws_glue_database") {
          const db = (await glue.send(new GetDatabaseCommand({ Name: remoteId }))).Database;
          return hasArchiveMarker(db?.Parameters);
        }
        const [database, table] = remoteId.split(".");
        const t = (await glue.send(new GetTableCommand({ DatabaseName: database, Name: table }))).Table;
        return hasArchiveMarker(t?.Parameters);
      } catch (e) {
        if ((e as { name?: string }).name === "EntityNotFoundException") return undefined;
        throw e;
      } finally {
        glue.destroy();
      }
    }
    case "dbx_cluster": {
      const c = s.clusters.get(remoteId);
      return c ? hasArchiveMarker(c.details.custom_tags) : undefined;
    }
    case "dbx_job": {
      const j = s.jobs.get(remoteId);
      return j ? hasArchiveMarker(j.settings.tags) : undefined;
    }
    case "dbx_catalog": {
      const c = s.catalogs.get(id);
      return c ? hasArchiveMarker(c.properties) : undefined;
    }
    case "dbx_schema": {
      const x = s.schemas.get(id);
      return x ? hasArchiveMarker(x.properties) : undefined;
    }
    case "dbx_table": {
      const t = s.tables.get(id);
      return t ? hasArchiveMarker(t.properties) : undefined;
    }
    case "dbx_volume": {
      if (!s.volumes.has(id)) return undefined;
      return hasArchiveMarker(Object.fromEntries(s.tags.get(`volumes/${id}`) ?? []));
    }
    default:
      throw new Error(`archivedInCloud: unknown type ${type}`);
  }
}
