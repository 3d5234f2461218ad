/**
 * Name validation: the platforms' official limits (naming-rules.md Part 3, plus the documented API
 * limits of the other v0.1 AWS types) and the house rules of a convention. Pure; never throws.
 * Rule sets are built once per type and house regexes are compiled once per pattern string.
 */
import type { Problem } from "../core/errors.js";
import type { Convention } from "./types.js";

/** The official length limit of a target. `unit` says whether the platform counts bytes (UTF-8). */
export interface OfficialLimit {
  min: number;
  max: number;
  unit: "chars" | "bytes";
  code: string;
}

interface RuleSet {
  codes: string[];
  limit?: OfficialLimit;
  check(name: string, out: Problem[]): void;
}

const encoder = new TextEncoder();

/** Length of `s` in the given unit. */
export function measure(s: string, unit: "chars" | "bytes"): number {
  // Fast paths: without surrogates a string has as many characters as UTF-16 units, and an
  // ASCII-only string as many bytes.
  if (unit === "chars") return SURROGATE.test(s) ? [...s].length : s.length;
  return NON_ASCII.test(s) ? encoder.encode(s).length : s.length;
}

const SURROGATE = /[\uD800-\uDFFF]/;
// Any UTF-16 unit above 0x7f (surrogates included) means the string is not ASCII.
const NON_ASCII = /[\u0080-\uffff]/;
/** Any UTF-16 unit above 0xff (surrogates included) means the string is not Latin-1. */
export const NOT_LATIN1 = /[\u0100-\uffff]/;

const official = (
  code: string,
  message: string,
  severity: "error" | "warning" = "error",
  hint?: string,
): Problem => ({
  code,
  message,
  source: "official",
  severity,
  ...(hint ? { hint } : {}),
});

const uniqueChars = (s: string, bad: RegExp): string =>
  [...new Set([...s].filter((c) => bad.test(c)))].map((c) => JSON.stringify(c)).join(", ");

function lengthCheck(name: string, limit: OfficialLimit, what: string, out: Problem[]): void {
  const n = measure(name, limit.unit);
  if (n < limit.min || n > limit.max) {
    const range = limit.min === limit.max ? `${limit.max}` : `${limit.min}–${limit.max}`;
    out.push(
      official(
        limit.code,
        `${what} "${name}" is ${n} ${limit.unit === "bytes" ? "bytes (UTF-8)" : "characters"} long; it must be ${range} ${limit.unit === "bytes" ? "bytes" : "characters"}.`,
      ),
    );
  }
}

// ---------------------------------------------------------------- S3 (C1)
const S3_BAD = /[^a-z0-9.-]/;
const S3_IP = /^\d{1,3}(\.\d{1,3}){3}$/;
const S3_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const S3_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
const S3_LIMIT: OfficialLimit = { min: 3, max: 63, unit: "chars", code: "S3_LENGTH" };

const s3Rules: RuleSet = {
  codes: [
    "S3_LENGTH",
    "S3_CHARSET",
    "S3_START_END",
    "S3_ADJACENT_PERIODS",
    "S3_IP_ADDRESS",
    "S3_RESERVED_PREFIX",
    "S3_RESERVED_SUFFIX",
    "S3_PERIOD",
    "S3_DOT_HYPHEN",
  ],
  limit: S3_LIMIT,
  check(name, out) {
    const what = "S3 bucket name";
    lengthCheck(name, S3_LIMIT, what, out);
    if (S3_BAD.test(name)) {
      out.push(
        official(
          "S3_CHARSET",
          `${what} "${name}" contains ${uniqueChars(name, S3_BAD)}; only lowercase letters, digits, "." and "-" are allowed.`,
        ),
      );
    }
    if (name.length > 0 && (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name))) {
      out.push(
        official("S3_START_END", `${what} "${name}" must begin and end with a lowercase letter or digit.`),
      );
    }
    if (name.includes(".."))
      out.push(official("S3_ADJACENT_PERIODS", `${what} "${name}" contains two adjacent periods.`));
    if (S3_IP.test(name))
      out.push(official("S3_IP_ADDRESS", `${what} "${name}" is formatted as an IP address.`));
    for (const p of S3_PREFIXES) {
      if (name.startsWith(p)) {
        out.push(
          official(
            "S3_RESERVED_PREFIX",
            `${what} "${name}" starts with "${p}", a prefix AWS reserves.`,
            "error",
            "Change the first segment of the name (usually the project).",
          ),
        );
      }
    }
    for (const s of S3_SUFFIXES) {
      if (name.endsWith(s)) {
        out.push(
          official(
            "S3_RESERVED_SUFFIX",
            `${what} "${name}" ends with "${s}", a suffix AWS reserves for access points and special buckets.`,
            "error",
            "Change the last segment of the name.",
          ),
        );
      }
    }
    if (name.includes(".")) {
      out.push(
        official(
          "S3_PERIOD",
          `${what} "${name}" contains a period: S3 Transfer Acceleration cannot be used and virtual-hosted HTTPS fails certificate validation.`,
          "warning",
          "Use hyphens instead of periods unless the bucket only hosts a static website.",
        ),
      );
    }
    if (name.includes(".-") || name.includes("-.")) {
      out.push(
        official(
          "S3_DOT_HYPHEN",
          `${what} "${name}" has a period next to a hyphen; AWS CDK and the AWS Toolkit reject it.`,
          "warning",
        ),
      );
    }
  },
};

// ---------------------------------------------------------------- Glue (C2)
// Glue's "single-line string" pattern: tab, U+0020–U+D7FF, U+E000–U+FFFD and astral characters.
const GLUE_SINGLE_LINE = /^[\t\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const GLUE_LIMIT: OfficialLimit = { min: 1, max: 255, unit: "bytes", code: "GLUE_LENGTH" };

function glueRules(kind: "database" | "table" | "crawler"): RuleSet {
  const identifier = kind !== "crawler";
  return {
    codes: identifier
      ? [
          "GLUE_LENGTH",
          "GLUE_CHARSET",
          "GLUE_UPPERCASE",
          "GLUE_ATHENA_CHARS",
          "GLUE_LEADING_UNDERSCORE",
          "GLUE_LEADING_DIGIT",
        ]
      : ["GLUE_LENGTH", "GLUE_CHARSET"],
    limit: GLUE_LIMIT,
    check(name, out) {
      const what = `Glue ${kind} name`;
      lengthCheck(name, GLUE_LIMIT, what, out);
      if (!GLUE_SINGLE_LINE.test(name)) {
        out.push(
          official(
            "GLUE_CHARSET",
            `${what} ${JSON.stringify(name)} contains line breaks or control characters; Glue accepts a single-line string only.`,
          ),
        );
      }
      if (!identifier) return;
      if (name !== name.toLowerCase()) {
        out.push(
          official(
            "GLUE_UPPERCASE",
            `${what} "${name}" has uppercase letters; Glue folds names to lowercase when it stores them, so the stored name would differ.`,
          ),
        );
      }
      if (/[^a-z0-9_]/i.test(name)) {
        out.push(
          official(
            "GLUE_ATHENA_CHARS",
            `${what} "${name}" contains ${uniqueChars(name, /[^a-z0-9_]/i)}; Athena works best with lowercase letters, digits and "_".`,
            "warning",
          ),
        );
      }
      if (name.startsWith("_"))
        out.push(
          official(
            "GLUE_LEADING_UNDERSCORE",
            `${what} "${name}" starts with "_"; Athena DDL needs backticks around it.`,
            "warning",
          ),
        );
      if (/^[0-9]/.test(name))
        out.push(
          official(
            "GLUE_LEADING_DIGIT",
            `${what} "${name}" starts with a digit; Athena queries need double quotes around it.`,
            "warning",
          ),
        );
    },
  };
}

// ---------------------------------------------------------------- Unity Catalog (C3)
// biome-ignore lint/suspicious/noControlCharactersInRegex: UC forbids control characters
const UC_FORBIDDEN = /[.\s/\u0000-\u001f\u007f]/;
const UC_LIMIT: OfficialLimit = { min: 1, max: 255, unit: "chars", code: "UC_LENGTH" };

function ucRules(kind: "catalog" | "schema" | "table" | "volume"): RuleSet {
  const codes = ["UC_LENGTH", "UC_FORBIDDEN_CHARS", "UC_UPPERCASE", "UC_NEEDS_QUOTING"];
  if (kind === "catalog") codes.push("UC_RESERVED_CATALOG", "UC_BUILTIN_CATALOG");
  if (kind === "schema") codes.push("UC_RESERVED_SCHEMA", "UC_DEFAULT_SCHEMA");
  return {
    codes,
    limit: UC_LIMIT,
    check(name, out) {
      const what = `Unity Catalog ${kind} name`;
      lengthCheck(name, UC_LIMIT, what, out);
      const forbidden = UC_FORBIDDEN.test(name);
      if (forbidden) {
        out.push(
          official(
            "UC_FORBIDDEN_CHARS",
            `${what} ${JSON.stringify(name)} contains ${uniqueChars(name, UC_FORBIDDEN)}; periods, spaces, "/" and control characters are not allowed.`,
          ),
        );
      }
      if (name !== name.toLowerCase()) {
        out.push(
          official(
            "UC_UPPERCASE",
            `${what} "${name}" has uppercase letters; Unity Catalog stores names in lowercase, so the stored name would differ.`,
          ),
        );
      }
      if (!forbidden && /[^a-zA-Z0-9_]/.test(name)) {
        out.push(
          official(
            "UC_NEEDS_QUOTING",
            `${what} "${name}" contains ${uniqueChars(name, /[^a-zA-Z0-9_]/)}; it must be quoted with backticks in SQL.`,
            "warning",
          ),
        );
      }
      const lower = name.toLowerCase();
      if (kind === "catalog") {
        if (lower.startsWith("sys") || lower.startsWith("databricks")) {
          out.push(
            official(
              "UC_RESERVED_CATALOG",
              `${what} "${name}" is reserved: catalog names starting with "sys" or "databricks" (any case) belong to Databricks.`,
              "error",
              "Change the first segment of the name.",
            ),
          );
        } else if (lower === "hive_metastore" || lower === "samples") {
          out.push(
            official(
              "UC_BUILTIN_CATALOG",
              `${what} "${name}" is a built-in catalog in many workspaces.`,
              "warning",
            ),
          );
        }
      }
      if (kind === "schema") {
        if (
          lower === "builtin" ||
          lower === "session" ||
          lower === "information_schema" ||
          lower.startsWith("sys") ||
          lower.startsWith("databricks")
        ) {
          out.push(
            official(
              "UC_RESERVED_SCHEMA",
              `${what} "${name}" is reserved (builtin, session, information_schema and names starting with "sys" or "databricks").`,
            ),
          );
        } else if (lower === "default") {
          out.push(
            official("UC_DEFAULT_SCHEMA", `${what} "default" already exists in every catalog.`, "warning"),
          );
        }
      }
    },
  };
}

// ---------------------------------------------------------------- simple length + charset targets
interface SimpleSpec {
  what: string;
  limit: OfficialLimit;
  charsetCode?: string;
  /** Characters NOT allowed (tested per character). */
  bad?: RegExp;
  allowed?: string;
  /** A `.fifo` suffix is allowed (and required for FIFO queues/topics). */
  fifo?: boolean;
}

function simpleRules(
  spec: SimpleSpec,
  extraCodes: string[] = [],
  extra?: (name: string, out: Problem[]) => void,
): RuleSet {
  const codes = [spec.limit.code, ...(spec.charsetCode ? [spec.charsetCode] : []), ...extraCodes];
  return {
    codes,
    limit: spec.limit,
    check(name, out) {
      lengthCheck(name, spec.limit, spec.what, out);
      if (spec.bad && spec.charsetCode) {
        const body = spec.fifo && name.endsWith(".fifo") ? name.slice(0, -5) : name;
        if (spec.bad.test(body)) {
          out.push(
            official(
              spec.charsetCode,
              `${spec.what} "${name}" contains ${uniqueChars(body, spec.bad)}; allowed: ${spec.allowed}.`,
            ),
          );
        }
      }
      extra?.(name, out);
    },
  };
}

function fifoSuffixCheck(what: string) {
  return (name: string, out: Problem[]) => {
    const m = /[-_]fifo$/i.exec(name);
    if (m) {
      out.push(
        official(
          "SQS_FIFO_SUFFIX",
          `${what} "${name}" ends with "${m[0]}"; a FIFO ${what.split(" ")[0]} name must end in ".fifo".`,
          "error",
          `Suggested name: "${name.slice(0, -5)}.fifo"`,
        ),
      );
    }
  };
}

const ALNUM_DASH_UNDERSCORE = /[^A-Za-z0-9_-]/;
const ALNUM_DASH_UNDERSCORE_DOT = /[^A-Za-z0-9_.-]/;
const IAM_BAD = /[^\w+=,.@-]/;
// Step Functions: no whitespace, brackets, wildcards, punctuation listed in the API, or controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: Step Functions forbids control characters
const SFN_BAD = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

const DBX_SECRET_SCOPE_BAD = /[^A-Za-z0-9_.@-]/;

function notebookRules(): RuleSet {
  return {
    codes: ["DBX_NOTEBOOK_PATH_ABSOLUTE", "DBX_NOTEBOOK_PATH_EMPTY_SEGMENT"],
    check(name, out) {
      if (!name.startsWith("/"))
        out.push(
          official(
            "DBX_NOTEBOOK_PATH_ABSOLUTE",
            `Notebook path "${name}" must be absolute (start with "/").`,
          ),
        );
      if (name.includes("//") || name.endsWith("/"))
        out.push(
          official("DBX_NOTEBOOK_PATH_EMPTY_SEGMENT", `Notebook path "${name}" has an empty path segment.`),
        );
    },
  };
}

function clusterRules(): RuleSet {
  return {
    codes: ["DBX_CLUSTER_NAME_TAG_SAFE"],
    check(name, out) {
      // The cluster name becomes the ClusterName tag on EC2/EBS, where Databricks keeps values
      // ≤255 Latin-1 characters.
      if (name.length > 255 || NOT_LATIN1.test(name)) {
        out.push(
          official(
            "DBX_CLUSTER_NAME_TAG_SAFE",
            `Cluster name "${name}" becomes the ClusterName tag on AWS; keep it ≤255 Latin-1 characters.`,
            "warning",
          ),
        );
      }
    },
  };
}

const NO_RULES: RuleSet = { codes: [], check() {} };

const RULES: Record<string, RuleSet> = {
  aws_s3_bucket: s3Rules,
  aws_glue_database: glueRules("database"),
  aws_glue_table: glueRules("table"),
  aws_glue_crawler: glueRules("crawler"),
  dbx_catalog: ucRules("catalog"),
  dbx_schema: ucRules("schema"),
  dbx_table: ucRules("table"),
  dbx_volume: ucRules("volume"),
  dbx_cluster: clusterRules(),
  dbx_job: simpleRules({
    what: "Databricks job name",
    limit: { min: 1, max: 4096, unit: "bytes", code: "DBX_JOB_NAME_LENGTH" },
  }),
  dbx_instance_pool: simpleRules({
    what: "Instance pool name",
    limit: { min: 1, max: 100, unit: "chars", code: "DBX_POOL_NAME_LENGTH" },
  }),
  dbx_sql_warehouse: simpleRules({
    what: "SQL warehouse name",
    limit: { min: 1, max: 99, unit: "chars", code: "DBX_WAREHOUSE_NAME_LENGTH" },
  }),
  dbx_secret_scope: simpleRules({
    what: "Secret scope name",
    limit: { min: 1, max: 128, unit: "chars", code: "DBX_SECRET_SCOPE_LENGTH" },
    charsetCode: "DBX_SECRET_SCOPE_CHARSET",
    bad: DBX_SECRET_SCOPE_BAD,
    allowed: 'letters, digits, "-", "_", "@", "."',
  }),
  dbx_notebook_path: notebookRules(),
  aws_sqs_queue: simpleRules(
    {
      what: "SQS queue name",
      limit: { min: 1, max: 80, unit: "chars", code: "SQS_LENGTH" },
      charsetCode: "SQS_CHARSET",
      bad: ALNUM_DASH_UNDERSCORE,
      allowed: 'letters, digits, "-", "_" (and a final ".fifo")',
      fifo: true,
    },
    ["SQS_FIFO_SUFFIX"],
    fifoSuffixCheck("SQS queue"),
  ),
  aws_sns_topic: simpleRules({
    what: "SNS topic name",
    limit: { min: 1, max: 256, unit: "chars", code: "SNS_LENGTH" },
    charsetCode: "SNS_CHARSET",
    bad: ALNUM_DASH_UNDERSCORE,
    allowed: 'letters, digits, "-", "_" (and a final ".fifo")',
    fifo: true,
  }),
  aws_lambda_function: simpleRules({
    what: "Lambda function name",
    limit: { min: 1, max: 64, unit: "chars", code: "LAMBDA_LENGTH" },
    charsetCode: "LAMBDA_CHARSET",
    bad: ALNUM_DASH_UNDERSCORE,
    allowed: 'letters, digits, "-", "_"',
  }),
  aws_iam_role: simpleRules({
    what: "IAM role name",
    limit: { min: 1, max: 64, unit: "chars", code: "IAM_ROLE_LENGTH" },
    charsetCode: "IAM_CHARSET",
    bad: IAM_BAD,
    allowed: 'letters, digits and "+ = , . @ _ -"',
  }),
  aws_iam_policy: simpleRules({
    what: "IAM policy name",
    limit: { min: 1, max: 128, unit: "chars", code: "IAM_POLICY_LENGTH" },
    charsetCode: "IAM_CHARSET",
    bad: IAM_BAD,
    allowed: 'letters, digits and "+ = , . @ _ -"',
  }),
  aws_kinesis_stream: simpleRules({
    what: "Kinesis stream name",
    limit: { min: 1, max: 128, unit: "chars", code: "KINESIS_LENGTH" },
    charsetCode: "KINESIS_CHARSET",
    bad: ALNUM_DASH_UNDERSCORE_DOT,
    allowed: 'letters, digits, "_", ".", "-"',
  }),
  aws_kinesis_firehose: simpleRules({
    what: "Firehose stream name",
    limit: { min: 1, max: 64, unit: "chars", code: "FIREHOSE_LENGTH" },
    charsetCode: "FIREHOSE_CHARSET",
    bad: ALNUM_DASH_UNDERSCORE_DOT,
    allowed: 'letters, digits, "_", ".", "-"',
  }),
  aws_dynamodb_table: simpleRules({
    what: "DynamoDB table name",
    limit: { min: 3, max: 255, unit: "chars", code: "DYNAMODB_LENGTH" },
    charsetCode: "DYNAMODB_CHARSET",
    bad: ALNUM_DASH_UNDERSCORE_DOT,
    allowed: 'letters, digits, "_", ".", "-"',
  }),
  aws_step_function: simpleRules({
    what: "Step Functions state machine name",
    limit: { min: 1, max: 80, unit: "chars", code: "SFN_LENGTH" },
    charsetCode: "SFN_CHARSET",
    bad: SFN_BAD,
    allowed: 'no whitespace, brackets, wildcards, control characters or any of " # % \\ ^ | ~ ` $ & , ; : /',
  }),
};

/** The official length limit of a type, or undefined when the platform documents none. */
export function officialLimit(type: string): OfficialLimit | undefined {
  return RULES[type]?.limit;
}

const regexCache = new Map<string, RegExp | null>();

/** Compile a house regex once (whole-name match). Returns null when it does not compile. */
export function houseRegex(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      // No `u` flag: v0.1 regexes such as `^[a-zA-Z0-9-_]+$` are only valid without it.
      re = new RegExp(`^(?:${pattern})$`);
    } catch {
      re = null;
    }
    regexCache.set(pattern, re);
  }
  return re;
}

/** The house length limits that apply to `type` in `conv`, strictest first, with where each comes from. */
export function houseMaxLengths(type: string, conv: Convention): { max: number; from: string }[] {
  const out: { max: number; from: string }[] = [];
  const p = conv.patterns[type];
  if (p?.max_length !== undefined) out.push({ max: p.max_length, from: `patterns.${type}.max_length` });
  const t = conv.validation.by_type?.[type]?.max_length;
  if (t !== undefined) out.push({ max: t, from: `validation.max_length.${type}` });
  if (conv.validation.max_length !== undefined)
    out.push({ max: conv.validation.max_length, from: "validation.max_length" });
  return out.sort((a, b) => a.max - b.max);
}

function houseAllowed(type: string, conv: Convention): { pattern: string; from: string }[] {
  const out: { pattern: string; from: string }[] = [];
  const p = conv.patterns[type];
  if (p?.allowed_chars !== undefined)
    out.push({ pattern: p.allowed_chars, from: `patterns.${type}.allowed_chars` });
  const t = conv.validation.by_type?.[type]?.allowed_chars;
  if (t !== undefined) out.push({ pattern: t, from: `validation.allowed_chars.${type}` });
  if (conv.validation.allowed_chars !== undefined)
    out.push({ pattern: conv.validation.allowed_chars, from: "validation.allowed_chars" });
  return out;
}

interface HouseRules {
  key: unknown[];
  maxLengths: { max: number; from: string }[];
  allowed: { pattern: string; from: string }[];
}
const houseCache = new WeakMap<Convention, Map<string, HouseRules>>();

/** What the house rules of a type are computed from; compared by identity to spot edits. */
export function houseRulesKey(type: string, conv: Convention): unknown[] {
  const v = conv.validation;
  return [conv.patterns[type], v.by_type?.[type], v.max_length, v.allowed_chars];
}

export function sameKey(a: unknown[], b: unknown[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return a.length === b.length;
}

// Computed once per convention and type; recomputed only when the objects they come from change.
function houseRulesFor(type: string, conv: Convention): HouseRules {
  let byType = houseCache.get(conv);
  if (!byType) {
    byType = new Map();
    houseCache.set(conv, byType);
  }
  const key = houseRulesKey(type, conv);
  let rules = byType.get(type);
  if (!rules || !sameKey(rules.key, key)) {
    rules = { key, maxLengths: houseMaxLengths(type, conv), allowed: houseAllowed(type, conv) };
    byType.set(type, rules);
  }
  return rules;
}

/**
 * The effective maximum length of a type's names: the official limit and every house limit, the
 * strictest wins. Undefined when nothing limits the type.
 */
export function effectiveLimit(
  type: string,
  conv?: Convention,
): { max: number; unit: "chars" | "bytes"; from: string } | undefined {
  const off = officialLimit(type);
  let best: { max: number; unit: "chars" | "bytes"; from: string } | undefined = off
    ? { max: off.max, unit: off.unit, from: `official ${off.code}` }
    : undefined;
  if (conv) {
    const house = houseMaxLengths(type, conv)[0];
    if (house && (!best || house.max < best.max))
      best = { max: house.max, unit: best?.unit ?? "chars", from: house.from };
  }
  return best;
}

/** Codes of every rule validateName checks for `type` (for explain). */
export function ruleCodes(type: string, conv?: Convention): string[] {
  const codes = ["NAME_EMPTY", ...(RULES[type] ?? NO_RULES).codes];
  if (conv) {
    if (houseMaxLengths(type, conv).length) codes.push("HOUSE_MAX_LENGTH");
    if (houseAllowed(type, conv).length) codes.push("HOUSE_ALLOWED_CHARS");
  }
  return codes;
}

/**
 * Check `name` against every official rule of its target and, when `conv` is given, the house
 * rules (`validation.max_length`, `validation.allowed_chars`, per-type and per-pattern forms).
 * Returns all problems at once (errors and warnings, each with code, source and a hint or a
 * suggested name when one exists). Unknown types get the house rules only. Never throws.
 */
export function validateName(type: string, name: string, conv?: Convention): Problem[] {
  const out: Problem[] = [];
  if (name.length === 0) {
    out.push(official("NAME_EMPTY", `The ${type} name is empty.`));
    return out;
  }
  (RULES[type] ?? NO_RULES).check(name, out);
  if (conv) {
    const house = houseRulesFor(type, conv);
    for (const h of house.maxLengths) {
      const n = measure(name, "chars");
      if (n > h.max) {
        out.push({
          code: "HOUSE_MAX_LENGTH",
          message: `Name "${name}" is ${n} characters long; the house limit (${h.from}) is ${h.max}.`,
          source: "house",
          severity: "error",
        });
      }
    }
    for (const a of house.allowed) {
      const re = houseRegex(a.pattern);
      if (re && !re.test(name)) {
        out.push({
          code: "HOUSE_ALLOWED_CHARS",
          message: `Name "${name}" does not match the house pattern ${a.pattern} (${a.from}).`,
          source: "house",
          severity: "error",
        });
      }
    }
  }
  if (out.length === 0) return out;
  const errors = out.filter((p) => p.severity !== "warning");
  if (errors.length) {
    const suggestion = suggestName(type, name, conv);
    if (suggestion !== undefined) {
      for (const p of errors) if (!p.hint) p.hint = `Suggested name: "${suggestion}"`;
    }
  }
  return out;
}

/**
 * A corrected form of `name` that passes every error rule for its target, or undefined when no
 * mechanical fix exists (reserved names, IP addresses) or the target has no fixable charset.
 */
export function suggestName(type: string, name: string, conv?: Convention): string | undefined {
  let s: string;
  if (type === "aws_s3_bucket") {
    s = name
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, "-")
      .replace(/\.{2,}/g, ".")
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
    s = s.slice(0, 63).replace(/[^a-z0-9]+$/, "");
  } else if (type === "aws_glue_database" || type === "aws_glue_table" || type in UC_TYPES) {
    s = name.toLowerCase().replace(/[^\p{L}\p{N}_]+/gu, "_");
  } else if (type === "aws_sqs_queue" && /[-_]fifo$/i.test(name)) {
    s = `${name.slice(0, -5)}.fifo`;
  } else {
    return undefined;
  }
  if (s === name || s.length === 0) return undefined;
  const problems: Problem[] = [];
  (RULES[type] ?? NO_RULES).check(s, problems);
  if (conv) {
    for (const a of houseAllowed(type, conv)) {
      const re = houseRegex(a.pattern);
      if (re && !re.test(s)) return undefined;
    }
  }
  return problems.some((p) => p.severity !== "warning") ? undefined : s;
}

const UC_TYPES = { dbx_catalog: 1, dbx_schema: 1, dbx_table: 1, dbx_volume: 1 };
