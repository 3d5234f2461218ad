/**
 * `dbx_catalog`: a Unity Catalog catalog, `resources.databricks.unity_catalog.catalogs[]`, named
 * from its catalog type; holds the blueprint's `schemas`.
 */
import type { CatalogProps } from "../core/resources.js";
import { TYPE_TAGS } from "../naming/tags.js";
import { ucSchemaEntry } from "./dbx-schema.js";
import { commentField, lifecycleField, nameField, tagsField } from "./kit/blueprint-fragments.js";
import { bucketOfLocation } from "./kit/row-matchers.js";
import { arr, definition, type Infer, obj, opt, ref, str } from "./kit/schema-builder.js";
import { updateComment } from "./kit/update-fragments.js";
import type { TypeSpec } from "./spec.js";

export const catalogEntry = definition(
  "catalog",
  obj(
    {
      catalog_type: nameField("Kind of catalog (main, dev, sandbox, …); part of the name."),
      schemas: arr(ref(ucSchemaEntry)),
      storage_root: opt(str({ minLength: 1, description: "Managed storage location (s3://…)." })),
      comment: commentField("catalog"),
      tags: tagsField,
      lifecycle: lifecycleField,
    },
    { description: "A Unity Catalog catalog." },
  ),
);
export type CatalogEntry = Infer<typeof catalogEntry.schema>;

const tags = TYPE_TAGS.dbx_catalog;

export const dbxCatalog: TypeSpec<"dbx_catalog", "databricks"> = {
  type: "dbx_catalog",
  cloud: "databricks",
  noun: tags.noun,
  namingType: "dbx_catalog",
  naturalKey: { unique: true },
  blueprint: {
    placement: { group: ["databricks", "unity_catalog", "catalogs"] },
    entry: catalogEntry,
    references: [],
    properties(e) {
      const props: CatalogProps = {};
      if (typeof e.comment === "string") props.comment = e.comment;
      if (typeof e.storage_root === "string") props.storage_root = e.storage_root;
      return props;
    },
    check: () => [],
  },
  update: {
    settings: { comment: updateComment },
    immutable: { storage_root: "Unity Catalog cannot change a catalog's storage root" },
    platformRenames: true,
  },
  tags,
  engine: { service: "unity-catalog", markerInCreate: true },
  manage: {
    desiredKeys: ["comment", "storage_root"],
    dependsOn: (row) => bucketOfLocation(row.properties.storage_root),
    idProperties: () => ({}),
  },
};
