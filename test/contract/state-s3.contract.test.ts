/**
 * The state-store contract on the S3 backend: moto behind the botocore oracle, one fresh bucket
 * per `fresh()` (each `open()` is a new store on it, as a separate process would open it).
 */
import { CreateBucketCommand, PutBucketVersioningCommand } from "@aws-sdk/client-s3";
import { openS3StateStore } from "../../src/state/s3-store.js";
import { motoEnv, rawS3, uniqueName } from "../support/moto.js";
import { stateStoreContract } from "./state-store-contract.js";

stateStoreContract("s3", {
  async fresh() {
    const bucket = uniqueName("dpn-contract");
    const s3 = rawS3("us-east-1");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    s3.destroy();
    const location = `s3://${bucket}/team/state`;
    return {
      location,
      open: (opts) =>
        openS3StateStore({
          bucket,
          prefix: "team/state",
          env: motoEnv(),
          readonly: Boolean(opts?.readonly),
          display: location,
        }),
      async dispose() {},
    };
  },
});
