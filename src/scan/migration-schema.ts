/**
 * JSON Schema (draft 2020-12) of `migration.json`, the document `planMigration` computes and a
 * later `dpn migrate` reads. Defined here, next to the types it describes; published as
 * `schemas/migration-plan.schema.json` through PUBLISHED_SCHEMAS in src/schema-catalog.ts.
 */

const str = { type: "string" } as const;
const strs = { type: "array", items: str } as const;
const objectRef = {
  type: "string",
  pattern: "^[a-z][a-z0-9_]*:.+$",
  description: "type:full_name of a scanned object.",
} as const;
const names = {
  type: "object",
  required: ["name", "full_name"],
  properties: { name: { type: "string", minLength: 1 }, full_name: { type: "string", minLength: 1 } },
  additionalProperties: false,
} as const;

export const migrationPlanSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "urn:data-platform-naming:schema:migration-plan",
  title: "dpn migration plan (migration.json)",
  description:
    "What `dpn scan --plan-migration` found to do: compliant objects to adopt with `dpn import`, noncompliant objects to rename (in place, or copy and archive where names are immutable) with what breaks, and objects a person must name.",
  type: "object",
  required: [
    "kind",
    "version",
    "generated_at",
    "filters",
    "summary",
    "blueprints",
    "adopt",
    "renames",
    "unresolved",
  ],
  properties: {
    kind: { const: "dpn.migration-plan" },
    version: { const: 1 },
    generated_at: { type: "string", format: "date-time", description: "When the scan ran (ISO-8601 UTC)." },
    filters: {
      type: "object",
      properties: { project: str, environment: str },
      additionalProperties: false,
    },
    summary: {
      type: "object",
      required: ["adopt", "rename_in_place", "copy_and_archive", "manual", "unresolved"],
      properties: {
        adopt: { type: "integer", minimum: 0 },
        rename_in_place: { type: "integer", minimum: 0 },
        copy_and_archive: { type: "integer", minimum: 0 },
        manual: { type: "integer", minimum: 0 },
        unresolved: { type: "integer", minimum: 0 },
      },
      additionalProperties: false,
    },
    blueprints: {
      type: "array",
      description: "Blueprint fragments written beside migration.json, one per stack.",
      items: {
        type: "object",
        required: ["file", "project", "environment", "resources", "notes"],
        properties: {
          file: { type: "string", pattern: "^blueprints/[^/]+\\.json$" },
          project: str,
          environment: str,
          resources: { type: "integer", minimum: 0 },
          notes: { ...strs, description: "What the fragment could not fill in from the scan." },
        },
        additionalProperties: false,
      },
    },
    adopt: {
      type: "array",
      items: {
        type: "object",
        required: ["object", "type", "name", "full_name", "stack", "address", "argv", "command"],
        properties: {
          object: objectRef,
          type: str,
          name: str,
          full_name: str,
          remote_id: str,
          stack: {
            type: "object",
            required: ["project", "environment"],
            properties: { project: str, environment: str },
            additionalProperties: false,
          },
          address: { type: "string", description: "The address dpn import gives the object." },
          blueprint: str,
          argv: { type: "array", items: str, minItems: 1, description: "The command as an argument vector." },
          command: { type: "string", description: "The same command, quoted for a POSIX shell." },
        },
        additionalProperties: false,
      },
    },
    renames: {
      type: "array",
      items: {
        type: "object",
        required: [
          "object",
          "type",
          "from",
          "to",
          "path",
          "operation",
          "steps",
          "breaks",
          "after",
          "reasons",
        ],
        properties: {
          object: objectRef,
          type: str,
          from: names,
          to: names,
          path: { enum: ["rename_in_place", "copy_and_archive", "manual"] },
          operation: {
            type: "object",
            required: ["kind"],
            properties: {
              kind: { enum: ["api", "sql", "steps"] },
              method: { enum: ["PATCH", "POST"] },
              endpoint: str,
              body: { type: "object" },
              statement: str,
            },
            additionalProperties: false,
          },
          steps: { ...strs, minItems: 1 },
          breaks: {
            type: "object",
            required: ["consumers", "notes"],
            properties: {
              consumers: {
                type: "array",
                items: {
                  type: "object",
                  required: ["object", "type", "full_name", "via", "detail"],
                  properties: {
                    object: objectRef,
                    type: str,
                    full_name: str,
                    via: { enum: ["child", "location", "reference"] },
                    detail: str,
                  },
                  additionalProperties: false,
                },
              },
              notes: strs,
            },
            additionalProperties: false,
          },
          after: { type: "array", items: objectRef, description: "Renames to carry out first." },
          reasons: { type: "array", items: { type: "string", pattern: "^DPN-[A-Z][0-9]{3}$" } },
        },
        additionalProperties: false,
      },
    },
    unresolved: {
      type: "array",
      items: {
        type: "object",
        required: ["object", "type", "full_name", "reason", "reasons"],
        properties: {
          object: objectRef,
          type: str,
          full_name: str,
          reason: str,
          reasons: strs,
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;
