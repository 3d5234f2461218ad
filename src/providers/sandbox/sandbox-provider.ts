/**
 * The sandbox target: a ProviderRegistry over one local SQLite file that simulates AWS (S3, Glue)
 * and Databricks (clusters, jobs, Unity Catalog) closely enough to run the whole dpn workflow
 * without an account. It is a simulation, not a cloud: nothing leaves the machine.
 */
import { existsSync } from "node:fs";
import { DpnError, ProviderError, usageError } from "../../core/errors.js";
import {
  type DesiredResource,
  isProvisionedType,
  type Ownership,
  PROVISIONED_TYPES,
  type ProvisionedType,
} from "../../core/resources.js";
import type { Provider, ProviderContext, ProviderRegistry } from "../../engine/ports.js";
import { FaultInjector, type SandboxFaultOptions } from "./faults.js";

// The CLI composition root imports everything sandbox from this one module.
export { parseSandboxCallRules, type SandboxFaultOptions, sandboxOptionsFromEnv } from "./faults.js";

import { dbxCatalogModel } from "./models/dbx-catalog.js";
import { dbxClusterModel } from "./models/dbx-cluster.js";
import { dbxJobModel } from "./models/dbx-job.js";
import { dbxSchemaModel } from "./models/dbx-schema.js";
import { dbxTableModel } from "./models/dbx-table.js";
import { dbxVolumeModel } from "./models/dbx-volume.js";
import { glueDatabaseModel } from "./models/glue-database.js";
import { glueTableModel } from "./models/glue-table.js";
import { bucketDeniesWrites, bucketNameProblem, s3BucketModel } from "./models/s3-bucket.js";
import { SandboxStore, type StoredObject } from "./sandbox-store.js";
import type { ModelOptions, TypeModel } from "./type-model.js";
import { isArchived, ownershipOf, SandboxProvider, userTags } from "./type-provider.js";

/**
 * A model for every provisioned type (keyed by the registry's `ProvisionedType`, so a type without
 * a model does not compile); src/types/registry.test.ts checks each model simulates its spec's cloud.
 */
type ModelMap = { [K in ProvisionedType]: TypeModel<K> };

export const SANDBOX_MODELS: ModelMap = {
  aws_s3_bucket: s3BucketModel,
  aws_glue_database: glueDatabaseModel,
  aws_glue_table: glueTableModel,
  dbx_cluster: dbxClusterModel,
  dbx_job: dbxJobModel,
  dbx_catalog: dbxCatalogModel,
  dbx_schema: dbxSchemaModel,
  dbx_table: dbxTableModel,
  dbx_volume: dbxVolumeModel,
};

function modelOf(type: ProvisionedType): TypeModel {
  return SANDBOX_MODELS[type] as unknown as TypeModel;
}

/** One object of the simulated clouds, as inventories list it. */
export interface SandboxObject {
  type: ProvisionedType;
  name: string;
  fullName: string;
  remoteId: string;
  /** `foreign` = owned by "another account" (seeded for conflict tests). */
  account: "self" | "foreign";
  ownership: Ownership | null;
  archived: boolean;
  /** Platform state where the platform has one (clusters). */
  status?: string;
  tags: Record<string, string>;
}

export interface SandboxRegistryOptions {
  /** The sandbox file, normally `.dpn/sandbox.db`; created (with its folder) when missing. */
  dbPath: string;
  faults?: SandboxFaultOptions;
  /** How long a cluster stays PENDING/RESTARTING; 0 (default) = RUNNING on the next access. */
  clusterStartMs?: number;
  /** Clock, for tests of time-driven state. */
  now?: () => number;
  /**
   * Dry run: read the file if it exists, never write or create it (an absent file reads as an
   * empty sandbox); every mutating call fails with ProviderError `SANDBOX_READONLY`.
   */
  readonly?: boolean;
}

export interface SandboxRegistry extends ProviderRegistry {
  readonly target: "sandbox";
  /** Everything in the sandbox, foreign objects included, oldest first. */
  inventory(): SandboxObject[];
  /** Provider calls made through this registry, by `<method>:<type>` (failed calls included). */
  callCounts(): Record<string, number>;
  /**
   * Seed a bucket owned by "another account", so creating that name fails with
   * BucketAlreadyExists. Throws DpnError usage `SANDBOX_SEED_CONFLICT` if the name is taken.
   */
  seedForeign(bucket: string, opts?: { region?: string }): void;
  /**
   * Put an object into a bucket (any account), so that delete without force is refused.
   * Throws DpnError usage `SANDBOX_SEED_NO_BUCKET` / `SANDBOX_SEED_DENIED` (archived bucket).
   */
  seedObject(bucket: string, key: string): void;
  /**
   * Create an object in our own account WITHOUT dpn ownership markers (something that existed
   * before dpn: for import/adopt tests). Platform refusals throw the same ProviderErrors as create.
   */
  seedExisting(
    desired: DesiredResource,
    actor?: string,
    /** Remote ids of the resources it references (a job's cluster), by address. */
    refs?: Record<string, string>,
  ): void;
}

const seedContext = (actor: string, refs: Record<string, string> = {}): ProviderContext => ({
  stackId: "",
  txId: "seed",
  actor,
  resolveRef: (address) => refs[address],
});

function toInventory(store: SandboxStore): SandboxObject[] {
  return store.all().map((o: StoredObject) => {
    const model = modelOf(o.type);
    const status = model.status?.(o);
    return {
      type: o.type,
      name: o.name,
      fullName: o.fullName,
      remoteId: o.remoteId,
      account: o.account,
      ownership: ownershipOf(model, o),
      archived: isArchived(model, o),
      ...(status ? { status } : {}),
      tags: userTags(model, o),
    };
  });
}

/**
 * Open the sandbox at `opts.dbPath` and return its registry. Throws DpnError `state`
 * (SANDBOX_DB_TOO_NEW / SANDBOX_DB_FOREIGN / SANDBOX_DB_UNREADABLE) when the file cannot be used,
 * and DpnError usage SANDBOX_CONFIG_INVALID for malformed fault options. The environment is not
 * read here: the CLI passes `sandboxOptionsFromEnv(process.env)` merged with its flags.
 */
export function createSandboxRegistry(opts: SandboxRegistryOptions): SandboxRegistry {
  const clusterStartMs = opts.clusterStartMs ?? 0;
  if (!Number.isFinite(clusterStartMs) || clusterStartMs < 0) {
    throw usageError(
      "SANDBOX_CONFIG_INVALID",
      `clusterStartMs=${clusterStartMs} is not valid: expected a number of milliseconds >= 0.`,
      {
        details: { option: "clusterStartMs" },
      },
    );
  }
  const faults = new FaultInjector(opts.faults ?? {});
  const store = SandboxStore.open(opts.dbPath, { readonly: opts.readonly === true });
  const modelOpts: ModelOptions = { clusterStartMs, now: opts.now ?? Date.now };
  const writable = (what: string) => {
    if (store.readonly)
      throw new ProviderError(
        "internal",
        "SANDBOX_READONLY",
        `The sandbox was opened read-only; ${what} is not possible.`,
        {
          outcome: "not_applied",
          retryable: false,
        },
      );
  };
  const providers = new Map<ProvisionedType, SandboxProvider<ProvisionedType>>();
  for (const type of PROVISIONED_TYPES) {
    const p = new SandboxProvider(modelOf(type), store, faults, modelOpts);
    p.modelOf = modelOf;
    providers.set(type, p);
  }

  return {
    target: "sandbox",
    get<T extends ProvisionedType>(type: T): Provider<T> {
      const p = isProvisionedType(type) ? providers.get(type) : undefined;
      if (!p) {
        throw usageError("PROVIDER_UNKNOWN_TYPE", `The sandbox has no provider for type '${String(type)}'.`, {
          hint: `Provisioned types: ${PROVISIONED_TYPES.join(", ")}.`,
        });
      }
      return p as unknown as Provider<T>;
    },
    async preflight(): Promise<void> {
      try {
        store.ping();
      } catch (cause) {
        throw new DpnError(
          "state",
          "SANDBOX_DB_UNREADABLE",
          `The sandbox file ${opts.dbPath} cannot be read.`,
          { cause, details: { dbPath: opts.dbPath } },
        );
      }
    },
    async close(): Promise<void> {
      store.close();
    },
    inventory: () => toInventory(store),
    callCounts: () => faults.callCounts(),
    seedForeign(bucket, seedOpts = {}) {
      writable("seedForeign");
      const problem = bucketNameProblem(bucket);
      if (problem)
        throw usageError("SANDBOX_SEED_INVALID", `Bucket name '${bucket}' is not valid: it ${problem}.`);
      store.tx(() => {
        if (store.get("aws_s3_bucket", bucket)) {
          throw usageError("SANDBOX_SEED_CONFLICT", `Bucket '${bucket}' already exists in the sandbox.`);
        }
        store.insert({
          type: "aws_s3_bucket",
          remoteId: bucket,
          name: bucket,
          fullName: bucket,
          parentType: null,
          parentId: null,
          account: "foreign",
          data: {
            Name: bucket,
            Region: seedOpts.region ?? "us-east-1",
            CreationDate: new Date(modelOpts.now()).toISOString(),
            Versioning: null,
            Encryption: { SSEAlgorithm: "AES256" },
            PublicAccessBlock: {
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: true,
              RestrictPublicBuckets: true,
            },
            Lifecycle: [],
            Tags: {},
            Policy: null,
          },
        });
      });
    },
    seedObject(bucket, key) {
      writable("seedObject");
      store.tx(() => {
        const b = store.get("aws_s3_bucket", bucket);
        if (!b)
          throw usageError("SANDBOX_SEED_NO_BUCKET", `Bucket '${bucket}' does not exist in the sandbox.`);
        if (bucketDeniesWrites(b.data)) {
          throw usageError(
            "SANDBOX_SEED_DENIED",
            `Bucket '${bucket}' is archived: its policy denies writes (s3:PutObject).`,
          );
        }
        store.putBucketObject(bucket, key);
      });
    },
    seedExisting(desired, actor = "someone@elsewhere", refs = {}) {
      writable("seedExisting");
      store.tx(() => {
        const model = modelOf(desired.type);
        const built = model.build(desired as never, seedContext(actor, refs), store, modelOpts);
        const o: StoredObject = { ...built, type: desired.type, account: "self", seq: 0 };
        const bag = model.tagBag(o.data);
        for (const [k, v] of Object.entries(desired.tags)) bag[k] = v;
        store.insert(o);
      });
    },
  };
}

/**
 * List everything in the sandbox file at `dbPath` (for `dpn sandbox` commands and tests).
 * A missing file is an empty sandbox (nothing is created). Throws DpnError `state` when the
 * file is not a usable sandbox.
 */
export function openSandboxInventory(dbPath: string): SandboxObject[] {
  if (!existsSync(dbPath)) return [];
  const store = SandboxStore.open(dbPath);
  try {
    return toInventory(store);
  } finally {
    store.close();
  }
}
