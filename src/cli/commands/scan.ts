/**
 * `dpn scan`: read the live estate of a target back through the convention and report its
 * compliance (docs/scan.md). Read-only: no state is opened, the registry is opened read-only.
 */
import { createLogUpdate } from "log-update";
import { profilesOf, type Target } from "../../app/context.js";
import { parseType } from "../../app/resource-select.js";
import { scanLive } from "../../app/scan.js";
import { loadConvention } from "../../config/load-convention.js";
import type { ProvisionedType } from "../../core/resources.js";
import { planMigration } from "../../scan/migration.js";
import { writeMigration } from "../../scan/migration-files.js";
import { renderHtml } from "../../scan/report-html.js";
import { renderJson } from "../../scan/report-json.js";
import { renderJunit } from "../../scan/report-junit.js";
import { renderSarif } from "../../scan/report-sarif.js";
import { renderTable } from "../../scan/report-table.js";
import { failUnder, parseFailUnder } from "../../scan/score.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { writeNewFile } from "../files.js";
import { VERSION } from "../package-info.js";

export const SCAN_FORMATS = ["table", "json", "sarif", "junit", "html"] as const;

interface ScanOptions {
  target: Target;
  profile?: string;
  awsProfile?: string;
  databricksProfile?: string;
  region: string[];
  type: string[];
  project?: string;
  env?: string;
  include: string[];
  exclude: string[];
  format: (typeof SCAN_FORMATS)[number];
  json?: boolean;
  html?: string;
  all?: boolean;
  failUnder?: string;
  planMigration?: string;
  force?: boolean;
  valuesConfig?: string;
  patternsConfig?: string;
}

function typesOf(names: readonly string[]): ProvisionedType[] {
  return names.map((t) => parseType(t) as ProvisionedType);
}

/** A one-line live status on a TTY's stderr while the inventory is read; nothing otherwise. */
function scanProgress(ctx: CliContext, quiet: boolean) {
  if (!ctx.stderrTTY || quiet) return { update: () => {}, done: () => {} };
  const log = createLogUpdate(ctx.out.stderr as NodeJS.WriteStream, { showCursor: true });
  return {
    update: (p: { type: string; read: number; typesDone: number; types: number }) =>
      log(`scanning ${p.type}: ${p.read} read (${p.typesDone}/${p.types} types done)`),
    done: () => log.clear(),
  };
}

export async function scanCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as ScanOptions;
  const threshold = o.failUnder !== undefined ? parseFailUnder(o.failUnder) : undefined;
  const format = o.json ? "json" : o.format;
  const convention = loadConvention({
    cwd: ctx.cwd,
    valuesPath: o.valuesConfig,
    patternsPath: o.patternsConfig,
  });
  const progress = scanProgress(ctx, format !== "table");
  let result: Awaited<ReturnType<typeof scanLive>>;
  try {
    result = await scanLive(cliApp(ctx, o), {
      target: o.target,
      ...profilesOf(o),
      regions: o.region
        .flatMap((r) => r.split(","))
        .map((r) => r.trim())
        .filter((r) => r !== ""),
      convention,
      types: typesOf(o.type),
      ...(o.project ? { project: o.project } : {}),
      ...(o.env ? { environment: o.env } : {}),
      include: o.include,
      exclude: o.exclude,
      onProgress: progress.update,
    });
  } finally {
    progress.done();
  }
  const { report } = result;
  if (o.planMigration) {
    const written = writeMigration(planMigration(report, result.objects), o.planMigration, {
      overwrite: Boolean(o.force),
    });
    ctx.out.info(`wrote the migration plan: ${written.length} files under ${o.planMigration}`);
  }
  if (o.html) {
    // a report is rewritten on every run, as `> file` would
    writeNewFile(o.html, renderHtml(report), true, "HTML report", "write it elsewhere with --html <file>");
    ctx.out.info(`wrote ${o.html}`);
  }
  if (format === "json") ctx.out.resultJson(JSON.parse(renderJson(report)));
  else if (format === "sarif") ctx.out.result(renderSarif(report, { toolVersion: VERSION }).trimEnd());
  else if (format === "junit") ctx.out.result(renderJunit(report).trimEnd());
  else if (format === "html") ctx.out.result(renderHtml(report).trimEnd());
  else ctx.out.result(renderTable(report, { ...(o.all ? { all: true } : {}) }).trimEnd());
  if (result.filteredOut > 0) ctx.out.info(`${result.filteredOut} objects left out by --include / --exclude`);
  if (threshold === undefined) return 0;
  const decision = failUnder(report, threshold);
  if (decision.pass) ctx.out.info(decision.message);
  else ctx.out.warn(decision.message);
  return decision.exitCode;
}
