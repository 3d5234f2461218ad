import { loadBlueprint } from "../../blueprint/load.js";
import { loadConvention } from "../../config/load-convention.js";
import { type Problem, usageError, validationError } from "../../core/errors.js";
import type { StateStore } from "../../engine/ports.js";
import { conventionConformance } from "../../naming/conformance.js";
import { regionShort } from "../../naming/regions.js";
import { validateName } from "../../naming/rules.js";
import { stackRegion } from "../compose.js";
import type { CliContext } from "../context.js";
import { formatProblem } from "../output.js";
import { parseType } from "../resource-select.js";
import { selectStack } from "../stack-select.js";
import {
  auditEvent,
  desiredFromObject,
  findRemote,
  type ManageOptions,
  openSession,
  readContext,
  reportResult,
  runOperation,
  underLock,
} from "./manage.js";

interface ImportOptions extends ManageOptions {
  allowNoncompliant?: boolean;
  valuesConfig?: string;
  patternsConfig?: string;
}

/** The stack to import into: a named stack is created when the state does not have it yet. */
function importStack(store: StateStore, o: ImportOptions) {
  let project = o.project;
  let env = o.env;
  if (o.blueprint) {
    const meta = ((loadBlueprint(o.blueprint).data as { metadata?: Record<string, unknown> }).metadata ??
      {}) as Record<string, unknown>;
    project = String(meta.project ?? "");
    env = String(meta.environment ?? "");
  }
  if (project && env && !store.getStack(project, env)) return store.ensureStack(project, env);
  return selectStack(store, o);
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
  const id = o.resourceId ?? "";
  const conv = loadConvention({ cwd: ctx.cwd, valuesPath: o.valuesConfig, patternsPath: o.patternsConfig });
  const session = await openSession(ctx, o, { readonly: false, stack: (s) => importStack(s, o) });
  try {
    const { store, stack } = session;
    const registry = await session.registry();
    await registry.preflight([type]);
    const live = await findRemote(registry, type, id, readContext(session));
    if (!live) {
      throw validationError("RESOURCE_NOT_FOUND", `no ${type} '${id}' exists remotely (target ${o.target})`, {
        hint:
          type === "dbx_cluster" || type === "dbx_job"
            ? `Pass the ${type === "dbx_cluster" ? "cluster_id" : "job_id"} (names are not unique on Databricks).`
            : "Pass the remote name or id: bucket name, Glue `db` or `db.table`, or the Unity Catalog full name `catalog.schema.name`.",
        details: { type, id },
      });
    }
    const rows = store.listResources(stack.id);
    const managed = rows.find((r) => r.type === type && r.remoteId === live.remoteId);
    if (managed) {
      throw validationError(
        "RESOURCE_ALREADY_MANAGED",
        `${type} ${live.fullName} is already managed by stack ${stack.id} as ${managed.address}`,
        {
          hint: `See it with \`dpn read --resource-id ${managed.address}\`.`,
          details: { address: managed.address },
        },
      );
    }
    const address = `${type}.${live.fullName}`;
    if (rows.some((r) => r.address === address)) {
      throw validationError(
        "ADDRESS_IN_USE",
        `address ${address} is already used by another resource of stack ${stack.id}`,
        {
          hint: "delete or rename the existing resource first",
        },
      );
    }
    const problems: Problem[] = validateName(type, live.name, conv).filter((p) => p.severity !== "warning");
    // a name can pass every platform rule and still not be one this stack's convention produces
    const region =
      typeof live.properties.region === "string" ? live.properties.region : stackRegion(store, stack.id);
    const known: Record<string, string> = { project: stack.project, environment: stack.environment };
    if (region) {
      try {
        known.region_short = regionShort(region, conv);
      } catch {
        // an unknown region leaves region_short unchecked; the platform rules still apply
      }
    }
    const shape = conventionConformance(conv, type, live.name, known);
    if (shape) problems.push(shape);
    if (problems.length > 0 && !o.allowNoncompliant) {
      auditEvent(ctx, session, "import.refused", address, "refused", {
        reason: "noncompliant_name",
        problems,
      });
      throw validationError(
        "NAME_NONCOMPLIANT",
        `the name '${live.name}' of ${type} ${live.fullName} breaks ${problems.length} naming rule${problems.length === 1 ? "" : "s"}`,
        {
          problems,
          hint: "import it anyway with --allow-noncompliant (it is then reported as non-compliant), or rename it on the platform first",
          details: { type, name: live.name },
        },
      );
    }
    const desired = desiredFromObject(address, live, rows);
    return await underLock(session, o, async () => {
      const result = await runOperation(ctx, session, o, {
        action: "adopt",
        desired,
        params: { remoteId: live.remoteId },
      });
      const compliant = problems.length === 0;
      if (result.outcome === "committed" && !compliant) {
        auditEvent(ctx, session, "import.noncompliant", address, "ok", { name: live.name, problems });
        if (!o.json) {
          ctx.out.warn(`imported with a name that breaks the naming rules (--allow-noncompliant):`);
          for (const p of problems) ctx.out.stderr.write(`${formatProblem(p, ctx.out.c)}\n`);
        }
      }
      return reportResult(
        ctx,
        o,
        result,
        `Imported ${type} ${live.fullName} as ${address} into stack ${stack.id} in transaction ${result.txId}${compliant ? "" : " (name NOT compliant)"}.`,
        { address, remote_id: live.remoteId, compliant, problems },
      );
    });
  } finally {
    await session.close();
  }
}
