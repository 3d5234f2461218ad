/**
 * Rules a merged convention must satisfy beyond its schema: templates parse, regexes compile,
 * region codes stay unique, type keys name a pattern, transformations do not contradict
 * themselves. Each problem points at the YAML node that causes it.
 */

import { didYouMean } from "../core/did-you-mean.js";
import type { Problem } from "../core/errors.js";
import { houseRegex } from "../naming/rules.js";
import { parseTemplate, templateIssues } from "../naming/template.js";
import type { Convention } from "../naming/types.js";
import { formatPath, type YamlPath, type YamlSource } from "./yaml-source.js";

/** Where a user pattern's template sits in naming-patterns.yaml. */
export interface PatternOrigin {
  templatePath: YamlPath;
  objectPath?: YamlPath;
}

export interface RuleSources {
  values: YamlSource | undefined;
  patterns: YamlSource | undefined;
  origins: Map<string, PatternOrigin>;
  /** Type keys of a patterns file that failed its schema: still known, so no false "unknown type". */
  extraTypes?: string[];
}

/** Every rule problem of `conv`; only problems that come from a user file are reported. Never throws. */
export function conventionRules(conv: Convention, src: RuleSources): Problem[] {
  const out: Problem[] = [];
  const at = (s: YamlSource, path: YamlPath, key: boolean, code: string, message: string, hint?: string) => {
    const { line, column } = s.locate(path, key);
    out.push({
      code,
      message,
      file: s.file,
      path: formatPath(path),
      line,
      column,
      severity: "error",
      ...(hint ? { hint } : {}),
    });
  };
  const types = [...Object.keys(conv.patterns), ...(src.extraTypes ?? [])];
  const typeHint = (t: string) =>
    `${didYouMean(t, types) ?? ""} A type needs a pattern in naming-patterns.yaml (built-in or under patterns:).`.trim();

  const p = src.patterns;
  if (p) {
    for (const [type, origin] of src.origins) {
      const spec = conv.patterns[type];
      if (!spec) continue; // every origin is a merged pattern: loadConvention records both together
      const issues = templateIssues(spec.template);
      for (const issue of issues) {
        at(
          p,
          origin.templatePath,
          false,
          "TEMPLATE_INVALID",
          `Template of ${type} "${spec.template}": ${issue.message}.`,
          "Use {var} for a value and {-var?} / {_var?} / {.var?} for an optional segment.",
        );
      }
      if (spec.allowed_chars !== undefined && houseRegex(spec.allowed_chars) === null) {
        at(
          p,
          [...(origin.objectPath ?? ["patterns", type]), "allowed_chars"],
          false,
          "REGEX_INVALID",
          `allowed_chars of ${type} is not a valid regular expression: ${spec.allowed_chars}`,
          regexHint(spec.allowed_chars),
        );
      }
      if (!issues.length && spec.protected) {
        const vars = parseTemplate(spec.template).variables;
        spec.protected.forEach((v, i) => {
          if (!vars.includes(v)) {
            at(
              p,
              [...(origin.objectPath ?? ["patterns", type]), "protected", i],
              false,
              "PROTECTED_UNKNOWN_VARIABLE",
              `protected lists "${v}", which the ${type} template does not use.`,
              didYouMean(v, vars) ?? `Template variables: ${vars.join(", ")}.`,
            );
          }
        });
      }
    }
    if (conv.validation.allowed_chars !== undefined && houseRegex(conv.validation.allowed_chars) === null) {
      at(
        p,
        ["validation", "allowed_chars"],
        false,
        "REGEX_INVALID",
        `validation.allowed_chars is not a valid regular expression: ${conv.validation.allowed_chars}`,
        regexHint(conv.validation.allowed_chars),
      );
    }
    for (const [type, tv] of Object.entries(conv.validation.by_type ?? {})) {
      if (tv.allowed_chars !== undefined && houseRegex(tv.allowed_chars) === null) {
        at(
          p,
          ["validation", "allowed_chars", type],
          false,
          "REGEX_INVALID",
          `validation.allowed_chars.${type} is not a valid regular expression: ${tv.allowed_chars}`,
          regexHint(tv.allowed_chars),
        );
      }
    }
    for (const key of ["max_length", "allowed_chars", "required_variables"] as const) {
      for (const [type, v] of Object.entries(conv.validation.by_type ?? {})) {
        if (v[key] !== undefined && !types.includes(type)) {
          at(
            p,
            ["validation", key, type],
            true,
            "UNKNOWN_RESOURCE_TYPE",
            `validation.${key} names the unknown type "${type}".`,
            typeHint(type),
          );
        }
      }
    }
    // Region codes: the merged mapping must give every region its own code.
    const byCode = new Map<string, string[]>();
    for (const [region, code] of Object.entries(conv.transformations.region_mapping)) {
      byCode.set(code, [...(byCode.get(code) ?? []), region]);
    }
    const userMapping =
      (p.data as { transformations?: { region_mapping?: Record<string, string> } }).transformations
        ?.region_mapping ?? {};
    for (const region of Object.keys(userMapping)) {
      const code = conv.transformations.region_mapping[region];
      if (code === undefined) continue; // the user's mapping is merged in: cannot happen
      const others = (byCode.get(code) ?? []).filter((r) => r !== region);
      if (others.length) {
        at(
          p,
          ["transformations", "region_mapping", region],
          false,
          "REGION_CODE_DUPLICATE",
          `Region code "${code}" of ${region} is also the code of ${others.join(", ")}; two regions would get the same names.`,
          `Pick a code no other region uses (or also remap ${others.join(", ")}).`,
        );
      }
    }
    const upper = new Set(conv.transformations.uppercase);
    conv.transformations.lowercase.forEach((v, i) => {
      if (upper.has(v)) {
        at(
          p,
          ["transformations", "lowercase", i],
          false,
          "CONFIG_CONFLICT",
          `"${v}" is listed in both transformations.lowercase and transformations.uppercase.`,
          "Keep it in one list.",
        );
      }
    });
  }

  const v = src.values;
  if (v) {
    const data = v.data as { resource_types?: Record<string, unknown> };
    for (const type of Object.keys(data.resource_types ?? {})) {
      if (!types.includes(type)) {
        at(
          v,
          ["resource_types", type],
          true,
          "UNKNOWN_RESOURCE_TYPE",
          `resource_types names the unknown type "${type}".`,
          typeHint(type),
        );
      }
    }
  }
  return out;
}

function regexHint(re: string): string {
  if (re.includes("(?P<")) return "Python named groups (?P<name>...) are written (?<name>...) in JavaScript.";
  return "Write a JavaScript regular expression, e.g. ^[a-z0-9-]+$.";
}
