/**
 * The dev example blueprint as the lifecycle tests edit it: a fresh object each time (without its
 * `$schema`, a path into this checkout) and the usual edit (the silver Glue database and its table
 * taken out).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./cli.js";

// biome-ignore lint/suspicious/noExplicitAny: a blueprint document, edited freely by the tests
export type BlueprintDoc = Record<string, any>;

const DEV = join(REPO_ROOT, "examples/blueprints/dev.json");

/** A fresh copy of examples/blueprints/dev.json to edit. */
export function devBlueprint(): BlueprintDoc {
  const bp = JSON.parse(readFileSync(DEV, "utf8")) as BlueprintDoc;
  bp.$schema = undefined;
  return bp;
}

/** `bp` without the silver Glue database (`sales-silver`) and the table in it. */
export function withoutSilverGlue(bp: BlueprintDoc): BlueprintDoc {
  bp.resources.aws.glue_databases = bp.resources.aws.glue_databases.filter(
    (d: { layer: string }) => d.layer !== "silver",
  );
  bp.resources.aws.glue_tables = bp.resources.aws.glue_tables.filter(
    (t: { database_ref: string }) => t.database_ref !== "sales-silver",
  );
  return bp;
}
