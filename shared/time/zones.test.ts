import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { canonicalZone, resolveZone, zoneSpeech } from "./zones.ts";

const BUSINESS = "America/Phoenix";

function zoneOf(input: string | undefined): string {
  const result = resolveZone(input, BUSINESS);
  if (!result.ok) throw new Error(result.message);
  return result.zone;
}

describe("resolveZone", () => {
  it.each([
    ["EST", "America/New_York"],
    ["EDT", "America/New_York"],
    ["Florida", "America/New_York"],
    ["I'm in Indiana", "America/New_York"],
    ["Oklahoma", "America/Chicago"],
    ["Utah", "America/Denver"],
    ["Atlantic", "America/Halifax"],
    ["the UK", "Europe/London"],
    ["BST", "Europe/London"],
    ["IST", "Asia/Kolkata"],
    ["India", "Asia/Kolkata"],
    ["AEST", "Australia/Sydney"],
    ["Central European Time", "Europe/Paris"],
    ["Montreal", "America/Toronto"],
    ["ET", "America/New_York"],
    ["Eastern", "America/New_York"],
    ["eastern standard time", "America/New_York"],
    ["CST", "America/Chicago"],
    ["CDT", "America/Chicago"],
    ["Central", "America/Chicago"],
    ["MST", "America/Denver"],
    ["MDT", "America/Denver"],
    ["Mountain", "America/Denver"],
    ["PST", "America/Los_Angeles"],
    ["PDT", "America/Los_Angeles"],
    ["Pacific Time", "America/Los_Angeles"],
    ["AKST", "America/Anchorage"],
    ["HST", "Pacific/Honolulu"],
    ["Arizona", "America/Phoenix"],
    ["UTC", "UTC"],
    ["GMT", "UTC"],
    ["I'm in Denver", "America/Denver"],
    ["america/denver", "America/Denver"],
    ["Europe/London", "Europe/London"],
    ["London", "Europe/London"],
    ["UTC-7", "-07:00"],
  ])("reads %s as %s", (input, zone) => {
    expect(zoneOf(input)).toBe(zone);
  });

  it("falls back to the business's zone when the caller names none, and says it was assumed", () => {
    expect(resolveZone(undefined, BUSINESS)).toMatchObject({ ok: true, zone: BUSINESS, assumed: true, spokenName: "Arizona time" });
    expect(resolveZone("  ", BUSINESS)).toMatchObject({ ok: true, zone: BUSINESS, assumed: true });
    expect(resolveZone("EST", BUSINESS)).toMatchObject({ ok: true, assumed: false, spokenName: "Eastern time" });
  });

  it("answers an unknown zone with a sentence naming what was not understood", () => {
    const result = resolveZone("Narnia", BUSINESS);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain('"Narnia"');
      expect(result.message).toMatch(/\?$/);
    }
    expect(resolveZone("Mars/Olympus_Mons", BUSINESS).ok).toBe(false);
  });

  it("takes offsets from the IANA data: EST in July is New York's daylight time", () => {
    const july = Temporal.Instant.from("2026-07-15T19:00:00Z").toZonedDateTimeISO(zoneOf("EST"));
    expect(july.offset).toBe("-04:00");
    const january = Temporal.Instant.from("2026-01-15T20:00:00Z").toZonedDateTimeISO(zoneOf("EST"));
    expect(january.offset).toBe("-05:00");
  });
});

describe("zoneSpeech", () => {
  it("names US zones by region and places by place", () => {
    expect(zoneSpeech("America/New_York")).toEqual({ name: "Eastern time", where: "Eastern time" });
    expect(zoneSpeech("America/Phoenix")).toEqual({ name: "Arizona time", where: "in Arizona" });
    expect(zoneSpeech("America/Argentina/Buenos_Aires")).toEqual({ name: "Buenos Aires time", where: "in Buenos Aires" });
    expect(zoneSpeech("-07:00").name).toBe("UTC minus 7");
  });
});

describe("canonicalZone", () => {
  it("normalises case and rejects unknown names", () => {
    expect(canonicalZone("america/new_york")).toBe("America/New_York");
    expect(canonicalZone("Nowhere/Special")).toBeUndefined();
  });
});
