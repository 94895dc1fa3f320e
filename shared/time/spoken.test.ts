import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { ordinal, spokenDate, spokenDateTime, spokenTime } from "./spoken.ts";

const instant = (iso: string) => Temporal.Instant.from(iso);
const NOW = instant("2026-01-20T15:00:00Z"); // Tuesday, January 20th, 8am in Phoenix, 10am in New York

describe("ordinal", () => {
  it.each([
    [1, "1st"], [2, "2nd"], [3, "3rd"], [4, "4th"], [11, "11th"], [12, "12th"], [13, "13th"],
    [21, "21st"], [22, "22nd"], [23, "23rd"], [24, "24th"], [30, "30th"], [31, "31st"], [111, "111th"],
  ])("%i → %s", (n, spoken) => {
    expect(ordinal(n)).toBe(spoken);
  });
});

describe("spokenTime", () => {
  it.each([
    ["15:00", "3pm"], ["10:30", "10:30am"], ["12:00", "noon"], ["00:00", "midnight"],
    ["12:15", "12:15pm"], ["00:30", "12:30am"], ["09:05", "9:05am"], ["23:59", "11:59pm"],
  ])("%s → %s", (time, spoken) => {
    expect(spokenTime(Temporal.PlainTime.from(time))).toBe(spoken);
  });
});

describe("spokenDate", () => {
  const today = Temporal.PlainDate.from("2026-01-20");
  it("says today and tomorrow, and the full date otherwise", () => {
    expect(spokenDate(today, today)).toBe("today");
    expect(spokenDate(Temporal.PlainDate.from("2026-01-21"), today)).toBe("tomorrow");
    expect(spokenDate(Temporal.PlainDate.from("2026-01-23"), today)).toBe("Friday, January 23rd");
    expect(spokenDate(Temporal.PlainDate.from("2026-02-01"), today)).toBe("Sunday, February 1st");
  });
  it("adds the year when the date is far enough away for the month to be ambiguous", () => {
    expect(spokenDate(Temporal.PlainDate.from("2027-01-19"), today)).toBe("Tuesday, January 19th, 2027");
  });
});

describe("spokenDateTime", () => {
  it('says "Friday, January 23rd at 3pm" in the caller\'s zone', () => {
    expect(spokenDateTime(instant("2026-01-23T20:00:00Z"), "America/New_York", NOW)).toBe("Friday, January 23rd at 3pm");
  });

  it("says today and tomorrow as the caller's calendar has them, not UTC's", () => {
    // 11pm on the 20th in Phoenix is already the 21st in UTC.
    expect(spokenDateTime(instant("2026-01-21T06:00:00Z"), "America/Phoenix", NOW)).toBe("today at 11pm");
    expect(spokenDateTime(instant("2026-01-21T17:30:00Z"), "America/Phoenix", NOW)).toBe("tomorrow at 10:30am");
    expect(spokenDateTime(instant("2026-01-21T19:00:00Z"), "America/Phoenix", NOW)).toBe("tomorrow at noon");
  });

  it("a 3pm Eastern time is 1pm in Arizona in January and noon in July", () => {
    const options = { businessZone: "America/Phoenix" };
    const january = Temporal.PlainDateTime.from("2026-01-23T15:00").toZonedDateTime("America/New_York").toInstant();
    const july = Temporal.PlainDateTime.from("2026-07-23T15:00").toZonedDateTime("America/New_York").toInstant();
    expect(spokenDateTime(january, "America/New_York", NOW, options)).toBe("Friday, January 23rd at 3pm your time, 1pm in Arizona");
    expect(spokenDateTime(july, "America/New_York", instant("2026-07-20T15:00:00Z"), options)).toBe(
      "Thursday, July 23rd at 3pm your time, noon in Arizona",
    );
  });

  it("says the business's weekday when its clock is on another day", () => {
    const late = Temporal.PlainDateTime.from("2026-01-23T23:00").toZonedDateTime("America/Los_Angeles").toInstant();
    expect(spokenDateTime(late, "America/Los_Angeles", NOW, { businessZone: "America/New_York" })).toBe(
      "Friday, January 23rd at 11pm your time, 2am Saturday Eastern time",
    );
  });

  it("says one clock when both zones read the same, naming it when asked", () => {
    // Phoenix and Los Angeles share a clock in summer.
    const summer = instant("2026-07-23T22:00:00Z");
    expect(spokenDateTime(summer, "America/Los_Angeles", instant("2026-07-20T15:00:00Z"), { businessZone: "America/Phoenix" })).toBe(
      "Thursday, July 23rd at 3pm",
    );
    expect(spokenDateTime(instant("2026-01-23T22:00:00Z"), "America/Phoenix", NOW, { nameZone: true })).toBe(
      "Friday, January 23rd at 3pm Arizona time",
    );
  });

  it("says the right hours on both sides of the DST changes for an Arizona business", () => {
    const business = { businessZone: "America/Phoenix" };
    // Saturday before and Monday after the March change, 10am in Denver.
    const before = Temporal.PlainDateTime.from("2026-03-07T10:00").toZonedDateTime("America/Denver").toInstant();
    const after = Temporal.PlainDateTime.from("2026-03-09T10:00").toZonedDateTime("America/Denver").toInstant();
    const now = instant("2026-03-01T12:00:00Z");
    expect(spokenDateTime(before, "America/Denver", now, business)).toBe("Saturday, March 7th at 10am");
    expect(spokenDateTime(after, "America/Denver", now, business)).toBe("Monday, March 9th at 10am your time, 9am in Arizona");
    // On the changeover day itself, after 2am Denver is on daylight time.
    const sunday = Temporal.PlainDateTime.from("2026-03-08T15:00").toZonedDateTime("America/Denver").toInstant();
    expect(spokenDateTime(sunday, "America/Denver", now, business)).toBe("Sunday, March 8th at 3pm your time, 2pm in Arizona");
    const november = Temporal.PlainDateTime.from("2026-11-01T15:00").toZonedDateTime("America/Denver").toInstant();
    expect(spokenDateTime(november, "America/Denver", instant("2026-10-25T12:00:00Z"), business)).toBe("Sunday, November 1st at 3pm");
  });
});
