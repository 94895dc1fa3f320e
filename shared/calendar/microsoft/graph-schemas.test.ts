import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { CalendarError } from "../errors.ts";
import { graphInstant, utcDateTime } from "./graph-schemas.ts";

describe("graphInstant", () => {
  it("reads UTC with Graph's seven fractional digits, and wall clocks labelled with Windows or IANA zones", () => {
    expect(graphInstant({ dateTime: "2027-03-10T17:00:00.0000000", timeZone: "UTC" }).toString()).toBe("2027-03-10T17:00:00Z");
    // March 10th 2027 is before the US switch to daylight time (March 14th): PST, UTC-8; July is PDT, UTC-7.
    expect(graphInstant({ dateTime: "2027-03-10T09:00:00.0000000", timeZone: "Pacific Standard Time" }).toString()).toBe("2027-03-10T17:00:00Z");
    expect(graphInstant({ dateTime: "2027-07-10T09:00:00", timeZone: "Pacific Standard Time" }).toString()).toBe("2027-07-10T16:00:00Z");
    expect(graphInstant({ dateTime: "2027-07-10T09:00:00", timeZone: "W. Europe Standard Time" }).toString()).toBe("2027-07-10T07:00:00Z");
    expect(graphInstant({ dateTime: "2027-07-10T09:00:00", timeZone: "Europe/Paris" }).toString()).toBe("2027-07-10T07:00:00Z");
    expect(graphInstant({ dateTime: "2027-07-10T09:00:00Z" }).toString()).toBe("2027-07-10T09:00:00Z");
  });

  it("reads an all-day event's midnight in the zone it was written in", () => {
    expect(graphInstant({ dateTime: "2027-07-10T00:00:00.0000000", timeZone: "UTC" }, "Pacific Standard Time").toString()).toBe("2027-07-10T07:00:00Z");
  });

  it("refuses a zone it cannot place, as an invalid response (never a guess)", () => {
    expect(() => graphInstant({ dateTime: "2027-07-10T09:00:00", timeZone: "Mars Standard Time" })).toThrow(CalendarError);
  });

  it("writes UTC as Graph wants it", () => {
    expect(utcDateTime(Temporal.Instant.from("2027-03-10T17:00:00.123Z"))).toEqual({ dateTime: "2027-03-10T17:00:00", timeZone: "UTC" });
  });
});
