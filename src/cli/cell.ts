/** A value for a table cell: JSON, shortened. */
export function cell(v: unknown, max = 60): string {
  if (v === undefined || v === null) return "-";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
