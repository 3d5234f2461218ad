/**
 * Template parsing: `{var}` placeholders, optional segments `{-var?}` `{_var?}` `{.var?}` (and
 * `{var?}` with no separator), literal text kept as is. Parsed templates are cached by string, so
 * the hot path never re-parses.
 */
import { DpnError } from "../core/errors.js";

export type TemplateSegment =
  | { kind: "literal"; text: string }
  | { kind: "var"; name: string; optional: boolean; prefix: string };

export interface ParsedTemplate {
  template: string;
  segments: TemplateSegment[];
  /** Variable names in order of first appearance. */
  variables: string[];
  /** Variables that must have a value (appear at least once as `{var}`). */
  required: string[];
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const cache = new Map<string, ParsedTemplate>();

/** One syntax problem in a template, with the 0-based index of the offending character. */
export interface TemplateSyntaxIssue {
  message: string;
  index: number;
}

/** Syntax problems of `template`; empty when it parses. Never throws. */
export function templateIssues(template: string): TemplateSyntaxIssue[] {
  const issues: TemplateSyntaxIssue[] = [];
  tryParse(template, issues);
  return issues;
}

/**
 * Parse a template (cached).
 *
 * @throws DpnError validation `TEMPLATE_INVALID` naming the template and the first problem.
 */
export function parseTemplate(template: string): ParsedTemplate {
  const hit = cache.get(template);
  if (hit) return hit;
  const issues: TemplateSyntaxIssue[] = [];
  const parsed = tryParse(template, issues);
  if (!parsed) {
    const first = issues[0] ?? { message: "it cannot be parsed", index: 0 };
    throw new DpnError("validation", "TEMPLATE_INVALID", `Invalid template "${template}": ${first.message}`, {
      hint: "Use {var} for a value, {-var?} / {_var?} / {.var?} for an optional segment; braces cannot be nested.",
      details: { template, index: first.index },
    });
  }
  cache.set(template, parsed);
  return parsed;
}

function tryParse(template: string, issues: TemplateSyntaxIssue[]): ParsedTemplate | undefined {
  const segments: TemplateSegment[] = [];
  const variables: string[] = [];
  const required = new Set<string>();
  let i = 0;
  let literal = "";
  while (i < template.length) {
    const ch = template.charAt(i);
    if (ch === "}") {
      issues.push({ message: `unmatched "}" at position ${i + 1}`, index: i });
      i++;
      continue;
    }
    if (ch !== "{") {
      literal += ch;
      i++;
      continue;
    }
    const close = template.indexOf("}", i + 1);
    const nextOpen = template.indexOf("{", i + 1);
    if (close === -1 || (nextOpen !== -1 && nextOpen < close)) {
      issues.push({ message: `unclosed "{" at position ${i + 1}`, index: i });
      i++;
      continue;
    }
    const body = template.slice(i + 1, close);
    let optional = false;
    let prefix = "";
    let name = body;
    if (name.endsWith("?")) {
      optional = true;
      name = name.slice(0, -1);
      const lead = name.charAt(0);
      if (name.length > 1 && (lead === "-" || lead === "_" || lead === ".")) {
        prefix = lead;
        name = name.slice(1);
      }
    }
    if (!VAR_NAME.test(name)) {
      issues.push({
        message: `"{${body}}" at position ${i + 1} is not a placeholder (variable names are letters, digits and _)`,
        index: i,
      });
    } else {
      if (literal) segments.push({ kind: "literal", text: literal });
      literal = "";
      segments.push({ kind: "var", name, optional, prefix });
      if (!variables.includes(name)) variables.push(name);
      if (!optional) required.add(name);
    }
    i = close + 1;
  }
  if (literal) segments.push({ kind: "literal", text: literal });
  if (issues.length) return undefined;
  return { template, segments, variables, required: variables.filter((v) => required.has(v)) };
}
