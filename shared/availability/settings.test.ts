import { describe, expect, it } from "vitest";
import { calendarSettingsFromRow, calendarSettingsSchema, DEFAULT_CALENDAR_SETTINGS, minutesOfDay, openingMinutesByWeekday } from "./settings.ts";

const row = {
  id: "5b0e...",
  name: "default",
  time_zone: "America/Phoenix",
  slot_minutes: 30,
  business_hours: { monday: [["08:00", "18:00"]], tuesday: [["08:00", "12:00"], ["13:00", "24:00"]], saturday: [] },
  buffer_before_minutes: 5,
  buffer_after_minutes: 10,
  min_notice_minutes: 15,
  horizon_days: 14,
  hold_seconds: 60,
};

describe("calendarSettingsFromRow", () => {
  it("reads a slotline.calendars row into camelCase settings", () => {
    expect(calendarSettingsFromRow(row)).toEqual({
      timeZone: "America/Phoenix",
      slotMinutes: 30,
      businessHours: row.business_hours,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 10,
      minNoticeMinutes: 15,
      horizonDays: 14,
      holdSeconds: 60,
    });
  });

  it("canonicalises the zone and refuses one the IANA database does not know", () => {
    expect(calendarSettingsFromRow({ ...row, time_zone: "america/denver" }).timeZone).toBe("America/Denver");
    expect(() => calendarSettingsFromRow({ ...row, time_zone: "Mars/Base" })).toThrow(/not an IANA time zone/);
  });

  it("applies the database's rules to business hours", () => {
    const hours = (business_hours: unknown) => calendarSettingsSchema.safeParse({ ...DEFAULT_CALENDAR_SETTINGS, businessHours: business_hours }).success;
    expect(hours({ monday: [["00:00", "24:00"]] })).toBe(true);
    expect(hours({ monday: [["09:00", "08:00"]] })).toBe(false); // open after close
    expect(hours({ monday: [["08:00", "12:00"], ["11:00", "13:00"]] })).toBe(false); // overlapping
    expect(hours({ monday: [["13:00", "14:00"], ["08:00", "12:00"]] })).toBe(false); // out of order
    expect(hours({ monday: [["8:00", "12:00"]] })).toBe(false); // not HH:MM
    expect(hours({ monday: [["08:00", "24:30"]] })).toBe(false);
    expect(hours({ funday: [["08:00", "12:00"]] })).toBe(false);
  });

  it("applies the database's ranges to the numbers", () => {
    expect(calendarSettingsSchema.safeParse({ ...DEFAULT_CALENDAR_SETTINGS, slotMinutes: 4 }).success).toBe(false);
    expect(calendarSettingsSchema.safeParse({ ...DEFAULT_CALENDAR_SETTINGS, horizonDays: 0 }).success).toBe(false);
    expect(calendarSettingsSchema.safeParse(DEFAULT_CALENDAR_SETTINGS).success).toBe(true);
  });
});

describe("minutesOfDay and openingMinutesByWeekday", () => {
  it("reads HH:MM, with 24:00 as a close", () => {
    expect(minutesOfDay("08:30")).toBe(510);
    expect(minutesOfDay("24:00")).toBe(1440);
    expect(minutesOfDay("24:01")).toBeUndefined();
  });
  it("indexes by Temporal's dayOfWeek and treats missing days as closed", () => {
    const byDay = openingMinutesByWeekday(calendarSettingsFromRow(row).businessHours);
    expect(byDay[1]).toEqual([{ open: 480, close: 1080 }]);
    expect(byDay[2]).toEqual([{ open: 480, close: 720 }, { open: 780, close: 1440 }]);
    expect(byDay[7]).toEqual([]);
  });
});
