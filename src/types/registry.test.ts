/**
 * The registry is complete and consistent with everything that registers per type: the blueprint
 * schema, the services' rates, the engine's claim rule, the cloud providers and the sandbox
 * models. Iterates PROVISIONED_TYPES, so a new type is checked without touching this file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blueprintSchema } from "../blueprint/schema.js";
import { PROVISIONED_TYPES } from "../core/resources.js";
import { defaultRateLimits } from "../engine/rate-limiter.js";
import { BUILT_IN_TEMPLATES } from "../naming/built-ins.js";
import { TYPE_TAGS } from "../naming/tags.js";
import { createAwsProviders } from "../providers/aws/aws-providers.js";
import { createDatabricksProviders, databricksClientFromEnv } from "../providers/databricks/index.js";
import { SANDBOX_MODELS } from "../providers/sandbox/sandbox-provider.js";
import type { JsonSchema } from "./kit/schema-builder.js";
import { cloudOf, serviceOf, specOf, TYPE_SPECS } from "./registry.js";
import { defaultServiceRates, SERVICES } from "./services.js";

const defs = blueprintSchema.$defs as Record<string, JsonSchema>;
const refTo = (name: string) => ({ $ref: `#/$defs/${name}` });
const arrayOf = (name: string) => expect.objectContaining({ type: "array", items: refTo(name) });

describe("the type registry", () => {
  it("has exactly one spec per provisioned type, under its own key, in PROVISIONED_TYPES order", () => {
    expect(Object.keys(TYPE_SPECS)).toEqual([...PROVISIONED_TYPES]);
    for (const t of PROVISIONED_TYPES) expect(specOf(t).type).toBe(t);
  });

  it("publishes every spec's entry schema and helper definitions in the blueprint schema, once each", () => {
    const names: string[] = [];
    for (const t of PROVISIONED_TYPES) {
      const b = specOf(t).blueprint;
      for (const d of [...(b.definitions ?? []), b.entry]) {
        expect(defs[d.name], `${t}: $defs.${d.name}`).toEqual(d.schema.schema);
        names.push(d.name);
      }
    }
    expect(new Set(names).size).toBe(names.length);
    // every $ref of the published schema names a definition it has
    const refs = JSON.stringify(blueprintSchema).match(/"#\/\$defs\/[^"]+"/g) ?? [];
    for (const r of refs) expect(defs[r.slice(9, -1)], r).toBeDefined();
  });

  it("places every type once: a group list under resources, or a list in its parent's entry schema", () => {
    const resources = (blueprintSchema.properties as Record<string, JsonSchema>).resources as JsonSchema;
    for (const t of PROVISIONED_TYPES) {
      const { placement, entry } = specOf(t).blueprint;
      if ("group" in placement) {
        let node: JsonSchema = resources;
        for (const seg of placement.group)
          node = (node.properties as Record<string, JsonSchema>)[seg] as JsonSchema;
        expect(node, `${t} at resources.${placement.group.join(".")}`).toEqual(arrayOf(entry.name));
      } else {
        const parent = specOf(placement.parent).blueprint.entry.schema.schema;
        expect(
          (parent.properties as Record<string, unknown>)[placement.key],
          `${t} in ${placement.parent}`,
        ).toEqual(arrayOf(entry.name));
        // a nested type is qualified by its parent, never by a reference as well
        expect(specOf(t).blueprint.references.some((r) => r.qualifies)).toBe(false);
      }
    }
  });

  it("declares references to provisioned types, at most one qualifying reference per type", () => {
    for (const t of PROVISIONED_TYPES) {
      const refs = specOf(t).blueprint.references;
      expect(refs.filter((r) => r.qualifies).length, t).toBeLessThanOrEqual(1);
      for (const r of refs) {
        expect(PROVISIONED_TYPES, `${t}.${r.field}`).toContain(r.target);
        const props = specOf(t).blueprint.entry.schema.schema.properties as Record<string, unknown>;
        expect(props[r.field], `${t}.${r.field} is an entry field`).toBeDefined();
      }
    }
  });

  it("gives every spec's service a default rate, on the spec's cloud, equal to the engine's defaults", () => {
    for (const t of PROVISIONED_TYPES) {
      const service = specOf(t).engine.service;
      expect(SERVICES[service], `${t}: ${service}`).toBeDefined();
      expect(SERVICES[service].cloud, `${t}: ${service}`).toBe(specOf(t).cloud);
      expect(defaultServiceRates()[service]?.perSecond).toBeGreaterThan(0);
    }
    expect(defaultServiceRates()).toEqual(defaultRateLimits("cloud"));
  });

  it("says a create cannot carry the marker for exactly S3 buckets and UC volumes (the claim rule's types)", () => {
    expect(PROVISIONED_TYPES.filter((t) => !specOf(t).engine.markerInCreate)).toEqual([
      "aws_s3_bucket",
      "dbx_volume",
    ]);
  });

  it("names a naming type with a built-in template, and exposes its row of the tag table", () => {
    for (const t of PROVISIONED_TYPES) {
      expect(BUILT_IN_TEMPLATES[specOf(t).namingType], t).toBeDefined();
      expect(specOf(t).tags, t).toBe(TYPE_TAGS[t]);
    }
  });

  it("updates only settings of the desired vocabulary, never one it calls immutable", () => {
    for (const t of PROVISIONED_TYPES) {
      const { update, manage } = specOf(t);
      const desired = new Set<string>(manage.desiredKeys);
      const settings = Object.keys(update.settings);
      const immutable = Object.keys(update.immutable);
      expect(settings.length, t).toBeGreaterThan(0);
      for (const k of [...settings, ...immutable]) expect(desired, `${t}.${k}`).toContain(k);
      for (const k of settings) expect(immutable, `${t}.${k}`).not.toContain(k);
    }
  });
});

describe("what registers per type agrees with the specs", () => {
  it("has one AWS and one Databricks provider per type of that cloud, each on its spec's service", () => {
    const aws = createAwsProviders({ env: {} });
    const client = databricksClientFromEnv({
      env: { DATABRICKS_HOST: "http://127.0.0.1:9", DATABRICKS_TOKEN: "dapi-test" },
      homeDir: "/nonexistent",
    });
    const dbx = createDatabricksProviders(client);
    const byCloud = { aws, databricks: dbx } as Record<
      string,
      Record<string, { type: string; service: string }>
    >;
    for (const cloud of ["aws", "databricks"] as const) {
      const providers = byCloud[cloud] as Record<string, { type: string; service: string }>;
      expect(Object.keys(providers).sort()).toEqual(
        PROVISIONED_TYPES.filter((t) => cloudOf(t) === cloud).sort(),
      );
      for (const [t, p] of Object.entries(providers)) {
        expect(p.type).toBe(t);
        expect(p.service, t).toBe(serviceOf(p.type as never));
      }
    }
  });

  it("has a sandbox model per type that simulates its cloud and can change every update setting", () => {
    for (const t of PROVISIONED_TYPES) {
      const model = SANDBOX_MODELS[t];
      const spec = specOf(t);
      expect(model.type).toBe(t);
      expect(model.platform === "databricks" ? "databricks" : "aws", t).toBe(spec.cloud);
      for (const k of Object.keys(spec.update.settings)) expect(model.changeable, `${t}.${k}`).toContain(k);
    }
  });
});

describe("src/types dependencies", () => {
  it("imports only core/, naming/ and itself: never blueprint/, engine/, providers/ or cli/", () => {
    const dir = new URL(".", import.meta.url).pathname;
    const files = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory()
          ? files(join(d, e.name))
          : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")
            ? [join(d, e.name)]
            : [],
      );
    const bad: string[] = [];
    for (const f of files(dir)) {
      // static imports and re-exports (`from "…"`), side-effect imports and dynamic import()
      for (const m of readFileSync(f, "utf8").matchAll(/(?:\bfrom|^import|\bimport\()\s*"([^"]+)"/gm)) {
        const target = join(f, "..", m[1] as string);
        if (!target.startsWith(dir) && !/\/src\/(core|naming)\//.test(target)) bad.push(`${f}: ${m[1]}`);
      }
    }
    expect(files(dir).length).toBeGreaterThan(9);
    expect(bad).toEqual([]);
  });
});
