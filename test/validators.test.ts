import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { blueprintSchema } from "../src/blueprint/schema.js";
import { AJV_OPTIONS, type ValidateFn } from "../src/core/schema-validator.js";

// The build generates standalone validators (dist/generated/validators.cjs); they must judge
// every fixture exactly like validators compiled from the schema at run time.
const require = createRequire(import.meta.url);

describe("build-time validators", () => {
  it("agree with run-time compiled ones on every blueprint fixture and example", () => {
    const generated = require("../dist/generated/validators.cjs") as Record<string, ValidateFn>;
    const runtime = new Ajv2020({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code } }).compile(blueprintSchema);
    const dirs = ["../test/fixtures/blueprints/", "../examples/blueprints/"];
    let checked = 0;
    for (const dir of dirs) {
      for (const f of readdirSync(new URL(dir, import.meta.url)).filter((x) => x.endsWith(".json"))) {
        let data: unknown;
        try {
          data = JSON.parse(readFileSync(new URL(dir + f, import.meta.url), "utf8"));
        } catch {
          continue; // syntax-error fixtures never reach the schema
        }
        const a = generated.blueprint!(data);
        const b = runtime(data);
        expect(a, f).toBe(b);
        const strip = (errs: unknown) => JSON.stringify(errs ?? null);
        expect(strip(generated.blueprint!.errors), f).toBe(strip(runtime.errors));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5);
  });
});
