/**
 * Opening hours as plain wall-clock data: per weekday, ["HH:MM", "HH:MM"] intervals in a zone. The time
 * layer reads them (is 9 in the morning inside the hours? what are the hours that day?) without knowing
 * anything else of a calendar; the slot engine (`shared/availability/`) builds its rules on them.
 */
import type { Temporal } from "@js-temporal/polyfill";
import { spokenTime } from "./spoken.ts";

export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Per weekday, ordered non-overlapping ["HH:MM", "HH:MM"] opening intervals; a missing day is closed. */
export type OpeningHours = Partial<Record<Weekday, ReadonlyArray<readonly [string, string]>>>;

/** A zone and its opening hours: all the time layer needs to know of a business. */
export interface OpeningHoursIn {
  timeZone: string;
  businessHours: OpeningHours;
}

/** One opening interval in minutes after local midnight. */
export interface OpeningMinutes {
  open: number;
  close: number;
}

/** "HH:MM" (24:00 allowed as a close) → minutes after local midnight; undefined when malformed. */
export function minutesOfDay(hhmm: string): number | undefined {
  if (hhmm === "24:00") return 1440;
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** The opening intervals of one local date, in minutes after midnight. */
export function openingMinutesOn(settings: Pick<OpeningHoursIn, "businessHours">, date: Temporal.PlainDate): OpeningMinutes[] {
  const day = WEEKDAYS[date.dayOfWeek - 1];
  return (day === undefined ? [] : (settings.businessHours[day] ?? [])).map(([open, close]) => ({
    open: minutesOfDay(open) ?? 0,
    close: minutesOfDay(close) ?? 0,
  }));
}

/**
 * Whether the business is open at an instant (its local wall-clock time is inside an opening interval).
 *
 * @example
 * isWithinBusinessHours(DEFAULT_CALENDAR_SETTINGS, Temporal.Instant.from("2026-01-23T14:00:00Z")); // 7am in Phoenix: false
 */
export function isWithinBusinessHours(settings: OpeningHoursIn, instant: Temporal.Instant): boolean {
  const local = instant.toZonedDateTimeISO(settings.timeZone);
  const minute = local.hour * 60 + local.minute;
  return openingMinutesOn(settings, local.toPlainDate()).some(({ open, close }) => minute >= open && minute < close);
}

/**
 * One day's hours as spoken: "8am to 6pm", "8am to noon and 1pm to 5pm", or "closed".
 *
 * @example
 * spokenBusinessHours(DEFAULT_CALENDAR_SETTINGS, Temporal.PlainDate.from("2026-01-23")); // "8am to 6pm"
 */
export function spokenBusinessHours(settings: Pick<OpeningHoursIn, "businessHours">, date: Temporal.PlainDate): string {
  const intervals = openingMinutesOn(settings, date);
  if (intervals.length === 0) return "closed";
  const clock = (minute: number) => spokenTime({ hour: Math.floor(minute / 60) % 24, minute: minute % 60 });
  return intervals.map(({ open, close }) => `${clock(open)} to ${clock(close)}`).join(" and ");
}
