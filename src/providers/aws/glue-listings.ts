/**
 * Bulk reads of the Glue Data Catalog for one run: one `GetDatabases` per region and one
 * `GetTables` per database answer every `lookup`/`read` of a plan, instead of one `GetDatabase` /
 * `GetTable` per resource. A listing is used only when it is complete in ONE page (Glue pages hold
 * at most 100 entries: botocore's glue 2017-03-31 model, `CatalogGetterPageSize`); a catalog that
 * needs more pages is read per object as before, so a large account costs one extra call per
 * region or database, never a walk through thousands of entries. Every Glue write of the run
 * (AwsClients calls `clear` after each) drops every listing, so no read after our own write is
 * answered from a listing older than it.
 */
import {
  type Database,
  GetDatabasesCommand,
  GetTablesCommand,
  type GlueClient,
  type Table,
} from "@aws-sdk/client-glue";
import { hasAwsCode } from "./aws-errors.js";

/** Glue's largest page (CatalogGetterPageSize max). */
const PAGE = 100;

/**
 * What a listing says: a map by lower-case name when it is complete, `absent` when the database
 * itself does not exist (GetTables → EntityNotFoundException), `unknown` when it cannot be used
 * (more than one page, or the bulk call failed): then the caller reads the object by name, and
 * that call reports any real failure.
 */
export type Listing<T> = Map<string, T> | "absent" | "unknown";

export class GlueListings {
  private readonly databases = new Map<string, Promise<Listing<Database>>>();
  private readonly tables = new Map<string, Promise<Listing<Table>>>();
  /** Bulk calls made (for tests and the call-count benchmark). */
  calls = 0;

  constructor(private readonly client: (region: string) => GlueClient) {}

  /** The databases of the caller's catalog in `region`. Never rejects. */
  databasesIn(region: string): Promise<Listing<Database>> {
    return this.memo(this.databases, region, async () => {
      const out = await this.client(region).send(new GetDatabasesCommand({ MaxResults: PAGE }));
      return byName(out.DatabaseList, out.NextToken);
    });
  }

  /** The tables of `database` in `region`. Never rejects. */
  tablesIn(region: string, database: string): Promise<Listing<Table>> {
    return this.memo(this.tables, `${region}|${database}`, async () => {
      try {
        const out = await this.client(region).send(
          new GetTablesCommand({ DatabaseName: database, MaxResults: PAGE }),
        );
        return byName(out.TableList, out.NextToken);
      } catch (e) {
        if (hasAwsCode(e, "EntityNotFoundException")) return "absent";
        throw e;
      }
    });
  }

  /** Forget every listing (after any Glue write of this run). */
  clear(): void {
    this.databases.clear();
    this.tables.clear();
  }

  private memo<T>(
    map: Map<string, Promise<Listing<T>>>,
    key: string,
    load: () => Promise<Listing<T>>,
  ): Promise<Listing<T>> {
    const cached = map.get(key);
    if (cached) return cached;
    this.calls++;
    // A failed bulk call is not an answer: the per-object read that follows reports the failure.
    const p = load().catch((): Listing<T> => "unknown");
    map.set(key, p);
    return p;
  }
}

function byName<T extends { Name?: string | undefined }>(
  list: T[] | undefined,
  next: string | undefined,
): Listing<T> {
  if (next) return "unknown";
  const out = new Map<string, T>();
  for (const x of list ?? []) if (x.Name !== undefined) out.set(x.Name.toLowerCase(), x);
  return out;
}
