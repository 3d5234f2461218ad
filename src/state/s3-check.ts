/**
 * `dpn state check` for the S3 backend: the bucket exists and answers, versioning is on, and
 * every request the store sends works on a probe key under the state prefix (docs/state-s3.md,
 * "Permissions"). Each failed check names the IAM action to grant.
 */
import { randomUUID } from "node:crypto";
import { DpnError } from "../core/errors.js";
import type { BackendCheck } from "../engine/ports.js";
import type { ObjectStore } from "../providers/aws/s3-objects.js";

type Probe = () => Promise<BackendCheck>;

/**
 * Run the checks in order; a check that throws becomes an `error` finding with the grant in its
 * hint, except STATE_UNREACHABLE, which rejects (the backend cannot be checked at all). Creates
 * one probe object under `probePrefix` and deletes it again; a read-only store checks reads only.
 */
export async function runS3Checks(
  objects: ObjectStore,
  probePrefix: string,
  readonly: boolean,
): Promise<BackendCheck[]> {
  const bucket = objects.bucket;
  const out: BackendCheck[] = [];
  const run = async (check: string, action: string, probe: Probe): Promise<boolean> => {
    try {
      const r = await probe();
      out.push(r);
      return r.status !== "error";
    } catch (e) {
      if (e instanceof DpnError && e.code === "STATE_UNREACHABLE") throw e;
      const denied = e instanceof DpnError && e.code === "STATE_PERMISSION_DENIED";
      out.push({
        check,
        status: "error",
        message: e instanceof Error ? e.message : String(e),
        hint: denied
          ? `Grant ${action} on the bucket ${bucket} to these credentials (docs/state-s3.md lists the policy).`
          : e instanceof DpnError && e.hint
            ? e.hint
            : `Check ${action} on ${bucket}.`,
      });
      return false;
    }
  };

  const exists = await run("bucket_exists", "s3:ListBucket", async () => {
    await objects.headBucket();
    return { check: "bucket_exists", status: "ok", message: `bucket ${bucket} exists and answers` };
  });
  if (!exists) return out;
  await run("versioning", "s3:GetBucketVersioning", async () => {
    const v = await objects.versioning();
    return v === "Enabled"
      ? { check: "versioning", status: "ok", message: `versioning is enabled on ${bucket}` }
      : {
          check: "versioning",
          status: "warning",
          message: `versioning is ${v === "Off" ? "not enabled" : "suspended"} on ${bucket}: an overwritten or deleted state object cannot be restored`,
          hint: `aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled`,
        };
  });
  await run("list", "s3:ListBucket", async () => {
    await objects.list(probePrefix, { maxKeys: 1 });
    return { check: "list", status: "ok", message: `listing under ${probePrefix} works` };
  });
  if (readonly) {
    out.push({
      check: "writable",
      status: "error",
      message: "the store is open read-only: write permissions were not checked",
      hint: "Run `dpn state check` without a read-only option to test writes.",
    });
    return out;
  }
  const key = `${probePrefix}${randomUUID()}.json`;
  let etag: string | undefined;
  const body = JSON.stringify({ probe: true, at: new Date().toISOString() });
  const created = await run("put", "s3:PutObject", async () => {
    const r = await objects.put(key, body, { ifNoneMatch: true });
    if (!r.ok) throw new Error(`a fresh probe key ${key} already existed`);
    etag = r.etag;
    return { check: "put", status: "ok", message: "PutObject with If-None-Match: * creates a new object" };
  });
  if (!created) return out;
  try {
    await run("get", "s3:GetObject", async () => {
      const o = await objects.get(key);
      if (o?.body !== body) throw new Error(`the probe object ${key} read back differently`);
      return { check: "get", status: "ok", message: "GetObject reads what was written" };
    });
    await run("conditional_put", "s3:PutObject", async () => {
      const again = await objects.put(key, body, { ifNoneMatch: true });
      const stale = await objects.put(key, body, { ifMatch: '"00000000000000000000000000000000"' });
      if (again.ok || stale.ok)
        return {
          check: "conditional_put",
          status: "error",
          message: `the endpoint ignored ${again.ok ? "If-None-Match: *" : "If-Match"} on PutObject: locks and the log cannot be safe`,
          hint: "Use Amazon S3 (conditional writes, 2024) or an endpoint that answers 412 to failed write conditions.",
        };
      const fresh = await objects.put(key, body, { ifMatch: etag ?? "" });
      if (!fresh.ok) throw new Error("PutObject with If-Match on the current ETag was refused");
      etag = fresh.etag;
      return {
        check: "conditional_put",
        status: "ok",
        message: "PutObject honours If-None-Match: * and If-Match (412 when they fail)",
      };
    });
  } finally {
    await run("delete", "s3:DeleteObject", async () => {
      const r = await objects.delete(key, etag);
      if (!r.ok) throw new Error(`DeleteObject with If-Match on the probe ${key} was refused`);
      return { check: "delete", status: "ok", message: "DeleteObject with If-Match removes the probe" };
    });
  }
  return out;
}
