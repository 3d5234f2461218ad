/**
 * The AWS inventory (`Provider.list`, src/engine/ports.ts): every S3 bucket, Glue database and
 * Glue table the credentials can see, read-only, paginated to the end, as RemoteObjects built
 * with the same marker rules as the providers' read().
 *
 * Calls (botocore's s3 / glue service-2 and paginators-1 models are the source of every shape):
 * - S3: ListBuckets pages (`MaxBuckets` 1–10000, `ContinuationToken` in and out; `BucketRegion`
 *   per bucket "if the request contains at least one valid parameter", so MaxBuckets is always
 *   sent), then per bucket GetBucketTagging (ListBuckets carries no tags; NoSuchTagSet = none) and
 *   GetBucketLocation only for a bucket listed without BucketRegion. STS GetCallerIdentity once
 *   (cached per run) when an unmarked bucket needs its provenance, as read() gives it.
 * - Glue databases: per region, GetDatabases pages (`MaxResults` 1–100, `NextToken`), then per
 *   database GetTags on its ARN (GetDatabases returns no tags); STS once per run for the account
 *   id of the ARNs.
 * - Glue tables: per region, GetDatabases pages, then per database GetTables pages (same limits).
 *   Glue tables take no tags (their tags and markers are Parameters), so there is no per-table call.
 *
 * A Glue Data Catalog is regional ("each AWS account has one AWS Glue Data Catalog per AWS
 * region", AWS Glue Developer Guide, "Data Catalog and crawlers"), so Glue is read in the clients'
 * default region (AWS_REGION / the profile / `--region`) and in every region of
 * `ListOptions.regions`; each object carries its region, and is remembered there for read().
 */
import {
  type Database,
  GetDatabasesCommand,
  GetTablesCommand,
  GetTagsCommand,
  type Table,
} from "@aws-sdk/client-glue";
import {
  type Bucket,
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  ListBucketsCommand,
} from "@aws-sdk/client-s3";
import type { ListOptions, Provenance, RemoteObject } from "../../engine/ports.js";

/** `Provider.list` options (ports.ts ListOptions), re-exported for the providers. */
export type InventoryOptions = ListOptions;

import type { AwsClients } from "./aws-clients.js";
import { hasAwsCode, toProviderError } from "./aws-errors.js";
import { splitMarkers, stringMap, tagSetMap } from "./aws-markers.js";

/** Page sizes (the models' maxima by default; tests pass small ones to cross page boundaries). */
export interface AwsPageSizes {
  /** ListBuckets MaxBuckets, 1–10000 (default 1000). */
  buckets?: number;
  /** GetDatabases / GetTables MaxResults, 1–100 (default 100). */
  glue?: number;
}

/** Per-object calls running at once (each is still paced like every SDK call). */
const PER_OBJECT_CONCURRENCY = 8;

function ctxOf(service: "s3" | "glue", operation: string, resource: string, clients: AwsClients) {
  return { service, operation, resource, profile: clients.profile, env: clients.env };
}

/** Run `fn` over `items` with bounded concurrency, keeping the input order of the results. */
async function mapBounded<I, O>(items: I[], fn: (item: I) => Promise<O>): Promise<O[]> {
  const out = new Array<O>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as I);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PER_OBJECT_CONCURRENCY, items.length) }, worker));
  return out;
}

/** Region of GetBucketLocation's LocationConstraint (null/empty is us-east-1, legacy `EU` is eu-west-1). */
export function regionOfLocation(constraint: string | undefined | null): string {
  if (!constraint) return "us-east-1";
  if (constraint === "EU") return "eu-west-1";
  return constraint;
}

/** Every bucket of the account: ListBuckets pages, then tags (and a region when not listed) per bucket. */
export async function listS3Buckets(
  clients: AwsClients,
  opts: ListOptions = {},
  pages: AwsPageSizes = {},
): Promise<RemoteObject[]> {
  const s3 = clients.s3(clients.defaultRegion);
  const listed: Bucket[] = [];
  let token: string | undefined;
  do {
    if (opts.signal?.aborted) break;
    try {
      const out = await s3.send(
        new ListBucketsCommand({
          MaxBuckets: pages.buckets ?? 1000,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const b of out.Buckets ?? []) if (b.Name) listed.push(b);
      token = out.ContinuationToken || undefined;
    } catch (e) {
      throw toProviderError(e, ctxOf("s3", "ListBuckets", "the account's buckets", clients));
    }
  } while (token);

  let read = 0;
  const objects = await mapBounded(listed, async (b): Promise<RemoteObject | null> => {
    if (opts.signal?.aborted) return null;
    const name = b.Name as string;
    const region = b.BucketRegion ?? (await bucketRegion(clients, name));
    if (region === null) return null;
    const tags = await bucketTags(clients, region, name);
    if (tags === null) return null;
    const m = splitMarkers(tags);
    // As read(): provenance only for an unmarked bucket (the claim rule); a listed bucket is the account's.
    let provenance: Provenance | undefined;
    if (!m.ownership) {
      const account = (await clients.callerIdentity()).account;
      provenance = {
        ...(b.CreationDate ? { createdAt: b.CreationDate.toISOString() } : {}),
        createdBy: account,
      };
    }
    opts.onProgress?.(++read);
    return {
      type: "aws_s3_bucket",
      remoteId: name,
      name,
      fullName: name,
      properties: { region },
      tags: m.user,
      ownership: m.ownership,
      archived: m.archived,
      ...(provenance ? { provenance } : {}),
    };
  });
  return objects.filter((o): o is RemoteObject => o !== null);
}

/** GetBucketLocation; null when the bucket is gone since it was listed. */
async function bucketRegion(clients: AwsClients, bucket: string): Promise<string | null> {
  try {
    const out = await clients
      .s3(clients.defaultRegion)
      .send(new GetBucketLocationCommand({ Bucket: bucket }));
    return regionOfLocation(out.LocationConstraint);
  } catch (e) {
    if (hasAwsCode(e, "NoSuchBucket")) return null;
    throw toProviderError(e, ctxOf("s3", "GetBucketLocation", `bucket ${bucket}`, clients));
  }
}

/** GetBucketTagging ({} for NoSuchTagSet); null when the bucket is gone since it was listed. */
async function bucketTags(
  clients: AwsClients,
  region: string,
  bucket: string,
): Promise<Record<string, string> | null> {
  try {
    const out = await clients.s3(region).send(new GetBucketTaggingCommand({ Bucket: bucket }));
    return tagSetMap(out.TagSet);
  } catch (e) {
    if (hasAwsCode(e, "NoSuchTagSet")) return {};
    if (hasAwsCode(e, "NoSuchBucket")) return null;
    throw toProviderError(e, ctxOf("s3", "GetBucketTagging", `bucket ${bucket}`, clients));
  }
}

/** Every database of the region's catalog (GetDatabases pages). */
async function glueDatabases(
  clients: AwsClients,
  region: string,
  opts: ListOptions,
  pageSize: number,
): Promise<Database[]> {
  const glue = clients.glue(region);
  const out: Database[] = [];
  let token: string | undefined;
  do {
    if (opts.signal?.aborted) break;
    try {
      const page = await glue.send(
        new GetDatabasesCommand({ MaxResults: pageSize, ...(token ? { NextToken: token } : {}) }),
      );
      for (const d of page.DatabaseList ?? []) if (d.Name) out.push(d);
      token = page.NextToken || undefined;
    } catch (e) {
      throw toProviderError(e, ctxOf("glue", "GetDatabases", `Glue databases in ${region}`, clients));
    }
  } while (token);
  return out;
}

/** Converts a Glue database and its tags as the database provider's read() does. */
export type GlueDatabaseToRemote = (
  region: string,
  name: string,
  db: Database,
  tags: Record<string, string>,
) => RemoteObject;

/** The regions to read Glue in: the clients' default region first, then the others of `opts`, sorted. */
export function glueRegions(clients: AwsClients, opts: ListOptions = {}): string[] {
  const others = [...new Set(opts.regions ?? [])].filter((r) => r !== clients.defaultRegion).sort();
  return [clients.defaultRegion, ...others];
}

/** Every Glue database of every region of `glueRegions`, with its tags (GetTags per database ARN). */
export async function listGlueDatabases(
  clients: AwsClients,
  toRemote: GlueDatabaseToRemote,
  opts: ListOptions = {},
  pages: AwsPageSizes = {},
): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  for (const region of glueRegions(clients, opts)) {
    if (opts.signal?.aborted) break;
    out.push(...(await glueDatabasesIn(clients, region, toRemote, opts, pages, out.length)));
  }
  return out;
}

/** The databases of one region with their tags; `before` objects were read in earlier regions. */
async function glueDatabasesIn(
  clients: AwsClients,
  region: string,
  toRemote: GlueDatabaseToRemote,
  opts: ListOptions,
  pages: AwsPageSizes,
  before: number,
): Promise<RemoteObject[]> {
  const dbs = await glueDatabases(clients, region, opts, pages.glue ?? 100);
  if (dbs.length === 0) return [];
  const id = await clients.callerIdentity(region);
  let read = 0;
  const objects = await mapBounded(dbs, async (db): Promise<RemoteObject | null> => {
    if (opts.signal?.aborted) return null;
    const name = db.Name as string;
    const arn = `arn:${id.partition}:glue:${region}:${id.account}:database/${name}`;
    let tags: Record<string, string>;
    try {
      tags = stringMap((await clients.glue(region).send(new GetTagsCommand({ ResourceArn: arn }))).Tags);
    } catch (e) {
      if (hasAwsCode(e, "EntityNotFoundException")) return null;
      throw toProviderError(e, ctxOf("glue", "GetTags", `Glue database ${name}`, clients));
    }
    clients.rememberRegion(`glue:${name}`, region);
    opts.onProgress?.(before + ++read);
    return toRemote(region, name, db, tags);
  });
  return objects.filter((o): o is RemoteObject => o !== null);
}

/** Converts a Glue table as the table provider's read() does. */
export type GlueTableToRemote = (region: string, database: string, t: Table) => RemoteObject;

/** Every Glue table of every database of every region of `glueRegions` (GetTables pages per database). */
export async function listGlueTables(
  clients: AwsClients,
  toRemote: GlueTableToRemote,
  opts: ListOptions = {},
  pages: AwsPageSizes = {},
): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  for (const region of glueRegions(clients, opts)) {
    if (opts.signal?.aborted) break;
    await glueTablesIn(clients, region, toRemote, opts, pages.glue ?? 100, out);
  }
  return out;
}

/** Append the tables of one region's databases to `out`. */
async function glueTablesIn(
  clients: AwsClients,
  region: string,
  toRemote: GlueTableToRemote,
  opts: ListOptions,
  pageSize: number,
  out: RemoteObject[],
): Promise<void> {
  const glue = clients.glue(region);
  for (const db of await glueDatabases(clients, region, opts, pageSize)) {
    const database = db.Name as string;
    let token: string | undefined;
    do {
      if (opts.signal?.aborted) return;
      try {
        const page = await glue.send(
          new GetTablesCommand({
            DatabaseName: database,
            MaxResults: pageSize,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        for (const t of page.TableList ?? []) {
          if (!t.Name) continue;
          clients.rememberRegion(`glue-table:${database}.${t.Name}`, region);
          out.push(toRemote(region, database, t));
        }
        token = page.NextToken || undefined;
      } catch (e) {
        // Dropped since GetDatabases listed it: nothing of it to list.
        if (hasAwsCode(e, "EntityNotFoundException")) break;
        throw toProviderError(e, ctxOf("glue", "GetTables", `Glue tables of ${database}`, clients));
      }
      opts.onProgress?.(out.length);
    } while (token);
  }
}
