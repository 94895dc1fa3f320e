import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { DEFAULT_CALENDAR_SETTINGS, findAvailableSlots, type CalendarSettings } from "../availability/index.ts";
import { takenWithAlternatives } from "./words.ts";

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
          expect(result.slots.length, `${zone}: ${result.message}`).toBeGreaterThan(0);
          expect(words(result.message), result.message).toBeLessThanOrEqual(OFFER_WORDS);
          expect(words(takenWithAlternatives(result)), takenWithAlternatives(result)).toBeLessThanOrEqual(TAKEN_WORDS);
          // Each day once: no date repeated in the sentence.
          const dates = result.message.match(/(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \w+ \d+\w\w/g) ?? [];
          expect(new Set(dates).size, result.message).toBe(dates.length);
          // The business's zone at most once; "your time" at most once.
          expect(result.message.split("in Arizona").length - 1, result.message).toBeLessThanOrEqual(1);
          expect(result.message.split("your time").length - 1, result.message).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it("says the caller's clock, 'your time' once, and the business's zone once as the gap", () => {
    const [oneDay] = offers("America/New_York", false);
    expect(oneDay?.message).toBe("I have tomorrow at 10am, 2:30pm or 7:30pm your time, 2 hours earlier in Arizona.");
    expect(oneDay?.slots[0]?.spoken).toBe("tomorrow at 10am your time, 8am in Arizona");
    const [far] = offers("Asia/Kolkata", false);
    expect(far?.message).toBe("I have tomorrow at 8:30pm, or Wednesday, December 2nd at 1am or 6am your time.");
  });
});
