/**
 * Simulated Glue table: lives in a database (which must exist), names folded to lower case,
 * `AlreadyExistsException` on duplicates. Glue tables are not taggable, so — as on AWS — the
 * ownership/archive markers and user tags live in the table `Parameters`; `classification`
 * there is the data format. Every update archives a table version, as UpdateTable does.
 */
import type { Column, GlueTableProps } from "../../../core/resources.js";
import { compact, platformError, stringMap, type TypeModel } from "../type-model.js";
import { glueNameProblem } from "./glue-database.js";

interface GlueColumn {
  Name: string;
  Type: string;
  Comment?: string;
}

const toGlue = (cols: Column[] | undefined): GlueColumn[] =>
  (cols ?? []).map((c) => compact({ Name: c.name, Type: c.type, Comment: c.comment }));
const fromGlue = (cols: GlueColumn[] | undefined): Column[] =>
  (cols ?? []).map((c) => compact({ name: c.Name, type: c.Type, comment: c.Comment }));
const normalizeColumns = (cols: Column[] | undefined): Column[] =>
  (cols ?? []).map((c) => compact({ name: c.name, type: c.type, comment: c.comment }));

export const glueTableModel: TypeModel<"aws_glue_table"> = {
  type: "aws_glue_table",
  platform: "glue",
  noun: "Table",
  notFoundCode: "EntityNotFoundException",
  notFoundStatus: 400,
  changeable: ["columns", "partition_keys", "table_type", "format", "location", "description"],
  reservedTagKeys: ["classification", "EXTERNAL"],
  normalizeId: (id) => id.toLowerCase(),
  candidates(desired, store) {
    const o = store.get("aws_glue_table", `${desired.properties.database}.${desired.name}`.toLowerCase());
    return o ? [o] : [];
  },
  build(desired, _ctx, store, opts) {
    const p: GlueTableProps = desired.properties;
    const db = p.database.toLowerCase();
    const name = desired.name.toLowerCase();
    const problem = glueNameProblem(name);
    if (problem) {
      throw platformError(
        "invalid_input",
        "REMOTE_INVALID_INPUT",
        `Table name '${desired.name}' is not valid: it ${problem}.`,
        {
          platform: "glue",
          platformCode: "InvalidInputException",
          status: 400,
        },
      );
    }
    const parent = store.get("aws_glue_database", db);
    if (parent?.account !== "self") {
      throw platformError(
        "not_found",
        "REMOTE_PARENT_NOT_FOUND",
        `Database ${db} not found (needed by table ${db}.${name}).`,
        {
          platform: "glue",
          platformCode: "EntityNotFoundException",
          status: 400,
          hint: "Create the Glue database first.",
          details: { database: db, table: name },
        },
      );
    }
    const remoteId = `${db}.${name}`;
    if (store.get("aws_glue_table", remoteId)) {
      throw platformError("conflict", "REMOTE_ALREADY_EXISTS", `Table ${remoteId} already exists.`, {
        platform: "glue",
        platformCode: "AlreadyExistsException",
        status: 400,
        details: { database: db, table: name },
      });
    }
    const now = Math.floor(opts.now() / 1000);
    const data = compact({
      Name: name,
      DatabaseName: db,
      Region: p.region,
      Description: p.description,
      TableType: p.table_type,
      StorageDescriptor: compact({ Columns: toGlue(p.columns), Location: p.location }),
      PartitionKeys: toGlue(p.partition_keys),
      Parameters: { classification: p.format },
      CreateTime: now,
      UpdateTime: now,
      VersionId: "1",
    });
    return { remoteId, name, fullName: remoteId, parentType: "aws_glue_database", parentId: db, data };
  },
  markerBag: (d) => stringMap(d, "Parameters"),
  tagBag: (d) => stringMap(d, "Parameters"),
  toProperties(o) {
    const d = o.data;
    const sd = d.StorageDescriptor as { Columns?: GlueColumn[]; Location?: string };
    return compact({
      region: d.Region,
      database: d.DatabaseName,
      columns: fromGlue(sd.Columns),
      partition_keys: fromGlue(d.PartitionKeys as GlueColumn[]),
      table_type: d.TableType,
      format: (d.Parameters as Record<string, string>).classification,
      location: sd.Location,
      description: d.Description,
    });
  },
  desiredProperties(desired) {
    const p = desired.properties;
    return compact({
      region: p.region,
      database: p.database.toLowerCase(),
      columns: normalizeColumns(p.columns),
      partition_keys: normalizeColumns(p.partition_keys),
      table_type: p.table_type,
      format: p.format,
      location: p.location,
      description: p.description,
    });
  },
  applyField(o, field, value) {
    const d = o.data;
    const sd = d.StorageDescriptor as Record<string, unknown>;
    switch (field) {
      case "columns":
        sd.Columns = toGlue(value as Column[]);
        return;
      case "partition_keys":
        d.PartitionKeys = toGlue(value as Column[]);
        return;
      case "table_type":
        d.TableType = value;
        return;
      case "format":
        stringMap(d, "Parameters").classification = String(value);
        return;
      case "location":
        if (value === undefined || value === null) delete sd.Location;
        else sd.Location = value;
        return;
      case "description":
        if (value === undefined || value === null) delete d.Description;
        else d.Description = value;
        return;
    }
  },
  afterEdit(o, opts) {
    o.data.VersionId = String(Number(o.data.VersionId ?? "1") + 1);
    o.data.UpdateTime = Math.floor(opts.now() / 1000);
  },
};
