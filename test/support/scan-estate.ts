/**
 * The labelled estate of test/fixtures/scan/estate.json as live objects: each fixture object
 * becomes a desired resource a provider can create (the sandbox test kit's builders give the
 * settings a type needs); dpn's markers are stamped only on the objects labelled `managed`.
 * Objects no platform can hold (a bucket name with capitals) are reported, not seeded.
 */
import { readFileSync } from "node:fs";
import type { DesiredResource } from "../../src/core/resources.js";
import { MARKER_KEYS } from "../../src/core/resources.js";
import type { ProviderContext } from "../../src/engine/ports.js";
import { createSandboxRegistry } from "../../src/providers/sandbox/sandbox-provider.js";
import * as kit from "../../src/providers/sandbox/sandbox-test-kit.js";
import type { ScanObject, ScanOptions } from "../../src/scan/types.js";

export interface Labelled {
  label: { status: string; passing?: boolean; rules?: string[]; suggested_name?: string };
  object: ScanObject;
}

export const ESTATE = JSON.parse(
  readFileSync(new URL("../fixtures/scan/estate.json", import.meta.url), "utf8"),
) as { options: ScanOptions; objects: Labelled[] };

/** A fixture object's id in a report: `type:full_name`. */
export const idOf = (o: ScanObject) => `${o.type}:${o.fullName ?? o.name}`;

/** The fixture object as a desired resource (user tags only; markers are the seeder's job). */
export function desiredOf(o: ScanObject, clusterAddress: string): DesiredResource {
  const full = o.fullName ?? o.name;
  const parts = full.split(".");
  const tags = Object.fromEntries(Object.entries(o.tags ?? {}).filter(([k]) => !k.startsWith("dpn_")));
  const region = o.region ?? "us-east-1";
  let d: DesiredResource;
  switch (o.type) {
    case "aws_s3_bucket":
      d = kit.bucket(o.name, { region });
      break;
    case "aws_glue_database":
      d = kit.glueDb(o.name, { region });
      break;
    case "aws_glue_table":
      d = kit.glueTable(parts[0], o.name, { region, location: "s3://dataplatform-raw-raw-prd-use1/t/" });
      break;
    case "dbx_cluster":
      d = kit.cluster(o.name);
      break;
    case "dbx_job":
      d = kit.job(o.name, clusterAddress);
      break;
    case "dbx_catalog":
      d = kit.catalog(o.name);
      break;
    case "dbx_schema":
      d = kit.schema(parts[0], o.name);
      break;
    case "dbx_table":
      d = kit.ucTable(parts[0], parts[1], o.name);
      break;
    case "dbx_volume":
      d = kit.volume(parts[0], parts[1], o.name);
      break;
    default:
      throw new Error(`the estate seeder has no builder for ${o.type}`);
  }
  return { ...d, tags };
}

/** The ownership marker a fixture object carries, if any. */
export function ownershipOf(o: ScanObject): { stackId: string; address: string } | undefined {
  const stackId = o.tags?.[MARKER_KEYS.stack];
  const address = o.tags?.[MARKER_KEYS.address];
  return stackId && address ? { stackId, address } : undefined;
}

/**
 * Seed the labelled estate into the sandbox at `dbPath`: objects with dpn's markers are created
 * through the providers (so they carry the markers and the platform ids they got), the others
 * are seeded as made by someone else; `extra` objects are seeded as someone else's too. Returns
 * what was seeded and the fixture objects the platform refused (invalid names).
 */
export async function seedSandboxEstate(
  dbPath: string,
  clusterAddress: string,
  extra: readonly DesiredResource[] = [],
): Promise<{ seeded: Labelled[]; refused: Labelled[] }> {
  const s = createSandboxRegistry({ dbPath });
  const ctx = (stackId = ""): ProviderContext => ({
    stackId,
    txId: "seed",
    actor: "seed@test",
    resolveRef: (a) =>
      s.inventory().find((o) => o.type === "dbx_cluster" && `dbx_cluster.${o.name}` === a)?.remoteId,
  });
  const seedForeign = (d: DesiredResource) => {
    const cluster = ctx().resolveRef(clusterAddress);
    s.seedExisting(d, "someone@elsewhere", cluster ? { [clusterAddress]: cluster } : {});
  };
  const seeded: Labelled[] = [];
  const refused: Labelled[] = [];
  try {
    for (const l of ESTATE.objects) {
      const d = desiredOf(l.object, clusterAddress);
      try {
        const owner = ownershipOf(l.object);
        if (owner) await s.get(d.type).create({ ...d, address: owner.address }, ctx(owner.stackId));
        else seedForeign(d);
        seeded.push(l);
      } catch (e) {
        if ((e as { category?: string }).category !== "invalid_input") throw e;
        refused.push(l);
      }
    }
    for (const d of extra) seedForeign(d);
  } finally {
    await s.close();
  }
  return { seeded, refused };
}

/**
 * Precision and recall of `statusOf` against the labels, per class: what the proof asserts is
 * 1.0 everywhere. Objects in `unseeded` are left out (they could not exist on the platform).
 */
export function precisionRecall(
  objects: readonly Labelled[],
  statusOf: (o: ScanObject) => string,
): { cls: string; precision: number; recall: number }[] {
  const classes = ["managed", "compliant", "noncompliant", "out_of_scope"];
  return classes.map((cls) => {
    const predicted = objects.filter((o) => statusOf(o.object) === cls);
    const actual = objects.filter((o) => o.label.status === cls);
    const tp = predicted.filter((o) => o.label.status === cls).length;
    return {
      cls,
      precision: predicted.length ? tp / predicted.length : actual.length ? 0 : 1,
      recall: actual.length ? tp / actual.length : 1,
    };
  });
}

// biome-ignore lint/suspicious/noExplicitAny: a scan report as parsed from --json
type Report = Record<string, any>;

/** A report's status of a fixture object: its classification, `out_of_scope`, or `missing`. */
export function statusIn(report: Report, o: ScanObject): string {
  const id = idOf(o);
  if (report.out_of_scope.some((x: { id: string }) => x.id === id)) return "out_of_scope";
  return report.objects.find((x: { id: string }) => x.id === id)?.status ?? "missing";
}

/** What a labelled object's result must show: the labelled rules, suggested name and verdict. */
export function labelProblems(report: Report, seeded: readonly Labelled[]): string[] {
  const out: string[] = [];
  for (const { label, object } of seeded) {
    if (label.status === "out_of_scope") continue;
    const o = report.objects.find((x: { id: string }) => x.id === idOf(object));
    if (!o) {
      out.push(`${idOf(object)}: not in the report`);
      continue;
    }
    const rules = o.findings.map((f: { rule_id: string }) => f.rule_id);
    for (const id of label.rules ?? [])
      if (!rules.includes(id)) out.push(`${object.name}: no ${id} in ${JSON.stringify(o.findings)}`);
    if (label.suggested_name && o.suggested_name !== label.suggested_name)
      out.push(`${object.name}: suggested ${o.suggested_name}, labelled ${label.suggested_name}`);
    if (label.passing !== undefined && o.passing !== label.passing)
      out.push(`${object.name}: passing ${o.passing}, labelled ${label.passing}`);
  }
  return out;
}
