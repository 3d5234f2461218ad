/**
 * Item 9: jobs/get (API 2.2) returns array properties 100 at a time with `next_page_token` on the
 * Job (databricks-sdk-go service/jobs/ext_api.go `JobsAPI.Get`); every read follows the pages, so a
 * reset never truncates tasks or job clusters. Read-only settings (`format`) are not echoed back.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ctx, desired, fakeWithClient } from "../../../test/fakes/databricks/harness.js";
import type { DatabricksFake } from "../../../test/fakes/databricks/server.js";
import type { ClusterProps, JobProps } from "../../core/resources.js";
import { createDatabricksProviders } from "./index.js";

let fake: DatabricksFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const clusterProps: ClusterProps = {
  spark_version: "15.4.x-scala2.12",
  node_type_id: "i3.xlarge",
  num_workers: 1,
  autotermination_minutes: 30,
  cluster_type: "shared",
  data_security_mode: "USER_ISOLATION",
};

const tasks = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    task_key: `t${String(i).padStart(3, "0")}`,
    notebook_task: { notebook_path: `/x/${i}` },
  }));

async function setup() {
  const r = await fakeWithClient();
  fake = r.fake;
  const p = createDatabricksProviders(r.client, { pollMs: 5 });
  const cl = await p.dbx_cluster.create(desired("dbx_cluster", "etl", clusterProps), ctx());
  return { fake: r.fake, client: r.client, p, c: ctx({ "dbx_cluster.etl": cl.remoteId }) };
}

const resetBodies = (f: DatabricksFake) =>
  f.log
    .filter((r) => r.path === "/api/2.2/jobs/reset")
    .map((r) => (r.body as { new_settings: Record<string, unknown> }).new_settings);

describe("jobs/get paging", () => {
  it("the fake pages tasks at 100 with next_page_token, later pages carry the rest", async () => {
    const { fake, client, p, c } = await setup();
    const job = await p.dbx_job.create(
      desired("dbx_job", "big", {
        cluster_ref: "dbx_cluster.etl",
        tasks: tasks(250),
        max_concurrent_runs: 1,
      }),
      c,
    );
    const page1 = await client.request<{ settings: { tasks: unknown[] }; next_page_token?: string }>(
      "GET",
      "/api/2.2/jobs/get",
      { query: { job_id: job.remoteId } },
    );
    expect(page1.settings.tasks).toHaveLength(100);
    expect(page1.next_page_token).toBeTruthy();
    const page3 = await client.request<{
      settings: { tasks: { task_key: string }[] };
      next_page_token?: string;
    }>("GET", "/api/2.2/jobs/get", { query: { job_id: job.remoteId, page_token: "200" } });
    expect(page3.settings.tasks.map((t) => t.task_key)).toEqual(
      tasks(250)
        .slice(200)
        .map((t) => t.task_key),
    );
    expect(page3.next_page_token).toBeUndefined();
    expect(fake.state.jobs.get(job.remoteId)?.settings.tasks).toHaveLength(250);
  });

  it("read merges every page; an update resets with all 250 tasks", async () => {
    const { fake, p, c } = await setup();
    const d = desired("dbx_job", "big", {
      cluster_ref: "dbx_cluster.etl",
      tasks: tasks(250),
      max_concurrent_runs: 1,
    } satisfies JobProps);
    const created = await p.dbx_job.create(d, c);
    const read = (await p.dbx_job.read(created.remoteId, c))!;
    expect((read.properties.tasks as unknown[]).length).toBe(250);
    expect(p.dbx_job.diff(d, read)).toEqual([]);
    expect(
      fake.log.filter((r) => r.path === "/api/2.2/jobs/get" && r.query.job_id === created.remoteId).length,
    ).toBe(3);

    const d2 = { ...d, properties: { ...d.properties, max_concurrent_runs: 2 } };
    await p.dbx_job.update(d2, read, c);
    const [body] = resetBodies(fake);
    expect(body?.tasks).toHaveLength(250);
    expect(fake.state.jobs.get(created.remoteId)?.settings.tasks).toHaveLength(250);
    expect(fake.state.jobs.get(created.remoteId)?.settings.max_concurrent_runs).toBe(2);
  });

  it("archive/restore keep job_clusters and tasks beyond the first page; `format` is never sent", async () => {
    const { fake, client, p, c } = await setup();
    const jobClusters = Array.from({ length: 130 }, (_, i) => ({
      job_cluster_key: `jc${i}`,
      new_cluster: { spark_version: "15.4.x-scala2.12", node_type_id: "i3.xlarge", num_workers: 1 },
    }));
    const res = await client.request<{ job_id: string }>("POST", "/api/2.2/jobs/create", {
      body: {
        name: "wide",
        job_clusters: jobClusters,
        tasks: tasks(120).map((t, i) => ({ ...t, job_cluster_key: `jc${i}` })),
        schedule: { quartz_cron_expression: "0 0 2 * * ?", timezone_id: "UTC", pause_status: "UNPAUSED" },
        tags: { dpn_stack: "stack-1", dpn_address: "dbx_job.wide" },
      },
    });
    const id = String(res.job_id);
    const live = (await p.dbx_job.read(id, c))!;
    const archived = await p.dbx_job.archive(live, c);
    await p.dbx_job.restore(archived, c);
    const stored = fake.state.jobs.get(id)?.settings;
    expect(stored?.job_clusters).toHaveLength(130);
    expect(stored?.tasks).toHaveLength(120);
    const bodies = resetBodies(fake);
    expect(bodies).toHaveLength(2);
    for (const b of bodies) {
      expect(b).not.toHaveProperty("format");
      expect((b.job_clusters as unknown[]).length).toBe(130);
      expect((b.tasks as unknown[]).length).toBe(120);
    }
  });
});
