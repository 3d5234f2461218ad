/**
 * Simulated Glue database: names folded to lower case, `AlreadyExistsException` on duplicates,
 * tags (databases are taggable) carrying the ownership and archive markers. Unlike real Glue,
 * which orphans the tables of a deleted database, the sandbox refuses to delete a database that
 * holds tables unless forced — the behaviour dpn's providers promise.
 */
import type { GlueDatabaseProps } from "../../../core/resources.js";
import { compact, platformError, stringMap, type TypeModel } from "../type-model.js";

/** Why `name` is not a valid Glue name (1–255 characters, one line), or undefined. */
export function glueNameProblem(name: string): string | undefined {
  if (name.length < 1 || name.length > 255) return "must be 1 to 255 characters long";
  if (/[\r\n]/.test(name)) return "must be a single line";
  return undefined;
}

export const glueDatabaseModel: TypeModel<"aws_glue_database"> = {
  type: "aws_glue_database",
  platform: "glue",
  noun: "Database",
  notFoundCode: "EntityNotFoundException",
  notFoundStatus: 400,
  maxTags: 50,
  changeable: ["description", "parameters"],
  normalizeId: (id) => id.toLowerCase(),
  candidates(desired, store) {
    const o = store.get("aws_glue_database", desired.name.toLowerCase());
    return o ? [o] : [];
  },
  build(desired, _ctx, store, opts) {
    const name = desired.name.toLowerCase();
    const p: GlueDatabaseProps = desired.properties;
    const problem = glueNameProblem(name);
    if (problem) {
      throw platformError(
        "invalid_input",
        "REMOTE_INVALID_INPUT",
        `Database name '${desired.name}' is not valid: it ${problem}.`,
        {
          platform: "glue",
          platformCode: "InvalidInputException",
          status: 400,
        },
      );
    }
    if (store.get("aws_glue_database", name)) {
      throw platformError("conflict", "REMOTE_ALREADY_EXISTS", `Database ${name} already exists.`, {
        platform: "glue",
        platformCode: "AlreadyExistsException",
        status: 400,
        details: { database: name },
      });
    }
    const data = compact({
      Name: name,
      Region: p.region,
      Description: p.description,
      Parameters: { ...(p.parameters ?? {}) },
      CreateTime: Math.floor(opts.now() / 1000),
      Tags: {},
    });
    return { remoteId: name, name, fullName: name, parentType: null, parentId: null, data };
  },
  markerBag: (d) => stringMap(d, "Tags"),
  tagBag: (d) => stringMap(d, "Tags"),
  toProperties(o) {
    const d = o.data;
    return compact({ region: d.Region, description: d.Description, parameters: d.Parameters ?? {} });
  },
  desiredProperties(desired) {
    const p = desired.properties;
    return compact({ region: p.region, description: p.description, parameters: p.parameters ?? {} });
  },
  applyField(o, field, value) {
    // UpdateDatabase replaces the whole DatabaseInput: the other fields are carried over as read
    if (field === "description") {
      if (value === undefined || value === null) delete o.data.Description;
      else o.data.Description = value;
    } else if (field === "parameters") {
      o.data.Parameters = { ...((value as Record<string, string> | undefined) ?? {}) };
    }
  },
  notEmpty(o, store) {
    const count = store.children("aws_glue_database", o.remoteId).length;
    return count > 0 ? { count, what: "tables", platformCode: "DatabaseNotEmpty" } : undefined;
  },
  childTypes: ["aws_glue_table"],
};
