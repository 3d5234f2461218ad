import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, type RegisteredCode, renderCodeTable } from "./error-codes.js";
import { type ErrorKind, kindOfCategory, type ProviderErrorCategory } from "./errors.js";

const SRC = path.resolve(import.meta.dirname, "..");
const DOC = path.resolve(SRC, "../docs/exit-codes.md");

/** Every raising site in src with a literal code: the helper or class, the literal kind or category. */
interface Site {
  where: string;
  code: string;
  kind: ErrorKind | undefined;
}

const HELPER_KIND: Record<string, ErrorKind> = {
  usageError: "usage",
  validationError: "validation",
  stateError: "state",
  internalError: "internal",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [p] : [];
  });
}

function raisingSites(): Site[] {
  const sites: Site[] = [];
  for (const file of sourceFiles(SRC)) {
    const src = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
        const callee = n.expression.getText(src);
        const args = n.arguments ?? ts.factory.createNodeArray();
        const literal = (a: ts.Expression | undefined) => (a && ts.isStringLiteral(a) ? a.text : undefined);
        let code: string | undefined;
        let kind: ErrorKind | undefined;
        if (callee in HELPER_KIND) {
          code = literal(args[0]);
          kind = HELPER_KIND[callee];
        } else if (callee === "DpnError") {
          code = literal(args[1]);
          kind = literal(args[0]) as ErrorKind | undefined;
        } else if (callee === "ProviderError" || callee === "awsRefusal" || callee === "platformError") {
          code = literal(args[1]);
          const category = literal(args[0]);
          kind = category === undefined ? undefined : kindOfCategory(category as ProviderErrorCategory);
        }
        if (code !== undefined) {
          const line = src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1;
          sites.push({ where: `${path.relative(SRC, file)}:${line}`, code, kind });
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(src);
  }
  return sites;
}

describe("error-code registry", () => {
  const sites = raisingSites();

  it("finds the raising sites (the scan itself works)", () => {
    expect(sites.length).toBeGreaterThan(150);
    expect(sites.some((s) => s.code === "STACK_LOCKED" && s.kind === "state")).toBe(true);
  });

  it("every literal code raised in src is registered, with the kind the registry gives it: one code, one exit", () => {
    const wrong = sites.flatMap((s) => {
      const entry = ERROR_CODES[s.code as RegisteredCode] as { kind: ErrorKind } | undefined;
      if (!entry) return [`${s.where}: ${s.code} is not registered`];
      if (s.kind !== undefined && s.kind !== entry.kind)
        return [`${s.where}: ${s.code} raised as ${s.kind}, registered as ${entry.kind}`];
      return [];
    });
    expect(wrong).toEqual([]);
  });

  it("every registered code is raised somewhere or documented as passed through", () => {
    const raised = new Set(sites.map((s) => s.code));
    // codes raised through a computed expression (a category table, a ternary, a model's field)
    const text = sourceFiles(SRC)
      .filter((f) => !f.endsWith("error-codes.ts"))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    const unused = Object.keys(ERROR_CODES).filter((c) => !raised.has(c) && !text.includes(`"${c}"`));
    expect(unused).toEqual([]);
  });

  it("docs/exit-codes.md holds the generated code table (npm run docs regenerates it)", () => {
    const doc = readFileSync(DOC, "utf8");
    const begin = doc.indexOf("<!-- codes:begin -->");
    const end = doc.indexOf("<!-- codes:end -->");
    expect(begin, "markers in docs/exit-codes.md").toBeGreaterThan(0);
    expect(doc.slice(begin, end + "<!-- codes:end -->".length)).toBe(renderCodeTable());
  });
});
