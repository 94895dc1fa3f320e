/**
 * Graph's `patternedRecurrence` expanded into occurrence dates
 * (learn.microsoft.com/graph/api/resources/patternedrecurrence): pattern `daily`, `weekly` (daysOfWeek,
 * firstDayOfWeek), `absoluteMonthly` (dayOfMonth), `absoluteYearly` (dayOfMonth, month), each with
 * `interval`; range `endDate` (inclusive), `numbered` (numberOfOccurrences) or `noEnd` (expanded two years
 * past today). Dates only: the time of day is the series start's wall clock in its zone, so 9:00 stays
 * 9:00 across a DST change. `relativeMonthly` and `relativeYearly` are refused with a message starting
 * `emulator:`, so an emulator gap is never mistaken for Graph's answer.
 */
import { Temporal } from "@js-temporal/polyfill";
import { graphErrors } from "./graph-errors.ts";

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
/** How far past today (or the series start, if later) an open-ended series is expanded. */
export const EXPANSION_HORIZON_DAYS = 730;
const MAX_STEPS = 100_000;

/** A checked recurrence, ready to expand. */
export interface Recurrence {
  type: "daily" | "weekly" | "absoluteMonthly" | "absoluteYearly";
  interval: number;
  /** ISO weekdays (1 = Monday), weekly only. */
  daysOfWeek: number[];
  firstDayOfWeek: number;
  dayOfMonth: number;
  month: number;
  startDate: Temporal.PlainDate;
  endDate?: Temporal.PlainDate;
  count?: number;
}

function weekday(name: unknown): number {
  const i = DAYS.indexOf(String(name).toLowerCase() as (typeof DAYS)[number]);
  if (i < 0) throw graphErrors.invalidRequest(`Invalid value '${String(name)}' for daysOfWeek.`);
  return i + 1;
}

/** Parses an event's `recurrence` property; `seriesStart` is the local date of the event's start. */
export function parseRecurrence(value: unknown, seriesStart: Temporal.PlainDate): Recurrence {
  const { pattern, range } = (value ?? {}) as { pattern?: Record<string, unknown>; range?: Record<string, unknown> };
  if (!pattern || !range) throw graphErrors.invalidRequest("Recurrence must have a pattern and a range.");
  const type = String(pattern.type);
  if (type === "relativeMonthly" || type === "relativeYearly") {
    throw graphErrors.invalidRequest(`emulator: recurrence pattern '${type}' is not supported by the emulator`);
  }
  if (type !== "daily" && type !== "weekly" && type !== "absoluteMonthly" && type !== "absoluteYearly") {
    throw graphErrors.invalidRequest(`Invalid recurrence pattern type '${type}'.`);
  }
  const interval = Number(pattern.interval ?? 1);
  if (!Number.isInteger(interval) || interval < 1) throw graphErrors.invalidRequest("Recurrence interval must be a positive integer.");
  let startDate: Temporal.PlainDate;
  try {
    startDate = Temporal.PlainDate.from(String(range.startDate ?? seriesStart.toString()));
  } catch {
    throw graphErrors.invalidRequest("Recurrence range startDate is invalid.");
  }
  const recurrence: Recurrence = {
    type,
    interval,
    daysOfWeek: Array.isArray(pattern.daysOfWeek) ? pattern.daysOfWeek.map(weekday) : [],
    firstDayOfWeek: pattern.firstDayOfWeek === undefined ? 7 : weekday(pattern.firstDayOfWeek),
    dayOfMonth: Number(pattern.dayOfMonth ?? startDate.day),
    month: Number(pattern.month ?? startDate.month),
    startDate,
  };
  if (type === "weekly" && recurrence.daysOfWeek.length === 0) throw graphErrors.invalidRequest("A weekly recurrence requires daysOfWeek.");
  switch (range.type) {
    case "endDate":
      try {
        recurrence.endDate = Temporal.PlainDate.from(String(range.endDate));
      } catch {
        throw graphErrors.invalidRequest("Recurrence range endDate is required for an endDate range.");
      }
      if (Temporal.PlainDate.compare(recurrence.endDate, startDate) < 0) throw graphErrors.invalidRequest("Recurrence range endDate is before startDate.");
      break;
    case "numbered": {
      const count = Number(range.numberOfOccurrences);
      if (!Number.isInteger(count) || count < 1) throw graphErrors.invalidRequest("Recurrence numberOfOccurrences must be a positive integer.");
      recurrence.count = count;
      break;
    }
    case "noEnd":
      break;
    default:
      throw graphErrors.invalidRequest(`Invalid recurrence range type '${String(range.type)}'.`);
  }
  return recurrence;
}

/** Occurrence dates from the range start, ascending, up to `last` (inclusive). */
export function occurrenceDates(r: Recurrence, last: Temporal.PlainDate, today = Temporal.Now.plainDateISO()): Temporal.PlainDate[] {
  const horizon = (Temporal.PlainDate.compare(r.startDate, today) > 0 ? r.startDate : today).add({ days: EXPANSION_HORIZON_DAYS });
  let until = Temporal.PlainDate.compare(last, horizon) < 0 ? last : horizon;
  if (r.endDate && Temporal.PlainDate.compare(r.endDate, until) < 0) until = r.endDate;
  const dates: Temporal.PlainDate[] = [];
  const push = (d: Temporal.PlainDate): boolean => {
    if (Temporal.PlainDate.compare(d, r.startDate) < 0) return true;
    if (Temporal.PlainDate.compare(d, until) > 0) return false;
    if (r.count !== undefined && dates.length >= r.count) return false;
    dates.push(d);
    return true;
  };
  for (let k = 0; k < MAX_STEPS; k++) {
    switch (r.type) {
      case "daily":
        if (!push(r.startDate.add({ days: k * r.interval }))) return dates;
        break;
      case "weekly": {
        const weekStart = r.startDate.subtract({ days: (r.startDate.dayOfWeek - r.firstDayOfWeek + 7) % 7 }).add({ weeks: k * r.interval });
        const offsets = r.daysOfWeek.map((d) => (d - r.firstDayOfWeek + 7) % 7).sort((a, b) => a - b);
        for (const offset of offsets) if (!push(weekStart.add({ days: offset }))) return dates;
        break;
      }
      case "absoluteMonthly": {
        const month = r.startDate.toPlainYearMonth().add({ months: k * r.interval });
        if (Temporal.PlainDate.compare(month.toPlainDate({ day: 1 }), until) > 0) return dates;
        // Outlook moves a day the month does not have (the 31st in April) to the month's last day.
        if (!push(month.toPlainDate({ day: Math.min(r.dayOfMonth, month.daysInMonth) }))) return dates;
        break;
      }
      case "absoluteYearly": {
        const year = r.startDate.year + k * r.interval;
        if (year > until.year) return dates;
        const ym = Temporal.PlainYearMonth.from({ year, month: r.month });
        if (!push(ym.toPlainDate({ day: Math.min(r.dayOfMonth, ym.daysInMonth) }))) return dates;
        break;
      }
    }
  }
  return dates;
}
