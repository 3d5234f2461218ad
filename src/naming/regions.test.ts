import { describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import { createBuiltInConvention } from "./built-ins.js";
import { FIXED_REGION_CODES, REGION_CODE_PATTERN, REGION_CODES, REGIONS, regionShort } from "./regions.js";

describe("region table", () => {
  it("gives no two regions the same code", () => {
    const codes = REGIONS.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    const names = REGIONS.map((r) => r.region);
    expect(new Set(names).size).toBe(names.length);
  });

  it("keeps the ten v0.1 codes", () => {
    expect(Object.keys(FIXED_REGION_CODES)).toHaveLength(10);
    for (const [region, code] of Object.entries(FIXED_REGION_CODES)) expect(REGION_CODES[region]).toBe(code);
  });

  it("gives every other region a code matching ^[a-z]{2,5}[0-9]$ that no fixed code uses", () => {
    const fixed = new Set(Object.values(FIXED_REGION_CODES));
    for (const r of REGIONS) {
      if (r.region in FIXED_REGION_CODES) continue;
      expect(r.code, r.region).toMatch(REGION_CODE_PATTERN);
      expect(fixed.has(r.code), r.region).toBe(false);
    }
    expect(REGION_CODES["ap-south-1"]).not.toBe("aps1");
  });

  it("covers commercial, GovCloud and China regions", () => {
    for (const region of [
      "af-south-1",
      "ap-east-1",
      "ap-east-2",
      "ap-south-1",
      "ap-south-2",
      "ap-southeast-1",
      "ap-southeast-2",
      "ap-southeast-3",
      "ap-southeast-4",
      "ap-southeast-5",
      "ap-southeast-6",
      "ap-southeast-7",
      "ap-northeast-1",
      "ap-northeast-2",
      "ap-northeast-3",
      "ca-central-1",
      "ca-west-1",
      "eu-central-1",
      "eu-central-2",
      "eu-north-1",
      "eu-south-1",
      "eu-south-2",
      "eu-west-1",
      "eu-west-2",
      "eu-west-3",
      "il-central-1",
      "me-central-1",
      "me-south-1",
      "mx-central-1",
      "sa-east-1",
      "us-east-1",
      "us-east-2",
      "us-west-1",
      "us-west-2",
      "us-gov-east-1",
      "us-gov-west-1",
      "cn-north-1",
      "cn-northwest-1",
    ]) {
      expect(REGION_CODES[region], region).toBeDefined();
    }
  });
});

describe("regionShort", () => {
  it("uses the convention's mapping first, then the table", () => {
    const conv = createBuiltInConvention();
    expect(regionShort("eu-west-3", conv)).toBe("euw3");
    conv.transformations.region_mapping["ap-southeast-1"] = "apse1";
    expect(regionShort("ap-southeast-1", conv)).toBe("apse1");
    expect(regionShort("us-gov-west-1")).toBe("usgw1");
  });

  it("rejects an unknown region with a hint showing region_mapping, never falling back", () => {
    let err: unknown;
    try {
      regionShort("us-east-9", createBuiltInConvention());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DpnError);
    const e = err as DpnError;
    expect(e.code).toBe("UNKNOWN_REGION");
    expect(e.kind).toBe("validation");
    expect(e.message).toContain("us-east-9");
    expect(e.hint).toContain("transformations:");
    expect(e.hint).toContain("region_mapping:");
    expect(e.hint).toContain("us-east-9:");
    expect(e.hint).toContain("naming-patterns.yaml");
  });
});
