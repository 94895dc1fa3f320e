/**
 * Recurring events the way Google Calendar expands them (RFC 5545 as Google uses it): the `recurrence`
 * lines of an event (RRULE, RDATE, EXDATE) turned into instances, in the series' time zone, on the wall
 * clock (a 9:00 series stays at 9:00 across a DST change, so its UTC time moves).
 *
 * Supported: RRULE with FREQ=DAILY|WEEKLY|MONTHLY|YEARLY, INTERVAL, COUNT, UNTIL, WKST, and BYDAY
 * (plain weekdays, for DAILY and WEEKLY); RDATE and EXDATE with TZID, UTC, floating or VALUE=DATE values.
 * Anything else (BYMONTHDAY, BYSETPOS, EXRULE, ...) is refused with a message that names the emulator, so
 * a test never mistakes an emulator gap for Google's answer.
 *
 * Instance ids are Google's: `<eventId>_<YYYYMMDDTHHMMSSZ>` (start in UTC) for timed series and
 * `<eventId>_<YYYYMMDD>` for all-day ones.
 */
import { Temporal } from "@js-temporal/polyfill";
import type { EventTime } from "./calendar-store.ts";

/** A recurrence the emulator cannot accept; `unsupported` when Google would, but the emulator does not. */
export class RecurrenceError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

type Until = { instant: Temporal.Instant } | { date: Temporal.PlainDate } | { local: Temporal.PlainDateTime };

interface Rule {
  freq: "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY";
  interval: number;
  count?: number;
  until?: Until;
  /** ISO weekdays, 1 = Monday. */
  byDay?: number[];
  wkst: number;
}

/** A parsed series: what it takes to list its instances. */
export interface Series {
  allDay: boolean;
  /** The zone the wall-clock recurrence runs in (start.timeZone; the calendar's for all-day events). */
  zone: string;
  /** The zone the end is written in (end.timeZone, else `zone`). */
  endZone: string;
  startLocal: Temporal.PlainDateTime;
  /** Timed: exact length in ms; all-day: length in days. */
  length: number;
  rules: Rule[];
  rdates: Temporal.PlainDateTime[];
  /** Excluded instances by stamp, and (for timed series) excluded whole local dates. */
  exStamps: Set<string>;
  exDates: Set<string>;
}

/** One instance of a series. */
export interface Occurrence {
  /** The instance-id suffix, which also identifies the original start. */
  stamp: string;
  start: Temporal.Instant;
  end: Temporal.Instant;
  startTime: EventTime;
  endTime: EventTime;
}

const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const DATE_VALUE = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/;
/** How far past today (or the series start, if later) an open-ended series is expanded. */
export const EXPANSION_HORIZON_DAYS = 730;
const MAX_CANDIDATES = 200_000;

/** Whether an event resource is a recurring series (it has RRULE/RDATE lines). */
export function isSeries(event: { recurrence?: unknown }): boolean {
  return Array.isArray(event.recurrence) && event.recurrence.length > 0;
}

/** `abc123_20260316T160000Z` → `{ eventId: "abc123", stamp: "20260316T160000Z" }`. */
export function parseInstanceId(id: string): { eventId: string; stamp: string } | undefined {
  const match = /^([a-v0-9]{5,1024})_(\d{8}(?:T\d{6}Z)?)$/.exec(id);
  return match ? { eventId: match[1]!, stamp: match[2]! } : undefined;
}

/** The stamp of a timed start (UTC, basic format) or of an all-day date. */
export function stampOf(start: Temporal.Instant | Temporal.PlainDate): string {
  if (start instanceof Temporal.PlainDate) return start.toString().replaceAll("-", "");
  return start.toString({ smallestUnit: "second" }).replaceAll("-", "").replaceAll(":", "");
}

/** The start a stamp names: the instant, or midnight of an all-day stamp's date in `zone`. */
export function stampStart(stamp: string, zone: string): Temporal.Instant {
  const m = DATE_VALUE.exec(stamp);
  if (!m) throw new RecurrenceError("Invalid instance id.");
  const [, y, mo, d, h = "00", mi = "00", s = "00"] = m;
  const local = Temporal.PlainDateTime.from({ year: +y!, month: +mo!, day: +d!, hour: +h, minute: +mi, second: +s });
  return local.toZonedDateTime(m[7] ? "UTC" : zone).toInstant();
}

function parseValue(value: string, tzid: string | undefined, zone: string): Temporal.Instant | Temporal.PlainDate {
  const m = DATE_VALUE.exec(value.trim());
  if (!m) throw new RecurrenceError(`Invalid recurrence rule.`);
  const [, y, mo, d, h, mi, s, z] = m;
  const date = Temporal.PlainDate.from({ year: Number(y), month: Number(mo), day: Number(d) }, { overflow: "reject" });
  if (h === undefined) return date;
  const local = date.toPlainDateTime({ hour: Number(h), minute: Number(mi), second: Number(s) });
  if (z) return local.toZonedDateTime("UTC").toInstant();
  return local.toZonedDateTime(tzid ?? zone).toInstant();
}

function parseRule(value: string, allDay: boolean, zone: string): Rule {
  const parts = new Map<string, string>();
  for (const part of value.split(";")) {
    const [key, val] = part.split("=");
    if (!key || val === undefined || parts.has(key.toUpperCase())) throw new RecurrenceError("Invalid recurrence rule.");
    parts.set(key.toUpperCase(), val.toUpperCase());
  }
  const freq = parts.get("FREQ");
  if (freq === undefined) throw new RecurrenceError("Invalid recurrence rule.");
  if (!["DAILY", "WEEKLY", "MONTHLY", "YEARLY"].includes(freq)) {
    throw new RecurrenceError(`emulator: RRULE FREQ=${freq} is not supported`, true);
  }
  const rule: Rule = { freq: freq as Rule["freq"], interval: 1, wkst: 1 };
  for (const [key, val] of parts) {
    switch (key) {
      case "FREQ":
        break;
      case "INTERVAL":
      case "COUNT": {
        const n = Number(val);
        if (!Number.isInteger(n) || n < 1) throw new RecurrenceError("Invalid recurrence rule.");
        if (key === "INTERVAL") rule.interval = n;
        else rule.count = n;
        break;
      }
      case "UNTIL": {
        const m = DATE_VALUE.exec(val);
        if (!m) throw new RecurrenceError("Invalid recurrence rule.");
        const parsed = parseValue(val, undefined, zone);
        if (parsed instanceof Temporal.PlainDate) rule.until = { date: parsed };
        else if (m[7] === "Z" || allDay) rule.until = { instant: parsed };
        else rule.until = { local: Temporal.PlainDateTime.from(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`) };
        break;
      }
      case "WKST": {
        const day = WEEKDAYS.indexOf(val);
        if (day < 0) throw new RecurrenceError("Invalid recurrence rule.");
        rule.wkst = day + 1;
        break;
      }
      case "BYDAY": {
        if (rule.freq !== "DAILY" && rule.freq !== "WEEKLY") {
          throw new RecurrenceError(`emulator: BYDAY with FREQ=${rule.freq} is not supported`, true);
        }
        const days = val.split(",").map((d) => WEEKDAYS.indexOf(d) + 1);
        if (days.some((d) => d === 0)) throw new RecurrenceError("Invalid recurrence rule.");
        rule.byDay = [...new Set(days)];
        break;
      }
      default:
        throw new RecurrenceError(`emulator: RRULE part ${key} is not supported`, true);
    }
  }
  if (rule.count !== undefined && rule.until !== undefined) throw new RecurrenceError("Invalid recurrence rule.");
  return rule;
}

/**
 * Parses an event's recurrence. `start`/`end` are the series' own (first instance) times; timed series
 * recur in `start.timeZone` (Google requires one), all-day series by date.
 */
export function parseSeries(event: { start: EventTime; end: EventTime; recurrence?: unknown }, calendarZone: string): Series {
  if (!Array.isArray(event.recurrence) || event.recurrence.some((line) => typeof line !== "string")) {
    throw new RecurrenceError("Invalid recurrence rule.");
  }
  const allDay = event.start.date !== undefined;
  const zone = allDay ? calendarZone : (event.start.timeZone ?? calendarZone);
  let startLocal: Temporal.PlainDateTime;
  let length: number;
  if (allDay) {
    const start = Temporal.PlainDate.from(event.start.date!);
    startLocal = start.toPlainDateTime();
    const end = event.end.date ? Temporal.PlainDate.from(event.end.date) : start.add({ days: 1 });
    length = start.until(end, { largestUnit: "days" }).days;
  } else {
    const start = Temporal.Instant.from(event.start.dateTime!);
    startLocal = start.toZonedDateTimeISO(zone).toPlainDateTime();
    length = Temporal.Instant.from(event.end.dateTime!).epochMilliseconds - start.epochMilliseconds;
  }
  const series: Series = {
    allDay,
    zone,
    endZone: event.end.timeZone ?? zone,
    startLocal,
    length,
    rules: [],
    rdates: [],
    exStamps: new Set(),
    exDates: new Set(),
  };
  for (const line of event.recurrence as string[]) {
    const colon = line.indexOf(":");
    if (colon < 0) throw new RecurrenceError("Invalid recurrence rule.");
    const [rawName = "", ...params] = line.slice(0, colon).split(";");
    const name = rawName.toUpperCase();
    const value = line.slice(colon + 1);
    const tzid = params.find((p) => p.toUpperCase().startsWith("TZID="))?.slice(5);
    if (tzid !== undefined) {
      try {
        Temporal.Now.instant().toZonedDateTimeISO(tzid);
      } catch {
        throw new RecurrenceError("Invalid recurrence rule.");
      }
    }
    switch (name) {
      case "RRULE":
        series.rules.push(parseRule(value, allDay, zone));
        break;
      case "EXDATE":
      case "RDATE":
        for (const item of value.split(",")) {
          const parsed = parseValue(item, tzid, zone);
          if (name === "EXDATE") {
            if (parsed instanceof Temporal.PlainDate) {
              if (allDay) series.exStamps.add(stampOf(parsed));
              else series.exDates.add(parsed.toString());
            } else {
              series.exStamps.add(allDay ? stampOf(parsed.toZonedDateTimeISO(zone).toPlainDate()) : stampOf(parsed));
            }
          } else if (parsed instanceof Temporal.PlainDate) {
            series.rdates.push(allDay ? parsed.toPlainDateTime() : parsed.toPlainDateTime(startLocal.toPlainTime()));
          } else {
            const local = parsed.toZonedDateTimeISO(zone).toPlainDateTime();
            series.rdates.push(allDay ? local.toPlainDate().toPlainDateTime() : local);
          }
        }
        break;
      default:
        throw new RecurrenceError(`emulator: recurrence line ${name} is not supported`, true);
    }
  }
  return series;
}

/** Dates a rule produces from `start`, ascending, up to `last` (inclusive), before COUNT and UNTIL. */
function* candidateDates(rule: Rule, start: Temporal.PlainDate, last: Temporal.PlainDate): Generator<Temporal.PlainDate> {
  const beyond = (d: Temporal.PlainDate) => Temporal.PlainDate.compare(d, last) > 0;
  for (let k = 0; k < MAX_CANDIDATES; k++) {
    switch (rule.freq) {
      case "DAILY": {
        const d = start.add({ days: k * rule.interval });
        if (beyond(d)) return;
        if (!rule.byDay || rule.byDay.includes(d.dayOfWeek)) yield d;
        break;
      }
      case "WEEKLY": {
        const weekStart = start.subtract({ days: (start.dayOfWeek - rule.wkst + 7) % 7 }).add({ weeks: k * rule.interval });
        if (beyond(weekStart)) return;
        const offsets = (rule.byDay ?? [start.dayOfWeek]).map((d) => (d - rule.wkst + 7) % 7).sort((a, b) => a - b);
        for (const offset of offsets) {
          const d = weekStart.add({ days: offset });
          if (Temporal.PlainDate.compare(d, start) < 0) continue;
          if (beyond(d)) return;
          yield d;
        }
        break;
      }
      case "MONTHLY": {
        const month = start.toPlainYearMonth().add({ months: k * rule.interval });
        if (beyond(month.toPlainDate({ day: 1 }))) return;
        // RFC 5545: a date that does not exist in a month (the 31st in April) is skipped, not moved.
        if (start.day <= month.daysInMonth) yield month.toPlainDate({ day: start.day });
        break;
      }
      case "YEARLY": {
        const year = start.year + k * rule.interval;
        if (year > last.year) return;
        if (start.month !== 2 || start.day !== 29 || Temporal.PlainDate.from({ year, month: 1, day: 1 }).inLeapYear) {
          yield Temporal.PlainDate.from({ year, month: start.month, day: start.day });
        }
        break;
      }
    }
  }
}

function pastUntil(series: Series, local: Temporal.PlainDateTime, until: Until): boolean {
  if ("date" in until) return Temporal.PlainDate.compare(local.toPlainDate(), until.date) > 0;
  if ("local" in until) return Temporal.PlainDateTime.compare(local, until.local) > 0;
  if (series.allDay) return Temporal.PlainDate.compare(local.toPlainDate(), until.instant.toZonedDateTimeISO(series.zone).toPlainDate()) > 0;
  return Temporal.Instant.compare(local.toZonedDateTime(series.zone).toInstant(), until.instant) > 0;
}

function occurrenceAt(series: Series, local: Temporal.PlainDateTime): Occurrence {
  if (series.allDay) {
    const date = local.toPlainDate();
    const endDate = date.add({ days: series.length });
    return {
      stamp: stampOf(date),
      start: date.toZonedDateTime({ timeZone: series.zone }).toInstant(),
      end: endDate.toZonedDateTime({ timeZone: series.zone }).toInstant(),
      startTime: { date: date.toString() },
      endTime: { date: endDate.toString() },
    };
  }
  const start = local.toZonedDateTime(series.zone);
  const end = start.toInstant().add({ milliseconds: series.length });
  const format = (z: Temporal.ZonedDateTime) => z.toString({ timeZoneName: "never", smallestUnit: "second" });
  return {
    stamp: stampOf(start.toInstant()),
    start: start.toInstant(),
    end,
    startTime: { dateTime: format(start), timeZone: series.zone },
    endTime: { dateTime: format(end.toZonedDateTimeISO(series.endZone)), timeZone: series.endZone },
  };
}

/** The default end of expansion for an open-ended series: two years past today or past its start. */
export function expansionHorizon(series: Series, now = Temporal.Now.instant()): Temporal.Instant {
  const start = series.startLocal.toZonedDateTime(series.zone).toInstant();
  const from = Temporal.Instant.compare(start, now) > 0 ? start : now;
  return from.add({ hours: EXPANSION_HORIZON_DAYS * 24 });
}

/**
 * The series' instances that start before `before`, ascending. The start itself always counts as the
 * first instance (RFC 5545 says a start that does not match its rule "always counts as the first
 * occurrence"; that first instance also counts towards COUNT).
 */
export function occurrences(series: Series, before: Temporal.Instant): Occurrence[] {
  const last = before.toZonedDateTimeISO(series.zone).toPlainDate().add({ days: 1 });
  const locals = new Map<string, Temporal.PlainDateTime>();
  const add = (local: Temporal.PlainDateTime) => locals.set(local.toString(), local);
  const firstDate = series.startLocal.toPlainDate();
  add(series.startLocal);
  for (const rule of series.rules) {
    let n = 1;
    for (const date of candidateDates(rule, firstDate, last)) {
      if (date.equals(firstDate)) continue; // the start, already counted
      const local = date.toPlainDateTime(series.startLocal.toPlainTime());
      if (rule.until && pastUntil(series, local, rule.until)) break;
      n += 1;
      if (rule.count !== undefined && n > rule.count) break;
      add(local);
    }
  }
  for (const local of series.rdates) add(local);
  return [...locals.values()]
    .map((local) => occurrenceAt(series, local))
    .filter((o) => !series.exStamps.has(o.stamp))
    .filter((o) => series.allDay || !series.exDates.has(o.start.toZonedDateTimeISO(series.zone).toPlainDate().toString()))
    .filter((o) => Temporal.Instant.compare(o.start, before) < 0)
    .sort((a, b) => Temporal.Instant.compare(a.start, b.start));
}
