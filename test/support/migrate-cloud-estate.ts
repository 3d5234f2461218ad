/**
 * The Databricks estate of the cloud `dpn migrate` proofs (migrate-cloud*.test.ts): objects made by
 * hand (created through the real providers, then stripped of dpn's marker) with derivable compliant
 * names — a noncompliant catalog holding a schema, a table and a volume to rename, a cluster and a
 * job — the scan that writes their migration plan, and the fake's names as one sorted list.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCloudRegistry } from "../../src/compose/cloud-registry.js";
import type { DesiredResource } from "../../src/core/resources.js";
import type { ProviderContext, ProviderRegistry, RemoteObject } from "../../src/engine/ports.js";
import * as kit from "../../src/providers/sandbox/sandbox-test-kit.js";
import type { DatabricksFake, FakeState } from "../fakes/databricks/server.js";
import { type Env, runCli } from "./cloud-env.js";

export const CLUSTER = "dbx_cluster.dataplatform-etl-shared-prd";
export const TAGS = { Environment: "prd", Project: "dataplatform", Team: "data-eng", CostCenter: "CC-1001" };
export const TYPES = [
  "dbx_catalog",
  "dbx_schema",
  "dbx_table",
  "dbx_volume",
  "dbx_cluster",
  "dbx_job",
].flatMap((t) => ["--type", t]);
export const SCOPE = ["--project", "dataplatform", "--env", "prd"];

export const ESTATE: DesiredResource[] = [
  kit.cluster("dataplatform-etl-shared-prd"),
  kit.catalog("dataplatform_analytics_production"),
  kit.schema("dataplatform_analytics_production", "finance_gold"),
  kit.schema("dataplatform_analytics_production", "finance_silver_old"),
  kit.volume("dataplatform_analytics_production", "finance_gold", "landing-raw"),
  kit.ucTable("dataplatform_analytics_production", "finance_gold", "fact-orders"),
  kit.cluster("dataplatform-ml-shared-production"),
  kit.job("dataplatform-batch-orders-load-daily-production", CLUSTER),
];

/** Every Databricks name in the fake, sorted. */
export function fakeNames(fake: DatabricksFake): string[] {
  const s = fake.state;
  return [
    ...[...s.catalogs.keys()].map((k) => `catalog:${k}`),
    ...[...s.schemas.keys()].map((k) => `schema:${k}`),
    ...[...s.volumes.keys()].map((k) => `volume:${k}`),
    ...[...s.tables.keys()].map((k) => `table:${k}`),
    ...[...s.clusters.values()].map((c) => `cluster:${c.details.cluster_name}`),
    ...[...s.jobs.values()].map((j) => `job:${j.settings.name}`),
  ].sort();
}

/**
 * Seed ESTATE on the Databricks `env` points at, as made by hand (tagged, without dpn's marker), then scan it with
 * `--plan-migration`; resolves with the folder holding migration.json. Throws when the scan fails.
 */
export async function seedAndPlan(env: Env): Promise<string> {
  const registry: ProviderRegistry = await createCloudRegistry(
    { cwd: process.cwd(), env },
    { target: "cloud" },
  );
  const refs = new Map<string, string>();
  const ctx: ProviderContext = {
    stackId: "someone/else",
    txId: "seed",
    actor: "seed@test",
    resolveRef: (a) => refs.get(a),
  };
  try {
    for (const d of ESTATE) {
      const p = registry.get(d.type);
      const made: RemoteObject = await p.create({ ...d, tags: TAGS }, ctx);
      if (d.address === CLUSTER) refs.set(CLUSTER, made.remoteId);
      await p.revert({ ...made, ownership: null }, ctx);
    }
  } finally {
    await registry.close();
  }
  const out = mkdtempSync(join(tmpdir(), "dpn-migrate-cloud-"));
  const scan = await runCli(["scan", "--target", "cloud", ...SCOPE, ...TYPES, "--plan-migration", out], env);
  if (scan.code !== 0) throw new Error(`scan failed: ${scan.stdout}\n${scan.stderr}`);
  return out;
}

const RESOURCE_MAPS = ["clusters", "jobs", "catalogs", "schemas", "volumes", "tables", "tags"] as const;
type Resources = Pick<FakeState, (typeof RESOURCE_MAPS)[number]>;

/** A deep copy of the fake's resources, for putting the estate back between cases. */
export function snapshot(fake: DatabricksFake): Resources {
  return structuredClone(Object.fromEntries(RESOURCE_MAPS.map((k) => [k, fake.state[k]])) as Resources);
}

/** Put the fake's resources back to `snap` (the maps are refilled in place: the server holds them). */
export function restore(fake: DatabricksFake, snap: Resources): void {
  const copy = structuredClone(snap);
  for (const k of RESOURCE_MAPS) {
    const m = fake.state[k] as Map<string, unknown>;
    m.clear();
    for (const [key, v] of copy[k] as Map<string, unknown>) m.set(key, v);
  }
}
