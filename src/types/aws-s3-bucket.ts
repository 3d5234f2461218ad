/**
 * `aws_s3_bucket`: an S3 general purpose bucket, `resources.aws.s3_buckets[]`, named from its
 * purpose and layer. Referenced by Glue tables (`bucket_ref`) by its purpose or generated name.
 */
import type { S3BucketProps } from "../core/resources.js";
import { TYPE_TAGS } from "../naming/tags.js";
import { layerField, lifecycleField, nameField, tagsField } from "./kit/blueprint-fragments.js";
import { checkLayer } from "./kit/common-rules.js";
import { asString } from "./kit/entry-values.js";
import { at, err } from "./kit/located.js";
import { bool, definition, type Infer, int, obj, oneOfStrings, opt, str } from "./kit/schema-builder.js";
import { updateString } from "./kit/update-fragments.js";
import type { TypeSpec } from "./spec.js";

export const s3BucketEntry = definition(
  "s3_bucket",
  obj(
    {
      purpose: nameField("What the bucket is for; part of its name."),
      layer: layerField,
      versioning: opt(bool({ default: true, description: "Object versioning." })),
      lifecycle_days: opt(
        int({
          minimum: 1,
          default: 90,
          description: "Days after which objects move to INTELLIGENT_TIERING.",
        }),
      ),
      encryption: opt(
        oneOfStrings(["AES256", "aws:kms"], { default: "AES256", description: "Default encryption." }),
      ),
      kms_key_id: opt(
        str({ minLength: 1, description: "KMS key id or ARN; required with encryption aws:kms." }),
      ),
      block_public_access: opt(
        bool({ default: true, description: "Block all public access (all four flags)." }),
      ),
      tags: tagsField,
      lifecycle: lifecycleField,
    },
    { description: "An S3 general purpose bucket." },
  ),
);
export type S3BucketEntry = Infer<typeof s3BucketEntry.schema>;

const tags = TYPE_TAGS.aws_s3_bucket;

export const awsS3Bucket: TypeSpec<"aws_s3_bucket", "aws"> = {
  type: "aws_s3_bucket",
  cloud: "aws",
  noun: tags.noun,
  namingType: "aws_s3_bucket",
  naturalKey: { unique: true },
  blueprint: {
    placement: { group: ["aws", "s3_buckets"] },
    entry: s3BucketEntry,
    references: [],
    alias: (e) => asString(e.purpose),
    properties(e, ctx) {
      const enc = e.encryption === "aws:kms" ? "aws:kms" : "AES256";
      const props: S3BucketProps = {
        region: ctx.region,
        versioning: typeof e.versioning === "boolean" ? e.versioning : true,
        lifecycle_days: typeof e.lifecycle_days === "number" ? e.lifecycle_days : 90,
        encryption: enc,
        block_public_access: typeof e.block_public_access === "boolean" ? e.block_public_access : true,
      };
      if (enc === "aws:kms" && typeof e.kms_key_id === "string") props.kms_key_id = e.kms_key_id;
      return props;
    },
    check(node, ctx) {
      const out = checkLayer(node, ctx);
      const e = node.entry;
      const enc = asString(e.encryption) ?? "AES256";
      if (enc === "aws:kms" && !asString(e.kms_key_id)) {
        out.push(
          err({
            code: "BLUEPRINT_KMS_KEY_REQUIRED",
            message: `bucket ${node.path} uses encryption aws:kms but has no kms_key_id`,
            ...at(ctx.source, [...node.segments, "encryption"]),
            hint: "Add kms_key_id (a KMS key id or ARN), or use encryption AES256.",
          }),
        );
      } else if (enc === "AES256" && asString(e.kms_key_id)) {
        out.push(
          err({
            code: "BLUEPRINT_KMS_KEY_UNUSED",
            message: `bucket ${node.path} sets kms_key_id but its encryption is AES256, which does not use it`,
            ...at(ctx.source, [...node.segments, "kms_key_id"]),
            hint: 'Set "encryption": "aws:kms", or remove kms_key_id.',
          }),
        );
      }
      return out;
    },
  },
  update: {
    settings: {
      versioning: {
        type: "boolean",
        description:
          "Object versioning. false on a bucket that was ever versioned suspends versioning (S3 cannot turn it off).",
      },
      lifecycle_days: {
        type: "integer",
        minimum: 0,
        maximum: 36500,
        description: "Days before objects move to INTELLIGENT_TIERING; 0 removes dpn's lifecycle rule.",
      },
      encryption: {
        type: "string",
        enum: ["AES256", "aws:kms"],
        description: "Default encryption: AES256 (SSE-S3) or aws:kms (SSE-KMS, with kms_key_id).",
      },
      kms_key_id: updateString("KMS key id or ARN, used with encryption aws:kms."),
      block_public_access: {
        type: "boolean",
        description: "All four public access block flags on (true) or off.",
      },
    },
    immutable: { region: "a bucket cannot move to another region" },
    platformRenames: false,
    afterApply(props) {
      // a KMS key only means something with aws:kms
      if (props.encryption !== "aws:kms") delete props.kms_key_id;
    },
  },
  tags,
  engine: { service: "s3", markerInCreate: false },
  manage: {
    desiredKeys: [
      "region",
      "versioning",
      "lifecycle_days",
      "encryption",
      "kms_key_id",
      "block_public_access",
    ],
    dependsOn: () => [],
    idProperties: () => ({}),
  },
};
