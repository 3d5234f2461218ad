/**
 * A job's `schedule: {cron, timezone}` at plan-validate time: the cron is parsed as Quartz, the
 * timezone checked against Intl.supportedValuesOf("timeZone") plus UTC, each problem located and
 * naming the value (exit 3 through BLUEPRINT_INVALID); and a cron job's missing `schedule` name
 * value has a hint whose every step, applied, validates.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtInConvention, loadConvention } from "../config/load-convention.js";
import type { DpnError } from "../core/errors.js";
import type { Convention } from "../naming/types.js";
import { parseBlueprint } from "./load.js";
import { resolveBlueprint } from "./resolve.js";
import { assertResolved } from "./validate.js";

const META = { environment: "dev", project: "dataplatform", region: "us-east-1" };

function blueprint(schedule: unknown): string {
  return JSON.stringify(
    {
      version: "1.0",
      metadata: META,
      resources: {
        databricks: {
          clusters: [
            { workload: "etl", cluster_type: "job", node_type: "i3.xlarge", single_user_name: "etl-sp" },
          ],
          jobs: [{ job_type: "batch", purpose: "load", cluster_ref: "etl", schedule }],
        },
      },
    },
    null,
    2,
  );
}

/** A convention that names cron jobs (so only the schedule rules speak). */
function naming(): Convention {
  const c = builtInConvention();
  c.resource_types.dbx_job = { schedule: "nightly" };
  return c;
}

const resolve = (schedule: unknown, conv: Convention = naming(), overrides?: Record<string, string>) =>
  resolveBlueprint(parseBlueprint(blueprint(schedule), "bp.json"), conv, overrides ? { overrides } : {});

describe("job schedules at plan-validate time", () => {
  it("accepts a Quartz cron with a known time zone and sends it as the Jobs API schedule", () => {
    const r = resolve({ cron: "0 30 2 ? * MON-FRI", timezone: "Europe/Paris" });
    expect(r.problems).toEqual([]);
    expect(r.resources.find((x) => x.type === "dbx_job")?.properties).toMatchObject({
      schedule: { quartz_cron_expression: "0 30 2 ? * MON-FRI", timezone_id: "Europe/Paris" },
    });
    expect(resolve({ cron: "0 0 * * * ?", timezone: "UTC" }).problems).toEqual([]);
  });

  it("refuses a cron Quartz would refuse, at the cron, naming it (exit 3)", () => {
    const r = resolve({ cron: "0 0 * * * *", timezone: "UTC" });
    expect(r.problems).toEqual([
      expect.objectContaining({
        code: "BLUEPRINT_SCHEDULE_CRON_INVALID",
        path: "$.resources.databricks.jobs[0].schedule.cron",
        severity: "error",
        line: expect.any(Number),
        column: expect.any(Number),
      }),
    ]);
    expect(r.problems[0]?.message).toContain('cron "0 0 * * * *"');
    expect(r.problems[0]?.message).toContain("needs '?' in day-of-month or in day-of-week");
    expect(r.problems[0]?.hint).toContain("0 30 2 * * ?");
    // the hint's example validates
    expect(resolve({ cron: "0 30 2 * * ?" }).problems).toEqual([]);
    let thrown: DpnError | undefined;
    try {
      assertResolved(r);
    } catch (e) {
      thrown = e as DpnError;
    }
    expect(thrown).toMatchObject({ code: "BLUEPRINT_INVALID", exitCode: 3 });
    expect(resolve({ cron: "0 61 2 * * ?" }).problems[0]?.message).toContain(
      "minutes 61 is out of range 0-59",
    );
  });

  it.each([
    ["Europe/Pariss", "Europe/Paris"],
    ["US/Eastern", "America/New_York"],
    ["europe/paris", "Europe/Paris"],
  ])("refuses timezone %s and suggests %s, which validates", (tz, suggested) => {
    const r = resolve({ cron: "0 30 2 * * ?", timezone: tz });
    expect(r.problems).toEqual([
      expect.objectContaining({
        code: "BLUEPRINT_SCHEDULE_TIMEZONE_UNKNOWN",
        path: "$.resources.databricks.jobs[0].schedule.timezone",
      }),
    ]);
    expect(r.problems[0]?.message).toContain(`timezone ${JSON.stringify(tz)} is not a known time zone id`);
    const hint = r.problems[0]?.hint ?? "";
    expect(hint.match(/^Use "([^"]+)"/)?.[1]).toBe(suggested);
    expect(resolve({ cron: "0 30 2 * * ?", timezone: suggested }).problems).toEqual([]);
  });

  it("refuses a made-up timezone with a hint naming real ids", () => {
    const [p] = resolve({ cron: "0 30 2 * * ?", timezone: "Mars/Olympus_Mons" }).problems;
    expect(p?.code).toBe("BLUEPRINT_SCHEDULE_TIMEZONE_UNKNOWN");
    expect(p?.hint).toMatch(
      /^Time zone ids are IANA names .* such as UTC, Europe\/Paris or America\/New_York\.$/,
    );
  });

  it("a cron job's missing schedule name value has a hint whose every step validates", () => {
    const cron = { cron: "0 30 2 * * ?", timezone: "UTC" };
    const [p] = resolve(cron, builtInConvention()).problems;
    expect(p?.code).toBe("MISSING_VARIABLE");
    expect(p?.hint).toContain("schedule is an object here");
    expect(p?.hint).toContain("resource_types.dbx_job.schedule in .dpn/naming-values.yaml");
    expect(p?.hint).toContain("--override schedule=<value>");
    expect(p?.hint).toContain("({-schedule?}) in the dbx_job pattern of .dpn/naming-patterns.yaml");

    // 1. resource_types.dbx_job.schedule, from a real file that config validation accepts
    const a = mkdtempSync(join(tmpdir(), "dpn-sched-"));
    mkdirSync(join(a, ".dpn"));
    writeFileSync(
      join(a, ".dpn", "naming-values.yaml"),
      'version: "1.0"\nresource_types:\n  dbx_job:\n    schedule: nightly\n',
    );
    const viaValues = resolve(cron, loadConvention({ cwd: a }));
    expect(viaValues.problems).toEqual([]);
    expect(viaValues.resources.find((x) => x.type === "dbx_job")?.name).toBe(
      "dataplatform-batch-load-nightly-dev",
    );
    // 2. --override schedule=<value>
    expect(resolve(cron, builtInConvention(), { schedule: "nightly" }).problems).toEqual([]);
    // 3. the optional segment in the pattern file
    const b = mkdtempSync(join(tmpdir(), "dpn-sched-"));
    mkdirSync(join(b, ".dpn"));
    writeFileSync(
      join(b, ".dpn", "naming-patterns.yaml"),
      'version: "1.0"\npatterns:\n  dbx_job: "{project}-{job_type}-{purpose}{-schedule?}-{environment}"\n',
    );
    const viaPattern = resolve(cron, loadConvention({ cwd: b }));
    expect(viaPattern.problems).toEqual([]);
    expect(viaPattern.resources.find((x) => x.type === "dbx_job")?.name).toBe("dataplatform-batch-load-dev");
  });
});
