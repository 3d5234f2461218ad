/**
 * The botocore oracle's request checker, per protocol, on hand-built wire requests (no server):
 * known-valid requests shaped exactly as SDK v3 sends them pass; each known-invalid one yields
 * the violation naming the operation, the member path, the rule and the value.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { BotocoreOracle, type CheckResult } from "./check-request.js";
import { loadModels, type Models } from "./model.js";
import type { Violation } from "./violation.js";
import type { WireRequest } from "./wire-request.js";

let models: Models;
let oracle: BotocoreOracle;
beforeAll(() => {
  models = loadModels(inject("botocoreDataDir"));
  oracle = new BotocoreOracle(models);
});

const auth = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`;
const sdkHeaders = (service: string) => ({
  host: "127.0.0.1:5000",
  "user-agent": "aws-sdk-js/3 ua/2.1",
  "x-amz-user-agent": "aws-sdk-js/3",
  "amz-sdk-invocation-id": "6b0c4a0e-0000-4000-8000-000000000000",
  "amz-sdk-request": "attempt=1; max=3",
  "x-amz-date": "20260101T000000Z",
  "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  authorization: auth(service),
  connection: "keep-alive",
});

function glue(op: string, body: unknown, extra: Record<string, string> = {}): WireRequest {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return {
    method: "POST",
    url: "/",
    headers: {
      ...sdkHeaders("glue"),
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSGlue.${op}`,
      "content-length": String(Buffer.byteLength(text)),
      ...extra,
    },
    body: Buffer.from(text),
  };
}

function sts(form: string): WireRequest {
  return {
    method: "POST",
    url: "/",
    headers: {
      ...sdkHeaders("sts"),
      "content-type": "application/x-www-form-urlencoded",
      "content-length": String(form.length),
    },
    body: Buffer.from(form),
  };
}

function s3(method: string, url: string, body = "", extra: Record<string, string> = {}): WireRequest {
  return {
    method,
    url,
    headers: {
      ...sdkHeaders("s3"),
      ...(body
        ? { "content-type": "application/xml", "content-length": String(Buffer.byteLength(body)) }
        : {}),
      ...extra,
    },
    body: Buffer.from(body),
  };
}

const checksum = { "x-amz-sdk-checksum-algorithm": "CRC32", "x-amz-checksum-crc32": "G7PpbQ==" };
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const xml = (root: string, inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><${root} ${NS}>${inner}</${root}>`;

function checked(r: CheckResult): { operation: string; violations: Violation[] } {
  if (r.kind !== "checked") throw new Error("request was passed through unchecked");
  return r;
}
/** `operation path: rule` of every violation, for compact assertions. */
const summary = (r: CheckResult) => checked(r).violations.map((v) => `${v.operation} ${v.path}: ${v.rule}`);

describe("models", () => {
  it("loads the newest api-version of each service with the protocol the checker expects", () => {
    expect(models.s3.metadata.protocol).toBe("rest-xml");
    expect(models.glue.metadata.protocol).toBe("json");
    expect(models.glue.metadata.targetPrefix).toBe("AWSGlue");
    expect(models.sts.metadata.protocol).toBe("query");
    expect(models.s3.apiVersion).toBe("2006-03-01");
    expect(models.s3.file).toMatch(/botocore\/data\/s3\/2006-03-01\/service-2\.json(\.gz)?$/);
  });
});

describe("Glue (awsJson 1.1)", () => {
  const column = (extra: Record<string, unknown> = {}) => ({ Name: "id", Type: "bigint", ...extra });
  const createTable = (cols: unknown[]) => ({
    DatabaseName: "sales_db",
    TableInput: {
      Name: "orders",
      TableType: "EXTERNAL_TABLE",
      Parameters: { classification: "parquet", "dpn:managed": "true" },
      PartitionKeys: [{ Name: "dt", Type: "string" }],
      StorageDescriptor: {
        Columns: cols,
        Location: "s3://bucket/orders/",
        InputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        SerdeInfo: { SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
      },
      LastAccessTime: 1767225600,
    },
  });

  it("passes a valid CreateTable, including a 255-character column comment", () => {
    const r = checked(oracle.check(glue("CreateTable", createTable([column({ Comment: "c".repeat(255) })]))));
    expect(r.operation).toBe("CreateTable");
    expect(r.violations).toEqual([]);
  });

  it("rejects a 256-character column comment, naming path, rule and value", () => {
    const r = checked(
      oracle.check(glue("CreateTable", createTable([column(), column({ Comment: "c".repeat(256) })]))),
    );
    expect(r.violations).toHaveLength(1);
    const v = r.violations[0] as Violation;
    expect(v).toMatchObject({
      service: "glue",
      operation: "CreateTable",
      path: "TableInput.StorageDescriptor.Columns[1].Comment",
      rule: "max 255 (length 256)",
    });
    expect(v.value).toMatch(/^"c{100,}.*…\(258 chars\)$/);
    expect(v.message).toContain("CreateTable: TableInput.StorageDescriptor.Columns[1].Comment: max 255");
  });

  it("counts string length in code points, not UTF-16 units", () => {
    // 255 emoji are 510 UTF-16 units but 255 characters: within max 255
    const ok = oracle.check(glue("CreateTable", createTable([column({ Comment: "😀".repeat(255) })])));
    expect(summary(ok)).toEqual([]);
  });

  it("rejects a missing required DatabaseName", () => {
    const body = createTable([column()]) as Record<string, unknown>;
    delete body.DatabaseName;
    expect(summary(oracle.check(glue("CreateTable", body)))).toEqual(["CreateTable DatabaseName: required"]);
  });

  it("treats a JSON null member as not set (so a null required member is missing)", () => {
    expect(summary(oracle.check(glue("GetDatabase", { Name: null })))).toEqual([
      "GetDatabase Name: required",
    ]);
  });

  it("rejects a value outside an enum", () => {
    const r = checked(oracle.check(glue("GetDatabases", { ResourceShareType: "EVERYTHING" })));
    expect(r.violations.map((v) => [v.path, v.rule, v.value])).toEqual([
      ["ResourceShareType", 'enum ["FOREIGN","ALL","FEDERATED"]', '"EVERYTHING"'],
    ]);
  });

  it("rejects unknown JSON keys at any depth", () => {
    const r = oracle.check(
      glue("CreateDatabase", { DatabaseInput: { Name: "db", Colour: "red" }, Extra: 1 }),
    );
    expect(summary(r).sort()).toEqual([
      "CreateDatabase DatabaseInput.Colour: unknown member",
      "CreateDatabase Extra: unknown member",
    ]);
  });

  it("checks types and numeric ranges", () => {
    expect(summary(oracle.check(glue("GetTables", { DatabaseName: "db", MaxResults: "10" })))).toEqual([
      "GetTables MaxResults: type integer",
    ]);
    expect(summary(oracle.check(glue("GetTables", { DatabaseName: "db", MaxResults: 1.5 })))).toEqual([
      "GetTables MaxResults: type integer",
    ]);
    expect(summary(oracle.check(glue("GetTables", { DatabaseName: "db", MaxResults: 0 })))).toEqual([
      "GetTables MaxResults: min 1",
    ]);
    expect(summary(oracle.check(glue("GetTables", { DatabaseName: "db", MaxResults: 101 })))).toEqual([
      "GetTables MaxResults: max 100",
    ]);
    expect(summary(oracle.check(glue("GetTables", { DatabaseName: "db", MaxResults: 100 })))).toEqual([]);
    expect(
      summary(oracle.check(glue("GetTables", { DatabaseName: "db", IncludeStatusDetails: "true" }))),
    ).toEqual(["GetTables IncludeStatusDetails: type boolean"]);
  });

  it("expects epoch-second timestamps", () => {
    const ok = oracle.check(glue("GetTables", { DatabaseName: "db", QueryAsOfTime: 1767225600.5 }));
    expect(summary(ok)).toEqual([]);
    const bad = oracle.check(
      glue("GetTables", { DatabaseName: "db", QueryAsOfTime: "2026-01-01T00:00:00Z" }),
    );
    expect(summary(bad)).toEqual(["GetTables QueryAsOfTime: type timestamp (epoch seconds)"]);
  });

  it("checks patterns with Java semantics on the whole value", () => {
    expect(summary(oracle.check(glue("GetDatabase", { Name: "tab\tallowed" })))).toEqual([]);
    expect(summary(oracle.check(glue("GetDatabase", { Name: "line\nbreak" })))).toEqual([
      "GetDatabase Name: pattern [\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*",
    ]);
    expect(summary(oracle.check(glue("GetDatabase", { Name: "" })))).toEqual([
      "GetDatabase Name: min 1 (length 0)",
    ]);
  });

  it("checks map sizes, keys and values", () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    expect(
      summary(
        oracle.check(
          glue("TagResource", { ResourceArn: "arn:aws:glue:us-east-1:1:database/d", TagsToAdd: tags }),
        ),
      ),
    ).toEqual(["TagResource TagsToAdd: max 50 entries (has 51)"]);
    const badKey = {
      ResourceArn: "arn:aws:glue:us-east-1:1:database/d",
      TagsToAdd: { "": "v", ok: "x".repeat(257) },
    };
    expect(summary(oracle.check(glue("TagResource", badKey)))).toEqual([
      'TagResource TagsToAdd[""](key): min 1 (length 0)',
      'TagResource TagsToAdd["ok"]: max 256 (length 257)',
    ]);
  });

  it("requires exactly one member of a union", () => {
    const req = (vpc: unknown) => ({
      CatalogId: "123456789012",
      DatabaseName: "db",
      TableName: "t",
      Type: "compaction",
      TableOptimizerConfiguration: { vpcConfiguration: vpc },
    });
    expect(summary(oracle.check(glue("CreateTableOptimizer", req({ glueConnectionName: "c" }))))).toEqual([]);
    expect(summary(oracle.check(glue("CreateTableOptimizer", req({}))))).toEqual([
      "CreateTableOptimizer TableOptimizerConfiguration.vpcConfiguration: union: exactly one member must be set, found 0",
    ]);
  });

  it("rejects an unknown operation, a wrong content type and a non-object body", () => {
    expect(summary(oracle.check(glue("CreateTabel", {})))).toEqual(["? : UnknownOperation"]);
    expect(summary(oracle.check(glue("GetDatabases", {}, { "content-type": "application/json" })))).toEqual([
      "GetDatabases : protocol: Content-Type must be application/x-amz-json-1.1",
    ]);
    expect(summary(oracle.check(glue("GetDatabases", "[]")))).toEqual([
      "GetDatabases : protocol: body must be a JSON object",
    ]);
  });
});

describe("STS (query)", () => {
  it("passes GetCallerIdentity as the SDK sends it", () => {
    const r = checked(oracle.check(sts("Action=GetCallerIdentity&Version=2011-06-15")));
    expect(r).toMatchObject({ service: "sts", operation: "GetCallerIdentity", violations: [] });
  });

  it("rejects an unknown parameter, a wrong Version and an unknown Action", () => {
    expect(summary(oracle.check(sts("Action=GetCallerIdentity&Version=2011-06-15&Foo=1")))).toEqual([
      "GetCallerIdentity Foo: unknown member",
    ]);
    expect(summary(oracle.check(sts("Action=GetCallerIdentity&Version=2012-01-01")))).toEqual([
      "GetCallerIdentity Version: protocol: Version must be 2011-06-15",
    ]);
    expect(summary(oracle.check(sts("Action=GetCallerIdentitty&Version=2011-06-15")))).toEqual([
      "? : UnknownOperation",
    ]);
  });

  const assume =
    "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdpn";
  it("decodes flattened members: nested lists of structures", () => {
    const ok = `${assume}&RoleSessionName=dpn-test&DurationSeconds=900&Tags.member.1.Key=team&Tags.member.1.Value=data&Tags.member.2.Key=env&Tags.member.2.Value=`;
    expect(summary(oracle.check(sts(ok)))).toEqual([]);
  });

  it("rejects required, pattern, range and list-index problems in flattened members", () => {
    expect(summary(oracle.check(sts(assume)))).toEqual(["AssumeRole RoleSessionName: required"]);
    const bad = `${assume}&RoleSessionName=has+space&DurationSeconds=60&Tags.member.1.Key=team&Tags.member.3.Key=x&Tags.member.3.Value=y`;
    expect(summary(oracle.check(sts(bad))).sort()).toEqual([
      "AssumeRole DurationSeconds: min 900",
      "AssumeRole RoleSessionName: pattern [\\w+=,.@-]*",
      "AssumeRole Tags.member.3.Key: unknown member",
      "AssumeRole Tags.member.3.Value: unknown member",
      "AssumeRole Tags[0].Value: required",
    ]);
    expect(summary(oracle.check(sts(`${assume}&RoleSessionName=ok-name&DurationSeconds=abc`)))).toEqual([
      "AssumeRole DurationSeconds: type integer",
    ]);
  });

  it("checks list sizes in flattened form", () => {
    const tags = Array.from(
      { length: 51 },
      (_, i) => `&Tags.member.${i + 1}.Key=k${i}&Tags.member.${i + 1}.Value=v`,
    );
    expect(summary(oracle.check(sts(`${assume}&RoleSessionName=ok-name${tags.join("")}`)))).toEqual([
      "AssumeRole Tags: max 50 items (has 51)",
    ]);
  });
});

describe("S3 (rest-xml, path-style)", () => {
  const tagging = (tags: [string, string][]) =>
    xml(
      "Tagging",
      `<TagSet>${tags.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join("")}</TagSet>`,
    );

  it("passes PutBucketTagging as the SDK sends it (checksum headers included)", () => {
    const r = checked(oracle.check(s3("PUT", "/my-bucket/?tagging=", tagging([["a", "b"]]), checksum)));
    expect(r).toMatchObject({ operation: "PutBucketTagging", violations: [] });
  });

  it("has no max on PutBucketTagging's TagSet in botocore, so 51 tags pass (S3's own 50-tag limit is not in the model)", () => {
    expect(models.s3.shapes.TagSet?.max).toBeUndefined();
    const tags = Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"] as [string, string]);
    expect(summary(oracle.check(s3("PUT", "/my-bucket/?tagging=", tagging(tags), checksum)))).toEqual([]);
  });

  it("checks what the model does limit in a tag: an empty Key (min 1) and a missing Value", () => {
    const body = xml(
      "Tagging",
      "<TagSet><Tag><Key></Key><Value>v</Value></Tag><Tag><Key>k</Key></Tag></TagSet>",
    );
    expect(summary(oracle.check(s3("PUT", "/my-bucket/?tagging=", body, checksum)))).toEqual([
      "PutBucketTagging Tagging.TagSet[0].Key: min 1 (length 0)",
      "PutBucketTagging Tagging.TagSet[1].Value: required",
    ]);
  });

  it("rejects an invalid VersioningConfiguration.Status", () => {
    const body = xml("VersioningConfiguration", "<Status>On</Status>");
    const r = checked(oracle.check(s3("PUT", "/my-bucket/?versioning=", body, checksum)));
    expect(r.violations.map((v) => [v.operation, v.path, v.rule, v.value])).toEqual([
      ["PutBucketVersioning", "VersioningConfiguration.Status", 'enum ["Enabled","Suspended"]', '"On"'],
    ]);
  });

  it("rejects unknown elements, a wrong root, a wrong namespace, bad XML and a missing required payload", () => {
    const extra = xml("VersioningConfiguration", "<Status>Enabled</Status><Colour>red</Colour>");
    expect(summary(oracle.check(s3("PUT", "/b/?versioning=", extra, checksum)))).toEqual([
      "PutBucketVersioning VersioningConfiguration.Colour: unknown element (not a member)",
    ]);
    const root = xml("Versioning", "<Status>Enabled</Status>");
    expect(summary(oracle.check(s3("PUT", "/b/?versioning=", root, checksum)))).toEqual([
      "PutBucketVersioning VersioningConfiguration: XML root element must be <VersioningConfiguration>",
    ]);
    const ns = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
    expect(summary(oracle.check(s3("PUT", "/b/?versioning=", ns, checksum)))).toEqual([
      "PutBucketVersioning VersioningConfiguration: XML namespace must be http://s3.amazonaws.com/doc/2006-03-01/",
    ]);
    expect(
      summary(oracle.check(s3("PUT", "/b/?versioning=", "<VersioningConfiguration>", checksum)))[0],
    ).toMatch(/^PutBucketVersioning VersioningConfiguration: body is not well-formed XML/);
    expect(summary(oracle.check(s3("PUT", "/b/?tagging=", "", checksum)))).toEqual([
      "PutBucketTagging Tagging: required",
    ]);
  });

  it("decodes flattened lists and checks scalar types inside them (lifecycle rules)", () => {
    const rule = (days: string) =>
      `<Rule><ID>expire</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><Days>${days}</Days></Expiration></Rule>`;
    const ok = xml("LifecycleConfiguration", rule("30") + rule("7"));
    expect(checked(oracle.check(s3("PUT", "/b/?lifecycle=", ok, checksum)))).toMatchObject({
      operation: "PutBucketLifecycleConfiguration",
      violations: [],
    });
    const bad = xml("LifecycleConfiguration", rule("30") + rule("seven"));
    expect(summary(oracle.check(s3("PUT", "/b/?lifecycle=", bad, checksum)))).toEqual([
      "PutBucketLifecycleConfiguration LifecycleConfiguration.Rules[1].Expiration.Days: type integer",
    ]);
  });

  it("picks the most specific operation for a shared template", () => {
    const op = (m: string, u: string, extra: Record<string, string> = {}) =>
      checked(oracle.check(s3(m, u, "", extra)));
    expect(op("GET", "/b/?tagging=").operation).toBe("GetBucketTagging");
    expect(op("GET", "/b/").operation).toBe("ListObjects");
    expect(op("GET", "/b/?list-type=2&max-keys=10").operation).toBe("ListObjectsV2");
    expect(op("GET", "/b/?lifecycle=").operation).toBe("GetBucketLifecycleConfiguration");
    expect(op("DELETE", "/b/k?uploadId=u1").operation).toBe("AbortMultipartUpload");
    expect(op("DELETE", "/b/k?x-id=DeleteObject").operation).toBe("DeleteObject");
    expect(op("PUT", "/b/k?partNumber=1&uploadId=u1&x-id=UploadPart").operation).toBe("UploadPart");
    expect(op("PUT", "/b/dir/k%20ey?x-id=PutObject").operation).toBe("PutObject");
    expect(op("HEAD", "/b/")).toMatchObject({ operation: "HeadBucket", violations: [] });
    expect(op("GET", "/?x-id=ListBuckets")).toMatchObject({ operation: "ListBuckets", violations: [] });
  });

  it("checks query-string members and rejects unknown ones", () => {
    expect(summary(oracle.check(s3("GET", "/b/?list-type=2&max-keys=ten")))).toEqual([
      "ListObjectsV2 MaxKeys: type integer",
    ]);
    expect(summary(oracle.check(s3("GET", "/b/?list-type=2&colour=red")))).toEqual([
      "ListObjectsV2 colour: unknown query parameter",
    ]);
    expect(summary(oracle.check(s3("GET", "/b/?versions=&encoding-type=base64")))).toEqual([
      'ListObjectVersions EncodingType: enum ["url"]',
    ]);
  });

  it("checks header members by type (timestamp format, boolean, long, prefix maps)", () => {
    const put = (h: Record<string, string>) =>
      oracle.check({ ...s3("PUT", "/b/k?x-id=PutObject", "", h), body: Buffer.from("hello") });
    expect(
      summary(
        put({
          "content-type": "text/plain",
          "content-length": "5",
          "x-amz-meta-owner": "data",
          "x-amz-object-lock-retain-until-date": "2030-01-01T00:00:00Z",
          "x-amz-server-side-encryption-bucket-key-enabled": "true",
          ...checksum,
        }),
      ),
    ).toEqual([]);
    expect(
      summary(
        put({
          "content-length": "five",
          "x-amz-object-lock-retain-until-date": "Tue, 01 Jan 2030 00:00:00 GMT",
          "x-amz-server-side-encryption-bucket-key-enabled": "yes",
          "x-amz-storage-class": "COLD",
        }),
      ).sort(),
    ).toEqual([
      "PutObject BucketKeyEnabled: type boolean",
      "PutObject ContentLength: type long",
      "PutObject ObjectLockRetainUntilDate: type timestamp (iso8601)",
      expect.stringMatching(/^PutObject StorageClass: enum \[/),
    ]);
  });

  it("allows SDK signing and checksum headers, rejects other unmodelled x-amz-* headers", () => {
    expect(summary(oracle.check(s3("GET", "/b/?tagging=", "", { "x-amz-security-token": "t" })))).toEqual([]);
    expect(summary(oracle.check(s3("GET", "/b/?tagging=", "", { "x-amz-colour": "red" })))).toEqual([
      "GetBucketTagging x-amz-colour: unknown header (not an input member of the operation)",
    ]);
    // GetBucketTagging has no httpChecksum trait: a checksum header there is not the SDK's doing
    expect(
      summary(oracle.check(s3("GET", "/b/?tagging=", "", { "x-amz-checksum-crc32": "AAAAAA==" }))),
    ).toEqual([
      "GetBucketTagging x-amz-checksum-crc32: unknown header (not an input member of the operation)",
    ]);
    expect(
      summary(
        oracle.check(
          s3("PUT", "/b/?tagging=", tagging([]), {
            "x-amz-sdk-checksum-algorithm": "ADLER",
            "content-md5": "AAAAAAAAAAAAAAAAAAAAAA==",
          }),
        ),
      ),
    ).toEqual([
      'PutBucketTagging ChecksumAlgorithm: enum ["CRC32","CRC32C","SHA1","SHA256","CRC64NVME","SHA512","MD5","XXHASH64","XXHASH3","XXHASH128"]',
    ]);
  });

  it("enforces the httpChecksum trait: a required checksum, and the checksum of the named algorithm", () => {
    const body = tagging([["a", "b"]]);
    expect(summary(oracle.check(s3("PUT", "/b/?tagging=", body)))).toEqual([
      "PutBucketTagging : httpChecksum: requestChecksumRequired, but the request has neither Content-MD5 nor an x-amz-checksum-* header or trailer",
    ]);
    expect(
      summary(oracle.check(s3("PUT", "/b/?tagging=", body, { "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" }))),
    ).toEqual([]);
    expect(
      summary(
        oracle.check(
          s3("PUT", "/b/?tagging=", body, {
            "x-amz-sdk-checksum-algorithm": "SHA256",
            "x-amz-checksum-crc32": "AAAAAA==",
          }),
        ),
      ),
    ).toEqual([
      "PutBucketTagging ChecksumAlgorithm: httpChecksum: the algorithm is named but x-amz-checksum-sha256 is neither a header nor a trailer",
    ]);
    // PutObject does not require one, and a trailer counts
    const put = (h: Record<string, string>) =>
      oracle.check({ ...s3("PUT", "/b/k?x-id=PutObject", "", h), body: Buffer.from("x") });
    expect(summary(put({}))).toEqual([]);
    expect(
      summary(put({ "x-amz-sdk-checksum-algorithm": "CRC32", "x-amz-trailer": "x-amz-checksum-crc32" })),
    ).toEqual([]);
  });

  it("rejects a body on an operation that has none", () => {
    expect(summary(oracle.check(s3("GET", "/b/?tagging=", "<x/>")))).toEqual([
      "GetBucketTagging : unexpected request body (the operation has no body members)",
    ]);
  });

  it("reports a request that maps to no operation as UnknownOperation", () => {
    expect(checked(oracle.check(s3("POST", "/b/"))).violations).toMatchObject([
      { service: "s3", operation: "?", rule: "UnknownOperation", value: '"POST /b/"' },
    ]);
    expect(summary(oracle.check(s3("PATCH", "/b/k")))).toEqual(["? : UnknownOperation"]);
    // the SDK's x-id names the operation: one botocore does not have is unknown
    expect(summary(oracle.check(s3("GET", "/b/k?x-id=GetObjectAnnotation")))).toEqual([
      "? : UnknownOperation",
    ]);
  });

  it("passes moto's own API through unchecked", () => {
    expect(oracle.check(s3("POST", "/moto-api/reset"))).toEqual({ kind: "passthrough" });
  });
});
