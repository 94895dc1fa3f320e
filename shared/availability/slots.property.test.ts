/**
 * Property tests: for random calendars, busy sets, claims, windows, zones and "now" (weighted towards
 * DST changeovers), every offered slot obeys every rule, and the fast search finds exactly what the
 * straightforward Temporal version (reference.ts) finds.
 */
import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BusyInterval } from "../calendar/provider.ts";
import { zoneTransitions } from "../time/offsets.ts";
import { spokenDate, spokenTime } from "../time/spoken.ts";
import { checkSlot } from "./business-hours.ts";
import { referenceFreeSlots } from "./reference.ts";
import { WEEKDAYS, type BusinessHours, type CalendarSettings } from "./settings.ts";
import { findAvailableSlots } from "./slots.ts";

const ZONES = [
  "America/New_York", "America/Phoenix", "America/Denver", "America/Los_Angeles", "Europe/London",
  "Australia/Lord_Howe", "Asia/Kathmandu", "UTC", "America/Santiago", "Pacific/Chatham",
] as const;
/** Each zone's 2026 offset changes (none for Phoenix, UTC, Kathmandu), plus an ordinary day for all. */
const ANCHORS = new Map(
  ZONES.map((zone) => [
    zone,
    [
      ...zoneTransitions(zone, Temporal.Instant.from("2026-01-01T00:00:00Z"), Temporal.Instant.from("2027-01-01T00:00:00Z")).map((t) => t.toInstant()),
      Temporal.Instant.from("2026-06-15T00:00:00Z"),
    ],
  ]),
);

const hhmm = (quarter: number) => (quarter === 96 ? "24:00" : `${String(Math.floor(quarter / 4)).padStart(2, "0")}:${String((quarter % 4) * 15).padStart(2, "0")}`);

const someHours = fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 4 }).map((points) => {
  const sorted = [...points].sort((a, b) => a - b);
  const intervals: [string, string][] = [];
  for (let i = 0; i + 1 < sorted.length; i += 2) intervals.push([hhmm(sorted[i]!), hhmm(sorted[i + 1]!)]);
  return intervals;
});
/** Open all night now and then, so DST changes at 2am (or midnight) fall inside business hours. */
const dayHours = fc.oneof(
  { arbitrary: someHours, weight: 3 },
  { arbitrary: fc.constant<[string, string][]>([["00:00", "24:00"]]), weight: 1 },
);

const settingsArb: fc.Arbitrary<CalendarSettings> = fc.record({
  timeZone: fc.constantFrom(...ZONES),
  slotMinutes: fc.constantFrom(15, 20, 30, 45, 60, 90),
  businessHours: fc.tuple(...WEEKDAYS.map(() => dayHours)).map(
    (days) => Object.fromEntries(WEEKDAYS.map((day, i) => [day, days[i]!])) as BusinessHours,
  ),
  bufferBeforeMinutes: fc.integer({ min: 0, max: 60 }),
  bufferAfterMinutes: fc.integer({ min: 0, max: 60 }),
  minNoticeMinutes: fc.integer({ min: 0, max: 720 }),
  horizonDays: fc.integer({ min: 1, max: 21 }),
  holdSeconds: fc.constant(60),
});

const intervalArb = (now: Temporal.Instant) =>
  fc.record({ from: fc.integer({ min: -1440, max: 22 * 1440 }), length: fc.integer({ min: 1, max: 600 }) }).map(
    ({ from, length }): BusyInterval => ({ start: now.add({ minutes: from }), end: now.add({ minutes: from + length }) }),
  );

/** "now" up to three days before one of the business zone's DST changes (or an ordinary day). */
const caseArb = settingsArb.chain((settings) =>
  fc
    .record({
      anchor: fc.constantFrom(...(ANCHORS.get(settings.timeZone as (typeof ZONES)[number]) ?? [])),
      minutesBefore: fc.integer({ min: 0, max: 3 * 1440 }),
      seconds: fc.integer({ min: 0, max: 59 }),
    })
    .map(({ anchor, minutesBefore, seconds }) => anchor.subtract({ minutes: minutesBefore, seconds }))
    .chain((now) =>
      fc.record({
        now: fc.constant(now),
        settings: fc.constant(settings),
        callerZone: fc.constantFrom(...ZONES),
        windowFrom: fc.oneof(fc.integer({ min: -1440, max: 3 * 1440 }), fc.integer({ min: -2 * 1440, max: 16 * 1440 })),
        windowLength: fc.integer({ min: 30, max: 4 * 1440 }),
        busy: fc.array(intervalArb(now), { maxLength: 25 }),
        claims: fc.array(intervalArb(now), { maxLength: 8 }),
        durationMinutes: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
        limit: fc.integer({ min: 1, max: 6 }),
      }),
    ),
);

const overlaps = (a: BusyInterval, b: BusyInterval) =>
  Temporal.Instant.compare(a.start, b.end) < 0 && Temporal.Instant.compare(a.end, b.start) > 0;

describe("findAvailableSlots properties", () => {
  it("offers only slots inside the window (or after it, when said), in hours, on the grid, after notice, before the horizon, clear of busy time, said at the time its ISO string shows", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const window = { start: c.now.add({ minutes: c.windowFrom }), end: c.now.add({ minutes: c.windowFrom + c.windowLength }) };
        const result = findAvailableSlots({ ...c, window });
        const { settings } = c;

        expect(result.slots.length).toBeLessThanOrEqual(c.limit);
        expect(result.totalFound).toBeGreaterThanOrEqual(result.slots.length);
        if (result.placement === "none") expect(result.slots).toEqual([]);
        else expect(result.slots.length).toBe(Math.min(c.limit, result.totalFound));
        expect(result.durationMinutes % settings.slotMinutes).toBe(0);
        expect(result.durationMinutes).toBeGreaterThanOrEqual(c.durationMinutes ?? settings.slotMinutes);

        const callerToday = c.now.toZonedDateTimeISO(c.callerZone).toPlainDate();
        let previous = Number.NEGATIVE_INFINITY;
        for (const slot of result.slots) {
          expect(slot.start.epochMilliseconds).toBeGreaterThan(previous);
          previous = slot.start.epochMilliseconds;
          expect(slot.end.epochMilliseconds - slot.start.epochMilliseconds).toBe(result.durationMinutes * 60_000);
          if (result.placement === "in-window") {
            expect(Temporal.Instant.compare(slot.start, window.start)).toBeGreaterThanOrEqual(0);
            expect(Temporal.Instant.compare(slot.end, window.end)).toBeLessThanOrEqual(0);
          } else {
            expect(Temporal.Instant.compare(slot.start, window.end)).toBeGreaterThanOrEqual(0);
          }
          // The database's grid and hours rule, notice and horizon, computed independently with Temporal.
          const check = checkSlot({ settings, start: slot.start, durationMinutes: result.durationMinutes, now: c.now });
          expect(check.ok ? "ok" : check.reason).toBe("ok");
          for (const busy of [...c.busy, ...c.claims]) {
            const widened = { start: busy.start.subtract({ minutes: settings.bufferBeforeMinutes }), end: busy.end.add({ minutes: settings.bufferAfterMinutes }) };
            expect(overlaps(slot, widened)).toBe(false);
          }
          // ISO strings carry the right offsets, and the spoken string says the caller's wall clock.
          expect(Temporal.Instant.from(slot.startIso).equals(slot.start)).toBe(true);
          expect(Temporal.Instant.from(slot.businessStartIso).equals(slot.start)).toBe(true);
          expect(slot.start.toZonedDateTimeISO(c.callerZone).toString({ timeZoneName: "never" })).toBe(slot.startIso);
          expect(slot.start.toZonedDateTimeISO(settings.timeZone).toString({ timeZoneName: "never" })).toBe(slot.businessStartIso);
          const callerWall = Temporal.PlainDateTime.from(slot.startIso.slice(0, 19));
          const [date, rest = ""] = slot.spoken.split(" at ");
          expect(date).toBe(spokenDate(callerWall.toPlainDate(), callerToday));
          expect(rest.split(" ")[0]).toBe(spokenTime(callerWall));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("finds exactly the free slots the straightforward Temporal search finds, and offers the nearest first when the window is full", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const window = { start: c.now.add({ minutes: c.windowFrom }), end: c.now.add({ minutes: c.windowFrom + c.windowLength }) };
        const result = findAvailableSlots({ ...c, window, limit: 10_000 });
        const input = { settings: c.settings, busy: c.busy, claims: c.claims, now: c.now, durationMinutes: c.durationMinutes };
        const inWindow = referenceFreeSlots({ ...input, window }).map(String);
        if (inWindow.length > 0) {
          expect(result.placement).toBe("in-window");
          expect(result.slots.map((slot) => String(slot.start))).toEqual(inWindow);
          return;
        }
        if (result.placement === "after-window") {
          // Nothing free between the window's end and the first slot offered, and that slot is free.
          const first = result.slots[0]!;
          const upToFirst = referenceFreeSlots({ ...input, window: { start: window.end, end: first.end } }).map(String);
          expect(upToFirst).toEqual([String(first.start)]);
        }
      }),
      { numRuns: 150 },
    );
  });
});
