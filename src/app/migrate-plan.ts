/**
 * Reading the `migration.json` a scan wrote (`dpn scan --plan-migration`) for `dpn migrate`:
 * the file, its JSON, and its schema (src/scan/migration-schema.ts), every problem at once.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { DpnError } from "../core/errors.js";
import { AJV_OPTIONS, type ValidateFn } from "../core/schema-validator.js";
import type { MigrationPlan } from "../scan/migration.js";
import { migrationPlanSchema } from "../scan/migration-schema.js";

const require = createRequire(import.meta.url);
let validator: ValidateFn | undefined;

function validate(): ValidateFn {
  if (!validator) {
    const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code } });
    ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
    validator = ajv.compile(migrationPlanSchema) as unknown as ValidateFn;
  }
  return validator;
}

const invalid = (file: string, problems: string[]) =>
  new DpnError(
    "validation",
    "MIGRATE_PLAN_INVALID",
    `${file} is not a migration plan: ${problems.length} problem(s): ${problems.join("; ")}`,
    {
      hint: "Pass the migration.json that `dpn scan --plan-migration <dir>` wrote (schemas/migration-plan.schema.json), unedited.",
      details: { file, problems },
    },
  );

/**
 * Read and check a migration plan. Throws DpnError usage `MIGRATE_PLAN_UNREADABLE` (exit 2)
 * when the file cannot be read, validation `MIGRATE_PLAN_INVALID` (exit 3) when it is not JSON,
 * breaks the schema (every problem listed, each with its JSON pointer), or orders a rename
 * before the container rename it must follow.
 */
export function loadMigrationPlan(file: string): MigrationPlan {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new DpnError(
      "usage",
      "MIGRATE_PLAN_UNREADABLE",
      `Cannot read the migration plan ${file}: ${(cause as Error).message}`,
      {
        hint: "Write one with `dpn scan --plan-migration <dir>` and pass <dir>/migration.json.",
        details: { file },
        cause,
      },
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid(file, [`not JSON (${(e as Error).message})`]);
  }
  const check = validate();
  if (!check(doc)) {
    const problems = (check.errors ?? []).map(
      (e) =>
        `${e.instancePath || "/"} ${e.message ?? e.keyword}${e.keyword === "enum" ? ` (${JSON.stringify(e.params.allowedValues)})` : ""}`,
    );
    throw invalid(file, [...new Set(problems)]);
  }
  const plan = doc as MigrationPlan;
  const problems: string[] = [];
  const seen = new Set<string>();
  plan.renames.forEach((r, i) => {
    for (const a of r.after)
      if (!seen.has(a)) problems.push(`/renames/${i} must come after ${a}, which is not an earlier rename`);
    seen.add(r.object);
  });
  if (problems.length) throw invalid(file, problems);
  return plan;
}
