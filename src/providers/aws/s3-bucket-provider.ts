/**
 * Provider for `aws_s3_bucket`: create with settings (tags, versioning, default encryption,
 * public access block, INTELLIGENT_TIERING lifecycle), read back in DesiredResource vocabulary,
 * diff/update/revert, archive (tags + a deny-writes bucket policy statement) and delete.
 * Failure semantics are those of the Provider contract in src/engine/ports.ts.
 */
import {
  CreateBucketCommand,
  type CreateBucketCommandInput,
  DeleteBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  type LifecycleRule,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { ProviderError } from "../../core/errors.js";
import { type DesiredResource, MARKER_KEYS, type Ownership } from "../../core/resources.js";
import type {
  FieldChange,
  Provenance,
  Provider,
  ProviderContext,
  RemoteObject,
  ResourceRecord,
} from "../../engine/ports.js";
import { serviceOf } from "../../types/registry.js";
import { type AwsClients, partitionOfRegion } from "./aws-clients.js";
import {
  type AwsCallContext,
  awsRefusal,
  hasAwsCode,
  httpStatusOf,
  isNotFound,
  runSettingSteps,
  toProviderError,
} from "./aws-errors.js";
import {
  archiveMarkers,
  isMarkerKey,
  isOurs,
  ownershipMarkers,
  sameMap,
  sendOnce,
  splitMarkers,
  stringMap,
  tagSetMap,
} from "./aws-markers.js";
import { type InventoryOptions, listS3Buckets } from "./inventory.js";

/** Lifecycle rule dpn owns inside the bucket's lifecycle configuration (other rules are kept). */
export const LIFECYCLE_RULE_ID = "dpn-intelligent-tiering";
/** Sid of the bucket policy statement that archive adds and restore removes. */
export const ARCHIVE_STATEMENT_SID = "DpnArchivedDenyWrites";
/** Object-level writes (and deletes) denied while a bucket is archived; reads stay allowed. */
export const ARCHIVE_DENIED_ACTIONS = [
  "s3:PutObject",
  "s3:PutObjectAcl",
  "s3:PutObjectTagging",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:DeleteObjectTagging",
];

/** Public access block flags in snake case (the raw state, kept so revert is exact). */
export interface PublicAccessBlockFlags {
  block_public_acls: boolean;
  ignore_public_acls: boolean;
  block_public_policy: boolean;
  restrict_public_buckets: boolean;
}

/** What `read` puts into RemoteObject.properties. */
export interface LiveBucketProps {
  region: string;
  versioning: boolean;
  /** Raw versioning status: `Enabled`, `Suspended` or null (never enabled). */
  versioning_status: "Enabled" | "Suspended" | null;
  lifecycle_days: number;
  encryption: "AES256" | "aws:kms" | string | null;
  kms_key_id?: string;
  block_public_access: boolean;
  public_access_block: PublicAccessBlockFlags | null;
}

const ALL_BLOCKED: PublicAccessBlockFlags = {
  block_public_acls: true,
  ignore_public_acls: true,
  block_public_policy: true,
  restrict_public_buckets: true,
};

interface PolicyDoc {
  Version?: string;
  Id?: string;
  Statement?: unknown;
  [k: string]: unknown;
}

function liveProps(o: RemoteObject): LiveBucketProps {
  return o.properties as unknown as LiveBucketProps;
}

function pabState(f: PublicAccessBlockFlags | null): boolean | "partial" {
  if (!f) return false;
  const v = Object.values(f);
  if (v.every(Boolean)) return true;
  if (v.every((x) => !x)) return false;
  return "partial";
}

/** S3 bucket provider. Construct through createAwsProviders. */
export class S3BucketProvider implements Provider<"aws_s3_bucket"> {
  readonly type = "aws_s3_bucket" as const;
  readonly service = serviceOf("aws_s3_bucket");

  /**
   * Buckets a HeadBucket of this run answered 404 for, and not created or seen since: `create`
   * takes that answer (the plan's look-up) instead of asking again. See `create`.
   */
  private readonly seenAbsent = new Set<string>();

  constructor(private readonly clients: AwsClients) {}

  private ctxOf(operation: string, bucket: string, mutating = false): AwsCallContext {
    return {
      service: "s3",
      operation,
      resource: `bucket ${bucket}`,
      mutating,
      profile: this.clients.profile,
      env: this.clients.env,
    };
  }

  private async call<T>(op: string, bucket: string, mutating: boolean, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toProviderError(e, this.ctxOf(op, bucket, mutating));
    }
  }

  /**
   * Region of an existing bucket, or null when it does not exist. A 403 means the name exists but
   * we may not see it: usually another account's bucket (the namespace is global).
   */
  private async headRegion(bucket: string, regionHint: string): Promise<string | null> {
    try {
      const out = await this.clients.s3(regionHint).send(new HeadBucketCommand({ Bucket: bucket }));
      this.seenAbsent.delete(bucket);
      return out.BucketRegion ?? regionHint;
    } catch (e) {
      this.seenAbsent.delete(bucket);
      if (httpStatusOf(e) === 404 || hasAwsCode(e, "NotFound", "NoSuchBucket")) {
        this.seenAbsent.add(bucket);
        return null;
      }
      if (httpStatusOf(e) === 403) {
        throw awsRefusal(
          "conflict",
          "S3_BUCKET_NOT_ACCESSIBLE",
          `Bucket name ${bucket} exists but these credentials cannot access it (HTTP 403).`,
          "S3 bucket names are global across all AWS accounts: the name is most likely taken by another account. " +
            "Choose another name (e.g. change the purpose or add a suffix in the convention); if the bucket is yours, check the caller's s3:ListBucket permission.",
          { bucket, request_id: (e as { $metadata?: { requestId?: string } }).$metadata?.requestId },
        );
      }
      throw toProviderError(e, this.ctxOf("HeadBucket", bucket));
    }
  }

  private async getTags(s3: S3Client, bucket: string): Promise<Record<string, string>> {
    try {
      const out = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
      return tagSetMap(out.TagSet);
    } catch (e) {
      if (hasAwsCode(e, "NoSuchTagSet")) return {};
      throw toProviderError(e, this.ctxOf("GetBucketTagging", bucket));
    }
  }

  private async putTags(s3: S3Client, bucket: string, tags: Record<string, string>): Promise<void> {
    await this.call("PutBucketTagging", bucket, true, () =>
      s3.send(
        new PutBucketTaggingCommand({
          Bucket: bucket,
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      ),
    );
  }

  private async getLifecycleRules(s3: S3Client, bucket: string): Promise<LifecycleRule[]> {
    try {
      const out = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
      return out.Rules ?? [];
    } catch (e) {
      if (hasAwsCode(e, "NoSuchLifecycleConfiguration")) return [];
      throw toProviderError(e, this.ctxOf("GetBucketLifecycleConfiguration", bucket));
    }
  }

  private async getPolicy(s3: S3Client, bucket: string): Promise<PolicyDoc | null> {
    try {
      const out = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
      return out.Policy ? (JSON.parse(out.Policy) as PolicyDoc) : null;
    } catch (e) {
      if (hasAwsCode(e, "NoSuchBucketPolicy")) return null;
      throw toProviderError(e, this.ctxOf("GetBucketPolicy", bucket));
    }
  }

  /** Read a bucket's settings; null when it does not exist. */
  private async readBucket(bucket: string, regionHint: string): Promise<RemoteObject | null> {
    const region = await this.headRegion(bucket, regionHint);
    if (region === null) return null;
    const s3 = this.clients.s3(region);
    const optional = async <T>(op: string, fn: () => Promise<T>, absent: string[]): Promise<T | null> => {
      try {
        return await fn();
      } catch (e) {
        if (hasAwsCode(e, ...absent)) return null;
        if (hasAwsCode(e, "NoSuchBucket")) throw new BucketGone();
        throw toProviderError(e, this.ctxOf(op, bucket));
      }
    };
    try {
      const [ver, enc, pab, rules, tags] = await Promise.all([
        optional(
          "GetBucketVersioning",
          () => s3.send(new GetBucketVersioningCommand({ Bucket: bucket })),
          [],
        ),
        optional("GetBucketEncryption", () => s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })), [
          "ServerSideEncryptionConfigurationNotFoundError",
        ]),
        optional("GetPublicAccessBlock", () => s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })), [
          "NoSuchPublicAccessBlockConfiguration",
        ]),
        this.getLifecycleRules(s3, bucket),
        this.getTags(s3, bucket),
      ]);
      const sse = enc?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
      const pc = pab?.PublicAccessBlockConfiguration;
      const flags: PublicAccessBlockFlags | null = pc
        ? {
            block_public_acls: pc.BlockPublicAcls === true,
            ignore_public_acls: pc.IgnorePublicAcls === true,
            block_public_policy: pc.BlockPublicPolicy === true,
            restrict_public_buckets: pc.RestrictPublicBuckets === true,
          }
        : null;
      const ours = rules.find((r) => r.ID === LIFECYCLE_RULE_ID && r.Status === "Enabled");
      const status = ver?.Status === "Enabled" || ver?.Status === "Suspended" ? ver.Status : null;
      const props: LiveBucketProps = {
        region,
        versioning: status === "Enabled",
        versioning_status: status,
        lifecycle_days: ours?.Transitions?.find((t) => t.StorageClass === "INTELLIGENT_TIERING")?.Days ?? 0,
        encryption: sse?.SSEAlgorithm ?? null,
        ...(sse?.KMSMasterKeyID ? { kms_key_id: sse.KMSMasterKeyID } : {}),
        block_public_access: pabState(flags) === true,
        public_access_block: flags,
      };
      const m = splitMarkers(tags);
      // Creation facts matter only for an unmarked bucket (the claim rule, docs/recovery.md).
      const provenance = m.ownership ? undefined : await this.provenanceOf(bucket);
      return {
        type: this.type,
        remoteId: bucket,
        name: bucket,
        fullName: bucket,
        properties: props as unknown as Record<string, unknown>,
        tags: m.user,
        ownership: m.ownership,
        archived: m.archived,
        ...(provenance ? { provenance } : {}),
      };
    } catch (e) {
      // Deleted between HEAD and the sub-resource reads.
      if (e instanceof BucketGone) return null;
      throw e;
    }
  }

  /** Find the bucket by name (its region comes from S3, the desired region is only a hint). */
  lookup(desired: DesiredResource<"aws_s3_bucket">): Promise<RemoteObject | null> {
    return this.readBucket(desired.name, desired.properties.region);
  }

  read(remoteId: string): Promise<RemoteObject | null> {
    return this.readBucket(remoteId, this.clients.defaultRegion);
  }

  /**
   * `--refresh quick`: one GetBucketTagging, in the region state recorded. Its answer says the
   * bucket exists (NoSuchBucket: gone) and gives the markers, the archive status and the tags;
   * versioning, encryption, the public access block and lifecycle are the record's, since S3 reads
   * each with a call of its own. An answer that does not settle it — no tag set (so no marker), a
   * 403, a bucket that moved region — is decided on the full read.
   */
  async quickRead(record: ResourceRecord): Promise<RemoteObject | null> {
    const bucket = record.remoteId;
    const recorded = record.properties.region;
    const region = typeof recorded === "string" && recorded ? recorded : this.clients.defaultRegion;
    let tags: Record<string, string>;
    try {
      const out = await this.clients.s3(region).send(new GetBucketTaggingCommand({ Bucket: bucket }));
      tags = tagSetMap(out.TagSet);
    } catch (e) {
      if (hasAwsCode(e, "NoSuchBucket")) return null;
      const status = httpStatusOf(e);
      if (
        hasAwsCode(e, "NoSuchTagSet", "PermanentRedirect", "AuthorizationHeaderMalformed") ||
        status === 301 ||
        status === 403
      )
        return this.readBucket(bucket, region);
      throw toProviderError(e, this.ctxOf("GetBucketTagging", bucket));
    }
    const m = splitMarkers(tags);
    if (!m.ownership) return this.readBucket(bucket, region);
    return {
      type: this.type,
      remoteId: bucket,
      name: bucket,
      fullName: bucket,
      properties: record.properties,
      tags: m.user,
      ownership: m.ownership,
      archived: m.archived,
    };
  }

  /** The inventory (inventory.ts): ListBuckets pages, tags per bucket; properties carry `region` only. */
  list(_ctx: ProviderContext, opts?: InventoryOptions): Promise<RemoteObject[]> {
    return listS3Buckets(this.clients, opts);
  }

  /**
   * Create the bucket and apply every setting. The bucket is tagged with the ownership markers
   * first, so that a lookup after an `unknown` outcome recognises it. If a later step fails, a
   * bucket we created is deleted again (outcome `not_applied`), or the error says `unknown` when
   * that cleanup fails too. An existing bucket is adopted only when it carries our markers for
   * this stack and address; otherwise the create fails with `conflict` and nothing is touched.
   */
  async create(desired: DesiredResource<"aws_s3_bucket">, ctx: ProviderContext): Promise<RemoteObject> {
    const p = desired.properties;
    const bucket = desired.name;
    const region = p.region;
    const own: Ownership = { stackId: ctx.stackId, address: desired.address };
    let adopted = false;

    // The plan's look-up of this run found the name free (HeadBucket 404): asking again would only
    // narrow, never close, the window before CreateBucket, and that window (plan look-up → create)
    // is exactly what the claim rule already accepts (docs/recovery.md, "The claim rule"). Outside
    // us-east-1 a bucket of ours made meanwhile still answers BucketAlreadyOwnedByYou below. Without
    // such an answer (recovery, a direct call) the HEAD is made here.
    const knownAbsent = this.seenAbsent.delete(bucket);
    const existingRegion = knownAbsent ? null : await this.headRegion(bucket, region);
    if (existingRegion !== null) {
      if ((await this.inOurAccount(bucket)) === false) throw nameTaken(bucket);
      await this.claimExisting(bucket, existingRegion, region, own);
      adopted = true;
    } else {
      const input: CreateBucketCommandInput = { Bucket: bucket };
      // us-east-1 takes no LocationConstraint (sending it is InvalidLocationConstraint);
      // every other region requires one equal to the endpoint's region.
      if (region !== "us-east-1") input.CreateBucketConfiguration = { LocationConstraint: region as never };
      try {
        await sendOnce(
          () => this.clients.s3(region, true).send(new CreateBucketCommand(input)),
          this.clients.maxAttempts,
          ctx.signal,
        );
      } catch (e) {
        if (hasAwsCode(e, "BucketAlreadyOwnedByYou")) {
          await this.claimExisting(bucket, region, region, own);
          adopted = true;
        } else if (hasAwsCode(e, "BucketAlreadyExists")) {
          throw nameTaken(bucket, (e as { $metadata?: { requestId?: string } }).$metadata?.requestId);
        } else {
          throw toProviderError(e, this.ctxOf("CreateBucket", bucket, true));
        }
      }
      // us-east-1 answers 200 for a bucket we already own: the look-up ruled that out, except for
      // a bucket made in this account between it and this call. That race is not worth a tag read
      // on every create; it is the same window the claim rule accepts.
    }

    const s3 = this.clients.s3(region);
    try {
      if (adopted) {
        // Our own bucket from an earlier, interrupted run: converge it like an update.
        const live = await this.mustRead(bucket, region);
        return await this.update(desired, live, ctx);
      }
      // The marker first: a crash after this call leaves a bucket that lookups see as ours.
      await this.putTags(s3, bucket, { ...desired.tags, ...ownershipMarkers(own) });
      if (p.versioning) await this.applyVersioning(s3, bucket, true, null);
      await this.applyEncryption(s3, bucket, p.encryption, p.kms_key_id);
      await this.applyPublicAccessBlock(s3, bucket, p.block_public_access ? ALL_BLOCKED : null);
      // A new bucket has no lifecycle rules of anyone else's to keep.
      if (p.lifecycle_days > 0) await this.applyLifecycle(s3, bucket, p.lifecycle_days, []);
    } catch (e) {
      const pe = toProviderError(e, this.ctxOf("CreateBucket (settings)", bucket, true));
      // An adopted bucket existed before: never delete it; update() already set the outcome.
      if (adopted) throw pe;
      try {
        await this.clients.s3(region).send(new DeleteBucketCommand({ Bucket: bucket }));
      } catch (cleanup) {
        const ce = toProviderError(cleanup, this.ctxOf("DeleteBucket", bucket, true));
        throw new ProviderError(
          pe.category,
          pe.code,
          `${pe.message}; deleting the half-configured bucket failed too: ${ce.message}`,
          {
            hint: `Bucket ${bucket} may exist without all its settings; dpn looks it up again, or delete it by hand.`,
            details: { ...pe.details, cleanup_error: ce.details },
            cause: e,
            outcome: "unknown",
          },
        );
      }
      throw new ProviderError(pe.category, pe.code, `${pe.message} (the new bucket was deleted again)`, {
        ...(pe.hint ? { hint: pe.hint } : {}),
        details: pe.details,
        cause: e,
        outcome: "not_applied",
      });
    }
    // What we just wrote is the new state: no read-back.
    return this.createdObject(desired, own);
  }

  /** The RemoteObject of a bucket this provider has just created with `desired`'s settings. */
  private createdObject(desired: DesiredResource<"aws_s3_bucket">, own: Ownership): RemoteObject {
    const p = desired.properties;
    const kms = p.encryption === "aws:kms" && p.kms_key_id;
    const props: LiveBucketProps = {
      region: p.region,
      versioning: p.versioning,
      versioning_status: p.versioning ? "Enabled" : null,
      lifecycle_days: p.lifecycle_days,
      encryption: p.encryption,
      ...(kms ? { kms_key_id: p.kms_key_id } : {}),
      block_public_access: p.block_public_access,
      public_access_block: p.block_public_access ? { ...ALL_BLOCKED } : null,
    };
    return {
      type: this.type,
      remoteId: desired.name,
      name: desired.name,
      fullName: desired.name,
      properties: props as unknown as Record<string, unknown>,
      tags: { ...desired.tags },
      ownership: own,
      archived: false,
    };
  }

  /**
   * The caller's account's listing of `bucket` (ListBuckets lists only the caller's own buckets,
   * with their CreationDate): the entry, null when it is not listed (another account's), or
   * undefined when we may not list buckets (then the ownership tags decide).
   */
  private async listed(bucket: string): Promise<{ CreationDate?: Date } | null | undefined> {
    const s3 = this.clients.s3(this.clients.defaultRegion);
    let token: string | undefined;
    try {
      for (let page = 0; page < 20; page++) {
        const out = await s3.send(
          new ListBucketsCommand({
            Prefix: bucket,
            MaxBuckets: 1000,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        const entry = (out.Buckets ?? []).find((b) => b.Name === bucket);
        if (entry) return entry;
        token = out.ContinuationToken;
        if (!token) return null;
      }
      return undefined;
    } catch (e) {
      if (httpStatusOf(e) === 403) return undefined;
      throw toProviderError(e, this.ctxOf("ListBuckets", bucket));
    }
  }

  /** Whether an existing bucket belongs to the caller's account; undefined when we may not list. */
  private async inOurAccount(bucket: string): Promise<boolean | undefined> {
    const entry = await this.listed(bucket);
    return entry === undefined ? undefined : entry !== null;
  }

  /**
   * Creation facts of a bucket: CreationDate from the caller's ListBuckets and, as its creator,
   * the caller's account (S3 records no finer creator; a bucket listed there is the account's).
   * A bucket the account does not list was made by another account. Undefined when we may not
   * list buckets. Note that S3 documents CreationDate as able to change with some bucket
   * configuration changes, so it is a lower bound on "made recently", never proof on its own.
   */
  private async provenanceOf(bucket: string): Promise<Provenance | undefined> {
    const entry = await this.listed(bucket);
    if (entry === undefined) return undefined;
    if (entry === null) return { createdBy: "another AWS account" };
    const account = (await this.clients.callerIdentity()).account;
    return {
      ...(entry.CreationDate ? { createdAt: entry.CreationDate.toISOString() } : {}),
      createdBy: account,
    };
  }

  /** The AWS account these credentials act in (STS GetCallerIdentity, cached). */
  async principal(): Promise<string> {
    return (await this.clients.callerIdentity()).account;
  }

  private async claimExisting(
    bucket: string,
    actualRegion: string,
    wantedRegion: string,
    own: Ownership,
  ): Promise<void> {
    const tags = await this.getTags(this.clients.s3(actualRegion), bucket);
    if (!isOurs(tags, own)) {
      const m = splitMarkers(tags);
      const whose = m.ownership
        ? `dpn stack ${m.ownership.stackId}, address ${m.ownership.address}`
        : "no dpn ownership tags";
      throw awsRefusal(
        "conflict",
        "S3_BUCKET_EXISTS_NOT_OURS",
        `Bucket ${bucket} already exists in this account and is not this resource's (${whose}).`,
        "dpn only adopts buckets tagged with its own stack and address. Import it explicitly if it should be managed here, or choose another name.",
        { bucket, region: actualRegion },
      );
    }
    if (actualRegion !== wantedRegion) {
      throw awsRefusal(
        "conflict",
        "S3_BUCKET_REGION_MISMATCH",
        `Bucket ${bucket} exists in ${actualRegion}, but the blueprint wants it in ${wantedRegion}.`,
        "A bucket cannot move between regions; change the blueprint region or delete the bucket first.",
        { bucket, region: actualRegion, wanted_region: wantedRegion },
      );
    }
  }

  private async mustRead(bucket: string, region: string): Promise<RemoteObject> {
    const o = await this.readBucket(bucket, region);
    if (!o) {
      throw awsRefusal(
        "not_found",
        "S3_BUCKET_VANISHED",
        `Bucket ${bucket} disappeared while dpn was working on it.`,
        "Someone deleted it concurrently; run the command again.",
        { bucket },
        "unknown",
      );
    }
    return o;
  }

  private async applyVersioning(
    s3: S3Client,
    bucket: string,
    enabled: boolean,
    liveStatus: string | null,
  ): Promise<void> {
    // A never-versioned bucket is already "not versioned": Suspended would be a needless change.
    if (!enabled && liveStatus === null) return;
    await this.call("PutBucketVersioning", bucket, true, () =>
      s3.send(
        new PutBucketVersioningCommand({
          Bucket: bucket,
          VersioningConfiguration: { Status: enabled ? "Enabled" : "Suspended" },
        }),
      ),
    );
  }

  private async applyEncryption(
    s3: S3Client,
    bucket: string,
    alg: string | null,
    kmsKeyId: string | undefined,
  ): Promise<void> {
    if (alg === null) {
      await this.call("DeleteBucketEncryption", bucket, true, () =>
        s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket })),
      );
      return;
    }
    const kms = alg !== "AES256";
    await this.call("PutBucketEncryption", bucket, true, () =>
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [
              {
                ApplyServerSideEncryptionByDefault: {
                  SSEAlgorithm: alg as "AES256",
                  ...(kms && kmsKeyId ? { KMSMasterKeyID: kmsKeyId } : {}),
                },
                // S3 Bucket Keys cut KMS request costs; meaningless for SSE-S3.
                ...(kms ? { BucketKeyEnabled: true } : {}),
              },
            ],
          },
        }),
      ),
    );
  }

  private async applyPublicAccessBlock(
    s3: S3Client,
    bucket: string,
    flags: PublicAccessBlockFlags | null,
  ): Promise<void> {
    if (flags === null) {
      await this.call("DeletePublicAccessBlock", bucket, true, () =>
        s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket })),
      );
      return;
    }
    await this.call("PutPublicAccessBlock", bucket, true, () =>
      s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: bucket,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: flags.block_public_acls,
            IgnorePublicAcls: flags.ignore_public_acls,
            BlockPublicPolicy: flags.block_public_policy,
            RestrictPublicBuckets: flags.restrict_public_buckets,
          },
        }),
      ),
    );
  }

  /** Replace only dpn's rule in the lifecycle configuration; `days` 0 removes it. */
  private async applyLifecycle(
    s3: S3Client,
    bucket: string,
    days: number,
    current?: LifecycleRule[],
  ): Promise<void> {
    const others = (current ?? (await this.getLifecycleRules(s3, bucket))).filter(
      (r) => r.ID !== LIFECYCLE_RULE_ID,
    );
    const rules: LifecycleRule[] =
      days > 0
        ? [
            ...others,
            {
              ID: LIFECYCLE_RULE_ID,
              Status: "Enabled",
              Filter: { Prefix: "" },
              Transitions: [{ Days: days, StorageClass: "INTELLIGENT_TIERING" }],
            },
          ]
        : others;
    if (rules.length === 0) {
      await this.call("DeleteBucketLifecycle", bucket, true, () =>
        s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket })),
      );
      return;
    }
    await this.call("PutBucketLifecycleConfiguration", bucket, true, () =>
      s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: bucket,
          LifecycleConfiguration: { Rules: rules },
        }),
      ),
    );
  }

  /** Pure: what update would change. `region` appears when it differs (update refuses it). */
  diff(desired: DesiredResource<"aws_s3_bucket">, live: RemoteObject): FieldChange[] {
    const p = desired.properties;
    const l = liveProps(live);
    const out: FieldChange[] = [];
    if (p.region !== l.region) out.push({ field: "region", before: l.region, after: p.region });
    if (p.versioning !== l.versioning)
      out.push({ field: "versioning", before: l.versioning, after: p.versioning });
    if (p.encryption !== l.encryption)
      out.push({ field: "encryption", before: l.encryption, after: p.encryption });
    if (p.encryption === "aws:kms" && (p.kms_key_id ?? undefined) !== (l.kms_key_id ?? undefined)) {
      out.push({ field: "kms_key_id", before: l.kms_key_id ?? null, after: p.kms_key_id ?? null });
    }
    const pab = pabState(l.public_access_block);
    if (p.block_public_access !== pab)
      out.push({ field: "block_public_access", before: pab, after: p.block_public_access });
    if (p.lifecycle_days !== l.lifecycle_days)
      out.push({ field: "lifecycle_days", before: l.lifecycle_days, after: p.lifecycle_days });
    if (!sameMap(desired.tags, live.tags))
      out.push({ field: "tags", before: live.tags, after: desired.tags });
    return out;
  }

  /**
   * Apply what `diff` reports. A region change is refused (`invalid_input`, nothing changed).
   * When a step fails after an earlier one succeeded, the outcome is `unknown`.
   */
  async update(
    desired: DesiredResource<"aws_s3_bucket">,
    live: RemoteObject,
    _ctx: ProviderContext,
  ): Promise<RemoteObject> {
    const changes = this.diff(desired, live);
    const bucket = live.remoteId;
    const l = liveProps(live);
    if (changes.some((c) => c.field === "region")) {
      throw awsRefusal(
        "invalid_input",
        "S3_REGION_IMMUTABLE",
        `Bucket ${bucket} is in ${l.region}; it cannot move to ${desired.properties.region}.`,
        "Keep the bucket's region in the blueprint, or create a new bucket and copy the data.",
        { bucket },
      );
    }
    const p = desired.properties;
    const fields = new Set(changes.map((c) => c.field));
    const s3 = this.clients.s3(l.region);
    const steps: (() => Promise<void>)[] = [];
    if (fields.has("versioning"))
      steps.push(() => this.applyVersioning(s3, bucket, p.versioning, l.versioning_status));
    if (fields.has("encryption") || fields.has("kms_key_id"))
      steps.push(() => this.applyEncryption(s3, bucket, p.encryption, p.kms_key_id));
    if (fields.has("block_public_access"))
      steps.push(() => this.applyPublicAccessBlock(s3, bucket, p.block_public_access ? ALL_BLOCKED : null));
    if (fields.has("lifecycle_days")) steps.push(() => this.applyLifecycle(s3, bucket, p.lifecycle_days));
    if (fields.has("tags")) steps.push(() => this.replaceUserTags(s3, bucket, desired.tags));
    await this.runSteps(bucket, steps);
    return this.mustRead(bucket, l.region);
  }

  private runSteps(bucket: string, steps: (() => Promise<void>)[]): Promise<void> {
    return runSettingSteps(steps, (e) => toProviderError(e, this.ctxOf("update", bucket, true)), "bucket");
  }

  /** Replace user tags, keeping dpn's ownership and archive markers as they are. */
  private async replaceUserTags(s3: S3Client, bucket: string, user: Record<string, string>): Promise<void> {
    const current = await this.getTags(s3, bucket);
    const markers = Object.fromEntries(Object.entries(current).filter(([k]) => isMarkerKey(k)));
    await this.putTags(s3, bucket, { ...user, ...markers });
  }

  /**
   * Put back the settings of `snapshot` (an earlier read): versioning, encryption, the exact public
   * access block flags, dpn's lifecycle rule, user tags, ownership markers and archive state.
   */
  async revert(snapshot: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    const bucket = snapshot.remoteId;
    const s = liveProps(snapshot);
    const live = await this.readBucket(bucket, s.region);
    if (!live) {
      throw awsRefusal(
        "not_found",
        "S3_BUCKET_NOT_FOUND",
        `Bucket ${bucket} no longer exists; its settings cannot be restored.`,
        "Run `dpn create --blueprint <file>` to re-create it.",
        { bucket },
      );
    }
    const l = liveProps(live);
    const s3 = this.clients.s3(l.region);
    const steps: (() => Promise<void>)[] = [];
    if (
      s.versioning_status !== l.versioning_status &&
      !(s.versioning_status === null && l.versioning_status === "Suspended")
    ) {
      steps.push(() => this.applyVersioning(s3, bucket, s.versioning, l.versioning_status));
    }
    if (s.encryption !== l.encryption || (s.kms_key_id ?? null) !== (l.kms_key_id ?? null)) {
      steps.push(() => this.applyEncryption(s3, bucket, s.encryption, s.kms_key_id));
    }
    if (JSON.stringify(s.public_access_block) !== JSON.stringify(l.public_access_block)) {
      steps.push(() => this.applyPublicAccessBlock(s3, bucket, s.public_access_block));
    }
    if (s.lifecycle_days !== l.lifecycle_days)
      steps.push(() => this.applyLifecycle(s3, bucket, s.lifecycle_days));
    const ownershipChanged = JSON.stringify(snapshot.ownership) !== JSON.stringify(live.ownership);
    if (!sameMap(snapshot.tags, live.tags) || ownershipChanged) {
      steps.push(async () => {
        const current = await this.getTags(s3, bucket);
        await this.putTags(s3, bucket, {
          ...snapshot.tags,
          ...keepArchive(current),
          ...(snapshot.ownership ? ownershipMarkers(snapshot.ownership) : {}),
        });
      });
    }
    await this.runSteps(bucket, steps);
    if (snapshot.archived && !live.archived) return this.archive(live, ctx);
    if (!snapshot.archived && live.archived) return this.restore(live, ctx);
    return this.mustRead(bucket, l.region);
  }

  /**
   * Refuse (`conflict`, S3_BUCKET_NOT_EMPTY) when the bucket holds any object version or delete
   * marker, unless `force`: then the archive statement is removed, every version is deleted and
   * the bucket with it. A bucket that is already gone counts as deleted.
   */
  async delete(
    remote: RemoteObject,
    _ctx: ProviderContext,
    options: { force?: boolean } = {},
  ): Promise<void> {
    const bucket = remote.remoteId;
    const region = await this.headRegion(
      bucket,
      (remote.properties.region as string | undefined) ?? this.clients.defaultRegion,
    );
    if (region === null) return;
    const s3 = this.clients.s3(region);
    const first = await this.call("ListObjectVersions", bucket, false, () =>
      s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1 })),
    );
    const hasData = (first.Versions?.length ?? 0) > 0 || (first.DeleteMarkers?.length ?? 0) > 0;
    if (hasData && !options.force) {
      throw awsRefusal(
        "conflict",
        "S3_BUCKET_NOT_EMPTY",
        `Bucket ${bucket} still holds objects; dpn does not delete data by default.`,
        "Archive it instead (`dpn delete --archive` keeps the data and blocks writes), empty it yourself, or delete with the explicit force option, which erases every object version.",
        { bucket },
      );
    }
    if (hasData) {
      await this.removeArchiveStatement(s3, bucket);
      await this.emptyBucket(s3, bucket);
    }
    try {
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch (e) {
      if (isNotFound(e)) return;
      if (hasAwsCode(e, "BucketNotEmpty")) {
        throw awsRefusal(
          "conflict",
          "S3_BUCKET_NOT_EMPTY",
          `Bucket ${bucket} received objects while it was being deleted.`,
          "Archive it instead, or delete again with the force option.",
          { bucket },
        );
      }
      throw toProviderError(e, this.ctxOf("DeleteBucket", bucket, true));
    }
  }

  private async emptyBucket(s3: S3Client, bucket: string): Promise<void> {
    for (;;) {
      const page = await this.call("ListObjectVersions", bucket, false, () =>
        s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 })),
      );
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
        .filter((v) => v.Key !== undefined)
        .map((v) => ({ Key: v.Key as string, ...(v.VersionId ? { VersionId: v.VersionId } : {}) }));
      if (objects.length === 0) return;
      const out = await this.call("DeleteObjects", bucket, true, () =>
        s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } })),
      );
      if (out.Errors?.length) {
        const e0 = out.Errors[0];
        throw awsRefusal(
          "conflict",
          "S3_EMPTY_FAILED",
          `Could not delete ${out.Errors.length} object(s) of bucket ${bucket}: ${e0?.Code}: ${e0?.Message} (${e0?.Key}).`,
          "Check object lock / legal holds and the caller's s3:DeleteObjectVersion permission.",
          { bucket },
          "unknown",
        );
      }
    }
  }

  /**
   * Archive: tag with time and actor and add a bucket policy statement (Sid
   * DpnArchivedDenyWrites) denying object writes and deletes to everyone. Data is kept; any
   * existing policy statements are kept. Idempotent.
   */
  async archive(remote: RemoteObject, ctx: ProviderContext): Promise<RemoteObject> {
    const bucket = remote.remoteId;
    const region = await this.requireRegion(remote);
    const s3 = this.clients.s3(region);
    const policy = await this.getPolicy(s3, bucket);
    const statements = statementsOf(policy).filter((st) => sidOf(st) !== ARCHIVE_STATEMENT_SID);
    statements.push({
      Sid: ARCHIVE_STATEMENT_SID,
      Effect: "Deny",
      Principal: "*",
      Action: ARCHIVE_DENIED_ACTIONS,
      Resource: `arn:${partitionOfRegion(region)}:s3:::${bucket}/*`,
    });
    const doc: PolicyDoc = {
      ...(policy ?? {}),
      Version: policy?.Version ?? "2012-10-17",
      Statement: statements,
    };
    await this.call("PutBucketPolicy", bucket, true, () =>
      s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(doc) })),
    );
    const tags = await this.getTags(s3, bucket);
    if (tags[MARKER_KEYS.archivedAt] === undefined) {
      await this.putTags(s3, bucket, { ...tags, ...archiveMarkers(ctx.actor) });
    }
    return this.mustRead(bucket, region);
  }

  /** Undo archive exactly: remove only dpn's policy statement (by Sid) and the archive tags. Idempotent. */
  async restore(remote: RemoteObject, _ctx: ProviderContext): Promise<RemoteObject> {
    const bucket = remote.remoteId;
    const region = await this.requireRegion(remote);
    const s3 = this.clients.s3(region);
    await this.removeArchiveStatement(s3, bucket);
    const tags = await this.getTags(s3, bucket);
    if (tags[MARKER_KEYS.archivedAt] !== undefined || tags[MARKER_KEYS.archivedBy] !== undefined) {
      const rest = { ...tags };
      delete rest[MARKER_KEYS.archivedAt];
      delete rest[MARKER_KEYS.archivedBy];
      await this.putTags(s3, bucket, rest);
    }
    return this.mustRead(bucket, region);
  }

  private async removeArchiveStatement(s3: S3Client, bucket: string): Promise<void> {
    const policy = await this.getPolicy(s3, bucket);
    if (!policy) return;
    const all = statementsOf(policy);
    const rest = all.filter((st) => sidOf(st) !== ARCHIVE_STATEMENT_SID);
    if (rest.length === all.length) return;
    if (rest.length === 0) {
      await this.call("DeleteBucketPolicy", bucket, true, () =>
        s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket })),
      );
      return;
    }
    await this.call("PutBucketPolicy", bucket, true, () =>
      s3.send(
        new PutBucketPolicyCommand({
          Bucket: bucket,
          Policy: JSON.stringify({ ...policy, Statement: rest }),
        }),
      ),
    );
  }

  private async requireRegion(remote: RemoteObject): Promise<string> {
    const region = await this.headRegion(
      remote.remoteId,
      (remote.properties.region as string | undefined) ?? this.clients.defaultRegion,
    );
    if (region === null) {
      throw awsRefusal(
        "not_found",
        "S3_BUCKET_NOT_FOUND",
        `Bucket ${remote.remoteId} does not exist.`,
        "Check the name; `dpn status` shows what state and the cloud disagree on, and `dpn create --blueprint <file>` re-creates a missing resource.",
        { bucket: remote.remoteId },
      );
    }
    return region;
  }

  /** Stamp dpn's ownership tags on an existing bucket, keeping its other tags. */
  async adopt(remote: RemoteObject, ownership: Ownership, _ctx: ProviderContext): Promise<RemoteObject> {
    const bucket = remote.remoteId;
    const region = await this.requireRegion(remote);
    const s3 = this.clients.s3(region);
    const tags = await this.getTags(s3, bucket);
    await this.putTags(s3, bucket, { ...tags, ...ownershipMarkers(ownership) });
    return this.mustRead(bucket, region);
  }
}

class BucketGone extends Error {}

function nameTaken(bucket: string, requestId?: string): ProviderError {
  return awsRefusal(
    "conflict",
    "S3_BUCKET_NAME_TAKEN",
    `Bucket name ${bucket} is already taken by another AWS account.`,
    "S3 bucket names are unique across all AWS accounts of a partition, so this name cannot be used. " +
      "Change the naming values (e.g. the purpose) or add a discriminator to the convention's bucket template.",
    { bucket, ...(requestId ? { request_id: requestId } : {}) },
  );
}

function keepArchive(tags: Record<string, string>): Record<string, string> {
  return stringMap({
    [MARKER_KEYS.archivedAt]: tags[MARKER_KEYS.archivedAt],
    [MARKER_KEYS.archivedBy]: tags[MARKER_KEYS.archivedBy],
  });
}

function statementsOf(policy: PolicyDoc | null): unknown[] {
  if (!policy || policy.Statement === undefined) return [];
  return Array.isArray(policy.Statement) ? [...policy.Statement] : [policy.Statement];
}

function sidOf(st: unknown): string | undefined {
  return typeof st === "object" && st !== null ? ((st as { Sid?: string }).Sid ?? undefined) : undefined;
}
