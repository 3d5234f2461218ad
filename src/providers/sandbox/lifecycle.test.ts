import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DesiredResource, MARKER_KEYS, type ProvisionedType } from "../../core/resources.js";
import type { ProviderContext, RemoteObject } from "../../engine/ports.js";
import { createSandboxRegistry, type SandboxRegistry } from "./sandbox-provider.js";
import * as kit from "./sandbox-test-kit.js";

interface Case {
  type: ProvisionedType;
  /** Parents to create first. */
  parents: () => DesiredResource[];
  desired: () => DesiredResource;
  /** A changed desired resource and the fields diff must report for it. */
  changed: (d: DesiredResource) => DesiredResource;
  changedFields: string[];
}

const cases: Case[] = [
  {
    type: "aws_s3_bucket",
    parents: () => [],
    desired: () => kit.bucket(),
    changed: (d) => ({
      ...d,
      properties: { ...d.properties, versioning: false, lifecycle_days: 30 },
      tags: { project: "demo", team: "x" },
    }),
    changedFields: ["versioning", "lifecycle_days", "tags"],
  },
  {
    type: "aws_glue_database",
    parents: () => [],
    desired: () => kit.glueDb(),
    changed: (d) => ({ ...d, properties: { ...d.properties, description: "new", parameters: { a: "1" } } }),
    changedFields: ["description", "parameters"],
  },
  {
    type: "aws_glue_table",
    parents: () => [kit.glueDb()],
    desired: () => kit.glueTable(),
    changed: (d) => {
      const p = d.properties as ReturnType<typeof kit.glueTable>["properties"];
      return {
        ...d,
        properties: { ...p, columns: [...p.columns, { name: "note", type: "string" }], format: "json" },
      };
    },
    changedFields: ["columns", "format"],
  },
  {
    type: "dbx_cluster",
    parents: () => [],
    desired: () => kit.cluster(),
    changed: (d) => ({ ...d, properties: { ...d.properties, autotermination_minutes: 30 } }),
    changedFields: ["autotermination_minutes"],
  },
  {
    type: "dbx_job",
    parents: () => [kit.cluster()],
    desired: () => kit.job(),
    changed: (d) => ({ ...d, properties: { ...d.properties, max_concurrent_runs: 3, schedule: undefined } }),
    changedFields: ["schedule", "max_concurrent_runs"],
  },
  {
    type: "dbx_catalog",
    parents: () => [],
    desired: () => kit.catalog(),
    changed: (d) => ({ ...d, properties: { ...d.properties, comment: "changed" }, tags: {} }),
    changedFields: ["comment", "tags"],
  },
  {
    type: "dbx_schema",
    parents: () => [kit.catalog()],
    desired: () => kit.schema(),
    changed: (d) => ({ ...d, properties: { ...d.properties, comment: undefined } }),
    changedFields: ["comment"],
  },
  {
    type: "dbx_table",
    parents: () => [kit.catalog(), kit.schema()],
    desired: () => kit.ucTable(),
    changed: (d) => ({ ...d, properties: { ...d.properties, comment: "v2" } }),
    changedFields: ["comment"],
  },
  {
    type: "dbx_volume",
    parents: () => [kit.catalog(), kit.schema()],
    desired: () => kit.volume(),
    changed: (d) => ({
      ...d,
      properties: { ...d.properties, comment: "v2" },
      tags: { project: "demo", pii: "no" },
    }),
    changedFields: ["comment", "tags"],
  },
];

describe("sandbox: full lifecycle of every provisioned type", () => {
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

  it("covers all nine provisioned types", () => {
    expect(cases.map((x) => x.type).sort()).toEqual([
      "aws_glue_database",
      "aws_glue_table",
      "aws_s3_bucket",
      "dbx_catalog",
      "dbx_cluster",
      "dbx_job",
      "dbx_schema",
      "dbx_table",
      "dbx_volume",
    ]);
  });

  for (const tc of cases) {
    it(`${tc.type}: create, lookup, read, diff, update, revert, archive, restore, adopt, delete`, async () => {
      for (const parent of tc.parents()) {
        const made = await reg.get(parent.type).create(parent, c);
        refs[parent.address] = made.remoteId;
      }
      const p = reg.get(tc.type);
      const desired = tc.desired();

      const created = await p.create(desired, c);
      expect(created.ownership).toEqual({ stackId: kit.STACK, address: desired.address });
      expect(created.archived).toBe(false);
      expect(created.tags).toEqual(desired.tags);
      // a freshly created object matches what was asked: nothing to update
      expect(p.diff(desired, created)).toEqual([]);

      const looked = await p.lookup(desired, c);
      expect(looked?.remoteId).toBe(created.remoteId);
      const read = await p.read(created.remoteId, c);
      expect(read?.remoteId).toBe(created.remoteId);
      expect(read?.properties).toEqual(created.properties);

      const changed = tc.changed(desired);
      const changes = p.diff(changed, read as RemoteObject);
      expect(changes.map((x) => x.field).sort()).toEqual([...tc.changedFields].sort());
      const updated = await p.update(changed, read as RemoteObject, c);
      expect(p.diff(changed, updated)).toEqual([]);
      expect(p.diff(desired, updated).length).toBe(tc.changedFields.length);

      const reverted = await p.revert(read as RemoteObject, c);
      expect(reverted.properties).toEqual((read as RemoteObject).properties);
      expect(reverted.tags).toEqual((read as RemoteObject).tags);
      expect(p.diff(desired, reverted)).toEqual([]);

      const archived = await p.archive(reverted, kit.ctx({ actor: "bob@ci" }, refs));
      expect(archived.archived).toBe(true);
      expect(archived.ownership).toEqual(created.ownership);
      const again = await p.archive(archived, c);
      expect(again.archived).toBe(true);
      const restored = await p.restore(archived, c);
      expect(restored.archived).toBe(false);
      expect(restored.tags).toEqual(desired.tags);
      expect((await p.restore(restored, c)).archived).toBe(false);

      const adopted = await p.adopt(restored, { stackId: "other-stack", address: "x.y" }, c);
      expect(adopted.ownership).toEqual({ stackId: "other-stack", address: "x.y" });

      await p.delete(adopted, c);
      expect(await p.read(created.remoteId, c)).toBeNull();
      expect(await p.lookup(desired, c)).toBeNull();
      // deleting what is already gone succeeds
      await p.delete(adopted, c);
    });
  }

  it("stores the markers where each platform keeps them", async () => {
    const b = await reg.get("aws_s3_bucket").create(kit.bucket(), c);
    expect(b.tags[MARKER_KEYS.stack]).toBeUndefined();
    const inv = reg.inventory();
    expect(inv).toHaveLength(1);
    expect(inv[0]).toMatchObject({
      type: "aws_s3_bucket",
      name: b.name,
      remoteId: b.remoteId,
      account: "self",
      archived: false,
    });
    expect(inv[0]?.ownership).toEqual({ stackId: kit.STACK, address: kit.bucket().address });
  });

  it("update and revert of a missing object fail not_found, not_applied", async () => {
    const ghost: RemoteObject = {
      type: "dbx_catalog",
      remoteId: "ghost",
      name: "ghost",
      fullName: "ghost",
      properties: {},
      tags: {},
      ownership: null,
      archived: false,
    };
    for (const call of [
      reg.get("dbx_catalog").update(kit.catalog("ghost"), ghost, c),
      reg.get("dbx_catalog").revert(ghost, c),
      reg.get("dbx_catalog").archive(ghost, c),
      reg.get("dbx_catalog").adopt(ghost, { stackId: "s", address: "a" }, c),
    ]) {
      const e = await kit.rejection(call);
      expect(e).toMatchObject({
        name: "ProviderError",
        category: "not_found",
        outcome: "not_applied",
        code: "REMOTE_NOT_FOUND",
      });
      expect((e.details as Record<string, unknown>).platformCode).toBe("CATALOG_DOES_NOT_EXIST");
    }
  });

  it("revert puts back ownership and the archived flag of the snapshot", async () => {
    const p = reg.get("aws_glue_database");
    await reg.get("aws_glue_database").create(kit.glueDb("plain"), c);
    const snapshot = await p.read("plain", c);
    const adopted = await p.adopt(snapshot as RemoteObject, { stackId: "s2", address: "a2" }, c);
    const archived = await p.archive(adopted, c);
    const back = await p.revert(snapshot as RemoteObject, c);
    expect(back.ownership).toEqual(snapshot?.ownership);
    expect(back.archived).toBe(false);
    expect(archived.archived).toBe(true);
  });
});
