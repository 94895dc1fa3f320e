import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dayNumberOf, isoWithOffset, wallClock } from "./wall.ts";

// Any instant from 1600 to 2400, any zone offset a real zone could have.
const epochMs = fc.integer({ min: -11_676_096_000_000, max: 13_569_465_600_000 });

describe("wallClock", () => {
  it("reads the same calendar fields as Temporal", () => {
    fc.assert(
      fc.property(epochMs, (ms) => {
        const utc = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO("UTC");
        const wall = wallClock(ms);
        expect([wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second, wall.dayOfWeek]).toEqual([
          utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.dayOfWeek,
        ]);
        expect(dayNumberOf(wall)).toBe(wall.dayNumber);
      }),
      { numRuns: 2000 },
    );
  });

  it("knows leap days and century years", () => {
    expect(wallClock(Date.UTC(2000, 1, 29, 12))).toMatchObject({ year: 2000, month: 2, day: 29, dayOfWeek: 2 });
    expect(wallClock(Date.UTC(2100, 2, 1))).toMatchObject({ year: 2100, month: 3, day: 1 });
    expect(wallClock(Date.UTC(1969, 11, 31, 23, 59))).toMatchObject({ year: 1969, month: 12, day: 31, hour: 23, minute: 59, dayOfWeek: 3 });
  });
});

describe("isoWithOffset", () => {
  it("prints what Temporal prints for a zoned time", () => {
    fc.assert(
      fc.property(
        epochMs.map((ms) => Math.floor(ms / 1000) * 1000),
        fc.constantFrom("America/New_York", "America/Phoenix", "Asia/Kathmandu", "Pacific/Chatham", "UTC", "America/St_Johns", "Pacific/Kiritimati"),
        (ms, zone) => {
          const zoned = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
          if (zoned.offsetNanoseconds % 60_000_000_000 !== 0) return; // pre-1900 local mean times have seconds
          const offsetMs = zoned.offsetNanoseconds / 1e6;
          expect(isoWithOffset(ms + offsetMs, offsetMs)).toBe(zoned.toString({ timeZoneName: "never" }));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
