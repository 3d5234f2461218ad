import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MARKER_KEYS } from "../../core/resources.js";
import type { ProviderContext, RemoteObject } from "../../engine/ports.js";
import { createSandboxRegistry, type SandboxRegistry } from "./sandbox-provider.js";
import { SandboxStore } from "./sandbox-store.js";
import * as kit from "./sandbox-test-kit.js";

describe("sandbox platform rules", () => {
  let t: ReturnType<typeof kit.tempSandbox>;
  let reg: SandboxRegistry;
  let c: ProviderContext;
  const refs: Record<string, string> = {};

  beforeEach(() => {
    t = kit.tempSandbox();
    reg = createSandboxRegistry({ dbPath: t.dbPath });
    for (const k of Object.keys(refs)) delete refs[k];
    c = kit.ctx({}, refs);
  });
  afterEach(async () => {
    await reg.close();
    t.cleanup();
  });

  /** The raw platform record, to check where things are stored. */
  function raw(type: Parameters<SandboxStore["get"]>[0], id: string): Record<string, unknown> {
    const s = SandboxStore.open(t.dbPath);
    try {
      return s.get(type, id)?.data ?? {};
    } finally {
      s.close();
    }
  }

  describe("S3", () => {
    it("bucket names are global: a foreign bucket gives BucketAlreadyExists, our own BucketAlreadyOwnedByYou", async () => {
      reg.seedForeign("taken-name");
      const foreign = await kit.rejection(reg.get("aws_s3_bucket").create(kit.bucket("taken-name"), c));
      expect(foreign).toMatchObject({
        category: "conflict",
        outcome: "not_applied",
        code: "REMOTE_ALREADY_EXISTS",
      });
      expect(foreign.details).toMatchObject({ platformCode: "BucketAlreadyExists", ownedByYou: false });
      // a lookup meets it as a conflict, as a real HEAD answers 403 for another account's bucket,
      // so the planner stops before anything is created; reading it by id shows nothing of it
      const seen = await kit.rejection(reg.get("aws_s3_bucket").lookup(kit.bucket("taken-name"), c));
      expect(seen).toMatchObject({ category: "conflict", code: "REMOTE_ALREADY_EXISTS" });
      expect(seen.details).toMatchObject({ platformCode: "BucketAlreadyExists", ownedByYou: false });
      expect(await reg.get("aws_s3_bucket").read("taken-name", c)).toBeNull();

      await reg.get("aws_s3_bucket").create(kit.bucket("mine-bucket"), c);
      const own = await kit.rejection(reg.get("aws_s3_bucket").create(kit.bucket("mine-bucket"), c));
      expect(own.details).toMatchObject({ platformCode: "BucketAlreadyOwnedByYou", ownedByYou: true });
      expect(() => reg.seedForeign("mine-bucket")).toThrow(/already exists/);
    });

    it("rejects invalid bucket names with InvalidBucketName", async () => {
      const e = await kit.rejection(reg.get("aws_s3_bucket").create(kit.bucket("Bad_Name"), c));
      expect(e).toMatchObject({ category: "invalid_input", kind: "validation" });
      expect(e.details).toMatchObject({ platformCode: "InvalidBucketName" });
      expect(e.message).toContain("Bad_Name");
    });

    it("keeps versioning, encryption, public access block, lifecycle and tags like S3", async () => {
      const p = reg.get("aws_s3_bucket");
      const made = await p.create(
        kit.bucket("b-settings", { encryption: "aws:kms", kms_key_id: "key-1", lifecycle_days: 30 }),
        c,
      );
      expect(made.properties).toEqual({
        region: "us-east-1",
        versioning: true,
        lifecycle_days: 30,
        encryption: "aws:kms",
        kms_key_id: "key-1",
        block_public_access: true,
      });
      const d = raw("aws_s3_bucket", "b-settings");
      expect(d.Versioning).toBe("Enabled");
      expect((d.Tags as Record<string, string>)[MARKER_KEYS.stack]).toBe(kit.STACK);
      expect(d.PublicAccessBlock).toEqual({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      });
      // versioning, once enabled, can only be suspended
      const off = await p.update(
        kit.bucket("b-settings", { versioning: false, encryption: "AES256", lifecycle_days: 0 }),
        made,
        c,
      );
      expect(off.properties).toMatchObject({ versioning: false, encryption: "AES256", lifecycle_days: 0 });
      expect(off.properties.kms_key_id).toBeUndefined();
      expect(raw("aws_s3_bucket", "b-settings").Versioning).toBe("Suspended");
      // a bucket created without versioning was never versioned
      await p.create(kit.bucket("b-plain", { versioning: false }), c);
      expect(raw("aws_s3_bucket", "b-plain").Versioning).toBeNull();
    });

    it("archive adds exactly the time/actor tags and the deny-writes statement; restore removes exactly those", async () => {
      const p = reg.get("aws_s3_bucket");
      const made = await p.create(kit.bucket("b-arch"), c);
      const before = raw("aws_s3_bucket", "b-arch");
      const archived = await p.archive(made, kit.ctx({ actor: "bob@ci" }));
      const during = raw("aws_s3_bucket", "b-arch");
      const tags = during.Tags as Record<string, string>;
      expect(tags[MARKER_KEYS.archivedBy]).toBe("bob@ci");
      expect(Number.isNaN(Date.parse(tags[MARKER_KEYS.archivedAt] ?? ""))).toBe(false);
      expect((during.Policy as { Statement: { Sid: string; Effect: string }[] }).Statement).toEqual([
        expect.objectContaining({ Sid: "DpnArchivedDenyWrites", Effect: "Deny" }),
      ]);
      expect(archived.tags).toEqual(made.tags);
      expect(() => reg.seedObject("b-arch", "late.csv")).toThrow(/denies writes/);
      await p.restore(archived, c);
      expect(raw("aws_s3_bucket", "b-arch")).toEqual(before);
    });

    it("refuses to delete a non-empty bucket unless forced", async () => {
      const p = reg.get("aws_s3_bucket");
      const made = await p.create(kit.bucket("b-full"), c);
      reg.seedObject("b-full", "data/1.csv");
      reg.seedObject("b-full", "data/2.csv");
      const e = await kit.rejection(p.delete(made, c));
      expect(e).toMatchObject({ category: "conflict", code: "REMOTE_NOT_EMPTY", outcome: "not_applied" });
      expect(e.details).toMatchObject({ platformCode: "BucketNotEmpty", count: 2 });
      expect(await p.read("b-full", c)).not.toBeNull();
      await p.delete(made, c, { force: true });
      expect(await p.read("b-full", c)).toBeNull();
      expect(() => reg.seedObject("b-full", "x")).toThrow(/does not exist/);
    });
  });

  describe("Glue", () => {
    it("folds names to lower case, for lookup, read and ids", async () => {
      const db = await reg.get("aws_glue_database").create(kit.glueDb("Sales_DB"), c);
      expect(db.remoteId).toBe("sales_db");
      expect(db.name).toBe("sales_db");
      expect((await reg.get("aws_glue_database").lookup(kit.glueDb("SALES_db"), c))?.remoteId).toBe(
        "sales_db",
      );
      const tbl = await reg.get("aws_glue_table").create(kit.glueTable("SALES_DB", "Fact_Orders"), c);
      expect(tbl.remoteId).toBe("sales_db.fact_orders");
      expect((await reg.get("aws_glue_table").read("Sales_Db.FACT_orders", c))?.remoteId).toBe(
        "sales_db.fact_orders",
      );
    });

    it("answers AlreadyExistsException and EntityNotFoundException (table needs its database)", async () => {
      const orphan = await kit.rejection(reg.get("aws_glue_table").create(kit.glueTable("nodb", "t"), c));
      expect(orphan).toMatchObject({
        category: "not_found",
        outcome: "not_applied",
        code: "REMOTE_PARENT_NOT_FOUND",
      });
      expect(orphan.details).toMatchObject({ platformCode: "EntityNotFoundException" });
      expect(orphan.message).toContain("nodb");
      await reg.get("aws_glue_database").create(kit.glueDb("db1"), c);
      const dup = await kit.rejection(reg.get("aws_glue_database").create(kit.glueDb("DB1"), c));
      expect(dup.details).toMatchObject({ platformCode: "AlreadyExistsException" });
      await reg.get("aws_glue_table").create(kit.glueTable("db1", "t"), c);
      const dupT = await kit.rejection(reg.get("aws_glue_table").create(kit.glueTable("db1", "T"), c));
      expect(dupT).toMatchObject({ category: "conflict", code: "REMOTE_ALREADY_EXISTS" });
    });

    it("keeps table markers and tags in Parameters (tables are not taggable) and bumps the version on update", async () => {
      await reg.get("aws_glue_database").create(kit.glueDb("db2"), c);
      const made = await reg.get("aws_glue_table").create(kit.glueTable("db2", "t"), c);
      const d = raw("aws_glue_table", "db2.t");
      expect(d.Parameters).toMatchObject({
        classification: "parquet",
        project: "demo",
        [MARKER_KEYS.address]: kit.glueTable("db2", "t").address,
      });
      expect(made.tags).toEqual({ project: "demo" });
      await reg.get("aws_glue_table").update(kit.glueTable("db2", "t", { description: "x" }), made, c);
      expect(raw("aws_glue_table", "db2.t").VersionId).toBe("2");
    });

    it("refuses to delete a database holding tables unless forced, then cascades", async () => {
      const db = await reg.get("aws_glue_database").create(kit.glueDb("db3"), c);
      await reg.get("aws_glue_table").create(kit.glueTable("db3", "t1"), c);
      const e = await kit.rejection(reg.get("aws_glue_database").delete(db, c));
      expect(e).toMatchObject({ category: "conflict", code: "REMOTE_NOT_EMPTY" });
      expect(e.details).toMatchObject({ count: 1 });
      await reg.get("aws_glue_database").delete(db, c, { force: true });
      expect(reg.inventory()).toEqual([]);
    });
  });

  describe("Databricks clusters", () => {
    it("go PENDING → RUNNING on the next read (default), TERMINATED on archive; restore only clears the markers", async () => {
      const p = reg.get("dbx_cluster");
      const made = await p.create(kit.cluster(), c);
      expect(made.status).toBe("PENDING");
      expect(made.remoteId).toMatch(/^\d{4}-\d{6}-[a-z0-9]+$/);
      expect((await p.read(made.remoteId, c))?.status).toBe("RUNNING");
      const before = raw("dbx_cluster", made.remoteId).custom_tags;
      const archived = await p.archive(made, c);
      expect(archived).toMatchObject({ status: "TERMINATED", archived: true });
      expect(Object.keys(raw("dbx_cluster", made.remoteId).custom_tags as object).sort()).toEqual(
        [
          MARKER_KEYS.address,
          MARKER_KEYS.archivedAt,
          MARKER_KEYS.archivedBy,
          MARKER_KEYS.stack,
          "project",
        ].sort(),
      );
      const restored = await p.restore(archived, c);
      expect(restored).toMatchObject({ status: "TERMINATED", archived: false });
      expect(raw("dbx_cluster", made.remoteId).custom_tags).toEqual(before);
      expect(before).toEqual({
        project: "demo",
        [MARKER_KEYS.stack]: kit.STACK,
        [MARKER_KEYS.address]: kit.cluster().address,
      });
      // a terminated cluster can be edited and stays terminated
      const edited = await p.update(
        kit.cluster("demo-etl-dev", { autotermination_minutes: 20 }),
        restored,
        c,
      );
      expect(edited).toMatchObject({ status: "TERMINATED", properties: { autotermination_minutes: 20 } });
    });

    it("stay PENDING for clusterStartMs and refuse edits meanwhile (INVALID_STATE, retryable)", async () => {
      let now = 1_000_000;
      const slow = createSandboxRegistry({ dbPath: t.dbPath, clusterStartMs: 5000, now: () => now });
      try {
        const p = slow.get("dbx_cluster");
        const made = await p.create(kit.cluster("slow"), c);
        now += 4000;
        const pending = await p.read(made.remoteId, c);
        expect(pending?.status).toBe("PENDING");
        const e = await kit.rejection(
          p.update(kit.cluster("slow", { num_workers: 2, autoscale: undefined }), pending as RemoteObject, c),
        );
        expect(e).toMatchObject({
          category: "conflict",
          code: "REMOTE_INVALID_STATE",
          retryable: true,
          outcome: "not_applied",
        });
        expect(e.details).toMatchObject({ platformCode: "INVALID_STATE" });
        now += 1000;
        const running = await p.read(made.remoteId, c);
        expect(running?.status).toBe("RUNNING");
        // editing a running cluster restarts it
        const edited = await p.update(
          kit.cluster("slow", { num_workers: 2, autoscale: undefined }),
          running as RemoteObject,
          c,
        );
        expect(edited.status).toBe("RESTARTING");
        expect(edited.properties).toMatchObject({ num_workers: 2 });
        expect(edited.properties.autoscale).toBeUndefined();
      } finally {
        await slow.close();
      }
    });

    it("names are not unique; lookup finds only the cluster with our marker", async () => {
      reg.seedExisting(kit.cluster());
      const p = reg.get("dbx_cluster");
      expect(await p.lookup(kit.cluster(), c)).toBeNull();
      const ours = await p.create(kit.cluster(), c);
      const theirs = await p.create(kit.cluster(), kit.ctx({ stackId: "other" }));
      expect(new Set([ours.remoteId, theirs.remoteId]).size).toBe(2);
      expect((await p.lookup(kit.cluster(), c))?.remoteId).toBe(ours.remoteId);
      expect((await p.lookup(kit.cluster(), kit.ctx({ stackId: "other" })))?.remoteId).toBe(theirs.remoteId);
      expect(reg.inventory().filter((o) => o.type === "dbx_cluster")).toHaveLength(3);
    });

    it("delete is permanent", async () => {
      const p = reg.get("dbx_cluster");
      const made = await p.create(kit.cluster(), c);
      await p.delete(made, c);
      expect(await p.read(made.remoteId, c)).toBeNull();
      const e = await kit.rejection(p.restore(made, c));
      expect(e.details).toMatchObject({ platformCode: "INVALID_PARAMETER_VALUE" });
    });
  });

  describe("Databricks jobs", () => {
    it("have numeric string ids, allow duplicate names, and are looked up by name AND marker", async () => {
      const cl = await reg.get("dbx_cluster").create(kit.cluster(), c);
      refs[kit.cluster().address] = cl.remoteId;
      const p = reg.get("dbx_job");
      const a = await p.create(kit.job(), c);
      const b = await p.create(kit.job(), kit.ctx({ stackId: "other" }, refs));
      const other = { ...kit.job(), address: "dbx_job.second" };
      const d = await p.create(other, c);
      for (const j of [a, b, d]) expect(j.remoteId).toMatch(/^\d+$/);
      expect(new Set([a.remoteId, b.remoteId, d.remoteId]).size).toBe(3);
      expect(Number(b.remoteId)).toBeGreaterThan(Number(a.remoteId));
      expect((await p.lookup(kit.job(), c))?.remoteId).toBe(a.remoteId);
      expect((await p.lookup(kit.job(), kit.ctx({ stackId: "other" })))?.remoteId).toBe(b.remoteId);
      expect((await p.lookup(other, c))?.remoteId).toBe(d.remoteId);
      expect(await p.lookup(kit.job(), kit.ctx({ stackId: "nobody" }))).toBeNull();
      // an unowned job of the same name is not ours
      reg.seedExisting({
        ...kit.job("lonely"),
        properties: { ...kit.job().properties, cluster_ref: cl.remoteId, tasks: [] },
      });
      expect(await p.lookup(kit.job("lonely"), c)).toBeNull();
    });

    it("put cluster ids on the platform and map them back to addresses", async () => {
      const cl = await reg.get("dbx_cluster").create(kit.cluster(), c);
      refs[kit.cluster().address] = cl.remoteId;
      const made = await reg.get("dbx_job").create(kit.job(), c);
      const settings = raw("dbx_job", made.remoteId).settings as {
        tasks: Record<string, unknown>[];
        tags: Record<string, string>;
      };
      expect(settings.tasks.map((x) => x.existing_cluster_id)).toEqual([cl.remoteId, cl.remoteId]);
      expect(settings.tasks.some((x) => "existing_cluster_ref" in x)).toBe(false);
      expect(settings.tags[MARKER_KEYS.stack]).toBe(kit.STACK);
      expect(made.properties.cluster_ref).toBe(kit.cluster().address);
      // without the run's resolver the cluster is found through its marker
      const fresh = await reg.get("dbx_job").create({ ...kit.job(), address: "dbx_job.b" }, kit.ctx());
      expect(fresh.properties.cluster_ref).toBe(kit.cluster().address);
      const bad = await kit.rejection(
        reg.get("dbx_job").create(kit.job("j", "dbx_cluster.nowhere"), kit.ctx()),
      );
      expect(bad).toMatchObject({ category: "invalid_input", outcome: "not_applied" });
    });

    it("archive pauses an active schedule and restore unpauses exactly that", async () => {
      const cl = await reg.get("dbx_cluster").create(kit.cluster(), c);
      refs[kit.cluster().address] = cl.remoteId;
      const p = reg.get("dbx_job");
      const made = await p.create(kit.job(), c);
      const before = raw("dbx_job", made.remoteId);
      const archived = await p.archive(made, c);
      expect(archived.properties.schedule).toMatchObject({ pause_status: "PAUSED" });
      const restored = await p.restore(archived, c);
      expect(restored.properties.schedule).toMatchObject({ pause_status: "UNPAUSED" });
      expect(raw("dbx_job", made.remoteId)).toEqual(before);
      // a schedule that was already paused stays paused
      const paused = await p.create(
        {
          ...kit.job(),
          address: "dbx_job.p",
          properties: {
            ...kit.job().properties,
            schedule: { quartz_cron_expression: "0 0 * * * ?", timezone_id: "UTC", pause_status: "PAUSED" },
          },
        },
        c,
      );
      const r2 = await p.restore(await p.archive(paused, c), c);
      expect(r2.properties.schedule).toMatchObject({ pause_status: "PAUSED" });
    });

    it("an archived job's pause is not drift, and a schedule update keeps it paused until restore", async () => {
      const cl = await reg.get("dbx_cluster").create(kit.cluster(), c);
      refs[kit.cluster().address] = cl.remoteId;
      const p = reg.get("dbx_job");
      const archived = await p.archive(await p.create(kit.job(), c), c);
      expect(p.diff(kit.job(), archived)).toEqual([]);
      const newCron = {
        ...kit.job(),
        properties: {
          ...kit.job().properties,
          schedule: { quartz_cron_expression: "0 0 5 * * ?", timezone_id: "UTC" },
        },
      };
      expect(p.diff(newCron, archived).map((x) => x.field)).toEqual(["schedule"]);
      const updated = await p.update(newCron, archived, c);
      expect(updated.properties.schedule).toEqual({
        quartz_cron_expression: "0 0 5 * * ?",
        timezone_id: "UTC",
        pause_status: "PAUSED",
      });
      expect(p.diff(newCron, updated)).toEqual([]);
      const restored = await p.restore(updated, c);
      expect(restored.properties.schedule).toMatchObject({
        quartz_cron_expression: "0 0 5 * * ?",
        pause_status: "UNPAUSED",
      });
    });
  });

  describe("Unity Catalog", () => {
    it("folds names to lower case and answers *_ALREADY_EXISTS", async () => {
      const cat = await reg.get("dbx_catalog").create(kit.catalog("Main_Cat"), c);
      expect(cat.remoteId).toBe("main_cat");
      const dup = await kit.rejection(reg.get("dbx_catalog").create(kit.catalog("MAIN_CAT"), c));
      expect(dup.details).toMatchObject({ platformCode: "CATALOG_ALREADY_EXISTS" });
      const sch = await reg.get("dbx_schema").create(kit.schema("MAIN_cat", "Sales"), c);
      expect(sch.remoteId).toBe("main_cat.sales");
      expect(
        (await kit.rejection(reg.get("dbx_schema").create(kit.schema("main_cat", "SALES"), c))).details,
      ).toMatchObject({
        platformCode: "SCHEMA_ALREADY_EXISTS",
      });
      const tbl = await reg.get("dbx_table").create(kit.ucTable("main_cat", "sales", "Orders"), c);
      expect(tbl.fullName).toBe("main_cat.sales.orders");
      expect(
        (await kit.rejection(reg.get("dbx_table").create(kit.ucTable("main_cat", "sales", "ORDERS"), c)))
          .details,
      ).toMatchObject({
        platformCode: "TABLE_ALREADY_EXISTS",
      });
      const vol = await reg.get("dbx_volume").create(kit.volume("main_cat", "sales", "Landing"), c);
      expect(vol.remoteId).toBe("main_cat.sales.landing");
      expect(
        (await kit.rejection(reg.get("dbx_volume").create(kit.volume("main_cat", "sales", "landing"), c)))
          .details,
      ).toMatchObject({
        platformCode: "RESOURCE_ALREADY_EXISTS",
      });
      expect((await reg.get("dbx_table").read("MAIN_CAT.Sales.ORDERS", c))?.remoteId).toBe(
        "main_cat.sales.orders",
      );
    });

    it("requires parents: *_DOES_NOT_EXIST for the first missing level", async () => {
      const noCat = await kit.rejection(reg.get("dbx_schema").create(kit.schema("nocat", "s"), c));
      expect(noCat).toMatchObject({
        category: "not_found",
        code: "REMOTE_PARENT_NOT_FOUND",
        outcome: "not_applied",
      });
      expect(noCat.details).toMatchObject({ platformCode: "CATALOG_DOES_NOT_EXIST" });
      const noCat2 = await kit.rejection(reg.get("dbx_table").create(kit.ucTable("nocat", "s", "t"), c));
      expect(noCat2.details).toMatchObject({ platformCode: "CATALOG_DOES_NOT_EXIST" });
      await reg.get("dbx_catalog").create(kit.catalog("cat"), c);
      for (const call of [
        reg.get("dbx_table").create(kit.ucTable("cat", "nos", "t"), c),
        reg.get("dbx_volume").create(kit.volume("cat", "nos", "v"), c),
      ]) {
        expect((await kit.rejection(call)).details).toMatchObject({ platformCode: "SCHEMA_DOES_NOT_EXIST" });
      }
      expect(reg.inventory().map((o) => o.type)).toEqual(["dbx_catalog"]);
    });

    it("keeps markers in properties (volumes: in tags, they have no properties)", async () => {
      await reg.get("dbx_catalog").create(kit.catalog("cat"), c);
      await reg.get("dbx_schema").create(kit.schema("cat", "s"), c);
      await reg.get("dbx_volume").create(kit.volume("cat", "s", "v"), c);
      expect(raw("dbx_catalog", "cat").properties).toEqual({
        [MARKER_KEYS.stack]: kit.STACK,
        [MARKER_KEYS.address]: "dbx_catalog.cat",
      });
      expect(raw("dbx_catalog", "cat").tags).toEqual({ project: "demo" });
      expect(raw("dbx_volume", "cat.s.v").tags).toMatchObject({
        project: "demo",
        [MARKER_KEYS.address]: "dbx_volume.cat.s.v",
      });
      expect(raw("dbx_volume", "cat.s.v").properties).toBeUndefined();
    });

    it("validates volume storage like the API", async () => {
      await reg.get("dbx_catalog").create(kit.catalog("cat"), c);
      await reg.get("dbx_schema").create(kit.schema("cat", "s"), c);
      const managed = await kit.rejection(
        reg.get("dbx_volume").create(kit.volume("cat", "s", "v", { storage_location: "s3://x/y" }), c),
      );
      expect(managed.message).toBe("CreateVolume storage_location can not be provided.");
      const external = await kit.rejection(
        reg.get("dbx_volume").create(kit.volume("cat", "s", "v", { volume_type: "EXTERNAL" }), c),
      );
      expect(external).toMatchObject({ category: "invalid_input" });
      const ok = await reg
        .get("dbx_volume")
        .create(kit.volume("cat", "s", "v", { volume_type: "EXTERNAL", storage_location: "s3://x/y" }), c);
      expect(ok.properties).toMatchObject({ volume_type: "EXTERNAL", storage_location: "s3://x/y" });
    });

    it("refuses to delete non-empty catalogs and schemas (*_NOT_EMPTY) unless forced, which cascades", async () => {
      const cat = await reg.get("dbx_catalog").create(kit.catalog("cat"), c);
      const sch = await reg.get("dbx_schema").create(kit.schema("cat", "s"), c);
      await reg.get("dbx_table").create(kit.ucTable("cat", "s", "t"), c);
      await reg.get("dbx_volume").create(kit.volume("cat", "s", "v"), c);
      const e1 = await kit.rejection(reg.get("dbx_catalog").delete(cat, c));
      expect(e1).toMatchObject({ category: "conflict", code: "REMOTE_NOT_EMPTY", outcome: "not_applied" });
      expect(e1.details).toMatchObject({ platformCode: "CATALOG_NOT_EMPTY" });
      const e2 = await kit.rejection(reg.get("dbx_schema").delete(sch, c));
      expect(e2.details).toMatchObject({ platformCode: "SCHEMA_NOT_EMPTY", count: 2 });
      expect(reg.inventory()).toHaveLength(4);
      await reg.get("dbx_catalog").delete(cat, c, { force: true });
      expect(reg.inventory()).toEqual([]);
    });
  });

  it("enforces tag limits, counting dpn's markers (S3 50, jobs 25)", async () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
    const e = await kit.rejection(
      reg.get("aws_s3_bucket").create({ ...kit.bucket("tag-heavy"), tags: many(49) }, c),
    );
    expect(e).toMatchObject({ category: "invalid_input", outcome: "not_applied" });
    expect(e.details).toMatchObject({ platformCode: "InvalidTag", count: 51, max: 50 });
    expect(reg.inventory()).toEqual([]);
    await reg.get("aws_s3_bucket").create({ ...kit.bucket("tag-heavy"), tags: many(48) }, c);
    // archive adds two more tags: refused, and nothing changes
    const full = (await reg.get("aws_s3_bucket").read("tag-heavy", c)) as RemoteObject;
    expect(await kit.rejection(reg.get("aws_s3_bucket").archive(full, c))).toMatchObject({
      category: "invalid_input",
    });
    expect((await reg.get("aws_s3_bucket").read("tag-heavy", c))?.archived).toBe(false);
    const cl = await reg.get("dbx_cluster").create(kit.cluster(), c);
    refs[kit.cluster().address] = cl.remoteId;
    const j = await kit.rejection(reg.get("dbx_job").create({ ...kit.job(), tags: many(24) }, c));
    expect(j.details).toMatchObject({ platformCode: "INVALID_PARAMETER_VALUE", max: 25 });
  });

  it("get() of an unknown type is a usage error", () => {
    expect(() => reg.get("aws_lambda" as never)).toThrow(
      expect.objectContaining({ code: "PROVIDER_UNKNOWN_TYPE" }),
    );
  });
});
