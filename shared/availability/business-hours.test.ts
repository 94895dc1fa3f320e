import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { checkSlot, horizonEnd, isWithinBusinessHours, spokenBusinessHours } from "./business-hours.ts";
import { DEFAULT_CALENDAR_SETTINGS, type CalendarSettings } from "./settings.ts";

const settings: CalendarSettings = { ...DEFAULT_CALENDAR_SETTINGS };
const at = (wall: string, zone = "America/Phoenix") => Temporal.PlainDateTime.from(wall).toZonedDateTime(zone).toInstant();
const NOW = at("2026-01-19T07:00"); // Monday

describe("isWithinBusinessHours", () => {
  it("says 7am and 6pm are outside the seed's hours and 8am and 5:59pm inside", () => {
    expect(isWithinBusinessHours(settings, at("2026-01-23T07:00"))).toBe(false);
    expect(isWithinBusinessHours(settings, at("2026-01-23T18:00"))).toBe(false);
    expect(isWithinBusinessHours(settings, at("2026-01-23T08:00"))).toBe(true);
    expect(isWithinBusinessHours(settings, at("2026-01-23T17:59"))).toBe(true);
    expect(isWithinBusinessHours(settings, at("2026-01-24T10:00"))).toBe(false); // Saturday
  });
  it("reads the hours in the business's zone, whatever zone the instant was said in", () => {
    // 9am in New York is 7am in Phoenix in January.
    expect(isWithinBusinessHours(settings, at("2026-01-23T09:00", "America/New_York"))).toBe(false);
    expect(isWithinBusinessHours(settings, at("2026-01-23T10:00", "America/New_York"))).toBe(true);
  });
});

describe("checkSlot (the database's slot rule, plus notice and horizon)", () => {
  it("accepts a slot on the grid inside hours", () => {
    const result = checkSlot({ settings, start: at("2026-01-23T15:30"), now: NOW });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.end.equals(at("2026-01-23T16:00"))).toBe(true);
  });

  it("refuses 7am and a slot ending after 6pm with the day's hours", () => {
    expect(checkSlot({ settings, start: at("2026-01-23T07:00"), now: NOW })).toMatchObject({ ok: false, reason: "outside-hours", hours: "8am to 6pm" });
    expect(checkSlot({ settings, start: at("2026-01-23T17:30"), durationMinutes: 60, now: NOW })).toMatchObject({ reason: "outside-hours" });
  });

  it("refuses closed days, off-grid starts, partial slots, too little notice and the far future", () => {
    expect(checkSlot({ settings, start: at("2026-01-24T10:00"), now: NOW })).toMatchObject({ reason: "outside-hours", hours: "closed" });
    expect(checkSlot({ settings, start: at("2026-01-23T10:15"), now: NOW })).toMatchObject({ reason: "off-grid" });
    expect(checkSlot({ settings, start: at("2026-01-23T10:00:30"), now: NOW })).toMatchObject({ reason: "off-grid" });
    expect(checkSlot({ settings, start: at("2026-01-23T10:00"), durationMinutes: 45, now: NOW })).toMatchObject({ reason: "not-whole-slots" });
    expect(checkSlot({ settings, start: at("2026-01-19T08:00"), now: at("2026-01-19T07:50") })).toMatchObject({ reason: "too-soon" });
    expect(checkSlot({ settings, start: at("2026-02-03T08:00"), now: NOW })).toMatchObject({ reason: "beyond-horizon" });
  });

  it("says a time already gone has passed, and a time years ahead is too far out, before looking at that day's hours", () => {
    expect(checkSlot({ settings, start: at("1970-01-01T03:00"), now: NOW })).toEqual({ ok: false, reason: "in-the-past" });
    expect(checkSlot({ settings, start: at("+012026-01-24T10:00"), now: NOW })).toMatchObject({ reason: "beyond-horizon", horizonDays: 14 });
  });

  it("keeps the afternoon's wall-clock hours on a DST changeover day", () => {
    const newYork: CalendarSettings = { ...settings, timeZone: "America/New_York", businessHours: { sunday: [["08:00", "18:00"]] } };
    const now = at("2026-03-06T12:00", "America/New_York");
    expect(checkSlot({ settings: newYork, start: at("2026-03-08T17:30", "America/New_York"), now }).ok).toBe(true);
    expect(checkSlot({ settings: newYork, start: at("2026-03-08T18:00", "America/New_York"), now }).ok).toBe(false);
    expect(checkSlot({ settings: newYork, start: at("2026-03-08T08:00", "America/New_York"), now }).ok).toBe(true);
    expect(checkSlot({ settings: newYork, start: at("2026-03-08T07:30", "America/New_York"), now }).ok).toBe(false);
  });
});

describe("spokenBusinessHours and horizonEnd", () => {
  it("says a day's hours", () => {
    const split: CalendarSettings = { ...settings, businessHours: { friday: [["08:00", "12:00"], ["13:00", "24:00"]] } };
    expect(spokenBusinessHours(split, Temporal.PlainDate.from("2026-01-23"))).toBe("8am to noon and 1pm to midnight");
    expect(spokenBusinessHours(split, Temporal.PlainDate.from("2026-01-24"))).toBe("closed");
  });
  it("counts the horizon in calendar days of the business's zone", () => {
    const ny = { timeZone: "America/New_York", horizonDays: 1 };
    const now = at("2026-03-07T10:00", "America/New_York");
    expect(horizonEnd(ny, now).toZonedDateTimeISO("America/New_York").toPlainDateTime().toString()).toBe("2026-03-08T10:00:00");
  });
});
