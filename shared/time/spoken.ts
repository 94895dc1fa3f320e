/**
 * Dates and times the way an assistant says them: "Friday, January 23rd at 3pm", "today at noon",
 * "tomorrow at 10:30am", and, when caller and business are in different zones, both clocks:
 * "3pm your time, 1pm in Arizona".
 */
import type { Temporal } from "@js-temporal/polyfill";
import { offsetMsAt } from "./offsets.ts";
import { dayNumberOf, wallClock, type WallClock } from "./wall.ts";
import { zoneSpeech } from "./zones.ts";

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;
const MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
] as const;

/**
 * A day of the month as spoken: 1st 2nd 3rd 4th ... 11th 12th 13th ... 21st 22nd 23rd ... 31st.
 *
 * @example
 * ordinal(23); // "23rd"
 * ordinal(12); // "12th"
 */
export function ordinal(n: number): string {
  const lastTwo = n % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return `${n}th`;
  switch (n % 10) {
    case 1:
      return `${n}st`;
    case 2:
      return `${n}nd`;
    case 3:
      return `${n}rd`;
    default:
      return `${n}th`;
  }
}

/** "January" ... "December" for a month number (1 = January). */
export function monthName(month: number): string {
  return MONTHS[(month - 1) % 12] ?? "";
}

/** "Monday" ... "Sunday" for Temporal's dayOfWeek (1 = Monday). */
export function weekdayName(dayOfWeek: number): string {
  return WEEKDAYS[(dayOfWeek - 1) % 7] ?? "";
}

/**
 * A wall-clock time as spoken: "3pm", "10:30am", "noon", "midnight", "12:15pm".
 *
 * @example
 * spokenTime(Temporal.PlainTime.from("15:00")); // "3pm"
 * spokenTime(Temporal.PlainTime.from("12:00")); // "noon"
 */
export function spokenTime(time: { hour: number; minute: number }): string {
  if (time.minute === 0 && time.hour === 12) return "noon";
  if (time.minute === 0 && time.hour === 0) return "midnight";
  const hour12 = time.hour % 12 === 0 ? 12 : time.hour % 12;
  const suffix = time.hour < 12 ? "am" : "pm";
  return time.minute === 0 ? `${hour12}${suffix}` : `${hour12}:${String(time.minute).padStart(2, "0")}${suffix}`;
}

/**
 * A date as spoken relative to the listener's today: "today", "tomorrow", or "Friday, January 23rd"
 * (with the year when it is more than about half a year away, so "January 23rd" is never ambiguous).
 *
 * @example
 * spokenDate(Temporal.PlainDate.from("2026-01-23"), Temporal.PlainDate.from("2026-01-20")); // "Friday, January 23rd"
 * spokenDate(Temporal.PlainDate.from("2026-01-21"), Temporal.PlainDate.from("2026-01-20")); // "tomorrow"
 */
export function spokenDate(date: Temporal.PlainDate, today: Temporal.PlainDate): string {
  return spokenDay(date, date.dayOfWeek, dayNumberOf(date) - dayNumberOf(today));
}

function spokenDay(date: { year: number; month: number; day: number }, dayOfWeek: number, daysFromToday: number): string {
  if (daysFromToday === 0) return "today";
  if (daysFromToday === 1) return "tomorrow";
  const base = `${weekdayName(dayOfWeek)}, ${MONTHS[date.month - 1]} ${ordinal(date.day)}`;
  return Math.abs(daysFromToday) > 180 ? `${base}, ${date.year}` : base;
}

export interface SpokenDateTimeOptions {
  /**
   * The business's zone. When its clock differs from the caller's at that instant, the business's time
   * is said too: "3pm your time, 1pm in Arizona".
   */
  businessZone?: string;
  /** Name the caller's zone after the time ("3pm Arizona time"): use it when the zone was assumed. */
  nameZone?: boolean;
}

/**
 * An instant as the caller should hear it, in the caller's zone, relative to the caller's today.
 *
 * @example
 * const now = Temporal.Instant.from("2026-01-20T15:00:00Z");
 * spokenDateTime(Temporal.Instant.from("2026-01-23T20:00:00Z"), "America/New_York", now);
 * // "Friday, January 23rd at 3pm"
 * spokenDateTime(Temporal.Instant.from("2026-01-23T20:00:00Z"), "America/New_York", now, { businessZone: "America/Phoenix" });
 * // "Friday, January 23rd at 3pm your time, 1pm in Arizona"
 */
export function spokenDateTime(
  instant: Temporal.Instant,
  callerZone: string,
  now: Temporal.Instant,
  options: SpokenDateTimeOptions = {},
): string {
  const atMs = instant.epochMilliseconds;
  const nowMs = now.epochMilliseconds;
  const business = options.businessZone;
  return spokenWallDateTime(wallClock(atMs + offsetMsAt(callerZone, atMs)), wallClock(nowMs + offsetMsAt(callerZone, nowMs)).dayNumber, {
    business: business === undefined ? undefined : wallClock(atMs + offsetMsAt(business, atMs)),
    businessZone: business,
    callerZone,
    nameZone: options.nameZone ?? false,
  });
}

/**
 * The day of a wall-clock reading as spoken relative to the listener's today: "today", "tomorrow",
 * "Friday, January 23rd".
 */
export function spokenWallDay(wall: WallClock, today: number): string {
  return spokenDay(wall, wall.dayOfWeek, wall.dayNumber - today);
}

/**
 * How far apart two clocks are, as said: "an hour", "2 hours", "half an hour", "5 and a half hours",
 * "45 minutes".
 */
export function spokenClockGap(minutes: number): string {
  const gap = Math.abs(minutes);
  if (gap === 30) return "half an hour";
  if (gap % 60 === 0) return gap === 60 ? "an hour" : `${gap / 60} hours`;
  if (gap % 60 === 30) return `${Math.floor(gap / 60)} and a half hours`;
  return `${gap} minutes`;
}

/**
 * The same sentence from wall-clock readings already computed (the slot search has them as numbers and
 * skips building Temporal objects).
 *
 * @example
 * spokenWallDateTime(wallClock(Date.UTC(2026, 0, 23, 15)), dayNumberOf({ year: 2026, month: 1, day: 20 }), { callerZone: "America/Denver", nameZone: false });
 * // "Friday, January 23rd at 3pm"
 */
export function spokenWallDateTime(
  caller: WallClock,
  callerToday: number,
  context: { business?: WallClock | undefined; businessZone?: string | undefined; callerZone: string; nameZone: boolean },
): string {
  const text = `${spokenDay(caller, caller.dayOfWeek, caller.dayNumber - callerToday)} at ${spokenTime(caller)}`;
  const business = context.business;
  if (business !== undefined && context.businessZone !== undefined && (business.hour !== caller.hour || business.minute !== caller.minute || business.dayNumber !== caller.dayNumber)) {
    const businessDay = business.dayNumber === caller.dayNumber ? "" : ` ${weekdayName(business.dayOfWeek)}`;
    return `${text} your time, ${spokenTime(business)}${businessDay} ${zoneSpeech(context.businessZone).where}`;
  }
  return context.nameZone ? `${text} ${zoneSpeech(context.callerZone).name}` : text;
}

/** "15 minutes", "1 hour", "2 hours", "1 day", "90 minutes". */
export function spokenMinutes(minutes: number): string {
  if (minutes % 1440 === 0 && minutes > 0) return minutes === 1440 ? "1 day" : `${minutes / 1440} days`;
  if (minutes % 60 === 0 && minutes > 0) return minutes === 60 ? "1 hour" : `${minutes / 60} hours`;
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}
