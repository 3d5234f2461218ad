/**
 * A job's `schedule: {cron, timezone}`, checked before any call: the cron must be a Quartz
 * expression the Jobs API accepts (kit/quartz-cron.ts) and the timezone a zone id both the Jobs
 * API (Java zone ids) and this runtime know: one of `Intl.supportedValuesOf("timeZone")`, or
 * "UTC". Each problem is located at the field and names the value.
 */
import { closest } from "../core/did-you-mean.js";
import type { Problem } from "../core/errors.js";
import { asRecord, asString } from "./kit/entry-values.js";
import { at, err } from "./kit/located.js";
import { quartzCronProblems } from "./kit/quartz-cron.js";
import type { CheckContext, EntryNode } from "./spec.js";

let zones: ReadonlySet<string> | undefined;

/** The time zone ids a schedule may name (computed once). */
export function knownTimeZones(): ReadonlySet<string> {
  zones ??= new Set(["UTC", ...Intl.supportedValuesOf("timeZone")]);
  return zones;
}

/**
 * The zone an alias stands for when this runtime resolves `tz` exactly as spelt to a known zone
 * (US/Eastern → America/New_York); undefined otherwise.
 */
function canonicalZone(tz: string): string | undefined {
  try {
    const resolved = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
    return resolved !== tz && knownTimeZones().has(resolved) ? resolved : undefined;
  } catch (e) {
    if (e instanceof RangeError) return undefined; // not a time zone at all
    throw e;
  }
}

/** Why `tz` is not a schedule time zone, with the hint; undefined when it is one. */
export function timeZoneProblem(tz: string): { message: string; hint: string } | undefined {
  const known = knownTimeZones();
  if (known.has(tz)) return undefined;
  const alias = canonicalZone(tz);
  const near = alias ?? closest(tz, known);
  return {
    message: `timezone ${JSON.stringify(tz)} is not a known time zone id`,
    hint: `${near ? `Use ${JSON.stringify(near)}${alias ? ` (what ${JSON.stringify(tz)} stands for)` : ""}; time zone ids` : "Time zone ids"} are IANA names as spelt in Intl.supportedValuesOf("timeZone"), such as UTC, Europe/Paris or America/New_York.`,
  };
}

/** Every problem of a job entry's object schedule (see the module comment). Never throws. */
export function checkJobSchedule(node: EntryNode, ctx: CheckContext): Problem[] {
  const schedule = asRecord(node.entry.schedule);
  if (!schedule) return [];
  const out: Problem[] = [];
  const base = [...node.segments, "schedule"];
  const cron = asString(schedule.cron);
  if (cron !== undefined) {
    const why = quartzCronProblems(cron);
    if (why.length)
      out.push(
        err({
          code: "BLUEPRINT_SCHEDULE_CRON_INVALID",
          message: `cron ${JSON.stringify(cron)} of job ${node.path} is not a Quartz cron expression: ${why.join("; ")}`,
          ...at(ctx.source, [...base, "cron"]),
          hint: "Quartz cron has 6 or 7 fields, seconds first, with ? in day-of-month or day-of-week: for example 0 30 2 * * ? (02:30 every day) or 0 0 6 ? * MON-FRI (06:00 on weekdays).",
        }),
      );
  }
  const tz = asString(schedule.timezone);
  const bad = tz === undefined ? undefined : timeZoneProblem(tz);
  if (bad)
    out.push(
      err({
        code: "BLUEPRINT_SCHEDULE_TIMEZONE_UNKNOWN",
        message: `${bad.message} (job ${node.path})`,
        ...at(ctx.source, [...base, "timezone"]),
        hint: bad.hint,
      }),
    );
  return out;
}
