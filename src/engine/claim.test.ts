/**
 * The claim rule (docs/recovery.md, "The claim rule"): an unmarked object is claimed only on the
 * evidence; every other case stays foreign and is never touched.
 */
import { describe, expect, it } from "vitest";
import { CLAIM_CLOCK_SKEW_MS, type ClaimFacts, claimVerdict } from "./claim.js";
import type { RemoteObject } from "./ports.js";

const LOOKED = "2026-12-03T10:00:00.000Z";
const plus = (ms: number) => new Date(Date.parse(LOOKED) + ms).toISOString();

function facts(over: Partial<ClaimFacts> & { object?: Partial<RemoteObject> } = {}): ClaimFacts {
  const { object, ...rest } = over;
  return {
    type: "dbx_volume",
    absentAt: LOOKED,
    principal: "dpn-ci@example.com",
    found: {
      remoteId: "main_dev.sales.landing",
      fullName: "main_dev.sales.landing",
      properties: {},
      tags: {},
      ownership: null,
      archived: false,
      provenance: { createdAt: plus(5_000), createdBy: "dpn-ci@example.com" },
      ...object,
    } as RemoteObject,
    ...rest,
  };
}

const refused = (f: ClaimFacts) => {
  const v = claimVerdict(f);
  expect(v.claim).toBe(false);
  return v.claim ? "" : v.reason;
};

describe("claimVerdict", () => {
  it("claims a volume made after the plan looked, by these credentials, with the evidence listed", () => {
    const v = claimVerdict(facts());
    expect(v).toEqual({
      claim: true,
      evidence: [
        `the plan found no object named main_dev.sales.landing at ${LOOKED}`,
        `created at ${plus(5_000)}`,
        "created by dpn-ci@example.com (these credentials)",
      ],
    });
    // an S3 bucket: the account is the creator, the listing gives the creation time
    expect(
      claimVerdict(
        facts({
          type: "aws_s3_bucket",
          principal: "123456789012",
          object: { provenance: { createdAt: plus(1_000), createdBy: "123456789012" } },
        }),
      ).claim,
    ).toBe(true);
  });

  it("never claims an object with another owner's marker", () => {
    const other = { stack: "other/dev", address: "dbx_volume.x" } as unknown as RemoteObject["ownership"];
    expect(refused(facts({ object: { ownership: other } }))).toMatch(/another owner's marker/);
  });

  it("never claims an unmarked object of a type whose create carries the marker", () => {
    for (const type of [
      "dbx_catalog",
      "dbx_schema",
      "dbx_cluster",
      "dbx_job",
      "aws_glue_database",
      "aws_glue_table",
      "dbx_table",
    ] as const)
      expect(refused(facts({ type }))).toMatch(/carries its marker from the first call/);
  });

  it("refuses without a recorded look-up", () => {
    expect(refused(facts({ absentAt: undefined }))).toMatch(/does not record that the name was free/);
  });

  it("refuses an object created before the plan looked (beyond the clock allowance), or with an unreadable time", () => {
    expect(
      refused(
        facts({
          object: {
            provenance: { createdAt: plus(-CLAIM_CLOCK_SKEW_MS - 1_000), createdBy: "dpn-ci@example.com" },
          },
        }),
      ),
    ).toMatch(/before the plan looked/);
    // within the allowance it is still ours
    expect(
      claimVerdict(
        facts({
          object: {
            provenance: { createdAt: plus(-CLAIM_CLOCK_SKEW_MS + 1_000), createdBy: "dpn-ci@example.com" },
          },
        }),
      ).claim,
    ).toBe(true);
    expect(
      refused(facts({ object: { provenance: { createdAt: "yesterday", createdBy: "dpn-ci@example.com" } } })),
    ).toMatch(/unreadable/);
  });

  it("refuses another creator, and a creator it cannot compare", () => {
    expect(
      refused(
        facts({ object: { provenance: { createdAt: plus(1_000), createdBy: "someone@example.com" } } }),
      ),
    ).toMatch(/created by someone@example.com, not by dpn-ci@example.com/);
    expect(refused(facts({ principal: undefined }))).toMatch(/our principal is unknown/);
  });
});
