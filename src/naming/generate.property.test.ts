import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import { createBuiltInConvention } from "./built-ins.js";
import { generateName } from "./generate.js";
import { validateName } from "./rules.js";
import type { NameRequest } from "./types.js";

// Words a person would type: letters/digits separated by "-", "_" or a space, any case.
const word = fc
  .tuple(
    fc.array(fc.stringMatching(/^[A-Za-z0-9]{1,5}$/), { minLength: 1, maxLength: 3 }),
    fc.constantFrom("-", "_", " "),
  )
  .map(([parts, sep]) => parts.join(sep))
  // Reserved prefixes are rejected on purpose (tested elsewhere); keep them out of "sane" input.
  .filter((w) => !/^(sys|databricks|sthree|amzn|xn)/i.test(w) && !/^information/i.test(w));

const env = fc.constantFrom("dev", "stg", "prd");
const region = fc.constantFrom(
  "us-east-1",
  "eu-west-1",
  "ap-south-1",
  "ap-southeast-2",
  "us-gov-west-1",
  "cn-north-1",
);

const requests = fc
  .record({ project: word, a: word, b: word, env, region })
  .map(({ project, a, b, env, region }) => {
    const metadata = { project, environment: env, region };
    const reqs: NameRequest[] = [
      { type: "aws_s3_bucket", resource: { purpose: a, layer: b }, metadata },
      { type: "aws_glue_database", resource: { domain: a, layer: b }, metadata },
      { type: "aws_glue_table", resource: { entity: a, table_type: b }, metadata },
      { type: "dbx_catalog", resource: { catalog_type: a }, metadata },
      { type: "dbx_schema", resource: { domain: a, layer: b }, metadata },
      { type: "dbx_table", resource: { entity: a, table_type: b }, metadata },
      { type: "dbx_volume", resource: { purpose: a, data_type: b }, metadata },
    ];
    return reqs;
  });

describe("generateName properties", () => {
  it("is deterministic: same inputs, same name (also with a fresh convention)", () => {
    fc.assert(
      fc.property(requests, (reqs) => {
        for (const r of reqs) {
          const a = generateName(createBuiltInConvention(), r).name;
          const b = generateName(createBuiltInConvention(), structuredClone(r)).name;
          expect(b).toBe(a);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("every generated S3, Glue and UC name from ordinary values passes validateName", () => {
    const conv = createBuiltInConvention();
    fc.assert(
      fc.property(requests, (reqs) => {
        for (const r of reqs) {
          const { name } = generateName(conv, r);
          const errors = validateName(r.type, name, conv).filter((p) => p.severity !== "warning");
          expect(errors, `${r.type} ${name}`).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("with arbitrary values, either returns a valid name or throws a validation DpnError", () => {
    const conv = createBuiltInConvention();
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), env, (a, b, e) => {
        for (const type of ["aws_s3_bucket", "aws_glue_database", "dbx_catalog", "dbx_schema", "dbx_table"]) {
          const r: NameRequest = {
            type,
            resource: { purpose: a, layer: b, domain: a, catalog_type: b, entity: a },
            metadata: { project: "dp", environment: e, region: "us-east-1" },
          };
          try {
            const { name } = generateName(conv, r);
            expect(validateName(type, name, conv).filter((p) => p.severity !== "warning")).toEqual([]);
          } catch (err) {
            expect(err).toBeInstanceOf(DpnError);
            expect((err as DpnError).kind).toBe("validation");
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("truncate: hash always fits the limit, stays valid, and distinct long inputs never collide", () => {
    const conv = createBuiltInConvention();
    conv.patterns.aws_s3_bucket = { template: conv.patterns.aws_s3_bucket!.template, truncate: "hash" };
    conv.patterns.dbx_table = { template: "{table_type}_{entity}", truncate: "hash", max_length: 40 };
    const longWord = fc.stringMatching(/^[a-z0-9]{30,90}$/);
    fc.assert(
      fc.property(fc.uniqueArray(longWord, { minLength: 2, maxLength: 8 }), (purposes) => {
        const s3 = new Set<string>();
        const uc = new Set<string>();
        for (const p of purposes) {
          const meta = { project: "dataplatform", environment: "prd", region: "eu-west-1" };
          const a = generateName(conv, {
            type: "aws_s3_bucket",
            resource: { purpose: p, layer: "bronze" },
            metadata: meta,
          });
          expect(a.name.length).toBeLessThanOrEqual(63);
          expect(a.name).toMatch(/-prd-euw1(-[0-9a-f]{8})?$/);
          expect(validateName("aws_s3_bucket", a.name, conv).filter((x) => x.severity !== "warning")).toEqual(
            [],
          );
          s3.add(a.name);
          const b = generateName(conv, { type: "dbx_table", resource: { entity: p }, metadata: meta });
          expect(b.name.length).toBeLessThanOrEqual(40);
          uc.add(b.name);
        }
        expect(s3.size).toBe(purposes.length);
        expect(uc.size).toBe(purposes.length);
      }),
      { numRuns: 200 },
    );
  });
});
