/**
 * The slot grid, one rule shared with the database (`slotline.assert_slot_fits`): a slot starts at
 * `open + k * slotMinutes` of one opening interval of its local weekday in the business's zone, lasts
 * a whole number of slots (elapsed minutes), and ends by that interval's close (start minute plus
 * length, as the database computes it). Plus the booking rules around it: notice and horizon.
 */
import type { Temporal } from "@js-temporal/polyfill";
import { spokenDateTime, spokenDate, spokenTime, weekdayName } from "../time/spoken.ts";
import { zoneSpeech } from "../time/zones.ts";
import { isWithinBusinessHours, openingMinutesOn, spokenBusinessHours } from "../time/opening-hours.ts";
import type { CalendarSettings } from "./settings.ts";

const MS_PER_MINUTE = 60_000;

export { isWithinBusinessHours, openingMinutesOn, spokenBusinessHours };

export type SlotRefusal = "not-whole-slots" | "in-the-past" | "beyond-horizon" | "outside-hours" | "off-grid" | "too-soon";

export type SlotCheck =
  | { ok: true; start: Temporal.Instant; end: Temporal.Instant }
  | { ok: false; reason: SlotRefusal; message: string };

/**
 * Whether a slot may be offered or booked: the database's grid rule, plus notice and horizon, with a
 * sentence the assistant can say when it may not.
 *
 * @example
 * checkSlot({ settings, start: Temporal.Instant.from("2026-01-23T14:00:00Z"), now });
 * // { ok: false, reason: "outside-hours", message: "We're open 8am to 6pm Arizona time on Friday, January 23rd, so 7am doesn't work. ..." }
 */
export function checkSlot(input: {
  settings: CalendarSettings;
  start: Temporal.Instant;
  /** Defaults to one slot. */
  durationMinutes?: number;
  now: Temporal.Instant;
}): SlotCheck {
  const { settings, start, now } = input;
  const duration = input.durationMinutes ?? settings.slotMinutes;
  const end = start.add({ minutes: duration });
  const local = start.toZonedDateTimeISO(settings.timeZone);
  const date = local.toPlainDate();
  const where = zoneSpeech(settings.timeZone).name;
  const today = now.toZonedDateTimeISO(settings.timeZone).toPlainDate();
  const when = spokenDate(date, today);

  if (!Number.isInteger(duration) || duration <= 0 || duration % settings.slotMinutes !== 0) {
    return {
      ok: false,
      reason: "not-whole-slots",
      message: `Appointments here are booked in ${settings.slotMinutes}-minute slots, so ${duration} minutes doesn't fit.`,
    };
  }
  // When first: a time long gone or years ahead is answered as such, not by that day's hours.
  if (start.epochMilliseconds <= now.epochMilliseconds) {
    return { ok: false, reason: "in-the-past", message: "That time has already passed. What day and time would you like?" };
  }
  if (start.epochMilliseconds > horizonEnd(settings, now).epochMilliseconds) {
    return { ok: false, reason: "beyond-horizon", message: beyondHorizon(settings, spokenDateTime(start, settings.timeZone, now)) };
  }
  const minute = local.hour * 60 + local.minute;
  const fitting = openingMinutesOn(settings, date).find(({ open, close }) => minute >= open && minute + duration <= close);
  if (fitting === undefined) {
    const hours = spokenBusinessHours(settings, date);
    const day = when === "today" || when === "tomorrow" ? when : `on ${when}`;
    const message =
      hours === "closed"
        ? `We're closed on ${weekdayName(date.dayOfWeek)}s, so ${when} doesn't work. What other day would suit you?`
        : `We're open ${hours} ${where} ${day}, so ${spokenTime(local)} doesn't work. What other time would suit you?`;
    return { ok: false, reason: "outside-hours", message };
  }
  const onWholeMinute = local.second === 0 && local.millisecond === 0 && local.microsecond === 0 && local.nanosecond === 0;
  if (!onWholeMinute || (minute - fitting.open) % settings.slotMinutes !== 0) {
    const firstStart = spokenTime({ hour: Math.floor(fitting.open / 60), minute: fitting.open % 60 });
    return {
      ok: false,
      reason: "off-grid",
      message: `Appointments start every ${settings.slotMinutes} minutes from ${firstStart}, so ${spokenTime(local)} isn't a start time. Shall I look for the nearest one?`,
    };
  }
  if (start.epochMilliseconds < now.epochMilliseconds + settings.minNoticeMinutes * MS_PER_MINUTE) {
    return {
      ok: false,
      reason: "too-soon",
      message: `That's too soon: bookings need at least ${spokenMinutes(settings.minNoticeMinutes)} notice. Shall I look for the next opening after that?`,
    };
  }
  return { ok: true, start, end };
}

/**
 * The answer for a time past the booking horizon, naming it when given.
 * @example beyondHorizon(settings, "Friday, March 5th at 3pm") // "We only take bookings up to 14 days ahead, so Friday, March 5th at 3pm is too far out. Would an earlier date work?"
 */
export function beyondHorizon(settings: Pick<CalendarSettings, "horizonDays">, when?: string): string {
  const what = when === undefined ? "that's" : `${when} is`;
  return `We only take bookings up to ${spokenMinutes(settings.horizonDays * 1440)} ahead, so ${what} too far out. Would an earlier date work?`;
}

/** The last instant a slot may start: now plus `horizonDays` calendar days in the business's zone. */
export function horizonEnd(settings: Pick<CalendarSettings, "timeZone" | "horizonDays">, now: Temporal.Instant): Temporal.Instant {
  return now.toZonedDateTimeISO(settings.timeZone).add({ days: settings.horizonDays }).toInstant();
}

/** "15 minutes", "1 hour", "2 hours", "1 day", "90 minutes". */
export function spokenMinutes(minutes: number): string {
  if (minutes % 1440 === 0 && minutes > 0) return minutes === 1440 ? "1 day" : `${minutes / 1440} days`;
  if (minutes % 60 === 0 && minutes > 0) return minutes === 60 ? "1 hour" : `${minutes / 60} hours`;
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}
