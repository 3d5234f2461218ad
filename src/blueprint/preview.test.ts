import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtInConvention } from "../config/load-convention.js";
import { loadBlueprint } from "./load.js";
import { previewDocument, previewTable } from "./preview.js";
import { resolveBlueprint } from "./resolve.js";

const GOLDEN = "test/fixtures/blueprints/dev.preview.golden.json";
const resolved = () => resolveBlueprint(loadBlueprint("examples/blueprints/dev.json"), builtInConvention());

describe("previewDocument", () => {
  it("matches the golden preview of examples/blueprints/dev.json", () => {
    const doc = previewDocument(resolved());
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    // DPN_UPDATE_GOLDEN=1 rewrites the golden file after an intended change; review its diff.
    if (process.env.DPN_UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, "utf8"));
  });

  it("has exactly the documented keys, resources in execution order", () => {
    const r = resolved();
    const doc = previewDocument(r);
    expect(Object.keys(doc)).toEqual(["metadata", "total_resources", "resources", "execution_order"]);
    expect(doc.total_resources).toBe(r.resources.length);
    expect(doc.resources.map((x) => x.address)).toEqual(r.executionOrder);
    expect(doc.execution_order).toEqual(r.executionOrder);
    for (const x of doc.resources)
      expect(Object.keys(x)).toEqual(["type", "address", "name", "full_name", "dependencies", "tags"]);
  });
});

describe("previewTable", () => {
  it("prints aligned plain columns in execution order", () => {
    const r = resolved();
    const lines = previewTable(r).split("\n");
    expect(lines[0]).toMatch(/^ +# {2}TYPE +ADDRESS +NAME +DEPENDS ON$/);
    expect(lines).toHaveLength(r.resources.length + 1);
    const addressCol = (lines[0] as string).indexOf("ADDRESS");
    const nameCol = (lines[0] as string).indexOf("NAME");
    lines.slice(1).forEach((line, i) => {
      expect(line.slice(addressCol).startsWith(r.executionOrder[i] as string)).toBe(true);
      expect(line.slice(nameCol, nameCol + 1)).not.toBe(" ");
    });
    expect(lines[1]).toBe(
      " 1  aws_s3_bucket      aws_s3_bucket.dataplatform-landing-raw-dev-use1             dataplatform-landing-raw-dev-use1        -",
    );
    // No ANSI colours, no trailing spaces.
    expect(previewTable(r).includes(String.fromCharCode(27))).toBe(false);
    expect(previewTable(r)).not.toMatch(/ $/m);
  });
});
