import { profilesOf } from "../../app/context.js";
import { parseType } from "../../app/resource-select.js";
import { importResource } from "../../app/resources.js";
import { loadConvention } from "../../config/load-convention.js";
import { usageError } from "../../core/errors.js";
import { cliApp } from "../app-context.js";
import type { CliContext } from "../context.js";
import { formatProblem } from "../output.js";
import { progressFor } from "./create.js";
import { type ManageOptions, reportResult, selectorOf } from "./manage.js";

interface ImportOptions extends ManageOptions {
  allowNoncompliant?: boolean;
  valuesConfig?: string;
  patternsConfig?: string;
  dryRun?: boolean;
}

/**
 * `dpn import --type T --resource-id <remote name or id>`: adopt an object that exists remotely
 * into the stack's state, stamping dpn's ownership markers (provider.adopt; rolled back if the
 * step fails). The name is checked against the naming rules first: a non-compliant name is
 * refused (NAME_NONCOMPLIANT, exit 3) unless `--allow-noncompliant`, and then reported.
 */
export async function importCommand(ctx: CliContext, opts: unknown): Promise<number> {
  const o = opts as ImportOptions;
  const type = parseType(o.type);
  if (!type)
    throw usageError("TYPE_REQUIRED", "dpn import needs --type", {
      hint: "for example --type aws_s3_bucket",
    });
  const convention = loadConvention({
    cwd: ctx.cwd,
    valuesPath: o.valuesConfig,
    patternsPath: o.patternsConfig,
  });
  const progress = progressFor(ctx);
  try {
    const { resourceId: _r, ...sel } = selectorOf(o);
    const r = await importResource(cliApp(ctx, o, progress.reporter), {
      ...sel,
      target: o.target,
      ...profilesOf(o),
      type,
      resourceId: o.resourceId ?? "",
      convention,
      ...(o.allowNoncompliant ? { allowNoncompliant: true } : {}),
      lockTimeoutMs: (o.lockTimeout ?? 0) * 1000,
      ...(o.dryRun ? { dryRun: true } : {}),
    });
    const compliant = r.problems.length === 0;
    if (r.tx === undefined) {
      const doc = {
        dry_run: true,
        action: "adopt",
        stack_id: r.stack.id,
        address: r.address,
        remote_id: r.live.remoteId,
        compliant,
        problems: r.problems,
      };
      if (o.json) ctx.out.resultJson(doc);
      else {
        ctx.out.result(
          `would import ${type} ${r.live.fullName} as ${r.address} into stack ${r.stack.id}, stamping dpn's ownership markers${compliant ? "" : " (name NOT compliant)"}`,
        );
        for (const p of r.problems) ctx.out.stderr.write(`${formatProblem(p, ctx.out.c)}\n`);
        ctx.out.info("dry run: nothing was changed");
      }
      return 0;
    }
    if (r.tx.outcome === "committed" && !compliant && !o.json) {
      ctx.out.warn("imported with a name that breaks the naming rules (--allow-noncompliant):");
      for (const p of r.problems) ctx.out.stderr.write(`${formatProblem(p, ctx.out.c)}\n`);
    }
    return reportResult(
      ctx,
      o,
      r.tx,
      `Imported ${type} ${r.live.fullName} as ${r.address} into stack ${r.stack.id} in transaction ${r.tx.txId}${compliant ? "" : " (name NOT compliant)"}.`,
      { address: r.address, remote_id: r.live.remoteId, compliant, problems: r.problems },
    );
  } finally {
    progress.done();
  }
}
