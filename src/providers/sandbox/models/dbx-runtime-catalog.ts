/**
 * The simulated workspace's runtime and node-type lists (what `clusters/spark-versions` and
 * `clusters/list-node-types` would answer): supported LTS and feature releases of late 2026 with
 * their ML/GPU/Photon/Graviton variants and Scala 2.12/2.13 builds (docs.databricks.com/aws/en/
 * release-notes/runtime/: 18 LTS, 17.3 LTS, 16.4 LTS, 15.4 LTS, 14.3 LTS; 13.3 LTS reached end of
 * support on 2026-08-22 and is not offered). The sandbox's cluster check and create use it through
 * the same pure functions as the cloud provider (providers/databricks/spark-versions.ts).
 */
import type { RuntimeCatalog } from "../../databricks/spark-versions.js";

const versions: RuntimeCatalog["versions"] = [];
const add = (key: string, name: string) => versions.push({ key, name });
add("18.2.x-scala2.13", "18.2 (includes Apache Spark 4.1.0, Scala 2.13)");
add("18.2.x-photon-scala2.13", "18.2 Photon (includes Apache Spark 4.1.0, Scala 2.13)");
add("18.2.x-cpu-ml-scala2.13", "18.2 ML (includes Apache Spark 4.1.0, Scala 2.13)");
add("18.x-scala2.13", "18 LTS (includes Apache Spark 4.1.0, Scala 2.13)");
add("18.x-photon-scala2.13", "18 LTS Photon (includes Apache Spark 4.1.0, Scala 2.13)");
add("18.x-cpu-ml-scala2.13", "18 LTS ML (includes Apache Spark 4.1.0, Scala 2.13)");
add("18.x-gpu-ml-scala2.13", "18 LTS ML (includes Apache Spark 4.1.0, GPU, Scala 2.13)");
add("17.3.x-scala2.13", "17.3 LTS (includes Apache Spark 4.0.0, Scala 2.13)");
add("17.3.x-cpu-ml-scala2.13", "17.3 LTS ML (includes Apache Spark 4.0.0, Scala 2.13)");
add("16.4.x-scala2.12", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)");
add("16.4.x-scala2.13", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.13)");
add("16.4.x-aarch64-scala2.12", "16.4 LTS aarch64 (includes Apache Spark 3.5.2, Scala 2.12)");
add("15.4.x-scala2.12", "15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)");
add("15.4.x-gpu-ml-scala2.12", "15.4 LTS ML (includes Apache Spark 3.5.0, GPU, Scala 2.12)");
add("14.3.x-scala2.12", "14.3 LTS (includes Apache Spark 3.5.0, Scala 2.12)");

const nodeTypes: RuntimeCatalog["nodeTypes"] = [
  "m5d.large",
  "m5d.xlarge",
  "m5d.2xlarge",
  "m6gd.xlarge",
  "i3.xlarge",
  "i3.2xlarge",
  "i3.4xlarge",
  "r5.xlarge",
  "r5.2xlarge",
  "c5.2xlarge",
  "g4dn.xlarge",
  "g4dn.2xlarge",
  "g5.xlarge",
].map((node_type_id) => ({ node_type_id }));

export const SANDBOX_RUNTIME_CATALOG: RuntimeCatalog = { versions, nodeTypes };
