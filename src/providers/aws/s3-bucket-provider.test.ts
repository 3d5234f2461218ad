/**
 * S3 bucket provider against moto over real HTTP. Every test uses its own bucket names (moto is
 * shared by parallel test files, so nothing here resets it); settings are verified with a raw
 * SDK client, independent of the provider's own reads.
 */
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  type CreateBucketCommandInput,
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { motoEnv, rawS3, testCtx, uniqueName } from "../../../test/support/moto.js";
import { ProviderError } from "../../core/errors.js";
import type { DesiredResource, S3BucketProps } from "../../core/resources.js";
import { AwsClients } from "./aws-clients.js";
import { createAwsProviders } from "./aws-providers.js";
import { ARCHIVE_STATEMENT_SID, LIFECYCLE_RULE_ID, type LiveBucketProps } from "./s3-bucket-provider.js";

const clients = new AwsClients({ env: motoEnv() });
const providers = createAwsProviders({ clients });
const s3p = providers.aws_s3_bucket;
const raws: S3Client[] = [];
const raw = (region: string, account?: string) => {
  const c = rawS3(region, account);
  raws.push(c);
  return c;
};
afterAll(() => {
  clients.destroy();
  for (const c of raws) c.destroy();
});

function desired(
  name: string,
  over: Partial<S3BucketProps> = {},
  tags: Record<string, string> = { team: "data", env: "dev" },
): DesiredResource<"aws_s3_bucket"> {
  return {
    type: "aws_s3_bucket",
    address: `aws_s3_bucket.${name}`,
    name,
    fullName: name,
    properties: {
      region: "us-east-1",
      versioning: true,
      lifecycle_days: 90,
      encryption: "AES256",
      block_public_access: true,
      ...over,
    },
    tags,
    dependencies: [],
    source: "$.resources.aws.s3_buckets[0]",
  };
}

async function createRaw(c: S3Client, bucket: string, region: string): Promise<void> {
  const input: CreateBucketCommandInput = { Bucket: bucket };
  if (region !== "us-east-1")
    input.CreateBucketConfiguration = { LocationConstraint: region as BucketLocationConstraint };
  await c.send(new CreateBucketCommand(input));
}

async function rawTags(c: S3Client, bucket: string): Promise<Record<string, string>> {
  try {
    const out = await c.send(new GetBucketTaggingCommand({ Bucket: bucket }));
    return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key, t.Value]));
  } catch (e) {
    if ((e as Error).name === "NoSuchTagSet") return {};
    throw e;
  }
}

async function rawPolicy(c: S3Client, bucket: string): Promise<{ Statement: { Sid?: string }[] } | null> {
  try {
    const out = await c.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    return JSON.parse(out.Policy ?? "null");
  } catch (e) {
    if ((e as Error).name === "NoSuchBucketPolicy") return null;
    throw e;
  }
}

async function exists(c: S3Client, bucket: string): Promise<boolean> {
  try {
    await c.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}

async function expectProviderError(
  p: Promise<unknown>,
  code: string,
  category: string,
): Promise<ProviderError> {
  const e = await p.then(
    () => {
      throw new Error(`expected ${code}, got success`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProviderError);
  expect((e as ProviderError).code).toBe(code);
  expect((e as ProviderError).category).toBe(category);
  return e as ProviderError;
}

describe.each(["us-east-1", "eu-west-1"])("S3 bucket lifecycle in %s", (region) => {
  it("creates with every setting, reads it back, updates, reverts, archives, restores and deletes", async () => {
    const name = uniqueName("dpn-s3-life");
    const ctx = testCtx("stack-life");
    const c = raw(region);
    const d = desired(name, { region });

    const created = await s3p.create(d, ctx);
    // Through moto, with a raw client:
    const loc = await c.send(new GetBucketLocationCommand({ Bucket: name }));
    expect(loc.LocationConstraint ?? "us-east-1").toBe(region);
    expect((await c.send(new GetBucketVersioningCommand({ Bucket: name }))).Status).toBe("Enabled");
    const enc = await c.send(new GetBucketEncryptionCommand({ Bucket: name }));
    expect(
      enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
    ).toBe("AES256");
    const pab = await c.send(new GetPublicAccessBlockCommand({ Bucket: name }));
    expect(pab.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const lc = await c.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name }));
    expect(lc.Rules).toHaveLength(1);
    expect(lc.Rules?.[0]?.ID).toBe(LIFECYCLE_RULE_ID);
    expect(lc.Rules?.[0]?.Transitions).toEqual([{ Days: 90, StorageClass: "INTELLIGENT_TIERING" }]);
    expect(await rawTags(c, name)).toEqual({
      team: "data",
      env: "dev",
      dpn_stack: "stack-life",
      dpn_address: d.address,
    });

    // The provider's read in DesiredResource vocabulary.
    expect(created.remoteId).toBe(name);
    expect(created.ownership).toEqual({ stackId: "stack-life", address: d.address });
    expect(created.archived).toBe(false);
    expect(created.tags).toEqual({ team: "data", env: "dev" });
    expect(created.properties).toMatchObject({
      region,
      versioning: true,
      lifecycle_days: 90,
      encryption: "AES256",
      block_public_access: true,
    });
    expect(s3p.diff(d, created)).toEqual([]);
    const reread = await s3p.read(name, ctx);
    expect(reread).toEqual(created);

    // Update: only what changed.
    const d2 = desired(
      name,
      {
        region,
        versioning: false,
        lifecycle_days: 30,
        encryption: "aws:kms",
        kms_key_id: "alias/dpn-test",
        block_public_access: false,
      },
      { team: "data", owner: "ana" },
    );
    expect(
      s3p
        .diff(d2, created)
        .map((f) => f.field)
        .sort(),
    ).toEqual(["block_public_access", "encryption", "kms_key_id", "lifecycle_days", "tags", "versioning"]);
    const updated = await s3p.update(d2, created, ctx);
    expect((await c.send(new GetBucketVersioningCommand({ Bucket: name }))).Status).toBe("Suspended");
    const enc2 = await c.send(new GetBucketEncryptionCommand({ Bucket: name }));
    expect(enc2.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: "aws:kms",
      KMSMasterKeyID: "alias/dpn-test",
    });
    await expect(c.send(new GetPublicAccessBlockCommand({ Bucket: name }))).rejects.toMatchObject({
      name: "NoSuchPublicAccessBlockConfiguration",
    });
    expect(
      (await c.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name }))).Rules?.[0]
        ?.Transitions?.[0]?.Days,
    ).toBe(30);
    expect(await rawTags(c, name)).toEqual({
      team: "data",
      owner: "ana",
      dpn_stack: "stack-life",
      dpn_address: d.address,
    });
    expect(s3p.diff(d2, updated)).toEqual([]);

    // Revert to the snapshot taken at create time.
    const reverted = await s3p.revert(created, ctx);
    expect(s3p.diff(d, reverted)).toEqual([]);
    expect((await c.send(new GetBucketVersioningCommand({ Bucket: name }))).Status).toBe("Enabled");
    expect(
      (await c.send(new GetPublicAccessBlockCommand({ Bucket: name }))).PublicAccessBlockConfiguration
        ?.BlockPublicPolicy,
    ).toBe(true);
    expect(await rawTags(c, name)).toEqual({
      team: "data",
      env: "dev",
      dpn_stack: "stack-life",
      dpn_address: d.address,
    });

    // Delete refuses while an object exists; succeeds once empty; is idempotent.
    await c.send(new PutObjectCommand({ Bucket: name, Key: "a.txt", Body: "x" }));
    await expectProviderError(s3p.delete(reverted, ctx), "S3_BUCKET_NOT_EMPTY", "conflict");
    expect(await exists(c, name)).toBe(true);
    await s3p.delete(reverted, ctx, { force: true });
    expect(await exists(c, name)).toBe(false);
    await s3p.delete(reverted, ctx);
    expect(await s3p.read(name, ctx)).toBeNull();
  });
});

describe("S3 archive and restore", () => {
  it("adds a deny-writes statement and markers, keeps the existing policy, and restore removes exactly them", async () => {
    const name = uniqueName("dpn-s3-arch");
    const ctx = testCtx("stack-arch", "ana@laptop");
    const c = raw("us-east-1");
    const live = await s3p.create(desired(name, { block_public_access: false }), ctx);
    const userPolicy = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "UserReadOnly",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: "s3:GetObject",
          Resource: `arn:aws:s3:::${name}/*`,
        },
      ],
    };
    await c.send(new PutBucketPolicyCommand({ Bucket: name, Policy: JSON.stringify(userPolicy) }));
    await c.send(new PutObjectCommand({ Bucket: name, Key: "keep.txt", Body: "data" }));

    const archived = await s3p.archive(live, ctx);
    expect(archived.archived).toBe(true);
    const tags = await rawTags(c, name);
    expect(tags.dpn_archived_by).toBe("ana@laptop");
    expect(Number.isNaN(Date.parse(tags.dpn_archived_at ?? ""))).toBe(false);
    const pol = await rawPolicy(c, name);
    expect(pol?.Statement.map((s) => s.Sid)).toEqual(["UserReadOnly", ARCHIVE_STATEMENT_SID]);
    const ours = pol?.Statement.find((s) => s.Sid === ARCHIVE_STATEMENT_SID) as Record<string, unknown>;
    expect(ours).toMatchObject({ Effect: "Deny", Principal: "*", Resource: `arn:aws:s3:::${name}/*` });
    expect(ours.Action).toContain("s3:PutObject");
    // Archive is idempotent: no second statement, the first archive time stays.
    await s3p.archive(archived, ctx);
    expect((await rawPolicy(c, name))?.Statement.filter((s) => s.Sid === ARCHIVE_STATEMENT_SID)).toHaveLength(
      1,
    );
    expect((await rawTags(c, name)).dpn_archived_at).toBe(tags.dpn_archived_at);

    const restored = await s3p.restore(archived, ctx);
    expect(restored.archived).toBe(false);
    expect(await rawPolicy(c, name)).toEqual(userPolicy);
    expect(await rawTags(c, name)).toEqual({
      team: "data",
      env: "dev",
      dpn_stack: "stack-arch",
      dpn_address: `aws_s3_bucket.${name}`,
    });
    // Data was kept throughout; a versioned bucket with data needs force.
    expect(
      (await c.send(new GetObjectCommand({ Bucket: name, Key: "keep.txt" }))).$metadata.httpStatusCode,
    ).toBe(200);
    await s3p.delete(restored, ctx, { force: true });
  });

  it("removes the whole policy on restore when the archive statement was the only one", async () => {
    const name = uniqueName("dpn-s3-arch1");
    const ctx = testCtx("stack-arch1");
    const c = raw("us-east-1");
    const live = await s3p.create(desired(name), ctx);
    await s3p.archive(live, ctx);
    expect((await rawPolicy(c, name))?.Statement).toHaveLength(1);
    const restored = await s3p.restore(live, ctx);
    expect(await rawPolicy(c, name)).toBeNull();
    await s3p.restore(restored, ctx); // idempotent
    await s3p.delete(restored, ctx);
  });

  it("force-deletes an archived, versioned bucket with data", async () => {
    const name = uniqueName("dpn-s3-force");
    const ctx = testCtx("stack-force");
    const c = raw("eu-west-1");
    const live = await s3p.create(desired(name, { region: "eu-west-1" }), ctx);
    await c.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "1" }));
    await c.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "2" }));
    await c.send(new DeleteObjectCommand({ Bucket: name, Key: "k" })); // leaves versions + a delete marker
    const archived = await s3p.archive(live, ctx);
    await expectProviderError(s3p.delete(archived, ctx), "S3_BUCKET_NOT_EMPTY", "conflict");
    await s3p.delete(archived, ctx, { force: true });
    expect(await exists(c, name)).toBe(false);
  });
});

describe("S3 create: adopt versus conflict", () => {
  it("pins moto: CreateBucket on an own bucket answers 200 in us-east-1 and BucketAlreadyOwnedByYou elsewhere", async () => {
    const a = uniqueName("dpn-s3-pin");
    const b = uniqueName("dpn-s3-pin");
    const use1 = raw("us-east-1");
    const euw1 = raw("eu-west-1");
    await use1.send(new CreateBucketCommand({ Bucket: a }));
    const again = await use1.send(new CreateBucketCommand({ Bucket: a }));
    expect(again.$metadata.httpStatusCode).toBe(200);
    await euw1.send(
      new CreateBucketCommand({ Bucket: b, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }),
    );
    await expect(
      euw1.send(
        new CreateBucketCommand({
          Bucket: b,
          CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
        }),
      ),
    ).rejects.toMatchObject({
      name: "BucketAlreadyOwnedByYou",
      $metadata: { httpStatusCode: 409 },
    });
    // LocationConstraint=us-east-1 is not in botocore's BucketLocationConstraint enum: the oracle in
    // front of moto (test/support/BOTOCORE-ORACLE.md) refuses it on every create, so dpn never sends it.
  });

  for (const region of ["us-east-1", "eu-west-1"]) {
    it(`refuses a bucket created outside dpn in ${region} (no ownership tag) and leaves it untouched`, async () => {
      const name = uniqueName("dpn-s3-foreign");
      const c = raw(region);
      await createRaw(c, name, region);
      await c.send(
        new PutBucketTaggingCommand({
          Bucket: name,
          Tagging: { TagSet: [{ Key: "owner", Value: "someone" }] },
        }),
      );
      const e = await expectProviderError(
        s3p.create(desired(name, { region }), testCtx("stack-x")),
        "S3_BUCKET_EXISTS_NOT_OURS",
        "conflict",
      );
      expect(e.outcome).toBe("not_applied");
      expect(await rawTags(c, name)).toEqual({ owner: "someone" });
      await expect(c.send(new GetBucketVersioningCommand({ Bucket: name }))).resolves.not.toHaveProperty(
        "Status",
        "Enabled",
      );
    });

    it(`adopts a bucket carrying this stack's ownership tag in ${region} and converges its settings`, async () => {
      const name = uniqueName("dpn-s3-ours");
      const c = raw(region);
      const d = desired(name, { region });
      await createRaw(c, name, region);
      await c.send(
        new PutBucketTaggingCommand({
          Bucket: name,
          Tagging: {
            TagSet: [
              { Key: "dpn_stack", Value: "stack-own" },
              { Key: "dpn_address", Value: d.address },
            ],
          },
        }),
      );
      const adopted = await s3p.create(d, testCtx("stack-own"));
      expect(adopted.ownership).toEqual({ stackId: "stack-own", address: d.address });
      expect(s3p.diff(d, adopted)).toEqual([]);
      expect((await c.send(new GetBucketVersioningCommand({ Bucket: name }))).Status).toBe("Enabled");
      // Another stack's tag is not ours.
      await expectProviderError(
        s3p.create(d, testCtx("other-stack")),
        "S3_BUCKET_EXISTS_NOT_OURS",
        "conflict",
      );
      await s3p.delete(adopted, testCtx("stack-own"));
    });
  }

  it("maps a bucket owned by another account to a conflict explaining the global namespace", async () => {
    const name = uniqueName("dpn-s3-taken");
    const other = raw("us-east-1", "111122223333");
    await other.send(new CreateBucketCommand({ Bucket: name }));
    const e = await expectProviderError(
      s3p.create(desired(name), testCtx("stack-t")),
      "S3_BUCKET_NAME_TAKEN",
      "conflict",
    );
    expect(e.outcome).toBe("not_applied");
    expect(e.message).toContain("another AWS account");
    expect(e.hint).toContain("unique across all AWS accounts");
    expect(await rawTags(other, name)).toEqual({});
  });

  it("deletes the new bucket again when a post-create step fails (outcome not_applied)", async () => {
    const name = uniqueName("dpn-s3-half");
    // Tag keys starting with aws: are reserved: the tagging step fails after CreateBucket.
    const e = await expectProviderError(
      s3p.create(desired(name, {}, { "aws:reserved": "x" }), testCtx("stack-h")),
      "AWS_INVALID_TAG",
      "invalid_input",
    );
    expect(e.outcome).toBe("not_applied");
    expect(e.details.request_id).toEqual(expect.any(String));
    expect(await exists(raw("us-east-1"), name)).toBe(false);
  });

  it("keeps other lifecycle rules when changing its own", async () => {
    const name = uniqueName("dpn-s3-lc");
    const ctx = testCtx("stack-lc");
    const c = raw("us-east-1");
    const live = await s3p.create(desired(name), ctx);
    const rules = (await c.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name }))).Rules ?? [];
    await c.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: name,
        LifecycleConfiguration: {
          Rules: [
            ...rules,
            { ID: "user-expire-tmp", Status: "Enabled", Filter: { Prefix: "tmp/" }, Expiration: { Days: 7 } },
          ],
        },
      }),
    );
    const updated = await s3p.update(desired(name, { lifecycle_days: 0 }), live, ctx);
    expect((updated.properties as unknown as LiveBucketProps).lifecycle_days).toBe(0);
    const after = (await c.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name }))).Rules ?? [];
    expect(after.map((r) => r.ID)).toEqual(["user-expire-tmp"]);
    await s3p.delete(updated, ctx);
  });

  it("refuses to move a bucket to another region", async () => {
    const name = uniqueName("dpn-s3-move");
    const ctx = testCtx("stack-m");
    const live = await s3p.create(desired(name), ctx);
    await expectProviderError(
      s3p.update(desired(name, { region: "eu-west-1" }), live, ctx),
      "S3_REGION_IMMUTABLE",
      "invalid_input",
    );
    await s3p.delete(live, ctx);
  });
});
