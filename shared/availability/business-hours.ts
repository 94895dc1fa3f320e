/**
 * The slot grid, one rule shared with the database (`slotline.assert_slot_fits`): a slot starts at
 * `open + k * slotMinutes` of one opening interval of its local weekday in the business's zone, lasts
 * a whole number of slots (elapsed minutes), and ends by that interval's close (start minute plus
 * length, as the database computes it). Plus the booking rules around it: notice and horizon.
 */
import type { Temporal } from "@js-temporal/polyfill";
import { isWithinBusinessHours, openingMinutesOn, spokenBusinessHours } from "../time/opening-hours.ts";
import type { CalendarSettings } from "./settings.ts";

const MS_PER_MINUTE = 60_000;

export { isWithinBusinessHours, openingMinutesOn, spokenBusinessHours };

/**
 * Why a slot may not be offered or booked, with the facts an answer needs (the assistant words it:
 * `slotRefused` in shared/assistant/words.ts).
 */
export type SlotRefused =
  | { ok: false; reason: "not-whole-slots"; slotMinutes: number; durationMinutes: number }
  | { ok: false; reason: "in-the-past" }
  | { ok: false; reason: "beyond-horizon"; horizonDays: number; start: Temporal.Instant; timeZone: string; now: Temporal.Instant }
  | {
      ok: false;
      reason: "outside-hours";
      /** The asked start on the business's clock. */
      local: Temporal.ZonedDateTime;
      today: Temporal.PlainDate;
      /** That day's opening hours as a phrase ("8am to 6pm"), or "closed". */
      hours: string;
    }
  | { ok: false; reason: "off-grid"; slotMinutes: number; local: Temporal.ZonedDateTime; firstStart: { hour: number; minute: number } }
  | { ok: false; reason: "too-soon"; minNoticeMinutes: number };

export type SlotRefusal = SlotRefused["reason"];

export type SlotCheck = { ok: true; start: Temporal.Instant; end: Temporal.Instant } | SlotRefused;

/**
 * Whether a slot may be offered or booked: the database's grid rule, plus notice and horizon; when it
 * may not, the reason and the facts behind it.
 *
 * @example
 * checkSlot({ settings, start: Temporal.Instant.from("2026-01-23T14:00:00Z"), now });
 * // { ok: false, reason: "outside-hours", local: 2026-01-23T07:00-07:00[America/Phoenix], today, hours: "8am to 6pm" }
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

  if (!Number.isInteger(duration) || duration <= 0 || duration % settings.slotMinutes !== 0) {
    return { ok: false, reason: "not-whole-slots", slotMinutes: settings.slotMinutes, durationMinutes: duration };
  }
  // When first: a time long gone or years ahead is answered as such, not by that day's hours.
  if (start.epochMilliseconds <= now.epochMilliseconds) {
    return { ok: false, reason: "in-the-past" };
  }
  if (start.epochMilliseconds > horizonEnd(settings, now).epochMilliseconds) {
    return { ok: false, reason: "beyond-horizon", horizonDays: settings.horizonDays, start, timeZone: settings.timeZone, now };
  }
  const minute = local.hour * 60 + local.minute;
  const fitting = openingMinutesOn(settings, date).find(({ open, close }) => minute >= open && minute + duration <= close);
  if (fitting === undefined) {
    const today = now.toZonedDateTimeISO(settings.timeZone).toPlainDate();
    return { ok: false, reason: "outside-hours", local, today, hours: spokenBusinessHours(settings, date) };
  }
  const onWholeMinute = local.second === 0 && local.millisecond === 0 && local.microsecond === 0 && local.nanosecond === 0;
  if (!onWholeMinute || (minute - fitting.open) % settings.slotMinutes !== 0) {
    const firstStart = { hour: Math.floor(fitting.open / 60), minute: fitting.open % 60 };
    return { ok: false, reason: "off-grid", slotMinutes: settings.slotMinutes, local, firstStart };
  }
  if (start.epochMilliseconds < now.epochMilliseconds + settings.minNoticeMinutes * MS_PER_MINUTE) {
    return { ok: false, reason: "too-soon", minNoticeMinutes: settings.minNoticeMinutes };
  }
  return { ok: true, start, end };
}

/** The last instant a slot may start: now plus `horizonDays` calendar days in the business's zone. */
export function horizonEnd(settings: Pick<CalendarSettings, "timeZone" | "horizonDays">, now: Temporal.Instant): Temporal.Instant {
  return now.toZonedDateTimeISO(settings.timeZone).add({ days: settings.horizonDays }).toInstant();
}
