/**
 * Item 1: UC entity tag assignments on the wire. The SDKs send the assignment itself as the HTTP
 * body of create (POST) and update (PATCH, `update_mask` in the query): databricks-sdk-go
 * service/catalog/impl.go `entityTagAssignmentsImpl.Create/Update` pass `request.TagAssignment`
 * as the body; databricks-sdk-py `EntityTagAssignmentsAPI.create` sends `tag_assignment.as_dict()`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import { DatabricksCallError } from "./client.js";
import { createDatabricksProviders } from "./index.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup() {
  const r = await fakeWithClient();
  fake = r.fake;
  const p = createDatabricksProviders(r.client, { pollMs: 5 });
  const c = ctx();
  await p.dbx_catalog.create(desired("dbx_catalog", "cat", {}), c);
  await p.dbx_schema.create(desired("dbx_schema", "sch", { catalog_name: "cat" }), c);
  return { fake: r.fake, client: r.client, p, c };
}

const volume = (tags: Record<string, string>) =>
  desired(
    "dbx_volume",
    "landing",
    { catalog_name: "cat", schema_name: "sch", volume_type: "MANAGED" },
    { tags, fullName: "cat.sch.landing" },
  );

describe("UC entity tag assignments", () => {
  it("create sends the assignment itself as the body (entity type `volumes`)", async () => {
    const { fake, p, c } = await setup();
    await p.dbx_volume.create(volume({ env: "dev" }), c);
    const posts = fake.log.filter(
      (r) => r.method === "POST" && r.path === "/api/2.1/unity-catalog/entity-tag-assignments",
    );
    expect(posts.length).toBe(3); // env + the two ownership markers
    for (const r of posts) {
      expect(r.status).toBe(200);
      const body = r.body as Record<string, unknown>;
      expect(body).not.toHaveProperty("tag_assignment");
      expect(body).toMatchObject({ entity_type: "volumes", entity_name: "cat.sch.landing" });
      expect(typeof body.tag_key).toBe("string");
    }
    expect(posts.map((r) => (r.body as { tag_key: string }).tag_key).sort()).toEqual([
      "dpn_address",
      "dpn_stack",
      "env",
    ]);
  });

  it("the fake refuses the wrapped form like the service (no entity_type / tag_key → 400)", async () => {
    const { client } = await setup();
    await createDatabricksProviders(client).dbx_volume.create(volume({}), ctx());
    const err: DatabricksCallError = await client
      .request<never>("POST", "/api/2.1/unity-catalog/entity-tag-assignments", {
        body: {
          tag_assignment: {
            entity_type: "volumes",
            entity_name: "cat.sch.landing",
            tag_key: "k",
            tag_value: "v",
          },
        },
      })
      .catch((e: unknown) => e as DatabricksCallError);
    expect(err).toBeInstanceOf(DatabricksCallError);
    expect(err).toMatchObject({ category: "invalid_input", outcome: "not_applied" });
    expect(err.api.status).toBe(400);
  });

  it("a changed tag value is a PATCH of the assignment with update_mask=tag_value", async () => {
    const { fake, p, c } = await setup();
    const created = await p.dbx_volume.create(volume({ env: "dev" }), c);
    await p.dbx_volume.update(volume({ env: "prd" }), created, c);
    const patch = fake.log.find(
      (r) => r.method === "PATCH" && r.path.startsWith("/api/2.1/unity-catalog/entity-tag-assignments/"),
    );
    expect(patch?.path).toBe(
      "/api/2.1/unity-catalog/entity-tag-assignments/volumes/cat.sch.landing/tags/env",
    );
    expect(patch?.query).toEqual({ update_mask: "tag_value" });
    expect(patch?.body).toEqual({
      entity_type: "volumes",
      entity_name: "cat.sch.landing",
      tag_key: "env",
      tag_value: "prd",
    });
    expect(patch?.status).toBe(200);
    expect(fake.state.tags.get("volumes/cat.sch.landing")?.get("env")).toBe("prd");
  });
});
