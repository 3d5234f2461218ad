/**
 * Test harness for the Databricks providers: a fake workspace, a client wired to it (no profile
 * file, fast rate limit and backoff unless overridden), provider context and desired-resource
 * builders.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DesiredResource, PropsByType, ProvisionedType } from "../../../src/core/resources.js";
import { TokenBucket } from "../../../src/core/token-bucket.js";
import type { ProviderContext } from "../../../src/engine/ports.js";
import { type ClientOptions, DatabricksClient } from "../../../src/providers/databricks/client.js";
import {
  type DatabricksConfigOptions,
  resolveDatabricksConfig,
} from "../../../src/providers/databricks/config.js";
import { type DatabricksFake, type FakeOptions, startDatabricksFake } from "./server.js";

export const emptyHome = () => mkdtempSync(join(tmpdir(), "dpn-dbx-home-"));

export async function fakeWithClient(
  fakeOpts: FakeOptions = {},
  clientOpts: ClientOptions = {},
  configOpts: DatabricksConfigOptions = {},
): Promise<{ fake: DatabricksFake; client: DatabricksClient }> {
  const fake = await startDatabricksFake(fakeOpts);
  const config = resolveDatabricksConfig({
    env: {
      DATABRICKS_HOST: fake.url,
      DATABRICKS_TOKEN: fake.token,
      DATABRICKS_WAREHOUSE_ID: fake.warehouseId,
    },
    options: configOpts,
    homeDir: emptyHome(),
  });
  const client = new DatabricksClient(config, {
    bucket: new TokenBucket(1000),
    maxBackoffMs: 20,
    ...clientOpts,
  });
  return { fake, client };
}

export function ctx(refs: Record<string, string> = {}, stackId = "stack-1"): ProviderContext {
  return { stackId, txId: "tx-1", actor: "tester@host", resolveRef: (a) => refs[a] };
}

export function desired<T extends ProvisionedType>(
  type: T,
  name: string,
  properties: PropsByType[T],
  opts: { address?: string; fullName?: string; tags?: Record<string, string> } = {},
): DesiredResource<T> {
  return {
    type,
    address: opts.address ?? `${type}.${name}`,
    name,
    fullName: opts.fullName ?? name,
    properties,
    tags: opts.tags ?? { env: "dev", cost_center: "data_1" },
    dependencies: [],
    source: "$.test",
  };
}
