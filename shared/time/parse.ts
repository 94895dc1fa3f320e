/**
 * What a caller said about time ("3 in the afternoon", "tomorrow at 9", "Friday afternoon"), read in
 * the caller's zone relative to a given "now". chrono-node does the reading; this wrapper decides what
 * it means for a booking: a point, a window, or a question to ask back when a guess would be presented
 * as fact (no am/pm and no way to tell, a time skipped or repeated by DST, a time already past).
 */
import { Temporal } from "@js-temporal/polyfill";
import * as chrono from "chrono-node";
import { isWithinBusinessHours, spokenBusinessHours, type OpeningHoursIn } from "./opening-hours.ts";
import { spokenDate, spokenDateTime, spokenTime } from "./spoken.ts";
import { zoneSpeech } from "./zones.ts";

export interface CallerTimeContext {
  now: Temporal.Instant;
  /** IANA zone the caller's words are read in (see `resolveZone`). */
  callerZone: string;
  /**
   * The business's zone and hours: an hour said without am/pm is read as the one inside business hours
   * when only one of the two is. Without it, such an hour is always asked back.
   */
  calendar?: OpeningHoursIn;
}

export type QuestionReason =
  | "no-time"
  | "impossible-time"
  | "am-or-pm"
  | "outside-hours"
  | "skipped-by-dst"
  | "repeated-by-dst"
  | "in-the-past";

export type CallerTime =
  | {
      kind: "point";
      /** The moment meant, in the caller's zone. */
      at: Temporal.ZonedDateTime;
      /** True when am/pm was not said and business hours decided it: worth confirming aloud. */
      assumedMeridiem: boolean;
      /** The words chrono read. */
      text: string;
    }
  | {
      kind: "window";
      /** Half-open [start, end) in the caller's zone; never starts before "now". */
      start: Temporal.ZonedDateTime;
      end: Temporal.ZonedDateTime;
      text: string;
    }
  | {
      kind: "question";
      reason: QuestionReason;
      /** A question the assistant can ask back as it is. */
      message: string;
      /** The readings the question chooses between, when there are some ("9am" or "9pm"). */
      options?: Temporal.ZonedDateTime[];
    };

/** Parts of the day as windows of wall-clock hours in the caller's zone. */
const PARTS_OF_DAY: Record<string, { from: number; to: number; meridiem: "am" | "pm" }> = {
  morning: { from: 6, to: 12, meridiem: "am" },
  afternoon: { from: 12, to: 17, meridiem: "pm" },
  evening: { from: 17, to: 21, meridiem: "pm" },
  tonight: { from: 17, to: 24, meridiem: "pm" },
  night: { from: 17, to: 24, meridiem: "pm" },
};

/**
 * Reads what the caller said about time.
 *
 * @example
 * const now = Temporal.Instant.from("2026-01-20T15:00:00Z"); // Tuesday, 8am in Phoenix
 * parseCallerTime("tomorrow at 9", { now, callerZone: "America/Phoenix", calendar });
 * // { kind: "point", at: 2026-01-21T09:00-07:00[America/Phoenix], assumedMeridiem: true, text: "tomorrow at 9" }
 * parseCallerTime("Friday afternoon", { now, callerZone: "America/Denver" });
 * // { kind: "window", start: 2026-01-23T12:00-07:00[America/Denver], end: 2026-01-23T17:00-07:00[...], ... }
 * parseCallerTime("3", { now, callerZone: "America/Phoenix" });
 * // { kind: "question", reason: "am-or-pm", message: "Did you mean 3 in the morning or 3 in the afternoon, and on which day?" }
 */
export function parseCallerTime(text: string, context: CallerTimeContext): CallerTime {
  const said = text.trim();
  const nowLocal = context.now.toZonedDateTimeISO(context.callerZone);

  const bare = /^(?:at\s+)?(\d{1,2})$/i.exec(said);
  if (bare) return bareNumber(Number(bare[1]));
  const impossible = impossibleTime(said);
  if (impossible) return impossible;

  const results = chrono.parse(
    said,
    { instant: new Date(context.now.epochMilliseconds), timezone: nowLocal.offsetNanoseconds / 60_000_000_000 },
    { forwardDate: true },
  );
  const result = results[0];
  if (result === undefined) {
    return { kind: "question", reason: "no-time", message: `I didn't catch a day or time in "${said}". What day and time would you like?` };
  }
  // "at 3 tomorrow afternoon" comes back as two results; the part of day may sit in any of them.
  const tags = new Set(results.flatMap((r) => [...r.tags()]));
  const partOfDay = Object.keys(PARTS_OF_DAY).find((part) => tags.has(`casualReference/${part}`));
  const start = result.start;
  const saidDate = Temporal.PlainDate.from({ year: start.get("year") ?? nowLocal.year, month: start.get("month") ?? nowLocal.month, day: start.get("day") ?? nowLocal.day });
  // A month and day said without a year is the next one on or after today in the caller's zone. chrono
  // judges "past" against its own reference date, which near New Year in far-east zones skipped a year.
  const yearUnsaid = !start.isCertain("year") && start.isCertain("month");
  // A date was said when any part of it was: "Friday", "the 23rd", but also "in 3 months" or "in 10000
  // years", which fix the year or month and leave the day implied (else they would read as today).
  const dateSaid = start.isCertain("day") || start.isCertain("weekday") || start.isCertain("month") || start.isCertain("year");
  const date =
    yearUnsaid && Temporal.PlainDate.compare(saidDate.with({ year: nowLocal.year }), nowLocal.toPlainDate()) >= 0
      ? saidDate.with({ year: nowLocal.year })
      : yearUnsaid
        ? saidDate.with({ year: nowLocal.year + 1 })
        : saidDate;

  if (result.end) {
    const end = result.end;
    const endDate = Temporal.PlainDate.from({ year: end.get("year") ?? date.year, month: end.get("month") ?? date.month, day: end.get("day") ?? date.day });
    return window(
      zoned(date, start.get("hour") ?? 0, start.get("minute") ?? 0, context.callerZone),
      zoned(endDate, end.get("hour") ?? 0, end.get("minute") ?? 0, context.callerZone),
      result.text,
      context,
    );
  }

  if (start.isCertain("hour")) {
    const hour = start.get("hour") ?? 0;
    const minute = start.get("minute") ?? 0;
    const meridiemSaid =
      start.isCertain("meridiem") || hour === 0 || hour > 12 || tags.has("casualReference/noon") || tags.has("casualReference/midnight");
    const part = partOfDay === undefined ? undefined : PARTS_OF_DAY[partOfDay];
    let hours: number[];
    if (meridiemSaid) hours = [hour];
    else if (part) hours = [part.meridiem === "am" ? hour % 12 : (hour % 12) + 12];
    else hours = hour === 12 ? [12, 0] : [hour, hour + 12];

    // Without a day, each reading is its next occurrence (today if still ahead, else tomorrow).
    const readings = hours.map((h) => {
      const today = zoned(dateSaid ? date : nowLocal.toPlainDate(), h, minute, context.callerZone);
      return !dateSaid && Temporal.Instant.compare(today.instant, context.now) <= 0
        ? zoned(nowLocal.toPlainDate().add({ days: 1 }), h, minute, context.callerZone)
        : today;
    });
    let chosen = readings[0]!;
    let assumedMeridiem = false;
    if (readings.length > 1) {
      const calendar = context.calendar;
      const open = calendar === undefined ? readings : readings.filter((r) => isWithinBusinessHours(calendar, r.instant));
      if (open.length !== 1) {
        return meridiemQuestion(hour % 12 === 0 ? 12 : hour % 12, minute, readings, open.length === 0 && calendar !== undefined, context);
      }
      chosen = open[0]!;
      assumedMeridiem = true;
    }
    const dst = dstQuestion(chosen.wall, context);
    if (dst) return dst;
    if (Temporal.Instant.compare(chosen.instant, context.now) <= 0) {
      return {
        kind: "question",
        reason: "in-the-past",
        message: `${capitalise(spokenDateTime(chosen.instant, context.callerZone, context.now))} has already passed. What day and time would you like?`,
      };
    }
    return { kind: "point", at: chosen.instant.toZonedDateTimeISO(context.callerZone), assumedMeridiem, text: result.text };
  }

  if (partOfDay !== undefined) {
    const part = PARTS_OF_DAY[partOfDay]!;
    // chrono moves "this morning" to tomorrow once its implied hour has passed; callers mean today,
    // and "in the afternoon" with no day means the next afternoon that has not ended yet.
    let day = date;
    if (!dateSaid) {
      day = nowLocal.toPlainDate();
      const saidToday = /\b(this|today|tonight)\b/i.test(said);
      if (!saidToday && Temporal.Instant.compare(zoned(day, part.to, 0, context.callerZone).instant, context.now) <= 0) day = day.add({ days: 1 });
    }
    return window(zoned(day, part.from, 0, context.callerZone), zoned(day, part.to, 0, context.callerZone), result.text, context);
  }
  if (/\bweek\b/i.test(said)) {
    const monday = date.subtract({ days: date.dayOfWeek - 1 });
    return window(zoned(monday, 0, 0, context.callerZone), zoned(monday.add({ days: 7 }), 0, 0, context.callerZone), result.text, context);
  }
  return window(zoned(date, 0, 0, context.callerZone), zoned(date.add({ days: 1 }), 0, 0, context.callerZone), result.text, context);
}

/**
 * The window to search for a parsed time: a point becomes [at, at + minutes), a window stays as it is.
 *
 * @example
 * searchWindowOf(parsed, 30); // { start: Temporal.Instant, end: Temporal.Instant }
 */
export function searchWindowOf(
  time: Exclude<CallerTime, { kind: "question" }>,
  minutes: number,
): { start: Temporal.Instant; end: Temporal.Instant } {
  if (time.kind === "window") return { start: time.start.toInstant(), end: time.end.toInstant() };
  return { start: time.at.toInstant(), end: time.at.toInstant().add({ minutes }) };
}

/** A wall-clock time someone said, and the instant it means (skipped times move forward). */
interface Reading {
  wall: Temporal.PlainDateTime;
  instant: Temporal.Instant;
}

/** A wall-clock time on a date in a zone; hour 24 is the next midnight. */
function zoned(date: Temporal.PlainDate, hour: number, minute: number, zone: string): Reading {
  const day = hour >= 24 ? date.add({ days: 1 }) : date;
  const wall = day.toPlainDateTime({ hour: hour % 24, minute });
  return { wall, instant: wall.toZonedDateTime(zone, { disambiguation: "compatible" }).toInstant() };
}

function window(from: Reading, to: Reading, text: string, context: CallerTimeContext): CallerTime {
  const start = from.instant.toZonedDateTimeISO(context.callerZone);
  const end = to.instant.toZonedDateTimeISO(context.callerZone);
  if (Temporal.ZonedDateTime.compare(end, start) <= 0) {
    return { kind: "question", reason: "impossible-time", message: `I didn't follow the times in "${text}". What day and time would you like?` };
  }
  if (Temporal.Instant.compare(end.toInstant(), context.now) <= 0) {
    return { kind: "question", reason: "in-the-past", message: "That time has already passed. What day and time would you like?" };
  }
  const clipped = Temporal.Instant.compare(start.toInstant(), context.now) < 0 ? context.now.toZonedDateTimeISO(context.callerZone) : start;
  return { kind: "window", start: clipped, end, text };
}

function bareNumber(n: number): CallerTime {
  if (n === 12) return { kind: "question", reason: "am-or-pm", message: "Did you mean noon or midnight, and on which day?" };
  if (n >= 1 && n <= 12) {
    return {
      kind: "question",
      reason: "am-or-pm",
      message: `Did you mean ${n} in the morning or ${n} in the ${n >= 5 && n < 12 ? "evening" : "afternoon"}, and on which day?`,
    };
  }
  if (n >= 13 && n <= 23) {
    return { kind: "question", reason: "no-time", message: `On which day would you like ${spokenTime({ hour: n, minute: 0 })}?` };
  }
  return { kind: "question", reason: "impossible-time", message: `${n} isn't a time of day I can book. What day and time would you like?` };
}

/** "25 o'clock", "13pm", "10:75": clocks that do not exist. */
function impossibleTime(said: string): CallerTime | undefined {
  for (const match of said.matchAll(/\b(\d{1,3})(?::(\d{1,3}))?\s*(o'?clock|[ap]\.?m\b\.?)?/gi)) {
    const hour = Number(match[1]);
    const minute = match[2] === undefined ? 0 : Number(match[2]);
    const suffix = match[3]?.toLowerCase();
    if (match[2] === undefined && suffix === undefined) continue;
    const maxHour = suffix !== undefined && /^[ap]/.test(suffix) ? 12 : 24;
    if (hour > maxHour || minute > 59 || (hour === 24 && minute > 0)) {
      return {
        kind: "question",
        reason: "impossible-time",
        message: `There's no such time as "${match[0].trim()}". What time did you mean?`,
      };
    }
  }
  return undefined;
}

function dayPhrase(date: Temporal.PlainDate, context: CallerTimeContext): string {
  const spoken = spokenDate(date, context.now.toZonedDateTimeISO(context.callerZone).toPlainDate());
  return spoken === "today" || spoken === "tomorrow" ? spoken : `on ${spoken}`;
}

function clockWords(hour12: number, minute: number, hour24: number): string {
  if (hour12 === 12 && minute === 0) return hour24 === 12 ? "noon" : "midnight";
  const clock = minute === 0 ? `${hour12}` : `${hour12}:${String(minute).padStart(2, "0")}`;
  if (hour24 < 12) return `${clock} in the morning`;
  if (hour24 < 17) return `${clock} in the afternoon`;
  return `${clock} in the evening`;
}

function meridiemQuestion(
  hour12: number,
  minute: number,
  readings: Reading[],
  neitherOpen: boolean,
  context: CallerTimeContext,
): CallerTime {
  const [first, second] = readings as [Reading, Reading];
  const words = readings.map((r) => clockWords(hour12, minute, r.wall.hour));
  const sameDay = first.wall.toPlainDate().equals(second.wall.toPlainDate());
  const when = sameDay ? ` ${dayPhrase(first.wall.toPlainDate(), context)}` : "";
  const options = readings.map((r) => r.instant.toZonedDateTimeISO(context.callerZone));
  if (neitherOpen && context.calendar) {
    const calendar = context.calendar;
    const businessDate = second.instant.toZonedDateTimeISO(calendar.timeZone).toPlainDate();
    const hours = spokenBusinessHours(calendar, businessDate);
    const zone = zoneSpeech(calendar.timeZone).name;
    const message =
      hours === "closed"
        ? `We're closed ${dayPhrase(businessDate, context)}. What other day would suit you?`
        : `We're open ${hours} ${zone} ${dayPhrase(businessDate, context)}, so neither ${words[0]} nor ${words[1]} works. What time would suit you?`;
    return { kind: "question", reason: "outside-hours", message, options };
  }
  return { kind: "question", reason: "am-or-pm", message: `Did you mean ${words[0]} or ${words[1]}${when}?`, options };
}

/** A wall-clock time the clocks skip (spring forward) or show twice (fall back) is asked back. */
function dstQuestion(wall: Temporal.PlainDateTime, context: CallerTimeContext): CallerTime | undefined {
  const zone = context.callerZone;
  const earlier = wall.toZonedDateTime(zone, { disambiguation: "earlier" });
  const later = wall.toZonedDateTime(zone, { disambiguation: "later" });
  const said = spokenTime(wall);
  const day = dayPhrase(wall.toPlainDate(), context);
  if (!earlier.toPlainDateTime().equals(wall)) {
    return {
      kind: "question",
      reason: "skipped-by-dst",
      message: `${capitalise(said)} doesn't exist ${day}: the clocks go forward an hour that night. Did you mean ${spokenTime(later)}?`,
      options: [later],
    };
  }
  if (!earlier.equals(later)) {
    return {
      kind: "question",
      reason: "repeated-by-dst",
      message: `${capitalise(said)} happens twice ${day}, because the clocks go back an hour that night. Do you mean the first ${said}, or the second one an hour later?`,
      options: [earlier, later],
    };
  }
  return undefined;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
