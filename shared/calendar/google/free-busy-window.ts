/**
 * Google's free/busy limits, worked around: a query may span at most 90 days and name at most 50
 * calendars, so longer ranges are split and the answers put back together (merged, clipped).
 */
import { Temporal } from "@js-temporal/polyfill";
import type { BusyInterval } from "../provider.ts";

export { mergeBusy } from "../busy.ts";

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

/** `items` cut into groups of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
