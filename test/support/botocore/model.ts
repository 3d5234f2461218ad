/**
 * botocore's JSON service models (the `service-2.json[.gz]` files installed with moto) as typed
 * data: where they live, which api-version is newest, and the subset of the format the oracle
 * reads. The models are located by asking the python that runs moto, never by a fixed path.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

/** The services dpn talks to. */
export type ServiceName = "s3" | "glue" | "sts";
/** In the order the oracle loads them. */
export const SERVICES: readonly ServiceName[] = ["s3", "glue", "sts"];

/** botocore's `timestampFormat` values. */
export type TimestampFormat = "iso8601" | "rfc822" | "unixTimestamp";

/** A reference to a shape: a structure member, a list member, a map key or value, an operation input. */
export interface ShapeRef {
  shape: string;
  location?: "uri" | "querystring" | "header" | "headers" | "statusCode";
  locationName?: string;
  xmlNamespace?: { uri: string; prefix?: string };
  xmlAttribute?: boolean;
  flattened?: boolean;
  jsonvalue?: boolean;
  timestampFormat?: TimestampFormat;
  streaming?: boolean;
  idempotencyToken?: boolean;
  hostLabel?: boolean;
  deprecated?: boolean;
}

/** Shape types botocore models use. */
export type ShapeType =
  | "structure"
  | "list"
  | "map"
  | "string"
  | "integer"
  | "long"
  | "short"
  | "byte"
  | "float"
  | "double"
  | "bigInteger"
  | "bigDecimal"
  | "boolean"
  | "timestamp"
  | "blob";

/** A named shape (the traits the oracle reads). */
export interface Shape {
  type: ShapeType;
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  flattened?: boolean;
  payload?: string;
  union?: boolean;
  document?: boolean;
  sensitive?: boolean;
  streaming?: boolean;
  jsonvalue?: boolean;
  timestampFormat?: TimestampFormat;
  locationName?: string;
  xmlNamespace?: { uri: string; prefix?: string };
  exception?: boolean;
}

/** An operation: its HTTP binding, input shape and the traits that constrain requests. */
export interface Operation {
  name: string;
  http: { method: string; requestUri: string; responseCode?: number };
  input?: ShapeRef;
  deprecated?: boolean;
  httpChecksum?: { requestAlgorithmMember?: string; requestChecksumRequired?: boolean };
}

/** One loaded `service-2.json`. */
export interface ServiceModel {
  service: ServiceName;
  apiVersion: string;
  /** The file it was read from. */
  file: string;
  metadata: {
    protocol: string;
    apiVersion: string;
    targetPrefix?: string;
    jsonVersion?: string;
    xmlNamespace?: string;
  };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

/** The three models, by service. */
export type Models = Record<ServiceName, ServiceModel>;

/**
 * The `botocore/data` directory of the botocore that `python` imports (the one moto uses).
 * Throws with the python's stderr when botocore cannot be imported.
 */
export function locateBotocoreData(python: string = process.env.DPN_TEST_PYTHON ?? "python3"): string {
  const r = spawnSync(python, ["-c", "import botocore, os; print(os.path.dirname(botocore.__file__))"], {
    encoding: "utf8",
  });
  const dir = r.status === 0 ? r.stdout.trim() : "";
  if (!dir) throw new Error(`${python} cannot import botocore (installed with moto):\n${r.stderr}`);
  const data = join(dir, "data");
  if (!existsSync(data)) throw new Error(`botocore at ${dir} has no data/ directory`);
  return data;
}

/** The newest api-version directory of `service` that holds a service-2.json(.gz). */
export function serviceModelFile(dataDir: string, service: ServiceName): string {
  const base = join(dataDir, service);
  const versions = readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d{4}-\d{2}-\d{2}$/.test(d.name))
    .map((d) => d.name)
    .sort()
    .reverse();
  for (const v of versions) {
    for (const f of ["service-2.json.gz", "service-2.json"]) {
      const p = join(base, v, f);
      if (existsSync(p)) return p;
    }
  }
  throw new Error(`no service-2.json(.gz) under ${base}`);
}

/** Read one service model. Throws when the file is missing or not a botocore model. */
export function loadServiceModel(dataDir: string, service: ServiceName): ServiceModel {
  const file = serviceModelFile(dataDir, service);
  const raw = readFileSync(file);
  const text = (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  const doc = JSON.parse(text) as Omit<ServiceModel, "service" | "file" | "apiVersion">;
  if (!doc.metadata?.protocol || !doc.operations || !doc.shapes)
    throw new Error(`${file} is not a botocore service model`);
  return { ...doc, service, file, apiVersion: doc.metadata.apiVersion };
}

/** Every model the oracle checks against, from `dataDir` (default: located via python). */
export function loadModels(dataDir: string = locateBotocoreData()): Models {
  return {
    s3: loadServiceModel(dataDir, "s3"),
    glue: loadServiceModel(dataDir, "glue"),
    sts: loadServiceModel(dataDir, "sts"),
  };
}
