/**
 * The slot rule written the obvious way: one Temporal conversion per grid point and every busy
 * interval checked against every slot. Too slow for a caller on the line (see bench/availability.ts),
 * kept on purpose as the second, independent implementation that the property tests compare
 * `findAvailableSlots` with, and as the benchmark's baseline. Not for production paths.
 */
import { Temporal } from "@js-temporal/polyfill";
import type { BusyInterval } from "../calendar/provider.ts";
import { horizonEnd, openingMinutesOn } from "./business-hours.ts";
import type { CalendarSettings } from "./settings.ts";
import type { SlotWindow } from "./slots.ts";

/**
 * Every free slot start in [window.start, window.end), in order.
 *
 * @example
 * referenceFreeSlots({ settings, window, busy: [], claims: [], now }).length; // 20 on an open 8-to-6 day
 */
export function referenceFreeSlots(input: {
  settings: CalendarSettings;
  window: SlotWindow;
  busy: readonly BusyInterval[];
  claims: readonly BusyInterval[];
  now: Temporal.Instant;
  durationMinutes?: number;
}): Temporal.Instant[] {
  const { settings, window, now } = input;
  const zone = settings.timeZone;
  const requested = input.durationMinutes ?? settings.slotMinutes;
  const duration = Math.max(1, Math.ceil(requested / settings.slotMinutes)) * settings.slotMinutes;
  const earliest = now.add({ minutes: settings.minNoticeMinutes });
  const latest = horizonEnd(settings, now);
  const blocked = [...input.busy, ...input.claims].map(({ start, end }) => ({
    start: start.subtract({ minutes: settings.bufferBeforeMinutes }),
    end: end.add({ minutes: settings.bufferAfterMinutes }),
  }));
  const starts: Temporal.Instant[] = [];
  const lastDate = window.end.toZonedDateTimeISO(zone).toPlainDate();
  for (
    let date = window.start.toZonedDateTimeISO(zone).toPlainDate().subtract({ days: 1 });
    Temporal.PlainDate.compare(date, lastDate) <= 0;
    date = date.add({ days: 1 })
  ) {
    for (const { open, close } of openingMinutesOn(settings, date)) {
      for (let minute = open; minute + duration <= close; minute += settings.slotMinutes) {
        const wall = date.toPlainDateTime({ hour: Math.floor(minute / 60), minute: minute % 60 });
        const local = wall.toZonedDateTime(zone, { disambiguation: "earlier" });
        if (!local.toPlainDateTime().equals(wall)) continue; // skipped by a DST change
        const start = local.toInstant();
        const end = start.add({ minutes: duration });
        if (Temporal.Instant.compare(start, window.start) < 0 || Temporal.Instant.compare(end, window.end) > 0) continue;
        if (Temporal.Instant.compare(start, earliest) < 0 || Temporal.Instant.compare(start, latest) > 0) continue;
        const overlaps = blocked.some(
          (busy) => Temporal.Instant.compare(start, busy.end) < 0 && Temporal.Instant.compare(end, busy.start) > 0,
        );
        if (!overlaps) starts.push(start);
      }
    }
  }
  return starts;
}
