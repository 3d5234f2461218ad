/**
 * Column widths of a plain text table: for each header cell, the longest of it and that column's
 * cells. A loop, not `Math.max(...cells)`: a spread of 100k+ rows overflows the call stack.
 */
export function columnWidths(header: readonly string[], rows: readonly (readonly string[])[]): number[] {
  const widths = header.map((h) => h.length);
  for (const row of rows)
    for (let c = 0; c < widths.length; c++) {
      const len = row[c]?.length ?? 0;
      if (len > (widths[c] ?? 0)) widths[c] = len;
    }
  return widths;
}
