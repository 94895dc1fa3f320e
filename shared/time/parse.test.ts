import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CALENDAR_SETTINGS } from "../availability/settings.ts";
import { parseCallerTime, searchWindowOf, type CallerTime, type CallerTimeContext } from "./parse.ts";

const PHOENIX = "America/Phoenix";
const NEW_YORK = "America/New_York";
const calendar = DEFAULT_CALENDAR_SETTINGS; // Phoenix, 8am to 6pm, Monday to Friday
const NOW = Temporal.Instant.from("2026-01-20T15:00:00Z"); // Tuesday: 8am in Phoenix, 10am in New York
const context: CallerTimeContext = { now: NOW, callerZone: PHOENIX, calendar };

function point(result: CallerTime): { wall: string; assumed: boolean } {
  if (result.kind !== "point") throw new Error(`expected a point, got ${JSON.stringify(result)}`);
  return { wall: result.at.toPlainDateTime().toString().slice(0, 16), assumed: result.assumedMeridiem };
}
function span(result: CallerTime): [string, string] {
  if (result.kind !== "window") throw new Error(`expected a window, got ${JSON.stringify(result)}`);
  return [result.start.toString({ timeZoneName: "never" }).slice(0, 25), result.end.toString({ timeZoneName: "never" }).slice(0, 25)];
}
function question(result: CallerTime): { reason: string; options?: string[] } {
  if (result.kind !== "question") throw new Error(`expected a question, got ${JSON.stringify(result)}`);
  return { reason: result.reason, options: result.options?.map((o) => o.toPlainDateTime().toString().slice(0, 16)) };
}

describe("parseCallerTime: points", () => {
  it.each([
    ["3pm", "2026-01-20T15:00"],
    ["3:30 pm", "2026-01-20T15:30"],
    ["15:00", "2026-01-20T15:00"],
    ["3 in the afternoon", "2026-01-20T15:00"],
    ["10 in the morning", "2026-01-20T10:00"],
    ["noon", "2026-01-20T12:00"],
    ["Friday morning at 9", "2026-01-23T09:00"],
    ["at 3 tomorrow afternoon", "2026-01-21T15:00"],
  ])("reads %s as %s in the caller's zone, am/pm as said", (text, wall) => {
    expect(point(parseCallerTime(text, context))).toEqual({ wall, assumed: false });
  });

  it.each([
    ["tomorrow at 9", "2026-01-21T09:00"],
    ["next Tuesday at 10", "2026-01-27T10:00"],
    ["January 23rd at 3", "2026-01-23T15:00"],
  ])("reads %s as %s, the only one of am/pm inside business hours, and says it assumed", (text, wall) => {
    expect(point(parseCallerTime(text, context))).toEqual({ wall, assumed: true });
  });

  it("reads a time with no day as its next occurrence", () => {
    // 10am in New York has just passed at 10:00, so "10 in the morning" is tomorrow's.
    expect(point(parseCallerTime("10 in the morning", { ...context, callerZone: NEW_YORK })).wall).toBe("2026-01-21T10:00");
  });

  it("reads a time 'in N months' or 'in N years' on that later date, not today", () => {
    expect(point(parseCallerTime("in 3 months at 3pm", context))).toEqual({ wall: "2026-04-20T15:00", assumed: false });
    const far = parseCallerTime("in 10000 years at 3pm", context);
    expect(far.kind === "point" && far.at.year).toBe(12026);
    expect(span(parseCallerTime("in 10000 years in the afternoon", context))[0]).toMatch(/^\+012026-01-20T12:00/);
  });

  it("a 3pm Eastern request is 1pm in Arizona in January and noon in July", () => {
    const ny = { ...context, callerZone: NEW_YORK };
    const january = parseCallerTime("January 23rd at 3pm", ny);
    const july = parseCallerTime("July 23rd at 3pm", ny);
    if (january.kind !== "point" || july.kind !== "point") throw new Error("expected points");
    expect(january.at.withTimeZone(PHOENIX).toPlainTime().toString()).toBe("13:00:00");
    expect(july.at.withTimeZone(PHOENIX).toPlainTime().toString()).toBe("12:00:00");
  });
});

describe("parseCallerTime: windows", () => {
  it("reads a part of the day as a window on that day", () => {
    expect(span(parseCallerTime("Friday afternoon", { ...context, callerZone: "America/Denver" }))).toEqual([
      "2026-01-23T12:00:00-07:00",
      "2026-01-23T17:00:00-07:00",
    ]);
    expect(span(parseCallerTime("tomorrow morning", context))).toEqual(["2026-01-21T06:00:00-07:00", "2026-01-21T12:00:00-07:00"]);
  });

  it("reads 'this morning' as what is left of today's morning, and asks once it is over", () => {
    const ny = { ...context, callerZone: NEW_YORK };
    expect(span(parseCallerTime("this morning", ny))).toEqual(["2026-01-20T10:00:00-05:00", "2026-01-20T12:00:00-05:00"]);
    const afternoon = { ...ny, now: Temporal.Instant.from("2026-01-20T20:00:00Z") };
    expect(question(parseCallerTime("this morning", afternoon)).reason).toBe("in-the-past");
  });

  it("reads a day as the whole day, a range as a range, and a week from Monday", () => {
    expect(span(parseCallerTime("Friday", context))).toEqual(["2026-01-23T00:00:00-07:00", "2026-01-24T00:00:00-07:00"]);
    expect(span(parseCallerTime("tomorrow", context))).toEqual(["2026-01-21T00:00:00-07:00", "2026-01-22T00:00:00-07:00"]);
    expect(span(parseCallerTime("from 2 to 4pm tomorrow", context))).toEqual(["2026-01-21T14:00:00-07:00", "2026-01-21T16:00:00-07:00"]);
    expect(span(parseCallerTime("next week", context))).toEqual(["2026-01-26T00:00:00-07:00", "2026-02-02T00:00:00-07:00"]);
  });

  it("gives the slot search a window for a point or a window", () => {
    const at = parseCallerTime("3pm", context);
    if (at.kind === "question") throw new Error("expected a time");
    const window = searchWindowOf(at, 30);
    expect([window.start.toString(), window.end.toString()]).toEqual(["2026-01-20T22:00:00Z", "2026-01-20T22:30:00Z"]);
  });
});

describe("parseCallerTime properties", () => {
  it("reads 'Month Dth at H:MMpm' as that wall-clock time in the caller's zone, or asks about DST", () => {
    const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(0, 15, 30, 45),
        fc.constantFrom("am", "pm"),
        fc.constantFrom(PHOENIX, NEW_YORK, "Europe/London", "Australia/Sydney"),
        (month, day, hour, minute, meridiem, zone) => {
          const text = `${months[month - 1]} ${day} at ${hour}:${String(minute).padStart(2, "0")}${meridiem}`;
          const result = parseCallerTime(text, { now: Temporal.Instant.from("2025-12-31T12:00:00Z"), callerZone: zone });
          const hour24 = (hour % 12) + (meridiem === "pm" ? 12 : 0);
          if (result.kind === "question") {
            expect(["skipped-by-dst", "repeated-by-dst"]).toContain(result.reason);
            return;
          }
          expect(result.kind).toBe("point");
          if (result.kind !== "point") return;
          expect(result.at.timeZoneId).toBe(zone);
          expect([result.at.year, result.at.month, result.at.day, result.at.hour, result.at.minute]).toEqual([2026, month, day, hour24, minute]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
