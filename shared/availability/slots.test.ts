import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import type { BusyInterval } from "../calendar/provider.ts";
import { checkSlot } from "./business-hours.ts";
import { referenceFreeSlots } from "./reference.ts";
import { DEFAULT_CALENDAR_SETTINGS, type CalendarSettings } from "./settings.ts";
import { blockedTime, findAvailableSlots, spreadOut } from "./slots.ts";

const PHOENIX = "America/Phoenix";
const NEW_YORK = "America/New_York";
const seed: CalendarSettings = { ...DEFAULT_CALENDAR_SETTINGS };

/** An instant from a wall-clock time in a zone. */
function at(wall: string, zone = PHOENIX): Temporal.Instant {
  return Temporal.PlainDateTime.from(wall).toZonedDateTime(zone).toInstant();
}
function span(from: string, to: string, zone = PHOENIX): BusyInterval {
  return { start: at(from, zone), end: at(to, zone) };
}
/** Local "HH:MM" of each slot start in the business's zone. */
function times(result: ReturnType<typeof findAvailableSlots>): string[] {
  return result.slots.map((slot) => slot.businessStartIso.slice(11, 16));
}

// Monday, January 19th 2026, 7am in Phoenix.
const NOW = at("2026-01-19T07:00");
const FRIDAY = { start: at("2026-01-23T00:00"), end: at("2026-01-24T00:00") };

describe("findAvailableSlots: business hours and the grid", () => {
  it("offers every half hour from 8am to the last slot ending at 6pm, and spreads the three it suggests", () => {
    const result = findAvailableSlots({ settings: seed, window: FRIDAY, busy: [], now: NOW });
    expect(result.placement).toBe("in-window");
    expect(result.totalFound).toBe(20);
    expect(times(result)).toEqual(["08:00", "12:30", "17:30"]);
    expect(result.slots[0]).toMatchObject({
      startIso: "2026-01-23T08:00:00-07:00",
      endIso: "2026-01-23T08:30:00-07:00",
      businessStartIso: "2026-01-23T08:00:00-07:00",
      spoken: "Friday, January 23rd at 8am",
    });
    expect(result.slots[0]!.start.equals(Temporal.Instant.from("2026-01-23T15:00:00Z"))).toBe(true);
    expect(result.offer).toBe("Friday, January 23rd at 8am, 12:30pm or 5:30pm");
  });

  it("never offers 7am or 6pm, which are outside hours", () => {
    const early = findAvailableSlots({ settings: seed, window: { start: at("2026-01-23T07:00"), end: at("2026-01-23T08:00") }, busy: [], now: NOW });
    expect(early.placement).toBe("after-window");
    expect(times(early)[0]).toBe("08:00");
    const late = findAvailableSlots({ settings: seed, window: { start: at("2026-01-23T18:00"), end: at("2026-01-23T19:00") }, busy: [], now: NOW });
    expect(late.placement).toBe("after-window");
    expect(late.slots[0]!.businessStartIso).toBe("2026-01-26T08:00:00-07:00"); // the weekend is closed
  });

  it("follows each opening interval's own grid, with split days", () => {
    const settings: CalendarSettings = { ...seed, slotMinutes: 45, businessHours: { friday: [["08:10", "10:30"], ["13:00", "15:00"]] } };
    const result = findAvailableSlots({ settings, window: FRIDAY, busy: [], now: NOW, limit: 10 });
    expect(times(result)).toEqual(["08:10", "08:55", "09:40", "13:00", "13:45"]);
  });

  it("rounds a duration up to whole slots, as the database books only whole slots", () => {
    const result = findAvailableSlots({ settings: seed, window: FRIDAY, busy: [], now: NOW, durationMinutes: 45, limit: 30 });
    expect(result.durationMinutes).toBe(60);
    expect(result.totalFound).toBe(19);
    expect(times(result).at(-1)).toBe("17:00");
    expect(result.slots[0]!.endIso).toBe("2026-01-23T09:00:00-07:00");
  });

  it("offers only slots inside the requested window", () => {
    const window = { start: at("2026-01-23T09:15"), end: at("2026-01-23T10:45") };
    const result = findAvailableSlots({ settings: seed, window, busy: [], now: NOW });
    expect(times(result)).toEqual(["09:30", "10:00"]);
    expect(result.totalFound).toBe(2);
  });

  it("searches from now to the horizon when no window is given", () => {
    const result = findAvailableSlots({ settings: { ...seed, horizonDays: 2 }, busy: [], now: NOW, limit: 100 });
    // Monday 8am to Wednesday 7am (the horizon is two days after Monday 7am).
    expect(result.totalFound).toBe(40);
    expect(result.slots.at(-1)!.businessStartIso).toBe("2026-01-20T17:30:00-07:00");
  });
});

describe("findAvailableSlots: busy time, claims, buffers, notice, horizon", () => {
  it("never offers a slot that overlaps busy time, judging by its end as well as its start", () => {
    const busy = [span("2026-01-23T08:45", "2026-01-23T10:15")];
    const result = findAvailableSlots({ settings: seed, window: { start: at("2026-01-23T08:00"), end: at("2026-01-23T12:00") }, busy, now: NOW, limit: 10 });
    expect(times(result)).toEqual(["08:00", "10:30", "11:00", "11:30"]);
  });

  it("leaves out active claims as well as calendar busy time", () => {
    const claims = [span("2026-01-23T08:00", "2026-01-23T09:00")];
    const busy = [span("2026-01-23T10:00", "2026-01-23T10:30")];
    const result = findAvailableSlots({ settings: seed, window: { start: at("2026-01-23T08:00"), end: at("2026-01-23T11:00") }, busy, claims, now: NOW, limit: 10 });
    expect(times(result)).toEqual(["09:00", "09:30", "10:30"]);
  });

  it("keeps the buffers free before and after busy time", () => {
    const settings = { ...seed, bufferBeforeMinutes: 15, bufferAfterMinutes: 15 };
    const busy = [span("2026-01-23T12:00", "2026-01-23T13:00")];
    const result = findAvailableSlots({ settings, window: { start: at("2026-01-23T11:00"), end: at("2026-01-23T14:30") }, busy, now: NOW, limit: 10 });
    expect(times(result)).toEqual(["11:00", "13:30", "14:00"]);
  });

  it("respects the minimum notice", () => {
    const now = at("2026-01-23T07:50");
    const result = findAvailableSlots({ settings: seed, window: FRIDAY, busy: [], now, limit: 1 });
    expect(times(result)).toEqual(["08:30"]);
  });

  it("offers nothing past the horizon, and says so for a window beyond it", () => {
    const settings = { ...seed, horizonDays: 3 };
    const result = findAvailableSlots({ settings, window: { start: at("2026-01-19T00:00"), end: at("2026-01-31T00:00") }, busy: [], now: NOW, limit: 100 });
    expect(result.slots.at(-1)!.businessStartIso).toBe("2026-01-21T17:30:00-07:00");
    const far = findAvailableSlots({ settings, window: { start: at("2026-01-26T08:00"), end: at("2026-01-26T18:00") }, busy: [], now: NOW });
    expect(far).toMatchObject({ placement: "none", slots: [], totalFound: 0 });
    expect(far).toMatchObject({ none: "beyond-horizon", horizonDays: 3 });
  });

  it("offers the nearest free slots after the window, spread over that day, and says so", () => {
    const busy = [span("2026-01-23T08:00", "2026-01-23T18:00")];
    const result = findAvailableSlots({ settings: seed, window: FRIDAY, busy, now: NOW });
    expect(result.placement).toBe("after-window");
    expect(result.slots.map((slot) => slot.businessStartIso)).toEqual([
      "2026-01-26T08:00:00-07:00",
      "2026-01-26T12:30:00-07:00",
      "2026-01-26T17:30:00-07:00",
    ]);
    expect(result).toMatchObject({ placement: "after-window" });
    expect(result.offer).toMatch(/^Monday, January 26th at 8am/);
  });

  it("says when nothing is free before the horizon", () => {
    const busy = [span("2026-01-19T00:00", "2026-02-19T00:00")];
    const result = findAvailableSlots({ settings: seed, window: FRIDAY, busy, now: NOW });
    expect(result).toMatchObject({ placement: "none", slots: [], totalFound: 0 });
    expect(result).toMatchObject({ none: "no-openings", horizonDays: 14 });
  });
});

describe("findAvailableSlots: zones and DST", () => {
  const newYorkDaily: CalendarSettings = {
    ...seed,
    timeZone: NEW_YORK,
    minNoticeMinutes: 0,
    businessHours: Object.fromEntries(
      ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((day) => [day, [["08:00", "18:00"]]]),
    ),
  };
  const allDay: CalendarSettings = {
    ...newYorkDaily,
    businessHours: Object.fromEntries(
      ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((day) => [day, [["00:00", "24:00"]]]),
    ),
  };
  const day = (date: string) => ({ start: at(`${date}T00:00`, NEW_YORK), end: at(`${date}T00:00`, NEW_YORK).toZonedDateTimeISO(NEW_YORK).add({ days: 1 }).toInstant() });

  it.each(["2026-03-08", "2026-11-01"])("keeps the same wall-clock hours, afternoon included, on the changeover day %s", (date) => {
    const now = at(`${date}T00:00`, NEW_YORK).subtract({ hours: 48 });
    const result = findAvailableSlots({ settings: newYorkDaily, window: day(date), busy: [], now, limit: 100 });
    expect(result.totalFound).toBe(20);
    expect(result.slots[0]!.businessStartIso.slice(11, 16)).toBe("08:00");
    expect(result.slots.at(-1)!.businessStartIso.slice(11, 16)).toBe("17:30");
    expect(result.slots.at(-1)!.businessEndIso.slice(11, 16)).toBe("18:00");
  });

  it("skips the wall-clock times that do not exist when the clocks spring forward", () => {
    const now = Temporal.Instant.from("2026-03-01T00:00:00Z");
    const result = findAvailableSlots({ settings: allDay, window: day("2026-03-08"), busy: [], now, limit: 100 });
    const starts = times(result);
    expect(result.totalFound).toBe(46);
    expect(starts).not.toContain("02:00");
    expect(starts).not.toContain("02:30");
    expect(starts.slice(2, 5)).toEqual(["01:00", "01:30", "03:00"]);
    // 1:30am lasts thirty real minutes and ends at 3am, as the database measures it.
    expect(result.slots[3]!.endIso).toBe("2026-03-08T03:00:00-04:00");
  });

  it("offers a wall-clock time repeated when the clocks fall back once, never twice", () => {
    const now = Temporal.Instant.from("2026-10-25T00:00:00Z");
    const result = findAvailableSlots({ settings: allDay, window: day("2026-11-01"), busy: [], now, limit: 100 });
    const instants = result.slots.map((slot) => slot.start.epochMilliseconds);
    expect(new Set(instants).size).toBe(instants.length);
    expect(result.totalFound).toBe(48);
    expect(result.slots.filter((slot) => slot.businessStartIso.slice(11, 16) === "01:30").map((slot) => slot.businessStartIso)).toEqual([
      "2026-11-01T01:30:00-04:00",
    ]);
  });

  it("tells a Denver caller the right times for an Arizona business on both sides of the March change", () => {
    const now = at("2026-03-04T07:00");
    const window = { start: at("2026-03-06T09:00"), end: at("2026-03-09T09:30") };
    const result = findAvailableSlots({ settings: seed, window, busy: [span("2026-03-06T09:30", "2026-03-09T09:00")], now, callerZone: "America/Denver" });
    expect(result.slots.map((slot) => slot.spoken)).toEqual([
      "Friday, March 6th at 9am",
      "Monday, March 9th at 10am your time, 9am in Arizona",
    ]);
    expect(result.slots[1]!.startIso).toBe("2026-03-09T10:00:00-06:00");
    expect(result.slots[1]!.businessStartIso).toBe("2026-03-09T09:00:00-07:00");
  });

  it("tells a New York caller the right times for an Arizona business on both sides of the November change", () => {
    const everyDay: CalendarSettings = {
      ...seed,
      businessHours: Object.fromEntries(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((day) => [day, [["10:00", "10:30"]]]),
      ),
    };
    const now = at("2026-10-28T07:00");
    const result = findAvailableSlots({ settings: everyDay, window: { start: at("2026-10-31T00:00"), end: at("2026-11-02T00:00") }, busy: [], now, callerZone: NEW_YORK });
    expect(result.slots.map((slot) => [slot.startIso, slot.spoken])).toEqual([
      ["2026-10-31T13:00:00-04:00", "Saturday, October 31st at 1pm your time, 10am in Arizona"],
      ["2026-11-01T12:00:00-05:00", "Sunday, November 1st at noon your time, 10am in Arizona"],
    ]);
  });

  it("a 3pm Eastern request is the 1pm Arizona slot in January and the noon slot in July", () => {
    const january = at("2026-01-23T15:00", NEW_YORK);
    const jan = findAvailableSlots({ settings: seed, window: { start: january, end: january.add({ minutes: 30 }) }, busy: [], now: NOW, callerZone: NEW_YORK });
    expect(jan.slots.map((slot) => [slot.businessStartIso, slot.spoken])).toEqual([
      ["2026-01-23T13:00:00-07:00", "Friday, January 23rd at 3pm your time, 1pm in Arizona"],
    ]);
    const july = at("2026-07-23T15:00", NEW_YORK);
    const jul = findAvailableSlots({
      settings: { ...seed, horizonDays: 366 }, window: { start: july, end: july.add({ minutes: 30 }) }, busy: [], now: at("2026-07-20T07:00"), callerZone: NEW_YORK,
    });
    expect(jul.slots.map((slot) => [slot.businessStartIso, slot.spoken])).toEqual([
      ["2026-07-23T12:00:00-07:00", "Thursday, July 23rd at 3pm your time, noon in Arizona"],
    ]);
  });

  it("says each day once in the offer, and the second clock once, as the gap between the zones", () => {
    const window = { start: at("2026-01-22T17:00"), end: at("2026-01-23T09:00") };
    const plain = findAvailableSlots({ settings: seed, window, busy: [], now: NOW });
    expect(plain.offer).toBe("Thursday, January 22nd at 5pm or 5:30pm, or Friday, January 23rd at 8:30am");
    const twoClocks = findAvailableSlots({ settings: seed, window, busy: [], now: NOW, callerZone: NEW_YORK, limit: 2 });
    expect(twoClocks.offer).toBe(
      "Thursday, January 22nd at 7pm or Friday, January 23rd at 10:30am your time, 2 hours earlier in Arizona",
    );
  });

  it("names the zone when the caller's zone was assumed", () => {
    const result = findAvailableSlots({ settings: seed, window: FRIDAY, busy: [], now: NOW, nameCallerZone: true, limit: 1 });
    expect(result.slots[0]!.spoken).toBe("Friday, January 23rd at 8am Arizona time");
  });
});

describe("findAvailableSlots agrees with the database's rule and the reference search", () => {
  it("offers only slots that checkSlot (the database's rule) accepts, and finds what the reference finds", () => {
    const busy = [span("2026-01-20T09:10", "2026-01-20T11:00"), span("2026-01-21T13:00", "2026-01-22T09:00")];
    const claims = [span("2026-01-23T10:00", "2026-01-23T10:30")];
    const window = { start: NOW, end: at("2026-02-02T00:00") };
    const result = findAvailableSlots({ settings: seed, window, busy, claims, now: NOW, limit: 500 });
    const reference = referenceFreeSlots({ settings: seed, window, busy, claims, now: NOW });
    expect(result.slots.map((slot) => slot.start.toString())).toEqual(reference.map((start) => start.toString()));
    for (const slot of result.slots) expect(checkSlot({ settings: seed, start: slot.start, now: NOW }).ok).toBe(true);
  });
});

describe("blockedTime", () => {
  it("sorts, widens and merges busy time and claims", () => {
    const blocked = blockedTime(
      [span("2026-01-23T12:00", "2026-01-23T13:00"), span("2026-01-23T09:00", "2026-01-23T10:00")],
      [span("2026-01-23T13:20", "2026-01-23T14:00")],
      { bufferBeforeMinutes: 10, bufferAfterMinutes: 10 },
    );
    expect([...blocked]).toEqual([
      at("2026-01-23T08:50").epochMilliseconds, at("2026-01-23T10:10").epochMilliseconds,
      at("2026-01-23T11:50").epochMilliseconds, at("2026-01-23T14:10").epochMilliseconds,
    ]);
  });
});

describe("spreadOut", () => {
  const hours = (...h: number[]) => h.map((x) => x * 3_600_000);
  it("keeps the earliest and spreads the rest instead of offering back-to-back slots", () => {
    expect(spreadOut(hours(15, 15.5, 16, 9, 9.5).sort((a, b) => a - b), 3)).toEqual(hours(9, 15, 16));
    expect(spreadOut(hours(9, 9.5, 10, 13, 16.5), 3)).toEqual(hours(9, 13, 16.5));
  });
  it("returns everything when there are no more than asked for, filling from later slots", () => {
    expect(spreadOut(hours(9), 3, hours(9, 10, 11, 12))).toEqual(hours(9, 10, 11));
  });
});
