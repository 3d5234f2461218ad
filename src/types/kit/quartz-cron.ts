/**
 * Checking a Quartz cron expression as the Databricks Jobs API reads `quartz_cron_expression`
 * (Quartz's CronExpression): `seconds minutes hours day-of-month month day-of-week [year]`.
 *
 * | field        | values            | special                    |
 * |--------------|-------------------|----------------------------|
 * | seconds      | 0-59              | , - * /                    |
 * | minutes      | 0-59              | , - * /                    |
 * | hours        | 0-23              | , - * /                    |
 * | day-of-month | 1-31              | , - * / ? L L-n W LW       |
 * | month        | 1-12 or JAN-DEC   | , - * /                    |
 * | day-of-week  | 1-7 or SUN-SAT    | , - * / ? L nL n#k         |
 * | year         | 1970-2099         | , - * /                    |
 *
 * Exactly one of day-of-month and day-of-week is `?` (Quartz refuses both set — "Support for
 * specifying both a day-of-week AND a day-of-month parameter is not implemented" — and both `?`).
 * Ranges may wrap (`FRI-MON`, `22-2`), as in Quartz 2. Pure; never throws.
 */

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: readonly Field[] = [
  { name: "seconds", min: 0, max: 59 },
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 1, max: 7, names: DAYS },
  { name: "year", min: 1970, max: 2099 },
];

/** A value of `f`: a number in range or (month, day-of-week) a three-letter name; else why not. */
function value(f: Field, raw: string): number | string {
  const named = f.names?.indexOf(raw.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(raw))
    return `'${raw}' is not a ${f.name} value (${f.min}-${f.max}${f.names ? ` or ${f.names[0]}-${f.names[f.names.length - 1]}` : ""})`;
  const n = Number(raw);
  return n >= f.min && n <= f.max ? n : `${f.name} ${n} is out of range ${f.min}-${f.max}`;
}

/** One list item: `*`, `v`, `a-b`, each optionally `/step`. */
function item(f: Field, raw: string): string | undefined {
  const [base = "", step, extra] = raw.split("/");
  if (extra !== undefined) return `'${raw}' has more than one '/'`;
  if (step !== undefined) {
    if (!/^\d+$/.test(step)) return `'${raw}': the increment after '/' must be a number`;
    const n = Number(step);
    if (n < 1 || n > f.max - f.min + 1)
      return `'${raw}': increment ${n} is out of range 1-${f.max - f.min + 1}`;
  }
  if (base === "*") return undefined;
  const [from = "", to, more] = base.split("-");
  if (more !== undefined) return `'${raw}' is not a range`;
  for (const part of to === undefined ? [from] : [from, to]) {
    const v = value(f, part);
    if (typeof v === "string") return v;
  }
  return undefined;
}

/** A `,`-separated list of items, or the field's own specials. */
function field(f: Field, raw: string): string | undefined {
  if (raw === "?") {
    return f.name === "day-of-month" || f.name === "day-of-week"
      ? undefined
      : `'?' is allowed only in day-of-month or day-of-week, not in ${f.name}`;
  }
  if (f.name === "day-of-month") {
    if (raw === "L" || raw === "LW") return undefined;
    const offset = /^L-(\d+)$/.exec(raw);
    if (offset) return Number(offset[1]) <= 30 ? undefined : `'${raw}': the offset from L is at most 30`;
    const weekday = /^(\d+)W$/.exec(raw);
    if (weekday) {
      const v = value(f, weekday[1] ?? "");
      return typeof v === "string" ? v : undefined;
    }
  }
  if (f.name === "day-of-week") {
    if (raw === "L") return undefined;
    const last = /^([A-Za-z]{3}|\d+)L$/.exec(raw);
    if (last) {
      const v = value(f, last[1] ?? "");
      return typeof v === "string" ? v : undefined;
    }
    const nth = /^([A-Za-z]{3}|\d+)#(\d+)$/.exec(raw);
    if (nth) {
      const v = value(f, nth[1] ?? "");
      if (typeof v === "string") return v;
      const k = Number(nth[2]);
      return k >= 1 && k <= 5 ? undefined : `'${raw}': the week after '#' must be 1-5`;
    }
  }
  if (/[LW#?]/i.test(raw.replace(/[A-Za-z]{3}/g, (m) => (f.names?.includes(m.toUpperCase()) ? "" : m))))
    return `'${raw}' uses L, W, # or ? where ${f.name} does not allow it (alone, or not in a list)`;
  for (const part of raw.split(",")) {
    if (part === "") return `'${raw}' has an empty list item`;
    const why = item(f, part);
    if (why) return why;
  }
  return undefined;
}

/**
 * Why `expression` is not a Quartz cron expression Databricks accepts (one reason per faulty
 * field, in field order), or an empty list when it is one. Whitespace between fields may be any
 * run of blanks.
 */
export function quartzCronProblems(expression: string): string[] {
  const parts = expression.trim().split(/\s+/);
  if (parts.length < 6 || parts.length > 7 || parts[0] === "")
    return [
      `it has ${parts[0] === "" ? 0 : parts.length} fields; Quartz needs 6 or 7: seconds minutes hours day-of-month month day-of-week [year]`,
    ];
  const out: string[] = [];
  parts.forEach((p, i) => {
    const f = FIELDS[i] as Field;
    const why = field(f, p);
    if (why) out.push(`${f.name}: ${why}`);
  });
  const dom = parts[3];
  const dow = parts[5];
  if (dom === "?" && dow === "?") out.push("'?' may be in day-of-month or in day-of-week, not in both");
  else if (dom !== "?" && dow !== "?")
    out.push(
      "Quartz needs '?' in day-of-month or in day-of-week (it does not support both fields set, e.g. 0 0 2 * * ? or 0 0 2 ? * MON)",
    );
  return out;
}
