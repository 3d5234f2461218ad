/**
 * A volume's archive markers are two tag assignments, so a crash can leave one: archive and
 * restore must finish from there (found by the cloud kill-point proof: a resumed archive that
 * saw `dpn_archived_at` stopped, and the next restore left `dpn_archived_by` behind).
 */
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import { createDatabricksProviders } from "./index.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function volume() {
  const r = await fakeWithClient();
  fake = r.fake;
  const p = createDatabricksProviders(r.client, { pollMs: 5 });
  const c = ctx();
  await p.dbx_catalog.create(desired("dbx_catalog", "cat", {}), c);
  await p.dbx_schema.create(
    desired("dbx_schema", "sch", { catalog_name: "cat" }, { fullName: "cat.sch" }),
    c,
  );
  const v = await p.dbx_volume.create(
    desired(
      "dbx_volume",
      "vol",
      { catalog_name: "cat", schema_name: "sch", volume_type: "MANAGED" },
      { fullName: "cat.sch.vol" },
    ),
    c,
  );
  const tags = () => Object.fromEntries(r.fake.state.tags.get("volumes/cat.sch.vol") ?? []);
  return { p, c, v, tags, fake: r.fake };
}

describe("volume archive markers are finished from any prefix", () => {
  it("archive completes a half-written archive and keeps its time", async () => {
    const { p, c, v, tags, fake } = await volume();
    fake.state.tags.get("volumes/cat.sch.vol")?.set("dpn_archived_at", "2026-01-01T00:00:00.000Z");
    const out = await p.dbx_volume.archive(v, c);
    expect(out.archived).toBe(true);
    expect(tags().dpn_archived_at).toBe("2026-01-01T00:00:00.000Z");
    expect(tags().dpn_archived_by).toBeDefined();
  });

  it("restore removes a marker left by a half-done restore", async () => {
    const { p, c, v, tags, fake } = await volume();
    fake.state.tags.get("volumes/cat.sch.vol")?.set("dpn_archived_by", "someone");
    await p.dbx_volume.restore(v, c);
    expect(tags().dpn_archived_by).toBeUndefined();
    expect(tags().dpn_archived_at).toBeUndefined();
  });
});
