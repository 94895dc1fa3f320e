/**
 * Google's free/busy limits, worked around: a query may span at most 90 days and name at most 50
 * calendars, so longer ranges are split and the answers put back together (merged, clipped).
 */
import { Temporal } from "@js-temporal/polyfill";
import type { BusyInterval } from "../provider.ts";

/** Google answers 400 timeRangeTooLong beyond this. */
export const MAX_FREEBUSY_RANGE = Temporal.Duration.from({ hours: 90 * 24 });
/** Google answers 400 tooManyCalendarsRequested beyond this. */
export const MAX_FREEBUSY_CALENDARS = 50;

/**
 * [from, to) cut into consecutive windows no longer than `max`.
 *
 * @example
 * splitRange(Temporal.Instant.from("2026-01-01T00:00Z"), Temporal.Instant.from("2026-06-01T00:00Z")).length // 2
 */
export function splitRange(
  from: Temporal.Instant,
  to: Temporal.Instant,
  max: Temporal.Duration = MAX_FREEBUSY_RANGE,
): Array<[Temporal.Instant, Temporal.Instant]> {
  const windows: Array<[Temporal.Instant, Temporal.Instant]> = [];
  let start = from;
  while (Temporal.Instant.compare(start, to) < 0) {
    const limit = start.add(max);
    const end = Temporal.Instant.compare(limit, to) < 0 ? limit : to;
    windows.push([start, end]);
    start = end;
  }
  return windows;
}

/**
 * Busy intervals clipped to [from, to), sorted, with overlapping and touching intervals merged.
 *
 * @example
 * mergeBusy([{ start: a, end: b }, { start: b, end: c }], a, c) // [{ start: a, end: c }]
 */
export function mergeBusy(intervals: readonly BusyInterval[], from: Temporal.Instant, to: Temporal.Instant): BusyInterval[] {
  const clipped = intervals
    .map((i) => ({
      start: Temporal.Instant.compare(i.start, from) < 0 ? from : i.start,
      end: Temporal.Instant.compare(i.end, to) > 0 ? to : i.end,
    }))
    .filter((i) => Temporal.Instant.compare(i.start, i.end) < 0)
    .sort((a, b) => Temporal.Instant.compare(a.start, b.start));
  const merged: BusyInterval[] = [];
  for (const interval of clipped) {
    const last = merged[merged.length - 1];
    if (last && Temporal.Instant.compare(interval.start, last.end) <= 0) {
      if (Temporal.Instant.compare(interval.end, last.end) > 0) last.end = interval.end;
    } else {
      merged.push({ ...interval });
    }
  }
  return merged;
}

/** `items` cut into groups of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
