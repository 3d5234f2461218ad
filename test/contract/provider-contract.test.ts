/**
 * The provider contract (src/engine/ports.ts), held equal on every target: the real AWS SDK
 * against moto and our Databricks client against the Databricks fake ("cloud"), the sandbox, and
 * the in-memory fake the engine tests run on. Every type goes through the same lifecycle — look up
 * nothing, create (with our marker), read and look up the same object back, no drift, update one
 * setting, revert it, archive and restore (idempotent, exact inverse), delete (idempotent), and
 * "not found" answered as null — so a behaviour one target has and another lacks fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError } from "../../src/core/errors.js";
import { PROVISIONED_TYPES, type ProvisionedType } from "../../src/core/resources.js";
import type { Provider, ProviderContext, RemoteObject } from "../../src/engine/ports.js";
import { type Fixture, fixtures } from "./fixtures.js";
import { openTarget, type Target, type TargetName } from "./targets.js";

const STACK = "contract/dev";

/** What a diff-free comparison looks at: settings, user tags, marker, archive state. */
const essence = (o: RemoteObject) => ({
  type: o.type,
  remoteId: o.remoteId,
  name: o.name,
  properties: o.properties,
  tags: o.tags,
  ownership: o.ownership,
  archived: o.archived,
});

for (const targetName of ["cloud", "sandbox", "memory"] as TargetName[]) {
  describe(`provider contract on the ${targetName} target`, () => {
    let target: Target;
    beforeAll(async () => {
      target = await openTarget(targetName);
    });
    afterAll(async () => {
      await target?.close();
    });

    for (const type of PROVISIONED_TYPES) {
      it(`${type}: create, read back, update, revert, archive, restore, delete`, async () => {
        const all = fixtures(`${target.prefix}${type.replace(/_/g, "").slice(0, 6)}`);
        const f = all[type] as Fixture;
        const refs: Record<string, string> = {};
        const ctx: ProviderContext = {
          stackId: STACK,
          txId: "tx-c",
          actor: "contract@test",
          resolveRef: (a) => refs[a],
        };
        const p = (t: ProvisionedType) => target.registry.get(t) as Provider;
        for (const parent of f.parents) {
          const made = await p(parent.type).create(parent, ctx);
          refs[parent.address] = made.remoteId;
        }
        const provider = p(type);
        const d = f.desired;

        // nothing there yet; an id that never existed reads as null (never throws)
        expect(await provider.lookup(d, ctx)).toBeNull();

        // create: ours, active, and exactly what read and lookup return
        const created = await provider.create(d, ctx);
        refs[d.address] = created.remoteId;
        expect(created.ownership).toEqual({ stackId: STACK, address: d.address });
        expect(created.archived).toBe(false);
        const read = (await provider.read(created.remoteId, ctx)) as RemoteObject;
        expect(read).not.toBeNull();
        expect(essence(read)).toEqual(essence(created));
        const looked = (await provider.lookup(d, ctx)) as RemoteObject;
        expect(essence(looked)).toEqual(essence(created));
        expect(provider.diff(d, created)).toEqual([]);
        expect(provider.diff(d, read)).toEqual([]);

        // update one setting: diff names it, update applies exactly it
        const diff = provider.diff(f.changed, read);
        expect(diff.map((c) => c.field)).toContain(f.field);
        const updated = await provider.update(f.changed, read, ctx);
        expect(provider.diff(f.changed, updated)).toEqual([]);
        const reread = (await provider.read(created.remoteId, ctx)) as RemoteObject;
        expect(provider.diff(f.changed, reread)).toEqual([]);

        // revert to the snapshot taken before the update
        const reverted = await provider.revert(read, ctx);
        expect(provider.diff(d, reverted)).toEqual([]);
        expect(provider.diff(d, (await provider.read(created.remoteId, ctx)) as RemoteObject)).toEqual([]);

        // archive and restore: idempotent, and restore is archive's exact inverse
        const before = (await provider.read(created.remoteId, ctx)) as RemoteObject;
        const archived = await provider.archive(before, ctx);
        expect(archived.archived).toBe(true);
        expect(((await provider.read(created.remoteId, ctx)) as RemoteObject).archived).toBe(true);
        expect((await provider.archive(archived, ctx)).archived).toBe(true);
        const restored = await provider.restore(archived, ctx);
        expect(restored.archived).toBe(false);
        expect((await provider.restore(restored, ctx)).archived).toBe(false);
        const after = (await provider.read(created.remoteId, ctx)) as RemoteObject;
        // cluster state moves on by itself (terminated by archive): compare settings, not status
        expect(essence(after)).toEqual(essence(before));

        // delete, twice: the second is a no-op; afterwards nothing reads back
        await provider.delete(after, ctx, { force: true });
        await provider.delete(after, ctx, { force: true });
        expect(await provider.read(created.remoteId, ctx)).toBeNull();
        expect(await provider.lookup(d, ctx)).toBeNull();
        for (const parent of [...f.parents].reverse()) {
          const live = await p(parent.type).read(refs[parent.address] as string, ctx);
          if (live) await p(parent.type).delete(live, ctx, { force: true });
        }
      }, 60_000);
    }

    it("S3: a bucket's region cannot change; diff reports it and update refuses before changing anything", async () => {
      const f = fixtures(`${target.prefix}rg`).aws_s3_bucket;
      const ctx: ProviderContext = {
        stackId: STACK,
        txId: "tx-c",
        actor: "contract@test",
        resolveRef: () => undefined,
      };
      const provider = target.registry.get("aws_s3_bucket");
      const created = await provider.create(f.desired, ctx);
      const elsewhere = { ...f.desired, properties: { ...f.desired.properties, region: "eu-west-1" } };
      expect(provider.diff(elsewhere, created).map((c) => c.field)).toContain("region");
      const err = await provider.update(elsewhere, created, ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).category).toBe("invalid_input");
      expect(provider.diff(f.desired, (await provider.read(created.remoteId, ctx)) as RemoteObject)).toEqual(
        [],
      );
      await provider.delete(created, ctx, { force: true });
    });
  });
}
