/**
 * The fake workspace's default runtime and node-type lists: what `GET /api/2.1/clusters/spark-versions`
 * and `GET /api/2.1/clusters/list-node-types` answer on an AWS workspace in late 2026. Shapes are the
 * SDK's `compute.GetSparkVersionsResponse` / `compute.ListNodeTypesResponse`; the entries follow the
 * real key and name patterns (databricks-sdk-go service/compute/ext_spark_version_test.go uses
 * `18.x-scala2.13` / "18 LTS (includes Apache Spark 4.1.0, Scala 2.13)") and the supported-releases
 * table of https://docs.databricks.com/aws/en/release-notes/runtime/ (18 LTS 2026-06, 17.3 LTS,
 * 16.4 LTS, 15.4 LTS, 14.3 LTS; 13.3 LTS reached end of support on 2026-08-22 and is no longer
 * listed). Independent of dpn's sandbox list on purpose.
 */
import type { compute } from "@databricks/sdk-experimental";

const v = (key: string, name: string): compute.SparkVersion => ({ key, name });

export const DEFAULT_SPARK_VERSIONS: compute.SparkVersion[] = [
  v("18.3.x-scala2.13", "18.3 Beta (includes Apache Spark 4.1.0, Scala 2.13)"),
  v("18.3.x-cpu-ml-scala2.13", "18.3 Beta ML (includes Apache Spark 4.1.0, Scala 2.13)"),
  v("18.2.x-scala2.13", "18.2 (includes Apache Spark 4.1.0, Scala 2.13)"),
  v("18.2.x-photon-scala2.13", "18.2 Photon (includes Apache Spark 4.1.0, Scala 2.13)"),
  v("18.2.x-cpu-ml-scala2.13", "18.2 ML (includes Apache Spark 4.1.0, Scala 2.13)"),
  v("18.2.x-gpu-ml-scala2.13", "18.2 ML (includes Apache Spark 4.1.0, GPU, Scala 2.13)"),
  v("18.x-scala2.13", "18 LTS (includes Apache Spark 4.1.0, Scala 2.13)"),
  v("18.x-photon-scala2.13", "18 LTS Photon (includes Apache Spark 4.1.0, Scala 2.13)"),
  v("18.x-aarch64-scala2.13", "18 LTS aarch64 (includes Apache Spark 4.1.0, Scala 2.13)"),
  v("18.x-cpu-ml-scala2.13", "18 LTS ML (includes Apache Spark 4.1.0, Scala 2.13)"),
  v("18.x-gpu-ml-scala2.13", "18 LTS ML (includes Apache Spark 4.1.0, GPU, Scala 2.13)"),
  v("17.3.x-scala2.13", "17.3 LTS (includes Apache Spark 4.0.0, Scala 2.13)"),
  v("17.3.x-photon-scala2.13", "17.3 LTS Photon (includes Apache Spark 4.0.0, Scala 2.13)"),
  v("17.3.x-cpu-ml-scala2.13", "17.3 LTS ML (includes Apache Spark 4.0.0, Scala 2.13)"),
  v("17.3.x-gpu-ml-scala2.13", "17.3 LTS ML (includes Apache Spark 4.0.0, GPU, Scala 2.13)"),
  v("16.4.x-scala2.13", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.13)"),
  v("16.4.x-scala2.12", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)"),
  v("16.4.x-photon-scala2.12", "16.4 LTS Photon (includes Apache Spark 3.5.2, Scala 2.12)"),
  v("16.4.x-aarch64-scala2.12", "16.4 LTS aarch64 (includes Apache Spark 3.5.2, Scala 2.12)"),
  v("16.4.x-cpu-ml-scala2.12", "16.4 LTS ML (includes Apache Spark 3.5.2, Scala 2.12)"),
  v("16.4.x-gpu-ml-scala2.12", "16.4 LTS ML (includes Apache Spark 3.5.2, GPU, Scala 2.12)"),
  v("15.4.x-scala2.12", "15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)"),
  v("15.4.x-photon-scala2.12", "15.4 LTS Photon (includes Apache Spark 3.5.0, Scala 2.12)"),
  v("15.4.x-cpu-ml-scala2.12", "15.4 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)"),
  v("15.4.x-gpu-ml-scala2.12", "15.4 LTS ML (includes Apache Spark 3.5.0, GPU, Scala 2.12)"),
  v("14.3.x-scala2.12", "14.3 LTS (includes Apache Spark 3.5.0, Scala 2.12)"),
  v("14.3.x-photon-scala2.12", "14.3 LTS Photon (includes Apache Spark 3.5.0, Scala 2.12)"),
  v("14.3.x-cpu-ml-scala2.12", "14.3 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)"),
  v("apache-spark-4.0.x-scala2.13", "Light 4.0 (includes Apache Spark 4.0, Scala 2.13)"),
];

/** Runtimes past end of support: refused on create/edit with their own message (and not listed). */
export const DEFAULT_END_OF_SUPPORT = [
  "13.3.x-scala2.12",
  "13.3.x-photon-scala2.12",
  "13.3.x-cpu-ml-scala2.12",
  "12.2.x-scala2.12",
];

const node = (
  node_type_id: string,
  memory_mb: number,
  num_cores: number,
  category: string,
  extra: Partial<compute.NodeType> = {},
): compute.NodeType => ({
  node_type_id,
  instance_type_id: node_type_id,
  memory_mb,
  num_cores,
  category,
  description: node_type_id,
  ...extra,
});

export const DEFAULT_NODE_TYPES: compute.NodeType[] = [
  node("m5d.large", 8192, 2, "General Purpose"),
  node("m5d.xlarge", 16384, 4, "General Purpose"),
  node("m5d.2xlarge", 32768, 8, "General Purpose"),
  node("m6gd.xlarge", 16384, 4, "General Purpose", { is_graviton: true }),
  node("m4.large", 8192, 2, "General Purpose", { is_deprecated: true }),
  node("i3.xlarge", 31232, 4, "Storage Optimized", { is_io_cache_enabled: true }),
  node("i3.2xlarge", 62464, 8, "Storage Optimized", { is_io_cache_enabled: true }),
  node("i3.4xlarge", 124928, 16, "Storage Optimized", { is_io_cache_enabled: true }),
  node("r5.xlarge", 32768, 4, "Memory Optimized"),
  node("r5.2xlarge", 65536, 8, "Memory Optimized"),
  node("r5d.xlarge", 32768, 4, "Memory Optimized"),
  node("c5.2xlarge", 16384, 8, "Compute Optimized"),
  node("g4dn.xlarge", 16384, 4, "GPU Accelerated", { num_gpus: 1 }),
  node("g4dn.2xlarge", 32768, 8, "GPU Accelerated", { num_gpus: 1 }),
  node("g5.xlarge", 16384, 4, "GPU Accelerated", { num_gpus: 1 }),
];
