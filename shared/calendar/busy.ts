/**
 * Busy time as every provider answers it: clipped to the range asked about, sorted and merged.
 */
import { Temporal } from "@js-temporal/polyfill";
import type { BusyInterval } from "./provider.ts";

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
