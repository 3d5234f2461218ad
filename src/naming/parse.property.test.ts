import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtInConvention, loadConvention } from "../config/load-convention.js";
import { LAYERS } from "../config/schemas.js";
import { DpnError } from "../core/errors.js";
import { ENVIRONMENTS } from "../core/resources.js";
import { BUILT_IN_TYPES } from "./built-ins.js";
import { generateName } from "./generate.js";
import { type ParseResult, parseName } from "./parse.js";
import { parseTemplate } from "./template.js";
import type { Convention, NameResult } from "./types.js";

const customDir = fileURLToPath(new URL("../../test/fixtures/scan/conventions/custom", import.meta.url));
const builtIn = builtInConvention();
const custom = loadConvention({ cwd: customDir });
const CUSTOM_TYPES = ["aws_s3_bucket", "dbx_job", "dbx_schema", "dbx_cluster", "dbx_table", "app_service"];

// Reserved prefixes are refused by the rules on purpose (tested elsewhere).
const sane = (w: string) => !/^(sys|databricks|sthree|amzn|xn|information|builtin|session|default$)/i.test(w);
/** One token: what a value without separators looks like. */
const token = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).filter(sane);
/** Words a person would type: tokens joined by "-", "_" or " ", any case. */
const word = fc
  .tuple(
    fc.array(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,5}$/), { minLength: 1, maxLength: 3 }),
    fc.constantFrom("-", "_", " "),
  )
  .map(([parts, sep]) => parts.join(sep))
  .filter(sane);
const env = fc.constantFrom(...ENVIRONMENTS);
const layer = fc.constantFrom(...LAYERS);
const region = fc.constantFrom(
  "us-east-1",
  "eu-west-1",
  "ap-south-1",
  "ap-southeast-2",
  "us-gov-west-1",
  "cn-north-1",
  "eu-north-1",
);

interface Case {
  type: string;
  project: string;
  environment: string;
  region: string;
  resource: Record<string, string>;
}

/** A request for `type` with a value for every template variable (optional ones sometimes). */
function caseFor(conv: Convention, type: string, value: fc.Arbitrary<string>): fc.Arbitrary<Case> {
  const t = parseTemplate(conv.patterns[type]!.template);
  const fields: Record<string, fc.Arbitrary<string | undefined>> = {};
  for (const v of t.variables) {
    if (v === "project" || v === "environment" || v === "region_short" || v === "region") continue;
    const base = v === "layer" ? layer : value;
    fields[v] = t.required.includes(v) ? base : fc.option(base, { nil: undefined });
  }
  return fc.record({ project: value, environment: env, region, resource: fc.record(fields) }).map((r) => ({
    type,
    project: r.project,
    environment: r.environment,
    region: r.region,
    resource: Object.fromEntries(Object.entries(r.resource).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >,
  }));
}

/** Generate, or undefined when the convention refuses the values (reserved or over-long names). */
function generate(conv: Convention, c: Case): NameResult | undefined {
  try {
    return generateName(conv, {
      type: c.type,
      metadata: { project: c.project, environment: c.environment, region: c.region },
      resource: c.resource,
    });
  } catch (e) {
    if (e instanceof DpnError && e.kind === "validation") return undefined;
    throw e;
  }
}

const components = (g: NameResult) => Object.fromEntries(g.variables.map((v) => [v.name, v.value]));
const inTemplate = (conv: Convention, type: string, values: Record<string, string>) => {
  const vars = parseTemplate(conv.patterns[type]!.template).variables;
  return Object.fromEntries(Object.entries(values).filter(([k]) => vars.includes(k)));
};
const has = (r: ParseResult, values: Record<string, string>) =>
  r.readings.some((x) => JSON.stringify(sorted(x.values)) === JSON.stringify(sorted(values)));
const sorted = (o: Record<string, string>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

function roundTrip(
  conv: Convention,
  types: readonly string[],
  value: fc.Arbitrary<string>,
  unique: boolean,
  runs: number,
) {
  for (const type of types) {
    fc.assert(
      fc.property(caseFor(conv, type, value), (c) => {
        const g = generate(conv, c);
        fc.pre(g !== undefined);
        const want = inTemplate(conv, type, components(g!));
        const r = parseName(conv, type, g!.name, { expected: { project: c.project }, maxReadings: 256 });
        expect(r.ok, `${type} ${g!.name}: ${JSON.stringify(r.issues)}`).toBe(true);
        if (g!.steps.some((step) => step.startsWith("truncate:"))) {
          // Shortened values: some reading shows a prefix of every value that was generated.
          const fits = r.readings.some(
            (x) =>
              x.truncation &&
              Object.keys(x.truncation.visible).sort().join() === Object.keys(want).sort().join() &&
              Object.entries(x.truncation.visible).every(([k, v]) => want[k]!.startsWith(v)),
          );
          expect(fits, `${type} ${g!.name}`).toBe(true);
          return;
        }
        expect(has(r, want), `${type} ${g!.name} → ${JSON.stringify(r.readings.map((x) => x.values))}`).toBe(
          true,
        );
        if (want.region_short !== undefined)
          expect(r.readings.find((x) => x.values.region_short)?.region).toBeDefined();
        if (unique) {
          expect(r.readings, `${type} ${g!.name}`).toHaveLength(1);
          expect(sorted(r.reading!.values)).toEqual(sorted(want));
        }
      }),
      { numRuns: runs },
    );
  }
}

describe("parseName(generateName(x)) gives back x's components", () => {
  it("built-in convention, every type, values with separators and any case: x is among the readings", () => {
    roundTrip(builtIn, BUILT_IN_TYPES, word, false, 60);
  });

  it("built-in convention, every type, one-token values: exactly one reading, x's components", () => {
    roundTrip(builtIn, BUILT_IN_TYPES, token, true, 40);
  });

  it("custom convention (optional segments, transformations, own type, truncation): x is among the readings", () => {
    roundTrip(custom, CUSTOM_TYPES, word, false, 80);
  });

  it("custom convention, types without optional segments, one-token values: exactly one reading", () => {
    roundTrip(custom, ["dbx_cluster", "app_service"], token, true, 60);
  });

  it("hash-truncated names verify when the shortened values are known, and rebuild the full components", () => {
    const long = fc.stringMatching(/^[a-z][a-z0-9]{20,40}$/);
    fc.assert(
      fc.property(long, env, region, layer, (purpose, environment, reg, lay) => {
        const g = generate(custom, {
          type: "aws_s3_bucket",
          project: "acme-data",
          environment,
          region: reg,
          resource: { layer: lay, purpose },
        });
        fc.pre(g !== undefined);
        expect(g!.name.length).toBeLessThanOrEqual(40);
        const r = parseName(custom, "aws_s3_bucket", g!.name, {
          expected: { project: "acme-data" },
          preferred: { purpose: [purpose] },
        });
        expect(r.ok).toBe(true);
        expect(r.reading?.truncation?.verified).toBe(true);
        expect(sorted(r.reading!.values)).toEqual(
          sorted(inTemplate(custom, "aws_s3_bucket", components(g!))),
        );
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------- perturbations

const S3 = caseFor(builtIn, "aws_s3_bucket", token);
const ALIASES: Record<string, string> = { prd: "prod", dev: "development", stg: "staging" };

function perturbed(
  name: (g: NameResult, c: Case) => string | undefined,
  check: (r: ParseResult, g: NameResult, c: Case) => void,
) {
  fc.assert(
    fc.property(S3, (c) => {
      const g = generate(builtIn, c);
      fc.pre(g !== undefined);
      const bad = name(g!, c);
      fc.pre(bad !== undefined && bad !== g!.name);
      const r = parseName(builtIn, "aws_s3_bucket", bad!, { expected: { project: c.project } });
      expect(r.ok, bad).toBe(false);
      check(r, g!, c);
    }),
    { numRuns: 100 },
  );
}

describe("names perturbed in known ways are noncompliant with the right reason", () => {
  it("environment spelled out (prod, development, staging): UNKNOWN_VALUE environment, suggestion = the original", () => {
    perturbed(
      (g, c) => g.name.replace(new RegExp(`-${c.environment}-`), `-${ALIASES[c.environment]}-`),
      (r, g) => {
        expect(r.issues.map((i) => [i.code, i.variable])).toEqual([["UNKNOWN_VALUE", "environment"]]);
        expect(r.suggestion).toBe(g.name);
      },
    );
  });

  it("the region written out instead of its code: UNKNOWN_VALUE region_short, suggestion = the original", () => {
    perturbed(
      (g, c) => {
        const code = components(g).region_short!;
        return g.name.endsWith(`-${code}`) ? `${g.name.slice(0, -code.length)}${c.region}` : undefined;
      },
      (r, g) => {
        expect(r.issues.map((i) => [i.code, i.variable])).toEqual([["UNKNOWN_VALUE", "region_short"]]);
        expect(r.suggestion).toBe(g.name);
      },
    );
  });

  it("uppercase letters: NOT_NORMALISED, suggestion = the original", () => {
    perturbed(
      (g) => g.name.toUpperCase(),
      (r, g) => {
        expect(r.issues.length).toBeGreaterThan(0);
        expect(r.issues.every((i) => i.code === "NOT_NORMALISED")).toBe(true);
        expect(r.suggestion).toBe(g.name);
      },
    );
  });

  it("underscores for hyphens: NOT_NORMALISED (and the S3 charset rule), suggestion = the original", () => {
    perturbed(
      (g) => g.name.replaceAll("-", "_"),
      (r, g) => {
        expect(r.issues.some((i) => i.code === "NOT_NORMALISED")).toBe(true);
        expect(r.rules.map((p) => p.code)).toContain("S3_CHARSET");
        expect(r.suggestion).toBe(g.name);
      },
    );
  });

  it("the last segment dropped: TEMPLATE_MISMATCH at the end of the name", () => {
    perturbed(
      (g) => g.name.slice(0, g.name.lastIndexOf("-")),
      (r, g) => {
        const mismatch = r.issues.find((i) => i.code === "TEMPLATE_MISMATCH");
        if (mismatch) expect(mismatch.position).toBe(g.name.lastIndexOf("-"));
        // Without the code the last value may still read as another layer/environment: either
        // way a closed set is broken or the structure is.
        else expect(r.issues.some((i) => i.code === "UNKNOWN_VALUE")).toBe(true);
      },
    );
  });

  it("an unknown layer: UNKNOWN_VALUE layer, the layer's position", () => {
    perturbed(
      (g) => {
        const l = components(g).layer!;
        return g.name.replace(`-${l}-`, "-zzlayer-");
      },
      (r, g) => {
        const issue = r.issues.find((i) => i.variable === "layer");
        expect(issue?.code).toBe("UNKNOWN_VALUE");
        expect(issue?.value).toBe("zzlayer");
        expect(g.name.indexOf(`-${components(g).layer}-`) + 1).toBe(issue?.position);
      },
    );
  });
});
