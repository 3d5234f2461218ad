import { describe, expect, it } from "vitest";
import { quartzCronProblems } from "./quartz-cron.js";

describe("quartzCronProblems", () => {
  it.each([
    "0 30 2 * * ?",
    "0 0 * * * ?",
    "0 0 0 ? * MON",
    "0  30   2 * * ?",
    "0 0/15 8-17 ? * MON-FRI",
    "*/30 * * ? * *",
    "0 0 12 L * ?",
    "0 0 12 L-3 * ?",
    "0 0 12 15W * ?",
    "0 0 12 LW * ?",
    "0 0 12 ? * 6L",
    "0 0 12 ? * L",
    "0 0 12 ? * FRI#3",
    "0 0 12 1 JAN,JUL ? 2027",
    "0 0 12 1 jan ? 2027/2",
    "0 15 10 ? * 6L 2026-2030",
    "0 0 22-2 * * ?",
    "0 0 12 ? * SUN-SAT",
    "0 0 12 1,15 * ? *",
  ])("accepts %s", (cron) => {
    expect(quartzCronProblems(cron)).toEqual([]);
  });

  it.each([
    ["* * * * *", /has 5 fields; Quartz needs 6 or 7/],
    ["0 0 0 * * ? 2026 x", /has 8 fields/],
    ["", /has 0 fields/],
    ["0 0 * * * *", /needs '\?' in day-of-month or in day-of-week/],
    ["0 0 0 ? * ?", /not in both/],
    ["0 60 * * * ?", /minutes: minutes 60 is out of range 0-59/],
    ["0 0 24 * * ?", /hours: hours 24 is out of range 0-23/],
    ["0 0 0 32 * ?", /day-of-month: day-of-month 32 is out of range 1-31/],
    ["0 0 0 ? 13 MON", /month: month 13 is out of range 1-12/],
    ["0 0 0 ? * 8", /day-of-week: day-of-week 8 is out of range 1-7/],
    ["0 0 0 ? * FOO", /'FOO' is not a day-of-week value \(1-7 or SUN-SAT\)/],
    ["0 0 0 ? * MON#6", /the week after '#' must be 1-5/],
    ["0 0 0 * * ? 1969", /year: year 1969 is out of range 1970-2099/],
    ["0 0/0 * * * ?", /increment 0 is out of range 1-60/],
    ["0 ? 0 * * ?", /'\?' is allowed only in day-of-month or day-of-week, not in minutes/],
    ["0 0 0 L,5 * ?", /uses L, W, # or \?/],
    ["0 0 0 5L * ?", /uses L, W, # or \?/],
    ["0 0 0 1-2-3 * ?", /is not a range/],
    ["0 0 0 1,,2 * ?", /empty list item/],
    ["0 0 0 L-31 * ?", /offset from L is at most 30/],
  ])("refuses %s", (cron, why) => {
    const problems = quartzCronProblems(cron);
    expect(problems.join("; ")).toMatch(why);
  });
});
