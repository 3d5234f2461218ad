/**
 * `dbx_schema`: a Unity Catalog schema, listed in its catalog's `schemas`, named from its domain
 * and layer; full name `<catalog>.<schema>`. Holds the `tables` and `volumes` of the blueprint.
 */
import type { SchemaProps } from "../core/resources.js";
import { TYPE_TAGS } from "../naming/tags.js";
import { ucTableEntry } from "./dbx-table.js";
import { volumeEntry } from "./dbx-volume.js";
import { commentField, layerField, lifecycleField, nameField, tagsField } from "./kit/blueprint-fragments.js";
import { checkLayer } from "./kit/common-rules.js";
import { fullNameIs, lower } from "./kit/row-matchers.js";
import { arr, definition, type Infer, obj, opt, ref } from "./kit/schema-builder.js";
import { updateComment } from "./kit/update-fragments.js";
import type { TypeSpec } from "./spec.js";

export const ucSchemaEntry = definition(
  "uc_schema",
  obj(
    {
      domain: nameField("Business domain; part of the name."),
      layer: layerField,
      tables: opt(arr(ref(ucTableEntry))),
      volumes: opt(arr(ref(volumeEntry))),
      comment: commentField("schema"),
      tags: tagsField,
      lifecycle: lifecycleField,
    },
    { description: "A Unity Catalog schema." },
  ),
);
export type UcSchemaEntry = Infer<typeof ucSchemaEntry.schema>;

const tags = TYPE_TAGS.dbx_schema;

export const dbxSchema: TypeSpec<"dbx_schema", "databricks"> = {
  type: "dbx_schema",
  cloud: "databricks",
  noun: tags.noun,
  namingType: "dbx_schema",
  naturalKey: { unique: true },
  blueprint: {
    placement: { parent: "dbx_catalog", key: "schemas" },
    entry: ucSchemaEntry,
    references: [],
    properties(e, ctx) {
      const props: SchemaProps = { catalog_name: ctx.parents[0] as string };
      if (typeof e.comment === "string") props.comment = e.comment;
      return props;
    },
    check: (node, ctx) => checkLayer(node, ctx),
  },
  update: {
    settings: { comment: updateComment },
    immutable: { catalog_name: "a schema cannot move to another catalog" },
    platformRenames: true,
  },
  tags,
  engine: { service: "unity-catalog", markerInCreate: true },
  manage: {
    desiredKeys: ["catalog_name", "comment"],
    dependsOn: (row) => fullNameIs("dbx_catalog", lower(row.properties.catalog_name)),
    idProperties: (parts) => ({ catalog_name: parts.length > 1 ? (parts[0] as string) : "" }),
  },
};
