/** JSON Schema of a saved plan (`dpn create --dry-run --out plan.json`), published as schemas/saved-plan.schema.json. */
const str = { type: "string" } as const;
const sha256 = { type: "string", pattern: "^[0-9a-f]{64}$" } as const;

export const savedPlanSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://dpn.dev/schemas/saved-plan.schema.json",
  title: "dpn saved plan",
  description:
    "What `dpn create --dry-run --out` planned: every operation with its before/after settings, the desired resources `dpn create --plan` applies, the hashes of the blueprint and convention it came from, the dpn version, target and stack, and a fingerprint of every live object and state row it was computed from. A digest over the document detects any edit. No credentials.",
  type: "object",
  additionalProperties: false,
  required: [
    "kind",
    "version",
    "plan_id",
    "created_at",
    "dpn_version",
    "target",
    "stack",
    "blueprint",
    "metadata",
    "convention_sha256",
    "prune",
    "force",
    "counts",
    "operations",
    "resources",
    "fingerprints",
    "digest",
  ],
  properties: {
    kind: { const: "dpn.saved-plan" },
    version: { const: 1 },
    plan_id: { ...str, description: "Unique per plan: a plan applies once." },
    created_at: { ...str, format: "date-time" },
    dpn_version: { ...str, description: "The dpn that made it; only the same version applies it." },
    target: { enum: ["cloud", "sandbox"] },
    stack: {
      type: "object",
      additionalProperties: false,
      required: ["id", "project", "environment"],
      properties: { id: str, project: str, environment: str },
    },
    blueprint: {
      type: "object",
      additionalProperties: false,
      required: ["file", "sha256"],
      properties: { file: str, sha256 },
    },
    metadata: { type: "object", additionalProperties: str, description: "The blueprint's metadata." },
    scope: {
      type: "object",
      additionalProperties: false,
      required: ["mode", "patterns"],
      properties: { mode: { enum: ["include", "exclude"] }, patterns: { type: "array", items: str } },
    },
    convention_sha256: sha256,
    prune: {
      enum: [null, "archive", "delete"],
      description:
        "What the apply does with the removals: archive (--prune), delete (--prune=delete), or null: they stay.",
    },
    force: {
      type: "boolean",
      description: "With prune delete: deletes take what the resources hold (--force).",
    },
    refresh: {
      enum: ["full", "quick"],
      description:
        "How the plan read the resources in state (--refresh); the apply reads them the same way. Absent: full.",
    },
    counts: {
      type: "object",
      additionalProperties: { type: "integer", minimum: 0 },
      required: ["create", "update", "adopt", "noop", "remove"],
    },
    operations: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["action", "type", "address", "changes"],
        properties: {
          action: { enum: ["create", "update", "adopt", "noop", "remove", "archive", "delete"] },
          type: str,
          address: str,
          changes: {
            type: "array",
            items: {
              type: "object",
              required: ["field"],
              properties: { field: str, before: {}, after: {} },
            },
          },
        },
      },
    },
    resources: {
      type: "array",
      description: "The desired resources, as dpn resolved the blueprint.",
      items: {
        type: "object",
        required: ["type", "address", "name", "fullName", "properties", "tags", "dependencies", "source"],
      },
    },
    fingerprints: {
      type: "object",
      additionalProperties: false,
      required: ["live", "state"],
      properties: {
        live: { type: "object", additionalProperties: { anyOf: [sha256, { type: "null" }] } },
        state: { type: "object", additionalProperties: sha256 },
      },
    },
    digest: { ...sha256, description: "sha256 over the canonical document without this field." },
  },
} as const;
