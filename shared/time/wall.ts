/**
 * Wall-clock readings as plain numbers, for the slot search's hot path: "wall milliseconds" (the epoch
 * milliseconds the same reading would have in UTC) to calendar fields and ISO strings. Proleptic
 * Gregorian calendar arithmetic only; which wall clock an instant shows in a zone (the offset) always
 * comes from Temporal, through `zoneOffsets`. Checked against Temporal by wall.test.ts.
 */
import type { Temporal } from "@js-temporal/polyfill";

export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;

/** The calendar fields of one wall-clock reading. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 1 = Monday ... 7 = Sunday, as Temporal numbers them. */
  dayOfWeek: number;
  /** Days since 1970-01-01 of this date (for "today"/"tomorrow" without date objects). */
  dayNumber: number;
}

/**
 * Calendar fields of a wall-clock reading given in wall milliseconds.
 *
 * @example
 * wallClock(Date.UTC(2026, 0, 23, 15, 30)); // { year: 2026, month: 1, day: 23, hour: 15, minute: 30, second: 0, dayOfWeek: 5, ... }
 */
export function wallClock(wallMs: number): WallClock {
  const dayNumber = Math.floor(wallMs / MS_PER_DAY);
  const msOfDay = wallMs - dayNumber * MS_PER_DAY;
  // Days to civil date (H. Hinnant, "chrono-compatible low-level date algorithms").
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  return {
    year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1,
    hour: Math.floor(msOfDay / 3_600_000),
    minute: Math.floor(msOfDay / MS_PER_MINUTE) % 60,
    second: Math.floor(msOfDay / 1000) % 60,
    // 1970-01-01 was a Thursday (4).
    dayOfWeek: ((((dayNumber + 3) % 7) + 7) % 7) + 1,
    dayNumber,
  };
}

/** Days since 1970-01-01 of a calendar date (the inverse of `wallClock`'s date part). */
export function dayNumberOf(date: { year: number; month: number; day: number }): number {
  const year = date.month <= 2 ? date.year - 1 : date.year;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const monthIndex = date.month > 2 ? date.month - 3 : date.month + 9;
  const dayOfYear = Math.floor((153 * monthIndex + 2) / 5) + date.day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Wall milliseconds of the start of a local date. */
export function wallMsOfDate(date: Temporal.PlainDate | { year: number; month: number; day: number }): number {
  return dayNumberOf(date) * MS_PER_DAY;
}

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * ISO 8601 with offset for an instant given as its wall reading and offset, the way Temporal prints
 * `zonedDateTime.toString({ timeZoneName: "never" })`.
 *
 * @example
 * isoWithOffset(Date.UTC(2026, 0, 23, 15), -5 * 3_600_000); // "2026-01-23T15:00:00-05:00"
 */
export function isoWithOffset(wallMs: number, offsetMs: number): string {
  const wall = wallClock(wallMs);
  const sign = offsetMs < 0 ? "-" : "+";
  const offsetMinutes = Math.abs(Math.round(offsetMs / MS_PER_MINUTE));
  const year = wall.year >= 0 && wall.year <= 9999 ? String(wall.year).padStart(4, "0") : `${wall.year < 0 ? "-" : "+"}${String(Math.abs(wall.year)).padStart(6, "0")}`;
  return `${year}-${two(wall.month)}-${two(wall.day)}T${two(wall.hour)}:${two(wall.minute)}:${two(wall.second)}${sign}${two(Math.floor(offsetMinutes / 60))}:${two(offsetMinutes % 60)}`;
}
