/**
 * JSON Schema fragments the type specs' `dpn update` settings share (plain JSON Schema: the
 * update schemas are written by hand, not inferred, because they describe changes, not entries).
 */
import type { JsonSchema } from "./schema-builder.js";

/** A non-empty string setting. */
export const updateString = (description: string, extra: Record<string, unknown> = {}): JsonSchema => ({
  type: "string",
  minLength: 1,
  description,
  ...extra,
});

/** A setting that `null` removes. */
export const nullable = (schema: Record<string, unknown>, what: string): JsonSchema => ({
  anyOf: [schema, { type: "null", description: `null removes ${what}` }],
  description: `${String(schema.description ?? "")} null removes it.`.trim(),
});

/** One Glue column in update form. */
export const updateColumn: JsonSchema = {
  type: "object",
  required: ["name", "type"],
  additionalProperties: false,
  properties: {
    name: updateString("Column name."),
    type: updateString("Column type (Hive/Athena types for Glue)."),
    comment: { type: "string", description: "Column comment." },
  },
};

/** The comment of a Unity Catalog object. */
export const updateComment: JsonSchema = nullable(
  { type: "string", maxLength: 1024, description: "The comment." },
  "the comment",
);
