/**
 * A parsed YAML file that remembers where every node is, so each config problem can point at
 * `file:line:column`.
 */
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import type { Problem } from "../core/errors.js";

export type YamlPath = (string | number)[];

export interface YamlSource {
  file: string;
  /** The plain data (undefined when the YAML did not parse). */
  data: unknown;
  /** Syntax problems (empty when the YAML parsed). */
  problems: Problem[];
  /** 1-based position of the value at `path` (or of its key with `key: true`); nearest ancestor when absent. */
  locate(path: YamlPath, key?: boolean): { line: number; column: number };
}

/** `a.b[0].c` */
export function formatPath(path: YamlPath): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${p}` : p;
  return s || "(root)";
}

/** Parse `text` (the content of `file`). Never throws; syntax errors become problems. */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  const pos = (offset: number) => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const locate = (path: YamlPath, key = false) => locateIn(doc, path, key, pos);
  if (doc.errors.length) {
    const problems = doc.errors.map((e) => {
      const p = e.linePos?.[0];
      const firstLine = e.message.split("\n")[0] ?? e.message;
      return {
        code: "CONFIG_YAML_SYNTAX",
        message: `invalid YAML: ${firstLine}`,
        file,
        path: "(root)",
        line: p?.line ?? 1,
        column: p?.col ?? 1,
        hint: "Fix the YAML syntax at this position (indentation, quotes, a missing ':' or bracket).",
        severity: "error" as const,
      };
    });
    return { file, data: undefined, problems, locate };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return {
      file,
      data: undefined,
      problems: [
        {
          code: "CONFIG_YAML_SYNTAX",
          message: (e as Error).message,
          file,
          path: "(root)",
          line: 1,
          column: 1,
          hint: "Remove excessive aliases.",
          severity: "error",
        },
      ],
      locate,
    };
  }
  return { file, data: data ?? {}, problems: [], locate };
}

function locateIn(
  doc: Document,
  path: YamlPath,
  key: boolean,
  pos: (offset: number) => { line: number; column: number },
): { line: number; column: number } {
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n);
    if (key && n === path.length && n > 0) {
      const parent = sub.length > 1 ? doc.getIn(sub.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const last = sub[sub.length - 1];
        const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === last);
        if (pair && isNode(pair.key) && pair.key.range) return pos(pair.key.range[0]);
      }
      continue;
    }
    const node = n === 0 ? doc.contents : doc.getIn(sub, true);
    if (isNode(node) && node.range) return pos(node.range[0]);
  }
  return { line: 1, column: 1 };
}
