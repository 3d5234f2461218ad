import { describe, expect, it } from "vitest";
import { DpnError } from "../core/errors.js";
import type { ProvisionedType } from "../core/resources.js";
import type { RemoteObject, ResourceRecord, StackRecord } from "../engine/ports.js";
import { closestRows, matchResources, parseType, resolveResource, typeOfAddress } from "./resource-select.js";

const stack: StackRecord = { id: "p/dev", project: "p", environment: "dev", createdAt: "" };
function row(type: ProvisionedType, fullName: string, remoteId = fullName): ResourceRecord {
  return {
    stackId: stack.id,
    address: `${type}.${fullName}`,
    type,
    name: fullName.split(".").pop() as string,
    fullName,
    remoteId,
    properties: {},
    tags: {},
    status: "active",
    txId: "t",
    createdAt: "",
    updatedAt: "",
  };
}
const rows = [
  row("aws_s3_bucket", "p-raw-dev"),
  row("aws_glue_table", "sales_dev.orders"),
  row("dbx_table", "main_dev.sales.orders"),
  row("dbx_cluster", "p-etl-dev", "1125-000000-abc"),
];

async function err(p: Promise<unknown>): Promise<DpnError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DpnError) return e;
    throw e;
  }
  throw new Error("expected a DpnError");
}

describe("resource selection", () => {
  it("matches an address, an address without type, a full name, a name and a remote id", () => {
    expect(matchResources(rows, "dbx_table.main_dev.sales.orders")).toHaveLength(1);
    expect(matchResources(rows, "main_dev.sales.orders", "dbx_table")[0]?.type).toBe("dbx_table");
    expect(matchResources(rows, "sales_dev.orders")[0]?.type).toBe("aws_glue_table");
    expect(matchResources(rows, "orders").map((r) => r.type)).toEqual(["aws_glue_table", "dbx_table"]);
    expect(matchResources(rows, "1125-000000-abc")[0]?.type).toBe("dbx_cluster");
    expect(matchResources(rows, "P-RAW-DEV")[0]?.type).toBe("aws_s3_bucket");
    expect(matchResources(rows, "nothing")).toEqual([]);
  });

  it("resolves one row, and says why it cannot otherwise", async () => {
    expect((await resolveResource({ rows, stack, id: "orders", type: "dbx_table" })).address).toBe(
      "dbx_table.main_dev.sales.orders",
    );
    const amb = await err(resolveResource({ rows, stack, id: "orders" }));
    expect([amb.code, amb.exitCode]).toEqual(["RESOURCE_AMBIGUOUS", 2]);
    const mismatch = await err(resolveResource({ rows, stack, id: "p-raw-dev", type: "dbx_catalog" }));
    expect([mismatch.code, mismatch.exitCode]).toEqual(["RESOURCE_TYPE_MISMATCH", 3]);
    const miss = await err(resolveResource({ rows, stack, id: "ordrs" }));
    expect([miss.code, miss.exitCode]).toEqual(["RESOURCE_NOT_FOUND", 3]);
    expect(miss.hint).toContain("aws_glue_table.sales_dev.orders, dbx_table.main_dev.sales.orders");
  });

  it("reports an object that exists remotely but is not in state as not managed", async () => {
    const remote = { remoteId: "legacy", fullName: "legacy", ownership: null } as unknown as RemoteObject;
    const e = await err(
      resolveResource({ rows, stack, id: "legacy", type: "aws_s3_bucket", probe: async () => remote }),
    );
    expect([e.code, e.exitCode]).toEqual(["RESOURCE_NOT_MANAGED", 3]);
    expect(e.hint).toContain("dpn import --type aws_s3_bucket --resource-id legacy");
    const none = await err(
      resolveResource({ rows, stack, id: "legacy", type: "aws_s3_bucket", probe: async () => null }),
    );
    expect(none.code).toBe("RESOURCE_NOT_FOUND");
  });

  it("ranks the closest rows and parses types and addresses", () => {
    expect(closestRows("p-raw-deb", rows)[0]).toBe("aws_s3_bucket.p-raw-dev");
    expect(closestRows("zzzzzzzzzzzzzzzz", rows)).toEqual([]);
    expect(parseType("dbx_table")).toBe("dbx_table");
    expect(() => parseType("dbx_tabel")).toThrow(
      expect.objectContaining({
        code: "TYPE_OPTION_INVALID",
        exitCode: 2,
        hint: expect.stringContaining('Did you mean "dbx_table"'),
      }),
    );
    expect(typeOfAddress("dbx_table.a.b.c")).toBe("dbx_table");
    expect(typeOfAddress("orders")).toBeUndefined();
  });
});
