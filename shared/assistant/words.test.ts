import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { checkSlot, DEFAULT_CALENDAR_SETTINGS, findAvailableSlots, type CalendarSettings, type SlotCheck } from "../availability/index.ts";
import { slotRefused, slotsFound, takenWithAlternatives } from "./words.ts";

/**
 * The spoken length budget: an offer is said in one breath. About 150 words a minute, one breath of
 * about ten seconds: 25 words for an offer of three slots, 35 for "that was just taken" with its
 * alternatives. The full detail (both clocks, ISO times) stays in each slot's `spoken` and the data.
 */
const OFFER_WORDS = 25;
const TAKEN_WORDS = 35;

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
const phoenix: CalendarSettings = { ...DEFAULT_CALENDAR_SETTINGS };
const NOW = Temporal.Instant.from("2026-11-30T14:00:00Z");
const CALLER_ZONES = ["America/Phoenix", "America/New_York", "America/Los_Angeles", "America/Chicago", "Pacific/Honolulu", "Europe/London", "Asia/Kolkata"];

function offers(callerZone: string, nameCallerZone: boolean) {
  const windows = [
    // One day, a day and the next morning, a whole week.
    { start: Temporal.Instant.from("2026-12-01T07:00:00Z"), end: Temporal.Instant.from("2026-12-02T07:00:00Z") },
    { start: Temporal.Instant.from("2026-12-01T23:00:00Z"), end: Temporal.Instant.from("2026-12-02T17:00:00Z") },
    { start: Temporal.Instant.from("2026-12-01T07:00:00Z"), end: Temporal.Instant.from("2026-12-08T07:00:00Z") },
  ];
  return windows.map((window) => findAvailableSlots({ settings: phoenix, now: NOW, window, busy: [], callerZone, nameCallerZone, limit: 3 }));
}

describe("the spoken length budget", () => {
  it("offers three slots in one breath, in every caller's zone, each date said once", () => {
    for (const zone of CALLER_ZONES) {
      for (const nameZone of [false, true]) {
        for (const result of offers(zone, nameZone)) {
          expect(result.slots.length, `${zone}: ${slotsFound(result)}`).toBeGreaterThan(0);
          expect(words(slotsFound(result)), slotsFound(result)).toBeLessThanOrEqual(OFFER_WORDS);
          expect(words(takenWithAlternatives(result)), takenWithAlternatives(result)).toBeLessThanOrEqual(TAKEN_WORDS);
          // Each day once: no date repeated in the sentence.
          const dates = slotsFound(result).match(/(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \w+ \d+\w\w/g) ?? [];
          expect(new Set(dates).size, slotsFound(result)).toBe(dates.length);
          // The business's zone at most once; "your time" at most once.
          expect(slotsFound(result).split("in Arizona").length - 1, slotsFound(result)).toBeLessThanOrEqual(1);
          expect(slotsFound(result).split("your time").length - 1, slotsFound(result)).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it("says the caller's clock, 'your time' once, and the business's zone once as the gap", () => {
    const [oneDay] = offers("America/New_York", false);
    expect((oneDay && slotsFound(oneDay))).toBe("I have tomorrow at 10am, 2:30pm or 7:30pm your time, 2 hours earlier in Arizona.");
    expect(oneDay?.slots[0]?.spoken).toBe("tomorrow at 10am your time, 8am in Arizona");
    const [far] = offers("Asia/Kolkata", false);
    expect((far && slotsFound(far))).toBe("I have tomorrow at 8:30pm, or Wednesday, December 2nd at 1am or 6am your time.");
  });
});

describe("the slot rules and the search, said", () => {
  const settings: CalendarSettings = { ...DEFAULT_CALENDAR_SETTINGS };
  const at = (wall: string, zone = "America/Phoenix") => Temporal.PlainDateTime.from(wall).toZonedDateTime(zone).toInstant();
  const now = at("2026-01-19T07:00"); // Monday
  const said = (check: SlotCheck) => (check.ok ? "ok" : slotRefused(check));

  it("names the day's hours, a closed day, a passed time and the horizon", () => {
    expect(said(checkSlot({ settings, start: at("2026-01-23T07:00"), now }))).toBe(
      "We're open 8am to 6pm Arizona time on Friday, January 23rd, so 7am doesn't work. What other time would suit you?",
    );
    expect(said(checkSlot({ settings, start: at("2026-01-24T10:00"), now }))).toBe(
      "We're closed on Saturdays, so Saturday, January 24th doesn't work. What other day would suit you?",
    );
    expect(said(checkSlot({ settings, start: at("1970-01-01T03:00"), now }))).toBe("That time has already passed. What day and time would you like?");
    expect(said(checkSlot({ settings, start: at("+012026-01-24T10:00"), now }))).toMatch(/^We only take bookings up to 14 days ahead, so .* is too far out/);
  });

  it("names the grid, the slot length and the notice", () => {
    expect(said(checkSlot({ settings, start: at("2026-01-23T10:15"), now }))).toBe(
      "Appointments start every 30 minutes from 8am, so 10:15am isn't a start time. Shall I look for the nearest one?",
    );
    expect(said(checkSlot({ settings, start: at("2026-01-23T10:00"), durationMinutes: 45, now }))).toBe(
      "Appointments here are booked in 30-minute slots, so 45 minutes doesn't fit.",
    );
    expect(said(checkSlot({ settings: { ...settings, minNoticeMinutes: 120 }, start: at("2026-01-19T08:00"), now }))).toBe(
      "That's too soon: bookings need at least 2 hours notice. Shall I look for the next opening after that?",
    );
  });

  it("offers in the window, the nearest after it, or says why there are none", () => {
    const window = { start: at("2026-01-23T08:00"), end: at("2026-01-23T18:00") };
    expect(slotsFound(findAvailableSlots({ settings, now, window, busy: [] }))).toBe("I have Friday, January 23rd at 8am, 12:30pm or 5:30pm.");
    const fullDay = [{ start: window.start, end: window.end }];
    expect(slotsFound(findAvailableSlots({ settings, now, window, busy: fullDay }))).toMatch(
      /^I don't have anything free then\. The nearest openings after that are Monday, January 26th at 8am/,
    );
    const far = { start: at("2026-03-02T08:00"), end: at("2026-03-02T18:00") };
    expect(slotsFound(findAvailableSlots({ settings, now, window: far, busy: [] }))).toBe(
      "We only take bookings up to 14 days ahead, so that's too far out. Would an earlier date work?",
    );
    const everything = [{ start: now, end: at("2026-03-01T00:00") }];
    expect(slotsFound(findAvailableSlots({ settings, now, busy: everything }))).toBe(
      "I don't have any openings in the next 14 days. Would you like to leave a message instead?",
    );
  });

  it("after a lost slot, never offers an empty list", () => {
    const window = { start: at("2026-01-23T08:00"), end: at("2026-01-23T18:00") };
    const found = findAvailableSlots({ settings, now, window, busy: [] });
    // The search found only the lost slot, which the saga filters out.
    expect(takenWithAlternatives({ ...found, slots: [], offer: "" })).toBe("Sorry, that time was just taken. Would you like me to look for another time?");
    const everything = [{ start: now, end: at("2026-03-01T00:00") }];
    expect(takenWithAlternatives(findAvailableSlots({ settings, now, busy: everything }))).toBe(
      "Sorry, that time was just taken. I don't have any openings in the next 14 days. Would you like to leave a message instead?",
    );
  });
});
