/**
 * Schema fragments several type specs share in the blueprint: a naming field, the layer, extra
 * tags, a comment, and the `column` definition of Glue and Unity Catalog tables.
 */
import { bool, definition, type Infer, obj, opt, record, type Sch, str } from "./schema-builder.js";

/** Layers every convention accepts; a convention's values may add more (checked by each layered type). */
export const STANDARD_LAYERS = ["raw", "bronze", "silver", "gold", "processed", "curated"] as const;
export const TABLE_TYPES = ["fact", "dim", "bridge", "staging", "reference"] as const;

/** A required non-empty string that is part of the generated name. */
export const nameField = (description: string): Sch<string> => str({ minLength: 1, description });

export const layerField = str({
  minLength: 1,
  description: `Data layer: ${STANDARD_LAYERS.join(", ")}, or any layer the convention's values allow.`,
  examples: [...STANDARD_LAYERS],
});

export const tagsField = opt(
  record(str({ maxLength: 256 }), { description: "Extra tags, merged over the standard tags." }),
);

/** `lifecycle`: what dpn may do to the resource beyond creating and updating it. */
export const lifecycleField = opt(
  obj(
    {
      prevent_destroy: opt(
        bool({
          default: false,
          description:
            "Refuse dpn delete, create --prune and dpn destroy for this resource (exit 3). The state keeps the protection until a blueprint without it has been applied.",
        }),
      ),
    },
    { description: "What dpn may do to the resource beyond creating and updating it." },
  ),
);

export const commentField = (what: string) => opt(str({ description: `Comment on the ${what}.` }));

export const columnDefinition = definition(
  "column",
  obj(
    {
      name: nameField(
        "Column name. Glue: letters, digits and _ (lower case recommended), ≤255 bytes; Unity Catalog: none of space , ; { } ( ) = or control characters.",
      ),
      type: str({
        minLength: 1,
        description: "Column type (Hive/Athena types for Glue, Spark SQL types for Unity Catalog).",
      }),
      comment: opt(str({ description: "Column comment (Glue: at most 255 characters, one line)." })),
    },
    { description: "One column." },
  ),
);

export type BlueprintColumn = Infer<typeof columnDefinition.schema>;
