/**
 * The provider-contract suite's targets: the same Provider contract (src/engine/ports.ts) on the
 * real AWS SDK against moto and our Databricks client against the Databricks fake, on the
 * sandbox, and on the in-memory fake the engine tests use. Each target builds a registry and knows
 * how to name things uniquely (moto is shared by every test file) and how to make a foreign
 * object (one dpn did not create) for the adopt and claim cases.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import type { DesiredResource, PropsByType, ProvisionedType } from "../../src/core/resources.js";
import type { Provider, ProviderRegistry } from "../../src/engine/ports.js";
import { AwsClients } from "../../src/providers/aws/aws-clients.js";
import { createAwsProviders } from "../../src/providers/aws/aws-providers.js";
import { createDatabricksProviders } from "../../src/providers/databricks/index.js";
import { createSandboxRegistry } from "../../src/providers/sandbox/sandbox-provider.js";
import { fakeWithClient } from "../fakes/databricks/harness.js";
import type { DatabricksFake } from "../fakes/databricks/server.js";
import { FakeCloud } from "../fakes/memory-provider.js";
import { motoEndpoint, rawS3, uniqueName } from "../support/moto.js";

export type TargetName = "cloud" | "sandbox" | "memory";

export interface Target {
  name: TargetName;
  registry: ProviderRegistry;
  /** A fresh name prefix for this run (lower case, letters and digits). */
  prefix: string;
  /** Create an object of `type` named like `d` without any dpn marker, outside dpn. */
  foreign?(d: DesiredResource): Promise<void>;
  close(): Promise<void>;
}

export async function openTarget(name: TargetName): Promise<Target> {
  const prefix = uniqueName("ct", "")
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 16);
  if (name === "sandbox") {
    const dir = mkdtempSync(join(tmpdir(), "dpn-contract-"));
    const registry = createSandboxRegistry({ dbPath: join(dir, "sandbox.db") });
    return { name, registry, prefix, close: () => registry.close() };
  }
  if (name === "memory") {
    const cloud = new FakeCloud();
    const registry = cloud.registry();
    return {
      name,
      registry,
      prefix,
      async foreign(d) {
        cloud.seed({ type: d.type, name: d.name, fullName: d.fullName, properties: d.properties as never });
      },
      close: () => registry.close(),
    };
  }
  const clients = new AwsClients({
    env: {
      AWS_ENDPOINT_URL: motoEndpoint(),
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
    },
    defaultRegion: "us-east-1",
  });
  const aws = createAwsProviders({ clients });
  let fake: DatabricksFake | undefined;
  const r = await fakeWithClient();
  fake = r.fake;
  const dbx = createDatabricksProviders(r.client, { pollMs: 5 });
  const providers: Record<string, Provider> = { ...aws, ...dbx } as unknown as Record<string, Provider>;
  const registry: ProviderRegistry = {
    target: "cloud",
    get: <T extends ProvisionedType>(t: T) => providers[t] as unknown as Provider<T>,
    preflight: async () => {},
    close: async () => {
      clients.destroy();
      await fake?.close();
    },
  };
  return {
    name,
    registry,
    prefix,
    async foreign(d) {
      if (d.type === "aws_s3_bucket") {
        const s3 = rawS3("us-east-1");
        try {
          await s3.send(new CreateBucketCommand({ Bucket: d.name }));
        } finally {
          s3.destroy();
        }
        return;
      }
      if (d.type === "dbx_volume") {
        const p = d.properties as PropsByType["dbx_volume"];
        const res = await fetch(`${fake?.url}/api/2.1/unity-catalog/volumes`, {
          method: "POST",
          headers: { authorization: `Bearer ${fake?.token}`, "content-type": "application/json" },
          body: JSON.stringify({
            catalog_name: p.catalog_name,
            schema_name: p.schema_name,
            name: d.name,
            volume_type: "MANAGED",
          }),
        });
        if (!res.ok) throw new Error(`fake volume create: ${res.status} ${await res.text()}`);
        return;
      }
      throw new Error(`no foreign object of ${d.type} on the cloud target`);
    },
    close: () => registry.close(),
  };
}
