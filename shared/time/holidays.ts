/**
 * The days US callers name by holiday ("the day after Thanksgiving", "Christmas Eve", "Labor Day"):
 * the rule for each, as a date in a given year. Observed days (a Saturday holiday kept on the Friday)
 * are the business's affair, not the caller's words, so they are not here.
 */
import { Temporal } from "@js-temporal/polyfill";

type Rule = (year: number) => Temporal.PlainDate;

const fixed = (month: number, day: number): Rule => (year) => Temporal.PlainDate.from({ year, month, day });
/** The nth given weekday of a month (1 = Monday); n = -1 is the last. */
const nth = (month: number, weekday: number, n: number): Rule => (year) => {
  if (n < 0) {
    const last = Temporal.PlainDate.from({ year, month, day: 1 }).add({ months: 1 }).subtract({ days: 1 });
    return last.subtract({ days: (last.dayOfWeek - weekday + 7) % 7 });
  }
  const first = Temporal.PlainDate.from({ year, month, day: 1 });
  return first.add({ days: ((weekday - first.dayOfWeek + 7) % 7) + 7 * (n - 1) });
};

/** Easter Sunday (Gregorian, the anonymous algorithm). */
function easter(year: number): Temporal.PlainDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return Temporal.PlainDate.from({ year, month, day });
}

/** Holiday names as callers say them (lower case, apostrophes optional), and their rules. */
const HOLIDAYS: ReadonlyArray<readonly [RegExp, Rule]> = [
  [/new year'?s eve/, fixed(12, 31)],
  [/new year'?s(?: day)?/, fixed(1, 1)],
  [/christmas eve/, fixed(12, 24)],
  [/christmas(?: day)?|xmas/, fixed(12, 25)],
  [/boxing day/, fixed(12, 26)],
  [/thanksgiving(?: day)?/, nth(11, 4, 4)],
  [/black friday/, (year) => nth(11, 4, 4)(year).add({ days: 1 })],
  [/halloween/, fixed(10, 31)],
  [/valentine'?s(?: day)?/, fixed(2, 14)],
  [/(?:saint|st) patrick'?s(?: day)?/, fixed(3, 17)],
  [/independence day|(?:the )?(?:fourth|4th) of july/, fixed(7, 4)],
  [/juneteenth/, fixed(6, 19)],
  [/veterans'? day/, fixed(11, 11)],
  [/memorial day/, nth(5, 1, -1)],
  [/labou?r day/, nth(9, 1, 1)],
  [/(?:martin luther king|mlk)(?: jr)?(?: day)?/, nth(1, 1, 3)],
  [/presidents'? day|washington'?s birthday/, nth(2, 1, 3)],
  [/columbus day|indigenous peoples'? day/, nth(10, 1, 2)],
  [/mother'?s day/, nth(5, 7, 2)],
  [/father'?s day/, nth(6, 7, 3)],
  [/good friday/, (year) => easter(year).subtract({ days: 2 })],
  [/easter monday/, (year) => easter(year).add({ days: 1 })],
  [/easter(?: sunday)?/, easter],
];

/** One pattern for every holiday name, in the table's order: "christmas eve" before "christmas". */
export const HOLIDAY_NAMES = HOLIDAYS.map(([pattern]) => pattern.source).join("|");

/**
 * The next date (on or after `today`) of the holiday named, shifted by `offsetDays` ("the day after
 * Thanksgiving" is +1, and is on or after today itself); undefined for a name not in the table.
 *
 * @example
 * holidayDate("the day after thanksgiving".slice(14), 1, Temporal.PlainDate.from("2026-01-20")); // 2026-11-27
 */
export function holidayDate(name: string, offsetDays: number, today: Temporal.PlainDate): Temporal.PlainDate | undefined {
  const rule = HOLIDAYS.find(([pattern]) => new RegExp(`^(?:${pattern.source})$`).test(name))?.[1];
  if (rule === undefined) return undefined;
  for (const year of [today.year, today.year + 1]) {
    const date = rule(year).add({ days: offsetDays });
    if (Temporal.PlainDate.compare(date, today) >= 0) return date;
  }
  return rule(today.year + 2).add({ days: offsetDays });
}
