/**
 * Simulated S3 bucket: one global namespace across accounts, the four bucket settings dpn manages
 * (versioning, default encryption, public access block, lifecycle), tags (where the ownership and
 * archive markers live, as on S3), and a bucket policy that archive uses to deny writes.
 */
import type { S3BucketProps } from "../../../core/resources.js";
import type { SandboxStore, StoredObject } from "../sandbox-store.js";
import { compact, platformError, stringMap, type TypeModel } from "../type-model.js";

/** Lifecycle rule id dpn owns; other rules on the bucket are left alone. */
const LIFECYCLE_RULE_ID = "dpn-intelligent-tiering";
/** Policy statement archive adds and restore removes (nothing else in the policy is touched). */
export const ARCHIVE_POLICY_SID = "DpnArchivedDenyWrites";

interface LifecycleRule {
  ID: string;
  Status: "Enabled" | "Disabled";
  Filter: { Prefix: string };
  Transitions: { Days: number; StorageClass: string }[];
}
interface PolicyStatement {
  Sid: string;
  Effect: string;
  Principal: string;
  Action: string[];
  Resource: string;
}

/** Why `name` is not a valid general-purpose bucket name, or undefined when it is. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be 3 to 63 characters long";
  if (!/^[a-z0-9.-]+$/.test(name)) return "may contain only lowercase letters, digits, '.' and '-'";
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return "must start and end with a letter or digit";
  if (name.includes("..")) return "must not contain two adjacent periods";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "must not be formatted as an IP address";
  for (const p of ["xn--", "sthree-", "amzn-s3-demo-"])
    if (name.startsWith(p)) return `must not start with '${p}'`;
  for (const s of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"])
    if (name.endsWith(s)) return `must not end with '${s}'`;
  return undefined;
}

function lifecycleDays(data: Record<string, unknown>): number {
  const rules = (data.Lifecycle as LifecycleRule[] | undefined) ?? [];
  const rule = rules.find((r) => r.ID === LIFECYCLE_RULE_ID && r.Status === "Enabled");
  return rule?.Transitions[0]?.Days ?? 0;
}

function setLifecycleDays(data: Record<string, unknown>, days: number): void {
  const others = ((data.Lifecycle as LifecycleRule[] | undefined) ?? []).filter(
    (r) => r.ID !== LIFECYCLE_RULE_ID,
  );
  // a lifecycle PUT replaces the whole configuration, so keep the rules that are not ours
  data.Lifecycle =
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
}

function publicAccessBlock(all: boolean) {
  return { BlockPublicAcls: all, IgnorePublicAcls: all, BlockPublicPolicy: all, RestrictPublicBuckets: all };
}

export const s3BucketModel: TypeModel<"aws_s3_bucket"> = {
  type: "aws_s3_bucket",
  platform: "s3",
  noun: "Bucket",
  notFoundCode: "NoSuchBucket",
  notFoundStatus: 404,
  foreignError: (o) => takenByAnotherAccount(o.name),
  quickRefresh: true,
  maxTags: 50,
  changeable: ["versioning", "lifecycle_days", "encryption", "kms_key_id", "block_public_access"],
  immutable: {
    region: {
      code: "S3_REGION_IMMUTABLE",
      hint: "Keep the bucket's region in the blueprint, or create a new bucket and copy the data.",
    },
  },
  normalizeId: (id) => id,
  candidates(desired, store) {
    const o = store.get("aws_s3_bucket", desired.name);
    return o ? [o] : [];
  },
  build(desired, _ctx, store, opts) {
    const name = desired.name;
    const p = desired.properties;
    const problem = bucketNameProblem(name);
    if (problem) {
      throw platformError(
        "invalid_input",
        "REMOTE_INVALID_INPUT",
        `Bucket name '${name}' is not valid: it ${problem}.`,
        {
          platform: "s3",
          platformCode: "InvalidBucketName",
          status: 400,
          details: { bucket: name },
        },
      );
    }
    const existing = store.get("aws_s3_bucket", name);
    if (existing?.account === "foreign") throw takenByAnotherAccount(name);
    if (existing) {
      throw platformError(
        "conflict",
        "REMOTE_ALREADY_EXISTS",
        `Bucket '${name}' already exists in your account.`,
        {
          platform: "s3",
          platformCode: "BucketAlreadyOwnedByYou",
          status: 409,
          details: { bucket: name, ownedByYou: true },
        },
      );
    }
    const data: Record<string, unknown> = {
      Name: name,
      Region: p.region,
      CreationDate: new Date(opts.now()).toISOString(),
      // "never versioned" is a state of its own: once enabled it can only be suspended
      Versioning: p.versioning ? "Enabled" : null,
      Encryption: compact({
        SSEAlgorithm: p.encryption,
        KMSMasterKeyID: p.encryption === "aws:kms" ? p.kms_key_id : undefined,
      }),
      PublicAccessBlock: publicAccessBlock(p.block_public_access),
      Lifecycle: [],
      Tags: {},
      Policy: null,
    };
    setLifecycleDays(data, p.lifecycle_days);
    return { remoteId: name, name, fullName: name, parentType: null, parentId: null, data };
  },
  markerBag: (d) => stringMap(d, "Tags"),
  tagBag: (d) => stringMap(d, "Tags"),
  toProperties(o: StoredObject) {
    const d = o.data;
    const enc = d.Encryption as { SSEAlgorithm: string; KMSMasterKeyID?: string };
    const pab = d.PublicAccessBlock as Record<string, boolean>;
    return compact({
      region: d.Region,
      versioning: d.Versioning === "Enabled",
      lifecycle_days: lifecycleDays(d),
      encryption: enc.SSEAlgorithm,
      kms_key_id: enc.SSEAlgorithm === "aws:kms" ? enc.KMSMasterKeyID : undefined,
      block_public_access: Object.values(pab).every((v) => v === true),
    });
  },
  desiredProperties(desired) {
    const p: S3BucketProps = desired.properties;
    return compact({
      region: p.region,
      versioning: p.versioning,
      lifecycle_days: p.lifecycle_days,
      encryption: p.encryption,
      kms_key_id: p.encryption === "aws:kms" ? p.kms_key_id : undefined,
      block_public_access: p.block_public_access,
    });
  },
  applyField(o, field, value) {
    const d = o.data;
    const enc = d.Encryption as Record<string, unknown>;
    switch (field) {
      case "versioning":
        d.Versioning = value === true ? "Enabled" : d.Versioning === null ? null : "Suspended";
        return;
      case "lifecycle_days":
        setLifecycleDays(d, Number(value ?? 0));
        return;
      case "encryption":
        enc.SSEAlgorithm = value;
        if (value !== "aws:kms") delete enc.KMSMasterKeyID;
        return;
      case "kms_key_id":
        if (value === undefined || value === null) delete enc.KMSMasterKeyID;
        else enc.KMSMasterKeyID = value;
        return;
      case "block_public_access":
        d.PublicAccessBlock = publicAccessBlock(value === true);
        return;
    }
  },
  onArchive(o) {
    const policy = (o.data.Policy as { Version: string; Statement: PolicyStatement[] } | null) ?? {
      Version: "2012-10-17",
      Statement: [],
    };
    if (!policy.Statement.some((s) => s.Sid === ARCHIVE_POLICY_SID)) {
      policy.Statement.push({
        Sid: ARCHIVE_POLICY_SID,
        Effect: "Deny",
        Principal: "*",
        Action: ["s3:PutObject", "s3:DeleteObject"],
        Resource: `arn:aws:s3:::${o.remoteId}/*`,
      });
    }
    o.data.Policy = policy;
  },
  onRestore(o) {
    const policy = o.data.Policy as { Version: string; Statement: PolicyStatement[] } | null;
    if (!policy) return;
    policy.Statement = policy.Statement.filter((s) => s.Sid !== ARCHIVE_POLICY_SID);
    o.data.Policy = policy.Statement.length ? policy : null;
  },
  notEmpty(o, store: SandboxStore) {
    const count = store.countBucketObjects(o.remoteId);
    return count > 0 ? { count, what: "objects", platformCode: "BucketNotEmpty" } : undefined;
  },
  purge(o, store) {
    store.deleteBucketObjects(o.remoteId);
  },
};

/** True when the bucket's policy denies writes (archived). */
export function bucketDeniesWrites(data: Record<string, unknown>): boolean {
  const policy = data.Policy as { Statement: PolicyStatement[] } | null;
  return Boolean(policy?.Statement.some((s) => s.Sid === ARCHIVE_POLICY_SID));
}

/** Another account owns this bucket name (S3 names are global): BucketAlreadyExists. */
function takenByAnotherAccount(name: string): Error {
  return platformError(
    "conflict",
    "REMOTE_ALREADY_EXISTS",
    `Bucket name '${name}' is already taken by another account (bucket names are global).`,
    {
      platform: "s3",
      platformCode: "BucketAlreadyExists",
      status: 409,
      hint: "Choose another name (e.g. change the project or purpose); this one belongs to someone else.",
      details: { bucket: name, ownedByYou: false },
    },
  );
}
