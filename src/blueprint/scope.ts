/**
 * The blueprint `scope`: include or exclude resources by glob over their type key
 * (`aws_s3_bucket`, `dbx_*`) or their address (`dbx_table.*.sales_bronze.*`).
 * `*` matches any run of characters (dots included), `?` exactly one, as in v0.1.
 */

export interface ScopeSpec {
  mode: "include" | "exclude";
  patterns: string[];
}

/** Compiles a glob to an anchored regular expression. Never throws. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (const ch of glob) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export interface CompiledScope {
  /** True when the resource stays in the plan. */
  keeps(type: string, address: string): boolean;
  /** Patterns that matched no resource so far (for a typo warning). */
  unusedPatterns(): string[];
}

/** Compiles a scope; with no scope everything is kept. */
export function compileScope(scope: ScopeSpec | undefined): CompiledScope {
  if (!scope) return { keeps: () => true, unusedPatterns: () => [] };
  const compiled = scope.patterns.map((p) => ({ pattern: p, re: globToRegExp(p), used: false }));
  return {
    keeps(type, address) {
      let matched = false;
      for (const c of compiled) {
        if (c.re.test(type) || c.re.test(address)) {
          c.used = true;
          matched = true;
        }
      }
      return scope.mode === "include" ? matched : !matched;
    },
    unusedPatterns: () => compiled.filter((c) => !c.used).map((c) => c.pattern),
  };
}

/** Reads a scope from an unchecked blueprint value; undefined when absent or malformed. */
export function scopeOf(value: unknown): ScopeSpec | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = value as Record<string, unknown>;
  if ((v.mode !== "include" && v.mode !== "exclude") || !Array.isArray(v.patterns)) return undefined;
  return {
    mode: v.mode,
    patterns: v.patterns.filter((p): p is string => typeof p === "string" && p.length > 0),
  };
}
