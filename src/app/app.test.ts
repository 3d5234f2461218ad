/**
 * The use cases as a library caller sees them: no CLI, a context from `appContext`, a confirm
 * function answering in code. The whole workflow on the sandbox — plan, create, read, archive,
 * restore, update, status, recover, history — with typed results.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadResolvedBlueprint } from "../blueprint/validate.js";
import { appContext } from "../compose/compose.js";
import { loadConvention } from "../config/load-convention.js";
import type { ConfirmRequest } from "./context.js";
import { createStack, planStack } from "./create-stack.js";
import { auditTrail, listTransactions } from "./history.js";
import { recoverStack } from "./recover-stack.js";
import { deleteResource, readResource, restoreResource, updateResource } from "./resources.js";
import { stackStatus } from "./status.js";

const BLUEPRINT = join(import.meta.dirname, "../../examples/blueprints/dev.json");

function setup(answer: "yes" | "no" = "yes") {
  const home = mkdtempSync(join(tmpdir(), "dpn-app-"));
  const asked: ConfirmRequest["kind"][] = [];
  const app = appContext(
    { cwd: home, env: { DPN_HOME: home } },
    {
      command: "app.test",
      confirm: async (req) => {
        asked.push(req.kind);
        if (answer === "no") throw Object.assign(new Error("no"), { code: "ABORTED_BY_USER" });
      },
    },
  );
  const resolved = loadResolvedBlueprint(BLUEPRINT, loadConvention({ cwd: home }));
  return { app, asked, resolved, home };
}

describe("use cases from the library", () => {
  it("plans read-only, creates after asking, and a second create has nothing to do", async () => {
    const { app, asked, resolved } = setup();
    const planned = await planStack(app, { resolved, target: "sandbox" });
    expect(planned.plan.counts.create).toBe(resolved.resources.length);
    expect(await listTransactions(app, {})).toEqual([]); // the plan wrote nothing

    const r = await createStack(app, { resolved, target: "sandbox" });
    expect(r.kind).toBe("applied");
    if (r.kind !== "applied") return;
    expect(r.tx.outcome).toBe("committed");
    expect(asked).toEqual(["apply-plan"]);
    const again = await createStack(app, { resolved, target: "sandbox" });
    expect(again.kind).toBe("no-changes");
    expect(asked).toEqual(["apply-plan"]); // nothing to ask about
  });

  it("a refusal changes nothing", async () => {
    const { app, resolved } = setup("no");
    await expect(createStack(app, { resolved, target: "sandbox" })).rejects.toMatchObject({
      code: "ABORTED_BY_USER",
    });
    const status = await stackStatus(app, { target: "sandbox", drift: false });
    expect(status.rows).toEqual([]);
    expect(status.unfinished).toEqual([]);
  });

  it("reads, archives, restores, updates; status, recover and the audit trail agree", async () => {
    const { app, asked, resolved } = setup();
    await createStack(app, { resolved, target: "sandbox" });
    const bucket = resolved.resources.find((d) => d.type === "aws_s3_bucket")?.address as string;

    const read = await readResource(app, { target: "sandbox", resourceId: bucket });
    expect(read.drift).toEqual([]);
    expect(read.live?.remoteId).toBe(read.row.remoteId);

    const archived = await deleteResource(app, { target: "sandbox", resourceId: bucket, archive: true });
    expect(archived.tx.outcome).toBe("committed");
    expect((await readResource(app, { target: "sandbox", resourceId: bucket })).row.status).toBe("archived");
    const restored = await restoreResource(app, { target: "sandbox", resourceId: bucket });
    expect(restored.kind).toBe("restored");
    const again = await restoreResource(app, { target: "sandbox", resourceId: bucket });
    expect(again.kind).toBe("not-archived");

    const updated = await updateResource(app, {
      target: "sandbox",
      resourceId: bucket,
      params: () => ({ lifecycle_days: 45 }),
    });
    expect(updated.kind).toBe("applied");
    expect(updated.changes.map((c) => c.field)).toEqual(["lifecycle_days"]);
    expect(asked).toEqual(["apply-plan", "update-resource"]);

    const status = await stackStatus(app, { target: "sandbox" });
    expect(status.drifted).toEqual([]);
    expect(status.unfinished).toEqual([]);
    expect(await recoverStack(app, { target: "sandbox" })).toMatchObject({ kind: "nothing" });
    const events = (await auditTrail(app, {})).map((e) => e.event);
    expect(events.filter((e) => e === "tx.finished")).toHaveLength(4);
  });
});
