/**
 * Storage formats of Glue tables: the standard Hive input/output formats and SerDe per format,
 * the table parameters that engines (Athena, Glue ETL, Spark) read, and the reverse mapping
 * used when reading a table back.
 */
import type { GlueTableProps } from "../../core/resources.js";

export type GlueFormat = GlueTableProps["format"];

export interface FormatSpec {
  inputFormat: string;
  outputFormat: string;
  serializationLibrary: string;
  serdeParameters: Record<string, string>;
  /** Table parameters that identify the format to query engines. */
  tableParameters: Record<string, string>;
}

const TEXT_IN = "org.apache.hadoop.mapred.TextInputFormat";
const TEXT_OUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
const PARQUET_IN = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
const PARQUET_OUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
const PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";

export const FORMATS: Record<GlueFormat, FormatSpec> = {
  parquet: {
    inputFormat: PARQUET_IN,
    outputFormat: PARQUET_OUT,
    serializationLibrary: PARQUET_SERDE,
    serdeParameters: { "serialization.format": "1" },
    tableParameters: { classification: "parquet" },
  },
  // Delta data files are Parquet; engines that read the Delta log natively (Athena, Spark)
  // recognise the table by table_type=DELTA / spark.sql.sources.provider=delta.
  delta: {
    inputFormat: PARQUET_IN,
    outputFormat: PARQUET_OUT,
    serializationLibrary: PARQUET_SERDE,
    serdeParameters: { "serialization.format": "1" },
    tableParameters: { classification: "delta", table_type: "DELTA", "spark.sql.sources.provider": "delta" },
  },
  // The OpenX JSON SerDe is what Glue crawlers and Athena use for JSON lines.
  json: {
    inputFormat: TEXT_IN,
    outputFormat: TEXT_OUT,
    serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
    serdeParameters: { paths: "" },
    tableParameters: { classification: "json" },
  },
  // LazySimpleSerDe keeps column types (OpenCSVSerde would read every column as string).
  csv: {
    inputFormat: TEXT_IN,
    outputFormat: TEXT_OUT,
    serializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
    serdeParameters: { "field.delim": ",", "serialization.format": "," },
    tableParameters: { classification: "csv" },
  },
};

/** Parameter keys set by the format (excluded from user parameters when reading back). */
export const FORMAT_PARAMETER_KEYS = new Set([
  "EXTERNAL",
  ...Object.values(FORMATS).flatMap((f) => Object.keys(f.tableParameters)),
]);

/** Recognise the format of a table from its parameters and SerDe; null when it is none of ours. */
export function detectFormat(
  parameters: Record<string, string>,
  serializationLibrary: string | undefined,
): GlueFormat | null {
  const cls = (parameters.classification ?? "").toLowerCase();
  if (cls === "delta" || (parameters.table_type ?? "").toUpperCase() === "DELTA") return "delta";
  if (cls === "parquet" || cls === "json" || cls === "csv") return cls;
  for (const [name, spec] of Object.entries(FORMATS) as [GlueFormat, FormatSpec][]) {
    if (name !== "delta" && spec.serializationLibrary === serializationLibrary) return name;
  }
  return null;
}
