/**
 * `dbx_volume`: a Unity Catalog volume, listed in its schema's `volumes`, named from its data type
 * and purpose; full name `<catalog>.<schema>.<volume>`. Volumes have no properties, so dpn's
 * markers are tag assignments made after the create.
 */
import type { VolumeProps } from "../core/resources.js";
import { TYPE_TAGS } from "../naming/tags.js";
import { commentField, lifecycleField, nameField, tagsField } from "./kit/blueprint-fragments.js";
import { asString } from "./kit/entry-values.js";
import { at, err } from "./kit/located.js";
import { bucketOfLocation, fullNameIs, lower } from "./kit/row-matchers.js";
import { definition, type Infer, obj, oneOfStrings, opt, str } from "./kit/schema-builder.js";
import { updateComment } from "./kit/update-fragments.js";
import type { TypeSpec } from "./spec.js";

export const volumeEntry = definition(
  "volume",
  obj(
    {
      purpose: nameField("What the volume holds; part of the name."),
      data_type: opt(str({ minLength: 1, default: "raw", description: "Kind of data; part of the name." })),
      volume_type: opt(oneOfStrings(["MANAGED", "EXTERNAL"], { default: "MANAGED" })),
      storage_location: opt(
        str({ minLength: 1, description: "Required for EXTERNAL volumes, refused for MANAGED." }),
      ),
      comment: commentField("volume"),
      tags: tagsField,
      lifecycle: lifecycleField,
    },
    { description: "A Unity Catalog volume." },
  ),
);
export type VolumeEntry = Infer<typeof volumeEntry.schema>;

const tags = TYPE_TAGS.dbx_volume;

export const dbxVolume: TypeSpec<"dbx_volume", "databricks"> = {
  type: "dbx_volume",
  cloud: "databricks",
  noun: tags.noun,
  namingType: "dbx_volume",
  naturalKey: { unique: true },
  blueprint: {
    placement: { parent: "dbx_schema", key: "volumes" },
    entry: volumeEntry,
    references: [],
    properties(e, ctx) {
      const props: VolumeProps = {
        catalog_name: ctx.parents[0] as string,
        schema_name: ctx.parents[1] as string,
        volume_type: e.volume_type === "EXTERNAL" ? "EXTERNAL" : "MANAGED",
      };
      if (props.volume_type === "EXTERNAL" && typeof e.storage_location === "string")
        props.storage_location = e.storage_location;
      if (typeof e.comment === "string") props.comment = e.comment;
      return props;
    },
    check(node, ctx) {
      const e = node.entry;
      const vt = asString(e.volume_type) ?? "MANAGED";
      if (vt === "EXTERNAL" && !asString(e.storage_location)) {
        return [
          err({
            code: "BLUEPRINT_STORAGE_LOCATION_REQUIRED",
            message: `EXTERNAL volume ${node.path} has no storage_location`,
            ...at(ctx.source, [...node.segments, "volume_type"]),
            hint: "Add storage_location (an s3:// path under an external location), or make the volume MANAGED.",
          }),
        ];
      }
      if (vt === "MANAGED" && e.storage_location !== undefined) {
        return [
          err({
            code: "BLUEPRINT_STORAGE_LOCATION_FORBIDDEN",
            message: `MANAGED volume ${node.path} sets storage_location, which Unity Catalog refuses for managed volumes`,
            ...at(ctx.source, [...node.segments, "storage_location"]),
            hint: 'Remove storage_location, or set "volume_type": "EXTERNAL".',
          }),
        ];
      }
      return [];
    },
  },
  update: {
    settings: { comment: updateComment },
    immutable: {
      catalog_name: "a volume cannot move to another catalog",
      schema_name: "a volume cannot move to another schema",
      volume_type: "the volume type is fixed at creation",
      storage_location: "an external volume's location is fixed at creation",
    },
    platformRenames: true,
  },
  tags,
  engine: { service: "unity-catalog", markerInCreate: false },
  manage: {
    desiredKeys: ["catalog_name", "schema_name", "volume_type", "storage_location", "comment"],
    dependsOn: (row) => [
      ...fullNameIs(
        "dbx_schema",
        `${lower(row.properties.catalog_name)}.${lower(row.properties.schema_name)}`,
      ),
      ...bucketOfLocation(row.properties.storage_location),
    ],
    idProperties: (parts) => ({
      catalog_name: parts.length > 2 ? (parts[0] as string) : "",
      schema_name: parts.length > 2 ? (parts[1] as string) : "",
    }),
  },
};
