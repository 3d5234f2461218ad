/**
 * `aws_glue_database`: a Glue database, `resources.aws.glue_databases[]`, named from its domain
 * and layer. Glue tables reference it (`database_ref`) as "<domain>-<layer>" or by its name.
 */
import type { GlueDatabaseProps } from "../core/resources.js";
import { TYPE_TAGS } from "../naming/tags.js";
import { checkGlueDatabaseEntry } from "./glue-rules.js";
import { layerField, lifecycleField, nameField, tagsField } from "./kit/blueprint-fragments.js";
import { checkLayer } from "./kit/common-rules.js";
import { asString } from "./kit/entry-values.js";
import { definition, type Infer, obj, opt, str } from "./kit/schema-builder.js";
import { nullable } from "./kit/update-fragments.js";
import type { TypeSpec } from "./spec.js";

export const glueDatabaseEntry = definition(
  "glue_database",
  obj(
    {
      domain: nameField("Business domain; part of the name."),
      layer: layerField,
      description: opt(str({ description: "Database description (at most 2048 characters)." })),
      tags: tagsField,
      lifecycle: lifecycleField,
    },
    { description: 'A Glue database, referenced by glue tables as "<domain>-<layer>".' },
  ),
);
export type GlueDatabaseEntry = Infer<typeof glueDatabaseEntry.schema>;

const tags = TYPE_TAGS.aws_glue_database;

export const awsGlueDatabase: TypeSpec<"aws_glue_database", "aws"> = {
  type: "aws_glue_database",
  cloud: "aws",
  noun: tags.noun,
  namingType: "aws_glue_database",
  naturalKey: { unique: true },
  blueprint: {
    placement: { group: ["aws", "glue_databases"] },
    entry: glueDatabaseEntry,
    references: [],
    alias(e) {
      const d = asString(e.domain);
      const l = asString(e.layer);
      return d && l ? `${d}-${l}` : undefined;
    },
    properties(e, ctx) {
      const props: GlueDatabaseProps = { region: ctx.region, parameters: {} };
      if (typeof e.description === "string") props.description = e.description;
      return props;
    },
    check: (node, ctx) => [...checkLayer(node, ctx), ...checkGlueDatabaseEntry(node, ctx.source)],
  },
  update: {
    settings: {
      description: nullable({ type: "string", maxLength: 2048, description: "Database description." }, "it"),
      parameters: {
        type: "object",
        description: "Database parameters (replaces the whole map).",
        additionalProperties: { type: "string" },
      },
    },
    immutable: { region: "a Glue database cannot move to another region" },
    platformRenames: false,
  },
  tags,
  engine: { service: "glue", markerInCreate: true },
  manage: {
    desiredKeys: ["region", "description", "parameters"],
    dependsOn: () => [],
    idProperties: () => ({}),
  },
};
